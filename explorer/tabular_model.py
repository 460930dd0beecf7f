"""Deep learning on tables: the network, its training, the baselines, the results.

Imports torch and scikit-learn at the top, so pages import this module lazily (inside the
cached functions that train), never at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from explorer.tabular import (  # NetSettings lives there: a page keys runs without torch
    NetSettings,
    Prepared,
    classification_metrics,
    embedding_size,
    higher_is_better,
    regression_metrics,
)


def default_batch_size(n_train: int) -> int:
    """Small tables take small batches (more steps per epoch); big tables big ones."""
    if n_train < 2_000:
        return 32
    if n_train < 10_000:
        return 128
    return 512


class TabularNet(nn.Module):
    """One lookup table per categorical column, concatenated with the continuous columns,
    then Linear -> ReLU -> BatchNorm -> Dropout blocks, then a Linear output layer."""

    def __init__(self, cardinalities: list[int], n_cont: int, n_out: int,
                 layers: tuple[int, ...], dropout: float, one_hot: bool = False):
        super().__init__()
        self.one_hot = one_hot
        self.embeddings = nn.ModuleList()
        for n_codes in cardinalities:
            if one_hot:
                table = nn.Embedding(n_codes, n_codes)
                table.weight.data.copy_(torch.eye(n_codes))
                table.weight.requires_grad_(False)
            else:
                table = nn.Embedding(n_codes, embedding_size(n_codes))
            self.embeddings.append(table)
        width = sum(e.embedding_dim for e in self.embeddings) + n_cont
        self.input_width = width
        blocks: list[nn.Module] = []
        for size in layers:
            blocks += [nn.Linear(width, size), nn.ReLU(), nn.BatchNorm1d(size)]
            if dropout > 0:
                blocks.append(nn.Dropout(dropout))
            width = size
        blocks.append(nn.Linear(width, n_out))
        self.mlp = nn.Sequential(*blocks)

    def forward(self, x_cat, x_cont):
        parts = [emb(x_cat[:, i]) for i, emb in enumerate(self.embeddings)]
        return self.mlp(torch.cat([*parts, x_cont], dim=1))


@dataclass
class TrainedNet:
    model: TabularNet
    history: pd.DataFrame  # epoch, split ("training"/"validation"), loss
    seconds: float
    n_parameters: int
    batch_size: int


def _n_outputs(prepared: Prepared) -> int:
    return 1 if prepared.problem.kind == "regression" else len(prepared.problem.classes)


def _loss_fn(prepared: Prepared):
    if prepared.problem.kind == "regression":
        return lambda out, y: nn.functional.mse_loss(out[:, 0], y)
    return nn.functional.cross_entropy


def _targets(prepared: Prepared, y: np.ndarray):
    if prepared.problem.kind == "regression":
        return torch.tensor((y - prepared.y_mean) / prepared.y_std, dtype=torch.float32)
    return torch.tensor(y, dtype=torch.int64)


def train_network(prepared: Prepared, settings: NetSettings, seed: int = 0,
                  progress: Callable[[int, int], None] | None = None) -> TrainedNet:
    """AdamW with a one-cycle learning-rate schedule (warm up, then anneal), mini-batches.

    The training loss per epoch is the mean over that epoch's batches (dropout on); the
    validation loss is measured after the epoch with the network in evaluation mode.
    """
    import time

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    model = TabularNet(prepared.prep.cardinalities, prepared.x_cont_train.shape[1],
                       _n_outputs(prepared), settings.layers, settings.dropout,
                       settings.one_hot)
    xc_t = torch.from_numpy(prepared.x_cat_train)
    xn_t = torch.from_numpy(prepared.x_cont_train)
    y_t = _targets(prepared, prepared.y_train)
    keep = prepared.y_valid >= 0  # a class never seen in training cannot be scored
    xc_v = torch.from_numpy(prepared.x_cat_valid[keep])
    xn_v = torch.from_numpy(prepared.x_cont_valid[keep])
    y_v = _targets(prepared, prepared.y_valid[keep])
    n = len(y_t)
    bs = settings.batch_size or default_batch_size(n)
    # Drop a last batch of one row: BatchNorm cannot normalize a single row.
    steps_per_epoch = max(1, n // bs if n % bs == 1 else -(-n // bs))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=settings.lr, weight_decay=settings.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=settings.lr, total_steps=settings.epochs * steps_per_epoch)
    loss_fn = _loss_fn(prepared)
    gen = torch.Generator().manual_seed(seed)
    rows = []
    for epoch in range(1, settings.epochs + 1):
        model.train()
        order = torch.randperm(n, generator=gen)
        total, count = 0.0, 0
        for step in range(steps_per_epoch):
            idx = order[step * bs:(step + 1) * bs]
            if len(idx) < 2:
                continue
            loss = loss_fn(model(xc_t[idx], xn_t[idx]), y_t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            count += len(idx)
        model.eval()
        with torch.no_grad():
            valid_loss = float(loss_fn(model(xc_v, xn_v), y_v)) if len(y_v) else 0.0
        rows.append((epoch, "training", total / max(count, 1)))
        rows.append((epoch, "validation", valid_loss))
        if progress is not None:
            progress(epoch, settings.epochs)
    model.eval()
    history = pd.DataFrame(rows, columns=["epoch", "split", "loss"])
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return TrainedNet(model, history, time.perf_counter() - t0, n_params, bs)


def predict(model: TabularNet, prepared: Prepared, x_cat: np.ndarray,
            x_cont: np.ndarray) -> np.ndarray:
    """Class probabilities [rows, classes], or predictions in target units [rows]."""
    with torch.no_grad():
        out = model(torch.from_numpy(x_cat), torch.from_numpy(x_cont))
    if prepared.problem.kind == "regression":
        return out[:, 0].numpy().astype(float) * prepared.y_std + prepared.y_mean
    return torch.softmax(out, dim=1).numpy().astype(float)


def score(prepared: Prepared, y_true: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    """Every metric of the problem type; `prediction` as `predict` returns it."""
    if prepared.problem.kind == "regression":
        return regression_metrics(y_true, prediction)
    labels = prediction.argmax(axis=1) if prediction.ndim == 2 else prediction
    return classification_metrics(y_true, labels, 1 if prepared.problem.kind == "binary"
                                  else None)


# ---- baselines -------------------------------------------------------------------------------


def _one_hot(prepared: Prepared, x_cat: np.ndarray) -> np.ndarray:
    blocks = [np.eye(n, dtype=np.float32)[x_cat[:, j]]
              for j, n in enumerate(prepared.prep.cardinalities)]
    return np.concatenate(blocks, axis=1) if blocks else np.zeros((len(x_cat), 0))


def baselines(prepared: Prepared, seed: int = 0) -> pd.DataFrame:
    """The same split, the same preprocessing, three honest competitors.

    - majority class / training mean (scikit-learn's Dummy models): the floor;
    - logistic regression / ridge regression on one-hot codes + normalized numbers;
    - histogram gradient-boosted trees with the codes as categorical features.
    """
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from threadpoolctl import threadpool_limits

    regression = prepared.problem.kind == "regression"
    keep = prepared.y_valid >= 0 if not regression else np.ones(len(prepared.y_valid), bool)
    y_train, y_valid = prepared.y_train, prepared.y_valid[keep]
    lin_train = np.hstack([_one_hot(prepared, prepared.x_cat_train), prepared.x_cont_train])
    lin_valid = np.hstack([_one_hot(prepared, prepared.x_cat_valid[keep]),
                           prepared.x_cont_valid[keep]])
    tree_train = np.hstack([prepared.x_cat_train, prepared.x_cont_train]).astype(float)
    tree_valid = np.hstack([prepared.x_cat_valid[keep], prepared.x_cont_valid[keep]])
    is_cat = np.array([True] * prepared.x_cat_train.shape[1]
                      + [False] * prepared.x_cont_train.shape[1])
    # Trees treat a column as categorical only below 255 codes; wider ones stay ordinal.
    is_cat &= np.array([n <= 250 for n in prepared.prep.cardinalities]
                       + [True] * prepared.x_cont_train.shape[1])
    cat_mask = is_cat if is_cat.any() else None
    if regression:
        models = {
            "predict the mean": (DummyRegressor(), tree_train, tree_valid),
            "ridge regression": (Ridge(alpha=1.0), lin_train, lin_valid),
            "gradient-boosted trees": (HistGradientBoostingRegressor(
                categorical_features=cat_mask, random_state=seed), tree_train, tree_valid),
        }
    else:
        models = {
            "predict the majority class": (DummyClassifier(), tree_train, tree_valid),
            "logistic regression": (LogisticRegression(max_iter=2000), lin_train, lin_valid),
            "gradient-boosted trees": (HistGradientBoostingClassifier(
                categorical_features=cat_mask, random_state=seed), tree_train, tree_valid),
        }
    rows = []
    for name, (model, x_train, x_valid) in models.items():
        # One thread: OpenMP worker pools spin badly when sessions share 2 cores.
        with threadpool_limits(limits=1):
            model.fit(x_train, y_train)
            pred = model.predict(x_valid)
        if not regression:
            # predict() returns class indices because y_train holds indices.
            pred = pred.astype(np.int64)
        rows.append({"model": name, **score(prepared, y_valid, pred)})
    return pd.DataFrame(rows)


# ---- what the network learned ------------------------------------------------------------------


def permutation_importance(model: TabularNet, prepared: Prepared, metric: str,
                           repeats: int = 3, seed: int = 0,
                           max_rows: int = 3000) -> pd.DataFrame:
    """How much worse the validation metric gets when one column's values are shuffled
    among the validation rows (breaking its link to the target, keeping its distribution).
    Computed on the raw columns, so a column and its _na flag move together. Uses at most
    `max_rows` validation rows (a fixed random sample) to stay quick on big tables."""
    rng = np.random.default_rng(seed)
    rows = np.flatnonzero(prepared.y_valid >= 0)
    if len(rows) > max_rows:
        rows = np.sort(rng.choice(rows, max_rows, replace=False))
    valid = prepared.valid_df.iloc[rows]
    keep = np.ones(len(rows), dtype=bool)
    y = prepared.y_valid[rows]

    def metric_of(frame: pd.DataFrame) -> float:
        x_cat, x_cont = prepared.prep.transform(frame)
        return score(prepared, y, predict(model, prepared, x_cat[keep], x_cont[keep]))[metric]

    base = metric_of(valid)
    sign = 1.0 if higher_is_better(metric) else -1.0
    rows = []
    for col in prepared.prep.categorical + prepared.prep.continuous:
        drops = []
        for _ in range(repeats):
            shuffled = valid.copy()
            shuffled[col] = valid[col].to_numpy()[rng.permutation(len(valid))]
            drops.append(sign * (base - metric_of(shuffled)))
        rows.append({"column": col, "importance": float(np.mean(drops))})
    return pd.DataFrame(rows).sort_values("importance", ascending=False, ignore_index=True)


def embedding_table(model: TabularNet, prepared: Prepared, column: str) -> pd.DataFrame:
    """The learned vectors of one categorical column's training categories, in 2D (the
    two main directions of the vectors), with how often each category occurs."""
    from explorer.tabular import pca_2d

    j = prepared.prep.cat_inputs.index(column)
    weights = model.embeddings[j].weight.detach().numpy()[2:]  # skip #missing, #unknown
    labels = prepared.prep.vocab[column][2:]
    coords, share = pca_2d(weights)
    counts = prepared.train_df[column].dropna().map(str).value_counts()
    return pd.DataFrame({
        "category": labels, "x": coords[:, 0], "y": coords[:, 1],
        "rows": [int(counts.get(label, 0)) for label in labels],
        "dims": weights.shape[1], "share_x": float(share[0]), "share_y": float(share[1]),
    })


@dataclass
class Experiment:
    prepared: Prepared
    net: TrainedNet
    valid_prediction: np.ndarray
    metrics: dict[str, float]


def run_network(prepared: Prepared, settings: NetSettings, seed: int = 0,
                progress: Callable[[int, int], None] | None = None) -> Experiment:
    net = train_network(prepared, settings, seed, progress)
    keep = prepared.y_valid >= 0
    pred = predict(net.model, prepared, prepared.x_cat_valid[keep],
                   prepared.x_cont_valid[keep])
    return Experiment(prepared, net, pred, score(prepared, prepared.y_valid[keep], pred))
