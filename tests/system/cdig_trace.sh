#!/bin/bash
# cdig +trace in a lab Internet inside a private network namespace: the root
# and arpa. on 127.1.0.1, the TLD lab. on 127.2.0.1, and example.lab.,
# other.lab. and 127.in-addr.arpa. on 127.3.0.1 (other.lab. and
# 127.in-addr.arpa. are glueless delegations), all on port 53.  The lab is
# served twice: first by NSD, with unbound as the resolver, then by three
# authoritative cairnd, with a resolving cairnd as the resolver.  Each time
# cdig traces from a root hints file with no resolver at all, then through
# the resolver (127.0.0.53) as dig does, and is compared with dig +trace.
set -u
if [ -z "${CDIG_IN_NETNS:-}" ]; then
	command -v unshare >/dev/null || { echo "FAIL: unshare (util-linux) is required" >&2; exit 1; }
	CDIG_IN_NETNS=1 exec unshare -rnm bash "$0" "$@"
	echo "FAIL: cannot enter a private network namespace (unshare -rnm)" >&2
	exit 1
fi
. "$top_srcdir/tests/system/cdig/lib.sh"
need nsd unbound dig ip
ip link set lo up || die "cannot bring up lo in the namespace"

# /etc/resolv.conf of this mount namespace names the lab resolver (not yet
# running), so nothing can leave the lab.
echo "nameserver 127.0.0.53" >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf || die "cannot bind-mount resolv.conf"
HINTS="$DATA/lab/root.hints"

# steps FILE: the "Received" lines, reduced to ADDR(NAME).
steps() { sed -nE 's/^;; Received [0-9]+ bytes from ([^ ]+) in [0-9]+ ms$/\1/p' "$1" | tr '\n' ' '; }
has() { # file regex description
	if grep -Eq -- "$2" "$1"; then ok "$LAB: $3"; else bad "$LAB: $3"; cat "$1"; fi
}
# The root NS set comes from the resolver's cache: its TTL may tick down.
norm() {
	grep -v -e '^; <<>> ' -e '^;; global options:' |
		sed -E -e 's/ in [0-9]+ ms$/ in N ms/' -e 's/^(\.\t+)[0-9]+\t/\1TTL\t/'
}

# ---- no resolver: +hints ----
hints_checks() {
	local rc s want
	"$CDIG" +trace +hints="$HINTS" www.other.lab >"$T/h1" 2>&1
	rc=$?
	[ $rc = 0 ] && ok "$LAB: +trace +hints exits 0" || bad "$LAB: +trace +hints exits $rc"
	has "$T/h1" '^\.[[:space:]]+3600000[[:space:]]+IN[[:space:]]+NS[[:space:]]+a\.root-servers\.lab\.$' "root NS from the hints file"
	s=$(steps "$T/h1")
	want="127.1.0.1#53(a.root-servers.lab) 127.2.0.1#53(ns1.nic.lab) 127.3.0.1#53(ns1.example.lab) "
	[ "$s" = "$want" ] && ok "$LAB: root -> TLD -> zone steps: $s" || bad "$LAB: steps: '$s' want '$want'"
	has "$T/h1" '^lab\.[[:space:]]+172800[[:space:]]+IN[[:space:]]+NS[[:space:]]+ns1\.nic\.lab\.$' "referral to lab. from the root"
	has "$T/h1" '^other\.lab\.[[:space:]]+86400[[:space:]]+IN[[:space:]]+NS[[:space:]]+ns1\.example\.lab\.$' "glueless referral to other.lab."
	has "$T/h1" '^www\.other\.lab\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.81$' "ends with the answer"

	"$CDIG" +trace +hints="$HINTS" nx.example.lab >"$T/h2" 2>&1
	has "$T/h2" '^example\.lab\.[[:space:]]+300[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns1\.example\.lab\. ' "NXDOMAIN trace ends with the SOA"
	"$CDIG" +trace +hints="$HINTS" www.example.lab AAAA >"$T/h3" 2>&1
	has "$T/h3" '^www\.example\.lab\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+AAAA[[:space:]]+2001:db8::80$' "AAAA trace"
	"$CDIG" +trace +hints="$HINTS" -x 127.2.0.1 >"$T/h6" 2>&1
	s=$(steps "$T/h6")
	want="127.1.0.1#53(a.root-servers.lab) 127.3.0.1#53(ns1.example.lab) "
	[ "$s" = "$want" ] && ok "$LAB: -x steps: $s" || bad "$LAB: -x steps: '$s' want '$want'"
	has "$T/h6" '^1\.0\.2\.127\.in-addr\.arpa\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+PTR[[:space:]]+ns1\.nic\.lab\.$' "-x trace ends with the PTR"
	"$CDIG" +trace +hints="$T/none" www.example.lab >"$T/h4" 2>&1
	rc=$?
	[ $rc = 1 ] && grep -q "cannot open hints file" "$T/h4" && ok "$LAB: missing hints file: exit 1" ||
		bad "$LAB: missing hints file: exit $rc"
	# no resolver yet: a plain +trace must fail with "no servers could be reached"
	"$CDIG" +trace +time=1 +tries=1 www.example.lab >"$T/h5" 2>&1
	rc=$?
	[ $rc = 9 ] && grep -q '^;; no servers could be reached' "$T/h5" && ok "$LAB: +trace without a resolver: exit 9" ||
		bad "$LAB: +trace without resolver: exit $rc"
}

# ---- with a resolver on 127.0.0.53, as dig does ----
resolver_checks() {
	local q rc s want
	for q in "www.other.lab" "www.example.lab AAAA" "nx.example.lab" "example.lab NS" "other.lab MX" "-x 127.2.0.1"; do
		# shellcheck disable=SC2086
		dig +trace +nocookie $q >"$T/dig" 2>&1
		# shellcheck disable=SC2086
		"$CDIG" +trace +nocookie $q >"$T/cdig" 2>&1
		if ! grep -q '^;; Received .* from 127\.3\.0\.1#53' "$T/cdig"; then
			bad "$LAB: +trace $q never reached the zone's server"
			cat "$T/cdig"
		elif diff -u <(norm <"$T/dig") <(norm <"$T/cdig") >"$T/diff"; then
			ok "$LAB: +trace $q: same as dig +trace"
		else
			bad "$LAB: +trace $q differs from dig +trace"
			cat "$T/diff"
		fi
	done
	"$CDIG" +trace @127.0.0.53 www.other.lab >"$T/r1" 2>&1
	rc=$?
	[ $rc = 0 ] && ok "$LAB: +trace @127.0.0.53 exits 0" || bad "$LAB: +trace @resolver exits $rc"
	s=$(steps "$T/r1")
	want="127.0.0.53#53(127.0.0.53) 127.1.0.1#53(a.root-servers.lab) 127.2.0.1#53(ns1.nic.lab) 127.3.0.1#53(ns1.example.lab) "
	[ "$s" = "$want" ] && ok "$LAB: resolver -> root -> TLD -> zone: $s" || bad "$LAB: steps: '$s' want '$want'"
	# after the root NS set, the walk is the same with and without the resolver
	if diff <(sed '1,/^;; Read root hints/d' "$T/h1" | norm) \
		<(sed '1,/^;; Received .*127.0.0.53/d' "$T/r1" | norm) >"$T/diff"; then
		ok "$LAB: +hints and resolver walks agree"
	else
		bad "$LAB: +hints and resolver walks differ"
		cat "$T/diff"
	fi
	# plain recursive queries to the resolver (default server from resolv.conf)
	s=$("$CDIG" -x 127.2.0.1 +short www.other.lab +short | tr '\n' ' ')
	[ "$s" = "ns1.nic.lab. 192.0.2.81 " ] && ok "$LAB: resolver answers -x 127.2.0.1 and www.other.lab" ||
		bad "$LAB: resolver gave '$s' for -x 127.2.0.1 and www.other.lab"
	# +nssearch in the lab
	"$CDIG" +nssearch other.lab >"$T/ns" 2>&1
	has "$T/ns" '^SOA ns1\.example\.lab\. admin\.example\.lab\. 1 1800 900 604800 300 from server 127\.3\.0\.1 in [0-9]+ ms\.$' "+nssearch other.lab"
}

# ---- the lab served by NSD, unbound as the resolver ----
LAB=nsd
start_lab
hints_checks
start_unbound "$T/unbound" 127.0.0.53 53 "$HINTS"
resolver_checks
stop_servers

# ---- the same lab served by cairnd, a resolving cairnd as the resolver ----
LAB=cairnd
start_cairnd_lab
hints_checks
CAIRND_EXTRA=("recursion: yes" "allow-recursion: 127.0.0.0/8" "root-hints: $HINTS" "dnssec: no"
	"query-loopback: yes" "local-zone-disable: 127.in-addr.arpa")
start_cairnd "$T/c-resolver" 127.0.0.53 53
CAIRND_EXTRA=()
resolver_checks

finish
