"""explorer.tabular_report, what the tabular page says, against independent computations:
pandas on the training rows, the network's own input layer, hand-made training histories,
and the preprocessor's codes for an edited row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explorer import tabular as tab
from explorer import tabular_report as tr
from explorer.text import WORD_JOINER


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


# ---- sentences computed from the numbers -----------------------------------------------------


def test_the_overfitting_sentence_carries_the_numbers_it_rests_on():
    turned = _history([1.0, 0.7, 0.4, 0.2, 0.1], [1.0, 0.6, 0.7, 0.8, 0.9])
    words = tr.overfit_words(turned, 5)
    assert words == ("Validation loss was lowest at epoch 2 (0.600) and ended at 0.900, 50% "
                     "higher, while training loss kept falling: from 0.700 at epoch 2 to "
                     "0.100. That is overfitting.")
    # Training that does not keep falling after the best epoch is not said to.
    flat = _history([1.0, 0.5, 0.52, 0.49, 0.5], [1.0, 0.6, 0.7, 0.8, 0.9])
    assert "kept falling" not in tr.overfit_words(flat, 5)
    assert tr.overfit_words(_history([1, 0.8, 0.6], [1, 0.9, 0.8]), 3) is None


def test_the_cost_notes_state_the_product_and_the_limit():
    assert tr.cost_note(tab.TrainingCost(1000, 100, 10, 10)) is None
    capped = tr.cost_note(tab.TrainingCost(138_501, 43_152, 50, 2))
    assert capped.startswith("This setting asks for 50 epochs × 43,152 training rows × "
                             "138,501 weights = 299 billion")
    assert "at most 15 billion" in capped and "trains for 2 epochs instead of 50" in capped
    assert 50 * 43_152 * 138_501 == pytest.approx(299e9, rel=0.005)
    refused = tr.cost_note(tab.TrainingCost(527_141, 43_152, 50, 0))
    assert "even one epoch is 22.7 billion" in refused and "not trained" in refused
    assert 43_152 * 527_141 == pytest.approx(22.7e9, rel=0.005)
    too_big = tr.cost_note(tab.TrainingCost(tab.MAX_WEIGHTS + 1, 10, 5, 0))
    assert f"{tab.MAX_WEIGHTS + 1:,} trainable weights" in too_big


def test_the_problem_sentence_counts_rows_and_names_the_share(titanic):
    words = tr.problem_words(titanic, "F1")
    assert "(2 classes: no, yes; 'yes' counts as positive" in words
    assert f"on the {len(titanic.valid_df)} validation rows" in words
    assert f"({len(titanic.train_df):,} training rows)" in words
    tenth = tab.prepare(tab.load_dataset("titanic"), "survived", 0, train_share=0.1)
    assert "(105 of the 1,047 training rows: only 10% of them are used)" in tr.problem_words(
        tenth, "accuracy")


PAYLOADS = ("![x](http://127.0.0.1:9/p.png)", "<img src=x onerror=alert(1)>",
            "[a](javascript:alert(1))")


def _html(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(markdown)


def test_table_text_reaches_the_sentences_escaped():
    rng = np.random.default_rng(0)
    n = 80
    df = pd.DataFrame({PAYLOADS[0]: rng.choice(PAYLOADS, n), PAYLOADS[1]: rng.normal(size=n),
                       PAYLOADS[2]: rng.choice(PAYLOADS[:2], n)})
    prepared = tab.prepare(df, PAYLOADS[2], 0)
    texts = [tr.problem_words(prepared, "accuracy"), tr.code_lines(prepared.prep),
             tr.unusable_numbers_note({PAYLOADS[1]: 2, PAYLOADS[2]: 1}, PAYLOADS[2])]
    for text in texts:
        html = _html(text)
        assert "<img" not in html and "<a " not in html, html
    joined = _html("\n\n".join(texts)).replace(WORD_JOINER, "")
    assert PAYLOADS[0] in joined and "&lt;img src=x onerror=alert(1)&gt;" in joined
    with pytest.raises(tab.TableError) as err:
        tab.prepare(df, "![y](http://127.0.0.1:9/q.png)", 0)
    assert "<img" not in _html(str(err.value))


def test_chart_descriptions_name_the_key_numbers():
    history = _history([1.0, 0.7, 0.5], [0.9, 0.6, 0.65])
    assert tr.loss_description(history, "cross-entropy") == (
        "Line chart of the cross-entropy per epoch over 3 epochs: training loss from 1.000 "
        "to 0.500; validation loss from 0.900 to 0.650, lowest 0.600 at epoch 2.")
    matrix = np.array([[5, 1], [2, 12]])
    assert "17 of 20 validation rows on the diagonal, accuracy 0.850" in (
        tr.confusion_description(matrix, ("no", "yes")))
    assert tr.probability_description(("a", "b", "c"), np.array([0.2, 0.7, 0.1])).endswith(
        "highest: b at 70.0%.")
    imp = pd.DataFrame({"column": ["sex", "age"], "importance": [0.12, 0.01]})
    assert "largest: sex (0.120)" in tr.importance_description(imp, "accuracy")
