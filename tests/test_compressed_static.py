"""serve.py's compression of Streamlit's static files (explorer.compressed_static): the
bytes a browser gets back are the file's, gzip only when asked for, nothing outside the
static folder is ever read, and everything else passes through untouched."""

from __future__ import annotations

import asyncio
import gzip
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from explorer.compressed_static import CompressedStatic, static_folder

SCRIPTS = static_folder() / "static" / "js"
A_SCRIPT = min(SCRIPTS.glob("*.js"), key=lambda p: p.name)


def request(middleware, path: str, *, method: str = "GET", encoding: str | None = "gzip"):
    """Run one HTTP request through the middleware: (status, headers, body, passed_on)."""
    passed_on = []

    async def app(scope, receive, send):  # stands in for Streamlit
        passed_on.append(scope["path"])
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"not here"})

    middleware.app = app
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    headers = [(b"accept-encoding", encoding.encode())] if encoding else []
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    # In a thread of its own: after a browser test the session's Chromium (Playwright's sync
    # API) holds this thread's event loop, and asyncio.run() refuses to start inside it.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, middleware(scope, receive, send)).result()
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body, passed_on


@pytest.fixture
def middleware():
    return CompressedStatic(None)


def test_a_script_comes_back_compressed_and_whole(middleware):
    status, headers, body, passed_on = request(middleware, f"/static/js/{A_SCRIPT.name}")
    assert status == 200 and not passed_on
    assert headers[b"content-encoding"] == b"gzip"
    assert headers[b"content-type"] == b"application/javascript"
    assert int(headers[b"content-length"]) == len(body)
    assert b"immutable" in headers[b"cache-control"]
    assert gzip.decompress(body) == A_SCRIPT.read_bytes()


def test_the_frontend_is_about_a_quarter_once_compressed(middleware):
    raw = packed = 0
    for script in sorted(SCRIPTS.glob("embed.*.js")) + sorted(SCRIPTS.glob("index.*.js")):
        raw += script.stat().st_size
        packed += len(middleware.compressed(script.resolve()))
    assert packed < 0.4 * raw


def test_head_sends_the_headers_only(middleware):
    status, headers, body, _ = request(middleware, f"/static/js/{A_SCRIPT.name}",
                                       method="HEAD")
    assert status == 200 and body == b"" and int(headers[b"content-length"]) > 0


@pytest.mark.parametrize("encoding", [None, "identity", "br", "gzipx", "deflate;q=1"])
def test_no_gzip_unless_the_browser_asks_for_it(middleware, encoding):
    *_, passed_on = request(middleware, f"/static/js/{A_SCRIPT.name}", encoding=encoding)
    assert passed_on == [f"/static/js/{A_SCRIPT.name}"]


@pytest.mark.parametrize("path", [
    "/static/../../__init__.py", "/static/js/../../../config.py", "/static/%2e%2e/index.html",
    "/static/%2e%2e%2f%2e%2e%2f__init__.py", "/static/js/missing.js", "/static/js/",
    "/static/js/a.js%00.png", "/etc/passwd", "/static//etc/passwd.js",
    "/static/..%2F..%2F..%2Fexplorer%2Fui.py", "/_stcore/health", "/", "/tabular",
    "/static/index.html",
])
def test_anything_else_goes_on_to_streamlit(middleware, path):
    status, _, body, passed_on = request(middleware, path)
    assert passed_on == [path] and status == 404 and body == b"not here"


def test_compress_all_covers_the_frontend(middleware):
    assert middleware.compress_all() > 100
    assert middleware.file_for(f"/static/js/{A_SCRIPT.name}") == A_SCRIPT.resolve()


@pytest.mark.slow
def test_serve_py_sends_compressed_scripts():
    """The real server (serve.py, warm-up off): the browser's request for a script gets
    gzip; a request without Accept-Encoding gets the plain file from Streamlit."""
    from tests.helpers import AppServer

    server = AppServer(script="serve.py", warm_up=False).start()
    try:
        url = f"{server.url}/static/js/{A_SCRIPT.name}"
        asked = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, deflate"})
        with urllib.request.urlopen(asked, timeout=30) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(response.read()) == A_SCRIPT.read_bytes()
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.headers.get("Content-Encoding") is None
            assert response.read() == A_SCRIPT.read_bytes()
        with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=30) as response:
            assert response.read() == b"ok"
    finally:
        server.stop()
