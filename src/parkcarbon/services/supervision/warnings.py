"""Dual-control early warning (能耗双控预警): evaluation, storage, acknowledgement, notification, webhook.

Rules (evaluated by :func:`evaluate_warnings` on the monitoring figures of :mod:`.monitoring`)
---------------------------------------------------------------------------------------------
For the park and every enterprise with a target of the year (``energy_total`` on tce, ``carbon_total``
on tCO2e):

* **red** — the year-end projection exceeds the target;
* **orange** — the projection exceeds ``orange_ratio`` (default 95 %) of the target;
* **yellow** — the year-to-date total is above the target path (target × the share of the year's
  energy normally used by this day: last year's seasonal profile, else days elapsed ÷ days in year).

For every enterprise:

* ``intensity_rise`` (yellow; orange when above the intensity target) — energy intensity of the
  complete months with economic data rose by more than ``intensity_rise_ratio`` (default 5 %) over the
  same months of last year;
* ``data_gap`` (yellow) — month-to-date completeness of the meters that are online below
  ``completeness_min_pct`` (default 90 %); an offline meter's missing readings are its
  ``offline_meter`` warning, not a second one (one cause, one warning);
* ``offline_meter`` (yellow) — meters that sent nothing within max(3 × interval, 15 min) (meters that
  never reported are not commissioned yet and not counted).

Life of a warning
-----------------
One row per rule and subject (``key``). A new condition is **raised** (notification + webhook); an
open warning is **updated** with the latest numbers, or **escalated** when its level goes up; an
acknowledged warning stays acknowledged until it **worsens** — its level goes up or its value grows
by more than ``reraise_growth`` (default 5 %) over the value acknowledged — and is then **re-raised**
(open again, notification + webhook). A condition that no longer holds is **resolved**. Every step is
an event in ``supervision_warning_events``.

Delivery
--------
In-app notifications go to the park's supervision users (park_admin, park_analyst, regulator) and the
admins of the warning's enterprise. The webhook (park settings) receives ``POST`` JSON
``{"event", "warning": {...}, "park_id", "sent_at"}`` with ``X-Parkcarbon-Event`` and, when a secret is
set, ``X-Parkcarbon-Signature: sha256=<hex HMAC-SHA256(secret, body)>``. Deliveries are recorded with
their status; a failure is recorded, never raised.

Redelivery: every evaluation first retries the park's deliveries recorded as ``failed`` (never
delivered) to the webhook URL still configured, up to :data:`MAX_WEBHOOK_ATTEMPTS` attempts in all per
delivery; each attempt increments ``attempts`` and records ``last_status_code`` / ``last_error``. A
retried POST carries the same ``delivery_id`` (receivers can deduplicate) and a new ``sent_at`` and
signature. Deliveries to a URL no longer configured are not retried. The evaluation schedule (cron:
``parkcarbon warnings evaluate``) is the back-off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.errors import Forbidden, NotFound
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.supervision import monitoring
from parkcarbon.services.supervision.monitoring_schemas import (
    EvaluationResult,
    Figures,
    NotificationPublic,
    ParkMonitoring,
    WarningAck,
    WarningEventPublic,
    WarningGroup,
    WarningPublic,
    WarningSummary,
    WebhookDeliveryPublic,
)
from parkcarbon.services.supervision.targets import settings_of
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    Membership,
    SupervisionNotification,
    SupervisionSettings,
    SupervisionWarning,
    SupervisionWarningEvent,
    WebhookDelivery,
)
from parkcarbon.vocab import Role

__all__ = [
    "LEVELS",
    "MAX_WEBHOOK_ATTEMPTS",
    "acknowledge_warning",
    "conditions",
    "evaluate_warnings",
    "get_warning",
    "list_deliveries",
    "list_notifications",
    "list_warnings",
    "mark_notifications_read",
    "sign",
    "warning_events",
]

LEVELS = {"info": 0, "yellow": 1, "orange": 2, "red": 3}
WEBHOOK_TIMEOUT_S = 5.0
MAX_WEBHOOK_ATTEMPTS = 5
SIGNATURE_HEADER = "X-Parkcarbon-Signature"
EVENT_HEADER = "X-Parkcarbon-Event"


@dataclass(frozen=True)
class Condition:
    """A warning condition found by the rules (not yet stored)."""

    key: str
    rule: str
    enterprise_id: int | None
    level: str
    value: float
    reason_zh: str
    reason_en: str
    numbers: dict[str, Any]


# ------------------------------------------------------------------------------------------- rules


def month_spans(months: Sequence[int]) -> str:
    """Months as runs, ``[1, 2, 3, 5, 6]`` → ``"1–3, 5–6"`` (the months an intensity compares)."""
    runs: list[list[int]] = []
    for m in sorted(set(months)):
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _total_condition(
    rule: str, subject: str, subject_zh: str, ent: int | None, f: Figures, year: int, orange_ratio: float
) -> Condition | None:
    if rule == "energy_total":
        target, ytd, projected, unit, what_zh, what_en = (
            f.target_energy_tce, f.ytd_tce, f.projected_tce, "tce", "能耗总量", "energy"
        )  # fmt: skip
    else:
        target, ytd, projected, unit, what_zh, what_en = (
            f.target_carbon_tco2e, f.ytd_tco2e, f.projected_tco2e, "tCO2e", "碳排放总量", "carbon emissions"
        )  # fmt: skip
    if not target or projected is None:
        return None
    path = target * f.expected_share
    ratio = projected / target
    numbers = {
        "target": target, "ytd": ytd, "projected": projected, "projected_to_target": ratio,
        "target_path": path, "expected_share": f.expected_share, "projection_method": f.projection_method,
        "unit": unit, "orange_ratio": orange_ratio,
    }  # fmt: skip
    method_zh = {"plan": "按生产计划", "seasonal": "按上年季节分布", "linear": "按日历线性"}.get(
        f.projection_method, ""
    )
    if projected > target:
        level = "red"
        zh = (
            f"{subject_zh}{what_zh}预计年末 {projected:,.0f} {unit}（{method_zh}），"
            f"超过目标 {target:,.0f} {unit}"
            f"（{ratio:.0%}）；年初至今 {ytd:,.0f} {unit}"
        )
        en = (
            f"{subject}: {what_en} projected at {projected:,.0f} {unit} by year end ({f.projection_method}), "
            f"above the target of {target:,.0f} {unit} ({ratio:.0%}); year to date {ytd:,.0f} {unit}"
        )
    elif projected > orange_ratio * target:
        level = "orange"
        zh = (
            f"{subject_zh}{what_zh}预计年末 {projected:,.0f} {unit}，"
            f"达到目标 {target:,.0f} {unit} 的 {ratio:.0%}"
            f"（预警线 {orange_ratio:.0%}）"
        )
        en = (
            f"{subject}: {what_en} projected at {projected:,.0f} {unit}, {ratio:.0%} of the target "
            f"{target:,.0f} {unit} (warning line {orange_ratio:.0%})"
        )
    elif ytd > path:
        level = "yellow"
        zh = (
            f"{subject_zh}{what_zh}年初至今 {ytd:,.0f} {unit}，高于目标进度 {path:,.0f} {unit}"
            f"（目标 {target:,.0f} × 进度 {f.expected_share:.1%}）"
        )
        en = (
            f"{subject}: {what_en} year to date {ytd:,.0f} {unit} is above the target path "
            f"{path:,.0f} {unit} "
            f"(target {target:,.0f} × {f.expected_share:.1%} of the year)"
        )
    else:
        return None
    key = f"{rule}:{year}:{ent if ent is not None else 'park'}"
    return Condition(key, rule, ent, level, projected, zh, en, numbers)


def conditions(m: ParkMonitoring, settings: SupervisionSettings) -> list[Condition]:
    """Every warning condition of the monitoring figures ``m`` under the park's ``settings``."""
    out: list[Condition] = []
    y = m.year
    for rule in ("energy_total", "carbon_total"):
        c = _total_condition(rule, "Park", "园区", None, m.park, y, settings.orange_ratio)
        if c:
            out.append(c)
    for e in m.enterprises:
        name_zh, name_en = e.name, e.name_en or e.name
        for rule in ("energy_total", "carbon_total"):
            c = _total_condition(rule, name_en, name_zh, e.enterprise_id, e, y, settings.orange_ratio)
            if c:
                out.append(c)
        now_i, last_i = e.energy_intensity, e.last_year_energy_intensity
        if now_i is not None and last_i and now_i > last_i * (1 + settings.intensity_rise_ratio):
            rise = now_i / last_i - 1
            above_target = bool(e.target_energy_intensity and now_i > e.target_energy_intensity)
            months = month_spans(e.intensity_months)
            out.append(
                Condition(
                    key=f"intensity_rise:{y}:{e.enterprise_id}", rule="intensity_rise",
                    enterprise_id=e.enterprise_id, level="orange" if above_target else "yellow", value=now_i,
                    reason_zh=f"{name_zh}能耗强度 {now_i:.4f} tce/万元（{months} 月），"
                    f"较上年同期 {last_i:.4f} "
                    f"上升 {rise:.1%}" + ("，且高于强度目标" if above_target else ""),
                    reason_en=f"{name_en}: energy intensity {now_i:.4f} tce/10k CNY (months {months}) rose "
                    f"{rise:.1%} over last year's {last_i:.4f}"
                    + ("; above its target" if above_target else ""),
                    numbers={"intensity": now_i, "last_year_intensity": last_i, "rise": rise,
                             "threshold": settings.intensity_rise_ratio, "months": e.intensity_months,
                             "target_intensity": e.target_energy_intensity, "basis": m.intensity_basis},
                )
            )  # fmt: skip
        # one cause, one warning: the readings an offline meter is not sending are its offline_meter
        # warning; data_gap judges the meters that report (monitoring's online_completeness_pct)
        gap_pct = e.online_completeness_pct
        if gap_pct is not None and gap_pct < settings.completeness_min_pct:
            missing = 100.0 - gap_pct
            out.append(
                Condition(
                    key=f"data_gap:{y}:{e.enterprise_id}", rule="data_gap", enterprise_id=e.enterprise_id,
                    level="yellow", value=missing,
                    reason_zh=f"{name_zh}本月在线计量表数据完整率 {gap_pct:.1f}%，"
                    f"低于 {settings.completeness_min_pct:.0f}%",
                    reason_en=f"{name_en}: data completeness this month {gap_pct:.1f}% (meters online) "
                    f"is below {settings.completeness_min_pct:.0f}%",
                    numbers={"completeness_pct": e.completeness_pct, "online_completeness_pct": gap_pct,
                             "minimum_pct": settings.completeness_min_pct,
                             "meters": e.meters, "offline_meters": e.offline_meters},
                )
            )  # fmt: skip
        if e.offline_meters:
            out.append(
                Condition(
                    key=f"offline_meter:{e.enterprise_id}", rule="offline_meter",
                    enterprise_id=e.enterprise_id,
                    level="yellow", value=float(e.offline_meters),
                    reason_zh=f"{name_zh}有 {e.offline_meters} 块计量表离线（共 {e.meters} 块）",
                    reason_en=f"{name_en}: {e.offline_meters} of {e.meters} meters offline",
                    numbers={"offline_meters": e.offline_meters, "meters": e.meters},
                )
            )  # fmt: skip
    return out


# -------------------------------------------------------------------------------------- evaluation


def _public(w: SupervisionWarning) -> dict[str, Any]:
    return WarningPublic.model_validate(w).model_dump(mode="json")


def _recipients(s: Session, park_id: int, enterprise_id: int | None) -> set[int]:
    roles = [Role.PARK_ADMIN.value, Role.PARK_ANALYST.value, Role.REGULATOR.value]
    q = select(Membership.user_id).where(Membership.park_id == park_id, Membership.role.in_(roles))
    users = set(s.scalars(q))
    if enterprise_id is not None:
        users |= set(
            s.scalars(
                select(Membership.user_id).where(
                    Membership.organisation_id == enterprise_id,
                    Membership.role == Role.ENTERPRISE_ADMIN.value,
                )
            )
        )
    return users


_TITLES = {
    "raised": ("新预警", "New warning"),
    "escalated": ("预警升级", "Warning escalated"),
    "reraised": ("预警再次触发", "Warning raised again"),
    "resolved": ("预警解除", "Warning resolved"),
}
_LEVEL_ZH = {"red": "红色", "orange": "橙色", "yellow": "黄色", "info": "提示"}


def evaluate_warnings(
    db: Database,
    p: Principal,
    park_id: int,
    today: date | None = None,
    *,
    now: datetime | None = None,
    transport: httpx.BaseTransport | None = None,
) -> EvaluationResult:
    """Evaluate the rules for the park on ``today`` (park-local; default today), store the outcome,
    notify and call the webhook (also retrying the park's earlier failed deliveries, see the module's
    "Redelivery"). park_admin, park_analyst, or the system (CLI, scheduler).

    ``transport`` lets tests replace the HTTP transport of the webhook client.
    """
    now = now or datetime.now(UTC)
    with db.read() as s:
        park = access.require_park(s, p, park_id)
        if not access.is_park_staff(p, park_id):
            raise Forbidden("evaluating warnings needs park_admin or park_analyst")
    m = monitoring.park_monitoring_unchecked(db, park_id, as_of=today, now=now)
    counts = {"raised": 0, "reraised": 0, "updated": 0, "resolved": 0, "notifications": 0}
    deliveries: list[int] = []
    with db.transaction() as s:
        park = access.require_park(s, p, park_id)
        settings = settings_of(s, park)
        found = {c.key: c for c in conditions(m, settings)}
        stored = {
            w.key: w
            for w in s.scalars(select(SupervisionWarning).where(SupervisionWarning.park_id == park_id))
        }
        to_notify: list[tuple[SupervisionWarning, str]] = []

        def event(w: SupervisionWarning, action: str, note: str | None = None) -> None:
            s.add(
                SupervisionWarningEvent(
                    warning_id=w.id, park_id=park_id, at=now, action=action, level=w.level, value=w.value,
                    actor=p.label, note=note,
                )
            )  # fmt: skip

        for key, c in found.items():
            w = stored.get(key)
            if w is None:
                w = SupervisionWarning(
                    park_id=park_id, enterprise_id=c.enterprise_id, year=m.year, rule=c.rule, key=key,
                    level=c.level, status="open", value=c.value, reason_zh=c.reason_zh, reason_en=c.reason_en,
                    numbers=c.numbers, raise_count=1, first_raised_at=now, last_raised_at=now,
                    evaluated_at=now,
                )  # fmt: skip
                s.add(w)
                s.flush()
                event(w, "raised")
                to_notify.append((w, "raised"))
                counts["raised"] += 1
                continue
            old_level, old_status = w.level, w.status
            action: str | None = None
            if old_status == "resolved":
                action = "raised"
            elif old_status == "acknowledged":
                grew = (
                    w.ack_value is not None
                    and c.value > w.ack_value * (1 + settings.reraise_growth)
                    and c.value - w.ack_value > 1e-9
                )
                if LEVELS[c.level] > LEVELS[w.ack_level or old_level] or grew:
                    action = "reraised"
            elif LEVELS[c.level] > LEVELS[old_level]:
                action = "escalated"
            changed = (c.level, c.value) != (old_level, w.value)
            w.level, w.value, w.numbers = c.level, c.value, c.numbers
            w.reason_zh, w.reason_en, w.evaluated_at = c.reason_zh, c.reason_en, now
            if action in ("raised", "reraised"):
                w.status, w.raise_count, w.last_raised_at, w.resolved_at = (
                    "open",
                    w.raise_count + 1,
                    now,
                    None,
                )
                counts["reraised" if action == "reraised" else "raised"] += 1
            elif action == "escalated":
                w.last_raised_at = now
                counts["updated"] += 1
            elif changed:
                counts["updated"] += 1
            if action:
                event(w, action)
                to_notify.append((w, action))
            elif changed:
                event(w, "updated")
        for key, w in stored.items():
            if key in found or w.status == "resolved":
                continue
            if w.year != m.year and not w.rule.startswith("offline"):
                continue  # other years' warnings are kept as they were
            w.status, w.resolved_at, w.evaluated_at = "resolved", now, now
            event(w, "resolved")
            to_notify.append((w, "resolved"))
            counts["resolved"] += 1
        s.flush()
        for w, action in to_notify:
            zh, en = _TITLES[action]
            users = _recipients(s, park_id, w.enterprise_id)
            for uid in users:
                s.add(
                    SupervisionNotification(
                        park_id=park_id, user_id=uid, warning_id=w.id, event=action, level=w.level,
                        title_zh=f"{zh}（{_LEVEL_ZH.get(w.level, w.level)}）：{w.reason_zh}"[:300],
                        title_en=f"{en} ({w.level}): {w.reason_en}"[:300],
                    )
                )  # fmt: skip
            counts["notifications"] += len(users)
            if settings.webhook_url:
                d = WebhookDelivery(
                    park_id=park_id, warning_id=w.id, event=action, url=settings.webhook_url,
                    payload={"event": action, "park_id": park_id, "warning": _public(w)}, status="pending",
                )  # fmt: skip
                s.add(d)
                s.flush()
                deliveries.append(d.id)
        n_open = sum(1 for w in stored.values() if w.status == "open") + sum(
            1 for k in found if k not in stored
        )
        secret = settings.webhook_secret
        retries = retryable_deliveries(s, park_id, settings.webhook_url, exclude=deliveries)
        if counts["raised"] or counts["reraised"] or counts["resolved"]:
            audit.record(
                s, p, "supervision_warnings.evaluate", entity="park", entity_id=park_id, park_id=park_id,
                after={"as_of": m.as_of.isoformat(), **counts},
            )  # fmt: skip
    failures = deliver_webhooks(db, retries + deliveries, secret=secret, transport=transport, now=now)
    return EvaluationResult(
        park_id=park_id, year=m.year, as_of=m.as_of, raised=counts["raised"], reraised=counts["reraised"],
        updated=counts["updated"], resolved=counts["resolved"], open=n_open,
        notifications=counts["notifications"], webhook_deliveries=len(deliveries),
        webhook_retries=len(retries), webhook_failures=failures,
    )  # fmt: skip


# ----------------------------------------------------------------------------------------- webhook


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the request body with the park's webhook secret (RFC 2104)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retryable_deliveries(s: Session, park_id: int, url: str | None, *, exclude: list[int]) -> list[int]:
    """Ids of the park's failed, never delivered deliveries to ``url`` (the webhook still configured)
    with attempts left, oldest first."""
    if not url:
        return []
    q = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.park_id == park_id,
            WebhookDelivery.status == "failed",
            WebhookDelivery.delivered_at.is_(None),
            WebhookDelivery.attempts < MAX_WEBHOOK_ATTEMPTS,
            WebhookDelivery.url == url,
        )
        .order_by(WebhookDelivery.id)
    )
    return [i for i in s.scalars(q) if i not in exclude]


def deliver_webhooks(
    db: Database,
    delivery_ids: list[int],
    *,
    secret: str | None,
    transport: httpx.BaseTransport | None = None,
    now: datetime | None = None,
) -> int:
    """POST the pending deliveries (one attempt each); record the outcome; return the number of failures."""
    if not delivery_ids:
        return 0
    failures = 0
    with db.read() as s:
        pending = [
            (d.id, d.url, d.event, d.payload)
            for d in s.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.id.in_(delivery_ids))
                .order_by(WebhookDelivery.id)
            )
        ]
    outcomes: list[tuple[int, str, int | None, str | None]] = []
    with httpx.Client(timeout=WEBHOOK_TIMEOUT_S, transport=transport, follow_redirects=False) as client:
        for did, url, ev, payload in pending:
            sent_at = (now or datetime.now(UTC)).isoformat()
            body = json.dumps(
                {**payload, "delivery_id": did, "sent_at": sent_at}, ensure_ascii=False
            ).encode()
            headers = {
                "Content-Type": "application/json",
                EVENT_HEADER: ev,
                "User-Agent": "parkcarbon-webhook",
            }
            if secret:
                headers[SIGNATURE_HEADER] = sign(secret, body)
            try:
                r = client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                outcomes.append((did, "failed", None, f"{type(exc).__name__}: {exc}"[:500]))
                failures += 1
                continue
            if 200 <= r.status_code < 300:
                outcomes.append((did, "delivered", r.status_code, None))
            else:
                outcomes.append((did, "failed", r.status_code, f"HTTP {r.status_code}: {r.text[:200]}"))
                failures += 1
    with db.transaction() as s:
        for did, status, code, error in outcomes:
            s.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == did)
                .values(
                    status=status, attempts=WebhookDelivery.attempts + 1, last_status_code=code,
                    last_error=error, delivered_at=datetime.now(UTC) if status == "delivered" else None,
                )
            )  # fmt: skip
    return failures


# --------------------------------------------------------------------------------------- listings


def _visible_filter(p: Principal, park_id: int) -> set[int] | None:
    """Enterprises whose warnings ``p`` may read (None = all, for the park's supervision roles)."""
    if access.is_supervisor(p, park_id):
        return None
    own = {
        m.organisation_id
        for m in p.memberships
        if m.park_id == park_id and access.is_enterprise_member(p, m.organisation_id)
    }
    if not own:
        raise Forbidden("warnings are for park_admin, park_analyst, regulator and the enterprise concerned")
    return own


def list_warnings(
    db: Database,
    p: Principal,
    park_id: int,
    page: PageParams,
    *,
    status: str | None = None,
    level: str | None = None,
    enterprise_id: int | None = None,
    year: int | None = None,
) -> Page[WarningPublic]:
    """Warnings of the park, most severe and newest first (supervision roles; an enterprise's members
    see their own enterprise's)."""
    with db.read() as s:
        access.require_park(s, p, park_id)
        own = _visible_filter(p, park_id)
        q = select(SupervisionWarning).where(SupervisionWarning.park_id == park_id)
        if own is not None:
            q = q.where(SupervisionWarning.enterprise_id.in_(own))
        if status is not None:
            q = q.where(SupervisionWarning.status == status)
        if level is not None:
            q = q.where(SupervisionWarning.level == level)
        if enterprise_id is not None:
            q = q.where(SupervisionWarning.enterprise_id == enterprise_id)
        if year is not None:
            q = q.where(SupervisionWarning.year == year)
        items = [WarningPublic.model_validate(w) for w in s.scalars(q)]
    order = {"open": 0, "acknowledged": 1, "resolved": 2}
    items.sort(key=lambda w: (order.get(w.status, 3), -LEVELS.get(w.level, 0), -w.last_raised_at.timestamp()))
    return Page(data=items[page.offset : page.offset + page.limit], count=len(items), **page.model_dump())


def warning_summary(db: Database, p: Principal, park_id: int, *, year: int | None = None) -> WarningSummary:
    """Warnings counted by status, level and kind (rule) with one grouped query, for the same readers as
    :func:`list_warnings`; the cockpit's open-warnings figure is ``open_count``."""
    with db.read() as s:
        access.require_park(s, p, park_id)
        own = _visible_filter(p, park_id)
        q = select(
            SupervisionWarning.status, SupervisionWarning.level, SupervisionWarning.rule, func.count()
        ).where(SupervisionWarning.park_id == park_id)
        if own is not None:
            q = q.where(SupervisionWarning.enterprise_id.in_(own))
        if year is not None:
            q = q.where(SupervisionWarning.year == year)
        q = q.group_by(SupervisionWarning.status, SupervisionWarning.level, SupervisionWarning.rule)
        groups = [WarningGroup(status=st, level=lv, rule=rl, count=n) for st, lv, rl, n in s.execute(q)]
    order = {"open": 0, "acknowledged": 1, "resolved": 2}
    groups.sort(key=lambda g: (-LEVELS.get(g.level, 0), order.get(g.status, 3), g.rule))
    return WarningSummary(
        park_id=park_id,
        year=year,
        open_count=sum(g.count for g in groups if g.status == "open"),
        total=sum(g.count for g in groups),
        groups=groups,
    )


def _warning(s: Session, p: Principal, park_id: int, warning_id: int) -> SupervisionWarning:
    access.require_park(s, p, park_id)
    w = s.get(SupervisionWarning, warning_id)
    if w is None or w.park_id != park_id:
        raise NotFound("warning not found")
    own = _visible_filter(p, park_id)
    if own is not None and w.enterprise_id not in own:
        raise NotFound("warning not found")
    return w


def get_warning(db: Database, p: Principal, park_id: int, warning_id: int) -> WarningPublic:
    with db.read() as s:
        return WarningPublic.model_validate(_warning(s, p, park_id, warning_id))


def warning_events(db: Database, p: Principal, park_id: int, warning_id: int) -> list[WarningEventPublic]:
    """The history of a warning (raised, updated, escalated, acknowledged, re-raised, resolved)."""
    with db.read() as s:
        w = _warning(s, p, park_id, warning_id)
        rows = s.scalars(
            select(SupervisionWarningEvent)
            .where(SupervisionWarningEvent.warning_id == w.id)
            .order_by(SupervisionWarningEvent.id)
        )
        return [WarningEventPublic.model_validate(r) for r in rows]


def acknowledge_warning(
    db: Database,
    p: Principal,
    park_id: int,
    warning_id: int,
    data: WarningAck,
    *,
    now: datetime | None = None,
) -> WarningPublic:
    """Acknowledge a warning with a note (park_admin, park_analyst). It is raised again if it worsens."""
    now = now or datetime.now(UTC)
    with db.transaction() as s:
        w = _warning(s, p, park_id, warning_id)
        if not access.can_ack_warnings(p, park_id):
            raise Forbidden("acknowledging warnings needs park_admin or park_analyst")
        before = audit.snapshot(w)
        if w.status != "resolved":
            w.status = "acknowledged"
        w.acknowledged_at, w.acknowledged_by, w.ack_note = now, p.label, data.note
        w.ack_level, w.ack_value = w.level, w.value
        s.add(
            SupervisionWarningEvent(
                warning_id=w.id, park_id=park_id, at=now, action="acknowledged", level=w.level, value=w.value,
                actor=p.label, note=data.note,
            )
        )  # fmt: skip
        s.flush()
        audit.record(
            s, p, "supervision_warning.acknowledge", entity="supervision_warning", entity_id=w.id,
            park_id=park_id, enterprise_id=w.enterprise_id, before=before, after=audit.snapshot(w),
        )  # fmt: skip
        return WarningPublic.model_validate(w)


def list_notifications(
    db: Database, p: Principal, park_id: int, page: PageParams, *, unread: bool = False
) -> Page[NotificationPublic]:
    """The caller's in-app notifications of the park, newest first."""
    with db.read() as s:
        access.require_park(s, p, park_id)
        access.require_user(p)
        q = select(SupervisionNotification).where(
            SupervisionNotification.park_id == park_id, SupervisionNotification.user_id == p.user_id
        )
        if unread:
            q = q.where(SupervisionNotification.read_at.is_(None))
        rows, total = paginate(
            s, q.order_by(SupervisionNotification.created_at.desc(), SupervisionNotification.id.desc()), page
        )
        return Page(
            data=[NotificationPublic.model_validate(r) for r in rows], count=total, **page.model_dump()
        )


def mark_notifications_read(db: Database, p: Principal, park_id: int, *, up_to_id: int | None = None) -> int:
    """Mark the caller's notifications of the park read (all, or those with id ≤ ``up_to_id``)."""
    with db.transaction() as s:
        access.require_park(s, p, park_id)
        access.require_user(p)
        q = update(SupervisionNotification).where(
            SupervisionNotification.park_id == park_id,
            SupervisionNotification.user_id == p.user_id,
            SupervisionNotification.read_at.is_(None),
        )
        if up_to_id is not None:
            q = q.where(SupervisionNotification.id <= up_to_id)
        result = s.execute(q.values(read_at=datetime.now(UTC)))
        return int(getattr(result, "rowcount", 0) or 0)


def list_deliveries(
    db: Database, p: Principal, park_id: int, page: PageParams
) -> Page[WebhookDeliveryPublic]:
    """Webhook deliveries of the park, newest first (park_admin)."""
    with db.read() as s:
        access.require_park_admin(s, p, park_id)
        q = select(WebhookDelivery).where(WebhookDelivery.park_id == park_id)
        rows, total = paginate(s, q.order_by(WebhookDelivery.id.desc()), page)
        return Page(
            data=[WebhookDeliveryPublic.model_validate(r) for r in rows], count=total, **page.model_dump()
        )
