"""One native thread per numeric call in the app's server process.

Streamlit runs each session's script in its own Python thread. Numeric libraries start
their own worker threads inside a call (OpenBLAS under numpy and scipy, OpenMP under torch
and scikit-learn). When many sessions call them at once, those pools fight over the cores
and spin while they wait. Measured on the 2-core machine: 30 threads each running 20 small
SVDs (the collaborative-filtering movie map) took 281 s with OpenBLAS's default of 2
threads, and 0.29 s with 1. A server's parallelism comes from its sessions, not from
inside one call.
"""

from __future__ import annotations

import os

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_limited = False


def limit_native_threads() -> None:
    """Use one thread per numeric call from now on, in this process. Idempotent."""
    global _limited
    if _limited:
        return
    # Libraries loaded later (torch, scikit-learn's OpenMP, scipy's OpenBLAS) read these
    # when they load; those already loaded (numpy's OpenBLAS) are told directly.
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    _limited = True
