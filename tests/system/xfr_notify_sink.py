#!/usr/bin/env python3
"""xfr_notify_sink.py -- a secondary that listens for NOTIFY (RFC 1996) on
UDP 127.0.0.1@PORT, ignores the first --drop of them and answers the rest.
Prints one line per NOTIFY received: "notify SECONDS ZONE signed=yes|no
answered=yes|no" (SECONDS since the first one), flushed at once.
"""
import argparse, socket, struct, sys, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--drop", type=int, default=0)
    args = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", args.port))
    print("ready", flush=True)
    first, n = None, 0
    while True:
        m, addr = s.recvfrom(4096)
        if len(m) < 12 or (m[2] >> 3) & 0xF != 4 or m[2] & 0x80:
            continue
        now = time.monotonic()
        first = first if first is not None else now
        n += 1
        # the zone name (uncompressed in a NOTIFY we accept)
        pos, labels = 12, []
        while m[pos]:
            labels.append(m[pos + 1:pos + 1 + m[pos]].decode())
            pos += 1 + m[pos]
        qend = pos + 5
        ar = struct.unpack("!H", m[10:12])[0]
        signed = ar > 0 and b"\x00\xfa\x00\xff" in m[qend:]
        answer = n > args.drop
        print("notify %.2f %s. signed=%s answered=%s" % (
            now - first, ".".join(labels), "yes" if signed else "no",
            "yes" if answer else "no"), flush=True)
        if answer:
            # QR, AA, same ID and question; a bare answer (unsigned: the
            # test's primary does not sign to this sink)
            reply = m[:2] + struct.pack("!HHHHH", 0x8000 | (4 << 11) | 0x0400, 1, 0, 0, 0) \
                + m[12:qend]
            s.sendto(reply, addr)


if __name__ == "__main__":
    main()
