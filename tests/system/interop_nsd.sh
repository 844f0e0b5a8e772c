#!/bin/bash
# interop_nsd: NSD (NLnet Labs' authoritative server) and cairnd load the
# same lab zones; the same questions go to both with dig and the answers
# must agree on RCODE, AA, TC, the answer RRsets (sorted, names compared
# without case) and, for negative answers and referrals, the authority
# section (plus the glue of referrals).
#
# Where NSD and what cairn must do legitimately differ, the script says so
# and checks cairn's required behaviour instead:
#  - QTYPE=ANY: RFC 8482 lets a server answer minimally; cairnd must return
#    one RRset (or a synthesized HINFO) over UDP, taken from what NSD
#    returns.  RCODE and AA must still agree.
#  - A truncated reply (TC=1) may carry any part of the data (RFC 2181
#    section 9): only RCODE, AA and TC are compared.
. "$top_srcdir/tests/system/lib.sh"
need dig nsd python3

NSD_PORT=$(free_port)
start_nsd "$NSD_PORT" \
	"lab.test=$ZONEDIR/lab.test.zone" \
	"2.0.192.in-addr.arpa=$ZONEDIR/2.0.192.in-addr.arpa.zone" \
	"8.b.d.0.1.0.0.2.ip6.arpa=$ZONEDIR/8.b.d.0.1.0.0.2.ip6.arpa.zone"
CAIRN_PORT=$(free_port)
{
	printf 'server:\n\tlisten: 127.0.0.1@%s\n\tthreads: 1\n' "$CAIRN_PORT"
	printf '\tuser: ""\n\tpidfile: ""\n\tlog: stderr\n\trecursion: no\n'
	for z in lab.test 2.0.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa; do
		printf 'zone:\n\tname: %s\n\tfile: %s\n' "$z" "$ZONEDIR/$z.zone"
	done
} >"$TMP/cairnd.conf"
start_cairnd "$TMP/cairnd.conf" "$CAIRN_PORT"

# summarize PORT TRANSPORT QUERY...: a normalized description of the reply
#   rcode, aa, tc, then ANSWER/AUTHORITY/ADDITIONAL lines (lowercase,
#   sorted); authority only for negative answers and referrals, additional
#   only for referrals.
summarize() {
	local port=$1 tr=$2 out rcode flags aa tc ans auth add
	shift 2
	OUT=$(dig @127.0.0.1 -p "$port" +norec +nocookie +time=2 +tries=2 "$tr" "$@" 2>&1)
	rcode=$(get_rcode)
	flags=" $(get_flags) "
	aa=no; [[ $flags == *" aa "* ]] && aa=yes
	tc=no; [[ $flags == *" tc "* ]] && tc=yes
	ans=$(section ANSWER | tr 'A-Z' 'a-z' | sort)
	echo "rcode=$rcode aa=$aa tc=$tc"
	# a truncated answer may hold any part of the RRsets (RFC 2181 section 9)
	[ $tc = yes ] && return 0
	[ -n "$ans" ] && sed 's/^/ANSWER /' <<<"$ans"
	# negative (NXDOMAIN, or NOERROR with no answer) or referral (AA clear)
	if [ "$rcode" = NXDOMAIN ] || [ -z "$ans" ] || [ $aa = no ]; then
		auth=$(section AUTHORITY | tr 'A-Z' 'a-z' | sort)
		[ -n "$auth" ] && sed 's/^/AUTHORITY /' <<<"$auth"
		if [ $aa = no ] && [ "$rcode" = NOERROR ] && [ -z "$ans" ]; then
			add=$(section ADDITIONAL | tr 'A-Z' 'a-z' | sort)
			[ -n "$add" ] && sed 's/^/ADDITIONAL /' <<<"$add"
		fi
	fi
	return 0
}

NQ=0
# compare TRANSPORT QUERY...
compare() {
	local tr=$1 a b
	shift
	NQ=$((NQ + 1))
	a=$(summarize "$NSD_PORT" "$tr" "$@")
	b=$(summarize "$CAIRN_PORT" "$tr" "$@")
	LAST_Q=
	if [ "$a" = "$b" ]; then
		pass
	else
		fail "differs from NSD: dig +norec $tr $*"
		diff <(echo "$a") <(echo "$b") | sed -n 's/^</  nsd:   /p; s/^>/  cairn: /p'
	fi
}

# any_compare TRANSPORT NAME: RFC 8482 -- see the header
any_compare() {
	local tr=$1 name=$2 a b head_a head_b rr types
	NQ=$((NQ + 1))
	a=$(summarize "$NSD_PORT" "$tr" "$name" ANY)
	b=$(summarize "$CAIRN_PORT" "$tr" "$name" ANY)
	LAST_Q=
	head_a=$(head -n 1 <<<"$a")
	head_b=$(head -n 1 <<<"$b")
	if [ "$head_a" != "$head_b" ]; then
		fail "ANY $name ($tr): nsd '$head_a', cairn '$head_b'"
		return
	fi
	if grep -q '^ANSWER .* hinfo "rfc8482"' <<<"$b"; then pass; return; fi
	while read -r rr; do
		[[ $rr == ANSWER* ]] || continue
		grep -qxF -- "$rr" <<<"$a" || { fail "ANY $name ($tr): cairn returned '$rr', NSD has no such record"; return; }
	done <<<"$b"
	if [ "$tr" = +notcp ]; then
		types=$(awk '$1 == "ANSWER" {print $2 " " $5}' <<<"$b" | sort -u | wc -l)
		if [ "$types" -le 1 ] || ! awk '$1 == "ANSWER" {print toupper($5)}' <<<"$b" | grep -qvxE 'CNAME|MX|A|AAAA'; then
			pass
		else
			fail "ANY $name over UDP: cairn's answer is not minimal (RFC 8482)"
		fi
	else
		pass
	fi
}

QUERIES=(
	# positive
	"lab.test SOA" "lab.test NS" "lab.test MX" "lab.test A" "lab.test AAAA"
	"lab.test TXT" "lab.test CAA" "www.lab.test A" "www.lab.test AAAA"
	"www.lab.test TXT" "mail.lab.test A" "mail2.lab.test AAAA" "ns1.lab.test A"
	"ns2.lab.test AAAA" "alice.lab.test A" "bob.lab.test AAAA" "carol.lab.test A"
	"printer.lab.test A" "printer.lab.test HINFO" "sip.lab.test AAAA"
	"_sip._udp.lab.test SRV" "_ldap._tcp.lab.test SRV" "opaque.lab.test TYPE65280"
	"big.lab.test TXT"
	# NODATA
	"printer.lab.test AAAA" "www.lab.test MX" "lab.test SRV" "sip2.lab.test AAAA"
	"_udp.lab.test A" "users.lab.test A" "lab1.users.lab.test TXT" "mail.lab.test TXT"
	"2.0.192.in-addr.arpa A" "1.2.0.192.in-addr.arpa A"
	# NXDOMAIN
	"nosuch.lab.test A" "a.b.nosuch.lab.test AAAA" "x.lab1.users.lab.test A"
	"ns3.lab.test A" "99.2.0.192.in-addr.arpa PTR"
	"f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR"
	# CNAME
	"ftp.lab.test A" "ftp.lab.test AAAA" "ftp.lab.test CNAME" "docs.lab.test A"
	"docs.lab.test TXT" "docs.lab.test MX" "extern.lab.test A" "extern.lab.test AAAA"
	# wildcard
	"anything.users.lab.test A" "a.b.c.users.lab.test TXT" "zz.users.lab.test AAAA"
	"bob.users.lab.test A" "bob.users.lab.test TXT" "*.users.lab.test A"
	"pc1.lab1.users.lab.test A" "dyn-200.users.lab.test MX"
	# referral
	"sub.lab.test NS" "sub.lab.test A" "www.sub.lab.test A" "ns1.sub.lab.test A"
	"ns1.sub.lab.test AAAA" "a.b.c.sub.lab.test MX" "sub.lab.test SOA"
	# reverse
	"-x 192.0.2.1" "-x 192.0.2.80" "-x 192.0.2.200" "-x 192.0.2.210" "-x 2001:db8::1"
	"-x 2001:db8::101" "-x 2001:db8::53" "-x 2001:db8::ffff"
	"2.0.192.in-addr.arpa SOA" "8.b.d.0.1.0.0.2.ip6.arpa NS"
	# mixed case
	"WWW.LAB.TEST A" "Mail.Lab.Test MX" "NoSuch.Lab.Test A" "FTP.lab.TEST A"
	"Anything.USERS.lab.test A" "WWW.Sub.Lab.Test A" "LAB.TEST SOA"
	# EDNS, buffer sizes, truncation
	"big.lab.test TXT +noedns +ignore" "big.lab.test TXT +bufsize=600 +ignore"
	"www.lab.test A +noedns" "lab.test MX +noedns"
)

for TRANSPORT in +notcp +tcp; do
	echo "== over $([ "$TRANSPORT" = +tcp ] && echo TCP || echo UDP)"
	for query in "${QUERIES[@]}"; do
		# shellcheck disable=SC2086
		compare "$TRANSPORT" $query
	done
	for name in lab.test www.lab.test ftp.lab.test anything.users.lab.test printer.lab.test; do
		any_compare "$TRANSPORT" "$name"
	done
done
echo "$NQ queries compared"
[ "$NQ" -ge 100 ] && pass || fail "only $NQ queries"
check_alive "$CAIRND_PID"
check_alive "$NSD_PID"
finish
