#!/usr/bin/env python3
"""promcheck.py FILE -- checks that FILE (or stdin with "-") is valid
Prometheus text exposition format (version 0.0.4), as a scraper would
parse it: every line is a comment, a HELP/TYPE line or a sample; metric and
label names are legal; label values are quoted with valid escapes; values
are floats (or NaN/+Inf/-Inf); TYPE comes before the family's samples and
once; no series appears twice; a family's samples are contiguous; counters
are >= 0; histograms have increasing `le` buckets ending in +Inf, whose
counts never decrease, and _count equals the +Inf bucket.
Prints the problems and exits 1, or prints "N families, M samples" and
exits 0."""
import math
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*'
SAMPLE = re.compile(r'^(' + NAME + r')(\{(.*)\})?[ \t]+(\S+)([ \t]+(-?\d+))?$')
LABEL_PAIR = re.compile(r'\s*(' + LABEL + r')="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_labels(text):
    labels = []
    pos = 0
    while pos < len(text):
        m = LABEL_PAIR.match(text, pos)
        if not m:
            raise ValueError("bad label set {%s}" % text)
        labels.append((m.group(1), m.group(2)))
        pos = m.end()
    names = [n for n, _ in labels]
    if len(names) != len(set(names)):
        raise ValueError("label repeated in {%s}" % text)
    return tuple(sorted(labels))


def parse_value(text):
    if text in ("NaN", "+Inf", "-Inf", "Inf"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    return float(text)


def family_of(name, types):
    for suffix in ("_bucket", "_count", "_sum"):
        if name.endswith(suffix) and types.get(name[:-len(suffix)]) in ("histogram", "summary"):
            return name[:-len(suffix)]
    return name


def check(lines):
    problems = []
    types, helps, seen, done = {}, set(), set(), set()
    samples = {}
    current = None
    nsamples = 0
    for no, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not re.fullmatch(NAME, name):
                    problems.append("%d: bad metric name %r" % (no, name))
                if parts[1] == "TYPE":
                    t = parts[3] if len(parts) > 3 else ""
                    if t not in TYPES:
                        problems.append("%d: unknown type %r" % (no, t))
                    if name in types:
                        problems.append("%d: second TYPE for %s" % (no, name))
                    if name in seen:
                        problems.append("%d: TYPE for %s after its samples" % (no, name))
                    types[name] = t
                else:
                    if name in helps:
                        problems.append("%d: second HELP for %s" % (no, name))
                    helps.add(name)
            continue
        m = SAMPLE.match(line)
        if not m:
            problems.append("%d: not a sample: %r" % (no, line))
            continue
        name, labels_text, value_text = m.group(1), m.group(3), m.group(4)
        try:
            labels = parse_labels(labels_text or "")
            value = parse_value(value_text)
        except ValueError as e:
            problems.append("%d: %s" % (no, e))
            continue
        nsamples += 1
        fam = family_of(name, types)
        if fam != current:
            if fam in done:
                problems.append("%d: samples of %s are not contiguous" % (no, fam))
            if current is not None:
                done.add(current)
            current = fam
        seen.add(fam)
        key = (name, labels)
        if key in samples:
            problems.append("%d: series %s%s repeated" % (no, name, labels))
        samples[key] = value
        t = types.get(fam, "untyped")
        if t == "counter" and not value >= 0:
            problems.append("%d: counter %s is negative or NaN" % (no, name))
        if t == "histogram" and name == fam:
            problems.append("%d: histogram %s has a bare sample" % (no, name))
    # histograms
    for fam, t in types.items():
        if t != "histogram":
            continue
        buckets = {}
        for (name, labels), value in samples.items():
            if name != fam + "_bucket":
                continue
            le = dict(labels).get("le")
            if le is None:
                problems.append("histogram %s: bucket without le" % fam)
                continue
            rest = tuple(l for l in labels if l[0] != "le")
            buckets.setdefault(rest, []).append((parse_value(le), value))
        if not buckets:
            problems.append("histogram %s: no buckets" % fam)
        for rest, bs in buckets.items():
            bs.sort()
            if not math.isinf(bs[-1][0]):
                problems.append("histogram %s%s: no +Inf bucket" % (fam, rest))
            for (_, a), (_, b) in zip(bs, bs[1:]):
                if b < a:
                    problems.append("histogram %s%s: bucket counts decrease" % (fam, rest))
            count = samples.get((fam + "_count", rest))
            if count is None or samples.get((fam + "_sum", rest)) is None:
                problems.append("histogram %s%s: _count or _sum missing" % (fam, rest))
            elif count != bs[-1][1]:
                problems.append("histogram %s%s: _count %g != +Inf bucket %g" %
                                (fam, rest, count, bs[-1][1]))
    return problems, len(seen), nsamples


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: promcheck.py FILE|-")
    f = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1], encoding="utf-8")
    problems, nfam, nsamples = check(f.readlines())
    for p in problems:
        print("promcheck: " + p)
    if problems:
        sys.exit(1)
    if nsamples == 0:
        print("promcheck: no samples")
        sys.exit(1)
    print("%d families, %d samples" % (nfam, nsamples))


if __name__ == "__main__":
    main()
