#!/usr/bin/env python3
# A minimal syslog receiver for the test harness (tests/lib/sshd.sh).
#
# Used only when the machine has no syslog daemon (no /dev/log socket):
# it binds the given datagram socket, writes one line per message to the
# output file, and touches READY_FILE once it is listening so the harness
# never races the first message.  The harness removes the socket after
# stopping it.
#
# usage: syslog-listener.py SOCKET OUTPUT READY_FILE

import os
import signal
import socket
import sys


def main():
    sock_path, out_path, ready_path = sys.argv[1:4]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    # Every process (sshd's PAM modules run as root, but su/sudo and user
    # tools may log too) must be able to send.
    os.chmod(sock_path, 0o666)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(out_path, "ab", buffering=0) as out:
        with open(ready_path, "w"):
            pass
        while True:
            data = sock.recv(65536)
            out.write(data.rstrip(b"\0\n") + b"\n")


if __name__ == "__main__":
    main()
