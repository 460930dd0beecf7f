"""The app for a hosted server: `streamlit run serve.py` (what `make run`, the Dockerfile and
the replicas use). The same pages as `streamlit run app.py`, plus a warm-up that starts with
the server: before the first visitor arrives, one quiet session opens every page's default
view, so torch is imported, the data are loaded, the default models are trained and the
charts are built (all cached for every session). A room that opens a link on a server that
has just woken up then finds it ready. And Streamlit's scripts go out gzip-compressed
(explorer.compressed_static): about 1.7 MB instead of 6 MB for a first visit. The warm-up
also turns Nagle's algorithm off on the server's sockets (explorer.tcp): with it on, each
small script or message waited 40 ms for the browser's acknowledgement.

On a host that runs `streamlit run app.py` (Streamlit Community Cloud), the page kit starts
the same warm-up on the first visit instead (explorer.ui).
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware

from explorer import compressed_static, ui


@asynccontextmanager
async def lifespan(_app):
    ui.start_warm_up()
    yield {}


# Streamlit's scripts gzip-compressed: a quarter of the bytes over a room's Wi-Fi.
app = st.App("app.py", lifespan=lifespan,
             middleware=[Middleware(compressed_static.middleware)])
