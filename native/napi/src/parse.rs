//! Parser surface: one call per batch; columns come back as typed arrays of offsets into the
//! caller's buffer, so no string crosses the boundary unless JS asks for it.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use wflg_core::{Columns, Format, Limits, Options, Parser, Tally, KIND_COUNT};

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
    /// The last `parse_into` batch, kept so its columns can be copied out again once the caller
    /// has grown its arrays. Reused: after warm-up a batch allocates nothing (fresh output
    /// vectors per call cost a fifth of the time in page clearing alone).
    kept: Columns,
    tally: Tally,
}

fn batch_limit(buf: &[u8]) -> Result<()> {
    if buf.len() > MAX_BATCH {
        return Err(usage(format!(
            "batch of {} bytes is over the 1 GiB limit",
            buf.len()
        )));
    }
    Ok(())
}

#[napi]
impl WavefrontParser {
    #[napi(constructor)]
    pub fn new(options: Option<ParseOptions>) -> Result<Self> {
        Ok(WavefrontParser {
            parser: Parser::new(to_options(options)?),
            tag_hint: 0,
            kept: Columns::default(),
            tally: Tally::default(),
        })
    }

    /// Parses every line of `buf` into columns (layout in `src/lib/wavefront.ts`).
    #[napi]
    pub fn parse(&mut self, buf: &[u8]) -> Result<ParsedColumns> {
        batch_limit(buf)?;
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

    /// Parses `buf` into the parser's reused columns and copies them into the front of the
    /// caller's arrays. Writes the four column lengths (lines, tags, nums, aux) to `lens` and
    /// returns false, copying nothing, when an array is too small: grow it and `copy_last`.
    #[napi]
    pub fn parse_into(
        &mut self,
        buf: &[u8],
        lines: Uint32ArraySlice,
        tags: Uint32ArraySlice,
        nums: Float64ArraySlice,
        aux: Float64ArraySlice,
        mut lens: Uint32ArraySlice,
    ) -> Result<bool> {
        batch_limit(buf)?;
        if lens.len() < 4 {
            return Err(usage("lens must hold 4 lengths".into()));
        }
        self.kept.clear();
        self.parser.parse_batch(buf, &mut self.kept);
        let k = &self.kept;
        // SAFETY: JS is blocked in this call, so nothing else reads or writes the arrays.
        let l = unsafe { lens.as_mut() };
        l[0] = k.lines.len() as u32;
        l[1] = k.tags.len() as u32;
        l[2] = k.nums.len() as u32;
        l[3] = k.aux.len() as u32;
        Ok(self.copy_last(lines, tags, nums, aux))
    }

    /// Copies the last `parse_into` batch into the caller's arrays; false when one is too small.
    #[napi]
    pub fn copy_last(
        &self,
        mut lines: Uint32ArraySlice,
        mut tags: Uint32ArraySlice,
        mut nums: Float64ArraySlice,
        mut aux: Float64ArraySlice,
    ) -> bool {
        let k = &self.kept;
        // SAFETY: as in `parse_into`; sizes are checked before any copy, so a false return has
        // written nothing.
        unsafe {
            if k.lines.len() > lines.len()
                || k.tags.len() > tags.len()
                || k.nums.len() > nums.len()
                || k.aux.len() > aux.len()
            {
                return false;
            }
            lines.as_mut()[..k.lines.len()].copy_from_slice(&k.lines);
            tags.as_mut()[..k.tags.len()].copy_from_slice(&k.tags);
            nums.as_mut()[..k.nums.len()].copy_from_slice(&k.nums);
            aux.as_mut()[..k.aux.len()].copy_from_slice(&k.aux);
        }
        true
    }

    /// Counts `buf`'s lines without columns or family ids: `kinds` gets lines by kind code
    /// (at least 11 slots), `rejects` (code, count) pairs as far as they fit. Returns the number
    /// of distinct reject codes; when that is more than `rejects` holds, grow it and
    /// `copy_rejects`.
    #[napi]
    pub fn count(
        &mut self,
        buf: &[u8],
        mut kinds: Float64ArraySlice,
        rejects: Float64ArraySlice,
    ) -> Result<u32> {
        batch_limit(buf)?;
        if kinds.len() < KIND_COUNT {
            return Err(usage(format!("kinds must hold {KIND_COUNT} counts")));
        }
        self.parser.count_batch(buf, &mut self.tally);
        // SAFETY: as in `parse_into`.
        let k = unsafe { kinds.as_mut() };
        for (dst, &n) in k.iter_mut().zip(self.tally.kinds.iter()) {
            *dst = n as f64;
        }
        self.copy_rejects(rejects);
        Ok(self.tally.rejects.len() as u32)
    }

    /// Copies the last `count`'s (code, count) pairs into `rejects`, as many as fit.
    #[napi]
    pub fn copy_rejects(&self, mut rejects: Float64ArraySlice) {
        // SAFETY: as in `parse_into`.
        let r = unsafe { rejects.as_mut() };
        for (&(code, n), dst) in self.tally.rejects.iter().zip(r.chunks_exact_mut(2)) {
            dst[0] = code as f64;
            dst[1] = n as f64;
        }
    }

    /// Every line of `buf` as one JSON object per line in the vectors' `expect` form, with the
    /// number of rejected lines.
    #[napi]
    pub fn describe(&mut self, buf: &[u8]) -> Result<Described> {
        batch_limit(buf)?;
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
