"""A small multilayer perceptron on 2D toy data, in the spirit of TensorFlow Playground, with
the regularizers that fight overfitting: L2 weight decay, L1, dropout, data augmentation by
jittered copies, more data, and early stopping (keeping the weights of the best epoch).

Playground's other ideas are here too: input features computed from the two coordinates
(x1², x1·x2, sin πx1, ...), a regression dataset beside the classification ones, and a
replay of training (`train_replay`): the weights kept at about fifty epochs, denser early,
and from each one's weights the output over the plane and every drawn hidden neuron's
activation, so the browser can scrub through training without asking the server again.

Data is made in numpy with a seed; torch is imported inside the functions that need it so
the page starts fast. The charts are in fitting_network_charts.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

CLASSIFICATION_SETS = ("moons", "circles", "xor", "spiral")
# A surface over the plane: two hills, one up and one down; the net predicts its height.
REGRESSION_SETS = ("hills",)
DATASETS = CLASSIFICATION_SETS + REGRESSION_SETS
ACTIVATIONS = ("relu", "tanh", "sigmoid")
OPTIMIZERS = ("adam", "sgd")
MAX_WIDTH = 128
MAX_LAYERS = 4
GRID_SIZE = 60
# Training stops when the loss is not finite or grows past this multiple of its value before
# training (about ln 2 = 0.69): a loss of 7 nats means confidently wrong on most points.
DIVERGENCE_FACTOR = 10.0
# Standard deviation of the jitter added to augmented copies, in data units.
AUGMENT_JITTER = 0.15


# The input features a net may see, each computed from the point's coordinates (x1, x2).
# sin takes π·x: the data lives within about ±1.5, where sin x would be almost a straight
# line; sin πx makes one and a half waves across it.
FEATURES = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1²": lambda x1, x2: x1 * x1,
    "x2²": lambda x1, x2: x2 * x2,
    "x1·x2": lambda x1, x2: x1 * x2,
    "sin πx1": lambda x1, x2: np.sin(np.pi * x1),
    "sin πx2": lambda x1, x2: np.sin(np.pi * x2),
}
FEATURE_NAMES = tuple(FEATURES)
PLAIN_FEATURES = ("x1", "x2")
# Hidden neurons drawn per layer in the replay (all layers are drawn; MAX_LAYERS is 4).
MAX_DRAWN_UNITS = 8
# The replay keeps the weights at about this many epochs (plus epoch 0 and the best one).
REPLAY_FRAMES = 50
# Each hidden neuron's picture is this many cells on a side.
NEURON_GRID = 16


def features(xy: np.ndarray, names: tuple[str, ...] = PLAIN_FEATURES) -> np.ndarray:
    """The chosen input features of points (n, 2), as float32 columns in the given order."""
    if tuple(names) == PLAIN_FEATURES:
        return np.ascontiguousarray(xy, dtype=np.float32)
    x1, x2 = xy[:, 0].astype(np.float64), xy[:, 1].astype(np.float64)
    return np.stack([FEATURES[name](x1, x2) for name in names], axis=1).astype(np.float32)


def is_regression(dataset: str) -> bool:
    return dataset in REGRESSION_SETS


def hills(xy: np.ndarray) -> np.ndarray:
    """The regression surface: a hill of height 1 at (0.6, 0.4), a pit of depth 1 at
    (-0.6, -0.4)."""
    up = np.exp(-((xy[:, 0] - 0.6) ** 2 + (xy[:, 1] - 0.4) ** 2) / 0.35)
    down = np.exp(-((xy[:, 0] + 0.6) ** 2 + (xy[:, 1] + 0.4) ** 2) / 0.35)
    return up - down


def make_dataset(name: str, n: int, noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points in 2D with labels 0/1 (or, for a regression set, the height of the surface).
    Noise is Gaussian jitter on the coordinates; for a regression set it is added to the
    height instead."""
    rng = np.random.default_rng(seed)
    if name in REGRESSION_SETS:
        xy = rng.uniform(-1.5, 1.5, (n, 2))
        target = hills(xy) + noise * rng.standard_normal(n)
        return xy.astype(np.float32), target.astype(np.float32)
    half = n // 2
    labels = np.r_[np.zeros(half), np.ones(n - half)]
    if name == "moons":
        t0 = rng.uniform(0, np.pi, half)
        t1 = rng.uniform(0, np.pi, n - half)
        a = np.c_[np.cos(t0), np.sin(t0)]
        b = np.c_[1.0 - np.cos(t1), 0.5 - np.sin(t1)]
        xy = np.r_[a, b] - np.array([0.5, 0.25])
    elif name == "circles":
        t = rng.uniform(0, 2 * np.pi, n)
        radius = np.r_[np.full(half, 1.0), np.full(n - half, 0.45)]
        xy = np.c_[radius * np.cos(t), radius * np.sin(t)]
    elif name == "xor":
        xy = rng.uniform(-1.0, 1.0, (n, 2))
        # keep points off the axes so the pattern is learnable before noise
        xy += 0.1 * np.sign(xy)
        labels = (xy[:, 0] * xy[:, 1] < 0).astype(float)
    elif name == "spiral":
        t = np.sqrt(rng.uniform(0.04, 1.0, n)) * 2.6 * np.pi
        arm = np.r_[np.zeros(half), np.full(n - half, np.pi)]
        r = t / (2.6 * np.pi) * 1.2
        xy = np.c_[r * np.cos(t + arm), r * np.sin(t + arm)]
    else:
        raise ValueError(f"unknown dataset {name!r}")
    xy = xy + noise * rng.standard_normal(xy.shape)
    order = rng.permutation(n)
    return xy[order].astype(np.float32), labels[order].astype(np.float32)


def parse_hidden(text: str) -> tuple[int, ...]:
    """'16,16' -> (16, 16). Empty text means no hidden layer (logistic regression).

    Raises ValueError with a plain message on anything else.
    """
    text = (text or "").strip()
    if not text:
        return ()
    parts = [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]
    # ASCII digits only: str.isdigit() also accepts '²' or '①', which int() then refuses
    # with Python's own message.
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError("Hidden layers must be whole numbers separated by commas, like 16,16.")
    if len(parts) > MAX_LAYERS:
        raise ValueError(f"At most {MAX_LAYERS} hidden layers here.")
    # a width with more digits than any allowed one is too big (and int() of thousands of
    # digits would raise a message of Python's own)
    widths = tuple(int(p) if len(p.lstrip("0")) <= len(str(MAX_WIDTH)) else MAX_WIDTH + 1
                   for p in parts)
    if any(w < 1 or w > MAX_WIDTH for w in widths):
        raise ValueError(f"Each hidden layer needs between 1 and {MAX_WIDTH} units.")
    return widths


@dataclass(frozen=True)
class NetConfig:
    dataset: str = "moons"
    noise: float = 0.25
    n_points: int = 200
    val_fraction: float = 0.5
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float = 0.01
    epochs: int = 300
    batch_size: int = 0  # 0 means full batch
    wd: float = 0.0
    l1: float = 0.0
    dropout: float = 0.0
    augment: int = 0
    seed: int = 0
    features: tuple[str, ...] = PLAIN_FEATURES

    @property
    def regression(self) -> bool:
        return is_regression(self.dataset)

    def unregularized(self) -> NetConfig:
        """The same run without any regularizer: the 'before' of a before/after."""
        return replace(self, wd=0.0, l1=0.0, dropout=0.0, augment=0)

    @property
    def regularized(self) -> bool:
        return bool(self.wd or self.l1 or self.dropout or self.augment)


@dataclass
class NetResult:
    config: NetConfig
    # epoch, train_loss, val_loss, train_acc, val_acc (for a regression set the loss is the
    # mean squared error and the "accuracy" columns hold R², 1 - MSE / variance)
    history: pd.DataFrame
    best_epoch: int  # 1-based epoch with the lowest validation loss
    grid_x: np.ndarray
    grid_y: np.ndarray
    # P(class 1) (or the predicted height) on the grid, final weights / best epoch's
    grid_final: np.ndarray
    grid_best: np.ndarray
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    diverged_at: int | None = None  # epoch where training was stopped
    extra: dict = field(default_factory=dict)
    # The weights after the last epoch: per Linear layer, (weight (out, in), bias (out,)).
    weights: list = field(default_factory=list)

    @property
    def regression(self) -> bool:
        return self.config.regression

    @property
    def final(self) -> dict:
        return self.history.iloc[-1].to_dict() if len(self.history) else {}

    @property
    def best(self) -> dict:
        return self.history.loc[self.history["epoch"] == self.best_epoch].iloc[0].to_dict()


# At most this many optimizer steps per training run, so one session cannot hold the
# shared server for minutes (mini-batches of 8 on 5,000 augmented points would).
# Mini-batches of 32 on the defaults (4 steps x 300 epochs) fit; batches of 8 get fewer epochs.
MAX_STEPS = 2_000


def steps_per_epoch(config: NetConfig) -> int:
    n_train = config.n_points - min(max(int(round(config.n_points * config.val_fraction)), 1),
                                    config.n_points - 2)
    n_fit = n_train * (config.augment + 1)
    if 0 < config.batch_size < n_fit:
        return math.ceil(n_fit / config.batch_size)
    return 1


def within_step_budget(config: NetConfig) -> NetConfig:
    """The config with its epochs cut so the run takes at most MAX_STEPS steps."""
    per_epoch = steps_per_epoch(config)
    if config.epochs * per_epoch <= MAX_STEPS:
        return config
    return replace(config, epochs=max(1, MAX_STEPS // per_epoch))


def split(x: np.ndarray, y: np.ndarray, val_fraction: float):
    """The data is already shuffled: the last val_fraction of rows validate."""
    n_val = int(round(len(x) * val_fraction))
    n_val = min(max(n_val, 1), len(x) - 2)
    return x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]


def augment_copies(x: np.ndarray, y: np.ndarray, copies: int, seed: int):
    """The training points plus `copies` jittered copies of each, with the same labels."""
    if copies <= 0:
        return x, y
    rng = np.random.default_rng(seed + 1000)
    jittered = np.concatenate([x + AUGMENT_JITTER * rng.standard_normal(x.shape)
                               for _ in range(copies)]).astype(np.float32)
    return np.concatenate([x, jittered]), np.concatenate([y] * (copies + 1))


def build_mlp(hidden: tuple[int, ...], activation: str, dropout: float, inputs: int = 2):
    import torch.nn as nn

    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[activation]
    layers: list = []
    width = inputs
    for units in hidden:
        layers += [nn.Linear(width, units), act()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = units
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def penalty(model, wd: float, l1: float):
    """wd * sum of squared weights + l1 * sum of absolute weights (biases are not penalized)."""
    total = 0.0
    for name, param in model.named_parameters():
        if name.endswith("weight"):
            if wd:
                total = total + wd * param.pow(2).sum()
            if l1:
                total = total + l1 * param.abs().sum()
    return total


def grid_for(x: np.ndarray, size: int = GRID_SIZE) -> tuple[np.ndarray, np.ndarray]:
    lo = np.floor((x.min(axis=0) - 0.3) * 2) / 2
    hi = np.ceil((x.max(axis=0) + 0.3) * 2) / 2
    return np.linspace(lo[0], hi[0], size), np.linspace(lo[1], hi[1], size)


def snapshot_epochs(epochs: int, frames: int = REPLAY_FRAMES) -> list[int]:
    """The epochs whose weights the replay keeps: 0 (before training) to `epochs`, about
    `frames` of them, spaced along a square curve so the early epochs, where the boundary
    moves most, get more of them. Every epoch when there are not more than `frames`."""
    if epochs + 1 <= frames:
        return list(range(epochs + 1))
    kept = [0]
    for k in range(1, frames):
        kept.append(max(kept[-1] + 1, round(epochs * (k / (frames - 1)) ** 2)))
    kept[-1] = epochs
    return sorted(set(min(e, epochs) for e in kept))


def _state(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """The weights of every Linear layer of the model, copied out as numpy arrays."""
    import torch.nn as nn

    return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
            for m in model if isinstance(m, nn.Linear)]


def _scores(config: NetConfig, out, y) -> tuple[float, float]:
    """(loss, accuracy) of raw outputs against targets: cross-entropy and the share of
    points on the right side, or for a regression set mean squared error and R²."""
    import torch.nn.functional as F

    if config.regression:
        loss = F.mse_loss(out, y).item()
        variance = float(y.var(unbiased=False))
        return loss, (1.0 - loss / variance) if variance > 0 else 0.0
    loss = F.binary_cross_entropy_with_logits(out, y).item()
    return loss, float(((out > 0).float() == y).float().mean())


def train(config: NetConfig, progress: Callable[[float], None] | None = None) -> NetResult:
    """Train the MLP with Adam (or SGD with momentum 0.9) on binary cross-entropy (mean
    squared error for a regression set); evaluate every epoch (dropout off)."""
    return _fit(config, progress)[0]


def _fit(config: NetConfig, progress: Callable[[float], None] | None = None,
         keep: frozenset[int] = frozenset()):
    """The training; `keep`: epochs whose weights to copy out as they are reached (0 is
    before the first step). Returns (result, {epoch: weights}). Copying the weights changes
    nothing in the training: same steps, same random numbers."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    x, y = make_dataset(config.dataset, config.n_points, config.noise, config.seed)
    x_tr, y_tr, x_val, y_val = split(x, y, config.val_fraction)
    x_fit, y_fit = augment_copies(x_tr, y_tr, config.augment, config.seed)
    names = config.features

    torch.manual_seed(config.seed)
    model = build_mlp(config.hidden, config.activation, config.dropout, len(names))
    if config.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    xf, yf = torch.from_numpy(features(x_fit, names)), torch.from_numpy(y_fit)
    xt, yt = torch.from_numpy(features(x_tr, names)), torch.from_numpy(y_tr)
    xv, yv = torch.from_numpy(features(x_val, names)), torch.from_numpy(y_val)
    gx, gy = grid_for(x)
    mesh = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2).astype(np.float32)
    grid_t = torch.from_numpy(features(mesh, names))
    generator = torch.Generator().manual_seed(config.seed)
    batch = config.batch_size if 0 < config.batch_size < len(xf) else len(xf)
    loss_fn = F.mse_loss if config.regression else F.binary_cross_entropy_with_logits

    with torch.no_grad():
        start_loss = max(loss_fn(model(xt).squeeze(-1), yt).item(), 0.1)
    states = {0: _state(model)} if 0 in keep else {}
    rows = []
    best_val, best_epoch, best_state = math.inf, 1, None
    diverged_at = None
    report_every = max(1, config.epochs // 20)
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(len(xf), generator=generator) if batch < len(xf) else None
        for start in range(0, len(xf), batch):
            idx = order[start:start + batch] if order is not None else slice(None)
            out = model(xf[idx]).squeeze(-1)
            loss = loss_fn(out, yf[idx])
            loss = loss + penalty(model, config.wd, config.l1)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            lt, lv = model(xt).squeeze(-1), model(xv).squeeze(-1)
            train_loss, train_acc = _scores(config, lt, yt)
            val_loss, val_acc = _scores(config, lv, yv)
        params_ok = all(torch.isfinite(p).all() for p in model.parameters())
        if (not (math.isfinite(train_loss) and math.isfinite(val_loss)) or not params_ok
                or train_loss > DIVERGENCE_FACTOR * start_loss):
            diverged_at = epoch
            break
        rows.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                     "train_acc": train_acc, "val_acc": val_acc})
        if epoch in keep:
            states[epoch] = _state(model)
        if val_loss < best_val:
            best_val, best_epoch = val_loss, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        if progress is not None and epoch % report_every == 0:
            progress(epoch / config.epochs)

    history = pd.DataFrame(rows, columns=["epoch", "train_loss", "val_loss", "train_acc",
                                          "val_acc"])

    def on_grid():
        out = model(grid_t).squeeze(-1)
        return (out if config.regression else torch.sigmoid(out)).numpy()

    with torch.no_grad():
        weights = _state(model) if diverged_at is None else []
        if diverged_at is None:
            grid_final = on_grid()
        else:
            grid_final = np.full(len(mesh), 0.0 if config.regression else 0.5,
                                 dtype=np.float32)
        if best_state is not None:
            model.load_state_dict(best_state)
            grid_best = on_grid()
            if keep and best_epoch not in states:
                states[best_epoch] = _state(model)
        else:
            grid_best = grid_final
    if progress is not None:
        progress(1.0)
    result = NetResult(config, history, best_epoch, gx, gy,
                       grid_final.reshape(len(gy), len(gx)), grid_best.reshape(len(gy), len(gx)),
                       x_tr, y_tr, x_val, y_val, diverged_at, weights=weights)
    return result, states


def gap(result: NetResult, at_best: bool = False) -> float:
    """Validation loss minus training loss, at the last epoch (or the best one)."""
    row = result.best if at_best else result.final
    return float(row["val_loss"] - row["train_loss"])


def parameter_count(hidden: tuple[int, ...], inputs: int = 2, outputs: int = 1) -> int:
    """Weights and biases of the MLP build_mlp makes: each layer has (inputs x units) weights
    and one bias per unit."""
    total, width = 0, inputs
    for units in (*hidden, outputs):
        total += width * units + units
        width = units
    return total


# ---- the replay ------------------------------------------------------------------------


@dataclass
class Replay:
    """Training as a film: the weights at each kept epoch, and what they compute.

    Every picture here comes from that frame's own weights (a forward pass on a grid), none
    is interpolated between frames."""

    epochs: np.ndarray  # (F,) the epoch of each frame; 0 is before training
    best_frame: int  # the frame of the epoch with the lowest validation loss
    weights: list  # per frame: per Linear layer, (weight (out, in), bias (out,))
    stats: pd.DataFrame  # frame, epoch, train_loss, val_loss, train_acc, val_acc
    outputs: np.ndarray  # (F, GRID_SIZE, GRID_SIZE): P(class 1) or the height, on the grid
    small_x: np.ndarray  # the neurons' grid: NEURON_GRID points across the same plane
    small_y: np.ndarray
    inputs: np.ndarray  # (features, g, g): each input feature over the plane
    hidden: list  # per hidden layer: (F, drawn units, g, g) activations
    small_outputs: np.ndarray  # (F, g, g): the output on the neurons' grid

    @property
    def frames(self) -> int:
        return len(self.epochs)


def small_grid(grid_x: np.ndarray, grid_y: np.ndarray, size: int = NEURON_GRID):
    """Cell centres of a coarser grid over the same rectangle as (grid_x, grid_y)."""
    def axis(g):
        half = (g[1] - g[0]) / 2
        lo, hi = g[0] - half, g[-1] + half
        step = (hi - lo) / size
        return lo + step / 2 + step * np.arange(size)
    return axis(grid_x), axis(grid_y)


def forward_layers(weights: list, x: np.ndarray, activation: str) -> list[np.ndarray]:
    """Every layer's output for inputs x (n, features), in float32 as torch computes it:
    the hidden layers after their activation, then the raw output (n,)."""
    import torch

    act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]
    h = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    outs = []
    with torch.no_grad():
        for k, (w, b) in enumerate(weights):
            h = torch.nn.functional.linear(h, torch.from_numpy(w), torch.from_numpy(b))
            if k < len(weights) - 1:
                h = act(h)
            outs.append(h.numpy())
    outs[-1] = outs[-1][:, 0]
    return outs


def train_replay(config: NetConfig, progress: Callable[[float], None] | None = None,
                 frames: int = REPLAY_FRAMES) -> tuple[NetResult, Replay]:
    """Train as `train` does, keeping the weights at `snapshot_epochs` (and at the best
    epoch), then compute each frame's pictures from its weights."""
    import torch

    planned = snapshot_epochs(config.epochs, frames)
    result, states = _fit(config, progress, frozenset(planned))
    epochs = np.array(sorted(states), dtype=int)
    weights = [states[int(e)] for e in epochs]
    names = config.features
    x_tr, x_val = features(result.x_train, names), features(result.x_val, names)
    y_tr, y_val = torch.from_numpy(result.y_train), torch.from_numpy(result.y_val)
    gx, gy = result.grid_x, result.grid_y
    mesh = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    sx, sy = small_grid(gx, gy)
    small = np.stack(np.meshgrid(sx, sy), axis=-1).reshape(-1, 2)
    big_in, small_in = features(mesh, names), features(small, names)
    g = NEURON_GRID
    history = result.history.set_index("epoch")
    rows, outputs, small_outputs = [], [], []
    hidden: list[list[np.ndarray]] = [[] for _ in config.hidden]
    for frame, (epoch, w) in enumerate(zip(epochs, weights, strict=True)):
        if epoch in history.index:
            row = history.loc[epoch]
            numbers = (row["train_loss"], row["val_loss"], row["train_acc"], row["val_acc"])
        else:  # epoch 0: measured here, as the training measures every other epoch
            tr = _scores(config, torch.from_numpy(
                forward_layers(w, x_tr, config.activation)[-1]), y_tr)
            va = _scores(config, torch.from_numpy(
                forward_layers(w, x_val, config.activation)[-1]), y_val)
            numbers = (tr[0], va[0], tr[1], va[1])
        rows.append({"frame": frame, "epoch": int(epoch), "train_loss": float(numbers[0]),
                     "val_loss": float(numbers[1]), "train_acc": float(numbers[2]),
                     "val_acc": float(numbers[3])})
        big = forward_layers(w, big_in, config.activation)[-1]
        layers = forward_layers(w, small_in, config.activation)
        if not config.regression:
            big = 1.0 / (1.0 + np.exp(-big.astype(np.float64)))
            layers[-1] = 1.0 / (1.0 + np.exp(-layers[-1].astype(np.float64)))
        outputs.append(big.reshape(len(gy), len(gx)))
        small_outputs.append(layers[-1].reshape(g, g))
        for k, acts in enumerate(layers[:-1]):
            drawn = acts[:, :MAX_DRAWN_UNITS]
            hidden[k].append(drawn.T.reshape(drawn.shape[1], g, g))
    best = int(np.flatnonzero(epochs == result.best_epoch)[0]) if len(result.history) else 0
    replay = Replay(
        epochs=epochs, best_frame=best, weights=weights, stats=pd.DataFrame(rows),
        outputs=np.array(outputs, dtype=np.float32), small_x=sx, small_y=sy,
        inputs=small_in.T.reshape(len(names), g, g),
        hidden=[np.array(h, dtype=np.float32) for h in hidden],
        small_outputs=np.array(small_outputs, dtype=np.float32))
    if progress is not None:
        progress(1.0)
    return result, replay
