#!/bin/bash
# Runs every benchmark under tests/bench: each directory with a main.go is
# a Go program printing its table; each other *.sh here (not this one) is run too.
set -euo pipefail
cd "$(dirname "$0")/../.."
GO=${GO:-go}
status=0
for d in tests/bench/*/; do
	[ -f "$d/main.go" ] || continue
	echo "== $d"
	"$GO" run "./$d" "$@" || status=1
done
for s in tests/bench/*.sh; do
	[ "$(basename "$s")" = run.sh ] && continue
	[ -f "$s" ] || continue
	echo "== $s"
	bash "$s" || status=1
done
exit $status
