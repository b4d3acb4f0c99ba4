"""Reading and writing spreadsheets (CSV and XLSX) — the product's only door to both formats.

Every export and every upload goes through this module, so two rules hold everywhere:

*Writing neutralises formula injection* (OWASP "CSV Injection"). A text cell that begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return would be taken by Excel, WPS or LibreOffice as a formula
(``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``). In CSV such a cell is written with a leading apostrophe
(``'=…``); in XLSX it is stored as a string cell (``data_type="s"``, never ``"f"``) with the quote-prefix
style, so that editing it in Excel keeps it text. A plain number written as text (``-12.5``, ``+3``,
``1e-3``) is left alone: it cannot call anything, and the templates' examples stay numbers.

*Reading is forgiving about the file's origin.* Text encodings: a byte-order mark (UTF-8, UTF-16,
UTF-32) decides; otherwise strict UTF-8, then GB18030 (a CSV saved by Excel or WPS on Chinese Windows,
国标 GB 18030-2022), then the best guess of ``charset_normalizer``. The delimiter is sniffed from the
header line (comma, semicolon — Excel in European locales —, tab or ``|``). Our own apostrophe prefix is
taken off again on reading, so a file we exported reads back to the same cells.

The module is pure (no database, no web): errors are :class:`SheetError` with the offending field, and
callers translate them into their own problem types.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "CSV_MEDIA",
    "FORMULA_TRIGGERS",
    "XLSX_MEDIA",
    "NotASpreadsheet",
    "SheetError",
    "append_row",
    "csv_cell",
    "csv_rows",
    "decode_text",
    "is_formula_like",
    "new_workbook",
    "read_table",
    "read_xlsx",
    "set_cell",
    "sniff_delimiter",
    "workbook_bytes",
    "write_csv",
]

#: First characters that make a spreadsheet application read a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA = "text/csv; charset=utf-8"
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
_DELIMITERS = (",", ";", "\t", "|")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class SheetError(ValueError):
    """A file that cannot be read as a spreadsheet; ``field`` names what is wrong (``file`` by default)."""

    def __init__(self, reason: str, *, field: str = "file") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class NotASpreadsheet(SheetError):
    """The media type or file name says neither CSV nor XLSX."""


# ------------------------------------------------------------------------------------ neutralisation


def is_formula_like(value: Any) -> bool:
    """Whether ``value`` is text that a spreadsheet would evaluate (see the module docstring)."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and _PLAIN_NUMBER.fullmatch(value) is None
    )


def csv_cell(value: Any) -> str:
    """The CSV text of one cell: ``None`` is empty, formula-like text gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else str(value)
    return "'" + text if is_formula_like(text) else text


def _unquote(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and is_formula_like(cell[1:]) else cell


# ------------------------------------------------------------------------------------------- writing


def write_csv(rows: Iterable[Sequence[Any]], *, bom: bool = True, delimiter: str = ",") -> bytes:
    """UTF-8 CSV bytes of ``rows`` (the header is the first row), every cell through :func:`csv_cell`.

    ``bom`` (default) starts the file with a UTF-8 byte-order mark, which Excel needs to read the
    Chinese text as UTF-8.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


def new_workbook() -> Workbook:
    """An empty workbook (no default sheet): add sheets with ``wb.create_sheet(title)``."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.worksheets[0])
    return wb


def set_cell(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write ``value`` to ``ws`` at (``row``, ``column``), 1-based; formula-like text stays text."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def append_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """Append one row to ``ws`` (as ``ws.append``); formula-like text stays text."""
    cells = list(values)
    ws.append(cells)
    row = ws._current_row  # the row ``append`` just wrote
    for col, value in enumerate(cells, start=1):
        if is_formula_like(value):
            cell = ws.cell(row=row, column=col)
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True


def workbook_bytes(wb: Workbook) -> bytes:
    """The ``.xlsx`` file of ``wb``."""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------- reading


def decode_text(data: bytes) -> str:
    """The text of a CSV file: BOM, else UTF-8, else GB18030, else ``charset_normalizer``'s guess.

    Raises
    ------
    SheetError
        No encoding explains the bytes (a binary file).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise SheetError(
                    f"the file starts with a {encoding} byte-order mark but is not {encoding}"
                ) from exc
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or b"\x00" in data:
        raise SheetError("the file is not text (neither UTF-8 nor GB18030 nor another known encoding)")
    return str(best)


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text: the commonest of ``, ; tab |`` in the header line (outside quotes)."""
    first = text.split("\n", 1)[0]
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def csv_rows(text: str, *, delimiter: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` of each CSV record, lazily; the delimiter is sniffed unless given.

    Raises
    ------
    SheetError
        Malformed CSV (the line is in the reason).
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or sniff_delimiter(text))
    try:
        for row in reader:
            yield reader.line_num, [_unquote(c) for c in row]
    except csv.Error as exc:
        raise SheetError(f"malformed CSV at line {reader.line_num}: {exc}") from exc


def read_xlsx(data: bytes) -> list[tuple[int, list[Any]]]:
    """``(row number, cells)`` of the first worksheet of an XLSX file (cached values, not formulas).

    Raises
    ------
    SheetError
        Not a readable XLSX file.
    """
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zipfile, KeyError, InvalidFileException)
        raise SheetError(f"the XLSX file cannot be read: {type(exc).__name__}: {exc}") from exc
    try:
        ws = wb.worksheets[0]
        return [(i, list(row)) for i, row in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        wb.close()


def is_xlsx(data: bytes, *, filename: str | None, content_type: str | None) -> bool:
    """Whether an upload is XLSX (by name, media type or the ZIP signature)."""
    media = (content_type or "").split(";")[0].strip().lower()
    return (filename or "").lower().endswith(".xlsx") or data[:2] == b"PK" or "spreadsheetml" in media


def read_table(data: bytes, *, filename: str | None, content_type: str | None) -> list[tuple[int, list[Any]]]:
    """``(line, cells)`` of an uploaded CSV or XLSX file (XLSX: the first sheet).

    Raises
    ------
    NotASpreadsheet
        The media type is neither CSV nor XLSX.
    SheetError
        Unreadable file.
    """
    if is_xlsx(data, filename=filename, content_type=content_type):
        return read_xlsx(data)
    media = (content_type or "").split(";")[0].strip().lower()
    if media and media not in CSV_TYPES | {"application/octet-stream"}:
        raise NotASpreadsheet(f"{media!r} is neither CSV nor XLSX")
    return list(csv_rows(decode_text(data)))
