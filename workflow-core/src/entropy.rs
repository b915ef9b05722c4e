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
pub fn uuid_v4(entropy: &mut dyn Entropy) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&entropy.next_u64().to_be_bytes());
    bytes[8..].copy_from_slice(&entropy.next_u64().to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
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
