#!/bin/bash
# regress.sh -- make check's replay of the fuzz harnesses (tests/fuzz/).
# Every harness tests/fuzz/fuzz_NAME.c is built by make check with gcc as
# tests/fuzz/replay_NAME (the harness plus replay_main.c, no libFuzzer,
# under the sanitizers when configured so; fuzz_cdig as fuzz_cdig_replay
# with fuzz_replay.c, which takes files only). This test runs each one on its
# committed regression inputs (tests/fuzz/regress/NAME/, which must not be
# empty) and on the seeds make-seeds.py writes (tests/fuzz/README.md).
# Any broken invariant or sanitizer report fails the test; so does a
# harness without a replay program or without regression inputs.
set -u
: "${top_srcdir:?top_srcdir must be set (make check sets it)}"
: "${top_builddir:?top_builddir must be set (make check sets it)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/cairn-fuzz-regress.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fail=0

python3 "$top_srcdir/tests/fuzz/make-seeds.py" "$top_srcdir" "$T" ||
	{ echo "FAIL: make-seeds.py"; exit 1; }
for src in "$top_srcdir"/tests/fuzz/fuzz_*.c; do
	n=$(basename "$src" .c)
	n=${n#fuzz_}
	# fuzz_replay.c is not a harness: cdig's replay driver (files only)
	[ "$n" = replay ] && continue
	prog=$top_builddir/tests/fuzz/replay_$n
	reg=$top_srcdir/tests/fuzz/regress/$n
	if [ ! -x "$prog" ] && [ -x "$top_builddir/tests/fuzz/fuzz_${n}_replay" ]; then
		prog=$top_builddir/tests/fuzz/fuzz_${n}_replay
	fi
	if [ ! -x "$prog" ]; then
		echo "FAIL: $n: no replay program $prog (add it to FUZZ_REPLAY in Makefile.am)"
		fail=1
		continue
	fi
	if [ -z "$(ls -A "$reg" 2>/dev/null)" ]; then
		echo "FAIL: $n: no regression inputs in $reg"
		fail=1
		continue
	fi
	if [ "${prog##*/}" = "replay_$n" ]; then
		args=(-v "$reg")
		[ -d "$T/seeds/$n" ] && args+=("$T/seeds/$n")
	else
		args=("$reg"/*)
		[ -d "$T/seeds/$n" ] && args+=("$T/seeds/$n"/*)
	fi
	if "$prog" "${args[@]}" >"$T/$n.log" 2>&1 </dev/null; then
		echo "ok: $n: $(ls "$reg" | wc -l) regression inputs," \
			"$(ls "$T/seeds/$n" 2>/dev/null | wc -l) seeds"
	else
		echo "FAIL: $n: an input breaks the harness (the last one named below):"
		tail -n 40 "$T/$n.log"
		echo "(reproduce one input with: $prog FILE)"
		fail=1
	fi
done
exit $fail
