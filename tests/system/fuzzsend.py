#!/usr/bin/env python3
"""Throws random and mutated DNS packets at a server over UDP and TCP, then
checks that it still answers.  Mutations start from good queries for the
given names (random types, flags, EDNS with random options) and flip bits,
overwrite bytes, cut, extend, splice, scramble the header counts, plant
compression pointers or replace everything with noise.  Over TCP it also
abuses the framing (short frames, lengths that lie, several messages in one
write, connections closed mid-message).

  fuzzsend.py --port P [--host H] [--udp N] [--tcp N] [--seed S]
              [--names a.b,c.d] [--alive NAME[,NAME...]]

Exit status 0 when every --alive name (default www.lab.test) still gets a
NOERROR answer over UDP and TCP afterwards, 1 otherwise."""
import argparse
import random
import select
import socket
import struct
import sys
import os
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnsraw import build, exchange, outcome, wire_name  # noqa: E402

NAMES = ["www.lab.test", "lab.test", "mail.lab.test", "x.users.lab.test", "ftp.lab.test",
         "nosuch.lab.test", "sub.lab.test", "a.sub.lab.test", "80.2.0.192.in-addr.arpa",
         "www.example.com", "example.com", "www.example.net", "nope.example.net",
         "www.shop.net", "25.0.3.127.in-addr.arpa", "com", ".", "localhost",
         "1.0.0.127.in-addr.arpa", "a.b.c.d.e.example.org", "invalid", "version.bind"]
TYPES = [1, 2, 5, 6, 12, 15, 16, 28, 33, 43, 46, 48, 65, 99, 251, 252, 255, 257, 0,
         65535, 41]


def opt(rng):
    opts = b""
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        code = rng.choice([3, 8, 10, 12, 15, 0, 65001, rng.randrange(65536)])
        data = bytes(rng.randrange(256) for _ in range(rng.choice([0, 2, 8, 16, 40])))
        opts += struct.pack("!HH", code, len(data)) + data
    ttl = (rng.choice([0, 0, 0, 1, 255]) << 16) | (0x8000 if rng.random() < 0.3 else 0)
    size = rng.choice([0, 512, 1232, 4096, 65535, rng.randrange(65536)])
    return b"\0" + struct.pack("!HHIH", 41, size, ttl, len(opts)) + opts


def good(rng, names):
    name = rng.choice(names)
    if rng.random() < 0.2:   # random letter case (0x20)
        name = "".join(c.upper() if rng.random() < 0.5 else c for c in name)
    flags = rng.choice([0x0100, 0x0100, 0, 0x0110, 0x0120, 0x0500])
    pkt = struct.pack("!HHHHHH", rng.randrange(65536), flags, 1, 0, 0, 0)
    pkt += wire_name(name) + struct.pack("!HH", rng.choice(TYPES), rng.choice([1, 1, 1, 3, 255, 254]))
    if rng.random() < 0.5:
        pkt = pkt[:10] + b"\0\1" + pkt[12:] + opt(rng)
    return pkt


def mutate(rng, pkt, pool):
    p = bytearray(pkt)
    for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):
        m = rng.randrange(11)
        if m == 0 and p:                          # flip bits
            i = rng.randrange(len(p))
            p[i] ^= 1 << rng.randrange(8)
        elif m == 1 and p:                        # overwrite a byte
            p[rng.randrange(len(p))] = rng.choice([0, 0xff, 0xc0, 0x3f, 0x40, rng.randrange(256)])
        elif m == 2 and p:                        # cut
            del p[rng.randrange(len(p)):]
        elif m == 3:                              # extend
            p += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        elif m == 4 and len(p) >= 12:             # scramble counts
            struct.pack_into("!H", p, rng.choice([4, 6, 8, 10]),
                             rng.choice([0, 1, 2, 0xffff, rng.randrange(65536)]))
        elif m == 5 and len(p) > 13:              # compression pointer
            i = rng.randrange(12, len(p) - 1)
            off = rng.choice([0, 12, i, i + 2, len(p), rng.randrange(0x4000)])
            p[i:i + 2] = struct.pack("!H", 0xc000 | (off & 0x3fff))
        elif m == 6 and len(p) >= 4:              # opcode, QR, rcode, Z bits
            p[2] = rng.randrange(256)
            p[3] = rng.randrange(256)
        elif m == 7:                              # splice with another packet
            other = rng.choice(pool)
            a = rng.randrange(len(p) + 1)
            b = rng.randrange(len(other) + 1)
            p = p[:a] + bytearray(other[b:])
        elif m == 8 and len(p) > 13:              # a label length that lies
            p[rng.randrange(12, len(p))] = rng.choice([63, 64, 127, 191, 1, 0])
        elif m == 9:                              # a whole extra record
            p += wire_name("x") + struct.pack("!HHIH", rng.choice(TYPES), 1, 0, 4) + b"\1\2\3\4"
            if len(p) >= 12:
                struct.pack_into("!H", p, rng.choice([6, 8, 10]), rng.randrange(1, 3))
        else:                                     # noise
            p = bytearray(rng.randrange(256) for _ in range(rng.choice([0, 1, 11, 12, 13, 40, 300, 600])))
    return bytes(p)


def packet(rng, names, pool):
    r = rng.random()
    if r < 0.15:
        return good(rng, names)
    return mutate(rng, good(rng, names) if r < 0.85 else rng.choice(pool), pool)


def fuzz_udp(host, port, n, rng, names):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    socks = [socket.socket(fam, socket.SOCK_DGRAM) for _ in range(8)]
    for s in socks:
        s.setblocking(False)
    pool = [good(rng, names) for _ in range(64)]
    sent = replies = bad = 0
    while sent < n:
        for _ in range(min(64, n - sent)):
            pkt = packet(rng, names, pool)
            try:
                rng.choice(socks).sendto(pkt, (host, port))
            except (BlockingIOError, OSError):
                pass
            sent += 1
            if rng.random() < 0.05:
                pool[rng.randrange(len(pool))] = pkt
        deadline = time.time() + 0.002
        while True:
            rd, _, _ = select.select(socks, [], [], max(0, deadline - time.time()))
            if not rd:
                break
            for s in rd:
                try:
                    data = s.recv(65535)
                except (BlockingIOError, OSError):
                    continue
                replies += 1
                if len(data) < 12 or not data[2] & 0x80:
                    bad += 1
    for s in socks:
        s.close()
    return sent, replies, bad


def tcp_payload(rng, names, pool):
    data = b""
    for _ in range(rng.choice([1, 1, 2, 3, 5])):
        pkt = packet(rng, names, pool)
        r = rng.random()
        if r < 0.8:
            data += struct.pack("!H", len(pkt)) + pkt
        elif r < 0.9:   # a length that lies
            data += struct.pack("!H", rng.choice([0, 1, 11, 12, len(pkt) + 1, 65535])) + pkt
        else:           # no framing at all
            data += pkt
    if rng.random() < 0.1:
        data = data[:rng.randrange(len(data) + 1)]
    return data


def fuzz_tcp(host, port, n, rng, names, batch=25):
    """n connections, batch at a time: each sends its messages at once, then
    the batch's replies are read for a moment and every one is closed (some
    with a reset, some before reading anything)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    pool = [good(rng, names) for _ in range(64)]
    conns = replies = 0
    done = 0
    while done < n:
        socks = []
        for _ in range(min(batch, n - done)):
            done += 1
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(1.0)
            try:
                s.connect((host, port))
                if rng.random() < 0.05:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.sendall(tcp_payload(rng, names, pool))
                conns += 1
            except (socket.timeout, OSError):
                s.close()
                continue
            if rng.random() < 0.2:
                s.close()       # gone before the answer
            else:
                s.setblocking(False)
                socks.append(s)
        deadline = time.time() + 0.1
        live = list(socks)
        while live:
            rd, _, _ = select.select(live, [], [], max(0, deadline - time.time()))
            if not rd:
                break
            for s in rd:
                try:
                    data = s.recv(65535)
                except OSError:
                    data = b""
                if data:
                    replies += 1
                else:
                    live.remove(s)
        for s in socks:
            s.close()
    return conns, replies


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--udp", type=int, default=1000)
    ap.add_argument("--tcp", type=int, default=100)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--names", default=None)
    ap.add_argument("--alive", default="www.lab.test")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    names = a.names.split(",") if a.names else NAMES
    t0 = time.time()
    sent, replies, bad = fuzz_udp(a.host, a.port, a.udp, rng, names)
    print("udp: %d packets sent, %d replies, %d malformed replies (seed %d, %.1f s)"
          % (sent, replies, bad, seed, time.time() - t0))
    t0 = time.time()
    conns, treplies = fuzz_tcp(a.host, a.port, a.tcp, rng, names)
    print("tcp: %d connections, %d reads with data (%.1f s)" % (conns, treplies, time.time() - t0))
    ok = bad == 0
    for name in a.alive.split(","):
        for tcp in (False, True):
            q = build(name, "A", qid=4242)
            res = None
            for _ in range(5):
                r = exchange(q, a.host, a.port, tcp=tcp, timeout=3.0)
                if r is not None and r[:2] == q[:2]:
                    res = outcome(r)
                    break
                time.sleep(0.5)
            print("after: %s A over %s: %s" % (name, "TCP" if tcp else "UDP", res))
            ok &= res == "NOERROR"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
