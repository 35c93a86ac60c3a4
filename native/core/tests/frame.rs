//! Tests of the framed zstd container (`wflg_core::frame`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use wflg_core::frame::{
    scan, scan_with_cap, CorruptReason, FrameDecoder, FrameError, FrameInfo, FrameWriter, Problem,
    ProblemKind, ScanReport, MAX_FRAME_CONTENT_LEN,
};

// Records the largest single allocation of the current thread, so hostile-input tests can prove
// that no size read from the input drives an allocation beyond the cap.
struct Tracking;
thread_local! {
    static LARGEST_ALLOC: Cell<usize> = const { Cell::new(0) };
}
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
fn note_alloc(size: usize) {
    let _ = LARGEST_ALLOC.try_with(|c| c.set(c.get().max(size)));
}
#[global_allocator]
static GLOBAL: Tracking = Tracking;

fn largest_alloc_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST_ALLOC.with(|c| c.set(0));
    let out = f();
    (out, LARGEST_ALLOC.with(|c| c.get()))
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Deterministic pseudo-random generator (xorshift) for fixtures.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Wavefront-like text of about `len` bytes, whole lines, led by a `#` request header line.
fn wavefront_text(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    let mut out = format!("#t=1700000000000 n={len} enc=identity f=wavefront\n").into_bytes();
    while out.len() < len {
        let r = rng.next();
        let line = format!(
            "app.svc{}.latency.p{} {}.{} {} source=host-{} env=prod region=r{}\n",
            r % 37,
            (r >> 8) % 100,
            (r >> 16) % 100_000,
            (r >> 40) % 1000,
            1_700_000_000 + (r >> 20) % 86_400,
            (r >> 30) % 500,
            (r >> 50) % 7
        );
        out.extend_from_slice(line.as_bytes());
    }
    out
}

fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    (0..len).map(|_| rng.next() as u8).collect()
}

fn skippable(variant: u8, data: &[u8]) -> Vec<u8> {
    let mut out = (0x184D_2A50u32 | u32::from(variant)).to_le_bytes().to_vec();
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// Compresses each payload into one frame, appended to one part.
fn build_part(payloads: &[Vec<u8>]) -> (Vec<u8>, Vec<FrameInfo>) {
    let mut writer = FrameWriter::new(3).unwrap();
    let mut part = Vec::new();
    let mut infos = Vec::new();
    for p in payloads {
        let offset = part.len() as u64;
        let n = writer.compress_frame(p, &mut part).unwrap();
        assert_eq!(part.len() as u64, offset + n as u64);
        infos.push(FrameInfo {
            offset,
            compressed_len: n as u64,
            content_len: p.len() as u64,
        });
    }
    (part, infos)
}

/// All verified frames with their content, and the damage, via the iterator.
fn iterate(buf: &[u8], cap: u64) -> (Vec<(FrameInfo, Vec<u8>)>, Vec<FrameError>) {
    let mut dec = FrameDecoder::new(cap).unwrap();
    let mut iter = dec.frames(buf);
    let (mut frames, mut errors) = (Vec::new(), Vec::new());
    while let Some(item) = iter.next_frame() {
        match item {
            Ok((info, content)) => frames.push((info, content.to_vec())),
            Err(e) => errors.push(e),
        }
    }
    (frames, errors)
}

/// A report with corrupt reasons blanked: a frame whose content overruns its claim stops the
/// exact-size decode at the overrun, where the growable one may first meet other damage.
fn without_reasons(r: &ScanReport) -> ScanReport {
    let mut r = r.clone();
    for p in r.corrupt.iter_mut().chain(r.tail.iter_mut()) {
        if let ProblemKind::Corrupt(_) = p.kind {
            p.kind = ProblemKind::Corrupt(CorruptReason::ContentSizeMismatch);
        }
    }
    r
}

/// `decode_all_into` (into a reused buffer, dirty from `dirt`, grown as it asks) agrees with
/// `decode_all`: same frames and damage, same verified bytes. Returns `decode_all`'s report.
fn decode_into_agrees(buf: &[u8], cap: u64, dirt: u8) -> ScanReport {
    let mut dec = FrameDecoder::new(cap).unwrap();
    let mut want = Vec::new();
    let report = dec.decode_all(buf, &mut want);
    let mut dst = Vec::new();
    let mut tries = 0;
    let got = loop {
        tries += 1;
        match dec.decode_all_into(buf, &mut dst) {
            Ok(r) => break r,
            Err(n) => {
                assert!(n > dst.len() as u64, "asks for more than it had");
                // Exactly what is asked for, not more: the tightest fit must work.
                dst = vec![dirt; n as usize];
            }
        }
        assert!(
            tries <= 1 + report.frames.len() + report.corrupt.len(),
            "converges"
        );
    };
    assert_eq!(without_reasons(&got), without_reasons(&report));
    assert_eq!(&dst[..want.len()], &want[..]);
    report
}

fn verify(buf: &[u8]) -> ScanReport {
    FrameDecoder::new(MAX_FRAME_CONTENT_LEN)
        .unwrap()
        .verify(buf)
}

// ---------------------------------------------------------------------------------------------
// Round trips

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

proptest! {
    // 64 cases by default; PROPTEST_CASES raises it for a longer soak.
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn round_trip_random_payloads(
        payloads in prop::collection::vec(
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..4096),
                (any::<u64>(), 0usize..300_000).prop_map(|(s, n)| wavefront_text(s, n)),
                (any::<u8>(), 0usize..300_000).prop_map(|(b, n)| vec![b; n]),
                (any::<u64>(), 0usize..200_000).prop_map(|(s, n)| random_bytes(s, n)),
            ],
            1..6,
        )
    ) {
        let (part, infos) = build_part(&payloads);
        let report = scan(&part);
        prop_assert_eq!(&report.frames, &infos);
        prop_assert_eq!(report.valid_end, part.len() as u64);
        prop_assert!(report.tail.is_none() && report.corrupt.is_empty());
        prop_assert_eq!(&verify(&part), &report);
        prop_assert_eq!(&decode_into_agrees(&part, MAX_FRAME_CONTENT_LEN, 0xAB), &report);

        let (frames, errors) = iterate(&part, MAX_FRAME_CONTENT_LEN);
        prop_assert!(errors.is_empty());
        prop_assert_eq!(frames.len(), payloads.len());
        let mut dec = FrameDecoder::new(MAX_FRAME_CONTENT_LEN).unwrap();
        for ((info, content), payload) in frames.iter().zip(&payloads) {
            prop_assert_eq!(content, payload);
            let mut out = b"prefix".to_vec();
            let n = dec.decode_frame(&part, info, &mut out).unwrap();
            prop_assert_eq!(n, payload.len());
            prop_assert_eq!(&out[..6], b"prefix");
            prop_assert_eq!(&out[6..], &payload[..]);
        }
        // The part is a plain zstd stream for any standard decoder.
        prop_assert_eq!(zstd::decode_all(&part[..]).unwrap(), payloads.concat());
    }

    #[test]
    fn scan_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let report = scan(&bytes);
        prop_assert_eq!(report.valid_end, report.tail.map_or(bytes.len() as u64, |t| t.offset));
        let _ = verify(&bytes);
        let _ = iterate(&bytes, 1 << 20);
        let _ = decode_into_agrees(&bytes, 1 << 20, 0);
    }

    #[test]
    fn scan_never_panics_on_magic_led_bytes(
        header in prop::collection::vec(any::<u8>(), 0..64),
        rest in prop::collection::vec(any::<u8>(), 0..512),
        skip in any::<bool>(),
    ) {
        let mut bytes = if skip { vec![0x5A, 0x2A, 0x4D, 0x18] } else { vec![0x28, 0xB5, 0x2F, 0xFD] };
        bytes.extend_from_slice(&header);
        bytes.extend_from_slice(&rest);
        let _ = scan(&bytes);
        let _ = iterate(&bytes, 1 << 20);
    }

    #[test]
    fn decode_frame_never_panics_on_arbitrary_frame_info(
        bytes in prop::collection::vec(any::<u8>(), 0..256),
        offset in prop_oneof![0u64..300, any::<u64>()],
        compressed_len in prop_oneof![0u64..300, any::<u64>()],
        content_len in prop_oneof![0u64..300, any::<u64>()],
    ) {
        let info = FrameInfo { offset, compressed_len, content_len };
        let mut out = Vec::new();
        let mut dec = FrameDecoder::new(1 << 16).unwrap();
        prop_assert!(dec.decode_frame(&bytes, &info, &mut out).is_err() || out.len() as u64 == content_len);
        let _ = info.end();
    }

    /// Random damage to a valid part: no panic, and every frame handed out is byte-identical to
    /// a frame that was written (unverified bytes are never emitted).
    #[test]
    fn damaged_parts_never_yield_unverified_content(
        seed in any::<u64>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..8),
    ) {
        let payloads: Vec<Vec<u8>> = (0..4).map(|i| wavefront_text(seed ^ i, 2000 + 3000 * i as usize)).collect();
        let (mut part, _) = build_part(&payloads);
        for (idx, byte, op) in edits {
            if part.is_empty() { break; }
            let at = idx.index(part.len());
            match op {
                0 => part[at] ^= byte | 1,
                1 => part.truncate(at),
                2 => { part.remove(at); }
                _ => part.insert(at, byte),
            }
        }
        let (frames, _) = iterate(&part, MAX_FRAME_CONTENT_LEN);
        for (_, content) in &frames {
            prop_assert!(payloads.contains(content));
        }
        decode_into_agrees(&part, MAX_FRAME_CONTENT_LEN, 0x5C);
        let report = scan(&part);
        prop_assert_eq!(report.valid_end, report.tail.map_or(part.len() as u64, |t| t.offset));
    }
}

#[test]
fn one_destination_serves_parts_of_any_size_in_turn() {
    let big: Vec<Vec<u8>> = (0..3).map(|i| wavefront_text(40 + i, 90_000)).collect();
    let small = vec![
        wavefront_text(50, 700),
        Vec::new(),
        wavefront_text(51, 1300),
    ];
    let mut dec = FrameDecoder::new(MAX_FRAME_CONTENT_LEN).unwrap();
    let mut dst = vec![0u8; 300_000];
    for payloads in [&big, &small, &big] {
        let (part, infos) = build_part(payloads);
        let report = dec.decode_all_into(&part, &mut dst).unwrap();
        assert_eq!(report.frames, infos);
        let n = payloads.iter().map(Vec::len).sum::<usize>();
        assert_eq!(&dst[..n], &payloads.concat()[..]);
    }
}

#[test]
fn empty_payload_is_a_valid_empty_frame() {
    let (part, infos) = build_part(&[Vec::new(), b"x\n".to_vec(), Vec::new()]);
    assert_eq!(infos[0].compressed_len, 13);
    assert_eq!(scan(&part).frames, infos);
    let (frames, errors) = iterate(&part, 16);
    assert!(errors.is_empty());
    let contents: Vec<&[u8]> = frames.iter().map(|(_, c)| c.as_slice()).collect();
    assert_eq!(contents, [&b""[..], b"x\n", b""]);
}

#[test]
fn compress_frame_into_a_slice() {
    let payload = wavefront_text(7, 100_000);
    let mut writer = FrameWriter::new(3).unwrap();
    let mut dst = vec![0u8; FrameWriter::frame_bound(payload.len())];
    let n = writer.compress_frame_into(&payload, &mut dst).unwrap();
    let report = scan(&dst[..n]);
    assert_eq!(report.frames.len(), 1);
    assert_eq!(report.valid_end, n as u64);
    let mut small = vec![0u8; 10];
    let err = writer
        .compress_frame_into(&payload, &mut small)
        .unwrap_err();
    assert!(matches!(err, FrameError::BufferTooSmall { .. }));
    assert_eq!(err.code(), "WFLG_E_INTERNAL");
}

#[test]
fn writer_rejects_bad_level_and_oversized_payload() {
    assert_eq!(
        FrameWriter::new(1000).err(),
        Some(FrameError::InvalidLevel(1000))
    );
    assert!(FrameWriter::new(-5).is_ok());
    let huge = vec![0u8; MAX_FRAME_CONTENT_LEN as usize + 1];
    let mut out = b"keep".to_vec();
    let err = FrameWriter::new(1)
        .unwrap()
        .compress_frame(&huge, &mut out)
        .unwrap_err();
    assert!(matches!(err, FrameError::PayloadTooLarge { .. }));
    assert_eq!(out, b"keep");
}

// ---------------------------------------------------------------------------------------------
// Torn tails

/// A part whose last frame spans several blocks (raw, compressed), for truncation tests.
fn part_for_truncation() -> (Vec<u8>, Vec<FrameInfo>, Vec<Vec<u8>>) {
    let mut last = wavefront_text(11, 150_000);
    last.extend_from_slice(&random_bytes(12, 140_000));
    let payloads = vec![wavefront_text(1, 5000), wavefront_text(2, 700), last];
    let (part, infos) = build_part(&payloads);
    (part, infos, payloads)
}

#[test]
fn truncation_at_every_offset_of_the_last_frame_is_a_torn_tail() {
    let (part, infos, _) = part_for_truncation();
    let last = *infos.last().unwrap();
    assert!(
        last.compressed_len > 140_000,
        "last frame must span several blocks"
    );
    let mut dec = FrameDecoder::new(MAX_FRAME_CONTENT_LEN).unwrap();
    for cut in last.offset + 1..last.end() {
        let buf = &part[..cut as usize];
        let report = scan(buf);
        let expected = Problem {
            offset: last.offset,
            len: cut - last.offset,
            kind: ProblemKind::Truncated,
        };
        assert_eq!(report.tail, Some(expected), "cut at {cut}");
        assert_eq!(report.valid_end, last.offset, "cut at {cut}");
        assert_eq!(report.frames, infos[..2], "cut at {cut}");
        assert!(report.corrupt.is_empty(), "cut at {cut}");
        // The verified scan agrees (sampled: it decodes the earlier frames each time).
        if cut % 61 == 0 || cut < last.offset + 64 || cut > last.end() - 64 {
            assert_eq!(dec.verify(buf), report, "verify, cut at {cut}");
        }
    }
    // Cutting exactly at a frame boundary leaves no tail.
    for cut in [last.offset, last.end()] {
        let report = scan(&part[..cut as usize]);
        assert_eq!((report.tail, report.valid_end), (None, cut));
    }
}

#[test]
fn truncated_tail_is_reported_by_the_iterator() {
    let (part, infos, payloads) = part_for_truncation();
    let cut = infos[2].offset as usize + 1000;
    let (frames, errors) = iterate(&part[..cut], MAX_FRAME_CONTENT_LEN);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[1].1, payloads[1]);
    assert_eq!(
        errors,
        [FrameError::Truncated {
            offset: infos[2].offset,
            len: 1000
        }]
    );
    assert_eq!(errors[0].code(), "WFLG_E_FRAME_TRUNCATED");
}

#[test]
fn torn_skippable_frame_is_truncated() {
    let (mut part, _) = build_part(&[wavefront_text(3, 1000)]);
    let end = part.len() as u64;
    let skip = skippable(0, &[7u8; 40]);
    for cut in 1..skip.len() {
        let mut buf = part.clone();
        buf.extend_from_slice(&skip[..cut]);
        let report = scan(&buf);
        assert_eq!(
            report.tail.map(|t| (t.offset, t.kind)),
            Some((end, ProblemKind::Truncated))
        );
    }
    part.extend_from_slice(&skip);
    assert!(scan(&part).tail.is_none());
}

#[test]
fn zero_filled_tail_is_reported_as_such() {
    let (part, infos) = build_part(&[wavefront_text(4, 1000), wavefront_text(5, 1000)]);
    let mut buf = part.clone();
    buf.extend_from_slice(&[0u8; 4096]);
    let report = scan(&buf);
    assert_eq!(report.frames, infos);
    assert_eq!(
        report.tail.map(|t| t.kind),
        Some(ProblemKind::Corrupt(CorruptReason::ZeroFill))
    );
    assert_eq!(report.valid_end, part.len() as u64);
    // A partly written frame followed by zeros: a torn frame, or (when the zeros complete its
    // block structure) a frame that fails verification and ends in zeros.
    for written in [1, 3, 5, 20, 100, 300] {
        let mut buf = part[..infos[1].offset as usize + written].to_vec();
        buf.extend_from_slice(&[0u8; 4096]);
        let report = verify(&buf);
        assert_eq!(report.frames, infos[..1], "{written}");
        let tail = report.tail.unwrap();
        assert_eq!(tail.offset, infos[1].offset, "{written}");
        let zero_fill = ProblemKind::Corrupt(CorruptReason::ZeroFill);
        assert!(
            tail.kind == ProblemKind::Truncated || tail.kind == zero_fill,
            "{written}: {tail:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Corrupt frames in the middle

fn check_middle_damage(
    part: &[u8],
    infos: &[FrameInfo],
    payloads: &[Vec<u8>],
    mid: usize,
    what: &str,
) {
    let report = verify(part);
    assert_eq!(
        without_reasons(&decode_into_agrees(part, MAX_FRAME_CONTENT_LEN, 0xFF)),
        without_reasons(&report),
        "{what}"
    );
    let (frames, errors) = iterate(part, MAX_FRAME_CONTENT_LEN);
    assert_eq!(report.tail, None, "{what}");
    assert_eq!(report.valid_end, part.len() as u64, "{what}");
    let reported: Vec<FrameInfo> = frames.iter().map(|(i, _)| *i).collect();
    assert_eq!(reported, report.frames, "{what}");
    assert_eq!(errors.len(), report.corrupt.len(), "{what}");
    let mut expect = infos.to_vec();
    if frames.len() == infos.len() {
        // The damage did not matter (e.g. an unused header bit): the content is intact.
        assert!(report.corrupt.is_empty(), "{what}");
    } else {
        expect.remove(mid);
        assert_eq!(report.corrupt.len(), 1, "{what}");
        assert_eq!(report.corrupt[0].offset, infos[mid].offset, "{what}");
        assert_eq!(
            report.corrupt[0].offset + report.corrupt[0].len,
            infos[mid + 1].offset,
            "{what}"
        );
        assert!(matches!(errors[0], FrameError::Corrupt { .. }), "{what}");
    }
    assert_eq!(reported, expect, "{what}");
    for (info, content) in &frames {
        let i = infos.iter().position(|x| x == info).unwrap();
        assert_eq!(content, &payloads[i], "{what}");
    }
}

#[test]
fn flipped_bit_anywhere_in_a_small_middle_frame() {
    let payloads = vec![
        wavefront_text(21, 3000),
        wavefront_text(22, 1500),
        wavefront_text(23, 3000),
    ];
    let (part, infos) = build_part(&payloads);
    let mid = infos[1];
    for byte in mid.offset..mid.end() {
        for bit in 0..8 {
            let mut damaged = part.clone();
            damaged[byte as usize] ^= 1 << bit;
            check_middle_damage(
                &damaged,
                &infos,
                &payloads,
                1,
                &format!("byte {byte} bit {bit}"),
            );
        }
    }
}

#[test]
fn flipped_bits_in_a_multi_block_middle_frame() {
    let mut big = wavefront_text(31, 200_000);
    big.extend_from_slice(&random_bytes(32, 150_000));
    big.extend_from_slice(&[b'z'; 140_000]);
    let payloads = vec![wavefront_text(30, 2000), big, wavefront_text(33, 2000)];
    let (part, infos) = build_part(&payloads);
    let mid = infos[1];
    // Every bit of the first and last 64 bytes (headers, checksum), and a sample elsewhere.
    let mut bits: Vec<u64> = (0..512)
        .chain((mid.compressed_len - 64) * 8..mid.compressed_len * 8)
        .collect();
    bits.extend((512..(mid.compressed_len - 64) * 8).step_by(997));
    for bit in bits {
        let mut damaged = part.clone();
        damaged[(mid.offset + bit / 8) as usize] ^= 1 << (bit % 8);
        check_middle_damage(&damaged, &infos, &payloads, 1, &format!("bit {bit}"));
    }
}

#[test]
fn broken_header_chain_resynchronises_at_the_next_frame() {
    let payloads: Vec<Vec<u8>> = (0..4).map(|i| wavefront_text(40 + i, 4000)).collect();
    let (part, infos) = build_part(&payloads);
    // A frame's magic overwritten: the chain breaks, the scan finds frame 2 by its magic.
    let mut damaged = part.clone();
    damaged[infos[1].offset as usize..][..4].copy_from_slice(b"junk");
    let report = scan(&damaged);
    assert_eq!(report.frames, [infos[0], infos[2], infos[3]]);
    assert_eq!(
        report.corrupt,
        [Problem {
            offset: infos[1].offset,
            len: infos[1].compressed_len,
            kind: ProblemKind::Corrupt(CorruptReason::BadMagic)
        }]
    );
    // Garbage inserted between frames is one corrupt region.
    let mut damaged = part[..infos[2].offset as usize].to_vec();
    damaged.extend_from_slice(&random_bytes(9, 777));
    damaged.extend_from_slice(&part[infos[2].offset as usize..]);
    let report = verify(&damaged);
    assert_eq!(report.frames.len(), 4);
    assert_eq!(report.corrupt.len(), 1);
    assert_eq!(
        (report.corrupt[0].offset, report.corrupt[0].len),
        (infos[2].offset, 777)
    );
    // A corrupt middle frame followed by a torn last frame: both reported, truncation after.
    let mut damaged = part[..infos[3].offset as usize + 100].to_vec();
    damaged[infos[1].offset as usize + 4] |= 0x08; // reserved bit
    let report = scan(&damaged);
    assert_eq!(report.frames, [infos[0], infos[2]]);
    assert_eq!(
        report.corrupt[0].kind,
        ProblemKind::Corrupt(CorruptReason::ReservedBit)
    );
    assert_eq!(
        report.tail.map(|t| (t.offset, t.kind)),
        Some((infos[3].offset, ProblemKind::Truncated))
    );
    assert_eq!(report.valid_end, infos[3].offset);
}

#[test]
fn checksum_failure_is_corrupt_and_never_data() {
    let payloads = vec![wavefront_text(50, 3000), wavefront_text(51, 3000)];
    let (part, infos) = build_part(&payloads);
    let mut damaged = part.clone();
    let checksum_at = infos[0].end() as usize - 2;
    damaged[checksum_at] ^= 0x40;
    // Structure is intact, so the structural scan still lists the frame...
    assert_eq!(scan(&damaged).frames, infos);
    // ...but decoding refuses it and leaves `out` untouched.
    let mut dec = FrameDecoder::new(1 << 20).unwrap();
    let mut out = b"old".to_vec();
    let err = dec.decode_frame(&damaged, &infos[0], &mut out).unwrap_err();
    assert_eq!(
        err,
        FrameError::Corrupt {
            offset: 0,
            len: infos[0].compressed_len,
            reason: CorruptReason::ChecksumMismatch
        }
    );
    assert_eq!(err.code(), "WFLG_E_FRAME_CORRUPT");
    assert!(err
        .to_string()
        .starts_with("WFLG_E_FRAME_CORRUPT: checksum_mismatch"));
    assert_eq!(out, b"old");
    let report = dec.verify(&damaged);
    assert_eq!(report.frames, [infos[1]]);
    assert_eq!(
        report.corrupt[0].kind,
        ProblemKind::Corrupt(CorruptReason::ChecksumMismatch)
    );
    // A bad checksum in the last frame makes it the (corrupt) tail.
    let mut damaged = part.clone();
    damaged[infos[1].end() as usize - 1] ^= 1;
    let report = dec.verify(&damaged);
    assert_eq!(report.frames, [infos[0]]);
    assert_eq!(
        report.tail.map(|t| t.kind),
        Some(ProblemKind::Corrupt(CorruptReason::ChecksumMismatch))
    );
    assert_eq!(report.valid_end, infos[1].offset);
}

// ---------------------------------------------------------------------------------------------
// Hostile headers

/// A frame header (single segment, checksum flag) with the given FCS code/bytes, then blocks.
fn hostile_frame(fhd: u8, header_rest: &[u8], blocks: &[u8]) -> Vec<u8> {
    let mut out = vec![0x28, 0xB5, 0x2F, 0xFD, fhd];
    out.extend_from_slice(header_rest);
    out.extend_from_slice(blocks);
    out
}

fn block_header(last: bool, kind: u32, size: u32) -> [u8; 3] {
    let v = u32::from(last) | (kind << 1) | (size << 3);
    [v as u8, (v >> 8) as u8, (v >> 16) as u8]
}

fn first_problem(report: &ScanReport) -> Option<ProblemKind> {
    report
        .corrupt
        .first()
        .or(report.tail.as_ref())
        .map(|p| p.kind)
}

#[test]
fn hostile_headers_are_corrupt_and_allocate_nothing_large() {
    let corrupt = |r| Some(ProblemKind::Corrupt(r));
    // Single segment + checksum + 8-byte FCS (fhd = 0b1110_0100) claiming 2^40 bytes.
    let mut rle = Vec::new();
    for _ in 0..64 {
        rle.extend_from_slice(&block_header(false, 1, 128 << 10));
        rle.push(b'a');
    }
    let absurd = hostile_frame(0xE4, &(1u64 << 40).to_le_bytes(), &rle);
    // 4-byte FCS of 200 MiB with 1600 RLE blocks of 128 KiB: structurally consistent, over a 1 MiB cap.
    let mut rle_full = Vec::new();
    for i in 0..1600 {
        rle_full.extend_from_slice(&block_header(i == 1599, 1, 128 << 10));
        rle_full.push(b'a');
    }
    rle_full.extend_from_slice(&[9; 4]);
    let big = hostile_frame(0xA4, &(200u32 << 20).to_le_bytes(), &rle_full);
    // Window descriptor exponent 31 (window 2^41), not single segment, 4-byte FCS.
    let window = hostile_frame(0x84, &[0xF8, 0, 1, 0, 0], &block_header(true, 0, 0));
    // Raw block larger than 128 KiB.
    let block = hostile_frame(
        0xA4,
        &(300_000u32).to_le_bytes(),
        &block_header(true, 0, 200_000),
    );
    // Reserved block type, reserved descriptor bit, no checksum, no content size, dictionary.
    let reserved_block = hostile_frame(0x24, &[5], &block_header(true, 3, 5));
    let reserved_bit = hostile_frame(0x2C, &[0], &block_header(true, 0, 0));
    let no_checksum = hostile_frame(0x20, &[0], &block_header(true, 0, 0));
    let no_fcs = hostile_frame(0x04, &[0x50], &block_header(true, 0, 0));
    let dict = hostile_frame(0x25, &[9, 0], &block_header(true, 0, 0));
    // Content size that the blocks cannot produce.
    let mismatch = hostile_frame(
        0x24,
        &[200],
        &[block_header(true, 0, 3).as_slice(), b"abc", &[9; 4]].concat(),
    );

    let cases: Vec<(&str, Vec<u8>, Option<ProblemKind>)> = vec![
        (
            "absurd fcs",
            absurd,
            corrupt(CorruptReason::ContentTooLarge),
        ),
        (
            "fcs over cap",
            big.clone(),
            corrupt(CorruptReason::ContentTooLarge),
        ),
        ("window", window, corrupt(CorruptReason::WindowTooLarge)),
        ("block size", block, corrupt(CorruptReason::BadBlockSize)),
        (
            "block type",
            reserved_block,
            corrupt(CorruptReason::ReservedBlockType),
        ),
        (
            "reserved bit",
            reserved_bit,
            corrupt(CorruptReason::ReservedBit),
        ),
        (
            "no checksum",
            no_checksum,
            corrupt(CorruptReason::NoChecksum),
        ),
        ("no fcs", no_fcs, corrupt(CorruptReason::NoContentSize)),
        ("dictionary", dict, corrupt(CorruptReason::DictionaryId)),
        (
            "fcs mismatch",
            mismatch,
            corrupt(CorruptReason::ContentSizeMismatch),
        ),
        ("empty", Vec::new(), None),
    ];
    let cap = 1 << 20;
    for (what, bytes, expect) in cases {
        let ((report, verified, iterated), largest) = largest_alloc_during(|| {
            (
                scan_with_cap(&bytes, cap),
                FrameDecoder::new(cap).unwrap().verify(&bytes),
                iterate(&bytes, cap),
            )
        });
        assert_eq!(first_problem(&report), expect, "{what}");
        assert_eq!(first_problem(&verified), expect, "{what}");
        assert!(iterated.0.is_empty(), "{what}");
        assert!(largest < 4 << 20, "{what}: allocated {largest} bytes");
    }
    // Under the format cap the 200 MiB frame is structurally valid.
    assert_eq!(scan(&big).frames.len(), 1);
    // A structurally valid 1 MiB RLE frame with a wrong checksum: allocation up to the cap is
    // allowed, emitting its content is not.
    let mut blocks = Vec::new();
    for i in 0..8 {
        blocks.extend_from_slice(&block_header(i == 7, 1, 128 << 10));
        blocks.push(b'a');
    }
    blocks.extend_from_slice(&[1, 2, 3, 4]);
    let bogus = hostile_frame(0xA4, &(1u32 << 20).to_le_bytes(), &blocks);
    assert_eq!(scan(&bogus).frames.len(), 1);
    let ((report, iterated), largest) = largest_alloc_during(|| {
        (
            FrameDecoder::new(cap).unwrap().verify(&bogus),
            iterate(&bogus, cap),
        )
    });
    assert!(report.frames.is_empty() && iterated.0.is_empty());
    assert_eq!(
        first_problem(&report),
        corrupt(CorruptReason::ChecksumMismatch)
    );
    assert!(largest <= 2 << 20, "allocated {largest}");
}

#[test]
fn random_bytes_never_panic_or_allocate() {
    for seed in 0..200u64 {
        let bytes = random_bytes(seed, 1 + (seed as usize * 977) % 70_000);
        let (_, largest) = largest_alloc_during(|| {
            let _ = scan(&bytes);
            let _ = iterate(&bytes, 1 << 20);
        });
        assert!(largest < 4 << 20, "seed {seed}");
    }
}

#[test]
fn many_overlapping_candidates_stay_linear() {
    // Hostile: n frame headers, each with a raw block jumping over the later headers to one
    // shared 3 MB run of empty raw blocks that finally hits a reserved block type. Every
    // candidate's chain walks the whole run; only the resync budget keeps this from costing
    // n × 1M block headers.
    let n = 10_000u32;
    let mut bytes = Vec::new();
    for k in 0..n {
        bytes.extend_from_slice(&[0x28, 0xB5, 0x2F, 0xFD, 0xA4]);
        bytes.extend_from_slice(&(1u32 << 27).to_le_bytes());
        bytes.extend_from_slice(&block_header(false, 0, (n - 1 - k) * 12));
    }
    bytes.extend_from_slice(&vec![0u8; 3_000_000]);
    bytes.extend_from_slice(&[0xFF; 3]);
    let started = std::time::Instant::now();
    let report = scan(&bytes);
    let verified = verify(&bytes);
    assert!(report.frames.is_empty() && verified.frames.is_empty());
    assert_eq!(report.tail.map(|t| t.offset), Some(0));
    assert_eq!(
        report.tail.map(|t| t.kind),
        Some(ProblemKind::Corrupt(CorruptReason::ResyncBudget))
    );
    assert!(
        started.elapsed().as_secs() < 10,
        "took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// Skippable frames

#[test]
fn skippable_frames_are_skipped() {
    let payloads = vec![wavefront_text(60, 2000), wavefront_text(61, 2000)];
    let (frames_only, infos) = build_part(&payloads);
    let head = skippable(0, b"commit metadata");
    let mid = skippable(0xF, &[]);
    let mut part = head.clone();
    part.extend_from_slice(&frames_only[..infos[1].offset as usize]);
    part.extend_from_slice(&mid);
    part.extend_from_slice(&frames_only[infos[1].offset as usize..]);
    let report = verify(&part);
    assert_eq!(report.frames.len(), 2);
    assert_eq!(report.frames[0].offset, head.len() as u64);
    assert_eq!(report.skippable.len(), 2);
    assert_eq!(
        (report.skippable[1].variant, report.skippable[1].len),
        (0xF, 8)
    );
    assert_eq!(report.valid_end, part.len() as u64);
    let (frames, errors) = iterate(&part, 1 << 20);
    assert!(errors.is_empty());
    assert_eq!(
        frames.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(),
        payloads
    );
    assert_eq!(zstd::decode_all(&part[..]).unwrap(), payloads.concat());
}

#[test]
fn error_display_and_codes_are_stable() {
    let t = FrameError::Truncated { offset: 5, len: 9 };
    assert_eq!(
        t.to_string(),
        "WFLG_E_FRAME_TRUNCATED: data ends inside the frame at 5 (9 bytes)"
    );
    let c = FrameError::Corrupt {
        offset: 1,
        len: 2,
        reason: CorruptReason::Decode("Data corruption detected"),
    };
    assert_eq!(
        c.to_string(),
        "WFLG_E_FRAME_CORRUPT: decode_error (Data corruption detected) at 1 (2 bytes)"
    );
    assert_eq!(FrameError::Internal("x").to_string(), "WFLG_E_INTERNAL: x");
    assert_eq!(CorruptReason::ZeroFill.as_str(), "zero_fill");
}
