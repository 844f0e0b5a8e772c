#!/usr/bin/env python3
"""flood: send a bounded burst of identical UDP queries and count the replies.

Used by auth_rrl.sh (response rate limiting) and to measure amplification
(bytes the server sends back / bytes it received).  Loopback only, standard
library only.

  flood.py --port P [--host H] [--count N] [--rate QPS] [--cookie HEX]
           [--bufsize N] NAME [TYPE]

Prints one line:
  sent=N answers=A tc=T none=M bytes_out=Q bytes_in=R amplification=X
where answers are full replies (TC=0), tc the truncated ones (RRL slips),
none the queries that got no reply, bytes_out the query bytes sent and
bytes_in the reply bytes received.  --rate 0 (default) sends as fast as
the socket takes them.
"""
import argparse
import os
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
    ap.add_argument("name")
    ap.add_argument("qtype", nargs="?", default="A")
    a = ap.parse_args()
    if not a.host.startswith("127.") and a.host != "::1":
        sys.exit("flood.py: loopback addresses only")
    if a.count > 100000:
        sys.exit("flood.py: at most 100000 queries")
    cookie = bytes.fromhex(a.cookie) if a.cookie else b""
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.connect((a.host, a.port))
    s.setblocking(False)
    seen = {}
    stats = {"answers": 0, "tc": 0, "bytes_in": 0}

    def drain(timeout):
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            r, _, _ = select.select([s], [], [], max(left, 0))
            if not r:
                return
            while True:
                try:
                    data = s.recv(65535)
                except BlockingIOError:
                    break
                if len(data) < 12:
                    continue
                qid = struct.unpack("!H", data[:2])[0]
                if qid in seen:
                    continue
                seen[qid] = True
                stats["bytes_in"] += len(data)
                if data[2] & 0x02:
                    stats["tc"] += 1
                else:
                    stats["answers"] += 1

    bytes_out = 0
    start = time.monotonic()
    for i in range(a.count):
        pkt = query(a.name, a.qtype, i % 65536, a.bufsize, cookie)
        if a.rate > 0:
            due = start + i / a.rate
            while time.monotonic() < due:
                drain(due - time.monotonic())
        while True:
            try:
                s.send(pkt)
                break
            except BlockingIOError:
                drain(0.001)
        bytes_out += len(pkt)
        drain(0)
    drain(0.5)
    got = stats["answers"] + stats["tc"]
    amp = stats["bytes_in"] / bytes_out if bytes_out else 0.0
    print("sent=%d answers=%d tc=%d none=%d bytes_out=%d bytes_in=%d amplification=%.2f"
          % (a.count, stats["answers"], stats["tc"], a.count - got, bytes_out,
             stats["bytes_in"], amp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
