"""lib.core.pages: one registry serves the router, the menu and each page's own check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lib.core import pages

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, {"home", "map", "profile", "explore", "account"}),
        ("public", {"home", "map", "profile", "explore", "account"}),
        ("staff", {"home", "cockpit", "map", "profile", "explore", "reports", "upload", "account"}),
        (
            "verifier",
            {
                "home",
                "cockpit",
                "map",
                "profile",
                "explore",
                "reports",
                "upload",
                "verify",
                "account",
            },
        ),
        ("executive", {"home", "cockpit", "map", "profile", "explore", "reports", "account"}),
        ("admin", {p.key for p in pages.PAGES}),
    ],
)
def test_each_role_sees_its_pages(role, expected):
    assert pages.pages_for(role) == expected


def test_every_page_file_exists_and_every_page_file_is_registered():
    registered = {p.path for p in pages.PAGES}
    assert all((ROOT / path).is_file() for path in registered)
    assert {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")} == registered


def test_restricted_pages_check_their_own_key():
    """A page open to fewer than everyone calls ui.require_page with its registry key."""
    for p in pages.PAGES:
        source = (ROOT / p.path).read_text(encoding="utf-8")
        keys = re.findall(r"require_page\([^,]+,\s*\"(\w+)\"\)", source)
        if p.roles == pages.EVERYONE:
            assert keys == [], p.key
        else:
            assert keys == [p.key], p.key


def test_an_unknown_page_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown page 'nope'"):
        pages.page("nope")
