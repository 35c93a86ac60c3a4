//! The proxy's one tokenizer (java-lib `StringParser`), over bytes instead of a Java `String`.
//!
//! Tokens are zero-copy spans into the batch buffer. A quoted token records its quote char and
//! whether it held an escaped quote; only then does its decoded text differ from the raw bytes,
//! so the common path never allocates.

/// A token: `s..e` is the text between the quotes (or the whole unquoted token), as absolute
/// offsets into the batch buffer.
#[derive(Clone, Copy, Default, Debug)]
pub struct Tok {
    pub s: u32,
    pub e: u32,
    /// 0 for unquoted, otherwise `"` or `'`.
    pub q: u8,
    /// The quoted text held `\q`, which decodes to a bare quote.
    pub esc: bool,
    /// What the tokenizer learnt of the bytes on its way past (`CLS_*`), so validation need not
    /// scan them again; 0 promises nothing. A cache: equality ignores it.
    pub cls: u8,
}

/// Every byte is ASCII: the UTF-16 length is the byte length.
pub const CLS_ASCII: u8 = 1;
/// Every byte is a legal name char (so ASCII, and no delta sign): `chars_valid` holds.
pub const CLS_LEGAL: u8 = 2;
/// A delta sign (`∆` or `Δ`, one UTF-16 unit) then at least one legal name char: `chars_valid`
/// holds and the name is not the bare sign.
pub const CLS_DELTA_LEGAL: u8 = 4;

impl PartialEq for Tok {
    fn eq(&self, o: &Tok) -> bool {
        self.s == o.s && self.e == o.e && self.q == o.q && self.esc == o.esc
    }
}
impl Eq for Tok {}

impl Tok {
    #[inline]
    pub fn raw<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        &buf[self.s as usize..self.e as usize]
    }
    #[inline]
    pub fn len(&self) -> usize {
        (self.e - self.s) as usize
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.e == self.s
    }
    /// Decoded text; copies only when the token held an escaped quote.
    pub fn text<'a>(&self, buf: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        let raw = self.raw(buf);
        if !self.esc {
            return std::borrow::Cow::Borrowed(raw);
        }
        std::borrow::Cow::Owned(unescape(raw, self.q))
    }
    /// Compares the decoded text with `lit` without allocating.
    #[inline]
    pub fn eq(&self, buf: &[u8], lit: &[u8]) -> bool {
        if !self.esc {
            return self.raw(buf) == lit;
        }
        self.text(buf).as_ref() == lit
    }
    /// First byte of the decoded text (escapes only affect quote chars, never the first digit).
    #[inline]
    pub fn first(&self, buf: &[u8]) -> Option<u8> {
        if self.is_empty() {
            return None;
        }
        if self.esc
            && buf[self.s as usize] == b'\\'
            && buf.get(self.s as usize + 1) == Some(&self.q)
        {
            return Some(self.q);
        }
        Some(buf[self.s as usize])
    }
    /// Java `String.length()` of the decoded text (UTF-16 code units), which is what the proxy's
    /// limits count.
    #[inline]
    pub fn utf16_len(&self, buf: &[u8]) -> usize {
        if self.cls & CLS_ASCII != 0 && !self.esc {
            return self.len();
        }
        if self.cls & CLS_DELTA_LEGAL != 0 {
            // `∆` is three bytes, `Δ` two; either is one unit.
            return self.len() - if buf[self.s as usize] == 0xE2 { 2 } else { 1 };
        }
        self.utf16_len_scan(buf)
    }

    fn utf16_len_scan(&self, buf: &[u8]) -> usize {
        let raw = self.raw(buf);
        let n = utf16_len(raw);
        if self.esc {
            n - count_escapes(raw, self.q)
        } else {
            n
        }
    }
}

/// Replaces every `\q` with `q`, exactly as `String.replace("\\" + q, q)` does.
pub fn unescape(raw: &[u8], q: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() && raw[i + 1] == q {
            out.push(q);
            i += 2;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

fn count_escapes(raw: &[u8], q: u8) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i + 1 < raw.len() {
        if raw[i] == b'\\' && raw[i + 1] == q {
            n += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    n
}

/// UTF-16 length of UTF-8 bytes: one unit per scalar, two for scalars above U+FFFF. Invalid
/// sequences count one unit per lead byte, like a replacement character would.
pub fn utf16_len(b: &[u8]) -> usize {
    if b.is_ascii() {
        return b.len();
    }
    let mut n = 0;
    for &c in b {
        if (c & 0xC0) != 0x80 {
            n += if c >= 0xF0 { 2 } else { 1 };
        }
    }
    n
}

/// Decodes one UTF-8 scalar at `i`; returns (char, byte length). Invalid input yields U+FFFD.
#[inline]
pub fn decode_char(b: &[u8], i: usize) -> (u32, usize) {
    let c0 = b[i] as u32;
    if c0 < 0x80 {
        return (c0, 1);
    }
    let need = if c0 >= 0xF0 {
        4
    } else if c0 >= 0xE0 {
        3
    } else if c0 >= 0xC0 {
        2
    } else {
        return (0xFFFD, 1);
    };
    if i + need > b.len() {
        return (0xFFFD, 1);
    }
    let mut cp = c0 & (0x7F >> need);
    for k in 1..need {
        let c = b[i + k] as u32;
        if c & 0xC0 != 0x80 {
            return (0xFFFD, 1);
        }
        cp = (cp << 6) | (c & 0x3F);
    }
    (cp, need)
}

/// Java `Character.isWhitespace` for one code point.
#[inline]
pub fn is_java_ws(cp: u32) -> bool {
    matches!(cp, 0x09..=0x0D | 0x1C..=0x20 | 0x1680 | 0x2000..=0x2006 | 0x2008..=0x200A
        | 0x2028 | 0x2029 | 0x205F | 0x3000)
}

/// Java's `StringUtils.isBlank`: empty or only whitespace.
pub fn is_blank(b: &[u8]) -> bool {
    if let Some(&c) = b.first() {
        if c < 0x80 && !matches!(c, 0x09..=0x0D | 0x1C..=0x20) {
            return false;
        }
    }
    let mut i = 0;
    while i < b.len() {
        let (cp, n) = decode_char(b, i);
        if !is_java_ws(cp) {
            return false;
        }
        i += n;
    }
    true
}

/// Unmatched quote: the quote char, for the proxy's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unmatched(pub u8);

/// Tokenizer over one line `buf[start..end]`, with one token of look-ahead like `StringParser`.
pub struct Lexer<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
    peeked: Option<Result<Option<Tok>, Unmatched>>,
}

impl<'a> Lexer<'a> {
    #[inline]
    pub fn new(buf: &'a [u8], start: usize, end: usize) -> Self {
        Lexer {
            buf,
            pos: start,
            end,
            peeked: None,
        }
    }

    #[inline]
    pub fn peek(&mut self) -> Result<Option<Tok>, Unmatched> {
        if let Some(p) = self.peeked {
            return p;
        }
        let t = self.advance();
        self.peeked = Some(t);
        t
    }

    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Tok>, Unmatched> {
        let t = self.peek();
        self.peeked = None;
        t
    }

    #[inline]
    pub fn has_next(&mut self) -> Result<bool, Unmatched> {
        Ok(self.peek()?.is_some())
    }

    fn skip_ws(&mut self) {
        let b = self.buf;
        while self.pos < self.end {
            let c = b[self.pos];
            if c < 0x80 {
                if matches!(c, 0x09..=0x0D | 0x1C..=0x20) {
                    self.pos += 1;
                    continue;
                }
                return;
            }
            let (cp, n) = decode_char(&b[..self.end], self.pos);
            if !is_java_ws(cp) {
                return;
            }
            self.pos += n;
        }
    }

    fn advance(&mut self) -> Result<Option<Tok>, Unmatched> {
        self.skip_ws();
        if self.pos >= self.end {
            return Ok(None);
        }
        let b = self.buf;
        let c = b[self.pos];
        if c == b'"' || c == b'\'' {
            let open = self.pos;
            let mut from = open + 1;
            let mut esc = false;
            loop {
                let mut idx = from;
                while idx < self.end && b[idx] != c {
                    idx += 1;
                }
                if idx >= self.end {
                    // The proxy gives up on the whole line; so do we.
                    self.pos = self.end;
                    return Err(Unmatched(c));
                }
                if b[idx - 1] == b'\\' {
                    esc = true;
                    from = idx + 1;
                    continue;
                }
                self.pos = idx + 1;
                return Ok(Some(Tok {
                    s: (open + 1) as u32,
                    e: idx as u32,
                    q: c,
                    esc,
                    cls: 0,
                }));
            }
        }
        if c == b'=' || c == b'#' {
            self.pos += 1;
            return Ok(Some(Tok {
                s: (self.pos - 1) as u32,
                e: self.pos as u32,
                q: 0,
                esc: false,
                cls: 0,
            }));
        }
        // Tokens are short (≈8 bytes): a plain byte loop beats a memchr3 call's set-up cost.
        let start = self.pos;
        let mut stop = start + 1;
        while stop < self.end && !matches!(b[stop], b' ' | b'\t' | b'=') {
            stop += 1;
        }
        self.pos = stop;
        Ok(Some(Tok {
            s: start as u32,
            e: stop as u32,
            q: 0,
            esc: false,
            cls: 0,
        }))
    }
}
