#!/usr/bin/env python3
"""dnssec_compare.py NSD-OUT CAIRN-OUT: compares two outputs of the same
`dig -f BATCH` run against NSD and against cairnd (auth_dnssec.sh), reply
by reply, with the rules described at the top of auth_dnssec.sh.  Prints
one line per differing reply and, last, "compared N differing M".  Exit
status 0 when all agree, 1 otherwise."""
import re
import sys

HDR = "; <<>> DiG "


def replies(path):
    """[(question args, [lines])] in the order of the batch file."""
    out, cur = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(HDR):
                cur = (line.split("<<>>", 2)[2].strip(), [])
                out.append(cur)
            elif cur is not None:
                cur[1].append(line)
    return out


def section(lines, name):
    got, on = [], False
    for l in lines:
        if l == ";; %s SECTION:" % name:
            on = True
            continue
        if on and not l.strip():
            on = False
        if on:
            got.append(" ".join(l.split()).lower())
    return sorted(got)


def summary(lines):
    """(the lines that must be equal, the additional section of a positive
    answer or None)"""
    text = "\n".join(lines)
    if ";; ->>HEADER<<-" not in text:
        return (["no reply"], None)
    rcode = re.search(r"status: ([A-Z0-9]+),", text).group(1)
    flags = " %s " % re.search(r"^;; flags: ([a-z ]*);", text, re.M).group(1)
    aa = " aa " in flags
    tc = " tc " in flags
    head = ["rcode=%s aa=%s tc=%s" % (rcode, aa, tc)]
    if tc:          # RFC 2181 section 9: any part of the data
        return (head, None)
    ans = section(lines, "ANSWER")
    auth = section(lines, "AUTHORITY")
    add = section(lines, "ADDITIONAL")
    head += ["ANSWER " + r for r in ans]
    if rcode == "NOERROR" and ans and aa:
        # NSD adds the apex NS RRset (minimal-responses: no)
        auth = [r for r in auth if not (r.split()[3] == "ns" or
                                        r.split()[3:5] == ["rrsig", "ns"])]
        return (head + ["AUTHORITY " + r for r in auth], add)
    head += ["AUTHORITY " + r for r in auth]
    if not aa and rcode == "NOERROR" and not ans:
        head += ["ADDITIONAL " + r for r in add]
    return (head, None)


def rrsets(add):
    """{(owner, type): set of records}, {(owner, covered): set of RRSIGs}"""
    data, sigs = {}, {}
    for r in add:
        f = r.split()
        if f[3] == "rrsig":
            sigs.setdefault((f[0], f[4]), set()).add(r)
        else:
            data.setdefault((f[0], f[3]), set()).add(r)
    return data, sigs


def additional_problems(a, b):
    """The additional sections of a positive answer: NSD may have more
    (its apex NS addresses) or less (it stops earlier when space runs
    out); every RRset both have must carry the same RRSIGs, and cairnd
    must not have signatures without their RRset."""
    da, sa = rrsets(a)
    db, sb = rrsets(b)
    probs = []
    for key, recs in db.items():
        if da.get(key) == recs and sa.get(key, set()) != sb.get(key, set()):
            probs.append("RRSIGs of additional %s %s differ" % key)
    for key in sb:
        if key not in db:
            probs.append("additional RRSIG %s %s without its RRset" % key)
    return probs


def main():
    a, b = replies(sys.argv[1]), replies(sys.argv[2])
    bad = 0
    if len(a) != len(b):
        print("FAIL: %d replies from NSD, %d from cairnd" % (len(a), len(b)))
        bad += 1
    for (qa, la), (qb, lb) in zip(a, b):
        sa, adda = summary(la)
        sb, addb = summary(lb)
        probs = []
        if qa != qb:
            probs.append("questions out of step: %s / %s" % (qa, qb))
        if sa != sb:
            probs += ["nsd:   " + l for l in sa if l not in sb]
            probs += ["cairn: " + l for l in sb if l not in sa]
            if not probs:
                probs.append("order or count of records differs")
        elif adda is not None:
            probs += additional_problems(adda, addb)
        if probs:
            bad += 1
            print("FAIL: differs from NSD: dig %s" % qb)
            for p in probs:
                print("  " + p)
    print("compared %d differing %d" % (min(len(a), len(b)), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
