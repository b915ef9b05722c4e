//! "Did you mean ...?" suggestions for misspelled names.

/// Names longer than this are not compared (AWS's limit on state names): an edit distance
/// costs the product of the two lengths.
const MAX_NAME_CHARS: usize = 80;

/// The candidate closest to `word` by edit distance (case-insensitive), when it is close
/// enough to be a plausible typo; of equally close ones, the first in alphabetical order (the
/// same answer whatever order the candidates come in). Names longer than `MAX_NAME_CHARS`
/// get no suggestion and are not suggested.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_chars = short_name_chars(word)?;
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let Some(candidate_chars) = short_name_chars(candidate) else {
            continue;
        };
        let limit = (candidate_chars.max(word_chars) / 3).max(1);
        // The distance is at least the difference in length.
        if candidate_chars.abs_diff(word_chars) > limit {
            continue;
        }
        let d = distance(&lower, &candidate.to_lowercase());
        if d <= limit && best.is_none_or(|(bd, bc)| (d, candidate) < (bd, bc)) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The characters of `name`, when at most [`MAX_NAME_CHARS`] (counted without reading a long
/// name through).
fn short_name_chars(name: &str) -> Option<usize> {
    if name.len() > 4 * MAX_NAME_CHARS {
        return None;
    }
    Some(name.chars().count()).filter(|&n| n <= MAX_NAME_CHARS)
}

/// `" (did you mean 'X'?)"` for the closest candidate, or nothing.
pub fn hint<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

/// Suggestions within a budget of comparisons, for the many names of one definition: a
/// definition with many misspelt targets among many states would otherwise cost their
/// product (20,000 of each: 74 s). Past the budget, names get no suggestion; no real
/// definition comes near it.
#[derive(Debug)]
pub(crate) struct Budget {
    comparisons_left: usize,
}

/// Comparisons a [`Budget`] allows: 1,000 misspelt names among 1,000 states.
pub(crate) const MAX_COMPARISONS: usize = 1_000_000;

impl Default for Budget {
    fn default() -> Self {
        Budget {
            comparisons_left: MAX_COMPARISONS,
        }
    }
}

impl Budget {
    /// [`hint`], when the budget has room for all of `candidates` (so that the answer does
    /// not depend on their order); nothing otherwise.
    pub(crate) fn hint<'a, I>(&mut self, word: &str, candidates: I) -> String
    where
        I: IntoIterator<Item = &'a str>,
        I::IntoIter: ExactSizeIterator,
    {
        let candidates = candidates.into_iter();
        match self.comparisons_left.checked_sub(candidates.len()) {
            Some(left) => {
                self.comparisons_left = left;
                hint(word, candidates)
            }
            None => String::new(),
        }
    }
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
    fn long_names_are_not_compared() {
        let long = "a".repeat(MAX_NAME_CHARS + 1);
        let near = format!("{long}b");
        assert_eq!(closest(&long, [near.as_str()]), None);
        assert_eq!(closest("aaaa", [long.as_str()]), None);
        // A name of a megabyte is skipped without being read through.
        let huge = "x".repeat(1 << 20);
        assert_eq!(closest(&huge, ["x"]), None);
    }

    #[test]
    fn a_budget_bounds_the_comparisons() {
        let names: Vec<String> = (0..100).map(|i| format!("State{i}x")).collect();
        // Each call compares with the 100 names: room for 100 calls.
        let mut budget = Budget {
            comparisons_left: 100 * 100,
        };
        for i in 0..100 {
            let hint = budget.hint(&format!("State{i}"), names.iter().map(String::as_str));
            assert_eq!(hint, format!(" (did you mean 'State{i}x'?)"));
        }
        assert_eq!(budget.hint("State1", names.iter().map(String::as_str)), "");
        // A call that does not fit in what is left gets nothing, whatever the order.
        let mut budget = Budget {
            comparisons_left: 2,
        };
        assert_eq!(budget.hint("Dnoe", ["Done", "Ship", "Pay"]), "");
        assert_eq!(
            budget.hint("Dnoe", ["Done", "Ship"]),
            " (did you mean 'Done'?)"
        );
    }

    #[test]
    fn ties_give_the_same_answer_in_any_order() {
        assert_eq!(closest("Bb", ["B", "Cb"]), Some("B"));
        assert_eq!(closest("Bb", ["Cb", "B"]), Some("B"));
    }
}
