"""Rendering report content to PDF (ReportLab, embedded CJK subset) and XLSX (openpyxl)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from xml.sax.saxutils import escape

from parkcarbon.reports.fonts import cjk_font

__all__ = ["Block", "Sheet", "fmt", "render_pdf", "render_xlsx"]

BlockKind = Literal["title", "subtitle", "heading", "subheading", "para", "note", "table", "kv", "pagebreak"]


@dataclass
class Block:
    """One piece of a report: a title, heading, paragraph, key–value list or table."""

    kind: BlockKind
    text: str = ""
    header: list[str] | None = None
    rows: list[list[Any]] = field(default_factory=list)
    widths: list[float] | None = None  # fractions of the text width


@dataclass
class Sheet:
    """One worksheet: a header row and data rows (numbers stay numbers)."""

    name: str
    header: list[str]
    rows: list[list[Any]]
    widths: list[int] | None = None


def fmt(value: Any, digits: int = 2) -> str:
    """A number as printed in reports (thousands separators, fixed decimals); text as is."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def render_pdf(
    blocks: Sequence[Block], *, title: str, footer: str = "", watermark: str | None = None
) -> bytes:
    """An A4 PDF of ``blocks`` in the CJK font (embedded as a TrueType subset).

    Raises
    ------
    parkcarbon.reports.FontNotFoundError
        When no embeddable CJK font is installed (the message names the remedy).
    """
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    styles = {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=6
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            parent=base,
            fontSize=11,
            leading=16,
            alignment=TA_CENTER,
            textColor=colors.HexColor("#444444"),
            spaceAfter=10,
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontSize=13,
            leading=18,
            spaceBefore=10,
            spaceAfter=4,
            textColor=colors.HexColor("#0b5d3b"),
        ),
        "subheading": ParagraphStyle(
            "subheading", parent=base, fontSize=10.5, leading=15, spaceBefore=6, spaceAfter=2
        ),
        "para": base,
        "note": ParagraphStyle(
            "note", parent=base, fontSize=8, leading=11, textColor=colors.HexColor("#555555")
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=10),
    }
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="parkcarbon",
    )
    story: list[Any] = []
    for block in blocks:
        if block.kind == "pagebreak":
            story.append(PageBreak())
        elif block.kind in {"table", "kv"}:
            header = block.header or []
            rows = [header] if header else []
            rows += block.rows
            data = [[Paragraph(escape(fmt(c)), styles["cell"]) for c in row] for row in rows]
            if not data:
                continue
            ncols = max(len(r) for r in data)
            widths = [doc.width * w for w in (block.widths or [1.0 / ncols] * ncols)]
            table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
            style = [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa7a0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, -1), font),
            ]
            if header:
                style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3efe8")))
            if block.kind == "kv":
                style.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f5f3")))
            table.setStyle(TableStyle(style))
            if block.text:
                story.append(Paragraph(escape(block.text), styles["subheading"]))
            story.append(table)
            story.append(Spacer(1, 4 * mm))
        else:
            story.append(Paragraph(escape(block.text).replace("\n", "<br/>"), styles[block.kind]))

    def decorate(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(16 * mm, 9 * mm, footer)
        canvas.drawRightString(A4[0] - 16 * mm, 9 * mm, f"{canvas.getPageNumber()}")
        if watermark:
            canvas.setFont(font, 48)
            canvas.setFillColor(colors.Color(0.8, 0.2, 0.2, alpha=0.15))
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, watermark)
        canvas.restoreState()

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def render_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one worksheet per :class:`Sheet`; header rows bold and frozen."""
    from openpyxl.styles import Alignment, Font, PatternFill

    from parkcarbon import sheets as xl

    wb = xl.new_workbook()
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name[:31])
        xl.append_row(ws, sheet.header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="E3EFE8")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in sheet.rows:
            xl.append_row(ws, [_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for i, width in enumerate(sheet.widths or [18] * len(sheet.header), start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    return xl.workbook_bytes(wb)


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, int | float | str | bool):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return str(value)
