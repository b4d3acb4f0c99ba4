"""The demo tells the truth about its park (issue 13 §6): every enterprise has history from 1 January of
the previous year, the warnings evaluated at the end of the history are exactly the planted ones
(``DemoPark.planted_warnings``, demo/generator.py), the products a national quota standard
covers are graded, and the park's month on month and year on year recomputed like for like from the
raw readings and the activity records (SQL, not the monitoring code) equal the monitoring figures.

All on the session-shared ``demo`` fixture (tests/demo/conftest.py); the warnings test writes the
park's warnings (evaluation is idempotent, other tests do not read them).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from parkcarbon import core
from parkcarbon.ingest.flags import EXCLUDED
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import SYSTEM
from parkcarbon.services.supervision import benchmarking, monitoring, warnings
from parkcarbon.store.models import ActivityRecord, Meter, Park, Reading
from tests.demo.conftest import NOW, Built

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = NOW.astimezone(TZ).date()  # Monday 11 May 2026 (10:07 in Suzhou)


def codes(built: Built) -> dict[int | None, str]:
    return {None: "park", **{i: c for c, i in built.park.enterprise_ids.items()}}


def test_every_enterprise_has_history_from_1_january_of_last_year(demo: Built) -> None:
    jan1 = int(datetime(2025, 1, 1, tzinfo=TZ).timestamp())
    with demo.db.read() as s:
        first = dict(
            s.execute(
                select(Meter.enterprise_id, func.min(Reading.ts))
                .join(Reading, Reading.meter_id == Meter.id)
                .where(
                    Meter.park_id == demo.park.park_id,
                    Meter.parent_id.is_(None),
                    Meter.carrier == "electricity",
                )
                .group_by(Meter.enterprise_id)
            ).all()
        )
    assert set(first) == {None, *demo.park.enterprise_ids.values()}
    for ent, ts in first.items():
        assert ts <= jan1 + 900, ent  # the first 15-minute interval of 2025 ends at 00:15
    m = monitoring.park_monitoring(demo.db, SYSTEM, demo.park.park_id, as_of=AS_OF, now=NOW)
    # every enterprise is comparable with last year, so the park's year on year covers all of them
    assert all(e.yoy_comparable and e.last_year_coverage_pct == 100.0 for e in m.enterprises)
    assert m.park.yoy_subjects_covered == m.park.yoy_subjects == len(demo.park.enterprise_ids)
    # last year complete: the seasonal profile, not the linear fallback, for the park and everyone
    assert all(mo.last_year_tce for mo in m.months)
    assert m.park.projection_method == "seasonal"


def test_warnings_are_exactly_the_planted_ones(demo: Built) -> None:
    warnings.evaluate_warnings(demo.db, SYSTEM, demo.park.park_id, AS_OF, now=NOW)
    listed = warnings.list_warnings(
        demo.db, SYSTEM, demo.park.park_id, PageParams(limit=200, offset=0), status="open"
    ).data
    name = codes(demo)
    found = {(name[w.enterprise_id], w.rule, w.level) for w in listed}
    assert demo.park.planted_warnings == {
        ("E04", "energy_total", "red"),
        ("E04", "carbon_total", "red"),
        ("E04", "intensity_rise", "orange"),
        ("E05", "offline_meter", "yellow"),
    }
    assert found == demo.park.planted_warnings
    assert len(listed) == len(found)  # one warning per condition


def test_products_with_a_national_quota_are_graded(demo: Built) -> None:
    report = benchmarking.benchmarking(demo.db, SYSTEM, demo.park.park_id, year=2025)
    graded = {r.product_name: r for r in report.rows if r.quota is not None}
    assert set(graded) == {"甲醛（银法）"}  # E04's formaldehyde; the other products have no national quota
    row = graded["甲醛（银法）"]
    assert row.quota is not None and row.quota.quota_key == "gb46029-2025.formaldehyde_silver"
    assert row.quota.confidence == "M"
    # 690 kgce/t specific energy (× the months' output noise): grade 2 of GB 46029-2025 (680 < x ≤ 700)
    assert row.unit_energy_kgce is not None and 680 < row.unit_energy_kgce <= 700
    assert row.quota.grade == 2


def _tce_of_readings(built: Built, windows: dict[str, tuple[datetime, datetime]], *, enterprises_only: bool):
    """tce of the top-level meters' interval consumption ending in each window ``(a, b]`` plus the
    activity records prorated by seconds, each side with its year's coefficients (the engine)."""
    out: dict[str, float] = defaultdict(float)
    with built.db.read() as s:
        park = s.get(Park, built.park.park_id)
        assert park is not None
        options = core.AccountingOptions(**(park.accounting_options or {}))
        q = select(Meter.id, Meter.carrier, Meter.unit, Meter.purpose).where(
            Meter.park_id == park.id, Meter.parent_id.is_(None), Meter.kind != "instant"
        )
        if enterprises_only:
            q = q.where(Meter.enterprise_id.is_not(None))
        meters = s.execute(q).all()
        records = s.scalars(select(ActivityRecord).where(ActivityRecord.park_id == park.id)).all()
        for key, (a, b) in windows.items():
            ta, tb = int(a.timestamp()), int(b.timestamp())
            for mid, carrier, unit, purpose in meters:
                if purpose == "pv_generation":
                    continue  # own generation, netted in the main meter
                rows = s.execute(
                    select(Reading.delta, Reading.flags).where(
                        Reading.meter_id == mid, Reading.ts > ta, Reading.ts <= tb, Reading.delta.is_not(None)
                    )
                ).all()
                qty = sum(d for d, f in rows if not (f & EXCLUDED))
                use = "exported" if purpose == "export" else None
                c = core.activity_coefficients(
                    carrier, unit, year=a.year, region=park.province, options=options, use=use
                )
                out[key] += qty * c.tce_per_unit
            for r in records:
                p0 = datetime.fromisoformat(r.period_start).replace(tzinfo=TZ)
                p1 = datetime.fromisoformat(r.period_end).replace(tzinfo=TZ).timestamp() + 86_400
                overlap = min(p1, b.timestamp()) - max(p0.timestamp(), a.timestamp())
                if overlap <= 0:
                    continue
                share = r.quantity * overlap / (p1 - p0.timestamp())
                act = {"id": "r", "carrier": r.carrier, "quantity": share, "unit": r.unit}
                if r.ncv is not None:
                    act.update(ncv=r.ncv, ncv_unit=r.ncv_unit)
                res = core.calculate(
                    {
                        "year": a.year,
                        "region": park.province,
                        **(park.accounting_options or {}),
                        "activities": [act],
                    }
                )["results"][0]
                out[key] += float(res["tce"])
    return out


def test_park_mom_and_yoy_recomputed_like_for_like_from_raw_readings(demo: Built) -> None:
    m = monitoring.park_monitoring(demo.db, SYSTEM, demo.park.park_id, as_of=AS_OF, now=NOW)
    # the cutoff is the last full hour (10:00 on 11 May 2026); the previous month and last year run from
    # their first day to the same day and time
    cutoff = datetime(2026, 5, 11, 10, tzinfo=TZ)
    assert m.park.comparison_cutoff is not None
    assert m.park.comparison_cutoff.astimezone(UTC) == cutoff.astimezone(UTC)
    mom = _tce_of_readings(
        demo,
        {
            "mtd": (datetime(2026, 5, 1, tzinfo=TZ), cutoff),
            "prev": (datetime(2026, 4, 1, tzinfo=TZ), datetime(2026, 4, 11, 10, tzinfo=TZ)),
        },
        enterprises_only=False,
    )
    # the park's year on year sums its comparable enterprises (all six here), not its own facilities
    yoy = _tce_of_readings(
        demo,
        {
            "ytd": (datetime(2026, 1, 1, tzinfo=TZ), cutoff),
            "last": (datetime(2025, 1, 1, tzinfo=TZ), datetime(2025, 5, 11, 10, tzinfo=TZ)),
        },
        enterprises_only=True,
    )
    assert math.isclose(m.park.mtd_to_cutoff_tce or 0.0, mom["mtd"], rel_tol=1e-9)
    assert math.isclose(m.park.prev_mtd_tce or 0.0, mom["prev"], rel_tol=1e-9)
    assert m.park.mom_tce_pct is not None
    assert math.isclose(m.park.mom_tce_pct, (mom["mtd"] / mom["prev"] - 1) * 100, rel_tol=1e-9)
    assert m.park.yoy_subjects_covered == len(demo.park.enterprise_ids)
    assert math.isclose(m.park.last_year_ytd_tce or 0.0, yoy["last"], rel_tol=1e-9)
    assert m.park.yoy_tce_pct is not None
    assert math.isclose(m.park.yoy_tce_pct, (yoy["ytd"] / yoy["last"] - 1) * 100, rel_tol=1e-9)
    # a plausible park: E04's second unit (+25 % from December 2025) and the weather, not +400 %
    assert -20 < m.park.yoy_tce_pct < 30
    # month on month −4.6 %: 1–11 May holds the Labour Day holiday; the fuel of both sides is there
    # (the running month's month-to-date stock count, through yesterday) — without it E04's April coal
    # alone made it −17.6 %
    assert -10 < m.park.mom_tce_pct < 5
    with demo.db.read() as s:
        mtd = s.execute(
            select(ActivityRecord.period_end, ActivityRecord.document_ref).where(
                ActivityRecord.enterprise_id == demo.park.enterprise_ids["E04"],
                ActivityRecord.carrier == "bituminous_coal",
                ActivityRecord.period_start == "2026-05-01",
            )
        ).all()
    assert [tuple(r) for r in mtd] == [("2026-05-10", "E04-COAL-202605-MTD")]


def test_an_offline_meter_is_one_warning_not_also_a_data_gap(demo: Built) -> None:
    """Early in a month an offline meter's silence is most of its month-to-date readings: the figure
    ``completeness_pct`` shows it, the warnings report it once (offline_meter), and data_gap judges the
    meters that report (``online_completeness_pct``)."""
    from parkcarbon.services.supervision.targets import settings_of
    from parkcarbon.store.models import Park as ParkRow

    m = monitoring.park_monitoring(demo.db, SYSTEM, demo.park.park_id, as_of=AS_OF, now=NOW)
    e05 = next(e for e in m.enterprises if e.enterprise_id == demo.park.enterprise_ids["E05"])
    assert e05.offline_meters == 1 and e05.online_completeness_pct == 100.0
    assert e05.completeness_pct is not None and e05.completeness_pct < 100.0
    with demo.db.read() as s:
        park = s.get(ParkRow, demo.park.park_id)
        assert park is not None
        settings = settings_of(s, park)
        # the same enterprise on the 2nd of a month: the offline meter's silence is 1/6 of the readings
        early = e05.model_copy(update={"completeness_pct": 83.3})
        one = m.model_copy(update={"enterprises": [early]})
        rules = {c.rule for c in warnings.conditions(one, settings)}
        # a gap in the meters that do report is a data gap
        gappy = early.model_copy(update={"online_completeness_pct": 85.0})
        found = warnings.conditions(m.model_copy(update={"enterprises": [gappy]}), settings)
    assert rules == {"offline_meter"}
    gap = next(c for c in found if c.rule == "data_gap")
    assert gap.level == "yellow" and gap.numbers["online_completeness_pct"] == 85.0
