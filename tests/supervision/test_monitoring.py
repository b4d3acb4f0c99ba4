"""Dual-control monitoring: park, enterprise, area and industry figures against hand calculations from the
test's own readings and published coefficients; the early-warning lifecycle with notifications and a real
HTTP webhook receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from parkcarbon import core
from parkcarbon.demo.seed import SeededPark, seed_park
from parkcarbon.services.accounts import auth
from parkcarbon.services.errors import Forbidden, NotFound
from parkcarbon.services.intake import readings
from parkcarbon.services.metering.quality import quality_report
from parkcarbon.services.principal import SYSTEM, Principal
from parkcarbon.services.supervision import monitoring, targets, warnings
from parkcarbon.services.supervision.monitoring_schemas import WarningAck
from parkcarbon.services.supervision.schemas import EconomicsRecord, SettingsUpdate, TargetSet
from parkcarbon.settings import Settings
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    Membership,
    Meter,
    Reading,
    SupervisionNotification,
    SupervisionWarning,
    WebhookDelivery,
)
from tests.conftest import bearer
from tests.reference._load import rows

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "Mon-Passw0rd-2026"
AS_OF = date(2025, 3, 15)
NOW = datetime(2025, 3, 16, tzinfo=TZ)  # the end of AS_OF: the month to date is complete
HOURS = (3, 9, 15, 21)  # register readings every 6 h; each interval is booked where it ends
BASE = {0: 1000.0, 1: 250.0}  # kWh per 6 h in January 2024, per enterprise index
GROWTH = {0: 1.2, 1: 1.0}  # 2025 over 2024
GAP = (date(2025, 3, 5), date(2025, 3, 6))  # enterprise 1 sends nothing on these two days
# published coefficients (transcribed reference tables, not the code's output)
KGCE = {(r["carrier"], r["option"]): float(r["coefficient"]) for r in rows("gbt2589_2020/coefficients.csv")}
GRID = {
    (r["method"], r["region"], r["year"]): float(r["factor_tco2_per_mwh"])
    for r in rows("mee_nbs_grid/factors.csv")
}
TCE_PER_KWH = KGCE[("electricity", "")] / 1000  # GB/T 2589-2020 Table A.2, 0.1229 kgce/kWh
# 2024 and 2025 fall back to the latest published national grid factor, 2023's (MEE/NBS 公告2025年第47号)
TCO2_PER_KWH = GRID[("national_average", "CN", "2023")] / 1000


def month_factor(month: int) -> float:
    return 1.0 + 0.1 * (month - 1)


def delta(ent: int, end: datetime) -> float:
    """kWh of the 6-hour interval ending at ``end`` (local)."""
    return BASE[ent] * month_factor(end.month) * (GROWTH[ent] if end.year == 2025 else 1.0)


def kwh(ent: int, first: date, last: date) -> float:
    """Hand sum of the intervals ending on days first … last (inclusive). Enterprise 1's gap does not
    change it: the first reading after the gap carries the gap's consumption (booked on 7 March), and
    every window of these tests holds the whole gap or none of it."""
    total, d = 0.0, first
    while d <= last:
        total += 4 * delta(ent, datetime(d.year, d.month, d.day, 12, tzinfo=TZ))
        d += timedelta(days=1)
    return total


@pytest.fixture
def park(db: Database) -> SeededPark:
    seeded = seed_park(db, code="mon-park", name="监测园区", name_en="Monitoring Park", password=PASSWORD)
    for ent in (0, 1):
        lines = ["meter_code,ts,value"]
        value = 0.0
        t = datetime(2023, 12, 31, 21, tzinfo=TZ)
        end = datetime.combine(AS_OF, datetime.min.time(), TZ) + timedelta(hours=21)
        while t <= end:
            if t.year >= 2024:
                value += delta(ent, t)
            in_gap = ent == 1 and GAP[0] <= t.date() <= GAP[1]
            if not in_gap:
                lines.append(f"E{ent + 1:02d}-EL-MAIN,{t.isoformat()},{value:.3f}")
            t += timedelta(hours=6)
        body = ("\n".join(lines) + "\n").encode()
        result = readings.submit_readings(
            db, _settings(), SYSTEM, body, content_type="text/csv", park_id=seeded.park_id,
            now=int(NOW.timestamp()),
        )  # fmt: skip
        assert not result.rejected, result.rejected[:3]
    return seeded


def _settings() -> Settings:
    from parkcarbon.settings import load_settings

    return load_settings(env="test", secret_key="test-secret-key-" + "x" * 32, database_url="sqlite://")


def principal(db: Database, park: SeededPark, role: str) -> Principal:
    with db.read() as s:
        uid = park.user_ids[role]
        from parkcarbon.store.models import User

        user = s.get(User, uid)
        assert user is not None
        return auth.load_principal(s, user)


def test_park_and_enterprise_figures_match_hand_calculation(db: Database, park: SeededPark) -> None:
    e0, e1 = park.enterprise_ids[0], park.enterprise_ids[1]
    targets.record_economics(db, SYSTEM, e0, EconomicsRecord(year=2025, month=1, output_value_10k_cny=500.0))
    targets.record_economics(db, SYSTEM, e0, EconomicsRecord(year=2025, month=2, output_value_10k_cny=400.0))
    targets.record_economics(db, SYSTEM, e0, EconomicsRecord(year=2024, month=1, output_value_10k_cny=600.0))
    targets.record_economics(db, SYSTEM, e0, EconomicsRecord(year=2024, month=2, output_value_10k_cny=600.0))
    targets.set_target(db, SYSTEM, park.park_id, TargetSet(enterprise_id=e0, year=2025, energy_tce=100.0))
    m = monitoring.park_monitoring(db, principal(db, park, "regulator"), park.park_id, as_of=AS_OF, now=NOW)

    ytd0 = kwh(0, date(2025, 1, 1), AS_OF)
    ytd1 = kwh(1, date(2025, 1, 1), AS_OF)
    f0 = next(e for e in m.enterprises if e.enterprise_id == e0)
    f1 = next(e for e in m.enterprises if e.enterprise_id == e1)
    # totals: kWh × 0.1229 kgce/kWh and × 0.5306 tCO2/MWh; relative 1e-9: float sums of the same terms
    assert math.isclose(f0.ytd_tce, ytd0 * TCE_PER_KWH, rel_tol=1e-9)
    assert math.isclose(f0.ytd_tco2e, ytd0 * TCO2_PER_KWH, rel_tol=1e-9)
    assert math.isclose(f1.ytd_tce, ytd1 * TCE_PER_KWH, rel_tol=1e-9)
    assert math.isclose(m.park.ytd_tce, (ytd0 + ytd1) * TCE_PER_KWH, rel_tol=1e-9)
    assert math.isclose(f0.mtd_tce, kwh(0, date(2025, 3, 1), AS_OF) * TCE_PER_KWH, rel_tol=1e-9)
    # year on year: the same days of 2024; month on month: 1–15 February 2025
    ly0 = kwh(0, date(2024, 1, 1), date(2024, 3, 15))
    assert math.isclose(f0.last_year_ytd_tce or 0, ly0 * TCE_PER_KWH, rel_tol=1e-9)
    assert math.isclose(f0.yoy_tce_pct or 0, (ytd0 - ly0) / ly0 * 100, rel_tol=1e-9)
    prev0 = kwh(0, date(2025, 2, 1), date(2025, 2, 15))
    assert math.isclose(
        f0.mom_tce_pct or 0, (kwh(0, date(2025, 3, 1), AS_OF) - prev0) / prev0 * 100, rel_tol=1e-9
    )
    # seasonal projection: last year's share of its annual energy by 15 March
    year0 = kwh(0, date(2024, 1, 1), date(2024, 12, 31))
    share = ly0 / year0
    assert f0.projection_method == "seasonal"
    assert math.isclose(f0.expected_share, share, rel_tol=1e-9)
    assert math.isclose(f0.projected_tce or 0, ytd0 * TCE_PER_KWH / share, rel_tol=1e-9)
    # intensity over the complete months with economics (January and February)
    jf25, jf24 = kwh(0, date(2025, 1, 1), date(2025, 2, 28)), kwh(0, date(2024, 1, 1), date(2024, 2, 29))
    assert f0.intensity_months == [1, 2]
    assert math.isclose(f0.energy_intensity or 0, jf25 * TCE_PER_KWH / 900.0, rel_tol=1e-9)
    assert math.isclose(f0.last_year_energy_intensity or 0, jf24 * TCE_PER_KWH / 1200.0, rel_tol=1e-9)
    assert f1.energy_intensity is None  # no economics reported
    # target progress; flags against the statutory thresholds (far below them here)
    assert f0.target_energy_tce == 100.0
    assert math.isclose(f0.energy_progress_pct or 0, ytd0 * TCE_PER_KWH, rel_tol=1e-9)
    assert not f0.key_energy_unit and not f0.ets_emitter
    assert {t.key: t.value for t in m.thresholds} == {"key_energy_unit": 10_000.0, "ets_emitter": 26_000.0}
    # completeness of March 1–15: enterprise 0 complete; enterprise 1 misses 2 days × 4 readings of 60
    assert f0.completeness_pct == pytest.approx(100.0)
    assert f1.completeness_pct == pytest.approx(100.0 * 52 / 60)
    # the same definition as the intake's data-quality report (hourly rollups) over the same window
    report = quality_report(db, SYSTEM, park.park_id, start=datetime(2025, 3, 1, tzinfo=TZ), end=NOW)
    by_ent = {q.enterprise_id: q.completeness_pct for q in report.enterprises}
    assert f1.completeness_pct == pytest.approx(by_ent[e1]) and f0.completeness_pct == pytest.approx(
        by_ent[e0]
    )
    # carriers, areas (enterprise i's main meter is in area i), industries; monthly series
    assert [c.carrier for c in m.carriers] == ["electricity"]
    assert math.isclose(m.carriers[0].ytd_quantity, ytd0 + ytd1, rel_tol=1e-9)
    area0 = next(a for a in m.areas if a.area_id == park.area_ids[0])
    assert math.isclose(area0.ytd_tce, f0.ytd_tce, rel_tol=1e-12)
    assert sum(i.enterprises for i in m.industries) == len(m.enterprises)
    jan = m.months[0]
    jan_kwh = kwh(0, date(2025, 1, 1), date(2025, 1, 31)) + kwh(1, date(2025, 1, 1), date(2025, 1, 31))
    assert math.isclose(jan.tce or 0, jan_kwh * TCE_PER_KWH, rel_tol=1e-9)
    assert m.months[3].tce is None and m.months[3].last_year_tce is not None
    # the flag follows the park's threshold setting
    targets.update_settings(db, SYSTEM, park.park_id, SettingsUpdate(key_unit_tce=50.0))
    m2 = monitoring.park_monitoring(db, SYSTEM, park.park_id, as_of=AS_OF, now=NOW)
    f0b = next(e for e in m2.enterprises if e.enterprise_id == e0)
    assert f0b.key_energy_unit is (max(year0 * TCE_PER_KWH, f0.projected_tce or 0) >= 50.0)


def test_park_total_recomputed_from_raw_readings(db: Database, park: SeededPark) -> None:
    """The cockpit's park total equals raw readings' interval consumption × the accounting engine."""
    m = monitoring.park_monitoring(db, SYSTEM, park.park_id, as_of=AS_OF, now=NOW)
    a = int(datetime(2025, 1, 1, tzinfo=TZ).timestamp())
    b = int(datetime(2025, 3, 16, tzinfo=TZ).timestamp())
    with db.read() as s:
        raw = s.scalars(
            select(Reading.delta).where(
                Reading.meter_id.in_(park.meter_ids),
                Reading.ts > a,
                Reading.ts <= b,
                Reading.delta.is_not(None),
            )
        ).all()
    c = core.activity_coefficients("electricity", "kWh", year=2025, region="CN-JS")
    assert math.isclose(m.park.ytd_tce, sum(raw) * c.tce_per_unit, rel_tol=1e-9)
    assert math.isclose(m.park.ytd_tco2e, sum(raw) * c.tco2e_per_unit, rel_tol=1e-9)


def test_visibility(db: Database, park: SeededPark) -> None:
    member = principal(db, park, "enterprise_member")
    with pytest.raises(Forbidden):
        monitoring.park_monitoring(db, member, park.park_id, as_of=AS_OF, now=NOW)
    own = monitoring.enterprise_monitoring(db, member, park.enterprise_ids[0], as_of=AS_OF, now=NOW)
    assert own.meters is not None  # its own meters
    with pytest.raises(Forbidden):
        monitoring.enterprise_monitoring(db, member, park.enterprise_ids[1], as_of=AS_OF, now=NOW)
    # the park sees enterprise 1's totals but not its meters (no meter_data grant); enterprise 0 granted it
    analyst = principal(db, park, "park_analyst")
    e1 = monitoring.enterprise_monitoring(db, analyst, park.enterprise_ids[1], as_of=AS_OF, now=NOW)
    assert e1.meters is None and e1.meters_note
    e0 = monitoring.enterprise_monitoring(db, analyst, park.enterprise_ids[0], as_of=AS_OF, now=NOW)
    assert e0.meters and e0.meters[0].code == "E01-EL-MAIN"
    assert "cost" not in json.dumps(e0.model_dump(mode="json")).lower()
    provider = principal(db, park, "provider")
    with pytest.raises((Forbidden, NotFound)):
        monitoring.enterprise_monitoring(db, provider, park.enterprise_ids[0], as_of=AS_OF, now=NOW)


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Receiver.received
    server.shutdown()
    server.server_close()


SECRET = "webhook-secret-0123456789"


def test_warning_lifecycle(db: Database, park: SeededPark, receiver: tuple[str, list[Any]]) -> None:
    url, received = receiver
    e0, e1 = park.enterprise_ids[0], park.enterprise_ids[1]
    targets.update_settings(db, SYSTEM, park.park_id, SettingsUpdate(webhook_url=url, webhook_secret=SECRET))
    ytd0 = kwh(0, date(2025, 1, 1), AS_OF) * TCE_PER_KWH
    share = kwh(0, date(2024, 1, 1), date(2024, 3, 15)) / kwh(0, date(2024, 1, 1), date(2024, 12, 31))
    projected = ytd0 / share
    # orange: the projection is 97 % of the target (above the 95 % line, below the target)
    targets.set_target(
        db, SYSTEM, park.park_id, TargetSet(enterprise_id=e0, year=2025, energy_tce=projected / 0.97)
    )
    admin = principal(db, park, "park_admin")
    with pytest.raises(Forbidden):
        warnings.evaluate_warnings(db, principal(db, park, "regulator"), park.park_id, AS_OF, now=NOW)
    r = warnings.evaluate_warnings(db, admin, park.park_id, AS_OF, now=NOW)
    assert r.webhook_failures == 0
    page = warnings.list_warnings(db, admin, park.park_id, _page())
    by_key = {w.key: w for w in page.data}
    energy = by_key[f"energy_total:2025:{e0}"]
    assert energy.level == "orange" and energy.status == "open"
    assert math.isclose(energy.numbers["projected"], projected, rel_tol=1e-9)
    assert "97%" in energy.reason_en
    gap = by_key[f"data_gap:2025:{e1}"]
    assert gap.level == "yellow" and math.isclose(gap.numbers["completeness_pct"], 100 * 52 / 60)
    # the seeded park's other enterprises have a main meter that never reported: not commissioned, not
    # offline (and no completeness without a known interval)
    assert not [k for k in by_key if k.startswith("offline_meter")]
    assert r.raised == len(page.data) == 2
    # in-app notifications: park_admin, park_analyst, regulator (+ the enterprise's admin)
    with db.read() as s:
        n = s.scalars(
            select(SupervisionNotification).where(SupervisionNotification.warning_id == energy.id)
        ).all()
        users = {x.user_id for x in n}
        admins = set(s.scalars(select(Membership.user_id).where(Membership.organisation_id == e0)))
    assert {park.user_ids["park_admin"], park.user_ids["park_analyst"], park.user_ids["regulator"]} <= users
    assert users - {park.user_ids[r] for r in ("park_admin", "park_analyst", "regulator")} <= admins
    mine = warnings.list_notifications(db, admin, park.park_id, _page(), unread=True)
    assert mine.count == r.raised
    assert warnings.mark_notifications_read(db, admin, park.park_id) == r.raised
    # the webhook: one signed POST per raised warning, HMAC-SHA256 of the exact body
    assert len(received) == r.raised
    headers, body = received[0]
    assert (
        headers["x-parkcarbon-signature"]
        == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    )
    assert json.loads(body)["event"] == "raised"
    # acknowledged: a re-evaluation of the same situation keeps it acknowledged, no new delivery
    acked = warnings.acknowledge_warning(
        db, admin, park.park_id, energy.id, WarningAck(note="扩产审批中 expansion")
    )
    assert acked.status == "acknowledged" and acked.ack_note == "扩产审批中 expansion"
    again = warnings.evaluate_warnings(db, admin, park.park_id, AS_OF, now=NOW)
    assert again.reraised == 0 and again.raised == 0 and len(received) == r.raised
    # it worsens: the target is cut so the projection exceeds it — red, raised again
    targets.set_target(
        db, SYSTEM, park.park_id, TargetSet(enterprise_id=e0, year=2025, energy_tce=projected / 1.1)
    )
    worse = warnings.evaluate_warnings(db, admin, park.park_id, AS_OF, now=NOW)
    assert worse.reraised == 1
    w = warnings.get_warning(db, admin, park.park_id, energy.id)
    assert (w.level, w.status, w.raise_count) == ("red", "open", 2)
    assert json.loads(received[-1][1])["event"] == "reraised"
    # acknowledged again; then the projection grows by more than 5 % over the acknowledged value
    warnings.acknowledge_warning(db, admin, park.park_id, energy.id, WarningAck(note="ok"))
    with db.transaction() as s:
        s.execute(
            update(SupervisionWarning)
            .where(SupervisionWarning.id == energy.id)
            .values(ack_value=projected / 1.06)
        )
    grown = warnings.evaluate_warnings(db, admin, park.park_id, AS_OF, now=NOW)
    assert grown.reraised == 1
    events = [e.action for e in warnings.warning_events(db, admin, park.park_id, energy.id)]
    assert events == ["raised", "acknowledged", "reraised", "acknowledged", "reraised"]
    # resolved when the condition goes: the target is raised far above the projection
    targets.set_target(
        db, SYSTEM, park.park_id, TargetSet(enterprise_id=e0, year=2025, energy_tce=projected * 3)
    )
    resolved = warnings.evaluate_warnings(db, admin, park.park_id, AS_OF, now=NOW)
    assert resolved.resolved == 1
    assert warnings.get_warning(db, admin, park.park_id, energy.id).status == "resolved"
    # enterprise members see only their own enterprise's warnings
    member = principal(db, park, "enterprise_member")
    assert {x.enterprise_id for x in warnings.list_warnings(db, member, park.park_id, _page()).data} <= {e0}


def test_webhook_failure_is_recorded_not_raised(db: Database, park: SeededPark) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    targets.update_settings(
        db,
        SYSTEM,
        park.park_id,
        SettingsUpdate(webhook_url=f"http://127.0.0.1:{port}/x", webhook_secret=SECRET),
    )
    r = warnings.evaluate_warnings(db, SYSTEM, park.park_id, AS_OF, now=NOW)
    assert r.webhook_deliveries >= 1 and r.webhook_failures == r.webhook_deliveries
    with db.read() as s:
        d = s.execute(
            select(WebhookDelivery.status, WebhookDelivery.attempts, WebhookDelivery.last_error).where(
                WebhookDelivery.park_id == park.park_id
            )
        ).all()
    assert d and all(status == "failed" and attempts == 1 and error for status, attempts, error in d)


def test_api(client: TestClient, db: Database, park: SeededPark, settings: Settings) -> None:
    from parkcarbon.services.accounts.schemas import LoginRequest

    def token(role: str) -> dict[str, str]:
        login = auth.login(db, settings, LoginRequest(email=park.users[role], password=PASSWORD))  # type: ignore[arg-type]
        return bearer(login.token.access_token)

    pid = park.park_id
    r = client.get(
        f"/api/v1/parks/{pid}/monitoring", params={"as_of": "2025-03-15"}, headers=token("regulator")
    )
    assert r.status_code == 200, r.text
    assert r.json()["as_of"] == "2025-03-15" and len(r.json()["enterprises"]) == len(park.enterprise_ids)
    r = client.get(f"/api/v1/parks/{pid}/monitoring", headers=token("enterprise_member"))
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    r = client.get(
        f"/api/v1/parks/{pid}/monitoring",
        params={"as_of": "2025-03-15", "year": 2024},
        headers=token("regulator"),
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/parks/{pid}/warning-evaluations",
        params={"as_of": "2025-03-15"},
        headers=token("park_admin"),
    )
    assert r.status_code == 200, r.text
    listed = client.get(
        f"/api/v1/parks/{pid}/warnings", params={"status": "open"}, headers=token("regulator")
    ).json()
    assert listed["count"] >= 1
    wid = listed["data"][0]["id"]
    r = client.post(
        f"/api/v1/parks/{pid}/warnings/{wid}/acknowledge", json={"note": "seen"}, headers=token("regulator")
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/v1/parks/{pid}/warnings/{wid}/acknowledge",
        json={"note": "seen"},
        headers=token("park_analyst"),
    )
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    r = client.get(f"/api/v1/parks/{pid}/monitoring/power", params={"hours": 12}, headers=token("park_admin"))
    assert r.status_code == 200


def _page() -> Any:
    from parkcarbon.services.pagination import PageParams

    return PageParams(limit=100, offset=0)


def test_unmetered_activity_data_counts_prorated_by_days(db: Database, park: SeededPark) -> None:
    from parkcarbon.services.intake.unmetered_activity import ActivityRecordCreate, create_record

    e1 = park.enterprise_ids[1]
    before = monitoring.park_monitoring(db, SYSTEM, park.park_id, as_of=AS_OF, now=NOW)
    for start, end in ((date(2025, 2, 1), date(2025, 2, 28)), (date(2025, 2, 15), date(2025, 3, 16))):
        create_record(
            db, SYSTEM, e1,
            ActivityRecordCreate(carrier="diesel", quantity=2.0, unit="t", period_start=start, period_end=end,
                                 use="combustion", document_ref=f"D-{start}"),
            today=date(2025, 3, 31),
        )  # fmt: skip
    m = monitoring.park_monitoring(db, SYSTEM, park.park_id, as_of=AS_OF, now=NOW)
    f_before = next(e for e in before.enterprises if e.enterprise_id == e1)
    f = next(e for e in m.enterprises if e.enterprise_id == e1)
    # GB/T 2589-2020 Table A.2: diesel 1.4571 kgce/kg; the second delivery spans 30 days of which 29 fall
    # on or before 15 March (14 in February, 15 in March)
    kgce = KGCE[("diesel", "")]
    expected_t = 2.0 + 2.0 * 29 / 30
    assert math.isclose(f.ytd_tce - f_before.ytd_tce, expected_t * kgce, rel_tol=1e-9)
    assert math.isclose(f.mtd_tce - f_before.mtd_tce, 2.0 * 15 / 30 * kgce, rel_tol=1e-9)
    diesel = next(c for c in m.carriers if c.carrier == "diesel")
    assert math.isclose(diesel.ytd_quantity, expected_t, rel_tol=1e-9)


def test_plan_projection_and_rising_intensity(db: Database, park: SeededPark) -> None:
    e0 = park.enterprise_ids[0]
    actual = {(2025, 1): 500.0, (2025, 2): 400.0, (2024, 1): 600.0, (2024, 2): 600.0}
    for (y, mo), v in actual.items():
        targets.record_economics(db, SYSTEM, e0, EconomicsRecord(year=y, month=mo, output_value_10k_cny=v))
    plan = {mo: 450.0 + 10 * mo for mo in range(1, 13)}
    for mo, v in plan.items():
        targets.record_economics(
            db, SYSTEM, e0, EconomicsRecord(year=2025, month=mo, kind="plan", output_value_10k_cny=v)
        )
    m = monitoring.park_monitoring(db, SYSTEM, park.park_id, as_of=AS_OF, now=NOW)
    f0 = next(e for e in m.enterprises if e.enterprise_id == e0)
    # production plan: YTD + the year's remaining planned output × the YTD intensity (January–February)
    jf25 = kwh(0, date(2025, 1, 1), date(2025, 2, 28)) * TCE_PER_KWH
    intensity = jf25 / 900.0
    remaining = plan[3] * (1 - 15 / 31) + sum(plan[mo] for mo in range(4, 13))
    ytd = kwh(0, date(2025, 1, 1), AS_OF) * TCE_PER_KWH
    assert f0.projection_method == "plan"
    assert math.isclose(f0.projected_tce or 0, ytd + remaining * intensity, rel_tol=1e-9)
    # intensity rose: 2025's January–February against 2024's (more energy, less output)
    jf24 = kwh(0, date(2024, 1, 1), date(2024, 2, 29)) * TCE_PER_KWH
    rise = intensity / (jf24 / 1200.0) - 1
    assert rise > 0.05
    warnings.evaluate_warnings(db, SYSTEM, park.park_id, AS_OF, now=NOW)
    w = next(
        x for x in warnings.list_warnings(db, SYSTEM, park.park_id, _page()).data
        if x.key == f"intensity_rise:2025:{e0}"
    )  # fmt: skip
    assert w.level == "yellow" and math.isclose(w.numbers["rise"], rise, rel_tol=1e-9)
    assert w.numbers["months"] == [1, 2]


class _FlakyReceiver(BaseHTTPRequestHandler):
    """Answers 503 to the first ``fail_first`` POSTs, then 204."""

    fail_first: ClassVar[int] = 0
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        cls = type(self)
        cls.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        if len(cls.received) <= cls.fail_first:
            self.send_response(503)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"busy")
        else:
            self.send_response(204)
            self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[tuple[str, type[_FlakyReceiver]]]:
    _FlakyReceiver.received = []
    _FlakyReceiver.fail_first = 0
    server = HTTPServer(("127.0.0.1", 0), _FlakyReceiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _FlakyReceiver
    server.shutdown()
    server.server_close()


def _deliveries(db: Database, park_id: int) -> list[Any]:
    with db.read() as s:
        return list(
            s.execute(
                select(
                    WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.attempts,
                    WebhookDelivery.last_status_code, WebhookDelivery.last_error,
                    WebhookDelivery.delivered_at,
                )
                .where(WebhookDelivery.park_id == park_id)
                .order_by(WebhookDelivery.id)
            ).all()
        )  # fmt: skip


def test_failed_webhook_is_redelivered_on_the_next_evaluations(
    db: Database, park: SeededPark, flaky: tuple[str, type[_FlakyReceiver]]
) -> None:
    url, rx = flaky
    rx.fail_first = 2  # the first POST and the first retry fail, the second retry succeeds
    targets.update_settings(db, SYSTEM, park.park_id, SettingsUpdate(webhook_url=url, webhook_secret=SECRET))
    # no targets: the only condition is enterprise 1's data gap → one warning, one delivery
    first = warnings.evaluate_warnings(db, SYSTEM, park.park_id, AS_OF, now=NOW)
    assert (first.raised, first.webhook_deliveries, first.webhook_retries, first.webhook_failures) == (
        1,
        1,
        0,
        1,
    )
    [(did, status, attempts, code, error, delivered_at)] = _deliveries(db, park.park_id)
    assert (status, attempts, code, delivered_at) == ("failed", 1, 503, None)
    assert error == "HTTP 503: busy"
    second = warnings.evaluate_warnings(db, SYSTEM, park.park_id, AS_OF, now=NOW)
    assert (second.raised, second.webhook_deliveries, second.webhook_retries, second.webhook_failures) == (
        0, 0, 1, 1,
    )  # fmt: skip
    assert _deliveries(db, park.park_id)[0][1:4] == ("failed", 2, 503)
    third = warnings.evaluate_warnings(db, SYSTEM, park.park_id, AS_OF, now=NOW)
    assert (third.webhook_deliveries, third.webhook_retries, third.webhook_failures) == (0, 1, 0)
    [(_, status, attempts, code, error, delivered_at)] = _deliveries(db, park.park_id)
    assert (status, attempts, code, error) == ("delivered", 3, 204, None) and delivered_at is not None
    # three POSTs of the same delivery, each signed over its own body
    assert len(rx.received) == 3
    for headers, body in rx.received:
        assert json.loads(body)["delivery_id"] == did and json.loads(body)["event"] == "raised"
        assert (
            headers["x-parkcarbon-signature"]
            == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        )
    # delivered: not sent again
    fourth = warnings.evaluate_warnings(db, SYSTEM, park.park_id, AS_OF, now=NOW)
    assert (fourth.webhook_retries, len(rx.received)) == (0, 3)


def test_redelivery_stops_after_max_attempts_and_on_url_change(
    db: Database, park: SeededPark, flaky: tuple[str, type[_FlakyReceiver]]
) -> None:
    url, rx = flaky
    rx.fail_first = 1000
    targets.update_settings(db, SYSTEM, park.park_id, SettingsUpdate(webhook_url=url))
    assert warnings.MAX_WEBHOOK_ATTEMPTS == 5
    retried = [
        warnings.evaluate_warnings(db, SYSTEM, park.park_id, AS_OF, now=NOW).webhook_retries for _ in range(7)
    ]
    assert retried == [0, 1, 1, 1, 1, 0, 0]  # 1 first attempt + 4 retries = 5 attempts
    assert len(rx.received) == 5
    [(_, status, attempts, code, _, _)] = _deliveries(db, park.park_id)
    assert (status, attempts, code) == ("failed", 5, 503)
    # a failed delivery to a URL that is no longer configured is not retried
    with db.transaction() as s:
        s.execute(update(WebhookDelivery).values(attempts=1))
    targets.update_settings(db, SYSTEM, park.park_id, SettingsUpdate(webhook_url=url + "/new"))
    moved = warnings.evaluate_warnings(db, SYSTEM, park.park_id, AS_OF, now=NOW)
    assert moved.webhook_retries == 0 and len(rx.received) == 5


def test_park_yoy_covers_only_enterprises_with_a_complete_last_year(db: Database, park: SeededPark) -> None:
    """Issue 13 §2: an enterprise without last year's data is "not comparable" and left out of the
    park's year on year, which says how many enterprises it covers (hand sums, like for like)."""
    lines = ["meter_code,ts,value"]
    t, value = datetime(2025, 1, 1, tzinfo=TZ), 0.0
    while t <= datetime(2025, 3, 15, 21, tzinfo=TZ):
        lines.append(f"E03-EL-MAIN,{t.isoformat()},{value:.3f}")
        value += 5000.0
        t += timedelta(hours=6)
    result = readings.submit_readings(
        db, _settings(), SYSTEM, ("\n".join(lines) + "\n").encode(), content_type="text/csv",
        park_id=park.park_id, now=int(NOW.timestamp()),
    )  # fmt: skip
    assert not result.rejected, result.rejected[:3]
    m = monitoring.park_monitoring(db, principal(db, park, "regulator"), park.park_id, as_of=AS_OF, now=NOW)
    f2 = next(e for e in m.enterprises if e.enterprise_id == park.enterprise_ids[2])
    assert f2.yoy_comparable is False and f2.last_year_coverage_pct == 0.0 and f2.ytd_tce > 0
    this = kwh(0, date(2025, 1, 1), AS_OF) + kwh(1, date(2025, 1, 1), AS_OF)
    last = kwh(0, date(2024, 1, 1), date(2024, 3, 15)) + kwh(1, date(2024, 1, 1), date(2024, 3, 15))
    assert m.park.yoy_subjects_covered == 2
    assert m.park.yoy_subjects == len(park.enterprise_ids)
    assert math.isclose(m.park.last_year_ytd_tce or 0, last * TCE_PER_KWH, rel_tol=1e-9)
    assert math.isclose(m.park.yoy_tce_pct or 0, (this - last) / last * 100, rel_tol=1e-9)


def test_archived_meters_leave_the_counts_but_not_the_totals(db: Database, park: SeededPark) -> None:
    """An archived meter is not counted, not in completeness, never offline; its past consumption stays in
    every total (issue 12 §3; fails on the old code: enterprise 1 still counted its archived meters)."""
    from parkcarbon.services.registry import meters

    e1 = park.enterprise_ids[1]
    m0 = monitoring.park_monitoring(db, SYSTEM, park.park_id, as_of=AS_OF, now=NOW)
    before = next(e for e in m0.enterprises if e.enterprise_id == e1)
    assert before.meters > 0 and before.completeness_pct == pytest.approx(100.0 * 52 / 60)
    with db.read() as s:
        ids = list(s.scalars(select(Meter.id).where(Meter.enterprise_id == e1)))
    for mid in ids:
        meters.delete_meter(db, SYSTEM, mid)
    m = monitoring.park_monitoring(db, SYSTEM, park.park_id, as_of=AS_OF, now=NOW)
    after = next(e for e in m.enterprises if e.enterprise_id == e1)
    assert after.meters == 0 and after.offline_meters == 0
    assert after.completeness_pct != pytest.approx(100.0 * 52 / 60)
    report = quality_report(db, SYSTEM, park.park_id, start=datetime(2025, 3, 1, tzinfo=TZ), end=NOW)
    assert e1 not in {q.enterprise_id for q in report.enterprises if q.meters}
    ytd1 = kwh(1, date(2025, 1, 1), AS_OF)
    assert math.isclose(after.ytd_tce, ytd1 * TCE_PER_KWH, rel_tol=1e-9)
    assert math.isclose(after.ytd_tce, before.ytd_tce, rel_tol=1e-12)
