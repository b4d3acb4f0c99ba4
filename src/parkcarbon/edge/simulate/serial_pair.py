"""A virtual null-modem cable: two pseudo-terminals whose traffic is cross-connected.

What one program writes to :attr:`SerialPair.port_a` the other reads from
:attr:`SerialPair.port_b` and vice versa — like ``socat pty,raw,echo=0 pty,raw,echo=0`` but
in-process and without an external tool. Both ends are real tty devices, so pyserial (and the
Modbus RTU / DL/T 645 code on top of it) opens them like any ``/dev/ttyUSB0``. POSIX only.

Baud rate, parity and timing are not emulated: bytes pass at memory speed.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty

__all__ = ["SerialPair"]


class SerialPair:
    """Two cross-connected pseudo-terminals; a context manager.

    Attributes
    ----------
    port_a, port_b
        Device paths of the two ends (``/dev/pts/N``).
    """

    def __init__(self) -> None:
        self._ma, self._sa = os.openpty()
        self._mb, self._sb = os.openpty()
        for fd in (self._sa, self._sb):
            tty.setraw(fd)  # no echo, no line discipline before pyserial configures the port
        self.port_a = os.ttyname(self._sa)
        self.port_b = os.ttyname(self._sb)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._pump, name="serial-pair", daemon=True)
        self.bytes_a_to_b = 0
        self.bytes_b_to_a = 0
        self._started = False

    def start(self) -> SerialPair:
        """Start copying bytes between the ends."""
        if not self._started:
            self._thread.start()
            self._started = True
        return self

    def _pump(self) -> None:
        peer = {self._ma: self._mb, self._mb: self._ma}
        while True:
            readable, _, _ = select.select([self._ma, self._mb, self._stop_r], [], [])
            if self._stop_r in readable:
                return
            for fd in readable:
                try:
                    data = os.read(fd, 4096)
                except OSError:  # EIO: no process has the slave open right now
                    continue
                if not data:
                    continue
                if fd == self._ma:
                    self.bytes_a_to_b += len(data)
                else:
                    self.bytes_b_to_a += len(data)
                view = memoryview(data)
                while view:
                    n = os.write(peer[fd], view)
                    view = view[n:]

    def close(self) -> None:
        """Stop the pump and close all descriptors (idempotent)."""
        if self._started:
            os.write(self._stop_w, b"x")
            self._thread.join(5)
            self._started = False
        for fd in (self._ma, self._sa, self._mb, self._sb, self._stop_r, self._stop_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._ma = self._sa = self._mb = self._sb = self._stop_r = self._stop_w = -1

    def __enter__(self) -> SerialPair:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
