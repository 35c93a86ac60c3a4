#!/usr/bin/env bash
# Rust gate for `npm test`: formatting, lints and tests of every crate in the native workspace.
set -euo pipefail
cd "$(dirname "$0")/../native"
# The addon build (`napi build --platform`) always passes --target; building tests for the same
# explicit target lets both share one set of compiled dependencies instead of building twice.
target=$(rustc -vV | sed -n 's/^host: //p')
cargo fmt --all --check
cargo clippy --workspace --all-targets --release --target "$target" -- -D warnings
# --release because the workspace release profile (fat LTO, panic=unwind) is what ships.
cargo test --workspace --release --target "$target"
