#!/bin/bash
# auth_answers: every outcome of the authoritative lookup (RFC 1034 section
# 4.3.2, RFC 2181, 2308, 4592, 6604, 8482), asked with BIND's dig over UDP
# and over TCP: exact answers with AA, NODATA and NXDOMAIN with the SOA
# (TTL min(SOA TTL, MINIMUM)), CNAME chains (also across zones, and loops),
# wildcards and where they must not apply, referrals with glue, additional
# addresses, minimal ANY, REFUSED outside our zones, the question's case.
. "$top_srcdir/tests/system/lib.sh"
need dig python3

PORT=$(free_port)
write_lab_conf "$TMP/cairnd.conf" "$PORT"
start_cairnd "$TMP/cairnd.conf" "$PORT"

LAB_SOA_NEG='lab.test. 300 IN SOA ns1.lab.test. hostmaster.lab.test. 2024060101 7200 900 1209600 300'
EXTRA_SOA_NEG='extra.test. 600 IN SOA ns.lab.test. hostmaster.lab.test. 7 3600 600 604800 3600'
REV4_SOA_NEG='2.0.192.in-addr.arpa. 300 IN SOA ns1.lab.test. hostmaster.lab.test. 2024060101 7200 900 1209600 300'

# positive <name> <type> <records...>: AA answer with exactly these records
positive() {
	local name=$1 type=$2
	shift 2
	q "$name" "$type"
	check_reply || return
	check_rcode NOERROR
	check_flag aa
	check_noflag tc
	# recursion: no -- RA clear (RFC 1035 section 4.1.1)
	check_noflag ra
	check_section ANSWER "$@"
}

# nodata <name> <type> <soa>: RFC 2308 section 2.2 type 2 NODATA
nodata() {
	q "$1" "$2"
	check_reply || return
	check_rcode NOERROR
	check_flag aa
	check_section ANSWER
	check_section AUTHORITY "$3"
}

# nxdomain <name> <type> <soa>: RFC 2308 section 2.1, SOA in authority
nxdomain() {
	q "$1" "$2"
	check_reply || return
	check_rcode NXDOMAIN
	check_flag aa
	check_section ANSWER
	check_section AUTHORITY "$3"
}

# ANY: RFC 8482 lets a server answer with one RRset (4.1), a synthesized
# HINFO (4.2) or the CNAME/MX/A/AAAA RRsets (4.3); over TCP also with
# everything (4.4).  Whatever it returns must be real data of the name.
any_check() {
	local name=$1 all t got owners types
	shift
	all=
	for t in "$@"; do
		q "$name" "$t"
		all+=$(section ANSWER)$'\n'
	done
	q "$name" ANY
	check_reply || return
	check_rcode NOERROR
	check_flag aa
	got=$(section ANSWER)
	if [ -z "$got" ]; then
		fail "ANY $name: empty answer"
		return
	fi
	if grep -q 'HINFO "RFC8482"' <<<"$got"; then
		# 4.2: exactly one synthesized HINFO
		[ "$(wc -l <<<"$got")" -eq 1 ] && pass || fail "ANY $name: HINFO plus more"
		return
	fi
	while read -r rr; do
		grep -qxF -- "$rr" <<<"$all" || fail "ANY $name returned '$rr', which is not zone data"
	done <<<"$got"
	pass
	owners=$(awk '{print tolower($1)}' <<<"$got" | sort -u | wc -l)
	types=$(awk '{print $4}' <<<"$got" | sort -u)
	[ "$owners" -eq 1 ] && pass || fail "ANY $name: more than one owner"
	if [ "$TRANSPORT" = +notcp ]; then
		if [ "$(wc -l <<<"$types")" -eq 1 ] ||
			! grep -qvxE 'CNAME|MX|A|AAAA' <<<"$types"; then
			pass
		else
			fail "ANY $name over UDP is not minimal (RFC 8482): types $(echo $types)"
		fi
	fi
}

run_all() {
	# ---- exact answers, AA set (RFC 1034 section 4.3.2 step 3a)
	positive www.lab.test A 'www.lab.test. 3600 IN A 192.0.2.80'
	positive www.lab.test AAAA 'www.lab.test. 3600 IN AAAA 2001:db8::80'
	positive www.lab.test TXT 'www.lab.test. 3600 IN TXT "the web server"'
	positive lab.test SOA 'lab.test. 3600 IN SOA ns1.lab.test. hostmaster.lab.test. 2024060101 7200 900 1209600 300'
	positive lab.test A 'lab.test. 3600 IN A 192.0.2.80'
	positive lab.test TXT 'lab.test. 3600 IN TXT "v=spf1 mx -all"'
	positive lab.test CAA 'lab.test. 3600 IN CAA 0 issue "ca.example.net"' \
		'lab.test. 3600 IN CAA 0 iodef "mailto:hostmaster@lab.test"'
	positive mail2.lab.test A 'mail2.lab.test. 300 IN A 192.0.2.26'
	positive printer.lab.test A 'printer.lab.test. 86400 IN A 192.0.2.150'
	positive printer.lab.test HINFO 'printer.lab.test. 86400 IN HINFO "LaserJet" "embedded"'
	positive alice.lab.test AAAA 'alice.lab.test. 3600 IN AAAA 2001:db8::101'
	# RFC 3597: a type nobody knows, served as it was loaded
	positive opaque.lab.test TYPE65280 'opaque.lab.test. 3600 IN TYPE65280 \# 4 C0000201'
	# $INCLUDE (handled by cairn's loader: ldns 1.8.3 has none)
	positive included.extra.test A 'included.extra.test. 600 IN A 192.0.2.77'
	# the reverse zones: a PTR for every host
	positive 80.2.0.192.in-addr.arpa PTR '80.2.0.192.in-addr.arpa. 3600 IN PTR www.lab.test.'
	positive 101.2.0.192.in-addr.arpa PTR '101.2.0.192.in-addr.arpa. 3600 IN PTR alice.lab.test.'
	q -x 2001:db8::25
	check_rcode NOERROR
	check_flag aa
	check_section ANSWER '5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR mail.lab.test.'

	# ---- additional addresses for MX, NS and SRV targets in our zones
	q lab.test MX
	check_rcode NOERROR
	check_flag aa
	check_section ANSWER 'lab.test. 3600 IN MX 10 mail.lab.test.' 'lab.test. 3600 IN MX 20 mail2.lab.test.'
	check_has ADDITIONAL '^mail\.lab\.test\. 3600 IN A 192\.0\.2\.25$'
	check_has ADDITIONAL '^mail\.lab\.test\. 3600 IN AAAA 2001:db8::25$'
	check_has ADDITIONAL '^mail2\.lab\.test\. 300 IN A 192\.0\.2\.26$'
	check_has ADDITIONAL '^mail2\.lab\.test\. 300 IN AAAA 2001:db8::26$'
	q lab.test NS
	check_rcode NOERROR
	check_flag aa
	check_section ANSWER 'lab.test. 3600 IN NS ns1.lab.test.' 'lab.test. 3600 IN NS ns2.lab.test.'
	check_has ADDITIONAL '^ns1\.lab\.test\. 3600 IN A 192\.0\.2\.1$'
	check_has ADDITIONAL '^ns2\.lab\.test\. 3600 IN AAAA 2001:db8::2$'
	q _sip._udp.lab.test SRV
	check_rcode NOERROR
	check_flag aa
	check_section ANSWER '_sip._udp.lab.test. 3600 IN SRV 10 60 5060 sip.lab.test.' \
		'_sip._udp.lab.test. 3600 IN SRV 20 40 5060 sip2.lab.test.'
	check_has ADDITIONAL '^sip\.lab\.test\. 3600 IN A 192\.0\.2\.60$'
	check_has ADDITIONAL '^sip\.lab\.test\. 3600 IN AAAA 2001:db8::60$'
	check_has ADDITIONAL '^sip2\.lab\.test\. 3600 IN A 192\.0\.2\.61$'
	# targets in another of our zones count too
	q extra.test MX
	check_section ANSWER 'extra.test. 600 IN MX 5 mail.lab.test.'
	check_has ADDITIONAL '^mail\.lab\.test\. 3600 IN A 192\.0\.2\.25$'

	# ---- NODATA (RFC 2308 section 2.2): SOA in authority, TTL min(3600, 300)
	nodata printer.lab.test AAAA "$LAB_SOA_NEG"
	nodata www.lab.test MX "$LAB_SOA_NEG"
	nodata lab.test SRV "$LAB_SOA_NEG"
	nodata sip2.lab.test AAAA "$LAB_SOA_NEG"
	# an empty non-terminal exists: NODATA, not NXDOMAIN (RFC 8020 spirit,
	# RFC 4592 section 2.2.2)
	nodata _udp.lab.test A "$LAB_SOA_NEG"
	nodata users.lab.test A "$LAB_SOA_NEG"
	# MINIMUM (3600) above the SOA TTL (600): the SOA TTL wins
	nodata included.extra.test AAAA "$EXTRA_SOA_NEG"

	# ---- NXDOMAIN (RFC 2308 section 2.1)
	nxdomain nosuch.lab.test A "$LAB_SOA_NEG"
	nxdomain a.b.c.nosuch.lab.test AAAA "$LAB_SOA_NEG"
	nxdomain nosuch.extra.test TXT "$EXTRA_SOA_NEG"
	nxdomain 99.2.0.192.in-addr.arpa PTR "$REV4_SOA_NEG"

	# ---- CNAME (RFC 1034 section 4.3.2 step 3a, RFC 6604)
	positive ftp.lab.test A 'ftp.lab.test. 3600 IN CNAME www.lab.test.' \
		'www.lab.test. 3600 IN A 192.0.2.80'
	positive docs.lab.test AAAA 'docs.lab.test. 3600 IN CNAME ftp.lab.test.' \
		'ftp.lab.test. 3600 IN CNAME www.lab.test.' 'www.lab.test. 3600 IN AAAA 2001:db8::80'
	# QTYPE=CNAME: the CNAME itself, not followed
	positive docs.lab.test CNAME 'docs.lab.test. 3600 IN CNAME ftp.lab.test.'
	# a chain that ends out of our zones: just the CNAME
	positive extern.lab.test A 'extern.lab.test. 3600 IN CNAME www.example.net.'
	# a chain across zones (extra.test -> lab.test)
	positive tolab.extra.test A 'tolab.extra.test. 600 IN CNAME docs.lab.test.' \
		'docs.lab.test. 3600 IN CNAME ftp.lab.test.' \
		'ftp.lab.test. 3600 IN CNAME www.lab.test.' 'www.lab.test. 3600 IN A 192.0.2.80'
	# a chain ending in NODATA: NOERROR, the CNAMEs, the target zone's SOA
	q docs.lab.test MX
	check_rcode NOERROR
	check_flag aa
	check_section ANSWER 'docs.lab.test. 3600 IN CNAME ftp.lab.test.' 'ftp.lab.test. 3600 IN CNAME www.lab.test.'
	check_section AUTHORITY "$LAB_SOA_NEG"
	# a chain ending in NXDOMAIN: the RCODE is the last name's (RFC 6604 section 2.1)
	q dangling.extra.test A
	check_rcode NXDOMAIN
	check_flag aa
	check_section ANSWER 'dangling.extra.test. 600 IN CNAME nosuch.lab.test.'
	check_section AUTHORITY "$LAB_SOA_NEG"
	# loops stop, with an answer
	q loop1.extra.test A
	check_reply
	check_has ANSWER '^loop1\.extra\.test\. 600 IN CNAME loop2\.extra\.test\.$'
	check_lacks ANSWER ' IN A '
	q self.extra.test AAAA
	check_reply
	check_has ANSWER '^self\.extra\.test\. 600 IN CNAME self\.extra\.test\.$'

	# ---- wildcards (RFC 4592)
	positive anything.users.lab.test A 'anything.users.lab.test. 3600 IN A 192.0.2.200'
	positive a.b.users.lab.test TXT 'a.b.users.lab.test. 3600 IN TXT "a user machine"'
	positive dyn-200.users.lab.test A 'dyn-200.users.lab.test. 3600 IN A 192.0.2.200'
	# the wildcard's own name asked literally
	positive '*.users.lab.test' A '*.users.lab.test. 3600 IN A 192.0.2.200'
	# a wildcard-matched name without the type: NODATA
	nodata anything.users.lab.test AAAA "$LAB_SOA_NEG"
	# not where the name exists (bob.users has a TXT only)
	nodata bob.users.lab.test A "$LAB_SOA_NEG"
	positive bob.users.lab.test TXT "bob.users.lab.test. 3600 IN TXT \"bob's own record\""
	# not at an empty non-terminal (lab1.users exists through pc1.lab1.users)
	nodata lab1.users.lab.test A "$LAB_SOA_NEG"
	# and not below it: the closest encloser is lab1.users, which has no *
	nxdomain x.lab1.users.lab.test A "$LAB_SOA_NEG"
	positive pc1.lab1.users.lab.test A 'pc1.lab1.users.lab.test. 3600 IN A 192.0.2.210'

	# ---- referrals below the zone cut sub.lab.test: AA clear, NS in
	# authority, glue in additional (RFC 1034 section 4.3.2 step 3b)
	local n
	for n in www.sub.lab.test sub.lab.test ns1.sub.lab.test deep.er.sub.lab.test; do
		q "$n" A
		check_rcode NOERROR
		check_noflag aa
		check_section ANSWER
		check_section AUTHORITY 'sub.lab.test. 3600 IN NS ns1.sub.lab.test.' \
			'sub.lab.test. 3600 IN NS ns.example.net.'
		check_has ADDITIONAL '^ns1\.sub\.lab\.test\. 3600 IN A 192\.0\.2\.53$'
		check_has ADDITIONAL '^ns1\.sub\.lab\.test\. 3600 IN AAAA 2001:db8::53$'
	done
	q sub.lab.test NS
	check_rcode NOERROR
	check_noflag aa
	check_section ANSWER
	check_has AUTHORITY '^sub\.lab\.test\. 3600 IN NS ns1\.sub\.lab\.test\.$'

	# ---- ANY (RFC 8482)
	any_check lab.test SOA NS MX A AAAA TXT CAA
	any_check www.lab.test A AAAA TXT
	any_check ftp.lab.test CNAME
	any_check anything.users.lab.test A TXT
	q nosuch.lab.test ANY
	check_rcode NXDOMAIN
	check_section AUTHORITY "$LAB_SOA_NEG"

	# ---- REFUSED for names outside our zones (recursion off)
	local r
	for r in "www.example.org A" "test SOA" ". NS" "lab.test.example A" "192.0.3.1.in-addr.arpa PTR"; do
		q $r
		check_rcode REFUSED
		check_noflag aa
		check_section ANSWER
	done

	# ---- the question is echoed byte for byte, case preserved
	q WwW.LaB.TeSt A
	check_rcode NOERROR
	check_flag aa
	check_out $'^;WwW\\.LaB\\.TeSt\\.[[:space:]]+IN[[:space:]]+A$'
	if [ "$(section ANSWER | tr 'A-Z' 'a-z')" = 'www.lab.test. 3600 in a 192.0.2.80' ]; then pass; else fail "mixed-case answer"; fi
	q NoSuCh.LAB.test AAAA
	check_rcode NXDOMAIN
	check_out $'^;NoSuCh\\.LAB\\.test\\.[[:space:]]+IN[[:space:]]+AAAA$'
	q ANY.Users.Lab.Test TXT
	check_rcode NOERROR
	check_out $'^;ANY\\.Users\\.Lab\\.Test\\.[[:space:]]+IN[[:space:]]+TXT$'
	if section ANSWER | grep -qi '^any\.users\.lab\.test\. 3600 IN TXT "a user machine"$'; then pass; else fail "mixed-case wildcard"; fi
}

for TRANSPORT in +notcp +tcp; do
	echo "== over $([ "$TRANSPORT" = +tcp ] && echo TCP || echo UDP)"
	run_all
done
check_alive "$CAIRND_PID"
stop_pid "$CAIRND_PID"

# ---- RA (RFC 1035 section 4.1.1): a server with recursion: yes sets RA on
# every answer to a client inside allow-recursion, our own zones' answers
# too (dig would otherwise warn "recursion requested but not available");
# a client outside allow-recursion sees RA clear.  No query leaves the
# zones here, so the lab's hints are never used.
echo "== RA with recursion: yes"
PORT=$(free_port)
write_lab_conf "$TMP/rec.conf" "$PORT" "allow-recursion: 127.0.0.0/8" \
	"root-hints: $ZONEDIR/lab/root.hints" "dnssec: no" 'control-socket: ""'
sed -i 's/recursion: no/recursion: yes/' "$TMP/rec.conf"
start_cairnd "$TMP/rec.conf" "$PORT"
TRANSPORT=+notcp
# rq DIG-ARGS...: like q, but with RD=1 as a stub resolver asks
rq() {
	LAST_Q="dig @$SERVER -p $PORT +rec $*"
	OUT=$(dig @"$SERVER" -p "$PORT" +rec +time=2 +tries=2 "$@" 2>&1)
}
for TRANSPORT in +notcp +tcp; do
	rq "$TRANSPORT" www.lab.test A
	check_rcode NOERROR
	check_flag aa
	check_flag ra
	check_not_out 'recursion requested but not available'
	rq "$TRANSPORT" nosuch.lab.test A
	check_rcode NXDOMAIN
	check_flag ra
	rq "$TRANSPORT" sub.lab.test NS
	check_flag ra
	# RD=0 asks the zone only: RA still says what this client may do
	q www.lab.test A
	check_flag ra
done
if [ "$HAVE_IPV6" = yes ]; then
	SERVER=::1
	rq www.lab.test A
	check_rcode NOERROR
	check_flag aa
	check_noflag ra
	SERVER=127.0.0.1
else
	fail "no IPv6 loopback: the client outside allow-recursion is not checked"
fi
stop_pid "$CAIRND_PID"
finish
