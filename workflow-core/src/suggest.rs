//! "Did you mean ...?" suggestions for misspelled names.

/// The candidate closest to `word` by edit distance (case-insensitive), when it is close
/// enough to be a plausible typo; of equally close ones, the first in alphabetical order (the
/// same answer whatever order the candidates come in).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let d = distance(&lower, &candidate.to_lowercase());
        let limit = (candidate.chars().count().max(word.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, bc)| (d, candidate) < (bd, bc)) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `" (did you mean 'X'?)"` for the closest candidate, or nothing.
pub fn hint<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

/// Levenshtein distance, counting a swap of two adjacent characters as one edit.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let names = ["ChargePayment", "Ship", "Done"];
        assert_eq!(closest("ChargePaymnt", names), Some("ChargePayment"));
        assert_eq!(closest("chargepayment", names), Some("ChargePayment"));
        assert_eq!(closest("Dnoe", names), Some("Done"));
        assert_eq!(closest("Unrelated", names), None);
        assert_eq!(closest("Nxt", ["Next", "End"]), Some("Next"));
    }

    #[test]
    fn ties_give_the_same_answer_in_any_order() {
        assert_eq!(closest("Bb", ["B", "Cb"]), Some("B"));
        assert_eq!(closest("Bb", ["Cb", "B"]), Some("B"));
    }
}
