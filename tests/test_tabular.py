"""explorer.tabular / tabular_model: preprocessing, leakage, unseen values, metrics, model,
each checked against an independent computation (numpy, pandas, scikit-learn, torch)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from explorer import tabular as tab
from explorer import tabular_model as tm


@pytest.fixture(scope="module")
def penguins():
    return tab.load_dataset("penguins")


@pytest.fixture(scope="module")
def prepared_penguins(penguins):
    return tab.prepare(penguins, "species", seed=0)


# ---- column split and problem type ------------------------------------------------------------


def test_split_columns_follows_the_stated_rule():
    n = 100
    df = pd.DataFrame({
        "name": [f"person {i}" for i in range(n)],        # identifier
        "colour": ["red", "blue"] * (n // 2),              # text
        "flag": [True, False] * (n // 2),                  # boolean
        "rooms": np.arange(n) % 4,                          # few whole numbers
        "year": 2000 + np.arange(n) % 30,                   # many whole numbers
        "weight": np.linspace(0, 1, n),                     # floats
        "constant": 7,
        "empty": np.nan,
        "y": np.arange(n) % 2,
    })
    split = tab.split_columns(df, "y")
    assert split.categorical == ("colour", "flag", "rooms")
    assert split.continuous == ("year", "weight")
    assert set(split.dropped) == {"name", "constant", "empty"}


def test_problem_detection():
    assert tab.detect_problem(pd.Series(["no", "yes", "no"], name="t")).kind == "binary"
    assert tab.detect_problem(pd.Series(["no", "yes", "no"])).positive == "yes"
    assert tab.detect_problem(pd.Series([0, 1, 2, 1])).classes == ("0", "1", "2")
    assert tab.detect_problem(pd.Series(np.linspace(0, 1, 50))).kind == "regression"
    with pytest.raises(tab.TableError, match="one value"):
        tab.detect_problem(pd.Series(["a"] * 10, name="t"))
    with pytest.raises(tab.TableError, match="different values"):
        tab.detect_problem(pd.Series([f"c{i}" for i in range(30)], name="t"))


# ---- preprocessing: statistics from the training rows only --------------------------------------


def test_statistics_match_pandas_on_the_training_rows(prepared_penguins):
    p = prepared_penguins
    train = p.train_df
    for col in p.prep.continuous:
        median = train[col].median()
        filled = train[col].fillna(median)
        assert p.prep.medians[col] == pytest.approx(median)
        assert p.prep.means[col] == pytest.approx(filled.mean())
        assert p.prep.stds[col] == pytest.approx(filled.std(ddof=0))
    # Normalized training columns have mean 0 and standard deviation 1.
    np.testing.assert_allclose(p.x_cont_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(p.x_cont_train.std(axis=0), 1, atol=1e-4)
    assert p.prep.vocab["island"] == ("#missing", "#unknown", *sorted(train.island.unique()))
    assert p.prep.na_flags == tuple(c for c in p.prep.continuous if train[c].isna().any())


def test_no_leakage_changing_validation_rows_leaves_statistics_unchanged(penguins):
    first = tab.prepare(penguins, "species", seed=3)
    changed = penguins.copy()
    rows = first.valid_df.index
    for col in ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"):
        changed.loc[rows, col] = changed.loc[rows, col] * 1000 + 5
    changed.loc[rows[:10], "bill_length_mm"] = np.nan
    changed.loc[rows, "island"] = "Atlantis"
    changed.loc[rows, "sex"] = None
    second = tab.prepare(changed, "species", seed=3)
    assert list(second.valid_df.index) == list(rows), "same split"
    for name in ("medians", "means", "stds", "vocab"):
        assert getattr(second.prep, name) == getattr(first.prep, name), name
    assert second.prep.na_flags == first.prep.na_flags
    np.testing.assert_array_equal(second.x_cat_train, first.x_cat_train)
    np.testing.assert_allclose(second.x_cont_train, first.x_cont_train)
    # The changed validation rows are encoded with the training statistics.
    island = second.prep.categorical.index("island")
    assert (second.x_cat_valid[:, island] == tab.UNKNOWN_CODE).all()


def test_unseen_and_missing_values_go_to_their_slots(prepared_penguins):
    p = prepared_penguins
    prep = p.prep
    row = p.valid_df.iloc[[0]].copy()
    row["island"] = "Atlantis"
    row["sex"] = None
    row["year"] = 2031
    row["bill_length_mm"] = np.nan
    x_cat, x_cont = prep.transform(row)
    cats = dict(zip(prep.cat_inputs, x_cat[0], strict=True))
    assert cats["island"] == tab.UNKNOWN_CODE
    assert cats["sex"] == tab.MISSING_CODE
    assert cats["year"] == tab.UNKNOWN_CODE
    j = prep.continuous.index("bill_length_mm")
    expected = (prep.medians["bill_length_mm"] - prep.means["bill_length_mm"]) / prep.stds[
        "bill_length_mm"]
    assert x_cont[0, j] == pytest.approx(expected, rel=1e-5)
    assert prep.vocab["bill_length_mm_na"][cats["bill_length_mm_na"]] == "True"


def test_missing_value_in_a_column_complete_in_training_is_filled_without_a_flag():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "c": rng.choice(["x", "y"], 200),
                       "t": rng.choice(["p", "q"], 200)})
    p = tab.prepare(df, "t", seed=0)
    assert p.prep.na_flags == ()
    x_cat, x_cont = p.prep.transform(pd.DataFrame({"a": [np.nan], "c": [np.nan]}))
    assert x_cat[0, 0] == tab.MISSING_CODE
    assert x_cont[0, 0] == pytest.approx((p.prep.medians["a"] - p.prep.means["a"])
                                         / p.prep.stds["a"], rel=1e-5)


def test_model_predicts_rows_with_unseen_and_missing_values(prepared_penguins):
    exp = tm.run_network(prepared_penguins, tm.NetSettings(epochs=2), seed=0)
    row = prepared_penguins.valid_df.iloc[[0, 1]].copy()
    row["island"] = ["Atlantis", None]
    row["body_mass_g"] = [np.nan, 1e6]
    probs = tm.predict(exp.net.model, prepared_penguins, *prepared_penguins.prep.transform(row))
    assert probs.shape == (2, 3)
    assert np.isfinite(probs).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-5)


def test_split_is_stratified_and_disjoint():
    y = np.array([0] * 80 + [1] * 20)
    train, valid = tab.split_rows(100, seed=1, stratify=y)
    assert len(set(train) & set(valid)) == 0 and len(train) + len(valid) == 100
    assert (y[valid] == 1).sum() == 4 and (y[valid] == 0).sum() == 16


# ---- metrics against scikit-learn ---------------------------------------------------------------


def test_metrics_match_scikit_learn():
    from sklearn import metrics

    rng = np.random.default_rng(0)
    y, pred = rng.integers(0, 2, 300), rng.integers(0, 2, 300)
    ours = tab.classification_metrics(y, pred, positive=1)
    assert ours["accuracy"] == pytest.approx(metrics.accuracy_score(y, pred))
    assert ours["precision"] == pytest.approx(metrics.precision_score(y, pred))
    assert ours["recall"] == pytest.approx(metrics.recall_score(y, pred))
    assert ours["F1"] == pytest.approx(metrics.f1_score(y, pred))
    y3, p3 = rng.integers(0, 3, 300), rng.integers(0, 3, 300)
    np.testing.assert_array_equal(tab.confusion_matrix(y3, p3, 3),
                                  metrics.confusion_matrix(y3, p3))
    a, b = rng.normal(size=100), rng.normal(size=100)
    reg = tab.regression_metrics(a, b)
    assert reg["RMSE"] == pytest.approx(metrics.root_mean_squared_error(a, b))
    assert reg["MAE"] == pytest.approx(metrics.mean_absolute_error(a, b))


def test_pca_matches_scikit_learn_up_to_sign():
    from sklearn.decomposition import PCA

    w = np.random.default_rng(1).normal(size=(6, 4))
    coords, share = tab.pca_2d(w)
    ref = PCA(2).fit(w)
    expected = ref.transform(w)
    for k in range(2):
        assert np.allclose(coords[:, k], expected[:, k], atol=1e-8) or np.allclose(
            coords[:, k], -expected[:, k], atol=1e-8)
    np.testing.assert_allclose(share, ref.explained_variance_ratio_, rtol=1e-8)


# ---- the model --------------------------------------------------------------------------------------


def test_embedding_size_rule():
    assert [tab.embedding_size(n) for n in (4, 5, 10, 100)] == [
        round(1.6 * n ** 0.56) for n in (4, 5, 10, 100)]
    assert tab.embedding_size(10**9) == 600


def test_network_shapes_and_one_hot_is_a_frozen_identity():
    net = tm.TabularNet([5, 4], n_cont=3, n_out=2, layers=(8,), dropout=0.0)
    assert [e.embedding_dim for e in net.embeddings] == [4, 3]
    assert net.input_width == 4 + 3 + 3
    one_hot = tm.TabularNet([5, 4], n_cont=3, n_out=2, layers=(8,), dropout=0.0, one_hot=True)
    assert one_hot.input_width == 5 + 4 + 3
    # Fixed: nothing to learn and no table stored, only the Linear layers have weights.
    assert sum(p.numel() for e in one_hot.embeddings for p in e.parameters()) == 0
    assert torch.equal(one_hot.embeddings[0](torch.arange(5)), torch.eye(5))
    x_cat = torch.tensor([[0, 1], [4, 3]])
    x_cont = torch.zeros(2, 3)
    one_hot.eval()
    # The input to the first layer is exactly [one_hot(c1), one_hot(c2), x_cont].
    first = one_hot.mlp[0]
    expected_in = torch.cat([torch.nn.functional.one_hot(x_cat[:, 0], 5),
                             torch.nn.functional.one_hot(x_cat[:, 1], 4), x_cont], 1).float()
    captured = {}

    def keep_input(module, inputs, output):
        captured["x"] = inputs[0]

    first.register_forward_hook(keep_input)
    one_hot(x_cat, x_cont)
    assert torch.equal(captured["x"], expected_in)


def test_training_lowers_the_loss_and_one_hot_stays_frozen(prepared_penguins):
    exp = tm.run_network(prepared_penguins, tm.NetSettings(epochs=4, one_hot=True), seed=0)
    train_loss = exp.net.history.query("split == 'training'").loss.to_numpy()
    assert train_loss[-1] < 0.5 * train_loss[0]
    first = exp.net.model.embeddings[0]
    assert torch.equal(first(torch.arange(first.num_embeddings)),
                       torch.eye(first.num_embeddings))


def test_baselines_table_and_majority_floor(prepared_penguins):
    table = tm.baselines(prepared_penguins)
    assert list(table.model) == ["predict the majority class", "logistic regression",
                                 "gradient-boosted trees"]
    majority = np.bincount(prepared_penguins.y_train).argmax()
    assert table.accuracy.iloc[0] == pytest.approx(
        np.mean(prepared_penguins.y_valid == majority))
    assert table.accuracy.iloc[2] > 0.9


def test_permutation_importance_of_a_useless_column_is_zero(prepared_penguins):
    exp = tm.run_network(prepared_penguins, tm.NetSettings(epochs=3), seed=0)
    imp = tm.permutation_importance(exp.net.model, prepared_penguins, "accuracy").set_index(
        "column").importance
    assert set(imp.index) == set(prepared_penguins.prep.categorical
                                 + prepared_penguins.prep.continuous)
    assert imp.max() > 0.05  # some column matters
    emb = tm.embedding_table(exp.net.model, prepared_penguins, "island")
    assert list(emb.category) == ["Biscoe", "Dream", "Torgersen"]
    assert emb.rows.sum() == prepared_penguins.train_df.island.notna().sum()


# ---- uploads -------------------------------------------------------------------------------------------


GOOD_CSV = ("a,b,target\n" + "\n".join(f"{i},{'xy'[i % 2]},{i % 3}" for i in range(60))
            ).encode()


def test_a_good_csv_is_read():
    df = tab.read_csv_upload(GOOD_CSV)
    assert df.shape == (60, 3)
    assert tab.prepare(df, "target", 0).problem.kind == "multiclass"


@pytest.mark.parametrize("raw, message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    ("a,b\n1,\xe9\n".encode("latin-1"), "not UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "not a text file"),
    (b"a,b,c\n", "no data rows"),
    (b"only\n1\n2\n", "single column"),
    (("," .join(f"c{i}" for i in range(50)) + "\n" + ",".join("1" * 50) + "\n").encode(),
     "50 columns"),
    (b'a,b\n1,2\n3,4,5,6\n', "could not be read as CSV"),
])
def test_bad_csv_gets_a_clear_message(raw, message):
    with pytest.raises(tab.TableError, match=message):
        tab.read_csv_upload(raw)


def test_csv_size_and_row_caps():
    with pytest.raises(tab.TableError, match="limit"):
        tab.read_csv_upload(b"a,b\n" + b"1,2\n" * 100, max_bytes=100)
    with pytest.raises(tab.TableError, match="more than 50 rows"):
        tab.read_csv_upload(b"a,b\n" + b"1,2\n" * 80, max_rows=50)


def test_one_valued_target_and_tiny_tables_are_refused():
    df = tab.read_csv_upload(b"x,t\n" + b"".join(f"{i},same\n".encode() for i in range(40)))
    with pytest.raises(tab.TableError, match="one value"):
        tab.prepare(df, "t")
    small = tab.read_csv_upload(b"x,t\n" + b"".join(f"{i},{i % 2}\n".encode() for i in range(9)))
    with pytest.raises(tab.TableError, match="at least"):
        tab.prepare(small, "t")
    ids = pd.DataFrame({"id": [f"u{i}" for i in range(100)], "t": [0, 1] * 50})
    with pytest.raises(tab.TableError, match="no column can be used"):
        tab.prepare(ids, "t")


def test_extreme_values_are_capped_at_five_standard_deviations(prepared_penguins):
    prep = prepared_penguins.prep
    row = prepared_penguins.valid_df.iloc[[0, 0]].copy()
    row["body_mass_g"] = [1e9, -1e9]
    _, x_cont = prep.transform(row)
    j = prep.continuous.index("body_mass_g")
    np.testing.assert_allclose(x_cont[:, j], [tab.CLIP, -tab.CLIP])


def test_pca_of_two_categories_lies_on_one_line():
    coords, share = tab.pca_2d(np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]]))
    np.testing.assert_allclose(coords[:, 1], 0)
    assert share[0] == pytest.approx(1) and share[1] == 0
    assert abs(coords[0, 0] - coords[1, 0]) == pytest.approx(np.sqrt(1 + 9 + 4))


# ---- fewer training rows -----------------------------------------------------------------------


def test_a_share_of_the_training_rows_keeps_the_validation_rows_and_every_class(penguins):
    full = tab.prepare(penguins, "species", seed=1)
    tenth = tab.prepare(penguins, "species", seed=1, train_share=0.1)
    assert tenth.valid_df.index.equals(full.valid_df.index)
    assert len(tenth.train_df) == round(0.1 * len(full.train_df))
    assert set(tenth.train_df.index) <= set(full.train_df.index)
    assert tenth.train_rows_available == len(full.train_df)
    # Statistics come from the rows used, not from the whole training part.
    mass = tenth.train_df.body_mass_g
    assert tenth.prep.medians["body_mass_g"] == pytest.approx(mass.median())
    # A class rarer than the share still reaches training.
    rare = pd.DataFrame({"x": np.arange(200.0), "y": ["rare"] * 6 + ["common"] * 194})
    few = tab.prepare(rare, "y", seed=0, train_share=0.1)
    assert set(few.y_train) == {0, 1} and len(few.train_df) >= tab.MIN_TRAIN_ROWS


# ---- what one setting may cost the server ----------------------------------------------------


@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize("layers", [(8,), (200, 100), (1000, 500)])
def test_weights_are_counted_before_building_exactly_as_torch_counts_them(
        prepared_penguins, layers, one_hot):
    prep = prepared_penguins.prep
    net = tm.TabularNet(prep.cardinalities, len(prep.continuous), 3, layers, 0.1, one_hot)
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    assert tab.count_weights(prep.cardinalities, len(prep.continuous), 3, layers,
                             one_hot) == trainable


def test_the_work_cap_trims_epochs_and_refuses_what_one_epoch_cannot_fit(prepared_penguins):
    p = prepared_penguins
    settings = tab.NetSettings(layers=(200, 100), epochs=40)
    cost = tab.training_cost(p, settings)
    assert cost.rows == len(p.y_train) and not cost.capped and cost.epochs == 40
    per_epoch = cost.weights * cost.rows
    capped = tab.training_cost(p, settings, max_work=per_epoch * 7 + per_epoch // 2)
    assert (capped.epochs, capped.epochs_asked, capped.capped) == (7, 40, True)
    assert capped.epochs * per_epoch <= per_epoch * 7.5 < (capped.epochs + 1) * per_epoch
    assert tab.training_cost(p, settings, max_work=per_epoch - 1).refused
    assert tab.training_cost(p, settings, max_weights=cost.weights - 1).refused


