//! Capture-part frames (`docs/formats/capture-frames.md`): encode one frame per group commit,
//! scan a part for frame boundaries and damage, decode a part's verified contents. One call per
//! part or per commit; offsets come back as `Float64Array`s (exact below 2^53).
//!
//! Copies: `encodeInto`/`encodeIntoAsync` compress straight into caller-owned memory (the
//! commit's write buffer, right after the skippable header JS wrote), so the frame is written
//! once and those same bytes are `pwrite`n: no copy, no allocation per call. `encode` is the
//! convenience form: it compresses into a reused scratch buffer and copies the frame (about a
//! sixth of the payload) into a new exact-size Buffer, rather than handing JS a Vec whose
//! capacity is the worst-case bound. `decodeFrames` decodes straight into the Buffer it returns.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use wflg_core::frame::{
    scan, FrameDecoder, FrameError, FrameWriter, Problem, ProblemKind, ScanReport,
    MAX_FRAME_CONTENT_LEN,
};

fn frame_err(e: FrameError) -> Error {
    let status = match e {
        FrameError::InvalidLevel(_) | FrameError::BufferTooSmall { .. } => Status::InvalidArg,
        _ => Status::GenericFailure,
    };
    Error::new(status, e.to_string())
}

fn internal(msg: &str) -> Error {
    Error::new(Status::GenericFailure, format!("WFLG_E_INTERNAL: {msg}"))
}

/// Worst-case length of a frame holding `payloadLen` bytes: size `encodeInto` targets with it.
#[napi]
pub fn frame_bound(payload_len: u32) -> f64 {
    FrameWriter::frame_bound(payload_len as usize) as f64
}

/// Largest payload one frame may hold (256 MiB).
#[napi]
pub fn max_frame_content_len() -> f64 {
    MAX_FRAME_CONTENT_LEN as f64
}

/// Compresses group commits into frames (zstd, content checksum and size on) with one reused
/// context. Not shareable between threads of JS; async calls on one encoder run one at a time.
#[napi]
pub struct FrameEncoder {
    writer: Arc<Mutex<FrameWriter>>,
    scratch: Vec<u8>,
}

fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let (a0, b0) = (a.as_ptr() as usize, b.as_ptr() as usize);
    a0 < b0 + b.len() && b0 < a0 + a.len()
}

fn target_slice(target: &mut [u8], offset: u32) -> Result<&mut [u8]> {
    target.get_mut(offset as usize..).ok_or_else(|| {
        Error::new(
            Status::InvalidArg,
            "WFLG_E_INTERNAL: encodeInto offset is past the end of the target".to_owned(),
        )
    })
}

fn encode_into_slice(
    writer: &Mutex<FrameWriter>,
    payload: &[u8],
    target: &mut [u8],
    offset: u32,
) -> Result<u32> {
    if overlaps(payload, target) {
        return Err(Error::new(
            Status::InvalidArg,
            "WFLG_E_INTERNAL: encodeInto payload and target overlap".to_owned(),
        ));
    }
    let dst = target_slice(target, offset)?;
    let mut writer = writer
        .lock()
        .map_err(|_| internal("frame encoder lock poisoned"))?;
    let n = writer
        .compress_frame_into(payload, dst)
        .map_err(frame_err)?;
    Ok(n as u32)
}

#[napi]
impl FrameEncoder {
    /// `level`: zstd level (3 is the capture default).
    #[napi(constructor)]
    pub fn new(level: i32) -> Result<Self> {
        Ok(FrameEncoder {
            writer: Arc::new(Mutex::new(FrameWriter::new(level).map_err(frame_err)?)),
            scratch: Vec::new(),
        })
    }

    /// Writes one frame holding `payload` (whole requests, header lines included) into
    /// `target` at `offset` and returns its length. `target.length - offset` must be at least
    /// `frameBound(payload.length)`; `payload` and `target` must not overlap.
    #[napi]
    pub fn encode_into(
        &mut self,
        payload: &[u8],
        mut target: BufferSlice,
        offset: u32,
    ) -> Result<u32> {
        encode_into_slice(&self.writer, payload, &mut target, offset)
    }

    /// `encodeInto` on the libuv thread pool, keeping compression off the event loop. Neither
    /// Buffer may be touched until the promise settles.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn encode_into_async(
        &self,
        payload: Buffer,
        target: Buffer,
        offset: u32,
    ) -> AsyncTask<EncodeTask> {
        AsyncTask::new(EncodeTask {
            writer: Arc::clone(&self.writer),
            payload,
            target,
            offset,
        })
    }

    /// Returns one frame holding `payload` in a new Buffer of exactly the frame's length.
    #[napi]
    pub fn encode(&mut self, payload: &[u8]) -> Result<Buffer> {
        self.scratch.clear();
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| internal("frame encoder lock poisoned"))?;
        writer
            .compress_frame(payload, &mut self.scratch)
            .map_err(frame_err)?;
        Ok(Buffer::from(self.scratch.as_slice()))
    }
}

pub struct EncodeTask {
    writer: Arc<Mutex<FrameWriter>>,
    payload: Buffer,
    target: Buffer,
    offset: u32,
}

impl Task for EncodeTask {
    type Output = u32;
    type JsValue = u32;

    fn compute(&mut self) -> Result<u32> {
        let EncodeTask {
            writer,
            payload,
            target,
            offset,
        } = self;
        encode_into_slice(writer, payload, target, *offset)
    }

    fn resolve(&mut self, _env: Env, output: u32) -> Result<u32> {
        Ok(output)
    }
}

/// A damaged region of a part. `code` is `WFLG_E_FRAME_TRUNCATED` (the data ends inside it: a
/// torn tail) or `WFLG_E_FRAME_CORRUPT`; `reason` is a stable snake_case name.
#[napi(object)]
pub struct FrameProblem {
    pub offset: f64,
    pub len: f64,
    pub code: String,
    pub reason: String,
}

fn problem(p: &Problem) -> FrameProblem {
    let (code, reason) = match p.kind {
        ProblemKind::Truncated => ("WFLG_E_FRAME_TRUNCATED", "truncated"),
        ProblemKind::Corrupt(r) => ("WFLG_E_FRAME_CORRUPT", r.as_str()),
    };
    FrameProblem {
        offset: p.offset as f64,
        len: p.len as f64,
        code: code.to_owned(),
        reason: reason.to_owned(),
    }
}

#[napi(object)]
pub struct ScanResult {
    /// Start of each frame in the part.
    pub offsets: Float64Array,
    pub compressed_lens: Float64Array,
    /// Content size each frame declares (verified only when the scan verified).
    pub content_lens: Float64Array,
    pub skippable_offsets: Float64Array,
    /// Whole skippable frames, 8-byte header included.
    pub skippable_lens: Float64Array,
    /// Damaged regions followed by valid frames: skipped, to be counted.
    pub corrupt: Vec<FrameProblem>,
    /// Damage after which nothing valid follows; recovery truncates the part at `validEnd`.
    pub tail: Option<FrameProblem>,
    pub valid_end: f64,
}

fn to_f64(values: impl Iterator<Item = u64>) -> Float64Array {
    Float64Array::new(values.map(|v| v as f64).collect())
}

fn scan_result(r: &ScanReport) -> ScanResult {
    ScanResult {
        offsets: to_f64(r.frames.iter().map(|f| f.offset)),
        compressed_lens: to_f64(r.frames.iter().map(|f| f.compressed_len)),
        content_lens: to_f64(r.frames.iter().map(|f| f.content_len)),
        skippable_offsets: to_f64(r.skippable.iter().map(|s| s.offset)),
        skippable_lens: to_f64(r.skippable.iter().map(|s| s.len)),
        corrupt: r.corrupt.iter().map(problem).collect(),
        tail: r.tail.as_ref().map(problem),
        valid_end: r.valid_end as f64,
    }
}

fn cap(max_content_len: u32) -> u64 {
    u64::from(max_content_len).min(MAX_FRAME_CONTENT_LEN)
}

fn decoder(max_content_len: u32) -> Result<FrameDecoder> {
    FrameDecoder::new(cap(max_content_len)).map_err(frame_err)
}

/// Finds every frame of a part by walking headers (no decompression). With
/// `verifyMaxContentLen`, every frame is also decompressed and checksum-verified (frames
/// claiming more are corrupt): what recovery runs before truncating at `validEnd`.
#[napi]
pub fn scan_frames(buf: &[u8], verify_max_content_len: Option<u32>) -> Result<ScanResult> {
    let report = match verify_max_content_len {
        None => scan(buf),
        Some(max) => decoder(max)?.verify(buf),
    };
    Ok(scan_result(&report))
}

#[napi(object)]
pub struct DecodeResult {
    /// Verified contents of every good frame, concatenated (`decodeFrames`; `decodeFramesInto`
    /// leaves them in the caller's buffer and this unset).
    pub data: Option<Buffer>,
    /// `decodeFramesInto` only: 0 when decoded; otherwise the buffer was too small, nothing in
    /// it is usable, it must hold at least this many bytes next time, and the rest is empty.
    pub need: f64,
    /// Frame `i`'s content is `data.subarray(contentOffsets[i], contentOffsets[i + 1])`
    /// (one more entry than frames).
    pub content_offsets: Float64Array,
    /// Where each of those frames starts in the part.
    pub frame_offsets: Float64Array,
    pub corrupt: Vec<FrameProblem>,
    pub tail: Option<FrameProblem>,
    pub valid_end: f64,
}

/// Decompresses and verifies every frame of a part; frames that fail (or claim more than
/// `maxContentLen`, itself capped at 256 MiB) are reported, never returned.
#[napi]
pub fn decode_frames(buf: &[u8], max_content_len: u32) -> Result<DecodeResult> {
    let mut data = Vec::new();
    let report = decoder(max_content_len)?.decode_all(buf, &mut data);
    if data.capacity() - data.len() > data.len() / 4 + (64 << 10) {
        data.shrink_to_fit();
    }
    let len = data.len();
    decode_result(&report, len, Some(data.into()))
}

/// `decodeFrames` into the front of a caller's reused buffer instead of a fresh one per part.
#[napi]
pub fn decode_frames_into(
    buf: &[u8],
    mut out: Uint8ArraySlice,
    max_content_len: u32,
) -> Result<DecodeResult> {
    // SAFETY: JS is blocked in this call, so nothing else reads or writes `out`; an `out` that
    // shares memory with `buf` is refused before it is written.
    let dst = unsafe { out.as_mut() };
    if overlaps(buf, dst) {
        return Err(Error::new(
            Status::InvalidArg,
            "WFLG_E_INTERNAL: decodeFramesInto input and output overlap".to_owned(),
        ));
    }
    let cap = dst.len();
    match decoder(max_content_len)?.decode_all_into(buf, dst) {
        Err(need) => {
            let mut r = decode_result(&ScanReport::default(), 0, None)?;
            r.need = need as f64;
            Ok(r)
        }
        Ok(report) => decode_result(&report, cap, None),
    }
}

/// The result for `report`, whose verified frames must fit in the `room` bytes decoded into.
fn decode_result(report: &ScanReport, room: usize, data: Option<Buffer>) -> Result<DecodeResult> {
    let mut offsets = Vec::with_capacity(report.frames.len() + 1);
    let mut at = 0u64;
    offsets.push(0.0);
    for f in &report.frames {
        at += f.content_len;
        offsets.push(at as f64);
    }
    let fits = if data.is_some() {
        at == room as u64
    } else {
        at <= room as u64
    };
    if !fits {
        return Err(internal("decoded length differs from the verified frames"));
    }
    Ok(DecodeResult {
        data,
        need: 0.0,
        content_offsets: Float64Array::new(offsets),
        frame_offsets: to_f64(report.frames.iter().map(|f| f.offset)),
        corrupt: report.corrupt.iter().map(problem).collect(),
        tail: report.tail.as_ref().map(problem),
        valid_end: report.valid_end as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_detection() {
        let buf = [0u8; 16];
        assert!(overlaps(&buf[0..8], &buf[4..12]));
        assert!(!overlaps(&buf[0..8], &buf[8..16]));
        assert!(!overlaps(&buf[0..0], &buf[0..16]));
    }
}
