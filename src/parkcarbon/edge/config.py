"""``gateway.toml``: the edge gateway's configuration (网关配置).

:func:`load_config` reads and validates the whole file up front; every error names the key
(``devices[1].points.forward_active_energy.meter``) and says what a valid value looks like.
The reference of all keys is ``docs/gateway.md``; a commented example lives in
``examples/gateway/gateway.toml``.

Pydantic models of the tables check types, ranges, allowed values, unknown keys, the keys of one
protocol or transport, and secrets from the environment; :func:`parse_config` then resolves each
device's profile and points, protocol defaults, and the checks across devices (unique names and
meter codes, one protocol and line setting per link). The first problem is raised as ConfigError.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from parkcarbon.edge.errors import ConfigError, ProfileError
from parkcarbon.edge.profiles import Point, Profile, load_profile
from parkcarbon.edge.units import UnitError, conversion_factor
from parkcarbon.pydantic_errors import EXPECTED, field_path, refuse, translate

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


# ---------------------------------------------------------------------------- the document's tables


def _fail(reason: str) -> Exception:
    return refuse("config", reason)


def _rule(test: Callable[[Any], object], reason: str) -> AfterValidator:
    """Accept a value only if ``test(value)`` is truthy; ``reason`` may use ``{v!r}``."""

    def check(value: Any) -> Any:
        if value is not None and not test(value):
            raise _fail(reason.format(v=value))
        return value

    return AfterValidator(check)


def _not_below(other: str) -> AfterValidator:
    """A bound that must not be smaller than the field ``other`` of the same table."""

    def check(value: float, info: ValidationInfo) -> float:
        if value < info.data.get(other, value):
            raise _fail(f"must be ≥ {other}")
        return value

    return AfterValidator(check)


def _env_is_set(name: str | None) -> str | None:
    """A ``<secret>_env`` key names an environment variable that is set."""
    if name is not None and not os.environ.get(name):
        raise _fail(f"environment variable {name!r} is not set or empty")
    return name


def _one_secret(env_key: str, *, required: bool) -> AfterValidator:
    """The secret is given inline or through ``env_key``, not both (and, if required, one of them)."""

    def check(value: str | None, info: ValidationInfo) -> str | None:
        has_env = info.data.get(env_key) is not None
        name = str(info.field_name)
        if value is not None and has_env:
            raise _fail(f"give either {name} or {env_key}, not both")
        if required and value is None and not has_env and env_key in info.data:
            raise _fail(f"is required (or set {env_key} to the name of an environment variable)")
        return value

    return AfterValidator(check)


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _mqtt_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise _fail(f"scheme must be mqtt:// or mqtts://, got {url!r}")
    if not parts.hostname:
        raise _fail(f"has no host: {url!r}")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise _fail(f"invalid port in {url!r}") from None
    if parts.password:
        raise _fail("do not put a password in the URL; use password_env")
    return url


Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
_TopicLevel = Annotated[
    str, _rule(_ID_RE.match, "use letters, digits, '_', '.', '-' (it is an MQTT topic level), got {v!r}")
]
_EnvName = Annotated[str | None, AfterValidator(_env_is_set)]


class _Table(BaseModel):
    """A TOML table: native TOML types only (no coercion), unknown keys refused."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _Gateway(_Table):
    id: _TopicLevel
    park_code: Annotated[str, _rule(_ID_RE.match, "use letters, digits, '_', '.', '-', got {v!r}")]
    timezone: Annotated[str, _rule(_is_zone, "unknown IANA time zone {v!r} (e.g. 'Asia/Shanghai')")] = (
        "Asia/Shanghai"
    )
    poll_interval_s: Positive = 60.0
    queue_path: str | None = None
    heartbeat_interval_s: Positive = 30.0
    batch_size: Annotated[int, Field(ge=1, le=100_000)] = 500


class _Mqtt(_Table):
    url: Annotated[str, AfterValidator(_mqtt_url)]
    client_id: Annotated[str | None, _rule(lambda v: 1 <= len(v) <= 128, "must be 1–128 characters")] = None
    qos: Annotated[
        int,
        _rule(
            lambda v: v in (1, 2), "must be 1 (at least once, the contract) or 2; QoS 0 could lose readings"
        ),
    ] = 1
    protocol: Literal["5", "3.1.1"] = "5"
    keepalive_s: Annotated[int, Field(ge=5, le=65535)] = 30
    username: str | None = None
    password_env: _EnvName = None
    password: Annotated[str | None, _one_secret("password_env", required=False)] = None
    ca_file: str | None = None
    ack_timeout_s: Positive = 30.0
    session_expiry_s: Annotated[int, Field(ge=0, le=0xFFFFFFFF)] = 7 * 24 * 3600
    reconnect_min_s: Positive = 1.0
    reconnect_max_s: Annotated[Positive, _not_below("reconnect_min_s")] = 60.0


class _Http(_Table):
    base_url: Annotated[
        str,
        AfterValidator(lambda v: v.rstrip("/")),
        _rule(
            lambda v: urlsplit(v).scheme in ("https", "http") and urlsplit(v).hostname,
            "must be an https:// URL, got {v!r}",
        ),
    ]
    api_key_env: _EnvName = None
    api_key: Annotated[str | None, _one_secret("api_key_env", required=True)] = Field(
        default=None, validate_default=True
    )
    timeout_s: Positive = 10.0
    verify_tls: bool = True
    ca_file: str | None = None


class _Forward(_Table):
    transport: Literal["mqtt", "http"]
    mqtt: _Mqtt | None = Field(default=None, validate_default=True)
    http: _Http | None = Field(default=None, validate_default=True)

    @field_validator("mqtt", "http")
    @classmethod
    def _table_of_transport(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.data.get("transport") == info.field_name:
            raise _fail(f"transport is {info.field_name!r} but there is no [forward.{info.field_name}] table")
        return value


class _Retry(_Table):
    initial_s: Positive = 1.0
    max_s: Annotated[Positive, _not_below("initial_s")] = 300.0
    multiplier: Annotated[float, Field(ge=1.0, allow_inf_nan=False)] = 2.0
    jitter: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5


class _Point(_Table):
    meter: Annotated[str, _rule(_METER_CODE_RE.match, "must be 1–128 characters without spaces, got {v!r}")]
    multiplier: Annotated[float, Field(allow_inf_nan=False), _rule(lambda v: v != 0, "must not be 0")] = 1.0
    unit: str | None = None


_TCP, _SERIAL = ("modbus_tcp", "dlt645_tcp"), ("modbus_rtu", "dlt645_serial")
_DLT645 = ("dlt645_tcp", "dlt645_serial")
_SERIAL_ONLY = "is a serial setting; protocol {p!r} is TCP"
#: Keys that apply to some protocols only: key → (those protocols, reason elsewhere, required there).
_PROTOCOL_KEYS: Final[dict[str, tuple[tuple[str, ...], str, bool]]] = {
    "host": (_TCP, "is a TCP setting; protocol {p!r} is serial (use serial_port)", True),
    "port": (_TCP, "is a TCP setting; protocol {p!r} is serial (use serial_port)", False),
    "serial_port": (_SERIAL, _SERIAL_ONLY, True),
    **dict.fromkeys(("baudrate", "bytesize", "parity", "stopbits"), (_SERIAL, _SERIAL_ONLY, False)),
    "unit_id": (("modbus_tcp", "modbus_rtu"), "is a Modbus setting; DL/T 645 meters use address", False),
    "address": (_DLT645, "is a DL/T 645 setting; Modbus devices use unit_id", True),
}


class _Device(_Table):
    name: Annotated[str, _rule(_ID_RE.match, "use letters, digits, '_', '.', '-' (max 64), got {v!r}")]
    protocol: Protocol
    profile: str
    points: dict[str, _Point]
    host: str | None = Field(default=None, validate_default=True)
    port: Annotated[int, Field(ge=1, le=65535)] | None = Field(default=None, validate_default=True)
    serial_port: str | None = Field(default=None, validate_default=True)
    baudrate: Annotated[int, Field(ge=300, le=921600)] | None = None
    bytesize: Annotated[int, Field(ge=5, le=8)] | None = None
    parity: Literal["N", "E", "O"] | None = None
    stopbits: Annotated[int, Field(ge=1, le=2)] | None = None
    unit_id: Annotated[int, Field(ge=0, le=247)] | None = None
    address: str | None = Field(default=None, validate_default=True)
    timeout_s: Positive = 3.0
    ct_ratio: Positive = 1.0
    pt_ratio: Positive = 1.0

    @field_validator("points", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        if not value:
            raise _fail("map at least one profile point to a meter code")
        out: dict[str, Any] = {}
        for name, spec in value.items():
            if not isinstance(spec, str | Mapping):
                raise refuse(
                    "config",
                    "must be a meter code string or a table {meter = ..., multiplier = ...}",
                    at=str(name),
                )
            out[name] = {"meter": spec} if isinstance(spec, str) else spec
        return out

    @field_validator(
        "host", "port", "serial_port", "baudrate", "bytesize", "parity", "stopbits", "unit_id", "address"
    )
    @classmethod
    def _applies_to_protocol(cls, value: Any, info: ValidationInfo) -> Any:
        protocol = info.data.get("protocol")
        if protocol is None:  # invalid protocol: reported there
            return value
        key = str(info.field_name)
        protocols, elsewhere, required = _PROTOCOL_KEYS[key]
        if protocol not in protocols:
            if value is not None:
                raise _fail(elsewhere.format(p=protocol))
            return value
        if value is None and (required or (key == "port" and protocol == "dlt645_tcp")):
            raise _fail(
                "is required for dlt645_tcp (the serial-server / converter port)"
                if key == "port"
                else "is required"
            )
        if key == "address" and not re.fullmatch(r"[0-9]{12}", value):
            raise _fail(
                "must be the meter's 12-digit communication address "
                f"(通信地址, as on the nameplate), e.g. '000000000001'; got {value!r}"
            )
        return value


class _Document(_Table):
    gateway: _Gateway
    forward: _Forward
    retry: _Retry = _Retry()
    devices: Annotated[list[_Device], _rule(len, "add at least one [[devices]] table")] = Field(
        default=[], validate_default=True
    )


_TOML_EXPECTED: Final = {**EXPECTED, "dict_type": "a table", "model_type": "a table"}


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys of the table at ``loc`` (for an unknown-key error)."""
    model: Any = _Document
    for part in loc:
        if isinstance(part, int):
            continue
        field_info = model.model_fields.get(part)
        if field_info is None:
            break
        ann = field_info.annotation
        candidates = [ann, *getattr(ann, "__args__", ())]
        tables = [c for c in candidates if isinstance(c, type) and issubclass(c, _Table)]
        if not tables:
            return []
        model = tables[0]
    return list(model.model_fields)


def _config_error(exc: ValidationError, source: str | None) -> ConfigError:
    """The first problem of a validation error, naming its key."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    reason, _code = translate(err, expected=_TOML_EXPECTED, got=", got ")
    if err["type"] == "extra_forbidden":
        reason = f"unknown key; allowed here: {', '.join(_allowed_keys(loc[:-1]))}"
    at = (err.get("ctx") or {}).get("at")
    key = field_path(loc) + (f".{at}" if at else "")
    return ConfigError(key or "<file>", reason, source=source)


# ---------------------------------------------------------------------------- resolution


def _secret(inline: str | None, env_name: str | None) -> str | None:
    return os.environ.get(env_name) if env_name is not None else inline


def _forward(f: _Forward, gateway_id: str) -> ForwardConfig:
    mqtt = http = None
    if f.mqtt is not None:
        m, parts = f.mqtt, urlsplit(f.mqtt.url)
        tls = parts.scheme in ("mqtts", "ssl")
        mqtt = MqttConfig(
            **m.model_dump(exclude={"url", "password_env"})
            | {
                "host": str(parts.hostname),
                "port": parts.port or (8883 if tls else 1883),
                "tls": tls,
                "client_id": m.client_id or f"parkcarbon-{gateway_id}",
                "username": m.username if m.username is not None else parts.username,
                "password": _secret(m.password, m.password_env),
            }
        )
    if f.http is not None:
        api_key = _secret(f.http.api_key, f.http.api_key_env) or ""
        http = HttpConfig(**f.http.model_dump(exclude={"api_key_env"}) | {"api_key": api_key})
    return ForwardConfig(transport=f.transport, mqtt=mqtt, http=http)


def _ratio_multiplier(ratio: str, ct: float, pt: float) -> float:
    return {"none": 1.0, "ct": ct, "pt": pt, "ct*pt": ct * pt}[ratio]


def _points(d: _Device, profile: Profile, where: str, source: str | None) -> tuple[PointMapping, ...]:
    mappings: list[PointMapping] = []
    for pname, spec in d.points.items():
        key = f"{where}.points.{pname}"
        point = profile.points.get(pname)
        if point is None:
            raise ConfigError(
                key,
                f"profile {profile.name!r} has no point {pname!r}; its points: {', '.join(profile.points)}",
                source=source,
            )
        report_unit = spec.unit or point.report_unit
        try:
            factor = conversion_factor(point.unit, report_unit)
        except UnitError as exc:
            raise ConfigError(f"{key}.unit", str(exc), source=source) from None
        mappings.append(
            PointMapping(
                point=point,
                meter_code=spec.meter,
                multiplier=_ratio_multiplier(point.ratio, d.ct_ratio, d.pt_ratio) * spec.multiplier,
                report_unit=report_unit,
                unit_factor=factor,
            )
        )
    return tuple(mappings)


def _device(d: _Device, where: str, base_dir: Path | None, source: str | None) -> DeviceConfig:
    try:
        profile = load_profile(d.profile, base_dir=base_dir)
    except ProfileError as exc:
        key = f"{where}.profile" if exc.key == "profile" else f"{where}.profile → {exc.key}"
        raise ConfigError(key, exc.reason, source=source) from None
    needed = _PROFILE_PROTOCOL[d.protocol]
    if profile.protocol != needed:
        raise ConfigError(
            f"{where}.profile",
            f"profile {profile.name!r} is a {profile.protocol} profile; "
            f"protocol {d.protocol!r} needs a {needed} profile",
            source=source,
        )
    is_dlt = d.protocol.startswith("dlt645")
    # DL/T 645-2007 §4.1: 2400 bit/s default, 8 data bits, even parity, 1 stop bit
    defaults = {
        "port": 502 if d.protocol == "modbus_tcp" else None,
        "baudrate": 2400 if is_dlt else 9600,
        "bytesize": 8,
        "parity": "E" if is_dlt else "N",
        "stopbits": 1,
        "unit_id": 1,
    }
    given = d.model_dump(exclude={"profile", "points"})
    given |= {k: v for k, v in defaults.items() if given[k] is None}
    return DeviceConfig(**given, profile=profile, points=_points(d, profile, where, source))


def _check_links(devices: list[DeviceConfig], source: str | None) -> None:
    """Across devices: unique names and meter codes; one protocol and one line setting per link."""
    names: dict[str, int] = {}
    meters: dict[str, str] = {}
    buses: dict[str, DeviceConfig] = {}
    for i, dev in enumerate(devices):
        where = f"devices[{i}]"
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
            for s in ("protocol", "baudrate", "bytesize", "parity", "stopbits"):
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
    try:
        doc = _Document.model_validate(dict(data))
    except ValidationError as exc:
        raise _config_error(exc, source) from None
    g = doc.gateway
    queue_path = Path(g.queue_path or f"var/{g.id}-queue.sqlite3")
    if not queue_path.is_absolute() and base_dir is not None:
        queue_path = base_dir / queue_path
    devices = [_device(d, f"devices[{i}]", base_dir, source) for i, d in enumerate(doc.devices)]
    _check_links(devices, source)
    return GatewayConfig(
        gateway_id=g.id,
        park_code=g.park_code,
        timezone=ZoneInfo(g.timezone),
        poll_interval_s=g.poll_interval_s,
        queue_path=queue_path,
        heartbeat_interval_s=g.heartbeat_interval_s,
        batch_size=g.batch_size,
        forward=_forward(doc.forward, g.id),
        retry=RetryConfig(**doc.retry.model_dump()),
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
