"""Run the collaborative filtering page on an uploaded CSV, in a process of its own, and
report what it cost: CPU and wall seconds of the page's run, the process's peak memory,
and what the page said. For tests that bound the cost of one upload (issue 20, finding 7)
and check what an upload's text becomes on the page.

    python tests/collab_upload.py ratings.csv [param=value ...]  -> one JSON line

AppTest cannot drive a file uploader, so st.file_uploader is replaced by one that returns
the file: the rest of the page runs as it does for a visitor.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGE = "pages/8_collaborative_filtering.py"


class _Upload:
    def __init__(self, path: Path):
        self.name = path.name
        self._data = path.read_bytes()

    def getvalue(self) -> bytes:
        return self._data


def peak_rss_mb() -> float:
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux carries it over
    an exec from the parent (the pytest process, whose peak after a full run is ~1 GB, since
    subprocess starts children with vfork); /proc's VmHWM belongs to this program alone."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def run(csv: Path, params: dict[str, str]) -> dict:
    import streamlit as st

    from tests.helpers import app_test, visible_text

    upload = _Upload(csv)
    st.file_uploader = lambda *args, **kwargs: upload  # the page reads st.file_uploader
    at = app_test(PAGE, timeout=600)
    at.query_params["cf_dataset"] = "your CSV"
    for key, value in params.items():
        at.query_params[key] = value
    before_rss = peak_rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    at.run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": peak_rss_mb(),
        "peak_rss_before_mb": before_rss,
        "exception": [e.value for e in at.exception],
        "text": visible_text(at),
        "markdown": [m.value for m in at.markdown] + [c.value for c in at.caption]
        + [a.value for kind in ("info", "warning", "error") for a in getattr(at, kind)],
        "metrics": {m.label: str(m.value) for m in at.metric},
    }


if __name__ == "__main__":
    extra = dict(arg.split("=", 1) for arg in sys.argv[2:])
    print(json.dumps(run(Path(sys.argv[1]), extra)))
