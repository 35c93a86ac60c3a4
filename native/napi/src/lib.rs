//! Thin N-API binding over `wflg-core`. Every call crosses the boundary once per batch with
//! bytes in and typed arrays / Buffers out; no per-line calls and no JS objects built in loops.
#![deny(clippy::all)]
// Under `cargo test` the #[napi] registrations are compiled out, leaving exports "unused".
#![cfg_attr(test, allow(dead_code))]

mod checksum;
mod frame;
mod parse;
mod zstd;
