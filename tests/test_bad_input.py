"""Bad input, everywhere input enters, on every page (discovered, so a new page is covered):
every text field gets hostile and random text, every file uploader gets broken files. Each
must end in a message or a normal render, never an exception, and the page must keep
working afterwards."""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import PAGE_FILES, app_test

HOSTILE_TEXT = [
    "",
    " ",
    "\n\n\t",
    "__import__('os').system('echo pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 0",
    "[x for x in ()]",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "=HYPERLINK(\"http://example.invalid\",\"click\")",
    "+cmd|' /C calc'!A0",
    "1e309, -1e309, 1e-400",
    "nan, inf, -inf",
    "9" * 10_000,
    "(" * 5_000 + "1" + ")" * 5_000,
    "héllo ✓ 日本語 🙂 \u202e\u0000\u0007",
    "a=, =b, ,,,;;;",
]


def _text_widgets(at):
    return [(kind, w.key) for kind in ("text_input", "text_area") for w in at.get(kind)
            if w.key]


def _widget(at, kind, key):
    return next(w for w in at.get(kind) if w.key == key)


def _messages(at) -> int:
    return len(at.error) + len(at.warning) + len(at.info) + len(at.exception)


@pytest.mark.parametrize("script", PAGE_FILES)
def test_hostile_text_in_every_text_field(script):
    at = app_test(script).run()
    fields = _text_widgets(at)
    if not fields:
        pytest.skip("no text field on this page")
    for kind, key in fields:
        original = _widget(at, kind, key).value
        for text in HOSTILE_TEXT:
            _widget(at, kind, key).set_value(text).run()
            assert not at.exception, (key, text[:40], [e.value for e in at.exception])
        _widget(at, kind, key).set_value(original).run()
        assert not at.exception, "the page works again with a good value"


@pytest.mark.parametrize("script", PAGE_FILES)
def test_random_text_in_every_text_field(script):
    probe = app_test(script).run()
    fields = _text_widgets(probe)
    if not fields:
        pytest.skip("no text field on this page")
    at = app_test(script).run()

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(fields), st.text(max_size=200))
    def check(field, text):
        kind, key = field
        _widget(at, kind, key).set_value(text).run()
        assert not at.exception, (key, text, [e.value for e in at.exception])

    check()


# ---- uploads -------------------------------------------------------------------------------


def _png(width: int, height: int, mode: str = "L") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, (width, height), 0).save(buf, format="PNG")
    return buf.getvalue()


def _bad_images() -> list[tuple[str, bytes]]:
    good = _png(40, 40)
    return [
        ("empty.png", b""),
        ("random.png", random.Random(0).randbytes(5_000)),
        ("truncated.png", good[: len(good) // 2]),
        ("notes.png", b"this is a text file with a .png name\n" * 20),
        ("huge.png", _png(10_000, 10_000, mode="1")),
        ("one_pixel.png", _png(1, 1)),
        ("very_wide.png", _png(6_000, 3, mode="1")),
    ]


def _bad_csvs() -> list[tuple[str, bytes]]:
    return [
        ("empty.csv", b""),
        ("header_only.csv", b"user,item,rating\n"),
        ("random.csv", random.Random(1).randbytes(5_000)),
        ("utf16.csv", "user,item,rating\n1,2,3\n".encode("utf-16")),
        ("latin1.csv", "name,ville,note\nJosé,Besançon,4\nZoë,Orléans,5\n".encode("latin-1")),
        ("formulas.csv", b'a,b,c\n=1+1,"=HYPERLINK(""x"")",@SUM(A1)\n+2,-3,=cmd\n'),
        ("wide.csv", (",".join(f"c{i}" for i in range(200_000)) + "\n"
                      + ",".join("1" for _ in range(200_000)) + "\n").encode()),
        ("extreme.csv", b"user,item,rating\n1,1,1e308\n2,2,-1e308\n3,3,1e999\n4,4,nan\n"),
        ("unicode.csv", "用户,物品,评分\n🙂,✓,5\nü,ß,4\n".encode()),
        ("one_column.csv", b"x\n1\n2\n3\n"),
    ]


def _upload_states(script: str):
    """Yield AppTests with a file uploader visible: as the page opens, and after choosing
    every select/radio option whose name mentions an upload."""
    at = app_test(script).run()
    if at.get("file_uploader"):
        yield at
    for kind in ("selectbox", "radio", "segmented_control", "pills"):
        for widget in at.get(kind):
            if not widget.key:
                continue
            for option in getattr(widget, "options", []):
                if "upload" in str(option).lower() or "your own" in str(option).lower():
                    state = app_test(script).run()
                    target = next(w for w in state.get(kind) if w.key == widget.key)
                    target.set_value(option).run()
                    if state.get("file_uploader"):
                        yield state


def _files_for(uploader) -> list[tuple[str, bytes]]:
    types = {t.lower().lstrip(".") for t in uploader.allowed_type}
    files = []
    if types & {"png", "jpg", "jpeg", "gif", "bmp", "webp"} or not types:
        files += _bad_images()
    if types & {"csv", "txt", "tsv"} or not types:
        files += _bad_csvs()
    return files


@pytest.mark.slow
@pytest.mark.parametrize("script", PAGE_FILES)
def test_broken_uploads_give_a_message_and_the_page_keeps_working(script):
    states = list(_upload_states(script))
    if not states:
        pytest.skip("no file upload on this page")
    for at in states:
        for index in range(len(at.get("file_uploader"))):
            for name, content in _files_for(at.get("file_uploader")[index]):
                mime = "text/csv" if name.endswith(".csv") else "image/png"
                at.get("file_uploader")[index].set_value((name, content, mime)).run()
                assert not at.exception, (script, name, [e.value for e in at.exception])
                if name.startswith(("empty", "random", "truncated", "notes")):
                    assert _messages(at) > 0, (script, name, "needs a clear message")
            at.get("file_uploader")[index].set_value(None).run()
            assert not at.exception
