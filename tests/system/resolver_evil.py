#!/usr/bin/env python3
"""resolver_evil: authoritative servers that misbehave on purpose, for the
resolver's system tests (standard library only).

  resolver_evil.py MODE ADDR [ADDR...]     listen on ADDR port 53, UDP and TCP
                                           (IPv4 or IPv6 addresses)

Every query received is logged on stderr as "query NAME TYPE" (NAME as
received, letter case kept), so that tests can count them. MODE is one of
  silent   never answers (UDP is not read, TCP connections are not accepted)
  tc       UDP: an empty answer with TC=1; TCP: A 127.6.0.80 with AA
  inject   A 127.7.0.80 with AA, plus out-of-bailiwick records about
           good.tst in every section (they must never be believed)
  noedns   FORMERR to any query with OPT; without OPT: A 127.8.0.80 with AA
  deep     a referral (NS ns.deep.tst, no glue, AA clear) for whatever name
           is asked: an endless staircase of delegations
  delay    A 127.12.0.80 with AA, sent 0.6 seconds after the query arrived
           (other queries are answered meanwhile)
  ent      a zone ZONE.tst whose names have 4 labels (x.y.ZONE.tst, A
           127.13.0.80 with AA) but which answers queries for the empty
           non-terminals in between (y.ZONE.tst) wrongly, as some servers
           do: with NXDOMAIN (AA, SOA) when ZONE is nxent, REFUSED when it
           is refent, FORMERR when it is fmtent; the apex gets NODATA
  badq     A 127.11.0.80 with AA, but the question of the reply is not the
           one asked, chosen by the zone ZONE.tst the name is in: case
           (letter case inverted), qname (another name), qtype (AAAA for
           A), qclass (CH); exact: the question as asked (a good reply)
"""
import heapq
import select
import socket
import struct
import sys
import time


def wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, ttl, rdata, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def soa(zone):
    rdata = wire("ns1." + zone) + wire("hostmaster." + zone) + struct.pack("!5I", 1, 3600, 600, 86400, 300)
    return rr(wire(zone), 6, 300, rdata)


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
    print("query %s. %d%s" % (".".join(labels), qtype, " tcp" if tcp else ""),
          file=sys.stderr, flush=True)
    question = q[12:pos + 4]
    low = [l.lower() for l in labels]
    zone = low[-2] if len(low) >= 2 else ""
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
    elif mode == "delay":
        if qtype == 1:
            an.append(rr(qname, 1, 300, socket.inet_aton("127.12.0.80")))
    elif mode == "ent":
        apex = zone + ".tst"
        if len(low) == 4:
            if qtype == 1:
                an.append(rr(qname, 1, 300, socket.inet_aton("127.13.0.80")))
            else:
                ns.append(soa(apex))
        elif len(low) == 3:
            if zone == "nxent":
                rcode = 3
                ns.append(soa(apex))
            elif zone == "refent":
                rcode, aa = 5, 0
            else:
                rcode, aa = 1, 0
        else:
            ns.append(soa(apex))
    elif mode == "badq":
        qt = struct.pack("!H", qtype)
        qc = b"\0\1"
        if zone == "case":
            question = q[12:pos].swapcase() + q[pos:pos + 4]
        elif zone == "qname":
            question = wire("other." + ".".join(labels[1:])) + q[pos:pos + 4]
        elif zone == "qtype":
            qt = struct.pack("!H", 28 if qtype == 1 else 1)
            question = q[12:pos] + qt + qc
        elif zone == "qclass":
            question = q[12:pos] + qt + b"\0\3"
        if qtype == 1:
            an.append(rr(wire(".".join(labels)), 1, 300, socket.inet_aton("127.11.0.80")))
    hdr = struct.pack("!6H", qid, 0x8000 | aa | tc | rd | rcode, 1, len(an), len(ns), len(ad))
    return hdr + question + b"".join(an + ns + ad)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 1
    mode = sys.argv[1]
    delay = 0.6 if mode == "delay" else 0.0
    udps, tcps, conns = [], [], []
    for addr in sys.argv[2:]:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.bind((addr, 53))
        t = socket.socket(fam, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((addr, 53))
        t.listen(16)
        udps.append(u)
        tcps.append(t)
    print("ready", flush=True)
    if mode == "silent":
        select.select([], [], [])
    later = []   # (due, seq, socket, peer, reply): delayed UDP replies
    seq = 0
    while True:
        timeout = None
        if later:
            timeout = max(0.0, later[0][0] - time.monotonic())
        r, _, _ = select.select(udps + tcps + conns, [], [], timeout)
        while later and later[0][0] <= time.monotonic():
            _, _, s, peer, a = heapq.heappop(later)
            s.sendto(a, peer)
        for s in r:
            if s in udps:
                q, peer = s.recvfrom(65535)
                a = answer(mode, q, False)
                if a and delay:
                    seq += 1
                    heapq.heappush(later, (time.monotonic() + delay, seq, s, peer, a))
                elif a:
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
