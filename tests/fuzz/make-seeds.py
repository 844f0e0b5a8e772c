#!/usr/bin/env python3
"""Writes the seed corpora and dictionaries of the fuzz harnesses into DIR:
DIR/seeds/{query,upstream,zonefile,config,hints,control,tcp}/ and
DIR/{NAME}.dict.  Seeds come
from the tree (the malformed-packet corpus, zone files, configurations)
plus a few hand-made upstream replies.  Usage: make-seeds.py SRCDIR DIR"""
import glob
import os
import re
import shutil
import struct
import sys

sys.dont_write_bytecode = True
src, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(src, "tests", "system"))
from dnsraw import build, wire_name  # noqa: E402

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16,
         "AAAA": 28, "SRV": 33, "DS": 43, "ANY": 255, "CAA": 257}


def write(kind, name, data):
    d = os.path.join(out, "seeds", kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- query: the malformed corpus and good queries ----
for path in glob.glob(os.path.join(src, "tests/system/malformed/*.hex")):
    hexs = "".join(l.strip() for l in open(path) if not l.startswith("#"))
    write("query", os.path.basename(path)[:-4], bytes.fromhex(hexs))
names = ["www.lab.test", "lab.test", "WwW.LaB.TeSt", "nosuch.lab.test", "mail.lab.test",
         "ftp.lab.test", "docs.lab.test", "extern.lab.test", "x.users.lab.test",
         "bob.users.lab.test", "lab1.users.lab.test", "users.lab.test", "big.lab.test",
         "opaque.lab.test", "a.sub.lab.test", "ns1.sub.lab.test", "_sip._udp.lab.test",
         "printer.lab.test", "loop1.extra.test", "self.extra.test", "tolab.extra.test",
         "dangling.extra.test", "huge.extra.test", "included.extra.test", "extra.test",
         "80.2.0.192.in-addr.arpa", "2.0.192.in-addr.arpa", "example.org",
         "0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"]
for i, n in enumerate(names):
    for t in ("A", "AAAA", "MX", "ANY", "SOA", "NS", "TXT", "CNAME", "SRV", "PTR", 65280):
        write("query", "q-%d-%s" % (i, t), build(n, t, qid=i))
        write("query", "q-%d-%s-edns" % (i, t),
              build(n, t, qid=i, edns=0, bufsize=4096))


# ---- upstream: the harness's chunk format (see fuzz_upstream.c) ----
def rr(name, rtype, rdata, ttl=3600):
    own = wire_name(name) if isinstance(name, str) else name
    return own + struct.pack("!HHIH", TYPES[rtype], 1, ttl, len(rdata)) + rdata


def soa(mname, rname):
    return wire_name(mname) + wire_name(rname) + struct.pack("!IIIII", 1, 3600, 600, 86400, 300)


def chunk(flags, an, ns, ar, ctrl=0):
    data = struct.pack("!HHHH", flags, len(an), len(ns), len(ar)) + b"".join(an + ns + ar)
    return struct.pack("!BH", ctrl, len(data)) + data


A4 = lambda s: bytes(int(x) for x in s.split("."))  # noqa: E731
AA = 0x0400
QN = b"\xc0\x0c"   # pointer to the question's name
root_ref = chunk(0, [], [rr("com", "NS", wire_name("a.gtld.net")),
                         rr("com", "NS", wire_name("b.gtld.com"))],
                 [rr("b.gtld.com", "A", A4("127.2.0.1")),
                  rr("b.gtld.com", "AAAA", bytes(15) + b"\x01")])
com_ref = chunk(0, [], [rr("example.com", "NS", wire_name("ns1.example.com"))],
                [rr("ns1.example.com", "A", A4("127.3.0.1"))])
answer = chunk(AA, [rr(QN, "A", A4("192.0.2.1")), rr(QN, "A", A4("192.0.2.2"))],
               [rr("example.com", "NS", wire_name("ns1.example.com"))], [])
cname = chunk(AA, [rr(QN, "CNAME", wire_name("www.example.net")),
                   rr("www.example.net", "A", A4("192.0.2.3"))], [], [])
nx = chunk(AA | 3, [], [rr("example.com", "SOA", soa("ns1.example.com", "h.example.com"))], [])
nodata = chunk(AA, [], [rr("example.com", "SOA", soa("ns1.example.com", "h.example.com"))], [])
qmin = chunk(AA, [], [], [])
tc = chunk(0x0200, [], [], [])
formerr = chunk(1, [], [], [])
timeout = struct.pack("!BH", 2, 0)
# the answer to the priming query (. NS) every cold resolution starts with
prime = chunk(AA, [rr(b"\0", "NS", wire_name("a.root-servers.net")),
                   rr(b"\0", "NS", wire_name("b.root-servers.net"))], [],
              [rr("a.root-servers.net", "A", A4("127.1.0.1")),
               rr("b.root-servers.net", "AAAA", bytes(15) + b"\x02")])
glueless = chunk(0, [], [rr("com", "NS", wire_name("ns.elsewhere.org"))], [])
for qt in range(4):
    for opts in (0, 2, 4, 6, 8, 0x40, 0x12):
        seq = {
            "walk": root_ref + com_ref + answer,
            "qmin": root_ref + qmin + com_ref + qmin + answer,
            "cname": root_ref + com_ref + cname,
            "nx": root_ref + com_ref + nx,
            "nodata": root_ref + com_ref + nodata,
            "tc": tc + root_ref + formerr + com_ref + answer,
            "glueless": glueless + timeout + root_ref,
            "lame": chunk(5, [], [], []) + timeout + root_ref + com_ref + answer,
        }
        for k, v in seq.items():
            write("upstream", "u-%s-%d-%d" % (k, qt, opts), bytes([qt, 0, opts]) + v)
            write("upstream", "p-%s-%d-%d" % (k, qt, opts), bytes([qt, 0, opts]) + prime + v)
write("upstream", "u-fwd", bytes([0, 6, 0]) + answer)
write("upstream", "u-ptr", bytes([7, 7, 4]) + prime + root_ref + com_ref + answer)

# ---- zone files and configurations from the tree ----
for pat in ("zones/*.zone", "zones/lab/*.zone", "tests/system/zones/*",
            "tests/data/zones/*", "tests/system/cdig/*.zone"):
    for path in glob.glob(os.path.join(src, pat)):
        if os.path.isfile(path):
            os.makedirs(os.path.join(out, "seeds", "zonefile"), exist_ok=True)
            shutil.copy(path, os.path.join(out, "seeds", "zonefile"))
for pat in ("etc/*.conf", "zones/lab/*.conf", "tests/data/*.conf"):
    for path in glob.glob(os.path.join(src, pat)):
        os.makedirs(os.path.join(out, "seeds", "config"), exist_ok=True)
        shutil.copy(path, os.path.join(out, "seeds", "config"))
write("config", "all", b"""server:
\tlisten: 127.0.0.1@5353
\tlisten: ::1@5353
\tthreads: 2
\tuser: ""
\tlog: stderr
\trecursion: yes
\tallow-recursion: 127.0.0.0/8 ::1/128 10.0.0.0/8
\troot-hints: h
\tcache-size: 64m
\tlocal-zone-disable: 10.in-addr.arpa
zone:
\tname: "lab.test"
\tfile: z   # comment
forward-zone:
\tname: .
\tforward-addr: 192.0.2.53
\tforward-addr: 2001:db8::53@5353
""")

for path in glob.glob(os.path.join(src, "zones/lab/*.hints")) + ["/usr/share/dns/root.hints"]:
    if os.path.isfile(path):
        os.makedirs(os.path.join(out, "seeds", "hints"), exist_ok=True)
        shutil.copy(path, os.path.join(out, "seeds", "hints"))
write("hints", "mixed", b". 3600 IN NS a.root.\na.root. A 192.0.2.1\nb.root. AAAA ::1\n"
      b". NS b.root. ; comment\n")

# ---- control: option byte, then command lines (see fuzz_control.c) ----
commands = [b"stats", b"stats-prometheus", b"status", b"reload", b"flush", b"stop",
            b"help", b"flush-name example.com", b"flush-name example.com below",
            b"flush-name example.com above", b"cache-show www.example.com",
            b"cache-show t\\.x\\032y.example.com", b"cache-show bad.example.com",
            b"cache-show nx.example.com", b"cache-show example.com",
            b"cache-show x.y.z.example.com", b"cache-show ..", b"cache-show " + b"a" * 64,
            b"", b" \t ", b"nosuch", b"stats extra", b"a b c d e f g h i",
            b"x" * 1100, b"transfer example.com", b"zone-status example.com",
            b"transfer", b"zone-status a b"]
for i, cmd in enumerate(commands):
    for opts in (0, 3, 7, 11, 15, 0x10, 0x30, 0x38, 0x40):
        write("control", "c-%d-%d" % (i, opts), bytes([opts]) + cmd + b"\n")
write("control", "c-all", bytes([11]) + b"\n".join(commands))
write("control", "c-nul", bytes([9]) + b"stats\0stop\nstatus")
write("control", "c-crlf", bytes([15]) + b"status\r\nflush\r\n")

# ---- tcp: option byte, then operations (see fuzz_tcp.c) ----
RAW, QUERY, REPEAT, SEND, LOOP, READ, REPLY, SHUT, ABORT, CONNECT, CLOCK, FRAME = range(12)


def op(kind, slot=0, *args):
    return bytes([kind + 12 * slot]) + bytes(args)


def tq(name, qtype, flags=1, qid=7, slot=0):
    """A query from fuzz_tcp.c's tables: name and type indexes, flags."""
    return op(QUERY, slot, name, qtype, flags, qid)


def turns(n, slot=0):
    return (op(LOOP) + op(READ, slot, 0)) * n


def answers(n, ctrl=3):
    return (op(REPLY, 0, ctrl) + op(LOOP)) * n


tcp = {
    # zone answers, pipelined, sent at once and read at once
    "pipeline": tq(0, 0) + tq(1, 2) + tq(2, 3, 3) + tq(3, 0) + tq(4, 0, 0) + tq(14, 0) +
    tq(15, 4) + tq(13, 0, 1, 9) + op(SEND, 0, 0) + turns(3),
    # one query sent a byte at a time, the answer read a byte at a time
    "split": tq(0, 0) + (op(SEND, 0, 1) + op(LOOP)) * 40 + (op(READ, 0, 1) + op(LOOP)) * 60,
    # malformed frames: zero length, garbage, QR set, NOTIFY, then a good one
    "frames": op(FRAME, 0, 0, 0) + op(RAW, 0, 4, 0, 3, 1, 2, 3) + tq(0, 0, 0x20) +
    tq(0, 6, 0x40) + tq(0, 6, 0xc1) + tq(0, 0, 0x11) + tq(0, 7) + tq(5, 8, 3) + tq(0, 0) +
    op(SEND, 0, 0) + turns(3),
    # a length of 65535 that never completes, then the client half-closes
    "huge-length": tq(0, 0) + op(FRAME, 0, 255, 255) + op(RAW, 0, 200) +
    op(SEND, 0, 0) + turns(2) + op(SHUT) + turns(2),
    # a resolution answered late, then the same question from the cache
    "late": tq(6, 0) + op(SEND, 0, 0) + turns(1) + answers(8) + turns(2) + tq(6, 0) +
    op(SEND, 0, 0) + turns(2),
    # late answers with pipelined zone answers, REFUSED and NXDOMAIN upstream
    "mixed": tq(6, 0) + tq(0, 0) + tq(12, 1) + tq(7, 4) + tq(9, 9) + op(SEND, 0, 0) +
    turns(1) + answers(4, 2) + answers(4, 4) + answers(6, 0) + turns(3),
    # the client closes while its resolution is still running
    "abort-late": tq(6, 0) + tq(12, 0) + op(SEND, 0, 0) + op(LOOP) + op(ABORT) +
    answers(6) + op(CONNECT) + tq(0, 0) + op(SEND, 0, 0) + turns(2),
    # EOF right after a query the resolver answers later
    "shut-late": tq(6, 0) + op(SEND, 0, 0) + op(SHUT) + turns(1) + answers(8) + turns(2),
    # a second connection at a limit of one evicts the first (pending)
    "evict": tq(6, 0) + op(SEND, 0, 0) + op(LOOP) + op(CONNECT, 1) + tq(0, 0, 1, 1, 1) +
    op(SEND, 1, 0) + turns(2, 1) + answers(6) + turns(2),
    # many big answers while the client does not read: the write buffer
    # fills, reading stops, then everything drains
    "backlog": tq(5, 2, 3) + op(REPEAT, 0, 120) + tq(1, 2) + op(REPEAT, 0, 60) +
    op(SEND, 0, 0) + op(LOOP) * 20 + op(READ, 0, 210) + op(LOOP) * 5 + turns(4),
    # CH class and local names with recursion: answered at once
    "local": tq(11, 2, 0x11) + tq(8, 0) + tq(9, 9) + tq(8, 1, 0) + op(SEND, 0, 0) + turns(2),
    # the idle sweep and the clock
    "sweep": tq(0, 0) + op(SEND, 0, 0) + turns(1) + op(CLOCK, 0, 0x85) + op(CONNECT, 1) +
    tq(6, 0, 1, 3, 1) + op(SEND, 1, 0) + op(LOOP) + op(CLOCK, 0, 2) + answers(3) + turns(2, 1),
}
for k, v in tcp.items():
    for opts in (0, 0x0c, 0x10, 0x1d, 0x22, 0x30):
        write("tcp", "t-%s-%d" % (k, opts), bytes([opts]) + v)

# ---- dictionaries ----
keys = set(re.findall(r'\{ "[a-z-]+", "([a-z-]+)"',
                      open(os.path.join(src, "src/daemon/config_keys.c")).read()))
words = sorted(keys) + ["server:", "zone:", "forward-zone:", "yes", "no", "\"\"",
                        "syslog", "stderr", "127.0.0.1@53", "::1", "/", "#", "64m",
                        "1k", "0", "4294967296"]
with open(os.path.join(out, "config.dict"), "w") as f:
    for w in words:
        f.write('"%s"\n' % w.replace("\\", "\\\\").replace('"', '\\"'))
with open(os.path.join(out, "control.dict"), "w") as f:
    for w in [c.decode() for c in commands[:7]] + ["flush-name", "cache-show", "below",
                                                   "transfer", "zone-status",
                                                   "example.com", "\\032", "\\."]:
        f.write('"%s"\n' % w.replace("\\", "\\\\").replace('"', '\\"'))
zwords = ["$ORIGIN", "$TTL", "$INCLUDE", "inc", "zone", "@", "(", ")", ";", "IN", "CH",
          "\\#", "TYPE65534", "\\046", "1h", "1d", "1w", "*"] + list(TYPES) + [
          "HINFO", "NAPTR", "SSHFP", "TLSA", "DNAME", "NSEC", "RRSIG", "DNSKEY", "LOC",
          "lab.test.", "ns1", "192.0.2.1", "2001:db8::1"]
with open(os.path.join(out, "zonefile.dict"), "w") as f:
    for w in zwords:
        f.write('"%s"\n' % w.replace("\\", "\\\\").replace('"', '\\"'))
