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
        while i < self.end {
            let c = CLASS[self.b[i] as usize];
            if c & TERM != 0 {
                break;
            }
            cls &= c;
            i += 1;
        }
        self.i = i;
        Some(Tok {
            s: s as u32,
            e: i as u32,
            q: 0,
            esc: false,
            cls: cls & (CLS_ASCII | CLS_LEGAL),
        })
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
