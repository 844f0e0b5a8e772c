#!/bin/bash
# xfr_notify: NOTIFY out (RFC 1996). cairnd serves a zone with three
# notify: targets (xfr_notify_sink.py, which answers unsigned): A answers at
# once, B only its third NOTIFY, C gets signed NOTIFYs (key k) whose
# unsigned answers must not count. Checked: NOTIFY at start-up and after a
# serial bump, none after a reload without a new serial; retries with
# back-off (about 1 s, then 2 s) until acknowledged; `cairn-control status`
# lists the pending announcement meanwhile; answers are logged; an
# unsigned answer to a signed NOTIFY is ignored (logged) and retried.
. "$top_srcdir/tests/system/lib.sh"
need dig python3
CONTROL=$top_builddir/cairn-control
PORT=$(free_port); A=$(free_port); B=$(free_port); C=$(free_port)
cp "$ZONEDIR/lab.test.zone" "$TMP/lab.test.zone"
check() { local what=$1; shift; if "$@"; then pass; else LAST_Q= fail "$what"; fi; }
python3 "$SYSDIR/xfr_notify_sink.py" --port "$A" >"$TMP/a.log" 2>&1 &
PIDS+=("$!"); LOGS+=("$TMP/a.log")
python3 "$SYSDIR/xfr_notify_sink.py" --port "$B" --drop 2 >"$TMP/b.log" 2>&1 &
PIDS+=("$!"); LOGS+=("$TMP/b.log")
python3 "$SYSDIR/xfr_notify_sink.py" --port "$C" >"$TMP/c.log" 2>&1 &
PIDS+=("$!"); LOGS+=("$TMP/c.log")
for i in $(seq 50); do
	grep -q ready "$TMP/a.log" && grep -q ready "$TMP/b.log" && grep -q ready "$TMP/c.log" && break
	sleep 0.1
done
cat >"$TMP/cairnd.conf" <<CONF
server:
	listen: 127.0.0.1@$PORT
	threads: 1
	user: ""
	pidfile: ""
	control-socket: $TMP/ctl
	log: stderr
	recursion: no
key:
	name: k
	algorithm: hmac-sha256
	secret: "$(printf 'notify-test-key-hmac-sha256-abcd' | base64 -w0)"
zone:
	name: lab.test
	file: $TMP/lab.test.zone
	notify: 127.0.0.1@$A
	notify: 127.0.0.1@$B
	notify: 127.0.0.1@$C k
CONF
start_cairnd "$TMP/cairnd.conf" "$PORT"
LOG=$TMP/cairnd.$PORT.log
wait_grep() { # FILE REGEX [TENTHS]: until FILE has a line matching
	local i
	for i in $(seq "${3:-100}"); do grep -Eq "$2" "$1" && return 0; sleep 0.1; done
	return 1
}
check "start-up: NOTIFY to the first target" wait_grep "$TMP/a.log" '^notify 0.00 lab.test. signed=no answered=yes$'
check "... acknowledged" wait_grep "$LOG" "NOTIFY lab.test serial 2024060101 to 127.0.0.1@$A: acknowledged"
check "B's first NOTIFY, unanswered" wait_grep "$TMP/b.log" '^notify 0.00 lab.test. signed=no answered=no$'
check "C's NOTIFY is signed" wait_grep "$TMP/c.log" '^notify 0.00 lab.test. signed=yes answered=yes$'
check "C's unsigned answer is ignored" \
	wait_grep "$LOG" "NOTIFY lab.test serial 2024060101 to 127.0.0.1@$C: answer ignored: the answer is not signed"
check "while unanswered, status lists it" \
	bash -c "'$CONTROL' -s '$TMP/ctl' status | grep -q 'notify lab.test serial 2024060101 to 127.0.0.1@$B: [0-9]* tries, not acknowledged yet'"
check "retried until the third try is answered" wait_grep "$LOG" "NOTIFY lab.test serial 2024060101 to 127.0.0.1@$B: acknowledged" 80
t2=$(awk 'NR == 3 {print $2}' "$TMP/b.log"); t3=$(awk 'NR == 4 {print $2}' "$TMP/b.log")
check "back-off: the 2nd try about 1 s after the 1st ($t2), the 3rd about 2 s later ($t3)" \
	python3 -c "import sys; a, b = float('$t2'), float('$t3'); sys.exit(not (0.8 <= a <= 1.8 and 2.6 <= b <= 4.0))"
check "nothing more once acknowledged" bash -c "sleep 1.5; test \$(grep -c '^notify' '$TMP/b.log') = 3"

# a reload without a new serial: no NOTIFY; with one: NOTIFY again
kill -HUP "$CAIRND_PID"
wait_grep "$LOG" 'reloaded 1 zones' || true
sleep 0.5
check "no NOTIFY after a reload with the same serial" test "$(grep -c '^notify' "$TMP/a.log")" = 1
sed -i 's/2024060101/2024060102/' "$TMP/lab.test.zone"
kill -HUP "$CAIRND_PID"
check "a new serial: NOTIFY again" wait_grep "$LOG" "NOTIFY lab.test serial 2024060102 to 127.0.0.1@$A: acknowledged"
check "... to B as well" wait_grep "$LOG" "NOTIFY lab.test serial 2024060102 to 127.0.0.1@$B: acknowledged"
check "C was never acknowledged" bash -c "! grep -q 'to 127.0.0.1@$C: acknowledged' '$LOG'"
q www.lab.test A
check_rcode NOERROR
stop_pid "$CAIRND_PID"
finish
