//! The batch parser: splits a buffer into lines, routes each to its decoder like the proxy does,
//! and writes compact columns (offsets into the input, never strings).

use crate::event::{decode_event, decode_logs, decode_source_tag, decode_span_logs};
use crate::family::Families;
use crate::lex::Tok;
use crate::metric::{decode_histogram, decode_metric};
use crate::model::*;
use crate::span::decode_span;

/// u32 slots per line in `Columns::lines` (layout mirrored by `src/lib/wavefront.ts`).
pub const LINE_STRIDE: usize = 26;
/// u32 slots per tag in `Columns::tags`.
pub const TAG_STRIDE: usize = 5;
/// f64 slots per line in `Columns::nums`.
pub const NUM_STRIDE: usize = 3;

pub mod slot {
    pub const LINE_S: usize = 0;
    pub const LINE_E: usize = 1;
    /// kind | stage << 8 | code << 16
    pub const KSC: usize = 2;
    pub const REASON: usize = 3;
    pub const NAME_S: usize = 4;
    pub const NAME_E: usize = 5;
    pub const SOURCE_S: usize = 6;
    pub const SOURCE_E: usize = 7;
    /// token flags, 4 bits each: name, source, ts, detail, trace, span, second; bit 28..31
    /// source-from (3 bits) and has-source (bit 31).
    pub const TOKF: usize = 8;
    pub const TAGS_FIRST: usize = 9;
    pub const TAGS_COUNT: usize = 10;
    pub const AUX_FIRST: usize = 11;
    pub const AUX_COUNT: usize = 12;
    pub const FAMILY_HI: usize = 13;
    pub const FAMILY_LO: usize = 14;
    pub const TS_S: usize = 15;
    pub const TS_E: usize = 16;
    pub const DETAIL_S: usize = 17;
    pub const DETAIL_E: usize = 18;
    pub const TRACE_S: usize = 19;
    pub const TRACE_E: usize = 20;
    pub const SPAN_S: usize = 21;
    pub const SPAN_E: usize = 22;
    /// ts unit | second-is-end << 8 | custom source index << 16 | printed decimals << 24
    /// (`NO_DECIMALS` when the value was not written as plain decimal digits).
    pub const MISC: usize = 23;
    pub const SERIES_HI: usize = 24;
    pub const SERIES_LO: usize = 25;
}

/// Token flag nibble: bit0 escaped, bits1-2 quote (0 none, 1 `"`, 2 `'`), bit3 present.
#[inline]
pub fn tok_flags(t: &Tok, present: bool) -> u32 {
    let q = match t.q {
        b'"' => 1,
        b'\'' => 2,
        _ => 0,
    };
    (t.esc as u32) | (q << 1) | ((present as u32) << 3)
}

/// Columnar output of one batch. Reused across calls: `clear` keeps capacity.
#[derive(Default)]
pub struct Columns {
    pub lines: Vec<u32>,
    pub tags: Vec<u32>,
    /// Per line: value, timestamp ms (NaN when absent), span duration or event end ms.
    pub nums: Vec<f64>,
    /// Histogram centroids as (count, mean) pairs.
    pub aux: Vec<f64>,
}

impl Columns {
    pub fn clear(&mut self) {
        self.lines.clear();
        self.tags.clear();
        self.nums.clear();
        self.aux.clear();
    }
    pub fn len(&self) -> usize {
        self.lines.len() / LINE_STRIDE
    }
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

pub struct Parser {
    pub opts: Options,
    pub rec: Rec,
    pub families: Families,
}

impl Parser {
    pub fn new(opts: Options) -> Self {
        Parser {
            opts,
            rec: Rec::default(),
            families: Families::default(),
        }
    }

    /// Decodes `buf[s..e]` (one line without its `\n`) into `self.rec`.
    pub fn parse_line(&mut self, buf: &[u8], s: usize, e: usize) -> &Rec {
        let (ts, te) = trim(buf, s, e);
        let rec = &mut self.rec;
        rec.reset(ts as u32, te as u32);
        if ts == te {
            return &self.rec;
        }
        if self.opts.max_line_bytes > 0 && e - s > self.opts.max_line_bytes {
            rec.kind = Kind::Metric;
            rec.fail(Stage::Frame, CODE_NA, Reason::LineTooLong, Tok::default());
            return &self.rec;
        }
        let line = &buf[ts..te];
        let is_obj = line[0] == b'{' && line[line.len() - 1] == b'}';
        match self.opts.format {
            Format::Wavefront => decode_metric(buf, rec, &self.opts),
            Format::Histogram => decode_histogram(buf, rec, &self.opts),
            Format::Trace if is_obj => decode_span_logs(buf, rec),
            Format::Trace => decode_span(buf, rec, &self.opts),
            Format::SpanLogs => decode_span_logs(buf, rec),
            Format::Event => decode_event(buf, rec),
            Format::Auto => {
                if line.len() < 2 {
                    decode_metric(buf, rec, &self.opts)
                } else if line.starts_with(b"@SourceTag") || line.starts_with(b"@SourceDescription")
                {
                    decode_source_tag(buf, rec)
                } else if line.starts_with(b"@Event") {
                    decode_event(buf, rec)
                } else if is_obj {
                    decode_span_logs(buf, rec)
                } else if line.starts_with(b"!M ")
                    || line.starts_with(b"!H ")
                    || line.starts_with(b"!D ")
                {
                    decode_histogram(buf, rec, &self.opts)
                } else if line[0] == b'[' && line[line.len() - 1] == b']' {
                    decode_logs(buf, rec)
                } else {
                    decode_metric(buf, rec, &self.opts)
                }
            }
        }
        if self.opts.ids && self.rec.kind.has_family() && self.rec.stage != Stage::Parse {
            let (f, s) = self.families.ids(buf, &self.rec);
            self.rec.family = f;
            self.rec.series = s;
        }
        &self.rec
    }

    /// Decodes every line of `buf` in order (a final line without `\n` counts) and hands each
    /// record to `f`, with the options it was decoded under.
    fn each_line(&mut self, buf: &[u8], mut f: impl FnMut(&Rec, &Options)) {
        let mut s = 0;
        while s < buf.len() {
            let e = memchr::memchr(b'\n', &buf[s..]).map_or(buf.len(), |k| s + k);
            self.parse_line(buf, s, e);
            f(&self.rec, &self.opts);
            s = e + 1;
        }
    }

    /// Parses every line of `buf` into `out` (appending).
    pub fn parse_batch(&mut self, buf: &[u8], out: &mut Columns) {
        self.each_line(buf, |rec, _| emit(buf, rec, out));
    }
}

/// Number of line kinds (`Kind` values are 0..KIND_COUNT).
pub const KIND_COUNT: usize = Kind::Logs as usize + 1;

/// Per-batch tallies for callers that only count lines: no columns, no family ids.
#[derive(Default)]
pub struct Tally {
    /// Lines by `Kind` value, blank lines included at index 0.
    pub kinds: [u64; KIND_COUNT],
    /// Rejected lines by proxy code, in first-seen order (a batch holds a handful of codes).
    pub rejects: Vec<(Code, u64)>,
}

impl Tally {
    pub fn clear(&mut self) {
        self.kinds = [0; KIND_COUNT];
        self.rejects.clear();
    }
}

impl Parser {
    /// Counts every line of `buf` by kind and reject code into `out` (cleared first). Family
    /// ids are not computed: they cost a fifth of a parse and counting does not need them.
    pub fn count_batch(&mut self, buf: &[u8], out: &mut Tally) {
        out.clear();
        let ids = std::mem::replace(&mut self.opts.ids, false);
        self.each_line(buf, |rec, _| {
            out.kinds[rec.kind as usize] += 1;
            if rec.kind != Kind::Blank && !rec.ok() {
                match out.rejects.iter_mut().find(|(c, _)| *c == rec.code) {
                    Some((_, n)) => *n += 1,
                    None => out.rejects.push((rec.code, 1)),
                }
            }
        });
        self.opts.ids = ids;
    }

    /// Every line of `buf` as one JSON object per line in the vectors' `expect` form; returns how
    /// many lines were rejected.
    pub fn describe_batch(&mut self, buf: &[u8], out: &mut Vec<u8>) -> usize {
        let mut rejected = 0;
        self.each_line(buf, |rec, opts| {
            rejected += !rec.ok() as usize;
            let v = crate::describe::describe(buf, rec, opts);
            // A `Value` built by `describe` always serializes (string keys, finite numbers).
            serde_json::to_writer(&mut *out, &v).expect("serializable value");
            out.push(b'\n');
        });
        rejected
    }

    /// How many records `parse_batch` writes for `buf`: one per line, a final unterminated line
    /// included.
    pub fn line_count(buf: &[u8]) -> usize {
        memchr::memchr_iter(b'\n', buf).count() + (buf.last().is_some_and(|&c| c != b'\n')) as usize
    }
}

/// The proxy trims every line (`String.trim()`: chars ≤ U+0020 at both ends).
#[inline]
fn trim(buf: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && buf[s] <= b' ' {
        s += 1;
    }
    while e > s && buf[e - 1] <= b' ' {
        e -= 1;
    }
    (s, e)
}

/// Marks a value not written as `[sign]digits[.digits]` (exponent, suffix, hex, NaN, or no value).
pub const NO_DECIMALS: u32 = 255;

/// How many digits follow the point in a value written as `[+-]digits[.digits]`: what its sender
/// printed (`1.0` has one), which the parsed double alone cannot tell. Capped below `NO_DECIMALS`.
pub fn printed_decimals(raw: &[u8]) -> u32 {
    let body = match raw.first() {
        Some(b'-' | b'+') => &raw[1..],
        _ => raw,
    };
    let mut dot = None;
    for (i, &c) in body.iter().enumerate() {
        match c {
            b'0'..=b'9' => {}
            b'.' if dot.is_none() => dot = Some(i),
            _ => return NO_DECIMALS,
        }
    }
    if body.len() == dot.map_or(0, |_| 1) {
        return NO_DECIMALS;
    }
    dot.map_or(0, |d| ((body.len() - d - 1) as u32).min(NO_DECIMALS - 1))
}

fn emit(buf: &[u8], rec: &Rec, out: &mut Columns) {
    use slot::*;
    let tags_first = out.tags.len() / TAG_STRIDE;
    let mut ntags = 0u32;
    for t in rec.live_tags() {
        out.tags.extend_from_slice(&[
            t.k.s,
            t.k.e,
            t.v.s,
            t.v.e,
            t.flags as u32 | tok_flags(&t.k, true) << 8 | tok_flags(&t.v, true) << 12,
        ]);
        ntags += 1;
    }
    let aux_first = out.aux.len() / 2;
    for &(c, m) in &rec.centroids {
        out.aux.push(c as f64);
        out.aux.push(m);
    }
    let src = rec.source.unwrap_or_default();
    let ts = rec.ts.unwrap_or_default();
    let tokf = tok_flags(&rec.name, true)
        | tok_flags(&src, rec.source.is_some()) << 4
        | tok_flags(&ts, rec.ts.is_some()) << 8
        | tok_flags(&rec.detail, true) << 12
        | tok_flags(&rec.trace_id, true) << 16
        | tok_flags(&rec.span_id, true) << 20
        | tok_flags(&rec.second, true) << 24
        | (rec.source_from as u32) << 28;
    let mut l = [0u32; LINE_STRIDE];
    l[LINE_S] = rec.line_s;
    l[LINE_E] = rec.line_e;
    l[KSC] = rec.kind as u32 | (rec.stage as u32) << 8 | (rec.code as u32) << 16;
    l[REASON] = rec.reason as u32;
    l[NAME_S] = rec.name.s;
    l[NAME_E] = rec.name.e;
    l[SOURCE_S] = src.s;
    l[SOURCE_E] = src.e;
    l[TOKF] = tokf;
    l[TAGS_FIRST] = tags_first as u32;
    l[TAGS_COUNT] = ntags;
    l[AUX_FIRST] = aux_first as u32;
    l[AUX_COUNT] = rec.centroids.len() as u32;
    l[FAMILY_HI] = (rec.family >> 32) as u32;
    l[FAMILY_LO] = rec.family as u32;
    l[TS_S] = ts.s;
    l[TS_E] = ts.e;
    l[DETAIL_S] = rec.detail.s;
    l[DETAIL_E] = rec.detail.e;
    l[TRACE_S] = rec.trace_id.s;
    l[TRACE_E] = rec.trace_id.e;
    l[SPAN_S] = rec.span_id.s;
    l[SPAN_E] = rec.span_id.e;
    l[MISC] = rec.ts_unit as u32
        | (rec.second_is_end as u32) << 8
        | (rec.custom_idx as u32) << 16
        | printed_decimals(&rec.value_tok.text(buf)) << 24;
    l[SERIES_HI] = (rec.series >> 32) as u32;
    l[SERIES_LO] = rec.series as u32;
    out.lines.extend_from_slice(&l);
    let third = match rec.kind {
        Kind::Span => rec.duration_ms as f64,
        Kind::Event => rec.end_ms as f64,
        _ => f64::NAN,
    };
    let ts_ms = if rec.ts.is_some() {
        rec.ts_ms as f64
    } else {
        f64::NAN
    };
    out.nums.extend_from_slice(&[rec.value, ts_ms, third]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_decimals_counts_what_the_sender_wrote() {
        let cases: &[(&str, u32)] = &[
            ("1", 0),
            ("1.0", 1),
            ("-2.50", 2),
            ("+7.125", 3),
            ("5.", 0),
            (".5", 1),
            ("0.000", 3),
            ("1e3", NO_DECIMALS),
            ("1.5f", NO_DECIMALS),
            ("0x1p3", NO_DECIMALS),
            ("NaN", NO_DECIMALS),
            (".", NO_DECIMALS),
            ("-", NO_DECIMALS),
            ("", NO_DECIMALS),
            ("1.2.3", NO_DECIMALS),
        ];
        for (raw, want) in cases {
            assert_eq!(printed_decimals(raw.as_bytes()), *want, "{raw}");
        }
        let long = format!("0.{}", "1".repeat(400));
        assert_eq!(printed_decimals(long.as_bytes()), NO_DECIMALS - 1);
    }
}
