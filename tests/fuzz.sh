#!/usr/bin/env bash
# Runs every fuzz target for a short while (FUZZTIME, default 20s each) and
# ends with a table of each target's execs and corpus size (issue 16);
# a crasher fails the run, its input saved under the package's testdata.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-20s}
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
failed=0
for pkg in $(go list ./...); do
	for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		echo "== $pkg $f"
		out=$(go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg" 2>&1) || { failed=1; echo "$out"; echo "$pkg $f FAILED" >>"$summary"; continue; }
		# "fuzz: elapsed: 20s, execs: 123 (6/sec), new interesting: 4 (total: 40)"
		last=$(grep 'fuzz: elapsed' <<<"$out" | tail -1)
		execs=$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' <<<"$last")
		corpus=$(sed -n 's/.*(total: \([0-9]*\)).*/\1/p' <<<"$last")
		echo "$last"
		printf '%s %s execs=%s corpus=%s\n' "$pkg" "$f" "${execs:-?}" "${corpus:-?}" >>"$summary"
	done
done
echo
echo "FUZZ SUMMARY ($t each)"
column -t "$summary"
exit $failed
