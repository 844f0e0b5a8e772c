#!/usr/bin/env python3
"""free_port.py: prints a port free for UDP and TCP on 127.0.0.1 (and ::1
with --ipv6), for a system test's server.

  free_port.py [--ipv6] [--record FILE]

Tests run in parallel (make -j check), so two of them must not pick the
same port, and a server must not find its port taken by a client's socket:

- the port is chosen below the kernel's ephemeral range
  (/proc/sys/net/ipv4/ip_local_port_range), where the source ports of
  clients (dig, the resolvers' upstream queries, ...) are never allocated;
- it is reserved by creating the directory $TMPDIR/cairn-ports/PORT
  (mkdir is atomic): another test's free_port.py skips it.  --record FILE
  appends that directory's path to FILE, so that the test removes its
  reservations when it ends (lib.sh, cdig/lib.sh); a reservation left by a
  killed test expires after an hour;
- nothing may be bound on it at the moment (bind without SO_REUSEADDR,
  which also fails while a TCP connection on it is in TIME_WAIT).
"""
import errno
import os
import random
import socket
import sys
import time

STALE = 3600


def candidates():
    lo, hi = 32768, 60999
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        pass
    if lo - 10000 >= 2000:
        return 10000, lo - 1
    if 65535 - hi >= 2000:
        return hi + 1, 65535
    return 20000, 59999


def bindable(port, ipv6):
    socks = []
    try:
        for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            if fam == socket.AF_INET6 and not ipv6:
                continue
            for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(fam, typ)
                socks.append(s)
                s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def reserve(base, port):
    path = os.path.join(base, str(port))
    try:
        os.mkdir(path)
        return path
    except FileExistsError:
        pass
    try:
        if time.time() - os.stat(path).st_mtime > STALE:
            os.rmdir(path)          # left by a killed test: take it over
            os.mkdir(path)
            return path
    except OSError:
        pass
    return None


def main():
    args = sys.argv[1:]
    ipv6 = "--ipv6" in args
    record = args[args.index("--record") + 1] if "--record" in args else None
    base = os.path.join(os.environ.get("TMPDIR") or "/tmp", "cairn-ports")
    try:
        os.makedirs(base, exist_ok=True)
        os.chmod(base, 0o1777)
    except OSError as e:
        if e.errno != errno.EPERM:
            raise
    lo, hi = candidates()
    for _ in range(1000):
        port = random.randint(lo, hi)
        path = reserve(base, port)
        if path is None:
            continue
        if not bindable(port, ipv6):
            os.rmdir(path)
            continue
        if record:
            with open(record, "a") as f:
                f.write(path + "\n")
        print(port)
        return 0
    print("free_port.py: no free port in %d..%d" % (lo, hi), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
