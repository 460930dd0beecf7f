"""explorer.tabular_report, what the tabular page says, against independent computations:
pandas on the training rows, the network's own input layer, hand-made training histories,
and the preprocessor's codes for an edited row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explorer import tabular as tab
from explorer import tabular_report as tr


@pytest.fixture(scope="module")
def penguins():
    return tab.prepare(tab.load_dataset("penguins"), "species", seed=0)


@pytest.fixture(scope="module")
def titanic():
    return tab.prepare(tab.load_dataset("titanic"), "survived", seed=0)


# ---- from a table to numbers ---------------------------------------------------------------


def test_column_rules_name_every_column_but_the_target_once():
    frame = pd.DataFrame({"name": [f"person {i}" for i in range(80)],
                          "grade": [i % 4 for i in range(80)],
                          "height": np.linspace(1.5, 2.0, 80),
                          "same": ["x"] * 80, "y": [i % 2 for i in range(80)]})
    prepared = tab.prepare(frame, "y", seed=0)
    rules = tr.column_rules(prepared).set_index("column")
    assert sorted(rules.index) == ["grade", "height", "name", "same"]
    assert dict(rules["kind"]) == {"grade": "categorical", "height": "continuous",
                                   "name": "left out", "same": "left out"}
    assert rules.loc["same", "why"] == "one value in every row"
    assert "identifier" in rules.loc["name", "why"]


def test_continuous_stats_are_pandas_on_the_training_rows(penguins):
    stats = tr.continuous_stats(penguins).set_index("column")
    assert list(stats.index) == list(penguins.prep.continuous)
    for column in stats.index:
        raw = pd.to_numeric(penguins.train_df[column])
        filled = raw.fillna(raw.median())
        assert stats.loc[column, "training median"] == pytest.approx(raw.median())
        assert stats.loc[column, "training mean"] == pytest.approx(filled.mean())
        assert stats.loc[column, "training std"] == pytest.approx(filled.std(ddof=0))
        assert stats.loc[column, "gaps in training"] == raw.isna().sum()


def test_a_table_without_numbers_has_no_continuous_stats():
    frame = pd.DataFrame({"colour": list("rgb") * 20, "y": ["a", "b"] * 30})
    assert tr.continuous_stats(tab.prepare(frame, "y", seed=0)).empty


@pytest.mark.parametrize("one_hot", [False, True])
def test_input_width_is_the_width_the_network_builds(penguins, one_hot):
    from explorer import tabular_model as tm

    sizes, width = tr.input_sizes(penguins.prep, one_hot)
    net = tm.TabularNet(penguins.prep.cardinalities, len(penguins.prep.continuous), 3,
                        (8,), 0.0, one_hot=one_hot)
    assert width == net.input_width == net.mlp[0].in_features
    assert list(sizes["numbers per category"]) == [e.embedding_dim for e in net.embeddings]
    assert list(sizes["codes"]) == [e.num_embeddings for e in net.embeddings]


# ---- the network -----------------------------------------------------------------------------


def _history(training, validation):
    rows = [(e + 1, "training", t) for e, t in enumerate(training)]
    rows += [(e + 1, "validation", v) for e, v in enumerate(validation)]
    return pd.DataFrame(rows, columns=["epoch", "split", "loss"])


def test_overfitting_is_called_only_when_validation_turns_up_early():
    falling = _history([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.85, 0.7, 0.65, 0.6])
    assert tr.overfit_epoch(falling, 5) is None
    turned = _history([1.0, 0.7, 0.4, 0.2, 0.1], [1.0, 0.6, 0.7, 0.8, 0.9])
    assert tr.overfit_epoch(turned, 5) == 2
    # Best epoch late in training (3 of 5 is not before 60%): not called.
    late = _history([1.0, 0.7, 0.4, 0.2, 0.1], [1.0, 0.8, 0.6, 0.8, 0.9])
    assert tr.overfit_epoch(late, 5) is None
    # Turned up by less than 15%: not called.
    small = _history([1.0, 0.7, 0.4, 0.2, 0.1], [1.0, 0.6, 0.62, 0.65, 0.68])
    assert tr.overfit_epoch(small, 5) is None


def _baselines(score):
    return pd.DataFrame({"model": ["predict the majority class", "logistic regression",
                                   tr.TREES], "accuracy": [0.4, 0.8, score],
                         "RMSE": [1.0, 0.5, score]})


@pytest.mark.parametrize(("metric", "network", "verdict"), [
    ("accuracy", 0.95, "ahead of"), ("accuracy", 0.85, "behind"),
    ("accuracy", 0.902, "about level with"), ("RMSE", 0.5, "ahead of"),
    ("RMSE", 1.2, "behind"), ("RMSE", 0.92, "about level with")])
def test_the_network_against_the_trees(metric, network, verdict):
    result = tr.compare(_baselines(0.9), "neural network",
                        {"accuracy": network, "RMSE": network}, metric)
    assert result.verdict == f"{verdict} the gradient-boosted trees"
    assert (result.network, result.trees) == (network, 0.9)
    assert result.floor == (0.4 if metric == "accuracy" else 1.0)
    assert list(result.table["model"])[-1] == "neural network"
    assert len(result.table) == 4


def test_embedding_to_draw_first(penguins, titanic):
    assert tr.embedding_columns(penguins.prep) == (["island", "sex", "year"], "island")
    columns, first = tr.embedding_columns(titanic.prep)
    # sex has two categories, passengerClass three: the most categories first.
    assert first == "passengerClass" and set(columns) == {"sex", "passengerClass"}


# ---- the one-row editor --------------------------------------------------------------------


def test_editor_choices_reach_the_network_as_the_right_codes(penguins):
    prep = penguins.prep
    row = penguins.valid_df.iloc[[0]].copy()
    options, current = tr.category_choices(prep, "island", row["island"].iloc[0])
    assert options == ["Biscoe", "Dream", "Torgersen", tr.MISSING_CHOICE, tr.NEW_CHOICE]
    assert current == row["island"].iloc[0]
    assert tr.category_choices(prep, "island", np.nan)[1] == tr.MISSING_CHOICE
    assert tr.category_choices(prep, "island", "Atlantis")[1] == tr.NEW_CHOICE
    j = prep.categorical.index("island")
    for choice, code in ((tr.MISSING_CHOICE, tab.MISSING_CODE),
                         (tr.NEW_CHOICE, tab.UNKNOWN_CODE),
                         ("Dream", prep.vocab["island"].index("Dream"))):
        row["island"] = pd.Series([tr.category_value(choice)], index=row.index, dtype=object)
        assert prep.transform(row)[0][0, j] == code


def test_net_settings_read_the_layer_text():
    assert tab.layer_sizes("200,100") == (200, 100)
    assert tab.layer_sizes("50") == (50,)
    a = tab.NetSettings(tab.layer_sizes("200,100"), 0.1, 0.01, 10, 0.01, False)
    assert a == tab.NetSettings() and hash(a) == hash(tab.NetSettings())
