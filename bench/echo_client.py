"""The floor for the round trip: a minimal raw-socket IRC client that answers ``!echo`` in its channel.

``!echo5`` gets five lines in one write, as ``!successes`` gets from the bot:
what the server and the timing client alone cost for a reply of five lines.

Usage: echo_client.py PORT NICK CHANNEL. It prints ``joined`` once in the channel.
"""

from __future__ import annotations

import socket
import sys


def main() -> None:
    port, nick, channel = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n".encode())
    trigger = f" PRIVMSG {channel} :!echo".encode()
    five = f" PRIVMSG {channel} :!echo5".encode()
    listing = "".join(f"PRIVMSG {channel} :#{n} Mon 14 Mar 2016 10:00 UTC timer: seeded {n}\r\n" for n in range(5))
    pending = b""
    while True:
        data = sock.recv(65536)
        if not data:
            return
        pending += data
        *lines, pending = pending.split(b"\r\n")
        for line in lines:
            if line.startswith(b"PING"):
                sock.sendall(b"PONG" + line[4:] + b"\r\n")
            elif b" 001 " in line:
                sock.sendall(f"JOIN {channel}\r\n".encode())
            elif b" JOIN " in line and line.startswith(f":{nick}!".encode()):
                print("joined", flush=True)
            elif five in line:
                sock.sendall(listing.encode())
            elif trigger in line:
                sock.sendall(f"PRIVMSG {channel} :echo\r\n".encode())


if __name__ == "__main__":
    main()
