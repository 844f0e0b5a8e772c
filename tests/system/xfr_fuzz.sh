#!/bin/bash
# xfr_fuzz: 3000 mutated AXFR, IXFR, NOTIFY and SOA requests, unsigned and
# TSIG-signed (xfr_fuzz.py, seeded), over UDP and TCP at a cairnd that is
# primary of lab.test (provide-xfr, notify) and secondary of sec.test: it
# must survive (sanitizer builds abort on any memory error), still answer
# and still transfer the zone.
. "$top_srcdir/tests/system/lib.sh"
need dig python3
SECRET=$(printf 'fuzz-key-hmac-sha256-0123456789a' | base64 -w0)
PORT=$(free_port); DEAD=$(free_port)
cat >"$TMP/cairnd.conf" <<CONF
server:
	listen: 127.0.0.1@$PORT
	threads: 2
	user: ""
	pidfile: ""
	control-socket: ""
	log: stderr
	recursion: no
key:
	name: k
	algorithm: hmac-sha256
	secret: "$SECRET"
zone:
	name: lab.test
	file: $ZONEDIR/lab.test.zone
	provide-xfr: 127.0.0.0/8 k
	provide-xfr: 127.0.0.1 NOKEY
	notify: 127.0.0.1@$DEAD k
zone:
	name: sec.test
	file: $TMP/sec.zone
	primary: 127.0.0.1@$DEAD k
	allow-notify: 127.0.0.1 k
CONF
start_cairnd "$TMP/cairnd.conf" "$PORT"
check() { local what=$1; shift; if "$@"; then pass; else LAST_Q= fail "$what"; fi; }
check "3000 mutated requests sent" python3 "$SYSDIR/xfr_fuzz.py" "$PORT" k "$SECRET" 3000
check "cairnd is still running" kill -0 "$CAIRND_PID"
q www.lab.test A
check_rcode NOERROR
R=$(python3 "$SYSDIR/xfr_client.py" --port "$PORT" lab.test --key "k:hmac-sha256:$SECRET")
check "a transfer still works ($R)" grep -q '^rcode=NOERROR tsig=NOERROR messages=1 records=56 ' <<<"$R"
check "no sanitizer report" bash -c "! grep -q 'runtime error\|AddressSanitizer' '$TMP/cairnd.$PORT.log'"
stop_pid "$CAIRND_PID"
finish
