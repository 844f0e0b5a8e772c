#!/usr/bin/env python3
"""xfr_fuzz.py -- sends COUNT mutated zone-transfer requests to a server:
AXFR, IXFR, NOTIFY and SOA queries, unsigned and TSIG-signed, with bytes
changed, cut off, appended and record counts changed, over UDP and TCP
(deterministic: seeded).  Answers are read and thrown away; the caller
checks that the server survived.

Usage: xfr_fuzz.py PORT KEYNAME BASE64-SECRET COUNT
"""
import base64, hashlib, os, random, socket, struct, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xfr_client as xc  # noqa: E402


class Q:
    def __init__(self, zone, qtype):
        self.zone, self.type, self.serial = zone, qtype, 5


def main():
    port, kname, secret, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    key = (xc.wname(kname), xc.wname("hmac-sha256"), base64.b64decode(secret), hashlib.sha256)
    bases = []
    for typ, zone in [("AXFR", "lab.test"), ("IXFR", "lab.test"), ("NOTIFY", "sec.test"),
                      ("NOTIFY", "lab.test"), ("SOA", "lab.test"), ("AXFR", "sec.test")]:
        m = xc.build_query(Q(zone, typ), 0x1111)
        t = int(time.time())
        bases += [m, xc.add_tsig(m, key, t, xc.sign(m, key, t))]
    rnd = random.Random(20261202)
    for _ in range(count):
        m = bytearray(rnd.choice(bases))
        for _ in range(rnd.randint(1, 6)):
            op = rnd.random()
            if op < 0.5 and m:
                m[rnd.randrange(len(m))] = rnd.randrange(256)
            elif op < 0.7 and m:
                del m[rnd.randrange(len(m)):]
            elif op < 0.85 and len(m) > 12:
                m[6 + 2 * rnd.randrange(3):8 + 2 * rnd.randrange(3)] = struct.pack("!H", rnd.randrange(4))
            else:
                m += bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 20)))
        m = bytes(m)
        if rnd.random() < 0.5:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(0.05)
            s.sendto(m, ("127.0.0.1", port))
            try:
                s.recv(65535)
            except socket.timeout:
                pass
        else:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            s.sendall(struct.pack("!H", len(m)) + m)
            s.shutdown(socket.SHUT_WR)
            try:
                while s.recv(65535):
                    pass
            except (socket.timeout, ConnectionResetError):
                pass
        s.close()
    print("sent", count)


if __name__ == "__main__":
    main()
