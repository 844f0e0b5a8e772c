#!/usr/bin/env python3
"""xfr_client.py -- a small zone-transfer client for cairn's xfr tests.

Sends one AXFR or IXFR (or NOTIFY) query, optionally TSIG-signed (RFC 8945)
with a clock offset or a corrupted MAC, reads every response message (TCP)
and checks the TSIG of each signed response on its own (the MAC chain of
RFC 8945 section 5.3.1), independently of the server's code.  Prints one
summary line:

  rcode=NOERROR tsig=NOERROR messages=N records=M soa_first=S soa_last=S signed=K

Usage: xfr_client.py --port P ZONE [--type AXFR|IXFR|NOTIFY] [--serial N]
       [--key NAME:ALG:BASE64] [--time-offset SECONDS] [--bad-mac] [--udp]
       [--host ADDR] [--source ADDR]
"""
import argparse, base64, hashlib, hmac, socket, struct, sys, time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
          5: "REFUSED", 9: "NOTAUTH", 16: "BADSIG", 17: "BADKEY", 18: "BADTIME"}
ALGS = {"hmac-sha256": hashlib.sha256, "hmac-sha512": hashlib.sha512,
        "hmac-sha1": hashlib.sha1}


def wname(text):
    out = b""
    for label in text.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.lower().encode()
    return out + b"\x00"


def read_name(msg, pos):
    """Returns (lowercase wire name, position after it)."""
    out, end, hops = b"", None, 0
    while True:
        c = msg[pos]
        if c >= 0xC0:
            if end is None:
                end = pos + 2
            pos = ((c & 0x3F) << 8) | msg[pos + 1]
            hops += 1
            if hops > 100:
                raise ValueError("compression loop")
            continue
        if c == 0:
            return out + b"\x00", (end if end is not None else pos + 1)
        out += bytes([c]) + msg[pos + 1:pos + 1 + c].lower()
        pos += 1 + c


def tsig_vars(keyname, alg, tsigned, fudge, error, other, timers_only):
    t = struct.pack("!HIH", tsigned >> 32, tsigned & 0xFFFFFFFF, fudge)
    if timers_only:
        return t
    return (keyname + struct.pack("!HI", 255, 0) + alg + t +
            struct.pack("!HH", error, len(other)) + other)


def build_query(args, qid):
    zone = wname(args.zone)
    opcode = 4 if args.type == "NOTIFY" else 0
    qtype = {"AXFR": 252, "IXFR": 251, "NOTIFY": 6, "SOA": 6}[args.type]
    flags = (opcode << 11) | (0x0400 if opcode == 4 else 0)
    ns = 1 if args.type == "IXFR" else 0
    msg = struct.pack("!HHHHHH", qid, flags, 1, 0, ns, 0) + zone + struct.pack("!HH", qtype, 1)
    if ns:
        rdata = b"\x00\x00" + struct.pack("!IIIII", args.serial, 0, 0, 0, 0)
        msg += zone + struct.pack("!HHIH", 6, 1, 0, len(rdata)) + rdata
    return msg


def sign(msg, key, tsigned, prior=None, timers_only=False):
    name, alg, secret, fn = key
    data = b""
    if prior is not None:
        data += struct.pack("!H", len(prior)) + prior
    data += msg + tsig_vars(name, alg, tsigned, 300, 0, b"", timers_only)
    mac = hmac.new(secret, data, fn).digest()
    return mac


def add_tsig(msg, key, tsigned, mac):
    name, alg, _, _ = key
    qid = struct.unpack("!H", msg[:2])[0]
    rdata = alg + struct.pack("!HIHH", tsigned >> 32, tsigned & 0xFFFFFFFF, 300, len(mac)) + mac \
        + struct.pack("!HHH", qid, 0, 0)
    rr = name + struct.pack("!HHIH", 250, 255, 0, len(rdata)) + rdata
    ar = struct.unpack("!H", msg[10:12])[0] + 1
    return msg[:10] + struct.pack("!H", ar) + msg[12:] + rr


def parse(msg):
    """Returns (rcode, records [(owner, type, rdata)], tsig or None) where
    tsig = (start, keyname, alg, time, fudge, mac, origid, error, other)."""
    qd, an, ns, ar = struct.unpack("!HHHH", msg[4:12])
    pos = 12
    for _ in range(qd):
        _, pos = read_name(msg, pos)
        pos += 4
    recs, tsig = [], None
    total = an + ns + ar
    for i in range(total):
        start = pos
        owner, pos = read_name(msg, pos)
        rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
        pos += 10
        rd = msg[pos:pos + rdlen]
        if rtype == 250:
            if i != total - 1:
                raise ValueError("TSIG not last")
            alg, p = read_name(msg, pos)
            hi, lo, fudge, maclen = struct.unpack("!HIHH", msg[p:p + 10])
            p += 10
            mac = msg[p:p + maclen]
            p += maclen
            origid, error, olen = struct.unpack("!HHH", msg[p:p + 6])
            other = msg[p + 6:p + 6 + olen]
            tsig = (start, owner, alg, (hi << 32) | lo, fudge, mac, origid, error, other)
        elif i < an:
            recs.append((owner, rtype, rd))
        pos += rdlen
    return msg[3] & 0xF, recs, tsig


def strip_tsig(msg, tsig):
    ar = struct.unpack("!H", msg[10:12])[0] - 1
    return struct.pack("!H", tsig[6]) + msg[2:10] + struct.pack("!H", ar) + msg[12:tsig[0]]


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zone")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--source", default=None)
    ap.add_argument("--type", default="AXFR")
    ap.add_argument("--serial", type=int, default=0)
    ap.add_argument("--key")
    ap.add_argument("--time-offset", type=int, default=0)
    ap.add_argument("--bad-mac", action="store_true")
    ap.add_argument("--udp", action="store_true")
    args = ap.parse_args()

    key = None
    if args.key:
        kname, alg, secret = args.key.split(":", 2)
        key = (wname(kname), wname(alg), base64.b64decode(secret), ALGS[alg])
    qid = 0x4242
    msg = build_query(args, qid)
    reqmac = None
    if key:
        t = int(time.time()) + args.time_offset
        reqmac = sign(msg, key, t)
        if args.bad_mac:
            reqmac = bytes([reqmac[0] ^ 1]) + reqmac[1:]
        msg = add_tsig(msg, key, t, reqmac)
    fam = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM if args.udp else socket.SOCK_STREAM)
    s.settimeout(10)
    if args.source:
        s.bind((args.source, 0))
    s.connect((args.host, args.port))
    if args.udp:
        s.send(msg)
    else:
        s.sendall(struct.pack("!H", len(msg)) + msg)

    messages = records = signed = 0
    soas, rcode, tsig_err, problem = [], None, 0, ""
    prior, pending = reqmac, b""
    while True:
        try:
            if args.udp:
                m = s.recv(65535)
            else:
                m = recv_exact(s, struct.unpack("!H", recv_exact(s, 2))[0])
        except (EOFError, socket.timeout, ConnectionResetError):
            if messages == 0:
                problem = "no answer"
            break
        messages += 1
        rc, recs, tsig = parse(m)
        if rcode is None:
            rcode = rc
        if tsig:
            signed += 1
            tsig_err = tsig[7]
            if key and tsig[5]:
                data = b""
                if prior is not None:
                    data += struct.pack("!H", len(prior)) + prior
                data += pending + strip_tsig(m, tsig)
                data += tsig_vars(tsig[1], tsig[2], tsig[3], tsig[4], tsig[7], tsig[8],
                                  signed > 1)
                want = hmac.new(key[2], data, key[3]).digest()
                if want != tsig[5]:
                    problem = problem or "bad MAC in message %d" % messages
                prior, pending = tsig[5], b""
        elif key:
            pending += m
        for r in recs:
            records += 1
            if r[1] == 6:
                soas.append(struct.unpack("!I", r[2][-20:-16])[0])
        if args.udp or rc != 0 or args.type in ("NOTIFY", "SOA"):
            break
        # the end: the closing SOA (AXFR: the second SOA; IXFR: the
        # first SOA's serial seen again after the opening one)
        if len(soas) >= 2 and soas[-1] == soas[0] and (args.type == "AXFR" or len(soas) != 2 or records > 2):
            break
        if args.type == "IXFR" and len(soas) == 1 and records == 1 and messages == 1 and len(recs) == 1:
            break  # up to date: just the SOA
    if key and messages and signed and pending:
        problem = problem or "the last message is not signed"
    print("rcode=%s tsig=%s messages=%d records=%d soa_first=%s soa_last=%s signed=%d%s" % (
        RCODES.get(rcode, rcode), RCODES.get(tsig_err, tsig_err), messages, records,
        soas[0] if soas else "-", soas[-1] if soas else "-", signed,
        " problem=" + problem.replace(" ", "_") if problem else ""))


if __name__ == "__main__":
    main()
