"""Issue 13 §7: the diagnosis ordered by annual saving value (CNY by default; kWh or tCO2e on request),
findings that save nothing and enterprises without a finding left out (``diagnosis.ranked``).

The inputs are hand-made: enterprise A saves more kWh but less money (its kWh fall in the valley period),
B less kWh but more CNY, so the two orders differ; C has only an empty finding; D has no tariff value.
On the old code the page listed enterprises by kWh only and showed C with its empty finding.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parkcarbon.services.errors import InvalidInput
from parkcarbon.services.supervision import diagnosis
from parkcarbon.services.supervision.analysis_schemas import (
    DiagnosisReport,
    EnterpriseDiagnosis,
    FindingPublic,
    SavingPublic,
)


def _finding(rule: str, kwh: float, cny: float | None, tco2e: float) -> FindingPublic:
    return FindingPublic(
        rule=rule, subject="enterprise", title_zh=rule, title_en=rule, evidence={},
        saving=SavingPublic(kwh=kwh, tce=kwh * 1.229e-4, tco2e=tco2e, cny=cny, basis="hand-made"),
        service_kind="energy_management", service_zh="", service_en="", parameters={},
    )  # fmt: skip


def _enterprise(eid: int, *findings: FindingPublic) -> EnterpriseDiagnosis:
    cny = [f.saving.cny for f in findings if f.saving.cny is not None]
    return EnterpriseDiagnosis(
        enterprise_id=eid, enterprise_name=f"E{eid}", observed_hours=672, meters=[], findings=list(findings),
        saving_kwh=sum(f.saving.kwh for f in findings), saving_tce=sum(f.saving.tce for f in findings),
        saving_tco2e=sum(f.saving.tco2e for f in findings), saving_cny=sum(cny) if cny else None,
    )  # fmt: skip


REPORT = DiagnosisReport(
    park_id=1, start=datetime(2026, 11, 5, tzinfo=UTC), end=datetime(2026, 12, 3, tzinfo=UTC),
    timezone="Asia/Shanghai", tariff_document=None, coefficients={}, warnings=[],
    enterprises=[
        _enterprise(1, _finding("base_load", 100_000, 30_000, 58.0), _finding("nothing", 0, 0, 0)),
        _enterprise(
            2, _finding("peak_shift", 20_000, 45_000, 11.6), _finding("power_factor", 60_000, 5_000, 34.8)
        ),
        _enterprise(3, _finding("nothing", 0, None, 0)),
        _enterprise(4, _finding("base_load", 150_000, None, 87.0)),
    ],
)  # fmt: skip


def test_by_cny_the_most_valuable_first_and_unvalued_last() -> None:
    shown = diagnosis.ranked(REPORT)
    # B saves 50 000 CNY, A 30 000 CNY; D has no tariff value (after every valued one); C is empty
    assert [e.enterprise_id for e in shown.enterprises] == [2, 1, 4]
    assert [f.rule for f in shown.enterprises[0].findings] == ["peak_shift", "power_factor"]
    assert [f.rule for f in shown.enterprises[1].findings] == ["base_load"]  # the empty finding is hidden


def test_by_kwh_and_by_tco2e() -> None:
    assert [e.enterprise_id for e in diagnosis.ranked(REPORT, "kwh").enterprises] == [4, 1, 2]
    by_kwh_b = next(e for e in diagnosis.ranked(REPORT, "kwh").enterprises if e.enterprise_id == 2)
    assert [f.rule for f in by_kwh_b.findings] == ["power_factor", "peak_shift"]
    assert [e.enterprise_id for e in diagnosis.ranked(REPORT, "tco2e").enterprises] == [4, 1, 2]


def test_an_unknown_measure_is_refused() -> None:
    with pytest.raises(InvalidInput):
        diagnosis.ranked(REPORT, "tce")  # type: ignore[arg-type]
