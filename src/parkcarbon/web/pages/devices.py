"""Gateway and device status (网关与设备在线状态): which gateways report, which meters are online.

Park end, for park_admin and park_analyst. Gateways come from their heartbeats and from the ``gateway``
field of reading batches (:func:`parkcarbon.services.metering.quality.gateway_status`); a meter is online
while its readings keep arriving within three reading intervals (at least the intake's minimum window),
:func:`parkcarbon.services.metering.quality.meter_status`.
"""

from __future__ import annotations

from typing import Any

from nicegui import ui

from parkcarbon.services.errors import ServiceError
from parkcarbon.services.metering import quality
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.registry import organisations
from parkcarbon.vocab import OrgKind, Role
from parkcarbon.web import session as web_session
from parkcarbon.web.i18n import local_name, register_texts, t
from parkcarbon.web.layout import NavItem, frame, notify_error, register_nav
from parkcarbon.web.widgets import Column, data_table, fmt_time, kpi_card

register_texts(
    {
        "nav.devices": ("网关与设备状态", "Gateways and devices"),
        "dev.gateways": ("数据采集网关", "Gateways"),
        "dev.meters": ("计量器具在线状态", "Meter status"),
        "dev.gateway": ("网关", "Gateway"),
        "dev.status": ("状态", "Status"),
        "dev.online": ("在线", "online"),
        "dev.offline": ("离线", "offline"),
        "dev.last_seen": ("最近通信", "Last seen"),
        "dev.last_heartbeat": ("最近心跳", "Last heartbeat"),
        "dev.last_batch": ("最近数据批次", "Last batch"),
        "dev.devices": ("下挂设备数", "Devices"),
        "dev.last_reading": ("最近读数时间", "Last reading"),
        "dev.interval": ("采集间隔（分钟）", "Interval (min)"),
        "dev.readings_total": ("读数总数", "Readings"),
        "dev.gateways_online": ("在线网关", "Gateways online"),
        "dev.meters_online": ("在线计量器具", "Meters online"),
        "dev.meters_offline": ("离线计量器具", "Meters offline"),
        "dev.no_gateways": (
            "暂无网关上报（网关发送心跳或数据批次后显示）",
            "No gateway has reported yet (gateways appear with their first heartbeat or batch)",
        ),
        "dev.refresh": ("刷新", "Refresh"),
    }
)
register_nav(
    NavItem("end.park", "/devices", "nav.devices", "router", frozenset({Role.PARK_ADMIN, Role.PARK_ANALYST}))
)


def _state(online: bool) -> str:
    return t("dev.online") if online else t("dev.offline")


class _MeterRow:
    """A meter-status row for the table (the enterprise by name, the interval in minutes)."""

    def __init__(self, status: Any, enterprise: str) -> None:
        self.meter_id = status.meter_id
        self.code = status.code
        self.enterprise = enterprise
        self.gateway = status.gateway or ""
        self.online = status.online
        self.last_reading_at = status.last_reading_at
        self.last_seen_at = status.last_seen_at
        self.interval = "" if not status.interval_s else f"{status.interval_s / 60:g}"
        self.readings_total = status.readings_total


class _GatewayRow:
    """A gateway row: its devices (the heartbeat's, else the meters whose readings it forwards) and
    the time of its last heartbeat."""

    def __init__(self, g: Any, forwarded: list[str]) -> None:
        self.gateway = g.gateway
        self.online = g.online
        self.last_seen_at = g.last_seen_at
        self.last_heartbeat_at = g.last_heartbeat_at
        self.last_batch_at = g.last_batch_at
        named = [str(d.get("device", "")) for d in g.devices if d.get("device")]
        codes = named or sorted(forwarded)
        shown = ", ".join(codes[:12]) + (" …" if len(codes) > 12 else "")
        self.devices = t("dev.devices_of").format(n=len(codes), codes=shown) if codes else "0"


@ui.page("/devices")
def devices_page() -> None:
    with frame("nav.devices") as current:
        if current is None or current.park_id is None:
            return
        p, db, park_id = current.principal, web_session.runtime().db, current.park_id
        try:
            gateways = quality.gateway_status(db, p, park_id)
            meters = quality.meter_status(db, p, park_id)
            orgs = organisations.list_organisations(
                db, p, PageParams(limit=1000), park_id=park_id, kind=OrgKind.ENTERPRISE
            ).data
        except ServiceError as exc:
            notify_error(exc)
            return
        names = {o.id: local_name(o.name, o.name_en) for o in orgs}
        rows = sorted(
            (_MeterRow(m, names.get(m.enterprise_id, t("park_owned")) if m.enterprise_id else t("park_owned"))
             for m in meters),
            key=lambda r: (r.online, r.code),
        )  # fmt: skip
        by_gateway: dict[str, list[str]] = {}
        for r in rows:
            if r.gateway:
                by_gateway.setdefault(r.gateway, []).append(r.code)
        with ui.row().classes("q-gutter-md items-center"):
            on_gw = sum(1 for g in gateways if g.online)
            kpi_card(t("dev.gateways_online"), f"{on_gw} / {len(gateways)}", "router", mark="kpi-gateways")
            on_m = sum(1 for r in rows if r.online)
            kpi_card(t("dev.meters_online"), f"{on_m} / {len(rows)}", "sensors", mark="kpi-meters-online")
            kpi_card(t("dev.meters_offline"), str(len(rows) - on_m), "sensors_off", mark="kpi-meters-offline")
            ui.button(t("dev.refresh"), icon="refresh", on_click=ui.navigate.reload).props("flat").mark(
                "devices-refresh"
            )
        ui.label(t("dev.gateways")).classes("text-h6")
        if not gateways:
            ui.label(t("dev.no_gateways")).classes("text-grey-7").mark("no-gateways")
        else:
            data_table(
                [
                    Column("gateway", "dev.gateway"),
                    Column("online", "dev.status", _state),
                    Column("last_seen_at", "dev.last_seen", fmt_time),
                    Column("last_heartbeat_at", "dev.last_heartbeat", fmt_time),
                    Column("last_batch_at", "dev.last_batch", fmt_time),
                    Column("devices", "dev.devices"),
                ],
                [_GatewayRow(g, by_gateway.get(g.gateway, [])) for g in gateways],
                mark="gateway-table",
                row_key="gateway",
            )
        ui.label(t("dev.meters")).classes("text-h6")
        data_table(
            [
                Column("code", "code"),
                Column("enterprise", "enterprise"),
                Column("gateway", "dev.gateway"),
                Column("online", "dev.status", _state),
                Column("last_reading_at", "dev.last_reading", fmt_time),
                Column("interval", "dev.interval"),
                Column("readings_total", "dev.readings_total"),
            ],
            rows,
            mark="meter-status-table",
            row_key="meter_id",
        )
