//! Randomness, passed in from outside so that the core stays deterministic.

/// A source of random numbers. The runtime passes a real one; tests pass a seeded or fixed
/// one so that `States.UUID`, `States.MathRandom` and retry jitter are reproducible.
pub trait Entropy {
    /// A uniformly distributed 64-bit value.
    fn next_u64(&mut self) -> u64;

    /// A uniformly distributed float in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A small, fast, seedable generator (SplitMix64). Good enough for jitter and UUIDs in tests;
/// not for cryptography.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

/// A random (version 4) UUID in its lowercase 8-4-4-4-12 form.
///
/// Every execution without a given name gets one, so it is written straight into its text
/// (no formatting machinery: that took about a twentieth of a short execution's time).
pub fn uuid_v4(entropy: &mut dyn Entropy) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&entropy.next_u64().to_be_bytes());
    bytes[8..].copy_from_slice(&entropy.next_u64().to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut text = String::with_capacity(36);
    for (n, byte) in bytes.into_iter().enumerate() {
        // The groups of 8, 4, 4, 4 and 12 digits: a hyphen before bytes 4, 6, 8 and 10.
        if matches!(n, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

impl Entropy for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The UUID's text is its 16 bytes in hexadecimal, grouped 8-4-4-4-12 (RFC 4122), with
    /// the version and variant bits set: the same text as the bytes' standard hexadecimal
    /// encoding cut into those groups, which names stored executions (their replay makes it
    /// again from their seed, and must find the same).
    #[test]
    fn a_uuid_is_its_bytes_in_hexadecimal_grouped_8_4_4_4_12() {
        for seed in [0, 1, 42, u64::MAX, 0x0123_4567_89ab_cdef] {
            let mut entropy = SplitMix64(seed);
            let mut same = SplitMix64(seed);
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&same.next_u64().to_be_bytes());
            bytes[8..].copy_from_slice(&same.next_u64().to_be_bytes());
            bytes[6] = (bytes[6] & 0x0f) | 0x40;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
            let hex = hex::encode(bytes);
            let expected = [
                &hex[0..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..],
            ];
            assert_eq!(uuid_v4(&mut entropy), expected.join("-"));
        }
    }
}
