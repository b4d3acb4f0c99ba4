"""Read a transcribed reference CSV (lines starting with '#' are the source header)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent


def rows(relpath: str) -> list[dict[str, str]]:
    text = (HERE / relpath).read_text(encoding="utf-8")
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def header(relpath: str) -> str:
    text = (HERE / relpath).read_text(encoding="utf-8")
    return "\n".join(ln for ln in text.splitlines() if ln.startswith("#"))
