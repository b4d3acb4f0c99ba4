"""Rate limits of the password checks per client address (限流), with the ``limits`` library.

Every login (API token route and console) and every password change hits the address's moving window
(``PARKCARBON_AUTH_RATE_LIMIT_PER_ADDRESS``, default 30 a minute and 300 an hour) *before* argon2 runs,
so a flood from one address costs no hashing once it is over its rate. The counters live in the
``limits`` storage named by ``PARKCARBON_RATE_LIMIT_STORAGE``: ``memory://`` (one process, the default)
or a shared one (``redis://…``) when several server processes serve one installation.

The per-account side is the progressive back-off in :mod:`parkcarbon.services.accounts.auth`, kept in
the database (it must hold across processes and restarts, and it answers alike for unknown e-mails).
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from parkcarbon.services.errors import RateLimited
from parkcarbon.settings import Settings

__all__ = ["AddressLimiter"]


class AddressLimiter:
    """Moving-window limits per (route family, client address)."""

    def __init__(self, rates: str, storage_uri: str = "memory://") -> None:
        self.items: list[RateLimitItem] = parse_many(rates)
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    @classmethod
    def from_settings(cls, settings: Settings) -> AddressLimiter:
        return cls(settings.auth_rate_limit_per_address, settings.rate_limit_storage)

    def hit(self, family: str, address: str | None) -> None:
        """Count one attempt of ``address`` on ``family`` (``login``, ``password``); raise
        :class:`RateLimited` with ``retry_after_seconds`` when one of the windows is full. An unknown
        address (``None``: no client information) is not limited here."""
        if not address:
            return
        full = [item for item in self.items if not self._limiter.test(item, family, address)]
        if not full:
            for item in self.items:
                self._limiter.hit(item, family, address)
            return
        now = time.time()
        wait = max(self._limiter.get_window_stats(item, family, address).reset_time - now for item in full)
        raise RateLimited(
            f"too many password checks from this address; retry in {math.ceil(max(wait, 1))} s",
            retry_after_seconds=math.ceil(max(wait, 1)),
        )

    def reset(self) -> None:
        """Forget every counter (for an operator's reset and for tests)."""
        self._limiter.storage.reset()
