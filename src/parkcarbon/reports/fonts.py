"""Finding a CJK font that can be embedded in a PDF.

ReportLab embeds TrueType-outline fonts as subsets (``/FontFile2`` with a ``ToUnicode`` map, so the
text is extractable). OpenType fonts with CFF outlines — Debian's ``fonts-noto-cjk`` among them —
cannot be embedded by ReportLab and are skipped. The font is looked for, in order:

1. ``PARKCARBON_CJK_FONT`` = ``/path/font.ttf`` or ``/path/fonts.ttc#index``;
2. fontconfig: ``fc-list ':lang=zh:fontformat=TrueType' file index``;
3. well-known Debian paths (``fonts-wqy-microhei``, ``fonts-wqy-zenhei``, ``fonts-arphic-uming``,
   ``fonts-droid-fallback``).

Nothing is vendored into the repository; a machine without such a font gets
:class:`FontNotFoundError` naming the remedy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache

__all__ = ["FONT_NAME", "REMEDY", "FontNotFoundError", "cjk_font"]

FONT_NAME = "ParkcarbonCJK"
REMEDY = (
    "install a CJK TrueType font, e.g. Debian's fonts-wqy-microhei (apt-get install -y fonts-wqy-microhei), "
    "or set PARKCARBON_CJK_FONT=/path/to/font.ttf (or fonts.ttc#index); OpenType/CFF fonts such as "
    "Noto Sans CJK cannot be embedded"
)
_KNOWN = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)


class FontNotFoundError(RuntimeError):
    """No embeddable CJK font was found; the message says how to install one."""


def _candidates() -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    explicit = os.environ.get("PARKCARBON_CJK_FONT")
    if explicit:
        path, _, index = explicit.partition("#")
        out.append((path, int(index or 0)))
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            listing = subprocess.run(
                [fc_list, ":lang=zh:fontformat=TrueType", "file", "index"],
                capture_output=True, text=True, timeout=20, check=False,
            ).stdout  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            listing = ""
        for line in sorted(listing.splitlines()):
            path, _, rest = line.partition(":")
            index = rest.split("index=")[-1].split(":")[0] if "index=" in rest else "0"
            if path.strip():
                out.append((path.strip(), int(index or 0)))
    out.extend(_KNOWN)
    return out


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register an embeddable CJK TrueType font with ReportLab (once) and return its name.

    Raises
    ------
    FontNotFoundError
        When no candidate can be loaded; the message names the remedy.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    tried: list[str] = []
    for path, index in _candidates():
        if not os.path.isfile(path):
            continue
        try:
            font = TTFont(FONT_NAME, path, subfontIndex=index)
        except (TTFError, OSError, ValueError) as exc:
            tried.append(f"{path}#{index}: {exc}")
            continue
        pdfmetrics.registerFont(font)
        return FONT_NAME
    detail = f" (tried: {'; '.join(tried)})" if tried else ""
    raise FontNotFoundError(f"no embeddable CJK font for the PDF report: {REMEDY}{detail}")
