"""Reading agency files: decoding, header, forms, periods, areas, values, validation, templates."""

from lib.ingest.read import (
    CLEAN_COLUMNS,
    HEADER_WORDS,
    TEMPLATE_SHEET,
    Problem,
    UploadResult,
    normalise_period,
    read_upload,
)

__all__ = [
    "CLEAN_COLUMNS",
    "HEADER_WORDS",
    "TEMPLATE_SHEET",
    "Problem",
    "UploadResult",
    "normalise_period",
    "read_upload",
]
