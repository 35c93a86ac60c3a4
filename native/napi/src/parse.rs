//! Parser surface: one call per batch; columns come back as typed arrays of offsets into the
//! caller's buffer, so no string crosses the boundary unless JS asks for it.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use wflg_core::{Columns, Format, Limits, Options, Parser};

/// Offsets are u32 in the columns: a batch must stay below 4 GiB; 1 GiB leaves room.
const MAX_BATCH: usize = 1 << 30;

#[napi(object)]
pub struct ParseOptions {
    /// auto | wavefront | histogram | trace | spanLogs | event
    pub format: Option<String>,
    /// proxy-defaults | saas-defaults
    pub limits: Option<String>,
    /// Receiving clock for the WF-402 time window; absent disables the window.
    pub now_ms: Option<f64>,
    pub custom_source_tags: Option<Vec<String>>,
    pub max_line_bytes: Option<u32>,
    /// 2878 (default: spans pass the host annotator) | trace-port
    pub listener: Option<String>,
}

fn usage(msg: String) -> Error {
    Error::new(Status::InvalidArg, format!("WFLG_E_USAGE: {msg}"))
}

fn to_options(o: Option<ParseOptions>) -> Result<Options> {
    let mut opts = Options::default();
    let Some(o) = o else { return Ok(opts) };
    if let Some(f) = o.format {
        opts.format = Format::parse(&f).ok_or_else(|| usage(format!("unknown format '{f}'")))?;
    }
    if let Some(l) = o.limits {
        opts.limits = match l.as_str() {
            "proxy-defaults" => Limits::PROXY_DEFAULTS,
            "saas-defaults" => Limits::SAAS_DEFAULTS,
            _ => return Err(usage(format!("unknown limits '{l}'"))),
        };
    }
    if let Some(n) = o.now_ms {
        if !n.is_finite() {
            return Err(usage("nowMs must be finite".into()));
        }
        opts.now_ms = Some(n as i64);
    }
    if let Some(c) = o.custom_source_tags {
        opts.custom_source_tags = c.into_iter().map(String::into_bytes).collect();
    }
    if let Some(l) = o.listener {
        opts.span_annotator = match l.as_str() {
            "2878" => true,
            "trace-port" => false,
            _ => return Err(usage(format!("unknown listener '{l}'"))),
        };
    }
    if let Some(m) = o.max_line_bytes {
        opts.max_line_bytes = m as usize;
    }
    Ok(opts)
}

#[napi(object)]
pub struct ParsedColumns {
    pub lines: Uint32Array,
    pub tags: Uint32Array,
    pub nums: Float64Array,
    pub aux: Float64Array,
}

#[napi(object)]
pub struct Described {
    pub ndjson: Buffer,
    pub rejected: u32,
}

/// A reusable parser: options validated once, family cache kept across batches.
#[napi]
pub struct WavefrontParser {
    parser: Parser,
    /// Capacity guess for the next batch's tag column (last batch's size plus slack).
    tag_hint: usize,
}

#[napi]
impl WavefrontParser {
    #[napi(constructor)]
    pub fn new(options: Option<ParseOptions>) -> Result<Self> {
        Ok(WavefrontParser {
            parser: Parser::new(to_options(options)?),
            tag_hint: 0,
        })
    }

    /// Parses every line of `buf` into columns (layout in `src/lib/wavefront.ts`).
    #[napi]
    pub fn parse(&mut self, buf: &[u8]) -> Result<ParsedColumns> {
        if buf.len() > MAX_BATCH {
            return Err(usage(format!(
                "batch of {} bytes is over the 1 GiB limit",
                buf.len()
            )));
        }
        // Sized from the newline count so the vectors handed to JS need no reallocation: the
        // typed arrays take ownership of them, with no copy.
        let lines = Parser::line_count(buf);
        let mut cols = Columns {
            lines: Vec::with_capacity(lines * wflg_core::batch::LINE_STRIDE),
            tags: Vec::with_capacity(self.tag_hint.max(16)),
            nums: Vec::with_capacity(lines * wflg_core::batch::NUM_STRIDE),
            aux: Vec::new(),
        };
        self.parser.parse_batch(buf, &mut cols);
        self.tag_hint = cols.tags.len() + cols.tags.len() / 8;
        Ok(ParsedColumns {
            lines: Uint32Array::new(cols.lines),
            tags: Uint32Array::new(cols.tags),
            nums: Float64Array::new(cols.nums),
            aux: Float64Array::new(cols.aux),
        })
    }

    /// Every line of `buf` as one JSON object per line in the vectors' `expect` form, with the
    /// number of rejected lines.
    #[napi]
    pub fn describe(&mut self, buf: &[u8]) -> Result<Described> {
        if buf.len() > MAX_BATCH {
            return Err(usage(format!(
                "batch of {} bytes is over the 1 GiB limit",
                buf.len()
            )));
        }
        let mut out = Vec::with_capacity(buf.len() * 2);
        let rejected = self.parser.describe_batch(buf, &mut out) as u32;
        Ok(Described {
            ndjson: out.into(),
            rejected,
        })
    }
}

/// Baseline for benchmarks: what one boundary crossing with a Buffer costs.
#[napi]
pub fn noop(buf: &[u8]) -> u32 {
    buf.len() as u32
}
