"""Demo park build time: ``build_demo_park`` against the raw bulk insert of the same readings.

Run ``python benchmarks/demo.py`` (``--help`` for options; default: the CLI's 40 enterprises, history
from 1 January of the previous year, seed 42, SQLite). It

1. **build**: builds the demo park in a fresh SQLite database, as ``parkcarbon demo`` does (users, meters,
   15-minute history from 1 January of the previous year with intake arithmetic and rollups, activity
   data, enterprise file, economics and targets), and prints the time of each step;
2. **reference**: loads the very rows the build stored (read back, not timed) into the ``readings`` table
   of a second fresh database holding the same meters — one-transaction ``executemany`` through the
   platform's own connection settings (foreign keys on, the intake's WAL setting), as
   ``benchmarks/ingest.py`` defines the raw bulk insert; and, for context, the multi-row ``VALUES`` load
   the history loader itself uses;

and prints readings/s of the whole build and of its history step next to the reference, with the ratios.
Absolute figures on the shared 2-core VM drift by ±30 %; the ratio, measured in one run, is the result.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from parkcarbon.demo.generator import build_demo_park
from parkcarbon.settings import load_settings
from parkcarbon.store.db import Database, make_engine
from parkcarbon.store.migrate import upgrade
from parkcarbon.store.timeseries import SQLITE_WAL_AUTOCHECKPOINT, insert_many

#: Tables the readings depend on (copied into the reference database before its load).
REGISTRY = ("parks", "organisations", "areas", "meters")


def build(url: str, args: argparse.Namespace, now: datetime) -> tuple[float, int, dict[str, float]]:
    engine = make_engine(url)
    t0, cpu0 = time.perf_counter(), time.process_time()
    upgrade(engine)
    settings = load_settings(env="development", database_url=url)
    park = build_demo_park(
        Database(engine), settings, seed=args.seed, days=args.days, enterprises=args.enterprises,
        password="Bench-Passw0rd-2026", now=now,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    park.timings["cpu (all threads)"] = time.process_time() - cpu0
    engine.dispose()
    return seconds, park.readings, park.timings


def read_back(path: Path) -> list[np.ndarray]:
    import sqlite3

    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT meter_id, ts, value, delta, flags FROM readings ORDER BY meter_id, ts"
    ).fetchall()
    con.close()
    cols = list(zip(*rows, strict=True))
    return [np.asarray(cols[0]), np.asarray(cols[1]), np.asarray(cols[2], dtype=float),
            np.asarray(cols[3], dtype=float), np.asarray(cols[4])]  # fmt: skip


def fresh_reference(src: Path, dst: Path) -> Database:
    """A migrated database holding the build's parks, organisations, areas and meters (not timed)."""
    import sqlite3

    url = f"sqlite:///{dst}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    con = sqlite3.connect(dst)  # foreign keys off (sqlite3's default) while copying the registry
    con.execute("ATTACH DATABASE ? AS src", (str(src),))
    for table in REGISTRY:
        con.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table}")
    con.commit()
    con.execute("DETACH DATABASE src")
    con.close()
    return Database(make_engine(url))


def executemany_load(db: Database, cols: list[np.ndarray]) -> float:
    """One transaction ``executemany`` (the reference of benchmarks/ingest.py)."""
    rows = list(zip(*(c.tolist() for c in cols), strict=True))
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT}")
        start = time.perf_counter()
        cur.execute("BEGIN")
        cur.executemany("INSERT INTO readings (meter_id, ts, value, delta, flags) VALUES (?,?,?,?,?)", rows)
        cur.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        raw.close()


def multirow_load(db: Database, cols: list[np.ndarray]) -> float:
    """Multi-row ``INSERT … VALUES`` in one transaction (the statement shape of the history loader)."""
    lists = tuple(c.tolist() for c in cols)
    with db.engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT}")
        conn.commit()
        start = time.perf_counter()
        with conn.begin():
            insert_many(conn, "INSERT INTO readings (meter_id, ts, value, delta, flags) VALUES", lists)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=None, help="default: from 1 January of last year")
    parser.add_argument("--enterprises", type=int, default=40)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-multirow", action="store_true", help="skip the multi-row reference")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="pc-bench-demo-") as tmp:
        work = Path(tmp)
        demo_db = work / "demo.db"
        seconds, readings, timings = build(f"sqlite:///{demo_db}", args, now)
        span = "from 1 January of last year" if args.days is None else f"{args.days} days"
        print(f"demo park: {args.enterprises} enterprises, history {span}, seed {args.seed}")
        print(f"  build (migrations + build_demo_park): {seconds:7.2f} s   {readings:,} readings")
        for key, value in timings.items():
            print(f"    {key:<18} {value:7.2f} s")
        cols = read_back(demo_db)
        assert cols[0].shape[0] == readings, "the build reports the readings it stored"
        ref = fresh_reference(demo_db, work / "ref.db")
        t_ref = executemany_load(ref, cols)
        ref.dispose()
        history = timings["history"]
        print(f"  reference executemany load of the same rows: {t_ref:7.2f} s")
        print(f"  build    {readings / seconds:12,.0f} readings/s   ratio to reference {t_ref / seconds:.2f}")
        print(f"  history  {readings / history:12,.0f} readings/s   ratio to reference {t_ref / history:.2f}")
        print(f"  reference{readings / t_ref:12,.0f} readings/s")
        if not args.no_multirow:
            ref2 = fresh_reference(demo_db, work / "ref2.db")
            t_multi = multirow_load(ref2, cols)
            ref2.dispose()
            print(
                f"  (context) multi-row VALUES load: {t_multi:7.2f} s, {readings / t_multi:,.0f} readings/s"
            )
            print(f"  (context) history ÷ multi-row time ratio {t_multi / history:.2f}")


if __name__ == "__main__":
    main()
