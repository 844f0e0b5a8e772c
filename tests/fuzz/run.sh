#!/bin/bash
# Builds the libFuzzer harnesses of tests/fuzz/ with clang
# (-fsanitize=fuzzer,address,undefined) straight from the sources, replays
# the regression inputs of tests/fuzz/regress/NAME/, then fuzzes each
# harness for a while. Not part of `make check`.
#
#   tests/fuzz/run.sh [-t SECONDS] [-j JOBS] [-b BUILDDIR] [-n] [NAME...]
#
#   -t SECONDS  fuzzing time per harness (default 60; 0: build and replay only)
#   -j JOBS     harnesses fuzzed at once (default 2), started 5 s apart
#   -b BUILDDIR where objects, binaries, corpora, logs and crash inputs go
#               (default ./fuzz-build)
#   NAME        query upstream zonefile config hints control tcp cdig
#               (default: all)
#
# Needs clang with libFuzzer (Debian: apt-get install clang), libldns-dev,
# libc-ares-dev, python3. Exit status 1 when a harness crashed; the input
# is in BUILDDIR/artifacts/NAME/ and the report in BUILDDIR/logs/NAME.log.
# Reproduce with: BUILDDIR/fuzz_NAME FILE
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
secs=60 jobs=2 build=$PWD/fuzz-build
while getopts t:j:b:h opt; do
	case $opt in
	t) secs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	b) build=$OPTARG ;;
	*) sed -n '2,19s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
names=${*:-query upstream zonefile config hints control tcp cdig}
CC=${CC:-clang}
mkdir -p "$build"/{obj,logs} && build=$(cd "$build" && pwd) || exit 2
command -v "$CC" >/dev/null || { echo "run.sh: no $CC (apt-get install clang)" >&2; exit 2; }

# config.h (package name and version) comes from configure: the source
# tree's own when it is configured in place (configure then refuses to run
# elsewhere), else a configure run of our own
conf=$build/conf
if [ -f "$src/config.h" ]; then
	conf=$src
elif [ ! -f "$conf/config.h" ]; then
	mkdir -p "$conf"
	(cd "$conf" && "$src/configure" >configure.log 2>&1) ||
		{ echo "run.sh: configure failed: $conf/configure.log" >&2; exit 2; }
fi

cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
	-fno-sanitize-recover=all -D_GNU_SOURCE -DSYSCONFDIR='"/etc"'
	-DLOCALSTATEDIR='"/var"' -I"$src/include" -I"$conf"
	$(pkg-config --cflags ldns libcares) -Wall -Wextra)
libs=($(pkg-config --libs ldns libcares libcrypto) -lpthread)

# the library: everything but the programs' main files, rebuilt when a
# source or header is newer than the object
objs=() cpids=() fail=0
for f in "$src"/src/{common,wire,zone,cache,resolve,dnssec,xfr,server,daemon}/*.c; do
	case $f in */daemon/main.c|*/daemon/lifecycle.c) continue ;; esac
	o=$build/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o
	objs+=("$o")
	[ -f "$o" ] && [ -z "$(find "$src/src" "$src/include" -newer "$o" -name '*.[ch]' | head -1)" ] &&
		continue
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 0.2; done
	"$CC" "${cflags[@]}" -fsanitize=fuzzer-no-link -c "$f" -o "$o" &
	cpids+=($!)
done
for p in "${cpids[@]}"; do wait "$p" || fail=1; done
[ $fail = 0 ] || { echo "run.sh: building the sources failed" >&2; exit 2; }
rm -f "$build/libcairn-fuzz.a"
ar rcs "$build/libcairn-fuzz.a" "${objs[@]}" || exit 2
# cdig's files (but its main) for fuzz_cdig, with OpenSSL
cdig_objs=()
case " $names " in *" cdig "*)
	for f in "$src"/src/client/*.c; do
		[ "${f##*/}" = main.c ] && continue
		o=$build/obj/client_$(basename "$f" .c).o
		cdig_objs+=("$o")
		"$CC" "${cflags[@]}" -fsanitize=fuzzer-no-link -c "$f" -o "$o" ||
			{ echo "run.sh: building $f failed" >&2; exit 2; }
	done
	mkdir -p "$build/seeds/cdig"
	cp "$src"/tests/fuzz/regress/cdig/* "$build/seeds/cdig/" ;;
esac
for n in $names; do
	extra=()
	[ "$n" = cdig ] && extra=("${cdig_objs[@]}" $(pkg-config --libs libssl libcrypto))
	"$CC" "${cflags[@]}" -fsanitize=fuzzer -DFUZZ_SRCDIR="\"$src\"" \
		"$src/tests/fuzz/fuzz_$n.c" "${extra[@]}" "$build/libcairn-fuzz.a" "${libs[@]}" \
		-o "$build/fuzz_$n" ||
		{ echo "run.sh: building fuzz_$n failed" >&2; exit 2; }
done

python3 "$src/tests/fuzz/make-seeds.py" "$src" "$build" || exit 2
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
# the regression inputs: every one must pass
for n in $names; do
	reg=$src/tests/fuzz/regress/$n
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
		if "$build/fuzz_$n" "$reg"/* >"$build/logs/$n-regress.log" 2>&1 </dev/null; then
			echo "fuzz_$n: $(ls "$reg" | wc -l) regression inputs pass"
		else
			echo "fuzz_$n: a regression input fails: $build/logs/$n-regress.log"
			status=1
		fi
	fi
done
[ "$secs" -gt 0 ] || exit $status

run() {
	local n=$1 dict=()
	mkdir -p "$build/corpus/$n" "$build/artifacts/$n"
	[ -f "$build/$n.dict" ] && dict=(-dict="$build/$n.dict")
	"$build/fuzz_$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=8192 -print_final_stats=1 "${dict[@]}" \
		-artifact_prefix="$build/artifacts/$n/" \
		"$build/corpus/$n" "$build/seeds/$n" >"$build/logs/$n.log" 2>&1 </dev/null
}
pids=() started=0
for n in $names; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
	[ $started -gt 0 ] && sleep 5
	echo "fuzz_$n: fuzzing for $secs s (log: $build/logs/$n.log)"
	run "$n" &
	pids+=("$!:$n")
	started=$((started + 1))
done
for pn in "${pids[@]}"; do
	if wait "${pn%%:*}"; then
		echo "fuzz_${pn#*:}: $(grep -o 'stat::number_of_executed_units: [0-9]*' \
			"$build/logs/${pn#*:}.log" | awk '{print $2}') runs, no crash"
	else
		echo "fuzz_${pn#*:}: CRASH, see $build/logs/${pn#*:}.log and $build/artifacts/${pn#*:}/"
		status=1
	fi
done
exit $status
