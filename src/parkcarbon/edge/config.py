"""``gateway.toml``: the edge gateway's configuration (网关配置).

:func:`load_config` reads and validates the whole file up front; every error names the key
(``devices[1].points.forward_active_energy.meter``) and says what a valid value looks like.
The reference of all keys is ``docs/gateway.md``; a commented example lives in
``examples/gateway/gateway.toml``.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from parkcarbon.edge.errors import ConfigError, ProfileError
from parkcarbon.edge.profiles import Point, Profile, load_profile
from parkcarbon.edge.units import UnitError, conversion_factor

__all__ = [
    "DeviceConfig",
    "ForwardConfig",
    "GatewayConfig",
    "HttpConfig",
    "MqttConfig",
    "PointMapping",
    "RetryConfig",
    "load_config",
    "parse_config",
]

Protocol = Literal["modbus_tcp", "modbus_rtu", "dlt645_tcp", "dlt645_serial"]
PROTOCOLS: Final = ("modbus_tcp", "modbus_rtu", "dlt645_tcp", "dlt645_serial")
_PROFILE_PROTOCOL: Final = {
    "modbus_tcp": "modbus",
    "modbus_rtu": "modbus",
    "dlt645_tcp": "dlt645",
    "dlt645_serial": "dlt645",
}
# an MQTT topic level and a safe identifier: no '/', '+', '#', whitespace
_ID_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_METER_CODE_RE: Final = re.compile(r"^\S{1,128}$")


@dataclass(frozen=True)
class RetryConfig:
    """Exponential backoff with jitter for failed deliveries.

    ``delay_n = min(max_s, initial_s × multiplier^n) × U(1 − jitter, 1)`` [s].
    """

    initial_s: float = 1.0
    max_s: float = 300.0
    multiplier: float = 2.0
    jitter: float = 0.5


@dataclass(frozen=True)
class MqttConfig:
    """MQTT forwarding (paho-mqtt 2, QoS 1, persistent session)."""

    host: str
    port: int
    tls: bool
    client_id: str
    qos: int = 1
    protocol: Literal["5", "3.1.1"] = "5"
    keepalive_s: int = 30
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    ack_timeout_s: float = 30.0
    session_expiry_s: int = 7 * 24 * 3600
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 60.0


@dataclass(frozen=True)
class HttpConfig:
    """HTTPS forwarding to the platform's batch API."""

    base_url: str
    api_key: str = field(repr=False)
    timeout_s: float = 10.0
    verify_tls: bool = True
    ca_file: str | None = None


@dataclass(frozen=True)
class ForwardConfig:
    """Which transport carries readings to the platform."""

    transport: Literal["mqtt", "http"]
    mqtt: MqttConfig | None = None
    http: HttpConfig | None = None


@dataclass(frozen=True)
class PointMapping:
    """A profile point routed to a platform meter.

    ``reported = (raw × scale + offset) × unit_factor × multiplier`` where ``multiplier`` is the
    device's transformer ratio for the point's ``ratio`` times the mapping's own multiplier.
    """

    point: Point
    meter_code: str
    multiplier: float
    report_unit: str
    unit_factor: float


@dataclass(frozen=True)
class DeviceConfig:
    """One meter (or one logical device behind a gateway port)."""

    name: str
    protocol: Protocol
    profile: Profile
    points: tuple[PointMapping, ...]
    host: str | None = None
    port: int | None = None
    serial_port: str | None = None
    baudrate: int = 9600
    bytesize: int = 8
    parity: Literal["N", "E", "O"] = "N"
    stopbits: int = 1
    unit_id: int = 1
    address: str | None = None
    timeout_s: float = 3.0
    ct_ratio: float = 1.0
    pt_ratio: float = 1.0

    @property
    def bus(self) -> str:
        """Key of the physical link; devices on one bus are polled one after another."""
        if self.serial_port is not None:
            return f"serial:{self.serial_port}"
        return f"tcp:{self.host}:{self.port}"


@dataclass(frozen=True)
class GatewayConfig:
    """The validated gateway configuration."""

    gateway_id: str
    park_code: str
    timezone: ZoneInfo
    poll_interval_s: float
    queue_path: Path
    heartbeat_interval_s: float
    batch_size: int
    forward: ForwardConfig
    retry: RetryConfig
    devices: tuple[DeviceConfig, ...]
    source: str | None = None

    @property
    def readings_topic(self) -> str:
        """``parkcarbon/{park_code}/{gateway_id}/readings``."""
        return f"parkcarbon/{self.park_code}/{self.gateway_id}/readings"

    @property
    def status_topic(self) -> str:
        """``parkcarbon/{park_code}/{gateway_id}/status`` (retained heartbeat and last will)."""
        return f"parkcarbon/{self.park_code}/{self.gateway_id}/status"


# ---------------------------------------------------------------------------- helpers


class _Reader:
    """Typed access to a TOML table that reports errors by dotted key."""

    def __init__(self, table: Mapping[str, Any], where: str, source: str | None) -> None:
        self.table = table
        self.where = where
        self.source = source

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def error(self, name: str, reason: str) -> ConfigError:
        return ConfigError(self.key(name), reason, source=self.source)

    def only(self, *allowed: str) -> None:
        unknown = sorted(set(self.table) - set(allowed))
        if unknown:
            raise self.error(unknown[0], f"unknown key; allowed here: {', '.join(allowed)}")

    def has(self, name: str) -> bool:
        return name in self.table

    def text(self, name: str, default: Any = ...) -> Any:
        return self._typed(name, str, "a string", default)

    def integer(self, name: str, default: Any = ..., *, lo: int | None = None, hi: int | None = None) -> Any:
        value = self._typed(name, int, "an integer", default)
        if value is not None and value is not default:
            if lo is not None and value < lo:
                raise self.error(name, f"must be ≥ {lo}, got {value}")
            if hi is not None and value > hi:
                raise self.error(name, f"must be ≤ {hi}, got {value}")
        return value

    def number(
        self,
        name: str,
        default: Any = ...,
        *,
        positive: bool = False,
        lo: float | None = None,
        hi: float | None = None,
    ) -> Any:
        value = self._typed(name, (int, float), "a number", default)
        if value is None or value is default:
            return value
        value = float(value)
        if not math.isfinite(value):
            raise self.error(name, "must be a finite number")
        if positive and value <= 0:
            raise self.error(name, f"must be > 0, got {value}")
        if lo is not None and value < lo:
            raise self.error(name, f"must be ≥ {lo}, got {value}")
        if hi is not None and value > hi:
            raise self.error(name, f"must be ≤ {hi}, got {value}")
        return value

    def flag(self, name: str, default: Any = ...) -> Any:
        return self._typed(name, bool, "true or false", default)

    def table_(self, name: str, default: Any = ...) -> Any:
        return self._typed(name, dict, "a table", default)

    def choice(self, name: str, choices: tuple[str, ...], default: Any = ...) -> Any:
        value = self.text(name, default)
        if value is not default and value not in choices:
            raise self.error(name, f"must be one of {', '.join(repr(c) for c in choices)}; got {value!r}")
        return value

    def _typed(self, name: str, typ: type | tuple[type, ...], label: str, default: Any) -> Any:
        if name not in self.table:
            if default is ...:
                raise self.error(name, f"is required ({label})")
            return default
        value = self.table[name]
        wanted = typ if isinstance(typ, tuple) else (typ,)
        if isinstance(value, bool) and bool not in wanted:
            raise self.error(name, f"must be {label}, got a boolean")
        if not isinstance(value, typ):
            raise self.error(name, f"must be {label}, got {type(value).__name__} {value!r}")
        return value


def _secret(r: _Reader, name: str, env_name: str, *, required: bool) -> str | None:
    """A secret given inline (``name``) or through an environment variable (``env_name``)."""
    inline = r.text(name, None)
    env = r.text(env_name, None)
    if inline is not None and env is not None:
        raise r.error(name, f"give either {name} or {env_name}, not both")
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise r.error(env_name, f"environment variable {env!r} is not set or empty")
        return value
    if inline is None and required:
        raise r.error(name, f"is required (or set {env_name} to the name of an environment variable)")
    return str(inline) if inline is not None else None


# ---------------------------------------------------------------------------- sections


def _parse_mqtt(r: _Reader, gateway_id: str) -> MqttConfig:
    r.only(
        "url",
        "client_id",
        "qos",
        "protocol",
        "keepalive_s",
        "username",
        "password",
        "password_env",
        "ca_file",
        "ack_timeout_s",
        "session_expiry_s",
        "reconnect_min_s",
        "reconnect_max_s",
    )
    url = r.text("url")
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise r.error("url", f"scheme must be mqtt:// or mqtts://, got {url!r}")
    if not parts.hostname:
        raise r.error("url", f"has no host: {url!r}")
    tls = parts.scheme in ("mqtts", "ssl")
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise r.error("url", f"invalid port in {url!r}") from None
    if parts.password:
        raise r.error("url", "do not put a password in the URL; use password_env")
    client_id = r.text("client_id", f"parkcarbon-{gateway_id}")
    if not client_id or len(client_id) > 128:
        raise r.error("client_id", "must be 1–128 characters")
    qos = r.integer("qos", 1)
    if qos not in (1, 2):
        raise r.error("qos", "must be 1 (at least once, the contract) or 2; QoS 0 could lose readings")
    reconnect_min = r.number("reconnect_min_s", 1.0, positive=True)
    reconnect_max = r.number("reconnect_max_s", 60.0, positive=True)
    if reconnect_max < reconnect_min:
        raise r.error("reconnect_max_s", "must be ≥ reconnect_min_s")
    return MqttConfig(
        host=parts.hostname,
        port=port,
        tls=tls,
        client_id=client_id,
        qos=qos,
        protocol=r.choice("protocol", ("5", "3.1.1"), "5"),
        keepalive_s=r.integer("keepalive_s", 30, lo=5, hi=65535),
        username=r.text("username", parts.username),
        password=_secret(r, "password", "password_env", required=False),
        ca_file=r.text("ca_file", None),
        ack_timeout_s=r.number("ack_timeout_s", 30.0, positive=True),
        session_expiry_s=r.integer("session_expiry_s", 7 * 24 * 3600, lo=0, hi=0xFFFFFFFF),
        reconnect_min_s=reconnect_min,
        reconnect_max_s=reconnect_max,
    )


def _parse_http(r: _Reader) -> HttpConfig:
    r.only("base_url", "api_key", "api_key_env", "timeout_s", "verify_tls", "ca_file")
    base_url = r.text("base_url").rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise r.error("base_url", f"must be an https:// URL, got {base_url!r}")
    api_key = _secret(r, "api_key", "api_key_env", required=True)
    return HttpConfig(
        base_url=base_url,
        api_key=api_key or "",
        timeout_s=r.number("timeout_s", 10.0, positive=True),
        verify_tls=r.flag("verify_tls", True),
        ca_file=r.text("ca_file", None),
    )


def _parse_forward(r: _Reader, gateway_id: str) -> ForwardConfig:
    r.only("transport", "mqtt", "http")
    transport = r.choice("transport", ("mqtt", "http"))
    mqtt = http = None
    if r.has("mqtt"):
        mqtt = _parse_mqtt(_Reader(r.table_("mqtt"), r.key("mqtt"), r.source), gateway_id)
    if r.has("http"):
        http = _parse_http(_Reader(r.table_("http"), r.key("http"), r.source))
    if transport == "mqtt" and mqtt is None:
        raise r.error("mqtt", "transport is 'mqtt' but there is no [forward.mqtt] table")
    if transport == "http" and http is None:
        raise r.error("http", "transport is 'http' but there is no [forward.http] table")
    return ForwardConfig(transport=transport, mqtt=mqtt, http=http)


def _parse_retry(r: _Reader) -> RetryConfig:
    r.only("initial_s", "max_s", "multiplier", "jitter")
    initial = r.number("initial_s", 1.0, positive=True)
    cap = r.number("max_s", 300.0, positive=True)
    if cap < initial:
        raise r.error("max_s", "must be ≥ initial_s")
    return RetryConfig(
        initial_s=initial,
        max_s=cap,
        multiplier=r.number("multiplier", 2.0, lo=1.0),
        jitter=r.number("jitter", 0.5, lo=0.0, hi=1.0),
    )


def _ratio_multiplier(ratio: str, ct: float, pt: float) -> float:
    return {"none": 1.0, "ct": ct, "pt": pt, "ct*pt": ct * pt}[ratio]


def _parse_points(r: _Reader, profile: Profile, ct: float, pt: float) -> tuple[PointMapping, ...]:
    if not r.table:
        raise ConfigError(r.where, "map at least one profile point to a meter code", source=r.source)
    mappings: list[PointMapping] = []
    for pname, spec in r.table.items():
        key = r.key(pname)
        point = profile.points.get(pname)
        if point is None:
            raise ConfigError(
                key,
                f"profile {profile.name!r} has no point {pname!r}; its points: {', '.join(profile.points)}",
                source=r.source,
            )
        if isinstance(spec, str):
            spec = {"meter": spec}
        if not isinstance(spec, dict):
            raise ConfigError(
                key, "must be a meter code string or a table {meter = ..., multiplier = ...}", source=r.source
            )
        pr = _Reader(spec, key, r.source)
        pr.only("meter", "multiplier", "unit")
        meter = pr.text("meter")
        if not _METER_CODE_RE.match(meter):
            raise pr.error("meter", f"must be 1–128 characters without spaces, got {meter!r}")
        own = pr.number("multiplier", 1.0)
        if own == 0:
            raise pr.error("multiplier", "must not be 0")
        report_unit = pr.text("unit", point.report_unit)
        try:
            factor = conversion_factor(point.unit, report_unit)
        except UnitError as exc:
            raise pr.error("unit", str(exc)) from None
        mappings.append(
            PointMapping(
                point=point,
                meter_code=meter,
                multiplier=_ratio_multiplier(point.ratio, ct, pt) * own,
                report_unit=report_unit,
                unit_factor=factor,
            )
        )
    return tuple(mappings)


def _parse_device(r: _Reader, base_dir: Path | None) -> DeviceConfig:
    r.only(
        "name",
        "protocol",
        "profile",
        "points",
        "host",
        "port",
        "serial_port",
        "baudrate",
        "bytesize",
        "parity",
        "stopbits",
        "unit_id",
        "address",
        "timeout_s",
        "ct_ratio",
        "pt_ratio",
    )
    name = r.text("name")
    if not _ID_RE.match(name):
        raise r.error("name", f"use letters, digits, '_', '.', '-' (max 64), got {name!r}")
    protocol = r.choice("protocol", PROTOCOLS)
    try:
        profile = load_profile(r.text("profile"), base_dir=base_dir)
    except ProfileError as exc:
        where = r.key("profile") if exc.key == "profile" else f"{r.key('profile')} → {exc.key}"
        raise ConfigError(where, exc.reason, source=r.source) from None
    if profile.protocol != _PROFILE_PROTOCOL[protocol]:
        raise r.error(
            "profile",
            f"profile {profile.name!r} is a {profile.protocol} profile; "
            f"protocol {protocol!r} needs a {_PROFILE_PROTOCOL[protocol]} profile",
        )
    ct = r.number("ct_ratio", 1.0, positive=True)
    pt = r.number("pt_ratio", 1.0, positive=True)
    host = port = serial_port = None
    if protocol.endswith("_tcp"):
        host = r.text("host")
        port = r.integer("port", 502 if protocol == "modbus_tcp" else None, lo=1, hi=65535)
        if port is None:
            raise r.error("port", "is required for dlt645_tcp (the serial-server / converter port)")
        for k in ("serial_port", "baudrate", "bytesize", "parity", "stopbits"):
            if r.has(k):
                raise r.error(k, f"is a serial setting; protocol {protocol!r} is TCP")
    else:
        serial_port = r.text("serial_port")
        for k in ("host", "port"):
            if r.has(k):
                raise r.error(k, f"is a TCP setting; protocol {protocol!r} is serial (use serial_port)")
    is_dlt = protocol.startswith("dlt645")
    address = None
    if is_dlt:
        address = r.text("address")
        if not re.fullmatch(r"[0-9]{12}", address):
            raise r.error(
                "address",
                "must be the meter's 12-digit communication address "
                f"(通信地址, as on the nameplate), e.g. '000000000001'; got {address!r}",
            )
        if r.has("unit_id"):
            raise r.error("unit_id", "is a Modbus setting; DL/T 645 meters use address")
    elif r.has("address"):
        raise r.error("address", "is a DL/T 645 setting; Modbus devices use unit_id")
    return DeviceConfig(
        name=name,
        protocol=protocol,
        profile=profile,
        points=_parse_points(_Reader(r.table_("points"), r.key("points"), r.source), profile, ct, pt),
        host=host,
        port=port,
        serial_port=serial_port,
        # DL/T 645-2007 §4.1: 2400 bit/s default, 8 data bits, even parity, 1 stop bit
        baudrate=r.integer("baudrate", 2400 if is_dlt else 9600, lo=300, hi=921600),
        bytesize=r.integer("bytesize", 8, lo=5, hi=8),
        parity=r.choice("parity", ("N", "E", "O"), "E" if is_dlt else "N"),
        stopbits=r.integer("stopbits", 1, lo=1, hi=2),
        unit_id=r.integer("unit_id", 1, lo=0, hi=247),
        address=address,
        timeout_s=r.number("timeout_s", 3.0, positive=True),
        ct_ratio=ct,
        pt_ratio=pt,
    )


def parse_config(
    data: Mapping[str, Any], *, base_dir: Path | None = None, source: str | None = None
) -> GatewayConfig:
    """Validate a parsed ``gateway.toml`` document.

    Parameters
    ----------
    data
        The TOML document as parsed by :mod:`tomllib`.
    base_dir
        Directory relative paths (queue, profiles) are resolved against.
    source
        File name used in error messages.

    Raises
    ------
    ConfigError
        Naming the offending key and the reason.
    """
    root = _Reader(data, "", source)
    root.only("gateway", "forward", "retry", "devices")
    g = _Reader(root.table_("gateway"), "gateway", source)
    g.only(
        "id", "park_code", "timezone", "poll_interval_s", "queue_path", "heartbeat_interval_s", "batch_size"
    )
    gateway_id = g.text("id")
    if not _ID_RE.match(gateway_id):
        raise g.error(
            "id", f"use letters, digits, '_', '.', '-' (it is an MQTT topic level), got {gateway_id!r}"
        )
    park_code = g.text("park_code")
    if not _ID_RE.match(park_code):
        raise g.error("park_code", f"use letters, digits, '_', '.', '-', got {park_code!r}")
    tz_name = g.text("timezone", "Asia/Shanghai")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise g.error("timezone", f"unknown IANA time zone {tz_name!r} (e.g. 'Asia/Shanghai')") from None
    queue_raw = g.text("queue_path", f"var/{gateway_id}-queue.sqlite3")
    queue_path = Path(queue_raw)
    if not queue_path.is_absolute() and base_dir is not None:
        queue_path = base_dir / queue_path
    forward = _parse_forward(_Reader(root.table_("forward"), "forward", source), gateway_id)
    retry = _parse_retry(_Reader(root.table_("retry", {}), "retry", source))

    raw_devices = root.table.get("devices")
    if not isinstance(raw_devices, list) or not raw_devices:
        raise ConfigError("devices", "add at least one [[devices]] table", source=source)
    devices: list[DeviceConfig] = []
    names: dict[str, int] = {}
    meters: dict[str, str] = {}
    buses: dict[str, DeviceConfig] = {}
    for i, raw in enumerate(raw_devices):
        where = f"devices[{i}]"
        if not isinstance(raw, dict):
            raise ConfigError(where, "must be a table", source=source)
        dev = _parse_device(_Reader(raw, where, source), base_dir)
        if dev.name in names:
            raise ConfigError(
                f"{where}.name",
                f"duplicate device name {dev.name!r} (also devices[{names[dev.name]}])",
                source=source,
            )
        names[dev.name] = i
        for m in dev.points:
            owner = meters.get(m.meter_code)
            if owner is not None:
                raise ConfigError(
                    f"{where}.points.{m.point.name}.meter",
                    f"meter code {m.meter_code!r} is already used by {owner}; each platform meter takes "
                    "readings from exactly one point",
                    source=source,
                )
            meters[m.meter_code] = f"{dev.name}.{m.point.name}"
        other = buses.get(dev.bus)
        if other is not None and dev.serial_port is not None:
            settings = ("protocol", "baudrate", "bytesize", "parity", "stopbits")
            for s in settings:
                if getattr(other, s) != getattr(dev, s):
                    raise ConfigError(
                        f"{where}.{s}",
                        f"differs from device {other.name!r} on the same serial port {dev.serial_port!r}",
                        source=source,
                    )
        if other is not None and other.protocol != dev.protocol:
            raise ConfigError(
                f"{where}.protocol",
                f"device {other.name!r} uses the same link with protocol {other.protocol!r}",
                source=source,
            )
        buses.setdefault(dev.bus, dev)
        devices.append(dev)
    return GatewayConfig(
        gateway_id=gateway_id,
        park_code=park_code,
        timezone=tz,
        poll_interval_s=g.number("poll_interval_s", 60.0, positive=True),
        queue_path=queue_path,
        heartbeat_interval_s=g.number("heartbeat_interval_s", 30.0, positive=True),
        batch_size=g.integer("batch_size", 500, lo=1, hi=100_000),
        forward=forward,
        retry=retry,
        devices=tuple(devices),
        source=source,
    )


def load_config(path: str | os.PathLike[str]) -> GatewayConfig:
    """Read and validate ``gateway.toml``.

    Relative paths inside the file (``queue_path``, profile files) are resolved against the
    file's directory.

    Raises
    ------
    ConfigError
        If the file is missing, not TOML, or invalid (naming the key).
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError("<file>", f"configuration file {str(p)!r} does not exist")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("<file>", f"not valid TOML: {exc}", source=str(p)) from exc
    return parse_config(data, base_dir=p.parent.resolve(), source=str(p))
