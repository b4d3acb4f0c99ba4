"""The running platform: settings plus the database handle, built once per process (or per test)."""

from __future__ import annotations

from dataclasses import dataclass, field

from parkcarbon.services.accounts.throttle import AddressLimiter
from parkcarbon.services.mail import Mailer
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.store.migrate import upgrade


@dataclass
class Runtime:
    settings: Settings
    db: Database
    _limiter: AddressLimiter | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def limiter(self) -> AddressLimiter:
        """The per-address rate limits of the password checks (built on first use, one per runtime)."""
        if self._limiter is None:
            self._limiter = AddressLimiter.from_settings(self.settings)
        return self._limiter

    @property
    def mailer(self) -> Mailer:
        """The installation's SMTP client (its settings are read per call: tests swap them)."""
        return Mailer.from_settings(self.settings)

    @classmethod
    def start(cls, settings: Settings, *, migrate: bool = True) -> Runtime:
        """Connect to the configured database and, by default, upgrade it to the newest schema."""
        db = Database.from_url(settings.resolved_database_url)
        if migrate:
            upgrade(db.engine)
        return cls(settings=settings, db=db)

    def close(self) -> None:
        self.db.dispose()
