"""A real SMTP peer for the tests (aiosmtpd in a thread on a free port): it keeps what it receives."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

CODE_RE = re.compile(r"pci_[A-Za-z0-9_-]{20,}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MailPeer:
    """Messages received (parsed), and recipients the peer refuses with 550."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.refuse.clear()

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, timeout_s: float = 30.0) -> EmailMessage:
        """The newest message to ``address`` (waiting for one that another process sends)."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.to(address)
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail to {address} within {timeout_s:.0f} s: {self.messages}")
            time.sleep(0.1)

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    def code_for(self, address: str) -> str:
        """The invitation code in the newest mail to ``address``."""
        found = CODE_RE.findall(self.body(self.wait_for(address)))
        assert found, self.body(self.wait_for(address))
        return found[-1]

    # aiosmtpd handler hooks
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@contextmanager
def running_peer() -> Iterator[MailPeer]:
    peer = MailPeer(port=free_port())
    controller = Controller(peer, hostname=peer.host, port=peer.port)
    controller.start()
    try:
        yield peer
    finally:
        controller.stop()
