"""The MLP on 2D data: data, parsing, penalties against closed forms, regularization on a
fixed seed, early stopping bookkeeping and clean stops on divergence."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from explorer import fitting_network as net
from explorer import fitting_network_charts as fnc

BIG_NET = net.NetConfig(dataset="moons", noise=0.3, n_points=100, hidden=(64, 64),
                        lr=0.01, epochs=300, seed=0)


@pytest.fixture(scope="module")
def big_runs():
    from dataclasses import replace

    return {
        "plain": net.train(BIG_NET),
        "wd": net.train(replace(BIG_NET, wd=0.003)),
        "dropout": net.train(replace(BIG_NET, dropout=0.5)),
    }


@pytest.mark.parametrize("name", net.CLASSIFICATION_SETS)
def test_datasets_are_balanced_deterministic_and_2d(name):
    x, y = net.make_dataset(name, 101, 0.2, seed=5)
    x2, _ = net.make_dataset(name, 101, 0.2, seed=5)
    assert x.shape == (101, 2) and y.shape == (101,)
    np.testing.assert_array_equal(x, x2)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert 0.3 < y.mean() < 0.7
    assert np.isfinite(x).all()


def test_parse_hidden():
    assert net.parse_hidden("16,16") == (16, 16)
    assert net.parse_hidden(" 8 , 4 ") == (8, 4)
    assert net.parse_hidden("") == ()
    for bad in ("a,b", "16;16", "0", "1000", "4,4,4,4,4", "-3"):
        with pytest.raises(ValueError):
            net.parse_hidden(bad)


@pytest.mark.parametrize("text", ["²", "16,²", "１６", "٣", "①", "1" * 5000])
def test_finding_9_hidden_layers_refused_in_our_words(text):
    """Issue 20, finding 9: '²' passed str.isdigit() and int() then raised Python's own
    "invalid literal for int() with base 10: '²'", which the page showed."""
    with pytest.raises(ValueError) as err:
        net.parse_hidden(text)
    message = str(err.value)
    assert message in ("Hidden layers must be whole numbers separated by commas, like 16,16.",
                       f"Each hidden layer needs between 1 and {net.MAX_WIDTH} units.")
    assert "invalid literal" not in message and "int()" not in message


def test_penalty_is_the_sum_over_weight_matrices_only():
    import torch

    torch.manual_seed(0)
    model = net.build_mlp((3, 2), "tanh", 0.0)
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    with torch.no_grad():
        expected = 0.1 * sum((w**2).sum() for w in weights) + 0.01 * sum(w.abs().sum()
                                                                         for w in weights)
    assert float(net.penalty(model, 0.1, 0.01).detach()) == pytest.approx(float(expected), rel=1e-6)
    assert net.penalty(model, 0.0, 0.0) == 0.0


def test_augmented_copies_keep_labels_and_move_points():
    x, y = net.make_dataset("xor", 20, 0.0, seed=1)
    xa, ya = net.augment_copies(x, y, 3, seed=1)
    assert xa.shape == (80, 2)
    np.testing.assert_array_equal(ya, np.tile(y, 4))
    np.testing.assert_array_equal(xa[:20], x)
    assert 0.05 < np.abs(xa[20:] - np.tile(x, (3, 1))).mean() < 0.3


def test_reported_losses_are_binary_cross_entropy_and_best_epoch_is_the_minimum(big_runs):
    res = big_runs["plain"]
    hist = res.history
    assert len(hist) == BIG_NET.epochs and res.diverged_at is None
    assert res.best_epoch == int(hist.loc[hist["val_loss"].idxmin(), "epoch"])
    # a net that memorizes: training loss near 0, validation loss far above it
    assert hist["train_loss"].iloc[-1] < 0.02
    assert hist["val_loss"].iloc[-1] > 3 * hist["val_loss"].min()
    assert np.isfinite(hist.to_numpy()).all()
    assert res.grid_final.shape == (net.GRID_SIZE, net.GRID_SIZE)
    assert not np.allclose(res.grid_final, res.grid_best)


def test_eval_loss_matches_torch_binary_cross_entropy():
    """Train 1 epoch, then recompute the reported validation loss from the probabilities."""
    import torch

    cfg = net.NetConfig(hidden=(4,), epochs=1, n_points=60, seed=3)
    res = net.train(cfg)
    torch.manual_seed(cfg.seed)
    model = net.build_mlp(cfg.hidden, cfg.activation, cfg.dropout)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    x, y = net.make_dataset(cfg.dataset, cfg.n_points, cfg.noise, cfg.seed)
    x_tr, y_tr, x_val, y_val = net.split(x, y, cfg.val_fraction)
    p = torch.sigmoid(model(torch.from_numpy(x_tr)).squeeze(-1))
    loss = torch.nn.functional.binary_cross_entropy(p, torch.from_numpy(y_tr))
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        pv = torch.sigmoid(model(torch.from_numpy(x_val)).squeeze(-1)).numpy()
    manual = -np.mean(y_val * np.log(pv) + (1 - y_val) * np.log(1 - pv))
    assert res.history["val_loss"].iloc[0] == pytest.approx(manual, rel=1e-4)


@pytest.mark.parametrize("regularizer", ["wd", "dropout"])
def test_regularization_lowers_validation_loss_and_gap_on_the_same_seed(big_runs, regularizer):
    plain, reg = big_runs["plain"], big_runs[regularizer]
    assert reg.final["val_loss"] < 0.5 * plain.final["val_loss"]
    assert net.gap(reg) < 0.5 * net.gap(plain)


def test_huge_learning_rate_stops_cleanly():
    res = net.train(net.NetConfig(lr=10.0, epochs=100))
    assert res.diverged_at is not None and res.diverged_at <= 100
    assert len(res.history) == res.diverged_at - 1
    assert np.isfinite(res.grid_final).all() and np.isfinite(res.grid_best).all()


def test_mini_batches_and_sgd_train():
    res = net.train(net.NetConfig(batch_size=32, optimizer="sgd", lr=0.1, epochs=60))
    assert res.diverged_at is None
    assert res.history["train_loss"].iloc[-1] < res.history["train_loss"].iloc[0]
    assert math.isfinite(res.final["val_acc"])


def test_charts_have_finite_data(big_runs):
    for chart in (fnc.boundary_chart(big_runs["plain"]), fnc.loss_chart(big_runs["plain"])):
        spec = chart.to_dict()
        for rows in spec["datasets"].values():
            for row in rows:
                for v in row.values():
                    assert not (isinstance(v, float) and not math.isfinite(v))


def test_step_budget_cuts_epochs_only_when_needed():
    small = net.NetConfig()
    assert net.steps_per_epoch(small) == 1 and net.within_step_budget(small) is small
    huge = net.NetConfig(n_points=1000, batch_size=8, augment=10, epochs=1000)
    assert net.steps_per_epoch(huge) == 500 * 11 // 8 + 1
    capped = net.within_step_budget(huge)
    assert capped.epochs * net.steps_per_epoch(capped) <= net.MAX_STEPS
    assert capped.epochs >= 1


def test_before_and_after_charts_share_one_loss_axis(big_runs):
    plain, wd = big_runs["plain"], big_runs["wd"]
    highest = max(plain.history["val_loss"].max(), plain.history["train_loss"].max(),
                  wd.history["val_loss"].max(), wd.history["train_loss"].max())
    assert fnc.shared_loss_top((plain, wd)) == pytest.approx(min(highest, 3.0))
    flat = replace(plain, history=plain.history.assign(train_loss=0.01, val_loss=0.02))
    assert fnc.shared_loss_top((flat,)) == 0.1
    # losses above the shared top are drawn at it
    spec = fnc.loss_chart(plain, y_max=1.0).to_dict()
    rows = [r for data in spec["datasets"].values() for r in data if "set" in r]
    assert max(r["loss"] for r in rows) == 1.0
    assert min(r["loss"] for r in rows) == pytest.approx(plain.history["train_loss"].min())
