#!/usr/bin/env python3
"""notify_check.py SOCKET PORT QNAME -- CAIRND-COMMAND...

Plays systemd's side of Type=notify (sd_notify(3)): binds a Unix datagram
socket at SOCKET (a path, or @NAME for the abstract namespace), runs the
command with NOTIFY_SOCKET=SOCKET, and checks that

  - READY=1 arrives, with MAINPID equal to the command's pid;
  - when it arrives the server already answers QNAME (type A) on
    127.0.0.1:PORT from its zone (NOERROR with an answer): readiness comes
    after the sockets are bound and the zones loaded;
  - after SIGTERM, STOPPING=1 arrives and the process exits with status 0.

Prints one line per check ("ok ..." or "FAIL ...") and exits 1 on any
failure.
"""
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import time


def query(port, qname, timeout):
    """One UDP query for qname A; returns (rcode, ancount) or None."""
    qid = random.randrange(65536)
    wire = b"".join(bytes([len(l)]) + l.encode() for l in qname.strip(".").split(".")) + b"\0"
    pkt = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(pkt, ("127.0.0.1", port))
        while True:
            data, _ = s.recvfrom(65535)
            if len(data) >= 12 and struct.unpack("!H", data[:2])[0] == qid:
                flags, _, an = struct.unpack("!HHH", data[2:8])
                return flags & 0xF, an
    except OSError:
        return None
    finally:
        s.close()


def main():
    sockname, port, qname = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    fails = 0

    def check(ok, what):
        nonlocal fails
        print(("ok " if ok else "FAIL ") + what, flush=True)
        if not ok:
            fails += 1

    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind("\0" + sockname[1:] if sockname.startswith("@") else sockname)
    env = dict(os.environ, NOTIFY_SOCKET=sockname)
    proc = subprocess.Popen(cmd, env=env)
    messages = []
    ready = None
    got_ready = False
    deadline = time.monotonic() + 90      # sanitizer builds start slowly
    while not got_ready and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        ns.settimeout(0.5)
        try:
            data = ns.recv(4096).decode(errors="replace")
        except socket.timeout:
            continue
        fields = dict(l.split("=", 1) for l in data.split("\n") if "=" in l)
        messages.append(fields)
        if fields.get("READY") == "1":
            # at once, and on the first READY=1: the server must answer
            # now, from its loaded zone
            got_ready = True
            ready = query(port, qname, 2.0)
            check(fields.get("MAINPID") == str(proc.pid),
                  "MAINPID=%s is the server's pid %d" % (fields.get("MAINPID"), proc.pid))
    check(got_ready, "READY=1 received")
    check(ready is not None, "the server answered a query sent on receipt of READY=1")
    if ready is not None:
        check(ready[0] == 0 and ready[1] > 0,
              "the answer on READY=1 comes from the zone (rcode %d, %d answers)" % ready)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        stopping = False
        ns.settimeout(30)
        try:
            while not stopping:
                data = ns.recv(4096).decode(errors="replace")
                stopping = "STOPPING=1" in data.split("\n")
        except socket.timeout:
            pass
        check(stopping, "STOPPING=1 received after SIGTERM")
        try:
            rc = proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        check(rc == 0, "the server exited with status %d after SIGTERM" % rc)
    else:
        check(False, "the server exited early with status %d" % proc.returncode)
    ns.close()
    if not sockname.startswith("@"):
        os.unlink(sockname)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
