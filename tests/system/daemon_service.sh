#!/bin/bash
# daemon_service.sh -- cairnd as a systemd service.  Readiness (Type=notify):
# with a fake NOTIFY_SOCKET (notify_check.py plays systemd, on a path and on
# an abstract socket) READY=1 arrives with MAINPID once the server answers
# from its zones (a zone big enough that loading it takes a while), and
# STOPPING=1 on SIGTERM.  `make install DESTDIR=...` puts the unit
# (Type=notify, ExecReload through cairn-control), the sysusers.d and
# tmpfiles.d files and the rest where expected, and systemd's own tools
# accept those two files (run on a scratch root directory).
. "$top_srcdir/tests/system/lib.sh"
need python3 make systemd-sysusers systemd-tmpfiles

[ -x "$CAIRND" ] || die "no cairnd binary at $CAIRND"

echo "== readiness with NOTIFY_SOCKET"
# big.test: 30000 names, the one asked for last
{
	printf '$ORIGIN big.test.\n$TTL 1h\n@ IN SOA ns1 hm 1 1h 1h 1w 1h\n  IN NS ns1\nns1 IN A 192.0.2.1\n'
	awk 'BEGIN { for (i = 0; i < 30000; i++) printf "h%d IN A 10.%d.%d.%d\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
	echo "last IN A 192.0.2.99"
} >"$TMP/big.zone"
for sock in "$TMP/notify.sock" "@cairn-notify-test-$$"; do
	PORT=$(free_port)
	write_lab_conf "$TMP/n.conf" "$PORT" 'control-socket: ""'
	printf 'zone:\n\tname: big.test\n\tfile: %s\n' "$TMP/big.zone" >>"$TMP/n.conf"
	LAST_Q="notify_check.py $sock"
	out=$(python3 "$SYSDIR/notify_check.py" "$sock" "$PORT" last.big.test -- \
		"$CAIRND" -d -c "$TMP/n.conf" 2>"$TMP/notify.err")
	rc=$?
	echo "$out"
	while read -r line; do
		case $line in
		ok*) pass ;;
		*) fail "$sock: $line" ;;
		esac
	done <<<"$out"
	[ "$rc" -eq 0 ] && pass || { fail "notify_check.py exited $rc"; tail -n 20 "$TMP/notify.err"; }
	# starting and stopping leave no warning in the journal
	if grep -E '\[(warning|error)\]' "$TMP/notify.err"; then
		fail "$sock: warnings or errors in the log"
	else
		pass
	fi
done
# without NOTIFY_SOCKET nothing is sent and nothing complains
PORT=$(free_port)
write_lab_conf "$TMP/plain.conf" "$PORT" 'control-socket: ""'
(unset NOTIFY_SOCKET; start_cairnd "$TMP/plain.conf" "$PORT"; stop_pid "$CAIRND_PID"
 grep -qi notify "$TMP/cairnd.$PORT.log" && echo "notify in the log") >"$TMP/plain.out" 2>&1
grep -q "notify in the log" "$TMP/plain.out" && fail "a notify message without NOTIFY_SOCKET" || pass

echo "== make install DESTDIR"
DEST=$TMP/dest
LAST_Q="make install DESTDIR=$DEST"
make -s -C "$top_builddir" install DESTDIR="$DEST" >"$TMP/install.log" 2>&1 ||
	{ cat "$TMP/install.log"; die "make install DESTDIR failed"; }
prefix=$(sed -n 's/^S\["prefix"\]="\(.*\)"$/\1/p' "$top_builddir/config.status")
sysconfdir=$(sed -n 's/^S\["sysconfdir"\]="\(.*\)"$/\1/p' "$top_builddir/config.status")
sysconfdir=${sysconfdir//\$\{prefix\}/$prefix}
rundir=$(sed -n 's/^S\["CAIRN_RUNDIR"\]="\(.*\)"$/\1/p' "$top_builddir/config.status")
[ -n "$prefix" ] && [ -n "$rundir" ] || die "cannot read prefix and rundir from config.status"
for f in sbin/cairnd sbin/cairn-control bin/cdig lib/systemd/system/cairnd.service \
	lib/sysusers.d/cairn.conf lib/tmpfiles.d/cairn.conf share/man/man8/cairnd.8 \
	share/man/man5/cairnd.conf.5; do
	[ -e "$DEST$prefix/$f" ] && pass || fail "not installed: $prefix/$f"
done
[ -e "$DEST$sysconfdir/cairn/cairnd.conf" ] && pass || fail "not installed: $sysconfdir/cairn/cairnd.conf"
UNIT=$DEST$prefix/lib/systemd/system/cairnd.service
for re in '^Type=notify$' "^ExecReload=$prefix/sbin/cairn-control -s $rundir/cairnd.ctl reload\$" \
	"^ExecStart=$prefix/sbin/cairnd -d -c $sysconfdir/cairn/cairnd.conf\$" \
	"^ExecStartPre=$prefix/sbin/cairnd -n " "^ReadWritePaths=.*$rundir"; do
	grep -Eq -- "$re" "$UNIT" && pass || fail "the unit has no line matching /$re/"
done
grep -q '@[a-z]*@' "$UNIT" && fail "an unsubstituted @variable@ in the unit" || pass
# the compiled-in control socket is the one the unit reloads through
"$DEST$prefix/sbin/cairn-control" -h 2>&1 | grep -qF "$rundir/cairnd.ctl" && pass ||
	fail "cairn-control's default socket is not $rundir/cairnd.ctl"
# systemd's tools accept the two files: the user and the directories
ROOT=$TMP/root
mkdir -p "$ROOT/etc" "$ROOT/run" "$ROOT/var/lib"
LAST_Q="systemd-sysusers --root=$ROOT"
systemd-sysusers --root="$ROOT" "$DEST$prefix/lib/sysusers.d/cairn.conf" >"$TMP/sysusers.log" 2>&1 &&
	pass || { cat "$TMP/sysusers.log"; fail "systemd-sysusers rejects sysusers.d/cairn.conf"; }
cuid=$(awk -F: '$1 == "cairn" {print $3}' "$ROOT/etc/passwd" 2>/dev/null)
[ -n "$cuid" ] && pass || fail "no user cairn created by sysusers.d/cairn.conf"
awk -F: '$1 == "cairn" {print $7}' "$ROOT/etc/passwd" | grep -q nologin && pass ||
	fail "the cairn user may log in"
LAST_Q="systemd-tmpfiles --root=$ROOT --create"
systemd-tmpfiles --root="$ROOT" --create "$DEST$prefix/lib/tmpfiles.d/cairn.conf" >"$TMP/tmpfiles.log" 2>&1 &&
	pass || { cat "$TMP/tmpfiles.log"; fail "systemd-tmpfiles rejects tmpfiles.d/cairn.conf"; }
for d in "$rundir" /var/lib/cairn; do
	[ -d "$ROOT$d" ] && [ "$(stat -c %u "$ROOT$d")" = "${cuid:-x}" ] && pass ||
		fail "$d not created owned by cairn ($(stat -c '%u %a' "$ROOT$d" 2>&1))"
done
finish
