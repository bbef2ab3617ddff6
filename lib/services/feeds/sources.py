"""Where a feed's documents come from: an http(s) URL (standard library, a timeout and a
size cap) or the files dropped into an inbox folder (each filed away once read)."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from lib.core.i18n import InputError
from lib.core.limits import current as current_limits

SCHEMES = ("http", "https")
PROCESSED, REJECTED = "processed", "rejected"  # an inbox's subfolders for files read
_TYPES = {"json": ".json", "csv": ".csv", "text/plain": ".csv", "spreadsheet": ".xlsx"}
_KNOWN = (".csv", ".txt", ".json", ".xlsx", ".xlsm", ".xls", ".ods")


class FeedError(InputError):
    """The feed's source cannot be read now (unreachable, too large, no folder)."""


class TooLarge(InputError):
    """An inbox file over the upload size limit (rejected without being read)."""


def check_url(url: str) -> str:
    """The URL when it is http or https with a host (InputError otherwise)."""
    parts = urlsplit(str(url or "").strip())
    if parts.scheme.lower() not in SCHEMES or not parts.netloc:
        raise InputError(
            f"ที่อยู่ต้องขึ้นต้นด้วย http:// หรือ https:// (ได้ {url!r})",
            f"the URL must be http:// or https:// with a host (got {url!r})",
        )
    return str(url).strip()


def _opener() -> urllib.request.OpenerDirector:
    """http and https only, redirects followed between them (no file:, ftp:, data:)."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def file_name_of(url: str, content_type: str, fallback: str) -> str:
    """A name that tells the reader the document's type: the URL's, else by its type.

    >>> file_name_of("http://h/x/data.json?y=1", "", "f")
    'data.json'
    >>> file_name_of("http://h/", "text/csv; charset=utf-8", "f")
    'f.csv'
    """
    name = Path(urlsplit(url).path).name
    if name.lower().endswith(_KNOWN):
        return name
    kind = next((ext for key, ext in _TYPES.items() if key in content_type.lower()), "")
    return f"{fallback}{kind}"


def fetch(url: str, timeout: float, max_bytes: int | None = None) -> tuple[bytes, str]:
    """The document at an http(s) URL and a name for it; FeedError when it cannot be had."""
    url = check_url(url)
    cap = current_limits().file_bytes if max_bytes is None else int(max_bytes)
    request = urllib.request.Request(url, headers={"User-Agent": "EIS-feed/1"})
    try:
        with _opener().open(request, timeout=timeout) as response:
            data = response.read(cap + 1)
            content_type = response.headers.get("Content-Type", "")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FeedError(f"ดึงข้อมูลจาก {url} ไม่ได้: {reason}", f"cannot fetch {url}: {reason}") from exc
    if len(data) > cap:
        raise FeedError(
            f"เอกสารที่ {url} ใหญ่เกิน {cap:,} ไบต์", f"the document at {url} is over {cap:,} bytes"
        )
    return data, file_name_of(url, content_type, "feed")


def inbox_files(folder: str | Path) -> list[Path]:
    """The files waiting in an inbox folder, oldest name first (FeedError if no folder)."""
    root = Path(folder)
    if not root.is_dir():
        raise FeedError(f"ไม่พบโฟลเดอร์ {root}", f"no folder {root}")
    return sorted(p for p in root.iterdir() if p.is_file() and not p.name.startswith("."))


def read_file(path: Path, max_bytes: int | None = None) -> bytes:
    """An inbox file's bytes; TooLarge (not read) over the upload size limit."""
    cap = current_limits().file_bytes if max_bytes is None else int(max_bytes)
    size = path.stat().st_size
    if size > cap:
        raise TooLarge(
            f"ไฟล์ {path.name} ใหญ่เกิน {cap:,} ไบต์ ({size:,})",
            f"the file {path.name} is over {cap:,} bytes ({size:,})",
        )
    return path.read_bytes()


def file_away(path: Path, outcome: str, now: datetime) -> Path:
    """Move a read file to the inbox's processed/ or rejected/ folder (never overwriting)."""
    target_dir = path.parent / outcome
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{now:%Y%m%dT%H%M%S%f}-{path.name}"
    shutil.move(str(path), str(target))
    return target
