"""Tests for the "today" of lib.ingest.read_upload: the pinned EIS_AS_OF day, not the machine's."""

from __future__ import annotations

from datetime import date

from lib.ingest import read_upload
from tests.fixtures_ingest import areas, codes, items, long_file


def test_without_as_of_the_pinned_day_decides_which_periods_have_ended(monkeypatch):
    # Pinned well before the machine's date: by the machine's clock both months have ended.
    monkeypatch.setenv("EIS_AS_OF", "2025-04-15")
    data = long_file(
        [
            ["FIN01", "ระยอง", "2025-03", "5", ""],  # ended 2025-03-31, before the pinned day
            ["FIN01", "ระยอง", "2025-04", "6", ""],  # ends 2025-04-30, after it
        ]
    )
    result = read_upload(data, "upload.csv", items(), areas())
    assert codes(result) == [(3, "งวด", "period_in_future")]
    assert "(as of 2025-04-15)" in result.problems[0].message_en
    assert result.clean["period"].tolist() == ["2025-03"]


def test_an_explicit_as_of_still_wins_over_the_pinned_day(monkeypatch):
    monkeypatch.setenv("EIS_AS_OF", "2025-04-15")
    data = long_file([["FIN01", "ระยอง", "2025-04", "6", ""]])
    result = read_upload(data, "upload.csv", items(), areas(), as_of=date(2025, 5, 1))
    assert result.ok and result.clean["period"].tolist() == ["2025-04"]
