#!/usr/bin/env python3
"""xfr_evil_primary.py -- a primary that misbehaves on purpose, for the
secondary tests of cairnd (xfr_secondary.sh).

It serves zone test.evil. on UDP and TCP of 127.0.0.1@PORT: SOA queries get
the SOA with serial --serial (or the number in MODE-FILE.serial; the SOA's
expire comes from MODE-FILE.expire, default 20 s; refresh and retry are
1 s); AXFR and IXFR get an answer spoiled as --mode
says (the mode can be changed at run time by writing it to --mode-file):

  good        a correct AXFR (IXFR is answered in AXFR form)
  truncate    the connection is closed half-way through the AXFR
  outofzone   the AXFR carries a record of another zone
  badixfr     an IXFR whose difference deletes a record that does not exist
  badmac      answers signed with a wrong MAC (with --key)
  badtime     answers signed an hour ago (with --key)
  nosoa-end   the AXFR's closing SOA has another serial

With --key NAME:ALG:BASE64 every answer is TSIG-signed (RFC 8945).
"""
import argparse, base64, hashlib, hmac, os, socket, struct, sys, threading, time

ALGS = {"hmac-sha256": hashlib.sha256}
ZONE = "test.evil."


def wname(text):
    out = b""
    for label in text.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.lower().encode()
    return out + b"\x00"


def rr(owner, rtype, rdata, ttl=300):
    return wname(owner) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


EXPIRE = [20]


def soa(serial):
    rdata = wname("ns." + ZONE) + wname("host." + ZONE) + struct.pack(
        "!IIIII", serial, 1, 1, EXPIRE[0], 60)   # refresh 1 s, retry 1 s
    return rr(ZONE, 6, rdata)


def a(owner, ip):
    return rr(owner, 1, socket.inet_aton(ip))


def zone_records(serial):
    return [rr(ZONE, 2, wname("ns." + ZONE)), a("ns." + ZONE, "192.0.2.53"),
            a("www." + ZONE, "192.0.2.%d" % (serial % 250))]


class Primary:
    def __init__(self, args):
        self.args = args
        self.key = None
        if args.key:
            n, alg, sec = args.key.split(":", 2)
            self.key = (wname(n), wname(alg), base64.b64decode(sec), ALGS[alg])

    def mode(self):
        try:
            with open(self.args.mode_file) as f:
                return f.read().strip() or self.args.mode
        except OSError:
            return self.args.mode

    def serial(self):
        try:
            with open(self.args.mode_file + ".expire") as f:
                EXPIRE[0] = int(f.read().strip())
        except (OSError, ValueError):
            pass
        try:
            with open(self.args.mode_file + ".serial") as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return self.args.serial

    def sign(self, msg, prior, first):
        if not self.key:
            return msg, None
        name, alg, secret, fn = self.key
        t = int(time.time()) - (3600 if self.mode() == "badtime" else 0)
        timers = struct.pack("!HIH", t >> 32, t & 0xFFFFFFFF, 300)
        data = (struct.pack("!H", len(prior)) + prior if prior else b"") + msg
        data += (name + struct.pack("!HI", 255, 0) + alg + timers + struct.pack("!HH", 0, 0)
                 if first else timers)
        mac = hmac.new(secret, data, fn).digest()
        if self.mode() == "badmac":
            mac = bytes([mac[0] ^ 0xFF]) + mac[1:]
        qid = msg[:2]
        rdata = alg + timers + struct.pack("!H", len(mac)) + mac + qid + struct.pack("!HH", 0, 0)
        out = msg[:10] + struct.pack("!H", struct.unpack("!H", msg[10:12])[0] + 1) + msg[12:]
        return out + name + struct.pack("!HHIH", 250, 255, 0, len(rdata)) + rdata, mac

    def reply(self, query, records, prior, first):
        qd_end = 12
        while query[qd_end] != 0:
            qd_end += 1 + query[qd_end]
        question = query[12:qd_end + 5]
        hdr = query[:2] + struct.pack("!HHHHH", 0x8400, 1, len(records), 0, 0)
        return self.sign(hdr + question + b"".join(records), prior, first)

    def request_mac(self, query):
        # the MAC of the request's TSIG (not verified: this server is evil)
        if not self.key or struct.unpack("!H", query[10:12])[0] == 0:
            return b""
        p = len(query)
        # walk to the last record: find the TSIG by its key name
        name = self.key[0]
        i = query.rfind(name + struct.pack("!HH", 250, 255))
        if i < 0:
            return b""
        p = i + len(name) + 10
        p += len(self.key[1]) + 8
        maclen = struct.unpack("!H", query[p:p + 2])[0]
        return query[p + 2:p + 2 + maclen]

    def answers(self, query):
        qtype = struct.unpack("!H", query[query.index(b"\x00", 12) + 1:][:2])[0]
        serial, mode = self.serial(), self.mode()
        reqmac = self.request_mac(query)
        if qtype == 6:
            return [self.reply(query, [soa(serial)], reqmac, True)[0]], False
        recs = zone_records(serial)
        if mode == "outofzone":
            recs.append(a("www.elsewhere.test.", "192.0.2.66"))
        if mode == "badixfr" and qtype == 251:
            msgs = [soa(serial), soa(serial - 1), a("nothere." + ZONE, "192.0.2.1"),
                    soa(serial), a("new." + ZONE, "192.0.2.2"), soa(serial)]
        else:
            last = soa(serial + 5) if mode == "nosoa-end" else soa(serial)
            msgs = [soa(serial)] + recs + [last]
        out, prior = [], reqmac
        half = len(msgs) // 2
        parts = [msgs[:half], msgs[half:]]
        for n, part in enumerate(parts):
            m, prior = self.reply(query, part, prior, n == 0)
            out.append(m)
        return out, mode == "truncate"


def serve_tcp(p, sock):
    while True:
        c, _ = sock.accept()
        try:
            ln = struct.unpack("!H", c.recv(2))[0]
            q = b""
            while len(q) < ln:
                q += c.recv(ln - len(q))
            msgs, truncate = p.answers(q)
            for i, m in enumerate(msgs):
                data = struct.pack("!H", len(m)) + m
                if truncate and i == len(msgs) - 1:
                    c.sendall(data[: len(data) // 2])
                    break
                c.sendall(data)
        except Exception as e:  # a test helper: report and go on
            print("tcp:", e, file=sys.stderr)
        finally:
            c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--serial", type=int, default=1)
    ap.add_argument("--mode", default="good")
    ap.add_argument("--mode-file", default="/nonexistent")
    ap.add_argument("--key")
    args = ap.parse_args()
    p = Primary(args)
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("127.0.0.1", args.port))
    t.listen(8)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", args.port))
    threading.Thread(target=serve_tcp, args=(p, t), daemon=True).start()
    print("ready", flush=True)
    while True:
        q, addr = u.recvfrom(4096)
        try:
            if (q[2] >> 3) & 0xF == 4:   # NOTIFY: not for us
                continue
            msgs, _ = p.answers(q)
            u.sendto(msgs[0], addr)
        except Exception as e:
            print("udp:", e, file=sys.stderr)


if __name__ == "__main__":
    main()
