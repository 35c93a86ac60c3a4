//! The proxy's character and length rules (java-lib `Validation`).

use crate::lex::decode_char;

/// Legal ASCII name chars: 44–57 (`, - . /` and digits), 65–90, 97–122, 95 (`_`).
pub const fn legal_ascii(c: u8) -> bool {
    (c >= 44 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
}

const fn legal_table() -> [bool; 128] {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        t[c] = legal_ascii(c as u8);
        c += 1;
    }
    t
}
static LEGAL: [bool; 128] = legal_table();

const DELTA_INCREMENT: u32 = 0x2206;
const DELTA_GREEK: u32 = 0x0394;

/// `Validation.charactersAreValid` on UTF-8 bytes. Positions are UTF-16 units, as in Java; only
/// positions 0 and 1 have exceptions and both exceptions are BMP chars, so counting scalars is
/// exact here.
pub fn chars_valid(b: &[u8]) -> bool {
    if b.is_empty() {
        return false;
    }
    if b.iter().all(|&c| c < 128 && LEGAL[c as usize]) {
        return true;
    }
    let mut i = 0;
    let mut pos = 0;
    let mut first = 0u32;
    while i < b.len() {
        let (cp, n) = decode_char(b, i);
        if pos == 0 {
            first = cp;
        }
        let legal = cp < 128 && LEGAL[cp as usize];
        if !legal {
            let ok0 = pos == 0 && (cp == DELTA_INCREMENT || cp == DELTA_GREEK || cp == b'~' as u32);
            let ok1 =
                pos == 1 && cp == b'~' as u32 && (first == DELTA_INCREMENT || first == DELTA_GREEK);
            if !ok0 && !ok1 {
                return false;
            }
        }
        i += n;
        pos += 1;
    }
    true
}

/// True when the decoded name begins with `∆` (E2 88 86) or `Δ` (CE 94).
#[inline]
pub fn is_delta_name(b: &[u8]) -> bool {
    b.starts_with(&[0xE2, 0x88, 0x86]) || b.starts_with(&[0xCE, 0x94])
}

/// A name that is only a delta sign: the proxy fails with an uncaught index error (WF-500).
#[inline]
pub fn is_delta_only(b: &[u8]) -> bool {
    b == [0xE2, 0x88, 0x86] || b == [0xCE, 0x94]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn charset() {
        assert!(chars_valid(b"a-b.c/d,e_F9"));
        assert!(chars_valid("~proxy".as_bytes()));
        assert!(chars_valid("∆~x".as_bytes()));
        assert!(chars_valid("Δreq".as_bytes()));
        assert!(!chars_valid("~∆x".as_bytes()));
        assert!(!chars_valid("∆∆x".as_bytes()));
        assert!(!chars_valid("a~".as_bytes()));
        assert!(!chars_valid(b"a b"));
        assert!(!chars_valid(b"a:b"));
        assert!(!chars_valid("zürich".as_bytes()));
        assert!(!chars_valid(b""));
        assert!(!chars_valid(b"\xff"));
    }
}
