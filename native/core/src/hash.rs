//! The fast seeded hash behind the family shape cache and series hashes.

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;

/// Fast seeded 64-bit hash over a sequence of byte strings: two independent multiply-rotate lanes
/// over 16-byte steps, so the multiply latency of one lane hides behind the other (the
/// single-lane version was the hottest loop of the batch parser). Each string ends with a block of
/// its last bytes (loaded overlapping, never copied) that carries its length, so ("ab", "c") and
/// ("a", "bc") differ, and strings are absorbed straight from the line without being copied
/// together first. Not cryptographic: it indexes caches whose entries are compared byte for byte,
/// and hashes series.
#[derive(Clone, Copy)]
pub struct Stream {
    a: u64,
    c: u64,
}

impl Stream {
    #[inline]
    pub fn new(seed: u64) -> Self {
        Stream {
            a: seed ^ K1,
            c: seed.rotate_left(32) ^ K2,
        }
    }

    #[inline]
    fn round(&mut self, w1: u64, w2: u64) {
        self.a = (self.a ^ w1).wrapping_mul(K1).rotate_left(29);
        self.c = (self.c ^ w2).wrapping_mul(K2).rotate_left(31);
    }

    /// Absorbs one string; `tag` (< 256) is mixed in with its length.
    #[inline]
    pub fn absorb(&mut self, tag: u8, b: &[u8]) {
        let n = b.len();
        let last = if n > 16 {
            // Full blocks while more than 16 bytes remain, then the last 16 bytes (overlapping
            // the previous block; the length mixed in keeps that unambiguous).
            let mut i = 0;
            while n - i > 16 {
                self.round(word(b, i), word(b, i + 8));
                i += 16;
            }
            (word(b, n - 16), word(b, n - 8))
        } else {
            short_words(b)
        };
        self.round(
            last.0,
            last.1 ^ ((n as u64) << 8 | tag as u64).rotate_right(8),
        );
    }

    #[inline]
    pub fn finish(self) -> u64 {
        let mut h = self.a ^ self.c.rotate_left(17);
        h ^= h >> 32;
        h = h.wrapping_mul(0xD6E8_FEB8_6659_FD93);
        h ^ (h >> 32)
    }
}

#[inline]
fn word(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
}

/// The bytes of a string of at most 16 as two words, without a copy: overlapping loads cover every
/// byte, so two strings of the same length are equal exactly when their words are.
#[inline]
fn short_words(b: &[u8]) -> (u64, u64) {
    let n = b.len();
    if n >= 8 {
        (word(b, 0), word(b, n - 8))
    } else if n >= 4 {
        let lo = u32::from_le_bytes(b[..4].try_into().expect("4 bytes")) as u64;
        let hi = u32::from_le_bytes(b[n - 4..].try_into().expect("4 bytes")) as u64;
        (lo | hi << 32, 0)
    } else if n > 0 {
        (
            b[0] as u64 | (b[n / 2] as u64) << 8 | (b[n - 1] as u64) << 16,
            0,
        )
    } else {
        (0, 0)
    }
}

/// Byte equality; short strings compare as words (a call to `memcmp` costs more than they do).
#[inline]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && if a.len() <= 16 {
            short_words(a) == short_words(b)
        } else {
            a == b
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_strings_compare_as_words_exactly() {
        let base: Vec<u8> = (0..24u8).map(|i| i.wrapping_mul(37) ^ 0x5A).collect();
        for n in 0..=base.len() {
            let a = &base[..n];
            let copy = a.to_vec();
            assert!(same_bytes(a, &copy));
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 1;
                assert!(!same_bytes(a, &b), "len {n}, byte {i}");
            }
            if n > 0 {
                assert!(!same_bytes(a, &a[..n - 1]));
            }
        }
    }

    #[test]
    fn stream_keeps_string_boundaries_and_tags() {
        let h = |parts: &[(u8, &[u8])]| {
            let mut s = Stream::new(7);
            for &(t, b) in parts {
                s.absorb(t, b);
            }
            s.finish()
        };
        assert_ne!(h(&[(0, b"ab"), (0, b"c")]), h(&[(0, b"a"), (0, b"bc")]));
        assert_ne!(h(&[(0, b"ab")]), h(&[(1, b"ab")]));
        assert_ne!(h(&[(0, b"")]), h(&[]));
        let long = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut seen = std::collections::HashSet::new();
        for n in 0..=long.len() {
            assert!(seen.insert(h(&[(0, &long[..n])])), "prefix {n}");
        }
    }
}
