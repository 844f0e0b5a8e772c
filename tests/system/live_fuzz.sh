#!/bin/bash
# live_fuzz: random and mutated packets (tests/system/fuzzsend.py) thrown
# at a cairnd that is authoritative for lab.test and resolves everything
# else through the toy Internet of zones/lab, over UDP and TCP, IPv4 and
# IPv6. Unlike auth_malformed.sh (a fixed corpus at an authoritative-only
# server) the mutated queries also reach the resolver, the cache, the local
# zones and the upstream servers. Afterwards the server must still answer
# (a zone name and a resolved name, UDP and TCP), exit cleanly on SIGTERM,
# and no log may hold a sanitizer report (CI runs this with ASan/UBSan).
# FUZZ_UDP / FUZZ_TCP / FUZZ_SEED change the amount (default 4000 / 150)
# and the random seed (default: a new one, printed).
. "$top_srcdir/tests/system/resolver_lib.sh"
need python3
L=$top_srcdir/zones/lab
start_lab "$L" || die "the lab did not start"
cat >"$T/target.conf" <<EOF
server:
	listen: 127.0.0.1@53
	listen: ::1@53
	threads: 2
	user: ""
	pidfile: ""
	control-socket: ""
	log: stderr
	recursion: yes
	allow-recursion: 127.0.0.0/8 ::1/128
	root-hints: $L/root.hints
	dnssec: no
	query-loopback: yes
	tcp-idle-timeout: 2
	upstream-timeout: 300
	resolve-timeout: 3
zone:
	name: lab.test
	file: $top_srcdir/zones/lab.test.zone
zone:
	name: 2.0.192.in-addr.arpa
	file: $top_srcdir/zones/2.0.192.in-addr.arpa.zone
EOF
"$CAIRND" -d -c "$T/target.conf" >"$T/target.log" 2>&1 &
target=$!
PIDS+=($target)
wait_dns 127.0.0.1 lab.test SOA || die "the target cairnd did not start: $(cat "$T/target.log")"
check "a resolved name before" test "$(dig @127.0.0.1 +short +time=3 www.example.net)" = "127.4.0.80"

seed=${FUZZ_SEED:-$RANDOM$RANDOM}
for host in 127.0.0.1 ::1; do
	if python3 "$top_srcdir/tests/system/fuzzsend.py" --host "$host" --port 53 \
		--udp "${FUZZ_UDP:-4000}" --tcp "${FUZZ_TCP:-150}" --seed "$seed" \
		--alive www.lab.test,www.example.net >"$T/fuzz-$host.out" 2>&1; then
		ok "fuzzed over $host (seed $seed): $(tr '\n' ' ' <"$T/fuzz-$host.out")"
	else
		bad "fuzzed over $host (seed $seed): $(tr '\n' ' ' <"$T/fuzz-$host.out")"
	fi
done
check "target still running" kill -0 "$target"
check "a resolved name after" test "$(dig @127.0.0.1 +short +time=3 www.example.net)" = "127.4.0.80"
check "a zone name after over TCP" test "$(dig @::1 +tcp +short +time=3 www.lab.test A)" = "192.0.2.80"
kill -TERM "$target"
# never hang CI on a server that does not stop: 30 s, then kill -9
for _ in $(seq 300); do kill -0 "$target" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$target" 2>/dev/null; then
	bad "SIGTERM: still running after 30 s"
	kill -9 "$target" 2>/dev/null
fi
wait "$target"
rc=$?
[ $rc = 0 ] && ok "SIGTERM: clean exit" || bad "SIGTERM: exit status $rc"
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
PIDS=()
if grep -El 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' "$T"/*.log; then
	bad "a sanitizer report in the logs above"
else
	ok "no sanitizer report in any log"
fi
finish
