"""The tabular page against hostile links and uploads (issue 20): findings 5 and 8 as named
regression tests, the cost of one setting bounded (with a time budget), and strangers' column
names and categories kept out of markdown."""

from __future__ import annotations

import re
import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from explorer import tabular as tab
from explorer import tabular_model as tm
from explorer import tabular_report as tr
from explorer.text import WORD_JOINER
from tests.helpers import app_test, visible_text

PAGE = "pages/7_tabular.py"
IMAGE = "![x](http://127.0.0.1:9/p.png)"
TAG = "<img src=x onerror=alert(1)>"
LINK = "[a](javascript:alert(1))"


def _csv(columns: dict[str, list]) -> bytes:
    return pd.DataFrame(columns).to_csv(index=False).encode()


def _upload(raw: bytes, timeout: float = 240):
    """The page with `raw` uploaded as a CSV (the target is its last column)."""
    at = app_test(PAGE, timeout=timeout)
    at.query_params["dataset"] = "upload"
    at.run()
    at.get("file_uploader")[0].set_value(("table.csv", raw, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _rows(n: int = 120, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return {"x": x, "colour": rng.choice(["red", "blue", "green"], n),
            "y": np.where(x + rng.normal(scale=0.5, size=n) > 0, "up", "down")}


# ---- finding 5: inf, -inf and huge numbers in a CSV ----------------------------------------


HOSTILE_NUMBERS = ["inf", "-inf", "1e400", "-1e309", "1e308", "-1e101", "Infinity"]


def test_finding_5_inf_and_huge_numbers_in_a_feature_become_gaps_not_tracebacks():
    rows = _rows()
    text = [f"{v:.6f}" for v in rows["x"]]
    text[: len(HOSTILE_NUMBERS)] = HOSTILE_NUMBERS
    raw = _csv({**rows, "x": text})
    df, replaced = tab.finite_numbers(tab.read_csv_upload(raw))
    assert replaced == {"x": len(HOSTILE_NUMBERS)}
    assert df["x"].isna().sum() == len(HOSTILE_NUMBERS)
    prepared = tab.prepare(df, "y", seed=0)
    assert "x" in prepared.prep.continuous
    assert np.isfinite(prepared.x_cont_train).all() and np.isfinite(prepared.x_cont_valid).all()
    # Before the fix, scikit-learn raised "Input X contains NaN" / "infinity or a value too
    # large for dtype('float32')" here.
    table = tm.baselines(prepared)
    assert np.isfinite(table.accuracy).all()
    exp = tm.run_network(prepared, tab.NetSettings(epochs=2), seed=0)
    assert np.isfinite(exp.net.history.loss).all()
    note = tr.unusable_numbers_note(replaced, "y")
    assert f"'x' ({len(HOSTILE_NUMBERS)} values)" in note and "treated as missing" in note


def test_finding_5_inf_in_a_regression_target_leaves_those_rows_out_and_says_so():
    rows = _rows(200)
    target = [f"{v:.5f}" for v in 3 * rows["x"] + 1]
    target[:3] = ["inf", "-inf", "1e300"]  # 1e300 is finite but beyond ±1e100
    df, replaced = tab.finite_numbers(tab.read_csv_upload(_csv({**rows, "y": target})))
    assert replaced == {"y": 3}
    prepared = tab.prepare(df, "y", seed=0)
    assert prepared.problem.kind == "regression"
    assert prepared.rows_without_target == 3
    assert len(prepared.train_df) + len(prepared.valid_df) == 197
    assert "3 rows without a usable target value are left out" in tr.problem_words(
        prepared, "RMSE")
    assert "Rows whose target 'y'" in tr.unusable_numbers_note(replaced, "y")
    assert np.isfinite(tm.baselines(prepared).RMSE).all()


def test_finding_5_a_prepared_table_never_carries_inf_even_without_the_upload_step():
    rows = _rows()
    df = pd.DataFrame({**rows, "x": np.where(np.arange(120) < 5, np.inf, rows["x"])})
    prepared = tab.prepare(df, "y", seed=0)
    assert np.isfinite(prepared.x_cont_train).all()
    assert np.isfinite(tm.baselines(prepared).accuracy).all()
    only_inf = pd.DataFrame({**rows, "x": np.full(120, -np.inf)})
    assert tab.prepare(only_inf, "y", seed=0).columns.dropped == {"x": "empty"}


@pytest.mark.slow
def test_finding_5_the_page_trains_on_such_an_upload_and_says_what_happened():
    rows = _rows(150)
    text = [f"{v:.6f}" for v in rows["x"]]
    text[:4] = ["inf", "-inf", "1e400", "1e308"]
    # The target is the last column of this upload: x, a number with 4 unusable values.
    at = _upload(_csv({"colour": rows["colour"], "y": rows["y"], "x": text}))
    notes = " ".join(el.value for el in at.info)
    assert "'x' (4 values)" in notes and "treated as missing" in notes
    assert "Rows whose target 'x'" in notes
    assert "4 rows without a usable target value are left out" in visible_text(at)
    assert not at.exception


# ---- finding 8: a link that holds the server ------------------------------------------------


@pytest.mark.slow
def test_finding_8_the_long_link_is_snapped_and_refused_within_a_time_budget():
    """/tabular?dataset=diamonds&layers=1000,500&epochs=50&dropout=0.123 ran 136 s."""
    at = app_test(PAGE, timeout=120)
    for key, value in {"dataset": "diamonds", "layers": "1000,500", "epochs": "50",
                       "dropout": "0.123"}.items():
        at.query_params[key] = value
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="dropout").value == 0.1  # snapped to the step: no new cache key
    assert at.slider(key="tab_epochs").value == 50
    warning = " ".join(w.value for w in at.warning)
    assert "50 epochs × 43,152 training rows × 527,141 weights" in warning
    assert "at most 15 billion" in warning and "not trained" in warning
    assert not any("Loss per epoch" in str(s) for s in at.get("arrow_vega_lite_chart"))
    assert seconds < 30, f"{seconds:.0f} s"


@pytest.mark.slow
def test_finding_8_a_costly_setting_trains_fewer_epochs_within_a_time_budget():
    at = app_test(PAGE, timeout=180)
    for key, value in {"dataset": "diamonds", "layers": "500,250", "tab_epochs": "50",
                       "tab_rows": "25"}.items():
        at.query_params[key] = value
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]
    prepared = tab.prepare(tab.load_dataset("diamonds"), "log_price", 0, train_share=0.25)
    cost = tab.training_cost(prepared, tab.NetSettings((500, 250), 0.1, 0.01, 50))
    assert cost.capped and 1 <= cost.epochs < 50
    assert cost.epochs * cost.work_per_epoch <= tab.MAX_WORK
    warning = " ".join(w.value for w in at.warning)
    assert f"trains for {cost.epochs} epochs instead of 50" in warning
    from tests.test_page_tabular import chart_titled

    assert len(chart_titled(at, "Loss per epoch")) == 2 * cost.epochs
    assert seconds < 90, f"{seconds:.0f} s"


def test_finding_8_the_biggest_built_in_settings_are_within_the_caps_or_refused():
    """Every built-in table with every layer choice at 10 epochs: the default epochs always
    train in full on penguins and Titanic; on diamonds the biggest networks are capped."""
    for name in tab.DATASETS:
        prepared = tab.prepare(tab.load_dataset(name), tab.DATASETS[name].target, 0)
        for layers in ((200, 100), (1000, 500)):
            cost = tab.training_cost(prepared, tab.NetSettings(layers, epochs=10))
            assert cost.epochs * cost.work_per_epoch <= tab.MAX_WORK
            assert cost.weights <= tab.MAX_WEIGHTS
            if name != "diamonds" or layers == (200, 100):
                assert not cost.capped, (name, layers)


def test_one_hot_of_thousands_of_categories_stays_small():
    """One-hot is computed, not stored as an n × n table, and the linear baseline reads a
    sparse matrix: a column with 5,000 categories costs megabytes, not gigabytes."""
    n = 12_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"shop": [f"s{i}" for i in rng.integers(0, 5000, n)],
                       "x": rng.normal(size=n), "y": rng.choice(["a", "b"], n)})
    prepared = tab.prepare(df, "y", seed=0)
    n_codes = prepared.prep.cardinalities[0]
    assert n_codes > 4000
    tracemalloc.start()
    try:
        net = tm.TabularNet(prepared.prep.cardinalities, 1, 2, (50,), 0.0, one_hot=True)
        table = tm.baselines(prepared)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Dense, the one-hot rows alone were rows × codes × 4 bytes (~190 MB here).
    assert peak < 60e6, f"{peak / 1e6:.0f} MB"
    assert net.input_width == n_codes + 1
    assert len(table) == 3
    big = tab.training_cost(prepared, tab.NetSettings((1000, 500), one_hot=True))
    assert big.refused and "not trained" in tr.cost_note(big)


# ---- strangers' text never becomes markdown ----------------------------------------------------


def _rendered(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(text)


def _texts(at) -> list[str]:
    """Every string the page hands to Streamlit's markdown: text elements, alerts, metric
    and widget labels."""
    texts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader"):
        texts += [str(el.value) for el in at.get(kind)]
    texts += [m.label for m in at.get("metric")]
    for kind in ("selectbox", "number_input", "slider", "select_slider", "text_input",
                 "segmented_control", "radio"):
        texts += [str(w.label) for w in at.get(kind)]
    return texts


@pytest.mark.slow
def test_markdown_payloads_in_column_names_and_categories_stay_plain_text():
    n = 90
    rng = np.random.default_rng(1)
    x = rng.normal(size=n)
    raw = _csv({
        IMAGE: rng.choice([TAG, LINK, "plain"], n),  # a categorical column of payloads
        TAG: x,  # a continuous column named with a payload
        LINK: np.where(x > 0, IMAGE, TAG),  # the target: its classes are payloads
    })
    at = _upload(raw)
    texts = _texts(at)
    for text in texts:
        html = _rendered(text)
        assert "<img" not in html, (text, html)
        assert not re.search(r'<a [^>]*href="(javascript:|http://127\.0\.0\.1:9)', html), (
            text, html)
    shown = "\n".join(_rendered(t) for t in texts).replace(WORD_JOINER, "")
    # The payloads are on the page, as their own characters.
    assert "![x](http://127.0.0.1:9/p.png)" in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "[a](javascript:alert(1))" in shown
