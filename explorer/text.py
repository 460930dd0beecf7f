"""Putting text from strangers (URL values, file names, CSV columns, titles) into the
page's markdown safely. Pure Python: no streamlit here."""

from __future__ import annotations

import re
import string
import unicodedata

# CommonMark lets a backslash escape any ASCII punctuation character. Escaping all of them
# also covers Streamlit's own markdown extensions: $math$, :material/icons:, :red[colour].
_PUNCTUATION = frozenset(string.punctuation)


def escape_markdown(text: object, max_chars: int = 120) -> str:
    """`text` as literal characters in markdown: no link, image, emphasis, HTML or math can
    come out of it. Control characters go, line breaks become spaces and long text is cut with an ellipsis."""
    # Control characters carry nothing a reader needs (a NUL becomes U+FFFD in HTML).
    raw = " ".join("".join(ch for ch in str(text)
                           if ch.isspace() or unicodedata.category(ch) != "Cc").split())
    if len(raw) > max_chars:
        raw = raw[: max_chars - 1] + "…"
    escaped = "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in raw)
    # GitHub-flavoured markdown (Streamlit's) also links bare addresses, escaped or not:
    # http://…, www.…, name@host. An invisible word joiner after ':' and '@' and between
    # 'www' and '.' keeps them text.
    return _AUTOLINK_TRIGGER.sub(lambda m: m.group(0) + WORD_JOINER, escaped)


WORD_JOINER = "\u2060"
_AUTOLINK_TRIGGER = re.compile(r"\\:|\\@|(?i:www)(?=\\\.)")
