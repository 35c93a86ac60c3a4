#!/usr/bin/env bash
# Installs fake-gcs-server into the project-local tool dir (.wflg-tools/bin), idempotently.
# Needs Go (fake-gcs-server v1.56.x declares go 1.26; with GOTOOLCHAIN=auto an older go fetches
# it) and access to the Go module proxy. Only the binary is kept: the module cache it downloads
# (~700 MB) is removed afterwards.
# Prints the binary's path on success. Override the version with FAKE_GCS_VERSION.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${FAKE_GCS_VERSION:-latest}"
bindir="$root/.wflg-tools/bin"
bin="$bindir/fake-gcs-server"

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  for candidate in /usr/local/go/bin/go "$HOME/go/bin/go" "$HOME/.local/go/bin/go"; do
    if [[ -x "$candidate" ]]; then PATH="$(dirname "$candidate"):$PATH"; break; fi
  done
fi
if ! command -v go >/dev/null 2>&1; then
  echo "setup-fake-gcs: no Go toolchain on PATH; install Go to build fake-gcs-server" >&2
  exit 1
fi

mkdir -p "$bindir"
# Build in a private module cache so a partial download never pollutes a shared one.
export GOBIN="$bindir"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export GOPATH="${GOPATH:-$root/.wflg-tools/gopath}"
export GOMODCACHE="${GOMODCACHE:-$root/.wflg-tools/gopath/pkg/mod}"
export CGO_ENABLED=0
go install "github.com/fsouza/fake-gcs-server@${version}" >&2
[[ -x "$bin" ]] || { echo "setup-fake-gcs: go install finished without $bin" >&2; exit 1; }
if [[ "$GOMODCACHE" == "$root/.wflg-tools/"* ]]; then go clean -modcache >&2 || true; fi
echo "$bin"
