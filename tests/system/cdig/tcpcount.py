#!/usr/bin/env python3
"""tcpcount: a TCP DNS server for cdig's +keepopen test (RFC 7766).

  tcpcount.py PORT READYFILE [PER_CONN [ADDRESS]]

Answers every query (RFC 1035 §4.2.2 framing) with A 192.0.2.10, and
logs one line on stdout per connection accepted ("conn") and per query
answered ("query"), so the test counts the connections a client opened.
With PER_CONN, it closes each connection after that many answers (a
server ending an idle connection, RFC 7766 §6.2.3); 0 keeps them open.
It listens on ADDRESS (default 127.0.0.1). Standard library only.
"""
import socket
import struct
import sys


def recv_all(c, n):
    buf = b""
    while len(buf) < n:
        d = c.recv(n - len(buf))
        if not d:
            return None
        buf += d
    return buf


def answer(q):
    qid, flags = struct.unpack("!HH", q[:4])
    off = 12
    while q[off] != 0:
        off += 1 + q[off]
    off += 5
    hdr = struct.pack("!6H", qid, 0x8400 | (flags & 0x0100), 1, 1, 0, 0)
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 10])
    return hdr + q[12:off] + rr


def main():
    port, ready = int(sys.argv[1]), sys.argv[2]
    per_conn = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    addr = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(8)
    open(ready, "w").close()
    while True:
        c, _ = s.accept()
        print("conn", flush=True)
        n = 0
        while True:
            hdr = recv_all(c, 2)
            if hdr is None:
                break
            q = recv_all(c, struct.unpack("!H", hdr)[0])
            if q is None:
                break
            r = answer(q)
            c.sendall(struct.pack("!H", len(r)) + r)
            print("query", flush=True)
            n += 1
            if per_conn and n >= per_conn:
                break
        c.close()


if __name__ == "__main__":
    main()
