//! `cargo run --release --example parse_speed -- FILE [--no-ids|--count]`: parse throughput of the core alone
//! (no Node), for comparing with the N-API figure in bench/.
use std::time::Instant;
use wflg_core::{Columns, Options, Parser};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: parse_speed FILE (decompressed)");
    let buf = std::fs::read(path).expect("readable file");
    let mode = std::env::args().nth(2).unwrap_or_default();
    let ids = mode != "--no-ids";
    let mut p = Parser::new(Options {
        ids,
        ..Options::default()
    });
    let mut cols = Columns::default();
    let mut tally = wflg_core::Tally::default();
    let mut best = f64::MAX;
    for _ in 0..7 {
        cols.clear();
        let t = Instant::now();
        if mode == "--count" {
            p.count_batch(&buf, &mut tally);
        } else {
            p.parse_batch(&buf, &mut cols);
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    if mode == "--count" {
        let n = Parser::line_count(&buf);
        println!(
            "count: {:.0} MB/s, {:.2} M lines/s",
            buf.len() as f64 / best / 1e6,
            n as f64 / best / 1e6
        );
        return;
    }
    println!(
        "{} lines, {:.0} MB/s, {:.2} M lines/s",
        cols.len(),
        buf.len() as f64 / best / 1e6,
        cols.len() as f64 / best / 1e6
    );
}
