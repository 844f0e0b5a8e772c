#!/usr/bin/env python3
"""cookieserver: a UDP DNS server for cdig's BADCOOKIE test (RFC 7873 §5.3).

  cookieserver.py PORT READYFILE

A query whose COOKIE option holds only a client cookie (8 bytes) gets
BADCOOKIE (extended rcode 23) with the client cookie and a fixed server
cookie; a query that carries that server cookie gets an answer (A
192.0.2.10) echoing it. Every query is logged as one line on stdout:
"client-only" or "with-server-cookie". Standard library only.
"""
import socket
import struct
import sys

SERVER_COOKIE = bytes.fromhex("0123456789abcdef0123456789abcdef")


def parse(q):
    """Returns (id, flags, question bytes, cookie bytes or None)."""
    qid, flags, qd, an, ns, ar = struct.unpack("!6H", q[:12])
    off = 12
    while q[off] != 0:
        off += 1 + q[off]
    off += 5
    question = q[12:off]
    cookie = None
    if ar:
        # the OPT record: root owner, type 41
        o = off + 1
        rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", q[o:o + 10])
        rd = q[o + 10:o + 10 + rdlen]
        i = 0
        while i + 4 <= len(rd):
            code, ln = struct.unpack("!HH", rd[i:i + 4])
            if code == 10:
                cookie = rd[i + 4:i + 4 + ln]
            i += 4 + ln
    return qid, flags, question, cookie


def reply(qid, flags, question, cookie, rcode, answer):
    ext = rcode >> 4
    hdr = struct.pack("!6H", qid, 0x8400 | (flags & 0x0100) | (rcode & 0xf), 1,
                      1 if answer else 0, 0, 1)
    body = question
    if answer:
        body += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 10])
    opt = struct.pack("!HH", 10, len(cookie)) + cookie
    body += b"\x00" + struct.pack("!HHIH", 41, 1232, ext << 24, len(opt)) + opt
    return hdr + body


def main():
    port, ready = int(sys.argv[1]), sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    open(ready, "w").close()
    while True:
        q, peer = s.recvfrom(65535)
        try:
            qid, flags, question, cookie = parse(q)
        except (IndexError, struct.error):
            continue
        if cookie is None or len(cookie) < 8:
            continue
        if cookie[8:] == SERVER_COOKIE:
            print("with-server-cookie", flush=True)
            s.sendto(reply(qid, flags, question, cookie, 0, True), peer)
        else:
            print("client-only", flush=True)
            s.sendto(reply(qid, flags, question, cookie[:8] + SERVER_COOKIE, 23, False), peer)


if __name__ == "__main__":
    main()
