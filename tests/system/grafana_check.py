#!/usr/bin/env python3
"""grafana_check.py DASHBOARD METRICS -- checks that the Grafana dashboard
DASHBOARD (etc/grafana-cairnd.json) is importable as is and uses only
metrics cairnd exports: it is a JSON dashboard model with a Prometheus
datasource variable that every panel and query uses, and every metric name
in its PromQL expressions (cairn_*, histograms by their _bucket, _sum and
_count series) is a family or series of METRICS (the output of
`cairn-control stats-prometheus` of a running cairnd). Prints each
problem and exits 1, else prints "N expressions, M metrics: all exported"
and exits 0."""
import json
import re
import sys

METRIC = re.compile(r'\b(cairn_[a-zA-Z0-9_]+)')


def exported(text):
    names = set()
    for line in text.splitlines():
        m = re.match(r'^# TYPE (\S+) (\S+)', line)
        if m:
            names.add(m.group(1))
            if m.group(2) == "histogram":
                names.update(m.group(1) + s for s in ("_bucket", "_sum", "_count"))
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]', line)
        if m and not line.startswith("#"):
            names.add(m.group(1))
    return names


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def main():
    problems = []
    dash = json.load(open(sys.argv[1]))
    have = exported(open(sys.argv[2]).read())
    if not have:
        problems.append("no metric in %s" % sys.argv[2])
    for key in ("title", "uid", "panels", "templating", "schemaVersion"):
        if key not in dash:
            problems.append("the dashboard has no '%s'" % key)
    ds = [v for v in dash.get("templating", {}).get("list", [])
          if v.get("type") == "datasource" and v.get("query") == "prometheus"]
    if not ds:
        problems.append("no Prometheus datasource variable")
    var = "${%s}" % ds[0]["name"] if ds else None
    exprs, used = 0, set()
    for p in walk_panels(dash.get("panels", [])):
        if p.get("type") == "row":
            continue
        if (p.get("datasource") or {}).get("uid") != var:
            problems.append("panel '%s' does not use the datasource variable" % p.get("title"))
        if not p.get("targets"):
            problems.append("panel '%s' has no query" % p.get("title"))
        for t in p.get("targets", []):
            if (t.get("datasource") or {}).get("uid") != var:
                problems.append("a query of '%s' does not use the datasource variable"
                                % p.get("title"))
            names = METRIC.findall(t.get("expr", ""))
            if not names:
                problems.append("a query of '%s' uses no cairn metric" % p.get("title"))
            exprs += 1
            for n in names:
                used.add(n)
                if n not in have:
                    problems.append("panel '%s': %s is not exported by cairnd"
                                    % (p.get("title"), n))
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else q or ""
        for n in METRIC.findall(q):
            used.add(n)
            if n not in have:
                problems.append("variable %s: %s is not exported by cairnd" % (v["name"], n))
    if not exprs:
        problems.append("no PromQL expression in the dashboard")
    for p in problems:
        print(p)
    if problems:
        return 1
    print("%d expressions, %d metrics: all exported" % (exprs, len(used)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
