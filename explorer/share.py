"""The address of the view on screen, and its QR code, so a room can open on their phones
exactly what the projector shows. Pure Python: no streamlit here."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from urllib.parse import urlencode, urlsplit

# Behind a proxy the browser's address may not be the public one: this setting wins.
PUBLIC_URL_ENV = "EXPLORER_PUBLIC_URL"


def view_url(browser_url: str | None, url_path: str,
             params: Iterable[tuple[str, str]]) -> str | None:
    """The public URL of a page with these query parameters (repeated keys repeat).

    browser_url: the page's address as the browser sees it (st.context.url), used unless
    EXPLORER_PUBLIC_URL names the app's public root."""
    public = os.environ.get(PUBLIC_URL_ENV, "").strip()
    if public:
        base = public.rstrip("/") + ("/" + url_path if url_path else "")
    elif browser_url:
        parts = urlsplit(browser_url)
        base = f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")
        if url_path and not base.endswith("/" + url_path):
            base += "/" + url_path
    else:
        return None
    query = urlencode(list(params))
    return base + ("?" + query if query else "")


@functools.lru_cache(maxsize=64)
def qr_png(url: str, scale: int = 8) -> bytes:
    """A QR code of `url` as PNG bytes (medium error correction, the standard quiet zone)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
