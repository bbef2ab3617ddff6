"""JSON documents of integration feeds: a list of records, or {"records"|"data": [...]}.

The records become a CSV table (one column per key, in order of first appearance), so a
JSON document is read, mapped by a saved layout and validated exactly as a CSV file is
(lib.ingest.read). Row numbers of problems are the table's: the first record is row 2.
"""

from __future__ import annotations

import json

import pandas as pd

from lib.ingest.result import FileProblem, make_problem

RECORD_KEYS = ("records", "data")
OTHER_TYPES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods")


def is_json(data: bytes, file_name: str) -> bool:
    """True for a JSON document: named .json, or unnamed by type and starting with [ or {.

    >>> is_json(b' [{"a": 1}]', "feed"), is_json(b"[a],b", "a.csv"), is_json(b"", "x.json")
    (True, False, True)
    """
    name = str(file_name).lower()
    if name.endswith(".json"):
        return True
    if name.endswith(OTHER_TYPES):
        return False
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"[", b"{")


def _unreadable(th: str, en: str) -> FileProblem:
    return FileProblem(make_problem("unreadable_file", th=f" (JSON: {th})", en=f" (JSON: {en})"))


def records_of(document) -> list:
    """The records of a parsed document (FileProblem when it holds no list of records).

    >>> records_of({"data": [{"a": 1}]}), records_of([{"a": 2}])
    ([{'a': 1}], [{'a': 2}])
    """
    if isinstance(document, dict):
        document = next((document[k] for k in RECORD_KEYS if k in document), None)
    if not isinstance(document, list) or not all(isinstance(r, dict) for r in document):
        raise _unreadable(
            'ต้องเป็นรายการของระเบียน หรือ {"records": [...]} / {"data": [...]}',
            'expected a list of records, or {"records": [...]} / {"data": [...]}',
        )
    return document


def json_as_csv(data: bytes) -> bytes:
    """The records of a JSON document as UTF-8 CSV bytes (FileProblem if it cannot be read).

    >>> json_as_csv(b'{"records": [{"area": "Rayong", "value": 5}]}').decode().split()
    ['area,value', 'Rayong,5']
    """
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _unreadable("รูปแบบไม่ถูกต้อง", f"not valid JSON: {exc}") from exc
    records = records_of(document)
    if not records:
        raise FileProblem(make_problem("empty_file"))
    frame = pd.DataFrame.from_records(records)
    return frame.to_csv(index=False).encode("utf-8")
