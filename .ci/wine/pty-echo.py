#!/usr/bin/env python3
"""A loopback plug for a COM port under wine: opens a pty, links its
device path to argv[1] (for `$WINEPREFIX/dosdevices/com5`), and writes
every byte that arrives back to the sender until killed, or until the
shell that started it is gone (so a failed CI step leaves nothing behind)."""
import os
import pty
import select
import sys
import tty

master, slave = pty.openpty()
tty.setraw(slave)  # no echo, no line discipline: bytes pass as they are
link = sys.argv[1]
if os.path.lexists(link):
    os.remove(link)
os.symlink(os.ttyname(slave), link)
print(f"pty-echo: {link} -> {os.ttyname(slave)}", flush=True)
# the slave stays open here, so the master never sees a hang-up when the
# program under test closes the port
parent = os.getppid()
while os.getppid() == parent:
    if not select.select([master], [], [], 1.0)[0]:
        continue
    try:
        data = os.read(master, 4096)
    except OSError:
        break
    while data:
        data = data[os.write(master, data):]
