//! Deterministic identifiers: a seeded PRNG, GUID formatting and parsing.

/// SplitMix64: tiny, pure and good enough to make ids and fault decisions
/// that repeat exactly for a given seed (no OS randomness, so it runs in wasm).
#[derive(Clone, Debug)]
pub(crate) struct Prng(u64);

impl Prng {
    pub(crate) fn new(seed: u64) -> Self {
        Prng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in [0, 1).
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A random (version 4) GUID in Graph's lowercase form.
    pub(crate) fn guid(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        let hi = (hi & !0xF000) | 0x4000; // version 4
        let lo = (lo & !(0xC000 << 48)) | (0x8000 << 48); // RFC 4122 variant
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xFFFF,
            hi & 0xFFFF,
            lo >> 48,
            lo & 0xFFFF_FFFF_FFFF
        )
    }
}

/// Whether `s` is a GUID in the 8-4-4-4-12 hex form (any case).
pub(crate) fn is_guid(s: &str) -> bool {
    parse_guid(s).is_some()
}

/// The 16 bytes of a GUID in the field order it is written in.
fn parse_guid(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut i = 0;
    while i < 36 {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b[i] != b'-' {
                return None;
            }
            i += 1;
            continue;
        }
        let hi = hex(b[i])?;
        let lo = hex(*b.get(i + 1)?)?;
        out[n] = hi << 4 | lo;
        n += 1;
        i += 2;
    }
    Some(out)
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// A GUID's bytes as .NET lays them out (first three fields little-endian),
/// which is what Graph base64-encodes into role assignment ids.
pub(crate) fn guid_bytes_dotnet(s: &str) -> Option<[u8; 16]> {
    let mut b = parse_guid(s)?;
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

pub(crate) const EMPTY_GUID: &str = "00000000-0000-0000-0000-000000000000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_well_formed_and_repeat_per_seed() {
        let mut a = Prng::new(7);
        let mut b = Prng::new(7);
        let g = a.guid();
        assert!(is_guid(&g));
        assert_eq!(g, b.guid());
        assert_eq!(&g[14..15], "4");
        assert_ne!(a.guid(), g);
    }

    #[test]
    fn parses_only_guids() {
        assert!(is_guid("62E90394-69f5-4237-9190-012177145e10"));
        assert!(!is_guid("62e90394-69f5-4237-9190-012177145e1"));
        assert!(!is_guid("62e90394x69f5-4237-9190-012177145e10"));
        assert!(!is_guid("zze90394-69f5-4237-9190-012177145e10"));
    }
}
