"""What a visitor sees on one URL of the app, as plain JSON: shared by the recorder
(tests/golden/record.py) and the replay test (tests/test_golden_urls.py).

A URL is "<url_path>?<querystring>", e.g. "gradient_descent?lr=0.5&opt=Momentum". It is
opened under AppTest with the query string as `at.query_params`, run, and run once more:
a preset writes its values into the URL only on the run after it was applied, and a visitor
sees the page settle the same way.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

from tests.helpers import PAGE_FILES, app_test, url_path_of

GOLDEN = Path(__file__).resolve().parent / "urls.json"

# Widget keys that are not part of what is compared: '_' keys opt out of the URL on purpose
# (a canvas, an upload, a per-row edit form) and preset buttons are covered by ?preset=.
SKIPPED_PREFIXES = ("_", "preset_btn_")

# Keys of the pages' st.tabs(..., key=..., bind="query-params"). AppTest shows tabs as
# unkeyed blocks, so the chosen tab is read from session state under these keys.
TAB_KEYS = ("view", "mode", "tab")

ALERTS = ("info", "warning", "error", "success")

# Numbers a visitor reads in a sentence rather than in a metric, per page: name -> a pattern
# found in the text of one markdown or caption element. Every number in the matched text is
# recorded as it is printed. Only deterministic sentences: never a timing.
TEXT_NUMBERS: dict[str, dict[str, str]] = {
    "pixels_to_matrix": {
        "prediction": r"The network says \*\*\d\*\* \(\d+% sure\)",
        "digit": r"(?:Digit|Scan) #[\d,]+ of the [\d,]+ [^,]*, labelled \*\*\d\*\*",
        "baseline_says": r"Here that says \*\*\d\*\*; the network[^*]* says \*\*\d\*\*",
        "silent_units": r"\(\d+ of \d+ are 0 here\)",
    },
    "activation_functions": {
        # Functions tab (no metric there): where the chosen function saturates.
        "saturated": r"\*\*Saturated\*\* \(slope below [^)]*\): .*",
        # Why bend tab without an activation: the line the whole network collapses to.
        "collapsed_line": r"the whole network is \*\*y = [^*]*\*\*",
        # Why bend tab: two linear layers checked against their single product matrix.
        "two_layers_check": r"Check with x = \(1, −2\): .*",
    },
    "backprop_graph": {
        # Network tab: the loss of the one training example.
        "network_loss": r"loss C = \*\*[^*]+\*\*",
    },
    "convolution_kernels": {
        "output": r"\*\*Output\*\*: [^,]+, values from \S+ to \S+",
        "unit_sum": r"The sum of the products plus the bias is .*?\(\S+\)",
        "pooled": r"After \w+ pooling \(.*",
        "tiny_cnn": r"trained on [\d,]+ MNIST digits .* gets \*\*[\d.]+%\*\* of the [\d,]+ "
                    r"held-out digits right \([\d,]+\)",
        "cnn_says": r"The CNN says \*\*\d\*\*.*",
    },
    "tabular": {
        "verdict": r"On this split the network's .*",
        # Parameter count and batch size, not the training time after them.
        "network_size": r"[\d,]+ trainable numbers · batch size \d+",
    },
}
NUMBER = re.compile(r"[−-]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[+−-]?\d+)?%?")


def page_scripts() -> dict[str, str]:
    """URL path -> page script, for every file in pages/."""
    return {url_path_of(script): script for script in PAGE_FILES}


def url_key(url_path: str, params: dict[str, str]) -> str:
    """The URL as a visitor would paste it (spaces as %20, commas kept)."""
    return f"{url_path}?{urlencode(params, quote_via=quote, safe=',')}"


def split_key(key: str) -> tuple[str, dict[str, str]]:
    url_path, _, query = key.partition("?")
    return url_path, dict(parse_qsl(query, keep_blank_values=True))


def open_url(script: str, params: dict[str, str]):
    """The page opened on this query string, after it settled (two runs)."""
    at = app_test(script)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    at.run()
    return at


def jsonable(value):
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value
    if hasattr(value, "item"):  # a numpy scalar
        return jsonable(value.item())
    if hasattr(value, "isoformat"):  # a date or time
        return value.isoformat()
    return str(value)


def widget_values(at) -> dict:
    """Every keyed widget the page drew (in every tab: AppTest renders them all) -> value."""
    values = {}
    for node in at:
        key = getattr(node, "key", None)
        if not key or key.startswith(SKIPPED_PREFIXES) or not hasattr(node, "value"):
            continue
        try:
            value = node.value
        except Exception as exc:  # an element AppTest cannot read: record that it is there
            value = f"<unreadable: {type(exc).__name__}>"
        if key in values:
            raise AssertionError(f"two widgets with key {key!r}")
        values[key] = jsonable(value)
    return values


def tab_values(at) -> dict:
    return {key: jsonable(at.session_state[key]) for key in TAB_KEYS
            if key in at.session_state}


def metric_values(at) -> dict:
    """Metric label -> its value as shown; a repeated label gets ' #2', ' #3', ..."""
    metrics: dict[str, str] = {}
    for metric in at.get("metric"):
        label, n = metric.label, 1
        while label in metrics:
            n += 1
            label = f"{metric.label} #{n}"
        metrics[label] = str(metric.value)
    return metrics


def alert_texts(at) -> dict:
    """The sentences in info, warning, error and success boxes, sorted per kind."""
    return {kind: sorted(str(el.value) for el in at.get(kind))
            for kind in ALERTS if at.get(kind)}


def text_numbers(at, url_path: str) -> dict:
    patterns = TEXT_NUMBERS.get(url_path, {})
    if not patterns:
        return {}
    texts = [str(el.value) for kind in ("markdown", "caption") for el in at.get(kind)]
    found = {}
    for name, pattern in patterns.items():
        for text in texts:
            match = re.search(pattern, text)
            if match:
                found[name] = NUMBER.findall(match.group(0))
                break
    return found


def observe(at, url_path: str) -> dict:
    """What the settled page shows, in the form stored in urls.json."""
    return {
        "exception": [str(e.value) for e in at.exception],
        "widgets": widget_values(at),
        "tabs": tab_values(at),
        "metrics": metric_values(at),
        "alerts": alert_texts(at),
        "numbers": text_numbers(at, url_path),
    }

