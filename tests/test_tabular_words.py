"""The tabular page's sentences about its numbers (preset notes, dataset descriptions, "What
is going on"), each checked against what the page computes in that state."""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest

from explorer import claims
from explorer import tabular as tab
from explorer import tabular_report as tr
from explorer.tabular_spec import SPEC

pytestmark = pytest.mark.slow


def values_of(preset: str, **changes) -> dict:
    return {p.key: p.default for p in SPEC.params} | SPEC.preset(preset).values | changes


@functools.cache
def table(name: str):
    return tab.load_dataset(name)


@functools.cache
def run(preset: str, **changes):
    """The prepared split, the trained network and the baselines of a preset (as the page
    computes them), with some values changed."""
    from explorer import tabular_model as tm

    v = values_of(preset, **changes)
    prepared = tab.prepare(table(v["dataset"]), tab.DATASETS[v["dataset"]].target,
                           v["tab_seed"], train_share=v["tab_rows"] / 100)
    settings = tab.NetSettings(tab.layer_sizes(v["layers"]), v["dropout"], v["wd"],
                               v["tab_epochs"], v["tab_lr"], v["inputs"] == "one-hot")
    assert not tab.training_cost(prepared, settings).capped, "presets train in full"
    exp = tm.run_network(prepared, settings, v["tab_seed"])
    return prepared, exp, tm.baselines(prepared, v["tab_seed"])


def curves(exp) -> tuple[np.ndarray, np.ndarray]:
    h = exp.net.history
    return (h[h.split == "training"].loss.to_numpy(),
            h[h.split == "validation"].loss.to_numpy())


def test_the_overfit_preset_overfits_visibly_on_its_own_chart():
    note = SPEC.preset("overfit").note
    prepared, exp, _ = run("overfit")
    train, valid = curves(exp)
    epochs = len(train)
    # "a tenth of the training rows: 105 passengers, over 1,000 weights for each"
    assert "a tenth of the training rows: 105 passengers" in note
    assert len(prepared.train_df) == 105
    assert len(prepared.train_df) / prepared.train_rows_available == pytest.approx(0.1, 0.01)
    assert "over 1,000 weights for each" in note
    assert exp.net.n_parameters / 105 > 1000
    # "The training loss falls"
    assert claims.trend(train, tolerance=0.05) == "falls"
    assert train[-1] < 0.75 * train[0]
    # "the validation loss is lowest after a few epochs, then climbs and ends far above it"
    best = int(np.argmin(valid)) + 1
    assert best <= epochs // 3
    assert claims.trend(valid[best - 1:], tolerance=0.05) in ("rises", "peaks, then falls",
                                                             "bumpy")
    assert valid[-1] > 1.15 * valid.min()
    assert valid[-1] - train[-1] > 0.2 and valid[-1] > 1.5 * train[-1]
    # The page's own notice says so too.
    assert tr.overfit_words(exp.net.history, epochs) is not None


def test_with_every_training_row_the_same_network_overfits_much_less():
    """The overfit note: "Set Training rows used to 100 and the gap shrinks"."""
    assert "Set *Training rows used* to 100 and the gap shrinks" in SPEC.preset("overfit").note
    _, few, _ = run("overfit")
    _, every, _ = run("overfit", tab_rows=100)
    gap_few = np.subtract(*curves(few)[::-1])[-1]
    gap_every = np.subtract(*curves(every)[::-1])[-1]
    assert gap_every < gap_few / 2, (gap_few, gap_every)
    assert tr.overfit_words(every.net.history, 30) is None


def test_the_overfit_preset_is_not_the_best_model_on_its_page():
    _, exp, baselines = run("overfit")
    best_baseline = baselines.accuracy.max()
    assert exp.metrics["accuracy"] < best_baseline


def test_the_diamond_note_says_the_trees_are_ahead_and_they_are():
    note = SPEC.preset("diamonds").note
    assert "A regression on 53,940 rows" in note and "how far the trees are ahead" in note
    assert len(table("diamonds")) == 53_940
    prepared, exp, baselines = run("diamonds")
    assert prepared.problem.kind == "regression"
    trees = baselines.set_index("model").loc[tr.TREES, "RMSE"]
    assert trees < exp.metrics["RMSE"]


def test_the_titanic_note_one_age_in_five_is_missing():
    assert "one age in five is missing" in SPEC.preset("titanic_missing").note
    df = table("titanic")
    assert round(df.age.isna().mean(), 2) == 0.2
    prepared, _, _ = run("titanic_missing")
    assert "age" in prepared.prep.na_flags  # "the age_na flag in the before/after table"


def test_the_one_hot_note_nothing_to_learn_no_embedding_to_draw():
    prepared, exp, _ = run("one_hot")
    model = exp.net.model
    assert sum(p.numel() for e in model.embeddings for p in e.parameters()) == 0
    assert "nothing to learn" in SPEC.preset("one_hot").note


def test_the_dataset_descriptions_count_what_the_tables_hold():
    penguins, titanic = table("penguins"), table("titanic")
    about = {k: d.about for k, d in tab.DATASETS.items()}
    assert about["penguins"].startswith(f"{len(penguins)} penguins from three islands")
    assert penguins.island.nunique() == 3 and penguins.species.nunique() == 3
    assert f"{penguins.sex.isna().sum()} sexes are missing" in about["penguins"]
    assert "A few sizes" in about["penguins"] and penguins.body_mass_g.isna().sum() <= 3
    assert about["titanic"].startswith(f"{len(titanic):,} Titanic passengers")
    assert f"{titanic.age.isna().sum()} ages are missing" in about["titanic"]
    assert about["diamonds"].startswith(f"{len(table('diamonds')):,} diamonds")


def test_what_is_going_on_codes_and_the_missing_age():
    text = tr.WHAT_IS_GOING_ON
    assert "(Biscoe = 2, Dream = 3)" in text
    prepared, _, _ = run("penguins")
    vocab = prepared.prep.vocab["island"]
    assert (vocab.index("Biscoe"), vocab.index("Dream")) == (2, 3)
    # "29% of third-class ages are missing against 12% in first class; passengers with no
    # age survived less often (28% against 41%)"
    df = table("titanic")
    gaps = df.groupby("passengerClass").age.apply(lambda s: s.isna().mean())
    survived = df.groupby(df.age.isna()).survived.apply(lambda s: (s == "yes").mean())
    sentence = re.search(r"On the Titanic, (\d+)% of third-class ages are missing against "
                         r"(\d+)% in first class, and passengers with no age survived less "
                         r"often \((\d+)% against (\d+)%\)", text)
    assert sentence, "the sentence about the Titanic's missing ages"
    numbers = [int(n) for n in sentence.groups()]
    assert numbers == [round(100 * gaps["3rd"]), round(100 * gaps["1st"]),
                       round(100 * survived[True]), round(100 * survived[False])]


def test_the_importance_caption_names_the_rows_and_shuffles_the_function_uses():
    import inspect

    from explorer import tabular_model as tm

    defaults = inspect.signature(tm.permutation_importance).parameters
    assert defaults["repeats"].default == 3 and defaults["max_rows"].default == 3000
    assert "averaged over 3 shuffles" in tr.importance_caption("RMSE", 10_788)
    assert "3,000 of the 10,788 validation rows" in tr.importance_caption("RMSE", 10_788)
    assert "among the validation rows" in tr.importance_caption("accuracy", 69)
