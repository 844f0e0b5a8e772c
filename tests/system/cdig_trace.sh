#!/bin/bash
# cdig +trace in a lab Internet inside a private network namespace: NSD
# serves the root (127.1.0.1), the TLD lab. (127.2.0.1) and example.lab. +
# other.lab. (127.3.0.1; other.lab. is a glueless delegation), all on port
# 53. Traced first from a root hints file with no resolver at all, then
# through unbound (127.0.0.53) as dig does, and compared with dig +trace.
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
start_lab
HINTS="$DATA/lab/root.hints"

# steps FILE: the "Received" lines, reduced to ADDR(NAME).
steps() { sed -nE 's/^;; Received [0-9]+ bytes from ([^ ]+) in [0-9]+ ms$/\1/p' "$1" | tr '\n' ' '; }
has() { # file regex description
	if grep -Eq -- "$2" "$1"; then ok "$3"; else bad "$3"; cat "$1"; fi
}

# ---- no resolver: +hints ----
"$CDIG" +trace +hints="$HINTS" www.other.lab >"$T/h1" 2>&1
rc=$?
[ $rc = 0 ] && ok "+trace +hints exits 0" || bad "+trace +hints exits $rc"
has "$T/h1" '^\.[[:space:]]+3600000[[:space:]]+IN[[:space:]]+NS[[:space:]]+a\.root-servers\.lab\.$' "root NS from the hints file"
s=$(steps "$T/h1")
want="127.1.0.1#53(a.root-servers.lab) 127.2.0.1#53(ns1.nic.lab) 127.3.0.1#53(ns1.example.lab) "
[ "$s" = "$want" ] && ok "root -> TLD -> zone steps: $s" || bad "steps: '$s' want '$want'"
has "$T/h1" '^lab\.[[:space:]]+172800[[:space:]]+IN[[:space:]]+NS[[:space:]]+ns1\.nic\.lab\.$' "referral to lab. from the root"
has "$T/h1" '^other\.lab\.[[:space:]]+86400[[:space:]]+IN[[:space:]]+NS[[:space:]]+ns1\.example\.lab\.$' "glueless referral to other.lab."
has "$T/h1" '^www\.other\.lab\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.81$' "ends with the answer"

"$CDIG" +trace +hints="$HINTS" nx.example.lab >"$T/h2" 2>&1
has "$T/h2" '^example\.lab\.[[:space:]]+300[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns1\.example\.lab\. ' "NXDOMAIN trace ends with the SOA"
"$CDIG" +trace +hints="$HINTS" www.example.lab AAAA >"$T/h3" 2>&1
has "$T/h3" '^www\.example\.lab\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+AAAA[[:space:]]+2001:db8::80$' "AAAA trace"
"$CDIG" +trace +hints="$T/none" www.example.lab >"$T/h4" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "cannot open hints file" "$T/h4" && ok "missing hints file: exit 1" || bad "missing hints file: exit $rc"
# no resolver yet: a plain +trace must fail with "no servers could be reached"
"$CDIG" +trace +time=1 +tries=1 www.example.lab >"$T/h5" 2>&1
rc=$?
[ $rc = 9 ] && grep -q '^;; no servers could be reached' "$T/h5" && ok "+trace without a resolver: exit 9" || bad "+trace without resolver: exit $rc"

# ---- with a resolver, as dig does ----
start_unbound "$T/unbound" 127.0.0.53 53 "$HINTS"
# The root NS set comes from unbound's cache: its TTL may tick down.
norm() {
	grep -v -e '^; <<>> ' -e '^;; global options:' |
		sed -E -e 's/ in [0-9]+ ms$/ in N ms/' -e 's/^(\.\t+)[0-9]+\t/\1TTL\t/'
}
for q in "www.other.lab" "www.example.lab AAAA" "nx.example.lab" "example.lab NS" "other.lab MX"; do
	# shellcheck disable=SC2086
	dig +trace +nocookie $q >"$T/dig" 2>&1
	# shellcheck disable=SC2086
	"$CDIG" +trace $q >"$T/cdig" 2>&1
	if diff -u <(norm <"$T/dig") <(norm <"$T/cdig") >"$T/diff"; then
		ok "+trace $q: same as dig +trace"
	else
		bad "+trace $q differs from dig +trace"
		cat "$T/diff"
	fi
done
"$CDIG" +trace @127.0.0.53 www.other.lab >"$T/r1" 2>&1
rc=$?
[ $rc = 0 ] && ok "+trace @127.0.0.53 exits 0" || bad "+trace @resolver exits $rc"
s=$(steps "$T/r1")
want="127.0.0.53#53(127.0.0.53) 127.1.0.1#53(a.root-servers.lab) 127.2.0.1#53(ns1.nic.lab) 127.3.0.1#53(ns1.example.lab) "
[ "$s" = "$want" ] && ok "resolver -> root -> TLD -> zone: $s" || bad "steps: '$s' want '$want'"
# after the root NS set, the walk is the same with and without the resolver
if diff <(sed '1,/^;; Read root hints/d' "$T/h1" | norm) \
	<(sed '1,/^;; Received .*127.0.0.53/d' "$T/r1" | norm) >"$T/diff"; then
	ok "+hints and resolver walks agree"
else
	bad "+hints and resolver walks differ"
	cat "$T/diff"
fi
# +nssearch in the lab
"$CDIG" +nssearch other.lab >"$T/ns" 2>&1
has "$T/ns" '^SOA ns1\.example\.lab\. admin\.example\.lab\. 1 1800 900 604800 300 from server 127\.3\.0\.1 in [0-9]+ ms\.$' "+nssearch other.lab"

finish
