"""Watching the network learn (issue 18): input features, the regression set, the replay's
snapshots against straight training and against a forward pass written here in numpy, the
replay chart's data and size, and the feature presets' notes against their runs."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from explorer import fitting_network as net
from explorer import fitting_network_charts as fnc
from explorer.fitting_spec import SPEC, network_config

DEFAULT = net.NetConfig()
# Everything that touches the random numbers at once: dropout, mini-batches, augmentation,
# features, tanh, SGD.
BUSY = net.NetConfig(dataset="xor", hidden=(12, 6), activation="tanh", optimizer="sgd",
                     lr=0.1, epochs=80, batch_size=32, dropout=0.2, augment=1, wd=0.001,
                     features=("x1", "x2", "x1·x2", "sin πx1"), seed=4)


@pytest.fixture(scope="module")
def default_replay():
    return net.train_replay(DEFAULT)


@pytest.fixture(scope="module")
def busy_replay():
    return net.train_replay(BUSY)


# ---- data and features ------------------------------------------------------------------


def test_features_are_the_formulas_they_name():
    rng = np.random.default_rng(0)
    xy = rng.uniform(-1.5, 1.5, (50, 2)).astype(np.float32)
    x1, x2 = xy[:, 0].astype(float), xy[:, 1].astype(float)
    cols = net.features(xy, net.FEATURE_NAMES)
    expected = np.stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(math.pi * x1),
                         np.sin(math.pi * x2)], axis=1)
    np.testing.assert_allclose(cols, expected, rtol=1e-6, atol=1e-7)
    assert cols.dtype == np.float32
    # the plain pair is the points themselves, so old runs train exactly as before
    np.testing.assert_array_equal(net.features(xy), xy)
    np.testing.assert_array_equal(net.features(xy, ("x2", "x1²")), expected[:, [1, 2]]
                                  .astype(np.float32))


def test_hills_is_a_noisy_surface_over_the_plane():
    xy, height = net.make_dataset("hills", 400, 0.0, seed=2)
    assert xy.shape == (400, 2) and height.shape == (400,)
    assert np.abs(xy).max() <= 1.5
    up = np.exp(-((xy[:, 0] - 0.6) ** 2 + (xy[:, 1] - 0.4) ** 2) / 0.35)
    down = np.exp(-((xy[:, 0] + 0.6) ** 2 + (xy[:, 1] + 0.4) ** 2) / 0.35)
    np.testing.assert_allclose(height, up - down, atol=1e-6)
    _, noisy = net.make_dataset("hills", 400, 0.25, seed=2)
    assert 0.2 < np.std(noisy - height) < 0.3
    again, _ = net.make_dataset("hills", 400, 0.25, seed=2)
    np.testing.assert_array_equal(again, xy)


def test_regression_loss_is_mean_squared_error_and_score_is_r2():
    cfg = net.NetConfig(dataset="hills", epochs=60)
    result, replay = net.train_replay(cfg)
    assert result.regression and result.diverged_at is None
    last = replay.weights[-1]
    for x, y, loss_key, score_key in ((result.x_train, result.y_train, "train_loss",
                                       "train_acc"),
                                      (result.x_val, result.y_val, "val_loss", "val_acc")):
        pred = numpy_forward(last, x, "relu")[-1]
        mse = float(np.mean((pred - y) ** 2))
        assert result.final[loss_key] == pytest.approx(mse, rel=1e-4)
        assert result.final[score_key] == pytest.approx(1 - mse / np.var(y), rel=1e-4)
    hist = result.history
    assert hist["train_loss"].iloc[-1] < 0.5 * hist["train_loss"].iloc[0]
    # the grid holds the predicted height, not a probability
    pred = numpy_forward(last, grid_points(result), "relu")[-1]
    np.testing.assert_allclose(result.grid_final.ravel(), pred, atol=1e-5)
    assert result.grid_final.min() < 0


# ---- snapshots --------------------------------------------------------------------------


@pytest.mark.parametrize("epochs", [50, 100, 300, 550, 1000])
def test_snapshot_epochs_are_about_fifty_and_denser_early(epochs):
    kept = net.snapshot_epochs(epochs)
    assert 40 <= len(kept) <= 60
    assert kept[0] == 0 and kept[-1] == epochs
    gaps = np.diff(kept)
    assert (gaps >= 1).all()
    assert (np.diff(gaps) >= -1).all(), "gaps never shrink (beyond rounding)"
    if epochs >= 300:
        assert gaps[:10].max() < gaps[-10:].min()


def test_few_epochs_keep_every_epoch():
    assert net.snapshot_epochs(20) == list(range(21))


@pytest.mark.parametrize("config", [DEFAULT, BUSY], ids=["default", "busy"])
def test_last_frame_is_the_straight_training(config, default_replay, busy_replay):
    """Keeping snapshots changes nothing: the last frame's weights are bit for bit those
    of `train` on the same settings."""
    result, replay = default_replay if config is DEFAULT else busy_replay
    straight = net.train(config)
    assert replay.epochs[-1] == config.epochs
    assert len(straight.weights) == len(replay.weights[-1]) == len(config.hidden) + 1
    for (w, b), (w2, b2) in zip(replay.weights[-1], straight.weights, strict=True):
        np.testing.assert_array_equal(w, w2)
        np.testing.assert_array_equal(b, b2)
    np.testing.assert_array_equal(result.history.to_numpy(), straight.history.to_numpy())
    np.testing.assert_array_equal(result.grid_final, straight.grid_final)


def test_default_training_equals_a_plain_torch_loop(default_replay):
    """An independent reference: the default run written out in torch here."""
    import torch

    torch.manual_seed(DEFAULT.seed)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                                torch.nn.ReLU(), torch.nn.Linear(16, 1))
    opt = torch.optim.Adam(model.parameters(), lr=DEFAULT.lr)
    x, y = net.make_dataset("moons", DEFAULT.n_points, DEFAULT.noise, DEFAULT.seed)
    xt, yt = torch.from_numpy(x[:100]), torch.from_numpy(y[:100])
    for _ in range(DEFAULT.epochs):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xt).squeeze(-1), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    mine = [p.detach().numpy() for p in model.parameters()]
    theirs = [a for layer in default_replay[1].weights[-1] for a in layer]
    for a, b in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("epoch", [1, 12, 105])
def test_each_frame_holds_the_weights_of_its_epoch(epoch, default_replay):
    """A frame at epoch e equals a straight training of e epochs (no learning-rate schedule,
    so the first e epochs of a longer run are the same steps)."""
    _, replay = default_replay
    frame = int(np.flatnonzero(replay.epochs == epoch)[0])
    short = net.train(replace(DEFAULT, epochs=epoch))
    for (w, b), (w2, b2) in zip(replay.weights[frame], short.weights, strict=True):
        np.testing.assert_array_equal(w, w2)
        np.testing.assert_array_equal(b, b2)


def test_the_best_epoch_is_a_frame(default_replay, busy_replay):
    for result, replay in (default_replay, busy_replay):
        assert replay.epochs[replay.best_frame] == result.best_epoch
        best = replay.stats.iloc[replay.best_frame]
        assert best["val_loss"] == pytest.approx(result.history["val_loss"].min())


def numpy_forward(weights, x, activation):
    """The MLP in plain numpy (float64): every layer's output, the last one (n,)."""
    act = {"relu": lambda h: np.maximum(h, 0), "tanh": np.tanh,
           "sigmoid": lambda h: 1 / (1 + np.exp(-h))}[activation]
    h, outs = np.asarray(x, dtype=float), []
    for k, (w, b) in enumerate(weights):
        h = h @ w.astype(float).T + b
        if k < len(weights) - 1:
            h = act(h)
        outs.append(h)
    outs[-1] = outs[-1][:, 0]
    return outs


def grid_points(result, small=False):
    gx, gy = (net.small_grid(result.grid_x, result.grid_y) if small
              else (result.grid_x, result.grid_y))
    return np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)


@pytest.mark.parametrize("which", ["default", "busy"])
def test_every_frame_is_drawn_from_its_own_weights(which, default_replay, busy_replay):
    result, replay = default_replay if which == "default" else busy_replay
    cfg = result.config
    big = net.features(grid_points(result), cfg.features)
    small = net.features(grid_points(result, small=True), cfg.features)
    g = net.NEURON_GRID
    for frame in range(replay.frames):
        w = replay.weights[frame]
        p = 1 / (1 + np.exp(-numpy_forward(w, big, cfg.activation)[-1]))
        np.testing.assert_allclose(replay.outputs[frame].ravel(), p, atol=2e-5)
        layers = numpy_forward(w, small, cfg.activation)
        for k, units in enumerate(cfg.hidden):
            drawn = min(units, net.MAX_DRAWN_UNITS)
            expected = layers[k][:, :drawn].T.reshape(drawn, g, g)
            np.testing.assert_allclose(replay.hidden[k][frame], expected, atol=2e-5)
        np.testing.assert_allclose(replay.small_outputs[frame].ravel(),
                                   1 / (1 + np.exp(-layers[-1])), atol=2e-5)
    # frames differ: the pictures are not one picture repeated
    assert np.abs(replay.outputs[0] - replay.outputs[-1]).max() > 0.3
    np.testing.assert_allclose(replay.inputs[0], small[:, 0].reshape(g, g), atol=1e-6)


def test_frame_numbers_are_the_training_history(default_replay):
    result, replay = default_replay
    stats = replay.stats.set_index("epoch")
    hist = result.history.set_index("epoch")
    for epoch in replay.epochs[1:]:
        for col in ("train_loss", "val_loss", "train_acc", "val_acc"):
            assert stats.loc[epoch, col] == hist.loc[epoch, col]
    # epoch 0, before any step, measured from the start weights
    w0 = replay.weights[0]
    logits = numpy_forward(w0, result.x_val, "relu")[-1]
    p = 1 / (1 + np.exp(-logits))
    bce = -np.mean(result.y_val * np.log(p) + (1 - result.y_val) * np.log(1 - p))
    assert stats.loc[0, "val_loss"] == pytest.approx(bce, rel=1e-5)
    assert stats.loc[0, "val_acc"] == pytest.approx(np.mean((logits > 0) == result.y_val))


def test_a_diverged_run_replays_up_to_where_it_stopped():
    result, replay = net.train_replay(net.NetConfig(lr=10.0, epochs=100))
    assert result.diverged_at is not None and result.weights == []
    assert replay.epochs[-1] < result.diverged_at
    assert np.isfinite(replay.outputs).all()


# ---- the chart's data ---------------------------------------------------------------------


def test_replay_datasets_hold_every_frame(busy_replay):
    result, replay = busy_replay
    data = fnc.replay_datasets(result, replay)
    frames = replay.frames
    cells = data["cells"]
    assert len(cells) == net.GRID_SIZE**2
    assert [c for c in cells if c.startswith("p")] == [f"p{k}" for k in range(frames)]
    # cell (i, j) is column i, row j of the grid
    row = cells.iloc[123]
    for k in (0, frames // 2, frames - 1):
        expected = replay.outputs[k][int(row["j"]), int(row["i"])] * fnc.PROB_STEPS
        assert abs(int(row[f"p{k}"]) - expected) <= 0.5 + 1e-6
    # the network: 4 inputs, 8 + 6 drawn hidden units, 1 output
    nodes = data["nodes"]
    assert len(nodes) == 4 + 8 + 6 + 1
    assert len(data["icells"]) == 4 * net.NEURON_GRID**2
    assert len(data["ncells"]) == (8 + 6 + 1) * net.NEURON_GRID**2
    # edges: 4x8 + 8x6 (first 8 of 12 drawn) + 6x1, each with its weight in every frame
    edges = data["edges"]
    assert len(edges) == 4 * 8 + 8 * 6 + 6
    w_cols = [f"w{k}" for k in range(frames)]
    assert list(edges.columns[-frames:]) == w_cols
    first_layer = edges.iloc[:32]
    for k in (0, frames - 1):
        np.testing.assert_allclose(first_layer[f"w{k}"].to_numpy(),
                                   replay.weights[k][0][0][:8, :4].ravel())
    assert "8 of 12" in set(data["labels"]["text"])
    assert set(data["labels"]["text"]) >= set(BUSY.features)
    # a node's picture is its activation, scaled to its largest |value| in that frame
    acts = replay.hidden[0][frames - 1][3]
    top = np.abs(acts).max()
    cells3 = data["ncells"][data["ncells"]["n"] == 4 + 3]
    values = cells3[f"a{frames - 1}"].to_numpy() / fnc.ACT_STEPS
    np.testing.assert_allclose(np.sort(values), np.sort((acts / top).ravel()), atol=0.005)
    numbers = data["frames"]
    assert numbers["label"].iloc[-1].startswith(f"Epoch {BUSY.epochs} of {BUSY.epochs}")


def test_the_diagram_fits_its_box_and_nodes_do_not_overlap():
    for names, hidden in ((("x1", "x2"), ()), (net.FEATURE_NAMES, (128, 128, 128, 128)),
                          (("x1·x2",), (3,)), (("x1", "x2"), (16, 16))):
        nodes, labels = fnc.diagram_layout(names, hidden)
        assert nodes["x"].min() >= fnc.DIAGRAM_LEFT - 1e-9
        assert (nodes["x"] + nodes["s"]).max() <= fnc.DIAGRAM_W
        assert nodes["y"].min() >= fnc.DIAGRAM_TOP - 1e-9
        assert (nodes["y"] + nodes["s"]).max() <= fnc.DIAGRAM_H
        for _, col in nodes.groupby("layer"):
            tops = np.sort(col["y"].to_numpy())
            assert (np.diff(tops) >= col["s"].iloc[0] - 1e-9).all()
        lefts = nodes.groupby("layer")["x"].first().to_numpy()
        rights = (nodes.groupby("layer")["x"].first() + nodes.groupby("layer")["s"].first())
        assert (lefts[1:] > rights.to_numpy()[:-1] + 10).all()
        assert labels["y"].min() > 0


def test_replay_template_binds_the_frame_and_play():
    spec = fnc.replay_chart(False, 700, False).to_dict()
    params = {p["name"]: p for p in spec["params"]}
    assert params[fnc.FRAME_PARAM]["bind"]["input"] == "range"
    assert params[fnc.PLAY_PARAM]["bind"]["input"] == "checkbox"
    assert params[fnc.PLAY_PARAM]["bind"]["name"].strip() == "Play"
    text = json.dumps(spec)
    assert f"datum['p' + {fnc.FRAME_PARAM}]" in text
    assert f"datum['a' + {fnc.FRAME_PARAM}]" in text
    assert f"datum['w' + {fnc.FRAME_PARAM}]" in text
    assert not spec.get("datasets"), "a template: the data comes with each run"


def _sent_bytes(config, stacked=False) -> tuple[int, int]:
    """(bytes of the spec as sent: its JSON plus the datasets' Arrow, frames)."""
    from explorer import ui

    result, replay = net.train_replay(config)
    data = fnc.replay_datasets(result, replay)
    template = fnc.replay_chart(result.regression, 300 if stacked else 700, stacked).to_dict()
    spec = fnc.fill_spec(template, {}, fnc.replay_params(result, replay, data))
    arrow = ui.arrow_datasets(data)
    return len(json.dumps(spec)) + sum(len(b) for b in arrow.values()), replay.frames


def test_the_replay_spec_with_every_frame_stays_under_3_mb():
    size, frames = _sent_bytes(DEFAULT)
    assert 40 <= frames <= 60
    assert size < 1_000_000
    # the largest drawing: every feature, 4 layers (8 of 128 units drawn), 1,000 points,
    # a regression set; epochs do not add frames, only loss-curve rows
    biggest = net.NetConfig(dataset="hills", n_points=1000, hidden=(128, 128, 128, 128),
                            features=net.FEATURE_NAMES, epochs=1000, lr=0.001)
    size, frames = _sent_bytes(net.within_step_budget(biggest))
    assert frames <= 60
    assert size <= 3_000_000


# ---- the presets' notes, against the runs they describe ----------------------------------


def preset_config(name: str, **change) -> net.NetConfig:
    return network_config({**SPEC.preset(name).values, **change})


def test_feature_presets_say_what_their_runs_show():
    """The numbers in the notes of the circle, XOR and spiral presets."""
    circle = net.train(preset_config("circle_squares"))
    assert circle.config.hidden == () and circle.config.features == ("x1²", "x2²")
    assert circle.final["val_acc"] > 0.95
    assert net.train(preset_config("circle_squares", fit_features=["x1", "x2"])
                     ).final["val_acc"] <= 0.55
    xor = net.train(preset_config("xor_product"))
    assert xor.config.features == ("x1·x2",)
    assert xor.final["val_acc"] > 0.90
    assert net.train(preset_config("xor_product", fit_features=["x1", "x2"])
                     ).final["val_acc"] <= 0.55
    two = net.train(preset_config("spiral_depth"))
    assert two.config.hidden == (8, 8) and two.config.activation == "relu"
    assert two.final["val_acc"] > 0.97
    assert net.train(preset_config("spiral_depth", hidden="8")).final["val_acc"] <= 0.90
    assert net.train(preset_config("spiral_depth", hidden="16")).final["val_acc"] > 0.97


def test_network_config_reads_the_controls_as_the_page_does():
    assert network_config({}) == net.NetConfig()
    cfg = network_config({"fit_features": ["x1·x2", "x1"], "fit_batch": "32",
                          "optimizer": "SGD with momentum", "hidden": ""})
    assert cfg.features == ("x1", "x1·x2") and cfg.batch_size == 32
    assert cfg.optimizer == "sgd" and cfg.hidden == ()
    assert network_config({"fit_features": []}).features == ("x1", "x2")
    with pytest.raises(ValueError):
        network_config({"hidden": "lots"})
