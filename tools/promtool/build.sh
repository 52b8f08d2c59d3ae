#!/usr/bin/env bash
# Builds promtool (Prometheus's rule checker and rule unit-test runner) into .tools/bin with the Go toolchain.
# Built once: `.tools/bin/promtool.stamp` records the version and BUILD it was built from, and the build is
# skipped while the binary and a matching stamp are there. `build.sh --stamp` prints that record.
# A cold build takes several minutes (around a quarter of an hour on a busy two-core machine).
set -euo pipefail
VERSION=v0.316.0
BUILD=1 # bump when the build steps below change, so existing binaries are rebuilt
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(cd "$here/../.." && pwd)/.tools/bin"
out="$bin/promtool"
stamp() { echo "$VERSION $BUILD"; }
if [ "${1:-}" = --stamp ]; then stamp; exit 0; fi
if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$(stamp)" ]; then exit 0; fi
mkdir -p "$bin"
# Several test runs may start the build at once: one builds, the others wait for it.
exec 9>"$out.lock"
flock 9
if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$(stamp)" ]; then exit 0; fi
export GOFLAGS=-buildvcs=false
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
GOBIN="$work" go install "github.com/prometheus/prometheus/cmd/promtool@$VERSION"
mv "$work/promtool" "$out.tmp"
mv "$out.tmp" "$out"
stamp > "$out.stamp"
"$out" --version | sed -n 1p
