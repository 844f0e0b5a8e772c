#!/usr/bin/env python3
"""Writes the malformed-packet corpus: one NAME.hex file per case, named by
what is wrong with the packet, holding the expected outcome(s) as comments
and the packet as hex.  Run it again after changing a case; the .hex files
are what the test (auth_malformed.sh, via dnsraw.py corpus) reads.

Outcomes: an RCODE name (FORMERR, NOTIMP, BADVERS, ...) or "none" (no reply:
the packet is dropped, or over TCP the connection is closed or left silent).
The issue allows "FORMERR or dropped" for anything malformed; QR=1 must be
dropped, other opcodes get NOTIMP, EDNS version > 0 gets BADVERS.
"""
import os
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from dnsraw import build, opt_rr, wire_name  # noqa: E402

DROP_OR_FORMERR = "FORMERR|none"
Q = lambda **kw: build("www.lab.test", "A", qid=0x1234, **kw)  # noqa: E731
HDR = lambda qd=1, an=0, ns=0, ar=0, fl=0: struct.pack(  # noqa: E731
    "!HHHHHH", 0x1234, fl, qd, an, ns, ar)
QTAIL = struct.pack("!HH", 1, 1)    # type A, class IN

CASES = [
    # (name, why, expectation, packet)
    ("zero-length", "an empty datagram / an empty TCP frame", DROP_OR_FORMERR, b""),
    ("one-byte", "one byte: not even an ID", "none", b"\x12"),
    ("short-header-5", "a header cut after 5 bytes", DROP_OR_FORMERR, Q()[:5]),
    ("short-header-11", "a header one byte short", DROP_OR_FORMERR, Q()[:11]),
    ("header-only-qdcount-1", "QDCOUNT=1 but no question follows",
     DROP_OR_FORMERR, HDR()),
    ("qr-set", "a response (QR=1) sent to the server: must be dropped (no "
     "reply to replies, RFC 1035 section 4.1.1)", "none", Q(flags=0x8000)),
    ("qr-set-formerr-bait", "QR=1 and QDCOUNT=0: still a response, dropped",
     "none", HDR(qd=0, fl=0x8000)),
    ("qdcount-0", "no question (and no cookie)", DROP_OR_FORMERR, HDR(qd=0)),
    ("qdcount-2", "two questions (RFC 9619: QDCOUNT must be 1)", DROP_OR_FORMERR,
     HDR(qd=2) + wire_name("www.lab.test") + QTAIL + wire_name("mail.lab.test") + QTAIL),
    ("qdcount-65535", "QDCOUNT=65535 with one question present",
     DROP_OR_FORMERR, HDR(qd=65535) + wire_name("www.lab.test") + QTAIL),
    ("huge-counts", "every count 65535, one question present",
     DROP_OR_FORMERR, struct.pack("!HHHHHH", 0x1234, 0, 65535, 65535, 65535, 65535)
     + wire_name("www.lab.test") + QTAIL),
    ("label-64", "a 64-byte label (limit 63, RFC 1035 section 2.3.4)",
     DROP_OR_FORMERR, HDR() + b"\x40" + b"a" * 64 + b"\x03lab\x04test\x00" + QTAIL),
    ("name-256", "a 256-byte name (limit 255)", DROP_OR_FORMERR,
     HDR() + (b"\x3f" + b"a" * 63) * 3 + b"\x3e" + b"b" * 62 + b"\x00" + QTAIL),
    ("compression-loop-long-labels",
     "long labels, then a pointer back to their start: a loop that grows", DROP_OR_FORMERR,
     # question: 3 labels of 63 then a pointer back to a name in the
     # additional record... placed before it: build as answer-section chain
     HDR(qd=1) + (b"\x3f" + b"a" * 63) * 3 + b"\xc0\x0c" + QTAIL),
    ("compression-loop-self", "the question name is a pointer to itself",
     DROP_OR_FORMERR, HDR() + b"\xc0\x0c" + QTAIL),
    ("compression-loop-two", "two labels pointing at each other",
     DROP_OR_FORMERR, HDR() + b"\x01a\xc0\x10\x01b\xc0\x0c" + QTAIL),
    ("pointer-in-question-to-header", "a compression pointer in the question "
     "pointing back into the header", DROP_OR_FORMERR, HDR() + b"\xc0\x02" + QTAIL),
    ("pointer-forward", "a pointer to a name later in the packet (RFC 1035 "
     "section 4.1.4: pointers point to a prior occurrence)", DROP_OR_FORMERR,
     HDR(ar=1) + b"\x03www\xc0\x16" + QTAIL + b"\x03lab\x04test\x00"
     + struct.pack("!HHIH", 1, 1, 0, 4) + b"\x7f\x00\x00\x01"),
    ("pointer-out-of-packet", "a pointer past the end of the packet",
     DROP_OR_FORMERR, HDR() + b"\x03www\xc1\x00" + QTAIL),
    ("label-type-0x40", "extended label type 01 (RFC 6891 section 5: obsolete)",
     DROP_OR_FORMERR, HDR() + b"\x03www\x41\x00\x00" + QTAIL),
    ("label-type-0x80", "reserved label type 10", DROP_OR_FORMERR,
     HDR() + b"\x03www\x83lab\x00" + QTAIL),
    ("truncated-name", "a label runs past the end of the packet",
     DROP_OR_FORMERR, HDR() + b"\x03www\x0alab"),
    ("truncated-question", "the name is complete but QTYPE/QCLASS are cut",
     DROP_OR_FORMERR, HDR() + wire_name("www.lab.test") + b"\x00\x01\x00"),
    ("garbage-after-question", "5 bytes after the question, all counts 0",
     DROP_OR_FORMERR, Q() + b"\xde\xad\xbe\xef\x00"),
    ("garbage-after-opt", "bytes after the last counted record",
     DROP_OR_FORMERR, Q(edns=0) + b"\x00\x00\x29"),
    ("ancount-1-missing", "ANCOUNT=1 but no answer record follows",
     DROP_OR_FORMERR, build("www.lab.test", "A", qid=0x1234, ancount=1)),
    ("arcount-1-missing", "ARCOUNT=1 but no record follows",
     DROP_OR_FORMERR, build("www.lab.test", "A", qid=0x1234, arcount=1)),
    ("two-opt", "two OPT records (RFC 6891 section 6.1.1: FORMERR)", "FORMERR",
     build("www.lab.test", "A", qid=0x1234, arcount=2) + opt_rr() + opt_rr()),
    ("opt-owner-not-root", "OPT owned by www.lab.test, not the root "
     "(RFC 6891 section 6.1.2)", "FORMERR",
     build("www.lab.test", "A", qid=0x1234, arcount=1)
     + opt_rr(owner=wire_name("www.lab.test"))),
    ("opt-option-overruns-rdata", "an option whose length runs past RDLEN",
     "FORMERR", build("www.lab.test", "A", qid=0x1234, arcount=1)
     + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 6)
     + struct.pack("!HH", 10, 8) + b"\x01\x02"),
    ("opt-option-truncated-header", "RDLEN 3: an option header cut short",
     "FORMERR", build("www.lab.test", "A", qid=0x1234, arcount=1)
     + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 3) + b"\x00\x0a\x00"),
    ("opt-truncated", "the OPT record stops in its fixed part",
     DROP_OR_FORMERR, Q(edns=0)[:-5]),
    ("opt-rdlen-past-end", "OPT RDLEN larger than what is left",
     DROP_OR_FORMERR, build("www.lab.test", "A", qid=0x1234, arcount=1)
     + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 40) + b"\x00\x0a\x00\x08"),
    ("opt-in-answer-section", "an OPT record in the answer section "
     "(RFC 6891 section 6.1.1: only in the additional section)", DROP_OR_FORMERR,
     build("www.lab.test", "A", qid=0x1234, ancount=1) + opt_rr()),
    ("edns-version-1", "EDNS version 1: BADVERS (RFC 6891 section 6.1.3)",
     "BADVERS", Q(edns=1)),
    ("edns-version-255", "EDNS version 255: BADVERS", "BADVERS", Q(edns=255)),
    ("opcode-iquery", "opcode 1, IQUERY (obsolete): NOTIMP", "NOTIMP", Q(opcode=1)),
    ("opcode-status", "opcode 2, STATUS: NOTIMP", "NOTIMP", Q(opcode=2)),
    ("opcode-notify", "opcode 4, NOTIFY for a name that is no zone of ours: "
     "NOTAUTH (RFC 1996, as Knot)", "NOTAUTH", Q(opcode=4)),
    ("opcode-update", "opcode 5, UPDATE: NOTIMP", "NOTIMP", Q(opcode=5)),
    ("opcode-15", "opcode 15, unassigned: NOTIMP", "NOTIMP", Q(opcode=15)),
    ("random-garbage-512", "512 bytes of deterministic noise (its header says "
     "opcode 2, so NOTIMP is a fair answer too)", "FORMERR|NOTIMP|none",
     bytes((i * 131 + 17) % 256 for i in range(512))),
    ("big-garbage-tail", "a good query followed by 3000 zero bytes",
     DROP_OR_FORMERR, Q() + b"\x00" * 3000),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for old in os.listdir(here):
        if old.endswith(".hex"):
            os.remove(os.path.join(here, old))
    for name, why, expect, pkt in CASES:
        with open(os.path.join(here, name + ".hex"), "w") as f:
            f.write("# %s\n# expect: %s\n" % (why, expect))
            h = pkt.hex()
            for i in range(0, len(h), 64):
                f.write(h[i:i + 64] + "\n")
    print("%d cases written" % len(CASES))


if __name__ == "__main__":
    main()
