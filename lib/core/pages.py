"""The one page registry: key, file, URL path, Thai/English title and the roles that may use it.

The router (app.py) builds its navigation from it, the menu lists the pages a
role may use, each restricted page checks its own key against it, and links
between pages name a page by key. Roles are lib.services.auth.ROLES; `None`
is the public (not signed in).
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.core.i18n import Text

SIGNED_IN = frozenset({"staff", "verifier", "executive", "admin"})
EVERYONE = frozenset({"public"}) | SIGNED_IN
UPLOADERS = frozenset({"staff", "verifier"})
VERIFIERS = frozenset({"verifier"})
ADMINS = frozenset({"admin"})


@dataclass(frozen=True)
class Page:
    """One page of the app."""

    key: str
    path: str  # the script, relative to the repository root
    url_path: str  # "" for the start page
    title: Text
    roles: frozenset[str]  # roles that may use it ("public" = not signed in too)


PAGES: tuple[Page, ...] = (
    Page("home", "pages/home.py", "", Text("ภาพรวมข้อมูล", "Data overview"), EVERYONE),
    Page("cockpit", "pages/cockpit.py", "cockpit", Text("ห้องบัญชาการ", "Cockpit"), SIGNED_IN),
    Page("map", "pages/map.py", "map", Text("แผนที่", "Map"), EVERYONE),
    Page("profile", "pages/profile.py", "profile", Text("ข้อมูลจังหวัด", "Province profile"), EVERYONE),
    Page("explore", "pages/explore.py", "explore", Text("สำรวจข้อมูล", "Explore data"), EVERYONE),
    Page("reports", "pages/reports.py", "reports", Text("รายงาน", "Reports"), SIGNED_IN),
    Page("upload", "pages/upload.py", "upload", Text("นำเข้าข้อมูล", "Upload"), UPLOADERS),
    Page("verify", "pages/verify.py", "verify", Text("ตรวจสอบข้อมูล", "Verify"), VERIFIERS),
    Page("admin", "pages/admin.py", "admin", Text("ผู้ดูแลระบบ", "Administration"), ADMINS),
    Page("account", "pages/account.py", "account", Text("บัญชีผู้ใช้", "Account"), EVERYONE),
)
_BY_KEY = {p.key: p for p in PAGES}
# The account page is titled "sign in" for the public.
SIGN_IN_TITLE = Text("เข้าสู่ระบบ", "Sign in")


def page(key: str) -> Page:
    """The page with this key, or ValueError naming the known keys.

    >>> page("cockpit").path
    'pages/cockpit.py'
    """
    try:
        return _BY_KEY[key]
    except KeyError:
        raise ValueError(f"unknown page {key!r}; expected one of {sorted(_BY_KEY)}") from None


def allowed(role: str | None, key: str) -> bool:
    """True when a role (None: the public) may use the page.

    >>> allowed(None, "map"), allowed(None, "cockpit"), allowed("admin", "cockpit")
    (True, False, True)
    """
    return (role or "public") in page(key).roles or role == "admin"


def pages_for(role: str | None) -> set[str]:
    """Keys of the pages a role may use (None: the public view); administrators use all."""
    return {p.key for p in PAGES if allowed(role, p.key)}
