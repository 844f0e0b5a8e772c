#!/bin/bash
# Every option of dig(1) (bind9-dnsutils 9.18, read from its installed man
# page) must be either compared with dig by a cdig test (a compare or
# same_rc line of tests/system/cdig_*.sh, or a test named below) or listed
# under UNSUPPORTED OPTIONS in cdig(1) and refused by cdig with "is not
# supported by cdig" and exit 1. A new dig option that is neither fails.
set -u
. "$top_srcdir/tests/system/cdig/lib.sh"
need dig zcat

# dig(1)'s roff source as bind9-dnsutils installs it
DIGMAN=${DIGMAN:-/usr/share/man/man1/dig.1.gz}
[ -s "$DIGMAN" ] || die "$DIGMAN missing (apt-get install bind9-dnsutils)"
zcat "$DIGMAN" | sed 's/\\-/-/g' >"$T/dig.roff"

# the options: the entry line after each .TP ("-b address[#port]",
# "+aaflag, +noaaflag", "+cookie=####, +nocookie"): every + word that is
# not a "no" form, and each - flag
sed -n '/^\.SH OPTIONS/,/^\.SH MULTIPLE QUERIES/{/^\.TP/{n;p}}' "$T/dig.roff" |
	sed -E 's/^\.B[IR]? //' | while read -r line; do
	case $line in
	-*) echo "${line:0:2}" ;;
	*) tr ',' '\n' <<<"$line" | sed -E 's/^ *//; s/\[.*//; s/[=. ].*//' | grep '^+' | grep -v '^+no' ;;
	esac
done | sort -u >"$T/options"
n=$(wc -l <"$T/options")
[ "$n" -ge 100 ] && ok "$n options read from dig(1)" || bad "only $n options read from dig(1)"

# cdig(1)'s unsupported list: the +words of the entry lines of that section
sed -n '/^\.SH UNSUPPORTED OPTIONS/,/^\.SH DIFFERENCES FROM DIG/{/^\.TP/{n;p}}' \
	"$top_srcdir/man/cdig.1" | sed 's/\\-/-/g' | grep -oE '\+[a-z0-9-]+' |
	sort -u >"$T/unsupported"
[ -s "$T/unsupported" ] || bad "no UNSUPPORTED OPTIONS list in cdig(1)"

# the lines of the tests that run an option against dig
grep -hE '^\s*(compare|same_rc) ' "$top_srcdir"/tests/system/cdig_*.sh >"$T/compared"

# options compared with dig by a test that does not use compare():
# OPTION FILE PATTERN (the file must hold the pattern)
cat >"$T/elsewhere" <<'LIST'
+trace cdig_trace.sh dig \+trace
+nssearch cdig_trace.sh \+nssearch
-h cdig_exitcodes.sh CDIG" -h
-v cdig_exitcodes.sh CDIG" -v
-6 cdig_exitcodes.sh No acceptable nameservers
LIST

while read -r o; do
	base=${o#+}
	if grep -qxF -- "$o" "$T/unsupported"; then
		"$CDIG" "$o" www.example >"$T/out" 2>"$T/err"
		rc=$?
		if [ "$rc" = 1 ] && grep -qF "cdig: $o is not supported by cdig (" "$T/err"; then
			ok "$o: unsupported, listed in cdig(1), refused with exit 1"
		else
			bad "$o: listed as unsupported but cdig exits $rc: $(head -1 "$T/err")"
		fi
		continue
	fi
	if [ "${o:0:1}" = + ]; then
		pat="(^|[ \"'])\\+(no)?$base([= \"']|\$)"
	else
		pat="(^|[ \"'])$o( |\$)"
	fi
	if grep -qE -- "$pat" "$T/compared"; then
		ok "$o: compared with dig ($(grep -cE -- "$pat" "$T/compared") test lines)"
		continue
	fi
	line=$(awk -v o="$o" '$1 == o' "$T/elsewhere")
	if [ -n "$line" ]; then
		read -r _ file pattern <<<"$line"
		if grep -qE -- "$pattern" "$top_srcdir/tests/system/$file"; then
			ok "$o: tested against dig in $file"
		else
			bad "$o: $file does not test it"
		fi
		continue
	fi
	bad "$o: neither compared with dig by a test nor on cdig(1)'s unsupported list"
done <"$T/options"

# and the other way round: what cdig(1) calls unsupported is a dig option
while read -r o; do
	grep -qxF -- "$o" "$T/options" || bad "$o is on cdig(1)'s unsupported list but not in dig(1)"
done <"$T/unsupported"

finish
