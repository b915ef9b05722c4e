//! A fast hasher for the maps a runtime keys by ARN or token on its hot path (every execution
//! it starts is looked up and inserted): the standard SipHash costs more than the rest of a
//! short execution's bookkeeping. These keys are the runtime's own (ARNs it made, tokens it
//! drew), so a hash that is not keyed against collision attacks does.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash (as rustc uses): a multiply and a rotate per eight bytes.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(word);
            self.add(u64::from_le_bytes(b));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A map with [`FxHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, BuildHasherDefault};

    use super::*;

    #[test]
    fn keys_that_differ_anywhere_hash_apart() {
        let build = BuildHasherDefault::<FxHasher>::default();
        let base = "arn:aws:states:us-east-1:123456789012:execution:Orders:run-0001";
        let mut hashes: Vec<u64> = (0..base.len())
            .map(|i| {
                let mut changed = base.as_bytes().to_vec();
                changed[i] ^= 1;
                build.hash_one(String::from_utf8(changed).unwrap())
            })
            .collect();
        hashes.push(build.hash_one(base));
        hashes.push(build.hash_one(&base[..base.len() - 1]));
        let count = hashes.len();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), count);
    }
}
