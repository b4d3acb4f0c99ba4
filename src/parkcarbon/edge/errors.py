"""Exception tree of the edge gateway (边缘网关).

Every error names what went wrong and, where it can, what to do about it. Configuration
errors name the TOML key (``devices[2].points.import_kwh.multiplier``) and the reason.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DeviceReadError",
    "EdgeError",
    "ForwardError",
    "LinkError",
    "ProfileError",
    "QueueError",
]


class EdgeError(Exception):
    """Base class of every error raised by :mod:`parkcarbon.edge`."""


class ConfigError(EdgeError):
    """The gateway configuration is invalid.

    Parameters
    ----------
    key
        Dotted path of the offending key, e.g. ``"devices[0].port"``.
    reason
        What is wrong and, where possible, what a valid value looks like.
    source
        File the configuration was read from, if any.
    """

    def __init__(self, key: str, reason: str, *, source: str | None = None) -> None:
        self.key = key
        self.reason = reason
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key}: {reason}")


class ProfileError(ConfigError):
    """A register-map profile (built-in or user-written) is invalid."""


class DeviceReadError(EdgeError):
    """A meter did not answer, answered with an exception, or answered something undecodable.

    Parameters
    ----------
    device
        Configured device name.
    reason
        Human-readable cause (timeout, exception code, address mismatch …).
    """

    def __init__(self, device: str, reason: str) -> None:
        self.device = device
        self.reason = reason
        super().__init__(f"device {device!r}: {reason}")


class LinkError(DeviceReadError):
    """The link to a device failed as a whole: no connection, or no answer at all.

    Unlike a per-point error (an exception response), the remaining points of the device are
    not tried in the same poll, and the link is reconnected at the next poll.
    """


class QueueError(EdgeError):
    """The local store-and-forward queue cannot be opened or is corrupt."""


class ForwardError(EdgeError):
    """A forwarder was misconfigured (not: a transient delivery failure, which is retried)."""
