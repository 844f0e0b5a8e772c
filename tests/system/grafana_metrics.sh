#!/bin/bash
# grafana_metrics.sh -- the Grafana dashboard etc/grafana-cairnd.json uses
# only metrics cairnd exports: every metric name in its PromQL expressions
# is in `cairn-control stats-prometheus` of a running cairnd (a caching
# resolver, so that the cache families exist), the dashboard is a JSON model
# with a Prometheus datasource variable (grafana_check.py); and the check
# itself fails on a dashboard that names a metric cairnd does not export.
. "$top_srcdir/tests/system/lib.sh"
need dig python3
CONTROL=${CAIRN_CONTROL:-$top_builddir/cairn-control}
DASH=$top_srcdir/etc/grafana-cairnd.json
PORT=$(free_port)
SOCK=$TMP/cairnd.ctl
write_lab_conf "$TMP/cairnd.conf" "$PORT" "control-socket: $SOCK"
sed -i 's/recursion: no/recursion: yes/' "$TMP/cairnd.conf"
start_cairnd "$TMP/cairnd.conf" "$PORT"
# a few queries so that the counters move (zone answers; nothing upstream)
for n in www mail ns1; do
	dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 "$n.lab.test" A >/dev/null
done
"$CONTROL" -s "$SOCK" stats-prometheus >"$TMP/metrics" 2>&1
check_cmd "stats-prometheus" test -s "$TMP/metrics"
R=$(python3 "$SYSDIR/grafana_check.py" "$DASH" "$TMP/metrics" 2>&1)
if [ $? = 0 ]; then pass; else LAST_Q= fail "dashboard: $R"; fi
echo "$R"
# the check fails on a metric cairnd does not export
python3 - "$DASH" "$TMP/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["panels"][-1]["targets"][0]["expr"] = "rate(cairn_no_such_metric_total[5m])"
json.dump(d, open(sys.argv[2], "w"))
PY
R=$(python3 "$SYSDIR/grafana_check.py" "$TMP/bad.json" "$TMP/metrics" 2>&1)
if [ $? = 1 ] && grep -q 'cairn_no_such_metric_total is not exported' <<<"$R"; then pass; else
	LAST_Q= fail "a missing metric is not caught: $R"; fi
stop_pid "$CAIRND_PID"
finish
