//! The common metric line (`name value [timestamp] key=value …`, unquoted or plainly quoted
//! tokens, single ASCII separators) tokenized in one forward pass, without the general lexer's
//! look-ahead machinery.
//!
//! It either produces exactly the record the general decoder would (same tokens, same value and
//! timestamp, tags in the same order; the shared `finish_point` then applies every proxy rule) or
//! gives up, and the caller runs the general decoder from scratch. It gives up on anything it
//! does not model: quoted names, escaped quotes, `k = v` with spaces, a quote followed by more
//! token, non-ASCII where the lexer could see whitespace, a value or timestamp that does not
//! parse, a missing tag value. Giving up is always safe; only acceptance must be exact, and
//! `tests/fast_path.rs` holds it to the general decoder on random lines.

use crate::lex::{Tok, CLS_ASCII, CLS_DELTA_LEGAL, CLS_LEGAL};
use crate::model::*;
use crate::num::{metric_timestamp_ms, parse_java_double};
use crate::validate::{is_delta_name, legal_ascii};

/// Byte classes in one lookup: `CLS_ASCII`, `CLS_LEGAL`, and `TERM` for the bytes that end an
/// unquoted token as in the lexer (space, tab, `=`). Scanning a token ANDs the classes of its
/// bytes, which spares validation a second and third pass over them (char rules, UTF-16 length).
const TERM: u8 = 0x80;
const fn class_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 128 {
        t[c] = CLS_ASCII | if legal_ascii(c as u8) { CLS_LEGAL } else { 0 };
        c += 1;
    }
    t[b' ' as usize] |= TERM;
    t[b'\t' as usize] |= TERM;
    t[b'=' as usize] |= TERM;
    t
}
static CLASS: [u8; 256] = class_table();

/// The lexer's ASCII whitespace between tokens (Java `Character.isWhitespace` below 0x80).
#[inline(always)]
fn is_ws(c: u8) -> bool {
    matches!(c, 0x09..=0x0D | 0x1C..=0x20)
}

/// Bytes the lexer treats specially at the start of a token.
#[inline(always)]
fn opens_special(c: u8) -> bool {
    matches!(c, b'"' | b'\'' | b'=' | b'#')
}

/// Line cursor over `buf[..end]`.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
    end: usize,
}

impl Cur<'_> {
    /// An unquoted token from `i`: up to a terminator or the end. `None` when it would start
    /// with a byte the lexer treats specially.
    #[inline(always)]
    fn plain(&mut self) -> Option<Tok> {
        let s = self.i;
        if s >= self.end || opens_special(self.b[s]) {
            return None;
        }
        let mut cls = CLASS[self.b[s] as usize];
        let mut i = s + 1;
        #[cfg(target_arch = "x86_64")]
        while i + 16 <= self.b.len() {
            // 16 bytes at a time while they are in the buffer (they may run past the line: the
            // stop is clamped to it).
            let (stop, c) = simd::scan16(&self.b[i..i + 16]);
            let stop = stop.min(self.end - i);
            cls &= c(stop);
            i += stop;
            if stop < 16 {
                self.i = i;
                return Some(self.plain_tok(s, i, cls));
            }
        }
        while i < self.end {
            let c = CLASS[self.b[i] as usize];
            if c & TERM != 0 {
                break;
            }
            cls &= c;
            i += 1;
        }
        self.i = i;
        Some(self.plain_tok(s, i, cls))
    }

    #[inline(always)]
    fn plain_tok(&self, s: usize, e: usize, cls: u8) -> Tok {
        Tok {
            s: s as u32,
            e: e as u32,
            q: 0,
            esc: false,
            cls: cls & (CLS_ASCII | CLS_LEGAL),
        }
    }

    /// The name: `plain`, or a delta sign followed by a plain rest, which keeps the rest's
    /// legality as `CLS_DELTA_LEGAL`. A bare sign or a special byte after it is left to the
    /// general decoder.
    #[inline(always)]
    fn name(&mut self) -> Option<Tok> {
        let s = self.i;
        let sign = match self.b[s..self.end] {
            [0xE2, 0x88, 0x86, ..] => 3,
            [0xCE, 0x94, ..] => 2,
            _ => return self.plain(),
        };
        if s + sign >= self.end || CLASS[self.b[s + sign] as usize] & TERM != 0 {
            return None;
        }
        self.i = s + sign;
        let mut t = self.plain()?;
        t.s = s as u32;
        t.cls = if t.cls & CLS_LEGAL != 0 {
            CLS_DELTA_LEGAL
        } else {
            0
        };
        Some(t)
    }

    /// Skips separators after a token. False when the next token could begin with non-ASCII
    /// whitespace the lexer would also skip (U+00A0 is not Java whitespace, but U+2000… are).
    #[inline(always)]
    fn skip_ws(&mut self) -> bool {
        while self.i < self.end && is_ws(self.b[self.i]) {
            self.i += 1;
        }
        self.i >= self.end || self.b[self.i] < 0x80
    }

    /// After a token: at the end, or at a separator that is skipped.
    #[inline(always)]
    fn after_token(&mut self) -> bool {
        if self.i < self.end && !matches!(self.b[self.i], b' ' | b'\t') {
            return false;
        }
        self.skip_ws()
    }

    /// A tag value: plain, or quoted without any escaped quote and followed by a separator.
    #[inline(always)]
    fn value(&mut self) -> Option<Tok> {
        let s = self.i;
        if s >= self.end {
            return None;
        }
        let q = self.b[s];
        // Whitespace here means `k= v`, and a non-ASCII byte may be whitespace too: the lexer
        // would skip it, so the general decoder decides.
        if q <= b' ' || q >= 0x80 {
            return None;
        }
        if q != b'"' && q != b'\'' {
            let t = self.plain()?;
            return (self.i >= self.end || self.b[self.i] != b'=').then_some(t);
        }
        // Values are short: a byte loop that also learns whether they are ASCII beats memchr.
        let mut close = s + 1;
        let mut high = 0u8;
        loop {
            let c = *self.b[..self.end].get(close)?;
            if c == q {
                break;
            }
            high |= c;
            close += 1;
        }
        if self.b[close - 1] == b'\\' {
            return None;
        }
        self.i = close + 1;
        Some(Tok {
            s: (s + 1) as u32,
            e: close as u32,
            q,
            esc: false,
            cls: if high < 0x80 { CLS_ASCII } else { 0 },
        })
    }
}

/// Tokenizes the trimmed metric line `buf[rec.line_s..rec.line_e]` into `rec` (kind, name,
/// value, timestamp, tags). False when the general decoder must decide; `rec` is then dirty and
/// must be reset.
pub fn metric_tokens(buf: &[u8], rec: &mut Rec) -> bool {
    let s = rec.line_s as usize;
    let end = rec.line_e as usize;
    // The delta signs are the only non-ASCII starts that are not possibly whitespace.
    if buf[s] >= 0x80 && !is_delta_name(&buf[s..end]) {
        return false;
    }
    let mut c = Cur { b: buf, i: s, end };
    let Some(name) = c.name() else { return false };
    if !c.after_token() || c.i >= end {
        return false;
    }
    let Some(v) = c.plain() else { return false };
    if !c.after_token() {
        return false;
    }
    let Some(value) = parse_java_double(v.raw(buf)) else {
        return false;
    };
    rec.kind = if is_delta_name(name.raw(buf)) {
        Kind::Delta
    } else {
        Kind::Metric
    };
    rec.name = name;
    rec.value = value;
    rec.value_tok = v;
    if c.i < end && buf[c.i].is_ascii_digit() {
        let Some(t) = c.plain() else { return false };
        if !c.after_token() {
            return false;
        }
        let Some(x) = parse_java_double(t.raw(buf)) else {
            return false;
        };
        let (ms, unit) = metric_timestamp_ms(x);
        rec.ts = Some(t);
        rec.ts_ms = ms;
        rec.ts_unit = unit;
    }
    while c.i < end {
        let Some(k) = c.plain() else { return false };
        if c.i >= end || buf[c.i] != b'=' {
            return false;
        }
        c.i += 1;
        let Some(v) = c.value() else { return false };
        if !c.after_token() {
            return false;
        }
        rec.tags.push(Tag { k, v, flags: 0 });
    }
    true
}

/// SSE2 (part of every x86-64) form of the plain-token loop: where the first terminator is, and
/// the AND of the byte classes before it. Held to the byte loop by `tests/fast_path.rs`.
#[cfg(target_arch = "x86_64")]
mod simd {
    use super::{CLS_ASCII, CLS_LEGAL};
    use std::arch::x86_64::*;

    /// Index of the first space, tab or `=` in `b` (16 when none), and the classes of the bytes
    /// before a given index (`CLS_ASCII | CLS_LEGAL` when every one of them has them).
    #[inline(always)]
    pub fn scan16(b: &[u8]) -> (usize, impl Fn(usize) -> u8) {
        debug_assert!(b.len() >= 16);
        // SAFETY: SSE2 is baseline on x86_64, and the load reads exactly the 16 bytes of `b`.
        let (term, legal, high) = unsafe {
            let v = _mm_loadu_si128(b.as_ptr() as *const __m128i);
            let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            let term = _mm_or_si128(_mm_or_si128(eq(b' '), eq(b'\t')), eq(b'='));
            // In [lo, hi], signed: bytes >= 0x80 are negative, so never in an ASCII range.
            let within = |lo: u8, hi: u8| {
                _mm_and_si128(
                    _mm_cmpgt_epi8(v, _mm_set1_epi8(lo as i8 - 1)),
                    _mm_cmplt_epi8(v, _mm_set1_epi8(hi as i8 + 1)),
                )
            };
            let legal = _mm_or_si128(
                _mm_or_si128(within(44, 57), within(65, 90)),
                _mm_or_si128(within(97, 122), eq(b'_')),
            );
            (
                _mm_movemask_epi8(term) as u32,
                _mm_movemask_epi8(legal) as u32,
                _mm_movemask_epi8(v) as u32,
            )
        };
        let stop = (term | 0x1_0000).trailing_zeros() as usize;
        (stop, move |n: usize| {
            let below = (1u32 << n) - 1;
            (if high & below == 0 { CLS_ASCII } else { 0 })
                | (if legal & below == below { CLS_LEGAL } else { 0 })
        })
    }
}
