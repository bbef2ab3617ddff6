"""A report document as HTML and CSS for WeasyPrint, and the text of its cells.

Every text is escaped (html.escape): a paragraph holding "<img src=...>" prints
those characters and fetches nothing. The page is A4 (across when the document
is landscape), the type Sarabun at 14pt (the visual size of TH Sarabun 16pt, the
government standard), `lang="th"` so Pango breaks Thai lines between words;
tables repeat their header row on each page and right-align numbers; a light is
a coloured cell that keeps its word; check boxes are drawn with CSS (Sarabun has
no ☐/☑ glyphs); the footer and "หน้า N/M" stand on every page, and each section
after the first starts a new page. SARA AM (ำ) is written as NIKHAHIT + SARA AA,
which shapes the same and survives text extraction. `cell_text` and `number_text`
are shared with lib.reports.xlsx so both files show a number the same way.
"""

from __future__ import annotations

import html
import math
import numbers
import re
from pathlib import Path

import pandas as pd

from lib.core.i18n import pick
from lib.core.thaicalendar import THAI_DIGITS
from lib.reports.document import Cell, Checkboxes, Document, Fields, Heading, Paragraph, Table
from lib.views.cockpit.charts import LIGHT_COLOURS, NO_LIGHT
from lib.views.labels import LIGHT_LABELS, NO_LIGHT_LABEL

BODY_PT = 14.0  # Sarabun 14pt looks as TH Sarabun 16pt, the size of Thai government documents
ONE_PAGE_PT = 9.0  # the cockpit's first try at one page (pdf.to_pdf goes smaller if needed)
FILL_COLOURS = {**LIGHT_COLOURS, "grey": NO_LIGHT}  # the cockpit's colours
FILL_INK = {"green": "#ffffff", "amber": "#000000", "red": "#ffffff", "grey": "#000000"}
SARA_AM = "\u0e33"
NIKHAHIT_SARA_AA = "\u0e4d\u0e32"
_TO_THAI_DIGITS = str.maketrans("0123456789", THAI_DIGITS)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # would garble the PDF's text


def thai_digits(text: str) -> str:
    """The text with every digit 0-9 written as a Thai digit.

    >>> thai_digits("0.3500 (2569)")
    '๐.๓๕๐๐ (๒๕๖๙)'
    """
    return text.translate(_TO_THAI_DIGITS)


def is_number(value: object) -> bool:
    """True for an int or float that is not a bool and not NaN (a cell shown as a number)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return not math.isnan(float(value))


def number_text(value: float, decimals: int | None = None) -> str:
    """A number as the forms show it: `decimals` places (scores: 4), thousands separators.

    Without decimals a whole number has none and a fraction at most four.

    >>> number_text(0.35, 4), number_text(12345), number_text(999), number_text(1234.5, 1)
    ('0.3500', '12,345', '999', '1,234.5')
    >>> number_text(2.0), number_text(0.1 + 0.2)
    ('2', '0.3')
    """
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def as_cell(value: object) -> Cell:
    """A table entry as a Cell (plain values become unformatted cells)."""
    return value if isinstance(value, Cell) else Cell(value)


def cell_text(cell: Cell, lang: str = "th") -> str:
    """What a cell shows: its number formatted, its text, a light's word when it has only a
    fill, or nothing (None, NaN)."""
    value = cell.value
    if is_number(value):
        return number_text(value, cell.decimals)
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        if cell.fill:
            return pick(LIGHT_LABELS.get(cell.fill, NO_LIGHT_LABEL), lang)
        return ""
    return str(value)


class _Writer:
    """Text as it goes into the HTML: escaped, Thai digits if asked, SARA AM split."""

    def __init__(self, use_thai_digits: bool):
        self.use_thai_digits = use_thai_digits

    def __call__(self, text: object) -> str:
        out = html.escape(_CONTROL.sub("", str(text)), quote=True)
        if self.use_thai_digits:
            out = thai_digits(out)
        return out.replace(SARA_AM, NIKHAHIT_SARA_AA)

    def lines(self, text: str) -> str:
        """Text with its line breaks kept."""
        return "<br>".join(self(line) for line in str(text).replace("\r\n", "\n").split("\n"))


def font_faces(fonts_dir: Path) -> str:
    """@font-face rules for Sarabun regular and bold, read from file:// URLs."""
    rules = []
    for weight, name in ((400, "Sarabun-Regular.ttf"), (700, "Sarabun-Bold.ttf")):
        url = (fonts_dir / name).resolve().as_uri()
        rules.append(
            f'@font-face {{ font-family: "Sarabun"; font-weight: {weight}; '
            f'src: url("{url}") format("truetype"); }}'
        )
    return "\n".join(rules)


def stylesheet(doc: Document, use_thai_digits: bool, font_pt: float) -> str:
    """The CSS of a document: page, type, tables, lights, check boxes, footer."""
    counter = "thai" if use_thai_digits else "decimal"
    page_word = "Page" if doc.lang == "en" else "หน้า"
    size = "A4 landscape" if doc.landscape else "A4"
    margin = "10mm 10mm 14mm 10mm" if doc.one_page else "20mm 20mm 20mm 25mm"
    fills = "\n".join(
        f"td.light-{name} {{ background: {colour}; color: {FILL_INK[name]}; }}"
        for name, colour in FILL_COLOURS.items()
    )
    return f"""
@page {{ size: {size}; margin: {margin};
  font-family: "Sarabun", sans-serif; font-size: {max(font_pt - 3, 7):.1f}pt;
  @bottom-left {{ content: element(footer); width: 80%; }}
  @bottom-right {{ content: "{page_word} " counter(page, {counter}) "/"
    counter(pages, {counter}); white-space: nowrap; width: 20%; }}
}}
html {{ font-family: "Sarabun", sans-serif; font-size: {font_pt:.1f}pt; line-height: 1.35; }}
body {{ margin: 0; }}
.footer {{ position: running(footer); }}
section + section {{ break-before: page; }}
h1 {{ font-size: 1.15em; text-align: center; margin: 0 0 .2em; }}
h2 {{ font-size: 1em; margin: .6em 0 .2em; }}
p {{ margin: .2em 0; }}
p.small {{ font-size: .8em; color: #333; }}
.subtitle {{ text-align: center; margin-bottom: .5em; }}
table {{ border-collapse: collapse; width: 100%; margin: .3em 0 .6em; }}
caption {{ font-weight: bold; text-align: left; padding-bottom: .2em; break-after: avoid; }}
h2 {{ break-after: avoid; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
th, td {{ border: .6pt solid #000; padding: .1em .3em; vertical-align: top; }}
th {{ background: #e6e6e6; font-weight: bold; text-align: center; }}
td.num {{ text-align: right; white-space: nowrap; }}
td.bold {{ font-weight: bold; }}
{fills}
table.fields td {{ border: 0; padding: .05em .3em .05em 0; }}
table.fields td.label {{ font-weight: bold; white-space: nowrap; width: 1%; }}
.boxes span.option {{ margin-right: 1.5em; white-space: nowrap; }}
.box {{ display: inline-block; width: .7em; height: .7em; border: .8pt solid #000;
  margin-right: .3em; position: relative; top: .1em; }}
.box.checked::after {{ content: ""; position: absolute; left: .2em; top: -.05em;
  width: .22em; height: .5em; border: solid #000; border-width: 0 .15em .15em 0;
  transform: rotate(45deg); }}
"""


def _heading(block: Heading, w: _Writer) -> str:
    tag = "h1" if block.level <= 1 else "h2"
    return f"<{tag}>{w(block.text)}</{tag}>"


def _paragraph(block: Paragraph, w: _Writer) -> str:
    label = f"<b>{w(block.label)}</b> " if block.label else ""
    css = ' class="small"' if block.small else ""
    return f"<p{css}>{label}{w.lines(block.text)}</p>"


def _fields(block: Fields, w: _Writer) -> str:
    rows = "".join(
        f'<tr><td class="label">{w(label)} :</td><td>{w.lines(value)}</td></tr>'
        for label, value in block.rows
    )
    return f'<table class="fields">{rows}</table>'


def _checkboxes(block: Checkboxes, w: _Writer) -> str:
    options = "".join(
        f'<span class="option"><span class="box{" checked" if checked else ""}"></span>'
        f"{w(label)}</span>"
        for label, checked in block.options
    )
    return f'<p class="boxes">{options}</p>'


def _td(cell: Cell, lang: str, w: _Writer) -> str:
    classes = []
    if is_number(cell.value):
        classes.append("num")
    if cell.bold:
        classes.append("bold")
    if cell.fill in FILL_COLOURS:
        classes.append(f"light-{cell.fill}")
    attr = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attr}>{w.lines(cell_text(cell, lang))}</td>"


def _table(block: Table, lang: str, w: _Writer) -> str:
    caption = f"<caption>{w(block.caption)}</caption>" if block.caption else ""
    cols = ""
    if block.widths and len(block.widths) == len(block.columns):
        total = sum(block.widths) or 1.0
        cols = "<colgroup>{}</colgroup>".format(
            "".join(f'<col style="width:{100 * x / total:.2f}%">' for x in block.widths)
        )
    head = "".join(f"<th>{w(c)}</th>" for c in block.columns)
    body = "".join(
        "<tr>{}</tr>".format("".join(_td(as_cell(v), lang, w) for v in row)) for row in block.rows
    )
    return f"<table>{caption}{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def block_html(block, lang: str, w: _Writer) -> str:
    """One block of a section as HTML."""
    if isinstance(block, Heading):
        return _heading(block, w)
    if isinstance(block, Paragraph):
        return _paragraph(block, w)
    if isinstance(block, Fields):
        return _fields(block, w)
    if isinstance(block, Checkboxes):
        return _checkboxes(block, w)
    if isinstance(block, Table):
        return _table(block, lang, w)
    raise TypeError(f"not a report block: {type(block).__name__}")


def to_html(
    doc: Document,
    fonts_dir: Path,
    use_thai_digits: bool = False,
    font_pt: float | None = None,
    lang_attr: str = "th",
) -> str:
    """The document as one HTML page for WeasyPrint (title, sections, running footer).

    font_pt: the body size (default 14pt, or 9pt for a one-page document); lang_attr: the
    language Pango breaks lines by (Thai: between words).
    """
    w = _Writer(use_thai_digits)
    if font_pt is None:
        font_pt = ONE_PAGE_PT if doc.one_page else BODY_PT
    css = font_faces(fonts_dir) + stylesheet(doc, use_thai_digits, font_pt)
    head = f"<h1>{w(doc.title)}</h1>"
    if doc.subtitle:
        head += f'<p class="subtitle">{w.lines(doc.subtitle)}</p>'
    sections = []
    for i, section in enumerate(doc.sections):
        blocks = "\n".join(block_html(b, doc.lang, w) for b in section.blocks)
        sections.append(f"<section>{head if i == 0 else ''}{blocks}</section>")
    if not sections:
        sections.append(f"<section>{head}</section>")
    footer = f'<div class="footer">{w(doc.footer)}</div>'
    return (
        f'<!DOCTYPE html><html lang="{html.escape(lang_attr)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(doc.title)}</title><style>{css}</style></head>"
        f"<body>{footer}{''.join(sections)}</body></html>"
    )
