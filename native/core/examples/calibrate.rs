//! `cargo run --release --example calibrate -- FILE`: what this machine does per byte with the
//! simplest scans (newline count, space-token walk), to put parser figures in proportion.
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: calibrate FILE");
    let buf = std::fs::read(path).expect("readable file");
    let t = Instant::now();
    let n = memchr::memchr_iter(b'\n', &buf).count();
    let a = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut toks = 0usize;
    let mut i = 0;
    while i < buf.len() {
        match memchr::memchr3(b' ', b'=', b'\n', &buf[i..]) {
            Some(k) => {
                toks += 1;
                i += k + 1;
            }
            None => break,
        }
    }
    let b = t.elapsed().as_secs_f64();
    let mb = buf.len() as f64 / 1e6;
    println!(
        "{n} lines; newline count {:.0} MB/s; token walk ({toks} tokens) {:.0} MB/s",
        mb / a,
        mb / b
    );
}
