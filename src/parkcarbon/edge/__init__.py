"""Edge gateway (边缘网关): polls meters, stores readings locally, forwards them to the platform.

Standalone by design: it talks to the platform only over MQTT or HTTPS and never imports the
platform's storage, intake or services (an import-linter contract enforces it).

Typical use is the CLI (``parkcarbon edge run --config gateway.toml``); the same pieces are
available as a library::

    from parkcarbon.edge import Gateway, load_config

    gateway = Gateway(load_config("gateway.toml"))
    gateway.run()            # until SIGINT / SIGTERM (the CLI installs the handlers)

See ``docs/gateway.md`` for the configuration reference and a walkthrough.
"""

from parkcarbon.edge.clock import Clock, ManualClock, SystemClock
from parkcarbon.edge.config import GatewayConfig, load_config, parse_config
from parkcarbon.edge.errors import (
    ConfigError,
    DeviceReadError,
    EdgeError,
    LinkError,
    ProfileError,
    QueueError,
)
from parkcarbon.edge.gateway import Gateway
from parkcarbon.edge.profiles import Profile, builtin_profiles, load_profile
from parkcarbon.edge.queue import ReadingQueue
from parkcarbon.edge.readings import Reading, encode_payload

__all__ = [
    "Clock",
    "ConfigError",
    "DeviceReadError",
    "EdgeError",
    "Gateway",
    "GatewayConfig",
    "LinkError",
    "ManualClock",
    "Profile",
    "ProfileError",
    "QueueError",
    "Reading",
    "ReadingQueue",
    "SystemClock",
    "builtin_profiles",
    "encode_payload",
    "load_config",
    "load_profile",
    "parse_config",
]
