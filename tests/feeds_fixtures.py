"""What the feed tests share: a small store with a layout and accounts, documents, a loopback
HTTP server serving them, and a closed port."""

from __future__ import annotations

import http.server
import io
import shutil
import socket
import threading

import pytest
from openpyxl import Workbook

from lib.ingest.layout import Layout
from lib.services import auth, layouts
from lib.store import Store
from tests.conftest import add_app_users

HEADER = ("หน่วยงานย่อย", "รอบรายงาน", "ร้อยละสะสม")
LAYOUT = Layout({HEADER[0]: "area", HEADER[1]: "period", HEADER[2]: "item:FIN01"})
LAYOUT_NAME = "ระบบคลังจังหวัด"
FEED_USERS = (("admin1", "admin", None, None), ("pco20", "staff", "PCO", "20"))


def csv_bytes(rows) -> bytes:
    """A CSV document of (area, period, value) rows under HEADER."""
    lines = [",".join(HEADER), *(",".join(str(x) for x in row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def json_bytes(rows) -> bytes:
    import json

    records = [dict(zip(HEADER, row, strict=True)) for row in rows]
    return json.dumps({"records": records}, ensure_ascii=False).encode("utf-8")


def prepare_store(path) -> None:
    """Accounts beside pto21 (an administrator, another agency's staff) and PTO's layout."""
    with Store(path) as store:
        add_app_users(store, FEED_USERS)
        layouts.save(store, auth.load_user(store, "pto21"), LAYOUT_NAME, LAYOUT, origin="test")


@pytest.fixture(scope="module", name="feed_base")
def feed_base_fixture(small_pto_store_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("feeds") / "base.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    prepare_store(path)
    return path


@pytest.fixture(scope="module", name="feed_base_server")
def feed_base_server_fixture(small_pto_server):
    """The feeds' base store on the shared store's server (a template, never written)."""
    server, template = small_pto_server
    url = server.new_database(template)
    prepare_store(url)
    return server, url.rsplit("/", 1)[1]


@pytest.fixture(name="db_path", params=["file", "server"])
def db_path_fixture(request, feed_base, tmp_path):
    """A private copy of the feeds' base store: a file, then a database on the server."""
    if request.param == "server":
        server, template = request.getfixturevalue("feed_base_server")
        return server.new_database(template)
    path = tmp_path / "data.duckdb"
    shutil.copyfile(feed_base, path)
    return path


@pytest.fixture(name="store")
def store_fixture(db_path):
    with Store(db_path) as s:
        yield s


class _Handler(http.server.BaseHTTPRequestHandler):
    documents: dict = {}

    def do_GET(self):  # noqa: N802 - the standard library's name
        found = self.documents.get(self.path)
        if found is None:
            self.send_error(404)
            return
        body, content_type = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        return


@pytest.fixture(name="http_server")
def http_server_fixture():
    """A loopback HTTP server on a free port: (base URL, documents {path: (bytes, type)})."""
    documents: dict = {}
    handler = type("Handler", (_Handler,), {"documents": documents})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", documents
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def closed_port_url() -> str:
    """A loopback URL nobody listens on (the port was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/data.csv"
