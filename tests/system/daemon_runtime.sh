#!/bin/bash
# daemon_runtime.sh -- what cairn-control changes in a running cairnd
# (cairn-control(8)): reload-zone (one zone's file read again; a broken
# file keeps the old data and reports file:line), SIGHUP and `reload`
# reading only the zones whose file changed (an unchanged zone keeps its
# load time, and its additional data from a reloaded zone is the new one),
# forward-list / forward-add / forward-remove (to a second cairnd on
# loopback; the cache under the zone flushed), lookup --json,
# list-local-zones --json, get-option and set-option.
. "$top_srcdir/tests/system/lib.sh"
need dig python3 jq
CONTROL=${CAIRN_CONTROL:-$top_builddir/cairn-control}
PA=$(free_port)
PB=$(free_port)
SOCK=$TMP/a.ctl
Z=$TMP/a
mkdir -p "$Z"
cp "$ZONEDIR/lab.test.zone" "$Z/lab.test.zone"
cp "$ZONEDIR/2.0.192.in-addr.arpa.zone" "$Z/rev.zone"
cp "$SYSDIR/zones/extra.test.zone" "$SYSDIR"/zones/extra-hosts.inc "$Z/"
cat >"$TMP/a.conf" <<CONF
server:
	listen: 127.0.0.1@$PA
	threads: 2
	user: ""
	pidfile: ""
	log: stderr
	control-socket: $SOCK
	recursion: yes
	allow-recursion: 127.0.0.0/8
	# fwd.example is an unsigned private zone: no validation here
	dnssec: no
zone:
	name: lab.test
	file: $Z/lab.test.zone
zone:
	name: extra.test
	file: $Z/extra.test.zone
zone:
	name: 2.0.192.in-addr.arpa
	file: $Z/rev.zone
CONF
# B: a second server, authoritative for fwd.example (A forwards to it)
write_lab_conf "$TMP/b.conf" "$PB"
cat >"$TMP/fwd.example.zone" <<'ZONE'
$ORIGIN fwd.example.
$TTL 300
@   IN SOA ns.fwd.example. hostmaster.fwd.example. 1 3600 600 86400 300
@   IN NS  ns.fwd.example.
ns  IN A   127.0.0.1
www IN A   192.0.2.77
ZONE
printf 'zone:\n\tname: fwd.example\n\tfile: %s\n' "$TMP/fwd.example.zone" >>"$TMP/b.conf"
start_cairnd "$TMP/b.conf" "$PB"
B_PID=$CAIRND_PID
start_cairnd "$TMP/a.conf" "$PA"
A_PID=$CAIRND_PID
ALOG=$TMP/cairnd.$PA.log
ctl() {
	LAST_Q="cairn-control $*"
	OUT=$("$CONTROL" -s "$SOCK" "$@" 2>&1)
	CTL_RC=$?
}
check_eq() { if [ "$2" = "$3" ]; then pass; else LAST_Q= fail "$1: got '$2', expected '$3'"; fi; }
check_rc() { check_eq "$1: exit status" "$CTL_RC" "$2"; }
serial() { dig @127.0.0.1 -p "$PA" +norec +short +time=2 +tries=1 "$1" SOA | awk '{print $3}'; }
addr() { dig @127.0.0.1 -p "$PA" +short +time=2 +tries=1 "$@"; }
loaded_at() { "$CONTROL" -s "$SOCK" list-zones --json | jq -r ".[] | select(.name == \"$1\") | .loaded_at_unix"; }
bump() { sed -i "s/\\b$2\\b/$3/" "$1"; }

# ---- reload-zone ZONE: that zone only ----
sleep 1   # loaded_at has one-second resolution
bump "$Z/lab.test.zone" 2024060101 2024060102
bump "$Z/rev.zone" 2024060101 2024060102
t_rev=$(loaded_at 2.0.192.in-addr.arpa.)
ctl reload-zone lab.test
check_rc "reload-zone lab.test" 0
check_out '^1 zones reloaded: lab\.test\. serial 2024060102, [0-9]+ records, 2 unchanged, 0 failed$'
check_eq "lab.test after reload-zone" "$(serial lab.test)" 2024060102
check_eq "the other changed zone is not read by reload-zone" "$(serial 2.0.192.in-addr.arpa)" 2024060101
check_eq "... and keeps its load time" "$(loaded_at 2.0.192.in-addr.arpa.)" "$t_rev"
ctl reload-zone lab.test.
check_rc "reload-zone with a final dot (the file read again, unchanged)" 0
ctl reload-zone nosuch.test
check_rc "reload-zone of a zone not configured" 1
check_out "^cairn-control: reload-zone: no zone 'nosuch\\.test' in the configuration$"
ctl reload-zone
check_rc "reload-zone without a zone" 1

# ---- a broken file: reload-zone fails, the old data keeps serving ----
cp "$Z/lab.test.zone" "$TMP/good.zone"
bump "$Z/lab.test.zone" 2024060102 2024060103
echo "broken  IN  A  not-an-address" >>"$Z/lab.test.zone"
BAD=$(wc -l <"$Z/lab.test.zone")
ctl reload-zone lab.test
check_rc "reload-zone of a broken file" 1
check_out '^cairn-control: reload-zone lab\.test: not reloaded, the old data keeps serving$'
check_out "lab\\.test\\.zone:$BAD: "
check_out '^zone lab\.test: reload failed, serial 2024060102 keeps serving$'
check_eq "lab.test after a failed reload-zone" "$(serial lab.test)" 2024060102
grep -q "lab.test.zone:$BAD: " "$ALOG" && pass || { LAST_Q= fail "no lab.test.zone:$BAD: in the log"; }
check_eq "www.lab.test still answered" "$(addr +norec www.lab.test A)" 192.0.2.80

# ---- SIGHUP: only changed zones; a broken one keeps its old data ----
sleep 1
t_extra=$(loaded_at extra.test.)
t_lab=$(loaded_at lab.test.)
n0=$(grep -c 'reloaded .* zones' "$ALOG")
kill -HUP "$A_PID"
wait_for() { local n=$(($1 * 10)); shift; while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
wait_for 20 bash -c "[ \$(grep -c 'reloaded .* zones' '$ALOG') -gt $n0 ]" && pass ||
	{ LAST_Q= fail "no reload after SIGHUP"; }
check_eq "SIGHUP: the changed reverse zone is read" "$(serial 2.0.192.in-addr.arpa)" 2024060102
check_eq "SIGHUP: the broken lab.test keeps serial 2024060102" "$(serial lab.test)" 2024060102
check_eq "SIGHUP: the unchanged extra.test keeps its load time" "$(loaded_at extra.test.)" "$t_extra"
check_eq "SIGHUP: the broken lab.test keeps its load time" "$(loaded_at lab.test.)" "$t_lab"
tail -n 5 "$ALOG" | grep -q 'reloaded 1 zones: 2\.0\.192\.in-addr\.arpa\. serial 2024060102, [0-9]* records, 1 unchanged, some kept their old data' &&
	pass || { LAST_Q= fail "SIGHUP: the log does not say one zone reloaded, one unchanged, one failed"; }
# fixed, and mail.lab.test changed: extra.test (unchanged, kept as it was)
# carries the new address of its MX target in the additional section
cp "$TMP/good.zone" "$Z/lab.test.zone"
bump "$Z/lab.test.zone" 2024060102 2024060104
sed -i 's/^mail    IN  A    192\.0\.2\.25/mail    IN  A    192.0.2.125/' "$Z/lab.test.zone"
ctl reload
check_rc "reload after the fix" 0
check_out '^1 zones reloaded: lab\.test\. serial 2024060104, [0-9]+ records, 2 unchanged, 0 failed$'
OUT=$(dig @127.0.0.1 -p "$PA" +norec +time=2 +tries=1 extra.test MX)
LAST_Q="dig extra.test MX"
check_out '^mail\.lab\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.125$'
check_eq "extra.test kept its load time" "$(loaded_at extra.test.)" "$t_extra"
ctl reload
check_out '^0 zones reloaded, 3 unchanged, 0 failed$'

# ---- forward-add / forward-list / lookup --json / forward-remove ----
ctl forward-list
check_rc "forward-list" 0
check_eq "forward-list: none configured" "$(grep -c . <<<"$OUT")" 0
ctl forward-add fwd.example "127.0.0.1@$PB"
check_rc "forward-add" 0
check_out '^forwarding fwd\.example\. \(until restart; cache flushed at and below it\)$'
check_eq "a name of the forward zone" "$(addr www.fwd.example A)" 192.0.2.77
ctl forward-list
check_out "^fwd\\.example\\. 127\\.0\\.0\\.1@$PB\$"
ctl forward-list --json
check_eq "forward-list --json" "$(jq -c . <<<"$OUT")" \
	"[{\"zone\":\"fwd.example.\",\"addresses\":[\"127.0.0.1@$PB\"]}]"
ctl lookup --json www.fwd.example
check_rc "lookup --json" 0
J=$OUT
check_eq "lookup --json: zone" "$(jq -r .zone <<<"$J")" fwd.example.
check_eq "lookup --json: source" "$(jq -r .source <<<"$J")" forward-zone
check_eq "lookup --json: address" "$(jq -r '.servers[0].addresses[0].address' <<<"$J")" "127.0.0.1@$PB"
check_eq "lookup --json: lame" "$(jq -r '.servers[0].addresses[0].lame' <<<"$J")" false
ctl lookup www.fwd.example
check_out '^delegation fwd\.example\. forward-zone$'
ctl cache-show www.fwd.example
check_out 'IN[[:space:]]+A[[:space:]]+192\.0\.2\.77$'
ctl forward-add fwd.example 127.0.0.1@99999
check_rc "forward-add with a bad address" 1
ctl forward-remove fwd.example
check_rc "forward-remove" 0
check_out '^no longer forwarding fwd\.example\.'
ctl cache-show www.fwd.example
check_out '^; nothing cached for www\.fwd\.example'
ctl forward-list
check_eq "forward-list after forward-remove" "$(grep -c . <<<"$OUT")" 0
ctl forward-remove fwd.example
check_rc "forward-remove of a zone not forwarded" 1
check_out '^cairn-control: forward-remove: fwd\.example\. is not a forward zone$'

# ---- get-option / set-option ----
ctl get-option qname-minimisation
check_eq "get-option qname-minimisation" "$OUT" "qname-minimisation: yes"
ctl get-option listen
check_out "^listen: 127\\.0\\.0\\.1@$PA\$"
ctl get-option allow-recursion
check_out '^allow-recursion: 127\.0\.0\.0/8$'
ctl get-option control-socket
check_out "^control-socket: $SOCK\$"
ctl get-option max-upstream-queries
check_out '^max-upstream-queries: 32$'
ctl set-option max-upstream-queries 7
check_rc "set-option max-upstream-queries 7" 0
check_out '^max-upstream-queries: 7$'
ctl get-option max-upstream-queries
check_out '^max-upstream-queries: 7$'
ctl set-option max-upstream-queries 0
check_rc "set-option out of range" 1
check_out '1000'
ctl set-option prefetch maybe
check_rc "set-option prefetch maybe" 1
ctl set-option threads 4
check_rc "set-option threads (fixed at start-up)" 1
check_out 'threads cannot change while cairnd runs'
ctl set-option file x.zone
check_rc "set-option of a zone: key" 1
ctl get-option file
check_rc "get-option of a zone: key" 1
check_out 'list-zones'
ctl get-option no-such-key
check_rc "get-option of an unknown key" 1
ctl set-option log-queries yes
check_rc "set-option log-queries yes" 0
addr +norec logged.lab.test A >/dev/null
wait_for 5 grep -q 'logged\.lab\.test' "$ALOG" && pass || { LAST_Q= fail "log-queries yes: the query is not logged"; }
ctl set-option log-queries no
ctl list-local-zones --json
check_rc "list-local-zones --json" 0
check_eq "list-local-zones --json: localhost." \
	"$(jq -r '.[] | select(.name == "localhost.") | .kind' <<<"$OUT")" redirect
check_eq "list-local-zones --json: as many as lines" "$(jq length <<<"$OUT")" \
	"$("$CONTROL" -s "$SOCK" list-local-zones | grep -c .)"
ctl help
for c in reload-zone forward-list forward-add forward-remove get-option set-option; do check_out "^$c"; done
check_alive "$A_PID"
stop_pid "$A_PID"
stop_pid "$B_PID"
finish
