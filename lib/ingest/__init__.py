"""Agency files in, clean rows and located problems out: everything about reading an upload.

This package owns turning the bytes of a CSV, XLSX, XLS or ODS file as Thai
offices send it into rows fit to load and a list of problems, each located as
the user sees it in Excel with its reason in Thai and English; it writes
nothing. The steps are one module each: ``files`` (decoding, CSV grids),
``workbooks`` (XLSX, XLS and ODS sheets), ``header`` (the header row, label
cells, note rows), ``shapes`` (two-row headers, year x month grids),
``layout`` and ``mapping`` (column roles given by the user or a saved layout),
``sheets`` (several sheets read together, a sheet's name or title as its
period), ``forms`` (long and wide sheets to cells), ``items``, ``areas``,
``periods`` and ``values`` (reading what a cell names), ``validate`` (per-cell
checks, duplicates), ``totals`` (total rows set aside and checked against
their members, provinces carried down), ``result`` (problems and their
messages) and ``read``
(:func:`read_upload`, the one entry point). ``guards`` checks the limits of
:mod:`lib.core.limits` on the raw bytes (size, zip archives, XML, CSV lines) and
``quotes`` the quoting of a CSV file; ``xlsguard`` checks an XLS file's declared
sizes and links before its reader allocates anything. ``templates`` writes the upload forms that
``read_upload`` reads back.
"""

from lib.ingest.files import TEMPLATE_SHEET
from lib.ingest.guards import file_size_problem
from lib.ingest.header import HEADER_WORDS
from lib.ingest.layout import Layout, parse_column_option
from lib.ingest.periods import normalise_period
from lib.ingest.read import read_upload
from lib.ingest.result import CLEAN_COLUMNS, Problem, UploadResult

__all__ = [
    "CLEAN_COLUMNS",
    "HEADER_WORDS",
    "TEMPLATE_SHEET",
    "file_size_problem",
    "Layout",
    "parse_column_option",
    "Problem",
    "UploadResult",
    "normalise_period",
    "read_upload",
]
