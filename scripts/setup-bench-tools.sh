#!/usr/bin/env bash
# Installs the HTTP load tool the capture benchmark drives (wrk, from Debian). Idempotent; needs
# root for apt-get (as on CI and the dev machines); prints where wrk is.
set -euo pipefail
if ! command -v wrk >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq wrk >/dev/null
fi
command -v wrk
