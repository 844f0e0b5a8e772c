#!/bin/bash
# Interop: cairnd and unbound resolve the same toy Internet (zones/lab,
# enriched here with TXT, AAAA, MX, SRV, wildcards, CNAME chains across
# three zones, a dangling CNAME and a second zone whose server has no glue)
# from the same root hints, one after the other, each with a cold cache.
# For every question the rcode and the sorted answer RRsets (owner, type,
# rdata; TTLs ignored) must be equal, and cairnd must send no more
# upstream queries than unbound (counted in the authoritative servers'
# query logs, priming included).
. "$top_srcdir/tests/system/resolver_lib.sh"
need unbound
L=$top_srcdir/zones/lab

# ---- the lab, with more to ask about ----
cp "$L"/*.zone "$L/root.hints" "$T/"
cat >>"$T/net.zone" <<'EOF'
$ORIGIN net.
; other.net: served by ns1.example.com, whose address the net. servers may
; not vouch for (out of bailiwick): a resolver must look it up under com.
other        2d IN NS ns1.example.com.
EOF
cat >>"$T/example.com.zone" <<'EOF'
$ORIGIN example.com.
@        IN TXT   "v=spf1 -all"
txt      IN TXT   "hello world" "second string"
v6       IN AAAA  2001:db8::3:1
dual     IN A     127.3.0.50
dual     IN AAAA  2001:db8::3:50
multi    IN A     127.3.0.61
multi    IN A     127.3.0.62
multi    IN A     127.3.0.63
alias    IN CNAME www.example.net.
chain    IN CNAME alias.example.net.
ftp      IN CNAME www
dangling IN CNAME nothere.example.net.
_http._tcp IN SRV 0 5 80 www.example.com.
*.wild   IN A     127.3.0.99
EOF
cat >>"$T/example.net.zone" <<'EOF'
$ORIGIN example.net.
alias    IN CNAME www.shop.net.
v6only   IN AAAA  2001:db8::4:1
EOF
cat >>"$T/shop.net.zone" <<'EOF'
$ORIGIN shop.net.
www      IN AAAA  2001:db8::5:80
@        IN MX    10 mail
mail     IN A     127.5.0.25
info     IN TXT   "shop"
EOF
cat >"$T/other.net.zone" <<'EOF'
$ORIGIN other.net.
$TTL 1h
@   IN SOA ns1.example.com. hostmaster.example.com. 2024060101 2h 15m 2w 5m
    IN NS  ns1.example.com.
www   IN A     127.3.0.90
cname IN CNAME www.example.com.
EOF

start_lab "$T" other.net="$T/other.net.zone" || die "the lab did not start"

# ---- the questions: positive, CNAME chains, NXDOMAIN, NODATA, PTR ----
cat >"$T/questions" <<'EOF'
www.example.com A
www.example.com AAAA
example.com A
example.com MX
example.com NS
example.com SOA
example.com TXT
txt.example.com TXT
mail.example.com A
ns1.example.com A
dns.example.com A
v6.example.com AAAA
dual.example.com A
dual.example.com AAAA
multi.example.com A
alias.example.com A
chain.example.com A
chain.example.com AAAA
ftp.example.com A
_http._tcp.example.com SRV
foo.wild.example.com A
www.example.net A
example.net A
ns1.example.net A
v6only.example.net AAAA
www.shop.net A
shop.net A
shop.net MX
info.shop.net TXT
www.other.net A
cname.other.net A
other.net SOA
a.root-servers.net A
a.gtld-servers.net A
net NS
25.0.3.127.in-addr.arpa PTR
80.0.4.127.in-addr.arpa PTR
1.0.5.127.in-addr.arpa PTR
1.0.1.127.in-addr.arpa PTR
nope.example.com A
nope.example.net A
nothere.shop.net A
dangling.example.com A
nosuchtld A
x.nope.other.net A
9.9.9.127.in-addr.arpa PTR
mail.example.com AAAA
www.example.net MX
v6.example.com A
shop.net AAAA
www.example.com MX
v6only.example.net A
localhost A
3.2.1.10.in-addr.arpa PTR
EOF
nq=$(wc -l <"$T/questions")

# ask ADDR OUT: every question; OUT gets "question | rcode | sorted answer"
ask() {
	local q t
	while read -r q t; do
		dig @"$1" +time=5 +tries=1 "$q" "$t" >"$T/one" 2>&1
		printf '%s %s | %s | ' "$q" "$t" "$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' "$T/one")"
		# the answer section: owner (lowercased), type, rdata; TTL and class dropped
		sed -n '/^;; ANSWER SECTION:/,/^$/p' "$T/one" | grep -v '^;;' | grep -v '^$' |
			awk '{ o = tolower($1); $1 = ""; $2 = ""; $3 = ""; sub(/^ +/, ""); print o, $0 }' |
			sort | tr '\n' ';'
		echo
	done <"$T/questions" >"$2"
}
settle() { upstream_settled 1; }   # let late fetches (unbound's target fetches) land

# ---- cairnd, cold cache ----
before=$(upstream)
resolver cairn 127.0.0.1 "allow-recursion: 127.0.0.0/8" "root-hints: $T/root.hints" \
	"query-loopback: yes" "qname-minimisation: yes" "local-zone-disable: 127.in-addr.arpa"
ask 127.0.0.1 "$T/cairn.out"
n_cairn=$(( $(settle) - before ))
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null

# ---- unbound, cold cache, same hints, same minimisation ----
before=$(upstream)
start_unbound "$T" 127.0.0.2 "$T/root.hints" "access-control: 127.0.0.0/8 allow" \
	"qname-minimisation-strict: no" 'local-zone: "127.in-addr.arpa." nodefault' \
	'domain-insecure: "127.in-addr.arpa."'
wait_dns 127.0.0.2 . NS || die "unbound did not start: $(cat "$T/unbound.log")"
ask 127.0.0.2 "$T/unbound.out"
n_unbound=$(( $(settle) - before ))

# ---- compare ----
[ "$nq" -ge 40 ] && ok "$nq questions" || bad "only $nq questions"
while IFS= read -r a && IFS= read -r b <&3; do
	q=${a%% |*}
	case $a in *"|  |"*) bad "$q: cairnd gave no answer"; continue ;; esac
	if [ "$a" = "$b" ]; then ok "same: $a"; else bad "differ: cairnd: $a // unbound: $b"; fi
done <"$T/cairn.out" 3<"$T/unbound.out"
echo "cold-cache upstream queries: cairnd $n_cairn, unbound $n_unbound"
[ "$n_cairn" -gt 0 ] && [ "$n_cairn" -le "$n_unbound" ] &&
	ok "upstream queries: cairnd $n_cairn <= unbound $n_unbound" ||
	bad "upstream queries: cairnd $n_cairn > unbound $n_unbound"
finish
