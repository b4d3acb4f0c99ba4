"""Day-ahead dispatch solve time (issue 17 §8): linopy + HiGHS vs the same LP written directly.

``python benchmarks/dispatch.py [--repeat 5]``

Cases (tests/energy_system/cases.py): one enterprise (PV 200 kWp, battery 400 kWh / 200 kW, 6 EV
sessions, one flexible load, 96 × 15 min, Jiangsu July tariff with demand charge and a carbon
price) and the 40-enterprise park on one shared connection (40 PV arrays, 40 batteries, 240 EV
sessions, 40 flexible loads). For each: best of ``--repeat`` of

* **model** — ``build_dispatch_model`` + HiGHS through linopy (``io_api="direct"``), LP;
* **reference** — the independent formulation (tests/energy_system/reference_dispatch.py): the matrix
  assembled with scipy.sparse and solved by ``scipy.optimize.linprog(method="highs")``;

printed with the ratio model / reference and the relative objective difference.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.energy_system.cases import enterprise_day, park_day
from tests.energy_system.reference_dispatch import solve_reference

from parkcarbon.core.energy_system import dispatch
from parkcarbon.core.energy_system.dispatch import build_dispatch_model


def best(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    dispatch(enterprise_day(0), battery_exclusive="lp")  # warm the imports
    print(f"{'case':<24}{'model s':>10}{'build s':>10}{'ref s':>10}{'ratio':>8}{'rel. obj diff':>15}")
    for name, problem in (("enterprise (1)", enterprise_day(0)), ("park (40 enterprises)", park_day(40))):
        t_model, res = best(lambda p=problem: dispatch(p, battery_exclusive="lp", with_counterfactual=False),
                            args.repeat)  # fmt: skip
        t_build, _ = best(lambda p=problem: build_dispatch_model(p), args.repeat)
        t_ref, ref = best(lambda p=problem: solve_reference(p), args.repeat)
        diff = abs(res.objective_cny - ref) / max(1.0, abs(ref))  # type: ignore[attr-defined]
        print(f"{name:<24}{t_model:>10.3f}{t_build:>10.3f}{t_ref:>10.3f}{t_model / t_ref:>8.2f}{diff:>15.2e}")


if __name__ == "__main__":
    main()
