"""The server uses one native thread per numeric call (explorer/threads.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import ROOT

# Run in a fresh interpreter: the limit is process-wide, and the libraries loaded after it
# (torch, scikit-learn's OpenMP, scipy's OpenBLAS) must be checked as they load.
PROBE = """
import json
import numpy
import explorer.ui  # what every page imports first
import scipy.linalg, sklearn.ensemble, torch
from threadpoolctl import threadpool_info
print(json.dumps({"torch": torch.get_num_threads(),
                  "pools": [[i["internal_api"], i["num_threads"]] for i in threadpool_info()]}))
"""


def test_every_numeric_library_runs_one_thread_per_call_once_a_page_kit_is_imported():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["torch"] == 1
    apis = {api for api, _ in found["pools"]}
    assert {"openblas", "openmp"} <= apis, found
    assert all(n == 1 for _, n in found["pools"]), found
