"""A report document as PDF, made with WeasyPrint from lib.reports.html.

WeasyPrint lays the page out with Pango, which breaks Thai lines between words
(libthai) when the text is marked lang="th", and embeds the Sarabun font from
static/fonts. It fetches nothing else: the URL fetcher hands out the font files
and refuses every other address (http, https, data, files elsewhere), so a report
never touches the network whatever its text holds. A one-page document (the
cockpit) is set smaller until it fits one page.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from lib.core import settings
from lib.reports.document import Document
from lib.reports.html import to_html

FONTS_DIR = settings.ROOT / "static" / "fonts"
ONE_PAGE_SIZES = (9.0, 8.0, 7.0, 6.0)  # the cockpit's type sizes, tried in turn


class RefusedURL(ValueError):
    """A report asked for something other than its fonts (refused: no network, no files)."""


class FontsOnlyFetcher(URLFetcher):
    """WeasyPrint's URL fetcher for reports: file:// URLs under `fonts_dir` only."""

    def __init__(self, fonts_dir: Path = FONTS_DIR):
        super().__init__(allowed_protocols=("file",))
        self.fonts_dir = Path(fonts_dir).resolve()

    def fetch(self, url, headers=None):
        """The font file at `url`; RefusedURL for any other address."""
        path = font_path(url, self.fonts_dir)
        return URLFetcherResponse(url, body=path.read_bytes())


def font_path(url: str, fonts_dir: Path = FONTS_DIR) -> Path:
    """The file a file:// URL names when it lies under fonts_dir; RefusedURL otherwise.

    >>> font_path("http://example.com/x.png")
    Traceback (most recent call last):
    ...
    lib.reports.pdf.RefusedURL: report refused to fetch 'http://example.com/x.png': only fonts
    """
    parts = urlsplit(url)
    refused = RefusedURL(f"report refused to fetch {url!r}: only fonts")
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise refused
    path = Path(url2pathname(unquote(parts.path))).resolve()
    base = Path(fonts_dir).resolve()
    if base not in path.parents or not path.is_file():
        raise refused
    return path


def _render(doc: Document, thai_digits: bool, font_pt: float | None):
    """The laid-out WeasyPrint document."""
    page = to_html(doc, FONTS_DIR, use_thai_digits=thai_digits, font_pt=font_pt)
    return HTML(string=page, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=FontsOnlyFetcher())


def to_pdf(doc: Document, thai_digits: bool = False) -> bytes:
    """The document as PDF bytes (A4, Sarabun, Thai line breaking, title metadata).

    thai_digits: every digit printed as a Thai digit (๐-๙), page numbers too. A one-page
    document is set at 9pt, then smaller (to 6pt) until it fits one page.
    """
    return render_pdf(doc, thai_digits)[0]


def render_pdf(doc: Document, thai_digits: bool = False) -> tuple[bytes, int]:
    """`to_pdf`'s bytes and the number of pages they hold."""
    sizes = ONE_PAGE_SIZES if doc.one_page else (None,)
    for size in sizes:
        rendered = _render(doc, thai_digits, size).render()
        if len(rendered.pages) <= 1:
            break
    return rendered.write_pdf(), len(rendered.pages)
