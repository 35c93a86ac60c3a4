//! The framed zstd container of capture parts (format: `docs/formats/capture-frames.md`).
//!
//! A part is a sequence of independent zstd frames, each holding whole requests, each with the
//! content size in its header and an XXH64 content checksum, optionally interleaved with
//! skippable frames (metadata that readers skip).
//!
//! * [`FrameWriter`] compresses one payload into exactly one frame, reusing one context.
//! * [`scan`] walks frame and block headers without decompressing: it finds every frame boundary,
//!   the end of the valid prefix (`valid_end`, where recovery truncates a torn tail) and the
//!   damaged regions. It is cheap (a few header reads per 128 KiB block) but proves only
//!   structure, not content.
//! * [`FrameDecoder`] decompresses and verifies: [`FrameDecoder::decode_frame`] for one frame,
//!   [`FrameDecoder::frames`] to iterate over the verified contents of a part, and
//!   [`FrameDecoder::verify`] for a scan in which every frame has also passed its checksum.
//!   Bytes of a frame that fails verification are never handed out.
//!
//! Damage handling: a region that fails (bad structure, or a frame whose checksum or size does
//! not verify) is reported and the walk resynchronises at the next position after the region's
//! start where a zstd or skippable magic begins an item that parses completely (and, when
//! verifying, verifies). Searching from the start of the failed item rather than from its
//! claimed end means a corrupted size field cannot swallow the frames that follow it. The cost:
//! a magic number that occurs by chance inside damaged bytes and also parses (and verifies) as a
//! frame would be taken as one; with 32-bit magics, structural checks and a 32-bit checksum this
//! is negligible (payload bytes appear verbatim only in raw blocks, and the zstd magic holds
//! 0xFD, which UTF-8 text never does). Resynchronisation work is bounded by a budget proportional to the input size, so
//! hostile input cannot make a scan quadratic; when the budget runs out the rest is reported as
//! one corrupt tail.
//!
//! No function here panics on any input, and no allocation is driven by a size read from the
//! input beyond the caller's `max_content_len`.

use std::fmt;
use std::io::Cursor;

use zstd::zstd_safe::{self, DCtx};

/// Magic number of a zstd frame (little-endian on disk: `28 B5 2F FD`).
pub const ZSTD_MAGIC: u32 = 0xFD2F_B528;
/// Skippable frames use the 16 magic numbers `0x184D2A50..=0x184D2A5F`.
pub const SKIPPABLE_MAGIC_BASE: u32 = 0x184D_2A50;
/// Largest content a frame of a capture part may hold (256 MiB). Writers refuse larger payloads;
/// readers treat larger frames as corrupt (and may use a smaller cap).
pub const MAX_FRAME_CONTENT_LEN: u64 = 256 << 20;

const BLOCK_SIZE_MAX: u64 = 128 << 10;
const WINDOW_LOG_MAX: u8 = 31;
const ZSTD_MAGIC_BYTES: [u8; 4] = ZSTD_MAGIC.to_le_bytes();
const SKIPPABLE_TAIL_BYTES: [u8; 3] = [0x2A, 0x4D, 0x18];

/// One zstd frame found in a part: where it is, how long it is, how much it claims to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameInfo {
    pub offset: u64,
    pub compressed_len: u64,
    pub content_len: u64,
}

impl FrameInfo {
    /// Offset one past the frame's last byte.
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.compressed_len)
    }
}

/// One skippable frame: `len` covers its 8-byte header and its data; `variant` is the low nibble
/// of its magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkippableInfo {
    pub offset: u64,
    pub len: u64,
    pub variant: u8,
}

/// Why a region is corrupt. [`CorruptReason::as_str`] gives a stable snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorruptReason {
    /// No zstd or skippable magic number where an item must start.
    BadMagic,
    /// A damaged tail that ends in zero bytes (at least 4, or all of it): what a crash leaves
    /// when the file size reached the disk but the data did not. Recovery may treat it as torn.
    ZeroFill,
    /// The reserved bit of the frame header descriptor is set.
    ReservedBit,
    /// The window descriptor asks for more than 2^31 bytes.
    WindowTooLarge,
    /// The frame needs a dictionary; capture parts never use one.
    DictionaryId,
    /// The frame header carries no content size; capture parts always do.
    NoContentSize,
    /// The frame has no content checksum; capture parts always do.
    NoChecksum,
    /// The frame claims more content than the reader's cap.
    ContentTooLarge,
    /// A block has the reserved block type.
    ReservedBlockType,
    /// A block is larger than the block maximum (128 KiB or the window), or impossibly small.
    BadBlockSize,
    /// The content size in the header cannot match the blocks, or the decoded size differs.
    ContentSizeMismatch,
    /// The item claims to extend past the end of the data, yet a valid item follows it.
    Overrun,
    /// The decoded content does not match the frame's XXH64 checksum.
    ChecksumMismatch,
    /// zstd rejected the frame while decoding (the zstd error name).
    Decode(&'static str),
    /// Resynchronisation gave up: the damaged input exceeded the work budget.
    ResyncBudget,
}

impl CorruptReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            CorruptReason::BadMagic => "bad_magic",
            CorruptReason::ZeroFill => "zero_fill",
            CorruptReason::ReservedBit => "reserved_bit",
            CorruptReason::WindowTooLarge => "window_too_large",
            CorruptReason::DictionaryId => "dictionary_id",
            CorruptReason::NoContentSize => "no_content_size",
            CorruptReason::NoChecksum => "no_checksum",
            CorruptReason::ContentTooLarge => "content_too_large",
            CorruptReason::ReservedBlockType => "reserved_block_type",
            CorruptReason::BadBlockSize => "bad_block_size",
            CorruptReason::ContentSizeMismatch => "content_size_mismatch",
            CorruptReason::Overrun => "overrun",
            CorruptReason::ChecksumMismatch => "checksum_mismatch",
            CorruptReason::Decode(_) => "decode_error",
            CorruptReason::ResyncBudget => "resync_budget",
        }
    }
}

impl fmt::Display for CorruptReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorruptReason::Decode(name) => write!(f, "decode_error ({name})"),
            other => f.write_str(other.as_str()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The data ends inside this item: a torn tail.
    Truncated,
    Corrupt(CorruptReason),
}

/// A damaged region `[offset, offset + len)` of a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    pub offset: u64,
    pub len: u64,
    pub kind: ProblemKind,
}

/// Result of [`scan`] or [`FrameDecoder::verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Frames in file order (from `verify`: only frames that verified).
    pub frames: Vec<FrameInfo>,
    pub skippable: Vec<SkippableInfo>,
    /// Damaged regions followed by a valid item: skipped and counted, the rest is kept.
    pub corrupt: Vec<Problem>,
    /// The damage after which nothing valid follows, if any.
    pub tail: Option<Problem>,
    /// `tail.offset`, or the input length when there is no tail: where recovery truncates.
    pub valid_end: u64,
}

/// Errors of this module. [`FrameError::code`] gives the stable `WFLG_E_*` code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    Truncated {
        offset: u64,
        len: u64,
    },
    Corrupt {
        offset: u64,
        len: u64,
        reason: CorruptReason,
    },
    /// A payload larger than [`MAX_FRAME_CONTENT_LEN`] was given to the writer.
    PayloadTooLarge {
        len: u64,
        max: u64,
    },
    /// The destination slice is smaller than [`FrameWriter::frame_bound`] of the payload.
    BufferTooSmall {
        need: u64,
        have: u64,
    },
    /// The compression level is outside zstd's range.
    InvalidLevel(i32),
    /// zstd could not create a context or failed where it cannot fail on valid input.
    Internal(&'static str),
}

impl FrameError {
    pub fn code(&self) -> &'static str {
        match self {
            FrameError::Truncated { .. } => "WFLG_E_FRAME_TRUNCATED",
            FrameError::Corrupt { .. } => "WFLG_E_FRAME_CORRUPT",
            _ => "WFLG_E_INTERNAL",
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code();
        match self {
            FrameError::Truncated { offset, len } => {
                write!(
                    f,
                    "{code}: data ends inside the frame at {offset} ({len} bytes)"
                )
            }
            FrameError::Corrupt {
                offset,
                len,
                reason,
            } => write!(f, "{code}: {reason} at {offset} ({len} bytes)"),
            FrameError::PayloadTooLarge { len, max } => {
                write!(f, "{code}: frame payload of {len} bytes exceeds {max}")
            }
            FrameError::BufferTooSmall { need, have } => {
                write!(f, "{code}: frame buffer needs {need} bytes, has {have}")
            }
            FrameError::InvalidLevel(level) => {
                write!(f, "{code}: zstd level {level} out of range")
            }
            FrameError::Internal(what) => write!(f, "{code}: {what}"),
        }
    }
}

impl std::error::Error for FrameError {}

impl From<Problem> for FrameError {
    fn from(p: Problem) -> Self {
        match p.kind {
            ProblemKind::Truncated => FrameError::Truncated {
                offset: p.offset,
                len: p.len,
            },
            ProblemKind::Corrupt(reason) => FrameError::Corrupt {
                offset: p.offset,
                len: p.len,
                reason,
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writer

/// Compresses payloads into frames with one reused zstd context (checksum and content size on).
pub struct FrameWriter {
    cctx: zstd::bulk::Compressor<'static>,
}

impl FrameWriter {
    pub fn new(level: i32) -> Result<Self, FrameError> {
        if !(zstd_safe::min_c_level()..=zstd_safe::max_c_level()).contains(&level) {
            return Err(FrameError::InvalidLevel(level));
        }
        let setup = || -> std::io::Result<zstd::bulk::Compressor<'static>> {
            let mut c = zstd::bulk::Compressor::new(level)?;
            c.include_checksum(true)?;
            c.include_contentsize(true)?;
            c.include_dictid(false)?;
            Ok(c)
        };
        setup()
            .map(|cctx| FrameWriter { cctx })
            .map_err(|_| FrameError::Internal("cannot create a zstd compression context"))
    }

    /// Worst-case frame size for a payload of `payload_len` bytes.
    pub fn frame_bound(payload_len: usize) -> usize {
        zstd_safe::compress_bound(payload_len)
    }

    /// Appends exactly one complete frame holding `payload` to `out` and returns its length.
    /// An empty payload gives a valid 13-byte frame with empty content. On error `out` is
    /// unchanged.
    pub fn compress_frame(
        &mut self,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<usize, FrameError> {
        check_payload(payload)?;
        let start = out.len();
        out.reserve(Self::frame_bound(payload.len()));
        let mut cursor = Cursor::new(&mut *out);
        cursor.set_position(start as u64);
        match self.cctx.compress_to_buffer(payload, &mut cursor) {
            Ok(n) if out.len() == start + n => Ok(n),
            _ => {
                out.truncate(start);
                Err(FrameError::Internal("zstd failed to compress a frame"))
            }
        }
    }

    /// Writes exactly one frame holding `payload` at the start of `dst` (which must hold at least
    /// [`FrameWriter::frame_bound`] bytes) and returns its length.
    pub fn compress_frame_into(
        &mut self,
        payload: &[u8],
        dst: &mut [u8],
    ) -> Result<usize, FrameError> {
        check_payload(payload)?;
        let need = Self::frame_bound(payload.len());
        if dst.len() < need {
            return Err(FrameError::BufferTooSmall {
                need: need as u64,
                have: dst.len() as u64,
            });
        }
        self.cctx
            .compress_to_buffer(payload, dst)
            .map_err(|_| FrameError::Internal("zstd failed to compress a frame"))
    }
}

fn check_payload(payload: &[u8]) -> Result<(), FrameError> {
    if payload.len() as u64 > MAX_FRAME_CONTENT_LEN {
        return Err(FrameError::PayloadTooLarge {
            len: payload.len() as u64,
            max: MAX_FRAME_CONTENT_LEN,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Structural parsing

enum Item {
    Frame(FrameInfo),
    Skippable(SkippableInfo),
}

impl Item {
    fn end(&self) -> u64 {
        match self {
            Item::Frame(f) => f.end(),
            Item::Skippable(s) => s.offset + s.len,
        }
    }
}

enum ParseErr {
    Truncated,
    Corrupt(CorruptReason),
}

fn le(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// Parses the item (zstd or skippable frame) starting at `pos`, walking block headers to find
/// its end. `steps` counts header reads (the resynchronisation budget).
fn parse_at(buf: &[u8], pos: usize, cap: u64, steps: &mut u64) -> Result<Item, ParseErr> {
    let b = buf.get(pos..).unwrap_or(&[]);
    let need = |n: usize| {
        if b.len() < n {
            Err(ParseErr::Truncated)
        } else {
            Ok(())
        }
    };
    *steps += 1;
    if b.len() < 4 {
        let zstd_prefix = ZSTD_MAGIC_BYTES.starts_with(b);
        let skip_prefix =
            b.is_empty() || (b[0] & 0xF0 == 0x50 && SKIPPABLE_TAIL_BYTES.starts_with(&b[1..]));
        return Err(if zstd_prefix || skip_prefix {
            ParseErr::Truncated
        } else {
            ParseErr::Corrupt(CorruptReason::BadMagic)
        });
    }
    let magic = le(&b[..4]) as u32;
    if magic & 0xFFFF_FFF0 == SKIPPABLE_MAGIC_BASE {
        need(8)?;
        let len = 8 + le(&b[4..8]);
        if (b.len() as u64) < len {
            return Err(ParseErr::Truncated);
        }
        return Ok(Item::Skippable(SkippableInfo {
            offset: pos as u64,
            len,
            variant: (magic & 0xF) as u8,
        }));
    }
    if magic != ZSTD_MAGIC {
        return Err(ParseErr::Corrupt(CorruptReason::BadMagic));
    }
    let corrupt = |r| Err(ParseErr::Corrupt(r));
    need(5)?;
    let fhd = b[4];
    if fhd & 0x08 != 0 {
        return corrupt(CorruptReason::ReservedBit);
    }
    let single_segment = fhd & 0x20 != 0;
    let mut p = 5;
    let mut window = None;
    if !single_segment {
        need(p + 1)?;
        let exponent = b[p] >> 3;
        if exponent + 10 > WINDOW_LOG_MAX {
            return corrupt(CorruptReason::WindowTooLarge);
        }
        let base = 1u64 << (exponent + 10);
        window = Some(base + (base >> 3) * u64::from(b[p] & 7));
        p += 1;
    }
    let dict_len = [0, 1, 2, 4][usize::from(fhd & 3)];
    need(p + dict_len)?;
    if le(&b[p..p + dict_len]) != 0 {
        return corrupt(CorruptReason::DictionaryId);
    }
    p += dict_len;
    let fcs_len = match fhd >> 6 {
        0 => usize::from(single_segment),
        1 => 2,
        2 => 4,
        _ => 8,
    };
    if fcs_len == 0 {
        return corrupt(CorruptReason::NoContentSize);
    }
    if fhd & 0x04 == 0 {
        return corrupt(CorruptReason::NoChecksum);
    }
    need(p + fcs_len)?;
    let content_len = le(&b[p..p + fcs_len]) + if fcs_len == 2 { 256 } else { 0 };
    p += fcs_len;
    if content_len > cap {
        return corrupt(CorruptReason::ContentTooLarge);
    }
    let block_max = window.unwrap_or(content_len).min(BLOCK_SIZE_MAX);
    // Raw and RLE blocks regenerate exactly their size; a compressed block at most 128 KiB.
    let mut exact = 0u64;
    let mut compressed_blocks = 0u64;
    loop {
        *steps += 1;
        need(p + 3)?;
        let header = le(&b[p..p + 3]);
        p += 3;
        let last = header & 1 != 0;
        let size = header >> 3;
        let stored = match (header >> 1) & 3 {
            0 => {
                exact += size;
                size
            }
            1 => {
                exact += size;
                1
            }
            2 => {
                // A compressed block holds at least a literals header and a sequences header.
                if size < 2 {
                    return corrupt(CorruptReason::BadBlockSize);
                }
                compressed_blocks += 1;
                size
            }
            _ => return corrupt(CorruptReason::ReservedBlockType),
        };
        if size > block_max {
            return corrupt(CorruptReason::BadBlockSize);
        }
        if exact > content_len {
            return corrupt(CorruptReason::ContentSizeMismatch);
        }
        need(p.saturating_add(stored as usize))?;
        p += stored as usize;
        if last {
            break;
        }
    }
    if content_len > exact + compressed_blocks * BLOCK_SIZE_MAX {
        return corrupt(CorruptReason::ContentSizeMismatch);
    }
    need(p + 4)?;
    p += 4;
    Ok(Item::Frame(FrameInfo {
        offset: pos as u64,
        compressed_len: p as u64,
        content_len,
    }))
}

/// Finds the next position `>= from` where a zstd or skippable magic number starts, caching the
/// next hit of each pattern so a resynchronisation pass stays linear (`usize::MAX`: none left).
struct MagicSearch {
    zstd: Option<usize>,
    skippable: Option<usize>,
}

impl MagicSearch {
    fn new() -> Self {
        MagicSearch {
            zstd: None,
            skippable: None,
        }
    }

    fn next(&mut self, buf: &[u8], from: usize) -> Option<usize> {
        if self.zstd.is_none_or(|z| z < from) {
            let hit = buf
                .get(from..)
                .and_then(|rest| memchr::memmem::find(rest, &ZSTD_MAGIC_BYTES));
            self.zstd = Some(hit.map_or(usize::MAX, |i| from + i));
        }
        if self.skippable.is_none_or(|s| s < from) {
            self.skippable = Some(find_skippable(buf, from).unwrap_or(usize::MAX));
        }
        let next = self.zstd.min(self.skippable).unwrap_or(usize::MAX);
        (next != usize::MAX).then_some(next)
    }
}

fn find_skippable(buf: &[u8], from: usize) -> Option<usize> {
    let mut at = from + 1;
    while let Some(rest) = buf.get(at..) {
        let i = memchr::memmem::find(rest, &SKIPPABLE_TAIL_BYTES)?;
        let start = at + i - 1;
        if buf[start] & 0xF0 == 0x50 {
            return Some(start);
        }
        at += i + 1;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Walking a part

enum Event {
    Frame(FrameInfo),
    Skippable(SkippableInfo),
    Corrupt(Problem),
    Tail(Problem),
}

/// Verification hook: `Ok` if the frame's content verifies (structural scans accept all).
type Verify<'v> = dyn FnMut(&FrameInfo) -> Result<(), CorruptReason> + 'v;

struct Walker<'a> {
    buf: &'a [u8],
    pos: usize,
    cap: u64,
    budget: u64,
    done: bool,
    pending: Option<Event>,
}

impl<'a> Walker<'a> {
    fn new(buf: &'a [u8], cap: u64) -> Self {
        Walker {
            buf,
            pos: 0,
            cap,
            budget: (1 << 20) + 4 * buf.len() as u64,
            done: false,
            pending: None,
        }
    }

    fn next_event(&mut self, verify: &mut Verify<'_>) -> Option<Event> {
        if let Some(event) = self.pending.take() {
            return Some(event);
        }
        if self.done || self.pos >= self.buf.len() {
            self.done = true;
            return None;
        }
        let start = self.pos;
        let mut steps = 0;
        let failure = match parse_at(self.buf, start, self.cap, &mut steps) {
            Ok(Item::Skippable(s)) => {
                self.pos = (s.offset + s.len) as usize;
                return Some(Event::Skippable(s));
            }
            Ok(Item::Frame(f)) => match verify(&f) {
                Ok(()) => {
                    self.pos = f.end() as usize;
                    return Some(Event::Frame(f));
                }
                Err(reason) => ParseErr::Corrupt(reason),
            },
            Err(e) => e,
        };
        Some(self.resync(start, failure, verify))
    }

    /// Looks for the next valid item after the failed item at `start`. A complete item ends the
    /// damaged region; after a structural failure, an item that runs to the end of the data
    /// marks a torn tail behind the damage. Otherwise everything from `start` is the tail.
    fn resync(&mut self, start: usize, failure: ParseErr, verify: &mut Verify<'_>) -> Event {
        let mut search = MagicSearch::new();
        let mut from = start + 1;
        let mut torn_at = None;
        let mut out_of_budget = false;
        while let Some(c) = search.next(self.buf, from) {
            if self.budget == 0 {
                out_of_budget = true;
                break;
            }
            let mut steps = 0;
            let parsed = parse_at(self.buf, c, self.cap, &mut steps);
            self.budget = self.budget.saturating_sub(steps);
            from = c + 1;
            let item = match parsed {
                Ok(Item::Frame(f)) => {
                    self.budget = self.budget.saturating_sub(f.content_len >> 12);
                    match verify(&f) {
                        Ok(()) => Item::Frame(f),
                        Err(_) => continue,
                    }
                }
                Ok(item) => item,
                Err(ParseErr::Truncated) => {
                    torn_at = torn_at.or(Some(c));
                    continue;
                }
                Err(ParseErr::Corrupt(_)) => continue,
            };
            let reason = match failure {
                ParseErr::Truncated => CorruptReason::Overrun,
                ParseErr::Corrupt(r) => r,
            };
            self.pos = item.end() as usize;
            self.pending = Some(match item {
                Item::Frame(f) => Event::Frame(f),
                Item::Skippable(s) => Event::Skippable(s),
            });
            return Event::Corrupt(self.problem(start, c, ProblemKind::Corrupt(reason)));
        }
        self.done = true;
        let end = self.buf.len();
        let kind = match failure {
            _ if out_of_budget => ProblemKind::Corrupt(CorruptReason::ResyncBudget),
            ParseErr::Truncated => ProblemKind::Truncated,
            ParseErr::Corrupt(r) => {
                if let Some(t) = torn_at {
                    self.pending = Some(Event::Tail(self.problem(t, end, ProblemKind::Truncated)));
                    return Event::Corrupt(self.problem(start, t, ProblemKind::Corrupt(r)));
                }
                let rest = &self.buf[start..];
                let zeros = rest.iter().rev().take_while(|&&x| x == 0).count();
                if zeros == rest.len() || zeros >= 4 {
                    ProblemKind::Corrupt(CorruptReason::ZeroFill)
                } else {
                    ProblemKind::Corrupt(r)
                }
            }
        };
        Event::Tail(self.problem(start, end, kind))
    }

    fn problem(&self, start: usize, end: usize, kind: ProblemKind) -> Problem {
        Problem {
            offset: start as u64,
            len: (end - start) as u64,
            kind,
        }
    }

    fn collect(mut self, verify: &mut Verify<'_>) -> ScanReport {
        let mut report = ScanReport::default();
        while let Some(event) = self.next_event(verify) {
            match event {
                Event::Frame(f) => report.frames.push(f),
                Event::Skippable(s) => report.skippable.push(s),
                Event::Corrupt(p) => report.corrupt.push(p),
                Event::Tail(p) => report.tail = Some(p),
            }
        }
        report.valid_end = report.tail.map_or(self.buf.len() as u64, |t| t.offset);
        report
    }
}

/// Structural scan with the format's content cap ([`MAX_FRAME_CONTENT_LEN`]).
pub fn scan(buf: &[u8]) -> ScanReport {
    scan_with_cap(buf, MAX_FRAME_CONTENT_LEN)
}

/// Structural scan: frames that claim more than `max_content_len` are corrupt.
pub fn scan_with_cap(buf: &[u8], max_content_len: u64) -> ScanReport {
    Walker::new(buf, max_content_len).collect(&mut |_: &FrameInfo| Ok(()))
}

// ---------------------------------------------------------------------------------------------
// Decoding and verification

/// Decompresses and verifies frames with one reused zstd context; nothing larger than
/// `max_content_len` is ever allocated for a frame.
pub struct FrameDecoder {
    dctx: DCtx<'static>,
    max_content_len: u64,
    scratch: Vec<u8>,
}

impl FrameDecoder {
    pub fn new(max_content_len: u64) -> Result<Self, FrameError> {
        let dctx = DCtx::try_create().ok_or(FrameError::Internal(
            "cannot create a zstd decompression context",
        ))?;
        Ok(FrameDecoder {
            dctx,
            max_content_len,
            scratch: Vec::new(),
        })
    }

    pub fn max_content_len(&self) -> u64 {
        self.max_content_len
    }

    /// Decompresses the frame described by `info` (as found by a scan of `buf`), verifies its
    /// checksum and size, and appends its content to `out`, returning the content length.
    /// On error `out` is unchanged: unverified bytes are never exposed.
    pub fn decode_frame(
        &mut self,
        buf: &[u8],
        info: &FrameInfo,
        out: &mut Vec<u8>,
    ) -> Result<usize, FrameError> {
        let offset = usize::try_from(info.offset).unwrap_or(usize::MAX);
        let problem = |kind| Problem {
            offset: info.offset,
            len: info.compressed_len,
            kind,
        };
        match parse_at(buf, offset, self.max_content_len, &mut 0) {
            Ok(Item::Frame(f)) if f == *info => {}
            Ok(_) => {
                return Err(FrameError::Internal(
                    "FrameInfo does not describe a frame of this buffer",
                ))
            }
            Err(ParseErr::Truncated) => return Err(problem(ProblemKind::Truncated).into()),
            Err(ParseErr::Corrupt(r)) => return Err(problem(ProblemKind::Corrupt(r)).into()),
        }
        decompress_exact(&mut self.dctx, buf, info, out)
            .map_err(|r| problem(ProblemKind::Corrupt(r)).into())
    }

    /// Iterates over the verified frames of `buf`, reusing one output buffer.
    pub fn frames<'a>(&'a mut self, buf: &'a [u8]) -> FrameIter<'a> {
        FrameIter {
            walker: Walker::new(buf, self.max_content_len),
            dctx: &mut self.dctx,
            out: &mut self.scratch,
        }
    }

    /// Like [`scan`], but every frame is decompressed and verified; frames that fail are
    /// reported as damaged regions (middle) or as the tail (when nothing valid follows).
    pub fn verify(&mut self, buf: &[u8]) -> ScanReport {
        let (dctx, out) = (&mut self.dctx, &mut self.scratch);
        let report = Walker::new(buf, self.max_content_len).collect(&mut |f: &FrameInfo| {
            out.clear();
            decompress_exact(dctx, buf, f, out).map(|_| ())
        });
        self.release_scratch();
        report
    }

    /// Like [`FrameDecoder::verify`], and appends the content of every verified frame to `out`,
    /// in the order of `report.frames` (frame `i` holds `report.frames[i].content_len` bytes).
    /// Decodes straight into `out`; reserves up front what the frames claim, bounded by
    /// 32 × the input so hostile headers cannot inflate the reservation.
    pub fn decode_all(&mut self, buf: &[u8], out: &mut Vec<u8>) -> ScanReport {
        let claimed: u64 = scan_with_cap(buf, self.max_content_len)
            .frames
            .iter()
            .map(|f| f.content_len)
            .sum();
        let bound = (buf.len() as u64).saturating_mul(32);
        let _ = out.try_reserve(usize::try_from(claimed.min(bound)).unwrap_or(0));
        let dctx = &mut self.dctx;
        Walker::new(buf, self.max_content_len)
            .collect(&mut |f: &FrameInfo| decompress_exact(dctx, buf, f, out).map(|_| ()))
    }

    /// Like [`FrameDecoder::decode_all`], into the front of a caller's buffer, which a caller
    /// reuses from part to part: a fresh multi-megabyte buffer per part costs a page fault per
    /// 4 KiB on first touch, a third of decoding's time. `Err(n)` when `dst` was too small: at
    /// least `n` bytes are needed, and the caller retries with more (damage can make the walk
    /// differ once a frame fits, so one retry may not be the last). Bytes of frames that fail
    /// verification may be left in `dst` beyond what the report's frames account for.
    pub fn decode_all_into(&mut self, buf: &[u8], dst: &mut [u8]) -> Result<ScanReport, u64> {
        let dctx = &mut self.dctx;
        let mut at = 0usize;
        let mut short = 0u64;
        let report = Walker::new(buf, self.max_content_len).collect(&mut |f: &FrameInfo| {
            let end = at.saturating_add(f.content_len as usize);
            if short > 0 || end > dst.len() {
                short = short.saturating_add(f.content_len);
                return Err(CorruptReason::ContentTooLarge);
            }
            decompress_into(dctx, buf, f, &mut dst[at..end])?;
            at = end;
            Ok(())
        });
        if short > 0 {
            return Err((at as u64).saturating_add(short));
        }
        Ok(report)
    }

    /// Keeps the scratch buffer from pinning one huge frame's worth of memory forever.
    fn release_scratch(&mut self) {
        if self.scratch.capacity() > (16 << 20) {
            self.scratch = Vec::new();
        }
    }
}

/// Decompresses exactly one frame (whose structure was already parsed) and appends its content.
fn decompress_exact(
    dctx: &mut DCtx<'static>,
    buf: &[u8],
    info: &FrameInfo,
    out: &mut Vec<u8>,
) -> Result<usize, CorruptReason> {
    let start = info.offset as usize;
    let src = &buf[start..start + info.compressed_len as usize];
    let content_len = info.content_len as usize;
    let orig = out.len();
    if out.try_reserve(content_len).is_err() {
        return Err(CorruptReason::ContentTooLarge);
    }
    let mut cursor = Cursor::new(&mut *out);
    cursor.set_position(orig as u64);
    let result = dctx.decompress(&mut cursor, src);
    match result {
        Ok(n) if n == content_len && out.len() == orig + n => Ok(n),
        Ok(_) => {
            out.truncate(orig);
            Err(CorruptReason::ContentSizeMismatch)
        }
        Err(code) => {
            out.truncate(orig);
            Err(zstd_reason(code))
        }
    }
}

/// Decompresses exactly one frame (whose structure was already parsed) into `dst`, which holds
/// exactly its claimed content length.
fn decompress_into(
    dctx: &mut DCtx<'static>,
    buf: &[u8],
    info: &FrameInfo,
    dst: &mut [u8],
) -> Result<(), CorruptReason> {
    let start = info.offset as usize;
    let src = &buf[start..start + info.compressed_len as usize];
    let too_small = zstd_safe::zstd_sys::ZSTD_ErrorCode::ZSTD_error_dstSize_tooSmall as usize;
    match dctx.decompress(dst, src) {
        Ok(n) if n == dst.len() => Ok(()),
        Ok(_) => Err(CorruptReason::ContentSizeMismatch),
        // More content than the frame claims: what the growable form reports as a mismatch.
        Err(code) if 0usize.wrapping_sub(code) == too_small => {
            Err(CorruptReason::ContentSizeMismatch)
        }
        Err(code) => Err(zstd_reason(code)),
    }
}

fn zstd_reason(code: usize) -> CorruptReason {
    let checksum_wrong = zstd_safe::zstd_sys::ZSTD_ErrorCode::ZSTD_error_checksum_wrong as usize;
    if 0usize.wrapping_sub(code) == checksum_wrong {
        CorruptReason::ChecksumMismatch
    } else {
        CorruptReason::Decode(zstd_safe::get_error_name(code))
    }
}

/// Iterator over the verified frames of a part: yields each frame with its content (valid until
/// the next call), an error for each damaged region, and ends after the tail. Not a
/// `std::iter::Iterator` because the content borrows the iterator's reused buffer.
pub struct FrameIter<'a> {
    walker: Walker<'a>,
    dctx: &'a mut DCtx<'static>,
    out: &'a mut Vec<u8>,
}

impl FrameIter<'_> {
    pub fn next_frame(&mut self) -> Option<Result<(FrameInfo, &[u8]), FrameError>> {
        let buf = self.walker.buf;
        loop {
            let (dctx, out) = (&mut *self.dctx, &mut *self.out);
            let event = self.walker.next_event(&mut |f: &FrameInfo| {
                out.clear();
                decompress_exact(dctx, buf, f, out).map(|_| ())
            })?;
            return Some(match event {
                Event::Frame(f) => Ok((f, self.out.as_slice())),
                Event::Skippable(_) => continue,
                Event::Corrupt(p) | Event::Tail(p) => Err(p.into()),
            });
        }
    }
}
