"""The carbon-asset ledger (issue 18): checked recording and journal replay rates.

``python benchmarks/assets.py [--lots 100000] [--owners 40]``

In memory (``core.assets.Ledger``): ``--lots`` GEC lots of 10 serials each are allocated to ``--owners``
enterprises, then half of each lot is claimed (splitting the range). Measured: the checked rate of
``Ledger.apply`` (every rule of the module: serial uniqueness across the park, trade-once, validity,
claim-once), the rate of ``Ledger.replay`` (what the service does to load a stored journal before each
recording), and balances at a date. The reference in the same run is the bare bookkeeping a ledger
cannot do without: a ``bisect.insort`` of each serial range into one sorted list, so the ratio says
what the checks and the double entry cost on top of it.
"""

from __future__ import annotations

import argparse
import bisect
import time
from datetime import date
from decimal import Decimal

from parkcarbon.core.assets import InstrumentKind, Ledger, Lot, SerialRange, Transaction, TxKind


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lots", type=int, default=100_000)
    ap.add_argument("--owners", type=int, default=40)
    args = ap.parse_args()
    lot = Lot(
        InstrumentKind.GEC, project="P", technology="wind", production_month=date(2025, 3, 1), tradable=True
    )
    day = date(2025, 6, 1)
    txs = []
    for i in range(args.lots):
        owner = i % args.owners + 1
        rng = SerialRange(f"B{i % 97}", (i // 97) * 10, (i // 97) * 10 + 9)
        txs.append(Transaction(TxKind.FREE_ALLOCATION, owner, day, lot, Decimal(10), (rng,)))
    claims = [
        Transaction(
            TxKind.CLAIM,
            t.owner,
            day,
            lot,
            Decimal(5),
            (SerialRange(t.serials[0].block, t.serials[0].start, t.serials[0].start + 4),),
        )
        for t in txs
    ]

    t0 = time.perf_counter()
    sorted_ranges: list[tuple[str, int, int]] = []
    for t in [*txs, *claims]:
        r = t.serials[0]
        bisect.insort(sorted_ranges, (r.block, r.start, r.end))
    reference = (2 * args.lots) / (time.perf_counter() - t0)

    ledger = Ledger()
    t0 = time.perf_counter()
    for t in txs:
        ledger.apply(t)
    for t in claims:
        ledger.apply(t)
    checked = (2 * args.lots) / (time.perf_counter() - t0)

    loaded = Ledger()
    t0 = time.perf_counter()
    for applied in ledger.journal:
        loaded.replay(applied.transaction, applied.rules_used)
    replay = len(ledger.journal) / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    holdings = loaded.holdings(1, day)
    balance_s = time.perf_counter() - t0

    print(
        f"transactions            {2 * args.lots:>12,}  "
        f"({args.lots:,} lots × allocate + claim, {args.owners} owners)"
    )
    print(f"reference insort        {reference:>12,.0f} /s")
    print(f"checked apply           {checked:>12,.0f} /s   ratio {checked / reference:.3f}")
    print(f"replay (load journal)   {replay:>12,.0f} /s   ratio {replay / reference:.3f}")
    print(f"balances of one owner   {balance_s * 1000:>12,.1f} ms  ({len(holdings)} lot(s))")


if __name__ == "__main__":
    main()
