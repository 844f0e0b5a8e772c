#!/usr/bin/env python3
"""flood: send a bounded burst of identical UDP queries and count the replies.

Used by auth_rrl.sh (response rate limiting) and to measure amplification
(bytes the server sends back / bytes it received).  Loopback only, standard
library only.

  flood.py --port P [--host H] [--source ADDR] [--count N] [--rate QPS]
           [--cookie HEX] [--bufsize N] [--random-label] [--sockets N] NAME [TYPE]

Prints one line:
  sent=N answers=A tc=T tc_data=D none=M bytes_out=Q bytes_in=R amplification=X seconds=S
where answers are full replies (TC=0), tc the truncated ones (RRL slips),
tc_data the truncated ones with records in answer or authority,
none the queries that got no reply, bytes_out the query bytes sent,
bytes_in the reply bytes received and seconds the time from the first
query to the last.  --rate 0 (default) sends as fast as the socket takes
them; --random-label puts a new random label in front of NAME in each
query; --source binds to another loopback address; --sockets spreads the
queries over N sockets (source ports), round robin.
"""
import argparse
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsraw  # noqa: E402


def query(name, qtype, qid, bufsize, cookie):
    """One query with EDNS (and the COOKIE option when cookie is given)."""
    pkt = dnsraw.build(name, qtype, qid=qid, edns=None)
    opts = b""
    if cookie:
        opts = struct.pack("!HH", 10, len(cookie)) + cookie
    opt = dnsraw.opt_rr(0, bufsize, opts)
    # ARCOUNT = 1
    return pkt[:10] + struct.pack("!H", 1) + pkt[12:] + opt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=0.0)
    ap.add_argument("--cookie", default="")
    ap.add_argument("--bufsize", type=int, default=4096)
    ap.add_argument("--source", default="")
    ap.add_argument("--random-label", action="store_true")
    ap.add_argument("--sockets", type=int, default=1)
    ap.add_argument("name")
    ap.add_argument("qtype", nargs="?", default="A")
    a = ap.parse_args()
    if not a.host.startswith("127.") and a.host != "::1":
        sys.exit("flood.py: loopback addresses only")
    if a.count > 100000:
        sys.exit("flood.py: at most 100000 queries")
    cookie = bytes.fromhex(a.cookie) if a.cookie else b""
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    if a.source and not a.source.startswith("127.") and a.source != "::1":
        sys.exit("flood.py: loopback addresses only")
    socks = []
    for _ in range(max(1, min(a.sockets, 64))):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        if a.source:
            s.bind((a.source, 0))
        s.connect((a.host, a.port))
        s.setblocking(False)
        socks.append(s)
    seen = {}
    stats = {"answers": 0, "tc": 0, "tc_data": 0, "bytes_in": 0}

    def drain(timeout):
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            ready, _, _ = select.select(socks, [], [], max(left, 0))
            if not ready:
                return
            for r in ready:
                drain_one(r)

    def drain_one(r):
        while True:
            try:
                data = r.recv(65535)
            except BlockingIOError:
                return
            if len(data) < 12:
                continue
            qid = struct.unpack("!H", data[:2])[0]
            if qid in seen:
                continue
            seen[qid] = True
            stats["bytes_in"] += len(data)
            if data[2] & 0x02:
                stats["tc"] += 1
                if data[6:10] != b"\0\0\0\0":
                    stats["tc_data"] += 1
            else:
                stats["answers"] += 1

    bytes_out = 0
    start = time.monotonic()
    for i in range(a.count):
        name = a.name
        if a.random_label:
            name = "r%08x.%s" % (random.getrandbits(32), a.name)
        pkt = query(name, a.qtype, i % 65536, a.bufsize, cookie)
        if a.rate > 0:
            due = start + i / a.rate
            while time.monotonic() < due:
                drain(due - time.monotonic())
        while True:
            try:
                socks[i % len(socks)].send(pkt)
                break
            except BlockingIOError:
                drain(0.001)
        bytes_out += len(pkt)
        drain(0)
    seconds = time.monotonic() - start
    drain(0.5)
    got = stats["answers"] + stats["tc"]
    amp = stats["bytes_in"] / bytes_out if bytes_out else 0.0
    print("sent=%d answers=%d tc=%d tc_data=%d none=%d bytes_out=%d bytes_in=%d "
          "amplification=%.2f seconds=%.2f"
          % (a.count, stats["answers"], stats["tc"], stats["tc_data"], a.count - got,
             bytes_out, stats["bytes_in"], amp, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
