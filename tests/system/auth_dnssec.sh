#!/bin/bash
# auth_dnssec: serving pre-signed zones (RFC 4035 section 3.1, RFC 5155
# section 7.2).  Five zones are signed at test time (auth_dnssec_lib.sh:
# dnssec-signzone and ldns-signzone; NSEC, NSEC3, NSEC3 opt-out) plus a
# signed child; NSD and cairnd load the same files and dig asks both the
# same questions, with and without +dnssec; the answers must agree.  Then a
# validating unbound, with the zones' DS records as trust anchors, asks
# cairnd: every denial and wildcard proof must validate (never SERVFAIL)
# and be secure (AD) where the zone has no opt-out.
#
# Compared like interop_nsd.sh: RCODE, AA, TC, the answer section, the
# authority section of negative answers and referrals, the additional
# section of referrals.  Differences that are NSD's and allowed:
#  - NSD puts the apex NS RRset (and its RRSIG) in the authority section of
#    positive answers and their addresses in the additional section (its
#    minimal-responses: no); cairnd does not.  For positive answers the
#    authority section is compared without NS/RRSIG NS, and every
#    additional record of cairnd must be in NSD's.
#  - A truncated reply (TC=1) may carry any part (RFC 2181 section 9): only
#    RCODE, AA and TC are compared.
#  - At empty non-terminals left out of an opt-out NSEC3 chain (deep.<zone>
#    in optout.test and ldns.test) NSD 4.6 answers with NSEC3 records that
#    prove no closest encloser, which unbound rejects as bogus; cairnd
#    gives the closest provable encloser proof (RFC 5155 section 7.2.1,
#    7.2.4).  Those questions are checked with unbound instead.
. "$top_srcdir/tests/system/lib.sh"
. "$top_srcdir/tests/system/auth_dnssec_lib.sh"
need dig nsd unbound

Z=$TMP/zones
dnssec_sign_zones "$Z"

ZONES=("lab.test=$ZONEDIR/lab.test.zone" "secure.nsec.test=$Z/secure.nsec.test.zone")
for z in $DNSSEC_ZONES; do ZONES+=("$z=$Z/$z.zone"); done

NSD_PORT=$(free_port)
start_nsd "$NSD_PORT" "${ZONES[@]}"
CAIRN_PORT=$(free_port)
{
	printf 'server:\n\tlisten: 127.0.0.1@%s\n\tthreads: 1\n' "$CAIRN_PORT"
	printf '\tuser: ""\n\tpidfile: ""\n\tlog: stderr\n\trecursion: no\n'
	for z in "${ZONES[@]}"; do
		printf 'zone:\n\tname: %s\n\tfile: %s\n' "${z%%=*}" "${z#*=}"
	done
} >"$TMP/cairnd.conf"
start_cairnd "$TMP/cairnd.conf" "$CAIRN_PORT"

BATCH=$TMP/batch
: >"$BATCH"
# ask QUERY...: adds one question to the batch both servers get
ask() { echo "+norec +nocookie +time=2 +tries=2 $*" >>"$BATCH"; }

# the questions asked of every zone (@ = the zone's name)
QUERIES=(
	# positive, DNSSEC types, RRSIG queries, additional-section signatures
	"@ SOA" "@ NS" "@ MX" "@ DNSKEY" "@ NSEC3PARAM" "@ RRSIG" "www.@ A" "www.@ AAAA"
	"www.@ RRSIG" "ns1.@ A" "_sip._udp.@ SRV" "WWW.@ A"
	# NODATA, also at empty non-terminals and below a wildcard
	"www.@ MX" "@ SRV" "ent.@ A" "a.ent.@ TXT" "bob.users.@ A" "www.@ NSEC"
	# NXDOMAIN
	"nosuch.@ A" "a.b.nosuch.@ AAAA" "x.ent.@ A" "zzz.@ TXT" "0.@ A"
	# wildcards: answers, NODATA, the wildcard itself, a wildcard CNAME
	"foo.users.@ A" "foo.users.@ TXT" "a.b.users.@ A" "foo.users.@ MX" "*.users.@ A"
	"*.users.@ MX" "x.wcname.@ A" "x.wcname.@ AAAA" "FOO.Users.@ A"
	# CNAMEs: a chain, to nothing, to a wildcard, out of the zone
	"ftp.@ A" "docs.@ AAAA" "dangling.@ A" "towild.@ A" "extern.@ A" "ftp.@ CNAME"
	# referrals: secure (DS), insecure (NSEC/NSEC3 or opt-out proof)
	"secure.@ A" "www.secure.@ A" "insecure.@ A" "www.insecure.@ MX" "outside.@ A"
	"x.child.deep.@ A" "secure.@ NS"
	# DS from the parent side; none at insecure cuts and ordinary names
	"secure.@ DS" "insecure.@ DS" "outside.@ DS" "www.@ DS" "nosuch.@ DS"
	# big answers: fit without signatures, truncated with them
	"big.@ TXT +ignore" "big.@ TXT +bufsize=4096" "big.@ TXT +ignore +bufsize=512"
)

for z in $DNSSEC_ZONES; do
	# an NSEC3 owner name is no name of the zone (RFC 5155 section 7.2.8)
	h=$(awk -v z="$z." '$4 == "NSEC3" || $3 == "NSEC3" { if ($1 != z) { print $1; exit } }' "$Z/$z.zone")
	extra=()
	[ -n "$h" ] && extra=("$h A" "$h NSEC3")
	for DO in +dnssec +nodnssec; do
		for query in "${QUERIES[@]}" "${extra[@]}"; do
			ask "$DO ${query//@/$z}"
		done
	done
	# TCP: every signed answer fits
	for query in "big.@ TXT" "nosuch.@ A" "foo.users.@ MX" "secure.@ A" "insecure.@ DS"; do
		ask "+tcp +dnssec ${query//@/$z}"
	done
done
# the signed child, and DS answered from the parent when both are served
for query in "secure.nsec.test SOA" "www.secure.nsec.test A" "nosuch.secure.nsec.test A" \
	"secure.nsec.test DS" "secure.nsec.test DNSKEY" "secure.nsec.test NS"; do
	ask "+dnssec $query"
done
# an unsigned zone gets nothing added with +dnssec
for query in "www.lab.test A" "nosuch.lab.test A" "anything.users.lab.test A" "sub.lab.test A"; do
	ask "+dnssec $query"
done
dig @127.0.0.1 -p "$NSD_PORT" -f "$BATCH" >"$TMP/nsd.out" 2>/dev/null
dig @127.0.0.1 -p "$CAIRN_PORT" -f "$BATCH" >"$TMP/cairn.out" 2>/dev/null
LAST_Q=
python3 "$SYSDIR/dnssec_compare.py" "$TMP/nsd.out" "$TMP/cairn.out" >"$TMP/compare.out"
cat "$TMP/compare.out" | grep -v '^compared'
NQ=$(sed -n 's/^compared \([0-9]*\) differing.*/\1/p' "$TMP/compare.out")
NBAD=$(sed -n 's/^compared [0-9]* differing \([0-9]*\)/\1/p' "$TMP/compare.out")
echo "${NQ:-0} replies compared with NSD, ${NBAD:-?} differ"
[ "${NBAD:-1}" = 0 ] && pass || fail "${NBAD:-?} of ${NQ:-0} replies differ from NSD"
[ "$(wc -l <"$BATCH")" = "${NQ:-0}" ] && pass || fail "$(wc -l <"$BATCH") questions, ${NQ:-0} replies"
[ "${NQ:-0}" -ge 80 ] && pass || fail "only ${NQ:-0} questions"

# ---- what the signatures add, and TC ----
PORT=$CAIRN_PORT
q +dnssec big.nsec.test TXT +ignore
check_flag tc
q +nodnssec big.nsec.test TXT +ignore
check_noflag tc
check_count ANSWER 4
q +dnssec www.nsec.test A
check_has ANSWER 'RRSIG A 13 3 3600'
q +nodnssec nosuch.nsec3.test A
check_count AUTHORITY 1
check_lacks AUTHORITY 'NSEC3|RRSIG'
q +dnssec foo.users.optout.test A
# the RRSIG keeps the wildcard's label count (RFC 4035 section 3.1.3.3)
check_has ANSWER '^foo\.users\.optout\.test\. 3600 IN RRSIG A 13 3 '

# ---- a validating resolver accepts every proof ----
UB_PORT=$(free_port)
UB=$TMP/unbound
mkdir -p "$UB"
{
	echo "server:"
	echo "	interface: 127.0.0.1@$UB_PORT"
	echo "	outgoing-interface: 127.0.0.1"
	echo "	do-not-query-localhost: no"
	echo '	username: ""'
	echo '	chroot: ""'
	echo "	directory: \"$UB\""
	echo "	pidfile: \"$UB/unbound.pid\""
	echo "	use-syslog: no"
	echo "	logfile: \"$UB/unbound.log\""
	echo "	verbosity: 1"
	echo "	val-log-level: 2"
	echo "	trust-anchor-file: \"$Z/ta.ds\""
	echo "	trust-anchor-signaling: no"
	echo "	root-key-sentinel: no"
	echo "	qname-minimisation: no"
	echo "	aggressive-nsec: no"
	echo "	prefetch: no"
	echo '	local-zone: "test." nodefault'
	echo "remote-control:"
	echo "	control-enable: no"
	# every question stays on loopback: the root too goes to cairnd
	for z in . secure.nsec.test $DNSSEC_ZONES; do
		echo "stub-zone:"
		echo "	name: \"$z\""
		echo "	stub-addr: 127.0.0.1@$CAIRN_PORT"
	done
} >"$UB/unbound.conf"
unbound -d -c "$UB/unbound.conf" >"$UB/unbound.out" 2>&1 &
UB_PID=$!
PIDS+=("$UB_PID")
LOGS+=("$UB/unbound.log")
for i in $(seq 100); do
	dig @127.0.0.1 -p "$UB_PORT" +time=1 +tries=1 www.nsec.test A 2>/dev/null |
		grep -q 'status: NOERROR' && break
	kill -0 "$UB_PID" 2>/dev/null || die "unbound exited: $(cat "$UB/unbound.out")"
	sleep 0.2
done

# validate ZONE SECURE QUERY...: unbound's rcode is cairnd's, never
# SERVFAIL, and AD is set when SECURE is yes
validate() {
	local secure=$1 direct rc
	shift
	OUT=$(dig @127.0.0.1 -p "$CAIRN_PORT" +norec +dnssec "$@" 2>&1)
	direct=$(get_rcode)
	LAST_Q="dig @127.0.0.1 -p $UB_PORT +dnssec $*"
	OUT=$(dig @127.0.0.1 -p "$UB_PORT" +dnssec +time=3 +tries=2 "$@" 2>&1)
	rc=$(get_rcode)
	if [ "$rc" = SERVFAIL ] || [ "$rc" != "$direct" ]; then
		fail "validation: unbound says $rc, cairnd $direct"
		grep -i 'validation failure' "$UB/unbound.log" | tail -n 3
		return
	fi
	pass
	if [ "$secure" = yes ]; then check_flag ad; fi
}
VQUERIES=("www.@ A" "@ DNSKEY" "@ MX" "www.@ MX" "ent.@ A" "a.ent.@ TXT" "nosuch.@ A"
	"a.b.nosuch.@ AAAA" "x.ent.@ A" "foo.users.@ A" "foo.users.@ MX" "*.users.@ MX"
	"bob.users.@ A" "x.wcname.@ A" "ftp.@ A" "docs.@ AAAA" "towild.@ A" "dangling.@ A"
	"secure.@ DS" "insecure.@ DS" "outside.@ DS" "www.@ DS" "big.@ TXT")
for z in $DNSSEC_ZONES; do
	secure=yes
	# opt-out spans prove no name secure (RFC 5155 section 6)
	case $z in optout.test | ldns.test) secure=no ;; esac
	for query in "${VQUERIES[@]}"; do
		# shellcheck disable=SC2086
		validate $secure ${query//@/$z}
	done
	validate yes "www.$z" A
done
# the empty non-terminal opted out with its delegation (see the header)
for z in optout.test ldns.test; do
	validate no "deep.$z" DS
	validate no "deep.$z" A
	validate no "x.deep.$z" A
done
validate yes www.secure.nsec.test A
validate yes nosuch.secure.nsec.test A
check_alive "$CAIRND_PID"
check_alive "$NSD_PID"
finish
