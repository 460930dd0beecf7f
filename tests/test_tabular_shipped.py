"""The tabular page's shipped experiments (explorer/data/tabular_defaults.npz) against a
fresh training, the numpy network against the torch one, and the page's use of them."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer import tabular as tab
from explorer import tabular_model as tm
from explorer import tabular_shipped as ts
from explorer.tabular_spec import PRESETS, SPEC
from tests.helpers import open_app, visible_text

PAGE = "pages/7_tabular.py"
ROOT = Path(__file__).resolve().parent.parent


def test_the_default_view_and_every_preset_ship_as_plain_arrays():
    with np.load(ts.SHIPPED_FILE, allow_pickle=False) as npz:
        assert all(npz[key].dtype.kind != "O" for key in npz.files)
        assert len(npz["keys"]) == len(ts.shipped_states())
    states = ts.shipped_states()
    defaults = {param.key: param.default for param in SPEC.params}
    assert states[0] == ts.state_of(defaults)
    for preset in PRESETS:
        assert ts.state_of({**defaults, **preset.values}) in states, preset.name
    assert len(states) == 5  # the penguins preset is the default view


@pytest.fixture(scope="module", params=range(5), ids=lambda i: ts.shipped_states()[i].dataset)
def fresh_and_shipped(request):
    """A state's fresh training (torch, scikit-learn) and its shipped results."""
    state = ts.shipped_states()[request.param]
    prepared = state.prepare()
    # The page trains fewer epochs past its work limit: a shipped state must not need that.
    assert tab.training_cost(prepared, state.settings).epochs == state.settings.epochs
    fresh = tm.run_network(prepared, state.settings, state.seed)
    shipped = ts.load_experiment(prepared, state.settings)
    assert shipped is not None, "run `make default-results` and commit the new file"
    return state, prepared, fresh, shipped


def test_every_shipped_experiment_equals_a_fresh_training(fresh_and_shipped):
    """If this fails, the training code, the preprocessing or the presets changed: run
    `make default-results` and commit the new file."""
    state, prepared, fresh, shipped = fresh_and_shipped
    assert shipped.net.shipped and not fresh.net.shipped
    pd.testing.assert_frame_equal(shipped.net.history[["epoch", "split"]],
                                  fresh.net.history[["epoch", "split"]])
    np.testing.assert_allclose(shipped.net.history["loss"], fresh.net.history["loss"],
                               rtol=1e-5)
    assert (shipped.net.n_parameters, shipped.net.batch_size) == (
        fresh.net.n_parameters, fresh.net.batch_size)
    np.testing.assert_allclose(shipped.valid_prediction, fresh.valid_prediction, atol=1e-5)
    assert shipped.metrics == pytest.approx(fresh.metrics, rel=1e-6, abs=1e-9)
    baselines = ts.load_baselines(prepared)
    pd.testing.assert_frame_equal(baselines, tm.baselines(prepared, state.seed),
                                  check_exact=False, rtol=1e-9)


def test_the_numpy_network_computes_what_the_torch_network_computes(fresh_and_shipped):
    """Same weights, evaluated both ways: predictions, on rows with a gap and a category the
    training rows never had too; the shuffled-column importance; the embeddings."""
    state, prepared, fresh, _ = fresh_and_shipped
    torch_net, numpy_net = fresh.net.model, ts.from_torch(fresh.net.model)
    rows = prepared.valid_df.iloc[:20].copy()
    for col in prepared.prep.categorical[:1]:
        rows.iloc[0, rows.columns.get_loc(col)] = None  # code 0: missing
        rows[col] = rows[col].astype(object)
        rows.iloc[1, rows.columns.get_loc(col)] = "never seen"  # code 1: unknown
    for col in prepared.prep.continuous[:1]:
        rows.iloc[2, rows.columns.get_loc(col)] = np.nan
    x_cat, x_cont = prepared.prep.transform(rows)
    assert {0, 1} <= set(x_cat[:, 0].tolist())
    np.testing.assert_allclose(ts.predict(numpy_net, prepared, x_cat, x_cont),
                               tm.predict(torch_net, prepared, x_cat, x_cont),
                               rtol=1e-5, atol=1e-5)
    # a torch model passed to the shipped module's functions goes to explorer.tabular_model
    np.testing.assert_array_equal(ts.predict(torch_net, prepared, x_cat, x_cont),
                                  tm.predict(torch_net, prepared, x_cat, x_cont))
    metric = prepared.problem.metrics[0]
    importance = tab.permutation_importance(
        lambda c, x: ts.predict(numpy_net, prepared, c, x), prepared, metric)
    pd.testing.assert_frame_equal(importance, tm.permutation_importance(torch_net, prepared,
                                                                        metric),
                                  check_exact=False, atol=1e-6)
    for j, column in enumerate(prepared.prep.categorical):  # the page draws these
        if state.settings.one_hot:
            np.testing.assert_array_equal(numpy_net.tables[j], np.eye(len(
                prepared.prep.vocab[column]), dtype=np.float32))
        else:
            pd.testing.assert_frame_equal(
                tab.embedding_table(ts.embedding_weights(numpy_net, j), prepared, column),
                tm.embedding_table(torch_net, prepared, column))


def test_nothing_is_shipped_for_other_settings_or_other_data(tmp_path):
    state = ts.shipped_states()[0]
    prepared = state.prepare()
    other = dataclasses.replace(state.settings, dropout=0.2)
    assert not ts.may_ship(state.dataset, state.seed, state.rows_pct, other)
    assert ts.load_experiment(prepared, other) is None
    another_split = dataclasses.replace(state, seed=1).prepare()
    assert not ts.may_ship(state.dataset, 1, state.rows_pct)
    assert ts.load_experiment(another_split, state.settings) is None
    assert ts.load_baselines(another_split) is None
    fewer_rows = dataclasses.replace(state, rows_pct=50).prepare()
    assert ts.load_experiment(fewer_rows, state.settings) is None
    # the same values on other data (another release of the table) have another fingerprint
    changed = tab.load_dataset(state.dataset)
    changed.loc[0, "bill_length_mm"] = 40.0
    edited = tab.prepare(changed, state.target, state.seed)
    assert ts.fingerprint(edited) != ts.fingerprint(prepared)
    assert ts.load_experiment(edited, state.settings) is None
    assert ts.load_experiment(prepared, state.settings, tmp_path / "missing.npz") is None
    assert ts.load_baselines(prepared, tmp_path / "missing.npz") is None
    # a broken file (cut short, or a Git LFS pointer in place of the data) ships nothing
    cut = tmp_path / "cut.npz"
    cut.write_bytes(ts.SHIPPED_FILE.read_bytes()[:5000])
    pointer = tmp_path / "pointer.npz"
    pointer.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:0\n")
    for broken in (cut, pointer):
        assert ts.load_experiment(prepared, state.settings, broken) is None
        assert ts.load_baselines(prepared, broken) is None
    # the baselines do not depend on the network: any settings on shipped data get them
    assert ts.may_ship(state.dataset, state.seed, state.rows_pct)
    assert ts.load_baselines(prepared) is not None


@pytest.fixture
def no_torch_work(monkeypatch):
    """Training, the baselines and torch's predictions made to fail."""
    def refuse(*args, **kwargs):
        raise AssertionError("a shipped view computed with torch or scikit-learn")

    for name in ("train_network", "run_network", "baselines", "predict"):
        monkeypatch.setattr(tm, name, refuse)


@pytest.mark.parametrize("preset", [None, *(p.name for p in PRESETS)])
def test_the_default_view_and_the_presets_train_nothing(no_torch_work, preset):
    """A fresh server shows each of them from the shipped file, with the shipped numbers."""
    at = open_app(PAGE, **({"preset": preset} if preset else {}))
    assert not at.exception, [e.value for e in at.exception]
    text = visible_text(at)
    assert "ahead of time (these settings ship with the app" in text
    state = ts.shipped_states()[0] if preset is None else ts.state_of(
        {**{p.key: p.default for p in SPEC.params},
         **next(p for p in PRESETS if p.name == preset).values})
    shipped = ts.load_experiment(state.prepare(), state.settings)
    metric = at.selectbox(key="metric").value
    assert f"is **{shipped.metrics[metric]:.3f}**" in " ".join(m.value for m in at.markdown)


def test_other_settings_still_train(monkeypatch):
    trained = []
    real = tm.run_network
    monkeypatch.setattr(tm, "run_network", lambda *a, **k: trained.append(a) or real(*a, **k))
    at = open_app(PAGE, dropout="0.25")
    assert not at.exception and len(trained) == 1
    assert "kept in a cache" in visible_text(at)


def test_a_fresh_process_draws_the_default_view_without_torch_or_scikit_learn():
    """The point of shipping: the first visitor's page imports neither (about 4 s)."""
    script = ("import sys\nfrom tests.helpers import app_test\n"
              f"at = app_test({PAGE!r}, timeout=120)\nat.run()\n"
              "assert not at.exception, [e.value for e in at.exception]\n"
              "print(sorted(m for m in ('torch', 'sklearn') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
