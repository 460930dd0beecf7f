"""A small multilayer perceptron on 2D toy data, in the spirit of TensorFlow Playground, with
the regularizers that fight overfitting: L2 weight decay, L1, dropout, data augmentation by
jittered copies, more data, and early stopping (keeping the weights of the best epoch).

Data is made in numpy with a seed; torch is imported inside the functions that need it so
the page starts fast. The charts are in fitting_network_charts.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

DATASETS = ("moons", "circles", "xor", "spiral")
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


def make_dataset(name: str, n: int, noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points in 2D with labels 0/1. Noise is Gaussian jitter on the coordinates."""
    rng = np.random.default_rng(seed)
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

    def unregularized(self) -> NetConfig:
        """The same run without any regularizer: the 'before' of a before/after."""
        return replace(self, wd=0.0, l1=0.0, dropout=0.0, augment=0)

    @property
    def regularized(self) -> bool:
        return bool(self.wd or self.l1 or self.dropout or self.augment)


@dataclass
class NetResult:
    config: NetConfig
    history: pd.DataFrame  # epoch, train_loss, val_loss, train_acc, val_acc
    best_epoch: int  # 1-based epoch with the lowest validation loss
    grid_x: np.ndarray
    grid_y: np.ndarray
    grid_final: np.ndarray  # P(class 1) on the grid, final weights
    grid_best: np.ndarray  # P(class 1) on the grid, weights of the best epoch
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    diverged_at: int | None = None  # epoch where training was stopped
    extra: dict = field(default_factory=dict)

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


def build_mlp(hidden: tuple[int, ...], activation: str, dropout: float):
    import torch.nn as nn

    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[activation]
    layers: list = []
    width = 2
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


def train(config: NetConfig, progress: Callable[[float], None] | None = None) -> NetResult:
    """Train the MLP with Adam (or SGD with momentum 0.9) on binary cross-entropy; evaluate every epoch (dropout off)."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    x, y = make_dataset(config.dataset, config.n_points, config.noise, config.seed)
    x_tr, y_tr, x_val, y_val = split(x, y, config.val_fraction)
    x_fit, y_fit = augment_copies(x_tr, y_tr, config.augment, config.seed)

    torch.manual_seed(config.seed)
    model = build_mlp(config.hidden, config.activation, config.dropout)
    if config.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    xf, yf = torch.from_numpy(x_fit), torch.from_numpy(y_fit)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    xv, yv = torch.from_numpy(x_val), torch.from_numpy(y_val)
    gx, gy = grid_for(x)
    mesh = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2).astype(np.float32)
    grid_t = torch.from_numpy(mesh)
    generator = torch.Generator().manual_seed(config.seed)
    batch = config.batch_size if 0 < config.batch_size < len(xf) else len(xf)

    with torch.no_grad():
        start_loss = max(F.binary_cross_entropy_with_logits(model(xt).squeeze(-1), yt).item(),
                         0.1)
    rows = []
    best_val, best_epoch, best_state = math.inf, 1, None
    diverged_at = None
    report_every = max(1, config.epochs // 20)
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(len(xf), generator=generator) if batch < len(xf) else None
        for start in range(0, len(xf), batch):
            idx = order[start:start + batch] if order is not None else slice(None)
            logits = model(xf[idx]).squeeze(-1)
            loss = F.binary_cross_entropy_with_logits(logits, yf[idx])
            loss = loss + penalty(model, config.wd, config.l1)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            lt, lv = model(xt).squeeze(-1), model(xv).squeeze(-1)
            train_loss = F.binary_cross_entropy_with_logits(lt, yt).item()
            val_loss = F.binary_cross_entropy_with_logits(lv, yv).item()
        params_ok = all(torch.isfinite(p).all() for p in model.parameters())
        if (not (math.isfinite(train_loss) and math.isfinite(val_loss)) or not params_ok
                or train_loss > DIVERGENCE_FACTOR * start_loss):
            diverged_at = epoch
            break
        rows.append({
            "epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
            "train_acc": float(((lt > 0).float() == yt).float().mean()),
            "val_acc": float(((lv > 0).float() == yv).float().mean()),
        })
        if val_loss < best_val:
            best_val, best_epoch = val_loss, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        if progress is not None and epoch % report_every == 0:
            progress(epoch / config.epochs)

    history = pd.DataFrame(rows, columns=["epoch", "train_loss", "val_loss", "train_acc",
                                          "val_acc"])
    with torch.no_grad():
        if diverged_at is None:
            grid_final = torch.sigmoid(model(grid_t)).squeeze(-1).numpy()
        else:
            grid_final = np.full(len(mesh), 0.5, dtype=np.float32)
        if best_state is not None:
            model.load_state_dict(best_state)
            grid_best = torch.sigmoid(model(grid_t)).squeeze(-1).numpy()
        else:
            grid_best = grid_final
    if progress is not None:
        progress(1.0)
    return NetResult(config, history, best_epoch, gx, gy, grid_final.reshape(len(gy), len(gx)),
                     grid_best.reshape(len(gy), len(gx)), x_tr, y_tr, x_val, y_val,
                     diverged_at)


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
