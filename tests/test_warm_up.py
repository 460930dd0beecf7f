"""The hosted entry (serve.py): the server starts, warms every page's default view in the
background before anyone visits, and a first visitor then finds the slowest page ready."""

from __future__ import annotations

import asyncio
import time

import pytest

from explorer import course, ui
from tests.helpers import AppServer

pytestmark = pytest.mark.slow


def test_serve_py_warms_every_page_then_serves_them_fast():
    server = AppServer(script="serve.py", warm_up=True).start()
    try:
        deadline = time.monotonic() + 300
        log = ""
        while "warm-up: done" not in log and time.monotonic() < deadline:
            time.sleep(1)
            log = server.log_path.read_text()
        assert "warm-up: done" in log, log[-2000:]
        assert "failed" not in log, log[-2000:]
        for page in ["", *(p.url_path for p in course.LEARNING_PATH)]:
            assert f"warm-up: /{page} ready" in log, page
        # A first visitor after the warm-up: the page's run is served from the caches.
        seconds = asyncio.run(ui._visit(server.url, "collaborative_filtering"))
        assert seconds < 3.0, seconds
    finally:
        server.stop()
