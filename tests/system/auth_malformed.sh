#!/bin/bash
# auth_malformed: the corpus in tests/system/malformed/ (one hand-made bad
# packet per file, named by what is wrong, expected outcome inside) is sent
# over UDP and over TCP; each must get its expected outcome (FORMERR,
# NOTIMP, BADVERS, or no answer at all) and the server must answer a good
# query after every one.  Then TCP framing abuse: empty frames, frames cut
# short, connections closed mid-frame, a flood of garbage connections.
. "$top_srcdir/tests/system/lib.sh"
need dig python3

PORT=$(free_port)
write_lab_conf "$TMP/cairnd.conf" "$PORT" "tcp-idle-timeout: 3"
start_cairnd "$TMP/cairnd.conf" "$PORT"

echo "== corpus"
VERBOSE=1 check_cmd "malformed corpus" $DNSRAW corpus --port "$PORT" "$SYSDIR/malformed"
need_ipv6 "malformed corpus over IPv6" &&
	check_cmd "malformed corpus over IPv6" $DNSRAW corpus --host ::1 --port "$PORT" "$SYSDIR/malformed"

echo "== TCP framing abuse"
LAST_Q=
if python3 - "$PORT" "$SYSDIR" <<'PY'
import socket, struct, sys
sys.path.insert(0, sys.argv[2])
from dnsraw import build
port = int(sys.argv[1])
good = build("www.lab.test", "A", qid=7)
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=3)
# 1. a length prefix promising 300 bytes, 20 sent, then close
s = conn(); s.sendall(b"\x01\x2c" + good[:20]); s.close()
# 2. a single byte of length, then close
s = conn(); s.sendall(b"\x00"); s.close()
# 3. an empty frame, then a good query on the same connection: the server
#    may close, but must not answer the empty frame with garbage
s = conn(); s.sendall(b"\x00\x00" + struct.pack("!H", len(good)) + good)
try:
    hdr = s.recv(2)
    if hdr:
        n = struct.unpack("!H", hdr)[0]
        body = b""
        while len(body) < n:
            c = s.recv(n - len(body))
            if not c: break
            body += c
        assert body[:2] in (b"\x00\x07", b"\x00\x00") or n >= 12, "odd reply to an empty frame"
except (socket.timeout, ConnectionError):
    pass
s.close()
# 4. reset in the middle of a frame (RST instead of FIN)
s = conn(); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.sendall(b"\x00\x40" + good[:10]); s.close()
# 5. a query, then close before reading the answer
s = conn(); s.sendall(struct.pack("!H", len(good)) + good); s.close()
# 6. 50 connections of garbage at once
socks = []
for i in range(50):
    s = conn(); s.sendall(bytes((i * 7 + j) % 256 for j in range(64))); socks.append(s)
for s in socks:
    s.close()
# 7. a good query split byte by byte across many writes
s = conn()
import time
for b in struct.pack("!H", len(good)) + good:
    s.sendall(bytes([b])); time.sleep(0.002)
hdr = s.recv(2)
assert len(hdr) == 2, "no answer to a query sent byte by byte"
print("framing abuse done")
PY
then pass; else fail "TCP framing abuse script failed"; fi

# after all that: the server still answers, over both transports
for TRANSPORT in +notcp +tcp; do
	q www.lab.test A
	check_rcode NOERROR
	check_section ANSWER 'www.lab.test. 3600 IN A 192.0.2.80'
done
check_alive "$CAIRND_PID"
stop_pid "$CAIRND_PID"
finish
