#!/bin/bash
# Replays the regression inputs of cdig's fuzz harness
# (tests/fuzz/regress/cdig/: command lines and messages for the printers)
# through tests/fuzz/fuzz_cdig.c built without libFuzzer: none may crash
# or break the harness's invariants (under the sanitizers of the build).
set -u
. "$top_srcdir/tests/system/cdig/lib.sh"

R="$top_builddir/tests/fuzz/fuzz_cdig_replay"
[ -x "$R" ] || die "$R not built"
inputs=("$top_srcdir"/tests/fuzz/regress/cdig/*)
[ "${#inputs[@]}" -ge 10 ] && ok "${#inputs[@]} regression inputs" || bad "only ${#inputs[@]} regression inputs"
for f in "${inputs[@]}"; do
	if "$R" "$f" >"$T/out" 2>&1; then
		ok "replayed ${f##*/}"
	else
		bad "fuzz_cdig fails on ${f##*/}"
		tail -20 "$T/out"
	fi
done
# the harness really checks: a command line that parses gives a query
printf '\000www.example\n+short' >"$T/one"
"$R" "$T/one" >"$T/out" 2>&1 && grep -q '^fuzz_replay: 1 inputs$' "$T/out" &&
	ok "harness runs a command line" || bad "harness on a command line"
finish
