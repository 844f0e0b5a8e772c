#!/usr/bin/env python3
"""sparseprimary: a TCP primary whose TSIG-signed AXFR signs only some
messages, for cdig's RFC 8945 §5.3.1 test (no Debian server does that:
NSD, Knot and BIND's named sign every message).

  sparseprimary.py PORT READYFILE ALG:NAME:BASE64 MODE

It serves zone sparse.test. (SOA, 250 A records, SOA) on TCP
127.0.0.1@PORT, one record per message (252 messages), to any number of
clients in turn. MODE says which messages carry a TSIG record:

  every:N        messages 0, N, 2N, ... and the last (N-1 unsigned in
                 a row; N = 100 is the RFC's limit, 99 unsigned)
  badmac:N:K     as every:N, but signed message K carries a wrong MAC
  lastunsigned:N as every:N, but the last message is not signed

Each signed message's MAC covers the prior MAC (the request's, then the
last signed message's), the unsigned messages since it, the message
without its TSIG, then all TSIG variables (the first message) or the
timers only (the later ones). Standard library only.
"""
import base64
import hashlib
import hmac
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from dnsraw import skip_name, tcp_read_msg, wire_name  # noqa: E402

RECORDS = 250


def wname(text):
    """Lowercase (canonical, RFC 8945 §4.3.3) uncompressed wire name."""
    return wire_name(text.lower())


def rr(owner, rtype, rdata, klass=1, ttl=3600):
    return wname(owner) + struct.pack("!HHIH", rtype, klass, ttl, len(rdata)) + rdata


SOA = rr("sparse.test.", 6, wname("ns.sparse.test.") + wname("host.sparse.test.") +
         struct.pack("!IIIII", 2024010101, 7200, 3600, 1209600, 300))
ZONE = [SOA] + [rr("h%d.sparse.test." % i, 1, bytes([192, 0, 2, i % 250 + 1]))
                for i in range(RECORDS)] + [SOA]
OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)


def request_tsig(q):
    """(id, question bytes, request MAC) of a signed AXFR query."""
    qid, _, qd, an, ns, ar = struct.unpack("!6H", q[:12])
    off = skip_name(q, 12) + 4
    question = q[12:off]
    mac = None
    for _ in range(an + ns + ar):
        start = skip_name(q, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", q[start:start + 10])
        rdata = q[start + 10:start + 10 + rdlen]
        if rtype == 250:
            a = skip_name(rdata, 0)
            size = struct.unpack("!H", rdata[a + 8:a + 10])[0]
            mac = rdata[a + 10:a + 10 + size]
        off = start + 10 + rdlen
    return qid, question, mac


def signed_list(mode, total):
    kind, n = mode.split(":")[0], int(mode.split(":")[1])
    signed = {i for i in range(total) if i % n == 0} | {total - 1}
    if kind == "lastunsigned":
        signed.discard(total - 1)
    return signed


def transfer(q, key, mode):
    alg, name, secret = key
    digest = {"hmac-sha256": hashlib.sha256, "hmac-sha512": hashlib.sha512}[alg]
    qid, question, prior = request_tsig(q)
    total = len(ZONE)
    signed = signed_list(mode, total)
    bad = int(mode.split(":")[2]) if mode.startswith("badmac") else -1
    pending = b""
    out = []
    first = True
    for i, rec in enumerate(ZONE):
        qd = question if i == 0 else b""
        extra = OPT if i == 0 else b""
        body = qd + rec + extra
        ar = 1 if i == 0 else 0
        if i not in signed:
            msg = struct.pack("!6H", qid, 0x8400, 1 if qd else 0, 1, 0, ar) + body
            pending += msg
            out.append(msg)
            continue
        hdr = struct.pack("!6H", qid, 0x8400, 1 if qd else 0, 1, 0, ar)
        now = int(time.time())
        timers = struct.pack("!HIH", now >> 32, now & 0xFFFFFFFF, 300)
        data = struct.pack("!H", len(prior)) + prior + pending + hdr + body
        if first:
            data += wname(name) + struct.pack("!HI", 255, 0) + wname(alg) + \
                timers + struct.pack("!HH", 0, 0)
        else:
            data += timers
        mac = hmac.new(secret, data, digest).digest()
        sent = mac
        if i == bad:
            sent = bytes([mac[0] ^ 0xFF]) + mac[1:]
        tsig = rr(name, 250, wname(alg) + timers + struct.pack("!H", len(sent)) + sent +
                  struct.pack("!HHH", qid, 0, 0), klass=255, ttl=0)
        out.append(struct.pack("!6H", qid, 0x8400, 1 if qd else 0, 1, 0, ar + 1) +
                   body + tsig)
        prior, pending, first = mac, b"", False
    return out


def main():
    port, ready, keytext, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    alg, name, b64 = keytext.split(":")
    key = (alg, name, base64.b64decode(b64))
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    open(ready, "w").close()
    while True:
        c, _ = s.accept()
        c.settimeout(10)
        try:
            q = tcp_read_msg(c)
            if q:
                for m in transfer(q, key, mode):
                    c.sendall(struct.pack("!H", len(m)) + m)
        except (OSError, ValueError, IndexError, KeyError, TypeError, struct.error):
            pass
        c.close()


if __name__ == "__main__":
    main()
