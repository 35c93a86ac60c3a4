#!/usr/bin/env bash
# Rust gate for `npm test`: formatting, lints and tests of every crate in the native workspace.
set -euo pipefail
cd "$(dirname "$0")/../native"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# --release because the workspace release profile (fat LTO, panic=unwind) is what ships.
cargo test --workspace --release
