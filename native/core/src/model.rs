//! Vocabulary shared by the decoders, the batch columns and the describer: line kinds, outcome
//! stages, proxy codes, reasons, limits, options, and the per-line scratch record.

use crate::lex::Tok;
use crate::num::Unit;

/// What a line was decoded as. Numbering is part of the N-API contract (mirrored in TS).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Kind {
    #[default]
    Blank = 0,
    Metric = 1,
    Delta = 2,
    HistogramM = 3,
    HistogramH = 4,
    HistogramD = 5,
    Span = 6,
    SpanLogs = 7,
    Event = 8,
    SourceTag = 9,
    Logs = 10,
}

impl Kind {
    /// Names used in family keys and reports (DESIGN §2.2).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Blank => "blank",
            Kind::Metric => "metric",
            Kind::Delta => "delta",
            Kind::HistogramM => "histogram_m",
            Kind::HistogramH => "histogram_h",
            Kind::HistogramD => "histogram_d",
            Kind::Span => "span",
            Kind::SpanLogs => "span_logs",
            Kind::Event => "event",
            Kind::SourceTag => "source_tag",
            Kind::Logs => "logs",
        }
    }
    /// Kinds that form families (DESIGN §2.2).
    pub fn has_family(self) -> bool {
        matches!(
            self,
            Kind::Metric
                | Kind::Delta
                | Kind::HistogramM
                | Kind::HistogramH
                | Kind::HistogramD
                | Kind::Span
        )
    }
    pub fn histogram_ms(self) -> i64 {
        match self {
            Kind::HistogramM => 60_000,
            Kind::HistogramH => 3_600_000,
            Kind::HistogramD => 86_400_000,
            _ => 0,
        }
    }
}

/// Where a rejected line stopped at the proxy (research §10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Stage {
    #[default]
    Ok = 0,
    Parse = 1,
    Filter = 2,
    Validate = 3,
    Discard = 4,
    Frame = 5,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Ok => "ok",
            Stage::Parse => "parse",
            Stage::Filter => "filter",
            Stage::Validate => "validate",
            Stage::Discard => "discard",
            Stage::Frame => "frame",
        }
    }
}

/// Proxy code as a number (`WF-300` = 300); 0 = accepted, 1 = rejected without a WF code.
pub type Code = u16;
pub const CODE_OK: Code = 0;
pub const CODE_NA: Code = 1;

pub fn code_str(code: Code) -> String {
    match code {
        CODE_OK => "ok".to_string(),
        CODE_NA => "n/a".to_string(),
        c => format!("WF-{c}"),
    }
}

/// Why a line was rejected; rendered to the proxy's message with the offending token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u16)]
pub enum Reason {
    #[default]
    None = 0,
    UnmatchedQuote,
    ValueMissing,
    InvalidValue,
    InvalidTimestamp,
    ExpectedTimestamp,
    TagNoSeparatorEol,
    TagNoSeparator,
    TagValueMissing,
    LiteralNotAllowed,
    EmptyHistogram,
    CentroidEol,
    BadCentroidWeight,
    BadCentroidValue,
    ExtraInput,
    SpanIdNull,
    TraceIdNull,
    SpanFuture,
    SpanLogsJson,
    SpanLogsNoLogs,
    OutsideTimeframe,
    SourceBlank,
    SourceTooLong,
    NameTooLong,
    HistogramNameTooLong,
    NameChars,
    TooManyTags,
    TagTooLong,
    TagKeyTooLong,
    TagKeyChars,
    TagValueBlank,
    TagValueTooLong,
    HistogramEmpty,
    DeltaNonPositive,
    DeltaOnly,
    SpanSourceBlank,
    SpanSourceTooLong,
    SpanNameTooLong,
    SpanTooManyTags,
    SpanKeyTooLong,
    SpanKeyChars,
    SpanValueBlank,
    LineTooLong,
    LogsJson,
    SourceTagSyntax,
    EventNameMissing,
    AnnotatedSource,
}

/// The proxy's validation limits (java-lib `ValidationConfiguration`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub metric_len: usize,
    pub histogram_len: usize,
    pub span_len: usize,
    pub host_len: usize,
    pub tag_count: usize,
    pub tag_key_len: usize,
    pub tag_value_len: usize,
    pub span_tag_count: usize,
    pub span_key_len: usize,
    pub span_value_len: usize,
}

impl Limits {
    /// java-lib code defaults: what a proxy enforces before the backend pushes its own.
    pub const PROXY_DEFAULTS: Limits = Limits {
        metric_len: 1023,
        histogram_len: 1023,
        span_len: 128,
        host_len: 1023,
        tag_count: 100,
        tag_key_len: 253,
        tag_value_len: 255,
        span_tag_count: 20,
        span_key_len: 128,
        span_value_len: 128,
    };
    /// Documented SaaS defaults (docs `wavefront_limits`): 256 name, 128 source, 20 tags, 64 key,
    /// 50 span tags.
    pub const SAAS_DEFAULTS: Limits = Limits {
        metric_len: 256,
        histogram_len: 256,
        span_len: 128,
        host_len: 128,
        tag_count: 20,
        tag_key_len: 64,
        tag_value_len: 255,
        span_tag_count: 50,
        span_key_len: 128,
        span_value_len: 128,
    };
}

/// Which decoder every line goes to: the proxy's `f=` parameter or per-line auto-detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Format {
    #[default]
    Auto = 0,
    Wavefront = 1,
    Histogram = 2,
    Trace = 3,
    SpanLogs = 4,
    Event = 5,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "auto" => Format::Auto,
            "wavefront" | "graphite_v2" => Format::Wavefront,
            "histogram" => Format::Histogram,
            "trace" => Format::Trace,
            "spanLogs" => Format::SpanLogs,
            "event" => Format::Event,
            _ => return None,
        })
    }
}

/// Options of one parse call.
#[derive(Clone, Debug)]
pub struct Options {
    pub format: Format,
    pub limits: Limits,
    /// Receiving clock for the time-window filter; `None` disables the filter.
    pub now_ms: Option<i64>,
    pub backfill_ms: i64,
    pub prefill_ms: i64,
    /// Tag keys consulted for the source of metrics when neither `source` nor `host` is present.
    pub custom_source_tags: Vec<Vec<u8>>,
    /// Lines longer than this many bytes are rejected at the frame stage (0 = no limit).
    pub max_line_bytes: usize,
    /// Spans on a push port (2878) pass the host annotator, which appends ` source="…"` to a
    /// line naming no source; after a span's two numbers that is extra input. The trace port
    /// has no annotator.
    pub span_annotator: bool,
    /// Compute family ids and series hashes (callers that only count kinds and codes, like the
    /// capture agent, skip them).
    pub ids: bool,
    /// Tokenize common metric lines in one pass (`fast.rs`); off only to hold that path to the
    /// general decoder in tests.
    pub fast_path: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: Format::Auto,
            limits: Limits::PROXY_DEFAULTS,
            now_ms: None,
            backfill_ms: 8760 * 3_600_000,
            prefill_ms: 24 * 3_600_000,
            custom_source_tags: vec![b"fqdn".to_vec()],
            max_line_bytes: 0,
            span_annotator: true,
            ids: true,
            fast_path: true,
        }
    }
}

/// Where the source came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum SourceFrom {
    /// None supplied: the proxy would use the client host or `unknown`.
    #[default]
    Default = 0,
    Source = 1,
    Host = 2,
    /// `customSourceTags` entry, index into `Options::custom_source_tags`.
    Custom = 3,
    /// Spans: `source` or `host` tag, last one wins.
    Tag = 4,
}

/// Tag flags.
pub const TAG_UNDERSCORE: u8 = 1; // renamed by the proxy: `host` -> `_host`, `tag` -> `_tag`
pub const TAG_TRUNCATED: u8 = 2; // span value cut to the limit; full value moves to span logs
pub const TAG_SYNTHETIC: u8 = 4; // added by the proxy (`_spanLogs=true`); key/value spans unused
pub const TAG_DEAD: u8 = 8; // superseded (metric map: last wins) or removed (source/host)

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tag {
    pub k: Tok,
    pub v: Tok,
    pub flags: u8,
}

/// Everything one line decodes to; reused across lines so the hot path does not allocate.
#[derive(Clone, Debug, Default)]
pub struct Rec {
    pub line_s: u32,
    pub line_e: u32,
    pub kind: Kind,
    pub stage: Stage,
    pub code: Code,
    pub reason: Reason,
    /// Offending token for the message.
    pub detail: Tok,
    pub name: Tok,
    pub value: f64,
    /// The value's token (metric and delta lines), for how many decimals its sender printed.
    pub value_tok: Tok,
    pub ts: Option<Tok>,
    pub ts_unit: Unit,
    pub ts_ms: i64,
    pub source: Option<Tok>,
    pub source_from: SourceFrom,
    pub custom_idx: u8,
    /// Tags in input order; dead ones flagged, not removed, so spans stay cheap to build.
    pub tags: Vec<Tag>,
    /// Histogram centroids as (count, mean).
    pub centroids: Vec<(i32, f64)>,
    pub trace_id: Tok,
    pub span_id: Tok,
    pub second: Tok,
    pub second_is_end: bool,
    pub duration_ms: i64,
    pub end_ms: i64,
    pub family: u64,
    pub series: u64,
}

impl Rec {
    pub fn reset(&mut self, s: u32, e: u32) {
        self.line_s = s;
        self.line_e = e;
        self.kind = Kind::Blank;
        self.stage = Stage::Ok;
        self.code = CODE_OK;
        self.reason = Reason::None;
        self.detail = Tok::default();
        self.name = Tok::default();
        self.value = 0.0;
        self.value_tok = Tok::default();
        self.ts = None;
        self.ts_unit = Unit::None;
        self.ts_ms = 0;
        self.source = None;
        self.source_from = SourceFrom::Default;
        self.custom_idx = 0;
        self.tags.clear();
        self.centroids.clear();
        self.trace_id = Tok::default();
        self.span_id = Tok::default();
        self.second = Tok::default();
        self.second_is_end = false;
        self.duration_ms = 0;
        self.end_ms = 0;
        self.family = 0;
        self.series = 0;
    }

    #[inline]
    pub fn fail(&mut self, stage: Stage, code: Code, reason: Reason, detail: Tok) {
        self.stage = stage;
        self.code = code;
        self.reason = reason;
        self.detail = detail;
    }

    #[inline]
    pub fn ok(&self) -> bool {
        self.stage == Stage::Ok
    }

    pub fn live_tags(&self) -> impl Iterator<Item = &Tag> {
        self.tags.iter().filter(|t| t.flags & TAG_DEAD == 0)
    }
}
