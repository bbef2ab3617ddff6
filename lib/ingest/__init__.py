"""Agency files in, clean rows and located problems out: everything about reading an upload.

This package owns turning the bytes of a CSV or XLSX file as Thai offices send
it into rows fit to load and a list of problems, each located as the user sees
it in Excel with its reason in Thai and English; it writes nothing. The steps
are one module each: ``files`` (decoding, CSV and XLSX grids), ``header`` (the
header row, label cells, note rows), ``forms`` (long and wide sheets to cells),
``items``, ``areas``, ``periods`` and ``values`` (reading what a cell names),
``validate`` (per-cell checks, duplicates), ``result`` (problems and their
messages) and ``read`` (:func:`read_upload`, the one entry point). ``guards``
checks the limits of :mod:`lib.core.limits` on the raw bytes (size, zip
archives, XML, CSV lines) and ``quotes`` the quoting of a CSV file. ``templates``
writes the upload forms that ``read_upload`` reads back.
"""

from lib.ingest.files import TEMPLATE_SHEET
from lib.ingest.guards import file_size_problem
from lib.ingest.header import HEADER_WORDS
from lib.ingest.periods import normalise_period
from lib.ingest.read import read_upload
from lib.ingest.result import CLEAN_COLUMNS, Problem, UploadResult

__all__ = [
    "CLEAN_COLUMNS",
    "HEADER_WORDS",
    "TEMPLATE_SHEET",
    "file_size_problem",
    "Problem",
    "UploadResult",
    "normalise_period",
    "read_upload",
]
