"""Replay the golden URLs (tests/golden/urls.json, written by tests/golden/record.py before a
refactor of the pages): each address must still show the same control values, the same
chosen tab, the same metrics, the same alert sentences and the same numbers in its text, and
no exception.

The comparison is exact (floats to 1e-9 relative). A change on purpose means recording
again: /work/main/.venv/bin/python tests/golden/record.py, and saying why in the commit.
"""

from __future__ import annotations

import json

import pytest

from tests.golden import capture

GOLDEN = json.loads(capture.GOLDEN.read_text())
SCRIPTS = capture.page_scripts()


def expected(value):
    """The recorded value, with floats compared to 1e-9 relative."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9)
    if isinstance(value, list):
        return [expected(v) for v in value]
    return value


def renamed(url_path: str) -> dict[str, str]:
    """Old widget key -> its new name, from the page's declared aliases (a key renamed in
    the refactor keeps its old name as an alias, so old links still work)."""
    from explorer import course

    try:
        spec = course.page_spec(url_path)
    except ModuleNotFoundError:  # a page not declared yet
        return {}
    return {alias: param.key for param in spec.params for alias in param.aliases}


def test_every_page_is_recorded():
    """A page added after the recording has no golden URLs: record again to cover it."""
    recorded = {capture.split_key(key)[0] for key in GOLDEN}
    assert recorded == set(SCRIPTS)


def test_the_hand_picked_states_use_declared_names():
    """tests/golden/record.py's states must name today's parameters: an old name that is now
    an alias would be rewritten in the URL, and recording fails on it."""
    from explorer import course
    from tests.golden import record

    for url_path, states in record.STATES.items():
        spec = course.page_spec(url_path)
        for state in states:
            assert set(state) <= {p.key for p in spec.params}, (url_path, state)


@pytest.mark.slow
@pytest.mark.parametrize("url", sorted(GOLDEN))
def test_golden_url(url):
    url_path, params = capture.split_key(url)
    assert url_path in SCRIPTS, f"no page in pages/ serves /{url_path}"
    golden = GOLDEN[url]
    at = capture.open_url(SCRIPTS[url_path], params)
    seen = capture.observe(at, url_path)

    assert seen["exception"] == [], seen["exception"]
    new_names = renamed(url_path)
    golden_widgets = {new_names.get(k, k): v for k, v in golden["widgets"].items()}
    assert sorted(seen["widgets"]) == sorted(golden_widgets), "the set of controls changed"
    for key, value in golden_widgets.items():
        assert seen["widgets"][key] == expected(value), f"control {key!r}"
    assert seen["tabs"] == golden["tabs"], "the chosen tab changed"
    assert seen["metrics"] == golden["metrics"]
    assert seen["alerts"] == golden["alerts"]
    assert seen["numbers"] == golden["numbers"], "numbers in the page's sentences changed"
