"""Tests for lib/ingest/result.py: problems read in Thai or English through lib.core.i18n."""

from __future__ import annotations

import pytest

from lib.core.i18n import InputError, message_of
from lib.ingest import read_upload
from lib.ingest.result import FileProblem, make_problem
from tests.fixtures_ingest import areas, items, read


def test_a_problem_reads_in_the_chosen_language():
    problem = read(b"").problems[0]
    assert (problem.code, problem.message("th"), problem.message("en")) == (
        "empty_file",
        "ไฟล์ว่าง ไม่มีข้อมูล",
        "The file is empty",
    )
    with pytest.raises(ValueError, match="unknown language"):
        problem.message("fr")


def test_a_file_that_cannot_be_read_is_an_input_error_in_both_languages():
    exc = FileProblem(make_problem("bad_encoding", th=" (ไบต์ 0xff)", en=" (byte 0xff)"))
    assert isinstance(exc, InputError)
    assert message_of(exc, "th").startswith("อ่านตัวอักษรในไฟล์ไม่ได้") and "0xff" in str(exc)
    assert message_of(exc, "en") == str(exc) == exc.problem.message_en


def test_an_unknown_language_is_refused_before_reading():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        read_upload(b"x", "x.csv", items(), areas(), lang="fr")
