"""Outgoing mail (邮件通知) through the installation's SMTP server (stdlib ``smtplib``).

Settings: ``smtp_url`` (``smtp://[user:password@]host[:port]``, optionally upgraded with STARTTLS by
``smtp_starttls``, or ``smtps://`` for implicit TLS), ``smtp_from`` (the sender) and ``public_url`` (the
base of links). Without ``smtp_url`` nothing can be sent: :meth:`Mailer.require` answers the problem
``mail.not_configured`` (503), so a caller refuses before it changes anything. A server that refuses or
cannot be reached answers ``mail.send_failed`` (502).

Sending is slow network I/O: callers send after their write transaction has committed, never inside it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import unquote, urlsplit

from parkcarbon.services.errors import ServiceError
from parkcarbon.settings import Settings

__all__ = ["MailFailed", "MailNotConfigured", "Mailer", "Message"]


class MailNotConfigured(ServiceError):
    status = 503
    title = "Mail not configured"
    code = "mail.not_configured"


class MailFailed(ServiceError):
    status = 502
    title = "Mail not sent"
    code = "mail.send_failed"


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str


@dataclass(frozen=True)
class Mailer:
    """The SMTP client of one installation (built from :class:`~parkcarbon.settings.Settings`)."""

    url: str | None
    sender: str | None
    starttls: bool = False
    timeout_s: float = 20.0
    public_url: str = "http://127.0.0.1:8080"

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer:
        return cls(
            url=settings.smtp_url,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
            timeout_s=settings.smtp_timeout_seconds,
            public_url=settings.resolved_public_url,
        )

    @property
    def configured(self) -> bool:
        return bool(self.url and self.sender)

    def require(self) -> None:
        """Refuse (503 ``mail.not_configured``) when the installation cannot send mail."""
        if not self.configured:
            raise MailNotConfigured(
                "no outgoing mail server is configured (set PARKCARBON_SMTP_URL and PARKCARBON_SMTP_FROM)"
            )

    def link(self, path: str) -> str:
        return f"{self.public_url}{path}"

    def send(self, message: Message) -> None:
        """Deliver one message; raises :class:`MailFailed` when the server refuses or is unreachable."""
        self.require()
        if self.url is None or self.sender is None:  # for the type checker; require() refused already
            raise MailNotConfigured("no outgoing mail server is configured")
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[-1] or None)
        mail.set_content(message.text)
        parts = urlsplit(self.url)
        host = parts.hostname or "localhost"
        implicit_tls = parts.scheme == "smtps"
        port = parts.port or (465 if implicit_tls else 587 if self.starttls else 25)
        try:
            if implicit_tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port, timeout=self.timeout_s, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(host, port, timeout=self.timeout_s)
            with client:
                if self.starttls and not implicit_tls:
                    client.starttls(context=ssl.create_default_context())
                if parts.username:
                    client.login(unquote(parts.username), unquote(parts.password or ""))
                refused = client.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailFailed(
                f"the mail server did not accept the message: {type(exc).__name__}",
                errors=[{"field": "email", "reason": "not delivered", "code": "mail.send_failed"}],
            ) from exc
        if refused:
            raise MailFailed(
                "the mail server refused the recipient",
                errors=[{"field": "email", "reason": "recipient refused", "code": "mail.send_failed"}],
            )
