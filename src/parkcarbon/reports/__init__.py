"""Report rendering (报告生成): PDF with an embedded CJK TrueType subset, and XLSX workbooks.

Pure rendering: services build the content (:class:`Block` lists and :class:`Sheet` tables) from
stored results and lineage; this package turns it into bytes. No database, no HTTP.
"""

from parkcarbon.reports.fonts import FontNotFoundError, cjk_font
from parkcarbon.reports.render import Block, Sheet, render_pdf, render_xlsx

__all__ = ["Block", "FontNotFoundError", "Sheet", "cjk_font", "render_pdf", "render_xlsx"]
