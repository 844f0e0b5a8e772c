#!/usr/bin/env python3
"""resolver_evil: authoritative servers that misbehave on purpose, for the
resolver's system tests (standard library only).

  resolver_evil.py MODE ADDR [ADDR...]     listen on ADDR port 53, UDP and TCP

MODE is one of
  silent   never answers (UDP is not read, TCP connections are not accepted)
  tc       UDP: an empty answer with TC=1; TCP: A 127.6.0.80 with AA
  inject   A 127.7.0.80 with AA, plus out-of-bailiwick records about
           good.tst in every section (they must never be believed)
  noedns   FORMERR to any query with OPT; without OPT: A 127.8.0.80 with AA
  deep     a referral (NS ns.deep.tst, no glue, AA clear) for whatever name
           is asked: an endless staircase of delegations
"""
import select
import socket
import struct
import sys


def wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, ttl, rdata):
    return owner + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def answer(mode, q, tcp):
    if len(q) < 12:
        return None
    qid, flags, qd, _an, _ns, ar = struct.unpack("!6H", q[:12])
    if flags & 0x8000 or qd != 1:
        return None
    pos = 12
    labels = []
    while pos < len(q) and q[pos] != 0:
        labels.append(q[pos + 1:pos + 1 + q[pos]].decode(errors="replace"))
        pos += q[pos] + 1
    pos += 1
    if pos + 4 > len(q):
        return None
    qtype = struct.unpack("!H", q[pos:pos + 2])[0]
    question = q[12:pos + 4]
    qname = b"\xc0\x0c"
    rd = flags & 0x0100
    an, ns, ad = [], [], []
    aa, tc, rcode = 0x0400, 0, 0
    if mode == "tc":
        if not tcp:
            tc = 0x0200
        elif qtype == 1:
            an.append(rr(qname, 1, 300, socket.inet_aton("127.6.0.80")))
    elif mode == "inject":
        if qtype == 1:
            an.append(rr(qname, 1, 300, socket.inet_aton("127.7.0.80")))
        an.append(rr(wire("www.good.tst"), 1, 300, socket.inet_aton("6.6.6.6")))
        ns.append(rr(wire("good.tst"), 2, 300, wire("ns.evil.tst")))
        ad.append(rr(wire("www.good.tst"), 1, 300, socket.inet_aton("6.6.6.6")))
        ad.append(rr(wire("ns1.good.tst"), 1, 300, socket.inet_aton("6.6.6.6")))
    elif mode == "noedns":
        if ar:
            rcode = 1
        elif qtype == 1:
            an.append(rr(qname, 1, 300, socket.inet_aton("127.8.0.80")))
    elif mode == "deep":
        aa = 0
        ns.append(rr(qname, 2, 300, wire("ns.deep.tst")))
    hdr = struct.pack("!6H", qid, 0x8000 | aa | tc | rd | rcode, 1, len(an), len(ns), len(ad))
    return hdr + question + b"".join(an + ns + ad)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 1
    mode = sys.argv[1]
    udps, tcps, conns = [], [], []
    for addr in sys.argv[2:]:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((addr, 53))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((addr, 53))
        t.listen(16)
        udps.append(u)
        tcps.append(t)
    print("ready", flush=True)
    if mode == "silent":
        select.select([], [], [])
    while True:
        r, _, _ = select.select(udps + tcps + conns, [], [])
        for s in r:
            if s in udps:
                q, peer = s.recvfrom(65535)
                a = answer(mode, q, False)
                if a:
                    s.sendto(a, peer)
            elif s in tcps:
                c, _ = s.accept()
                conns.append(c)
            else:
                data = s.recv(65537)
                if len(data) < 2:
                    conns.remove(s)
                    s.close()
                    continue
                a = answer(mode, data[2:2 + struct.unpack("!H", data[:2])[0]], True)
                if a:
                    s.sendall(struct.pack("!H", len(a)) + a)


if __name__ == "__main__":
    sys.exit(main())
