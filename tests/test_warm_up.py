"""The hosted entry (serve.py): the server starts, warms every page's default view in the
background before anyone visits, and a first visitor then finds the slowest page ready."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from explorer import course, ui
from tests.helpers import ROOT, AppServer

pytestmark = pytest.mark.slow


def readiness_probe(port: int) -> list[str]:
    """deploy/k8s/deployment.yaml's readiness probe command, on this server's port."""
    import yaml

    deployment = yaml.safe_load((ROOT / "deploy" / "k8s" / "deployment.yaml").read_text())
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    command = container["readinessProbe"]["exec"]["command"]
    assert command[0] == "python"
    return [sys.executable, *command[1:-1], command[-1].replace("8501", str(port))]


def test_serve_py_warms_every_page_then_serves_them_fast(tmp_path, monkeypatch):
    warm_file = tmp_path / "warm"
    monkeypatch.setenv(ui.WARM_FILE_ENV, str(warm_file))
    server = AppServer(script="serve.py", warm_up=True).start()
    try:
        deadline = time.monotonic() + 300
        log = ""
        while "warm-up: done" not in log and time.monotonic() < deadline:
            time.sleep(1)
            log = server.log_path.read_text()
        assert "warm-up: done" in log, log[-2000:]
        assert "failed" not in log, log[-2000:]
        # The readiness probe passes once the warm-up has written its file, not before.
        assert warm_file.read_text() == "warm\n"
        probe = readiness_probe(server.port)
        assert subprocess.run(probe, timeout=30).returncode == 0
        warm_file.unlink()
        assert subprocess.run(probe, timeout=30).returncode == 1
        for page in ["", *(p.url_path for p in course.LEARNING_PATH)]:
            assert f"warm-up: /{page} ready" in log, page
        # and Streamlit's scripts are compressed before anyone asks (explorer.compressed_static)
        assert "static files compressed" in log, log[-2000:]
        # A first visitor after the warm-up: the page's run is served from the caches.
        # In a thread of its own: the session's Chromium (Playwright's sync API) may hold this
        # thread's event loop, and asyncio.run() refuses to start inside a running loop.
        with ThreadPoolExecutor(1) as pool:
            seconds = pool.submit(asyncio.run,
                                  ui._visit(server.url, "collaborative_filtering")).result()
        assert seconds < 3.0, seconds
    finally:
        server.stop()
