#!/usr/bin/env python3
"""dnsraw: send hand-made DNS packets to a server and report what comes back.

Used by the system tests for what dig cannot do: malformed packets, TCP
pipelining, idle and connection-limit behaviour.  Standard library only.

  dnsraw.py build NAME [TYPE] [--id N] [--opcode N] [--flags HEX]
                 [--edns VERSION] [--bufsize N]         print a query as hex
  dnsraw.py send [--tcp] [--host H] --port P [--timeout S] HEX|@FILE
                 print a summary of the reply (or "none")
  dnsraw.py corpus [--host H] --port P DIR      run every DIR/*.hex case
  dnsraw.py pipeline [--host H] --port P [--count N]
  dnsraw.py idle [--host H] --port P --idle SECONDS
  dnsraw.py tcplimit [--host H] --port P --limit N

Every command exits 0 when the server behaved as expected, 1 otherwise.
A reply summary looks like
  rcode=FORMERR id=4660 qr=1 opcode=0 aa=0 tc=0 rd=0 qd=1 an=0 ns=0 ar=1 edns=0/1232
"""
import argparse
import os
import random
import socket
import struct
import sys
import threading
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
          5: "REFUSED", 6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH",
          10: "NOTZONE", 16: "BADVERS"}
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16,
         "AAAA": 28, "SRV": 33, "OPT": 41, "IXFR": 251, "AXFR": 252, "ANY": 255,
         "CAA": 257}


def wire_name(name):
    """Presentation name -> uncompressed wire form (no escapes)."""
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def opt_rr(version=0, bufsize=1232, options=b"", owner=b"\0", do=False):
    ttl = (version << 16) | (0x8000 if do else 0)
    return owner + struct.pack("!HHIH", 41, bufsize, ttl, len(options)) + options


def build(name, qtype="A", qid=None, opcode=0, flags=0, edns=None,
          bufsize=1232, qdcount=1, ancount=0, nscount=0, arcount=None):
    """A query packet.  flags are OR-ed into the second header word."""
    if qid is None:
        qid = random.randrange(65536)
    t = TYPES.get(qtype.upper()) if isinstance(qtype, str) else qtype
    if t is None:
        t = int(qtype.upper().replace("TYPE", ""))
    extra = b"" if edns is None else opt_rr(edns, bufsize)
    if arcount is None:
        arcount = 0 if edns is None else 1
    hdr = struct.pack("!HHHHHH", qid, (opcode << 11) | flags, qdcount,
                      ancount, nscount, arcount)
    return hdr + wire_name(name) + struct.pack("!HH", t, 1) + extra


def skip_name(p, off):
    """Offset after the (possibly compressed) name at off, or None."""
    while off < len(p):
        n = p[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n
    return None


def summary(p):
    """One line describing reply p."""
    if len(p) < 12:
        return "short len=%d" % len(p)
    qid, fl, qd, an, ns, ar = struct.unpack("!HHHHHH", p[:12])
    rcode = fl & 0xF
    edns = "none"
    # find the OPT record: walk every record (replies are well formed)
    off = 12
    try:
        for _ in range(qd):
            off = skip_name(p, off) + 4
        for i in range(an + ns + ar):
            off = skip_name(p, off)
            rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", p[off:off + 10])
            if rtype == 41 and i >= an + ns:
                rcode |= (ttl >> 24) << 4
                edns = "%d/%d" % ((ttl >> 16) & 0xFF, rclass)
            off += 10 + rdlen
    except (TypeError, struct.error):
        edns = "unparsable"
    return ("rcode=%s id=%d qr=%d opcode=%d aa=%d tc=%d rd=%d qd=%d an=%d ns=%d "
            "ar=%d edns=%s len=%d" % (RCODES.get(rcode, str(rcode)), qid, fl >> 15,
                                      (fl >> 11) & 0xF, (fl >> 10) & 1, (fl >> 9) & 1,
                                      (fl >> 8) & 1, qd, an, ns, ar, edns, len(p)))


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def tcp_read_msg(s):
    """One length-framed message, or None when the peer closed."""
    hdr = recv_exact(s, 2)
    if hdr is None:
        return None
    return recv_exact(s, struct.unpack("!H", hdr)[0])


def exchange(pkt, host, port, tcp=False, timeout=2.0):
    """Sends pkt; returns the reply bytes or None (no reply / closed)."""
    if tcp:
        s = socket.socket(family(host), socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect((host, port))
            s.sendall(struct.pack("!H", len(pkt)) + pkt)
            return tcp_read_msg(s)
        except (socket.timeout, ConnectionError):
            return None
        finally:
            s.close()
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(pkt, (host, port))
        while True:
            data, _ = s.recvfrom(65535)
            return data
    except (socket.timeout, ConnectionError):
        return None
    finally:
        s.close()


def outcome(reply):
    """The outcome keyword used by corpus expectations."""
    if reply is None:
        return "none"
    if len(reply) < 12:
        return "short"
    fl = struct.unpack("!H", reply[2:4])[0]
    if not fl & 0x8000:
        return "not-a-reply"
    line = summary(reply)
    return line.split()[0].split("=")[1]


def alive(host, port, tcp=False):
    """True when the server answers www.lab.test A with NOERROR."""
    q = build("www.lab.test", "A")
    for _ in range(3):
        r = exchange(q, host, port, tcp=tcp, timeout=2.0)
        if r is not None and r[:2] == q[:2] and outcome(r) == "NOERROR":
            return True
    return False


def load_case(path):
    """(bytes, {proto: set(outcomes)}) from a corpus .hex file."""
    expect = {}
    hexdata = ""
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("#"):
                body = line[1:].strip()
                for key, protos in (("expect:", ("udp", "tcp")),
                                    ("expect-udp:", ("udp",)),
                                    ("expect-tcp:", ("tcp",))):
                    if body.startswith(key):
                        for p in protos:
                            expect[p] = set(body[len(key):].strip().split("|"))
                continue
            hexdata += line.replace(" ", "")
    return bytes.fromhex(hexdata), expect


def cmd_corpus(a):
    files = sorted(f for f in os.listdir(a.dir) if f.endswith(".hex"))
    failures = 0
    for f in files:
        pkt, expect = load_case(os.path.join(a.dir, f))
        if "udp" not in expect or "tcp" not in expect:
            print("FAIL %s: no expectation in file" % f)
            failures += 1
            continue
        for proto in ("udp", "tcp"):
            want = expect[proto]
            # a case expected to be dropped costs its whole timeout
            timeout = 0.6 if "none" in want else 2.0
            reply = exchange(pkt, a.host, a.port, tcp=(proto == "tcp"), timeout=timeout)
            got = outcome(reply)
            ok = got in want
            # a reply must carry the query's ID (RFC 1035 section 4.1.1)
            if ok and reply is not None and len(pkt) >= 2 and reply[:2] != pkt[:2]:
                ok, got = False, got + " (wrong id)"
            if not alive(a.host, a.port):
                ok, got = False, got + " and then the server stopped answering"
            print("%s %-40s %s: got %s, want %s" % ("ok  " if ok else "FAIL", f, proto,
                                                   got, "|".join(sorted(want))))
            if reply is not None:
                print("       " + summary(reply))
            failures += not ok
    print("%d cases, %d failures" % (len(files), failures))
    return 1 if failures or len(files) < 25 else 0


def cmd_pipeline(a):
    """Several queries written at once on one TCP connection (RFC 7766
    section 6.2.1.1): every one must be answered, matched by ID."""
    names = ["www.lab.test", "mail.lab.test", "nosuch.lab.test", "ftp.lab.test",
             "lab.test", "alice.lab.test", "x.users.lab.test", "big.lab.test"]
    types = ["A", "AAAA", "A", "A", "MX", "AAAA", "A", "TXT"]
    qs = [build(names[i % len(names)], types[i % len(types)], qid=1000 + i)
          for i in range(a.count)]
    s = socket.create_connection((a.host, a.port), timeout=5)
    stream = b"".join(struct.pack("!H", len(q)) + q for q in qs)
    # the first half in one write, the rest split at awkward places
    half = len(stream) // 2
    s.sendall(stream[:half])
    rest = stream[half:]
    while rest:
        cut = random.randint(1, 7)
        s.sendall(rest[:cut])
        rest = rest[cut:]
        time.sleep(0.001)
    seen = {}
    try:
        for _ in qs:
            r = tcp_read_msg(s)
            if r is None:
                break
            seen[struct.unpack("!H", r[:2])[0]] = outcome(r)
    except socket.timeout:
        pass
    s.close()
    want = {1000 + i for i in range(a.count)}
    missing = sorted(want - set(seen))
    bad = sorted(i for i, o in seen.items() if o not in ("NOERROR", "NXDOMAIN"))
    print("pipeline: sent %d, answered %d, missing %s, bad %s"
          % (a.count, len(seen), missing, bad))
    return 0 if not missing and not bad else 1


def tcplate_once(a, count):
    qs = [build("localhost", "A", qid=i, flags=0x0100) for i in range(count)]
    ch = bytearray(build("version.bind", "TXT", qid=count, flags=0x0100))
    ch[-2:] = struct.pack("!H", 3)
    qs.append(bytes(ch))
    qs.append(build(a.name, "A", qid=count + 1, flags=0x0100))
    s = socket.socket(family(a.host), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # answers back up
    s.settimeout(10)
    s.connect((a.host, a.port))

    def send():
        s.sendall(b"".join(struct.pack("!H", len(q)) + q for q in qs))
        s.shutdown(socket.SHUT_WR)
    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.2)            # the server's write buffer fills meanwhile
    seen = {}
    try:
        while True:
            r = tcp_read_msg(s)
            if r is None:
                break
            seen[struct.unpack("!H", r[:2])[0]] = outcome(r)
    except socket.timeout:
        pass
    sender.join()
    s.close()
    missing = sorted(set(range(count + 2)) - set(seen))
    if missing or seen.get(count) != "REFUSED":
        print("tcplate: sent %d, answered %d, missing %s, CH %s, late %s"
              % (len(qs), len(seen), missing[:10], seen.get(count), seen.get(count + 1)))
        return 1
    return 0


def cmd_tcplate(a):
    """The answer-later path on TCP (issue 8, fault 4): enough queries
    answered at once (local names) to fill the server's write buffer, then
    one answered at once in another way (class CH: REFUSED), then one the
    resolver must go upstream for, then the client's EOF; only then are
    answers read. The counts around the write buffer's limit make the
    last two arrive after the server saw the EOF. Every query must be
    answered, the late one included, and the server must survive (run it
    under ASan)."""
    bad = 0
    counts = range(a.count, a.count + 400, 80)
    for count in counts:
        bad += tcplate_once(a, count)
    print("tcplate: %d connections, %d failed" % (len(counts), bad))
    return 1 if bad else 0


def cmd_idle(a):
    """A silent TCP connection is closed after the idle timeout, and while
    it is open other clients (TCP and UDP) are served at once."""
    fam = family(a.host)
    silent = socket.socket(fam, socket.SOCK_STREAM)
    silent.connect((a.host, a.port))
    t0 = time.monotonic()
    # a half-sent query too: a length prefix and nothing more
    half = socket.socket(fam, socket.SOCK_STREAM)
    half.connect((a.host, a.port))
    half.sendall(b"\x00\x40\x12")
    rc = 0
    for tcp in (False, True):
        t1 = time.monotonic()
        r = exchange(build("www.lab.test"), a.host, a.port, tcp=tcp, timeout=2.0)
        dt = time.monotonic() - t1
        # blocked behind the silent connection, it would wait for the idle
        # timeout (2 s); 1.5 s leaves room for a slow, loaded machine
        if outcome(r) != "NOERROR" or dt > min(1.5, a.idle - 0.3):
            print("idle: %s query while a silent connection is open: %s after %.2fs"
                  % ("TCP" if tcp else "UDP", outcome(r), dt))
            rc = 1
    closed = {}
    limit = a.idle + 5.0
    for name, s in (("silent", silent), ("half-sent", half)):
        s.settimeout(max(0.1, limit - (time.monotonic() - t0)))
        try:
            data = s.recv(100)
            closed[name] = time.monotonic() - t0 if data == b"" else None
        except socket.timeout:
            closed[name] = None
        except ConnectionError:
            closed[name] = time.monotonic() - t0
        s.close()
    for name, when in closed.items():
        if when is None:
            print("idle: %s connection still open after %.1fs (timeout %ds)"
                  % (name, limit, a.idle))
            rc = 1
        elif when < a.idle - 0.5:
            print("idle: %s connection closed too early, after %.2fs (timeout %ds)"
                  % (name, when, a.idle))
            rc = 1
        else:
            print("idle: %s connection closed after %.2fs (timeout %ds)"
                  % (name, when, a.idle))
    return rc


def cmd_tcplimit(a):
    """RFC 7766 section 6.1: the server bounds its concurrent connections.
    Open LIMIT+4 connections one after the other, each asking one question.
    The first LIMIT must be answered.  Whatever the policy at the limit
    (refuse or leave waiting the newcomer, or close an older connection to
    make room), at most LIMIT answered connections may still be open at the
    end.  UDP is served meanwhile, and TCP again once they are gone."""
    fam = family(a.host)
    conns = []
    rc = 0
    for i in range(a.limit + 4):
        s = socket.socket(fam, socket.SOCK_STREAM)
        # generous: each connection within the limit must be answered, and
        # a loaded machine running a sanitizer build may be slow
        s.settimeout(3.0)
        s.connect((a.host, a.port))
        q = build("www.lab.test", qid=2000 + i)
        try:
            s.sendall(struct.pack("!H", len(q)) + q)
            r = tcp_read_msg(s)
        except (socket.timeout, ConnectionError):
            r = None
        answered = outcome(r) == "NOERROR"
        conns.append((s, answered))
        if i < a.limit and not answered:
            print("tcplimit: connection %d of %d (within the limit) got %s"
                  % (i + 1, a.limit, outcome(r)))
            rc = 1
    time.sleep(0.3)
    still = 0
    for s, answered in conns:
        s.setblocking(False)
        try:
            data = s.recv(1, socket.MSG_PEEK)
            is_open = data != b""
        except BlockingIOError:
            is_open = True
        except ConnectionError:
            is_open = False
        still += is_open and answered
    print("tcplimit: %d connections opened, %d answered, %d answered and still open"
          " (limit %d)" % (len(conns), sum(x for _, x in conns), still, a.limit))
    if still > a.limit:
        rc = 1
    r = exchange(build("www.lab.test"), a.host, a.port, tcp=False, timeout=2)
    if outcome(r) != "NOERROR":
        print("tcplimit: UDP while TCP is full: %s" % outcome(r))
        rc = 1
    for s, _ in conns:
        s.close()
    ok = False
    for _ in range(20):
        time.sleep(0.2)
        if outcome(exchange(build("www.lab.test"), a.host, a.port, tcp=True,
                            timeout=2)) == "NOERROR":
            ok = True
            break
    print("tcplimit: TCP after the connections closed: %s"
          % ("answered" if ok else "NOT answered"))
    return rc if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("name")
    b.add_argument("type", nargs="?", default="A")
    b.add_argument("--id", type=int)
    b.add_argument("--opcode", type=int, default=0)
    b.add_argument("--flags", type=lambda x: int(x, 16), default=0)
    b.add_argument("--edns", type=int)
    b.add_argument("--bufsize", type=int, default=1232)
    for name in ("send", "corpus", "pipeline", "idle", "tcplimit", "tcplate"):
        p = sub.add_parser(name)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, required=True)
        if name == "send":
            p.add_argument("--tcp", action="store_true")
            p.add_argument("--timeout", type=float, default=2.0)
            p.add_argument("packet")
        elif name == "corpus":
            p.add_argument("dir")
        elif name == "pipeline":
            p.add_argument("--count", type=int, default=20)
        elif name == "idle":
            p.add_argument("--idle", type=int, required=True)
        elif name == "tcplate":
            p.add_argument("--count", type=int, default=3000)
            p.add_argument("name")
        else:
            p.add_argument("--limit", type=int, required=True)
    a = ap.parse_args()
    if a.cmd == "build":
        print(build(a.name, a.type, a.id, a.opcode, a.flags, a.edns, a.bufsize).hex())
        return 0
    if a.cmd == "send":
        if a.packet.startswith("@"):
            pkt, _ = load_case(a.packet[1:])
        else:
            pkt = bytes.fromhex(a.packet)
        r = exchange(pkt, a.host, a.port, tcp=a.tcp, timeout=a.timeout)
        print("none" if r is None else summary(r))
        return 0
    return {"corpus": cmd_corpus, "pipeline": cmd_pipeline, "idle": cmd_idle,
            "tcplimit": cmd_tcplimit, "tcplate": cmd_tcplate}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
