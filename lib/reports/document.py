"""The document model of every report: what a form holds, independent of PDF or XLSX.

A Document is a title and sections; a section (a PDF page run, an XLSX sheet)
is a sequence of blocks. Builders (lib.reports.kpiform, coverage, followup,
cockpit) make documents from the engine's figures; renderers (lib.reports.pdf,
lib.reports.xlsx) draw any document. Text is final (Thai or English as asked,
Buddhist Era dates); numbers stay numbers (Cell.decimals says how they are
shown), so an XLSX cell holds the engine's value and the PDF shows it rounded
the way the official forms do (four decimals for scores).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LIGHTS = ("green", "amber", "red", "grey")  # Cell.fill: a traffic light, as the cockpit's


@dataclass(frozen=True)
class Cell:
    """One table cell: text or a number (shown with `decimals`), a light's fill, bold."""

    value: object = None  # str, int, float or None (blank)
    decimals: int | None = None  # numbers: decimals shown (the forms' scores: 4)
    fill: str | None = None  # one of LIGHTS, or None
    bold: bool = False


@dataclass(frozen=True)
class Heading:
    """A heading (level 1: the form's title lines, 2: a part of the form)."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    """Running text, with an optional bold label before it ("คำอธิบาย :"); line breaks kept;
    small: a note in smaller type (who wrote a field and when)."""

    text: str
    label: str | None = None
    small: bool = False


@dataclass(frozen=True)
class Fields:
    """Label : value pairs, as the form's header lines (ผู้กำกับดูแลตัวชี้วัด : ...)."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Checkboxes:
    """Check boxes on one line: (label, checked), as the form's round boxes."""

    options: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Table:
    """A table: header labels, rows of Cell (or plain values), optional caption and
    relative column widths."""

    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    caption: str | None = None
    widths: tuple[float, ...] | None = None


Block = Heading | Paragraph | Fields | Checkboxes | Table


@dataclass(frozen=True)
class Section:
    """A part of a document: a run of PDF pages (a new page starts each section after the
    first) and one XLSX sheet named `name` (at most 31 characters, unique)."""

    name: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    """A report: title, sections, and how it is printed.

    footer: a line on every PDF page and under each sheet (where and when it was
    made); one_page: fit on one page (the cockpit); landscape: A4 across.
    """

    title: str
    sections: tuple[Section, ...]
    subtitle: str = ""
    footer: str = ""
    lang: str = "th"
    landscape: bool = False
    one_page: bool = False
    file_stem: str = "report"  # file name without extension (ASCII)
    meta: dict = field(default_factory=dict)  # kind, area, fiscal year, round... (for mail)
