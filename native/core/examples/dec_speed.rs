//! `cargo run --release --example dec_speed -- PART.wf.zst`: decoding a capture part into a fresh
//! buffer each time against one reused buffer (the difference is first-touch page faults).
use std::time::Instant;
use wflg_core::frame::FrameDecoder;
fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: dec_speed PART.wf.zst");
    let buf = std::fs::read(path).expect("readable part");
    let mut d = FrameDecoder::new(256 << 20).expect("a zstd context");
    for round in 0..3 {
        let t = Instant::now();
        let mut n = 0;
        for _ in 0..5 {
            let mut out = Vec::new();
            d.decode_all(&buf, &mut out);
            n += out.len();
        }
        let fresh = t.elapsed().as_secs_f64();
        let mut out = Vec::new();
        let t = Instant::now();
        for _ in 0..5 {
            out.clear();
            d.decode_all(&buf, &mut out);
        }
        let reused = t.elapsed().as_secs_f64();
        println!(
            "round {round}: fresh {:.0} MB/s, reused {:.0} MB/s",
            n as f64 / fresh / 1e6,
            n as f64 / reused / 1e6
        );
    }
}
