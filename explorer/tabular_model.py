"""Deep learning on tables: the network, its training, the baselines, the results.

Imports torch and scikit-learn at the top, so pages import this module lazily (inside the
cached functions that train), never at start-up.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn

from explorer import tabular as tab

# Re-exported: they live in explorer.tabular so a page can key runs and read shipped results
# without torch.
from explorer.tabular import (  # noqa: F401
    Experiment,
    NetSettings,
    Prepared,
    TrainedNet,
    embedding_size,
    score,
)


def default_batch_size(n_train: int) -> int:
    """Small tables take small batches (more steps per epoch); big tables big ones."""
    if n_train < 2_000:
        return 32
    if n_train < 10_000:
        return 128
    return 512


class OneHot(nn.Module):
    """A fixed one-hot "lookup": code c becomes row c of the n×n identity matrix, computed
    on the fly (a stored identity matrix would take n² numbers for n codes)."""

    def __init__(self, n_codes: int):
        super().__init__()
        self.num_embeddings = self.embedding_dim = n_codes

    def forward(self, codes):
        return nn.functional.one_hot(codes, self.num_embeddings).float()


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
                table = OneHot(n_codes)
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


# ---- baselines -------------------------------------------------------------------------------


def _one_hot(prepared: Prepared, x_cat: np.ndarray, x_cont: np.ndarray):
    """One-hot codes beside the continuous columns, as a sparse matrix (rows × total codes
    stored densely would be gigabytes for an upload with thousands of categories)."""
    from scipy import sparse

    n = len(x_cat)
    offsets = np.concatenate([[0], np.cumsum(prepared.prep.cardinalities)]).astype(np.int64)
    codes = sparse.csr_matrix(
        (np.ones(n * x_cat.shape[1]), (np.repeat(np.arange(n), x_cat.shape[1]),
                                       (x_cat + offsets[:-1]).ravel())),
        shape=(n, int(offsets[-1])))
    return sparse.hstack([codes, sparse.csr_matrix(x_cont.astype(float))], format="csr")


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
    lin_train = _one_hot(prepared, prepared.x_cat_train, prepared.x_cont_train)
    lin_valid = _one_hot(prepared, prepared.x_cat_valid[keep], prepared.x_cont_valid[keep])
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
    """explorer.tabular.permutation_importance with this network's predictions."""
    return tab.permutation_importance(lambda x_cat, x_cont: predict(model, prepared, x_cat,
                                                                    x_cont),
                                      prepared, metric, repeats, seed, max_rows)


def embedding_weights(model: TabularNet, j: int) -> np.ndarray:
    """The lookup table of the j-th categorical column (codes × width)."""
    return model.embeddings[j].weight.detach().numpy()


def embedding_table(model: TabularNet, prepared: Prepared, column: str) -> pd.DataFrame:
    """explorer.tabular.embedding_table with this network's lookup table for `column`."""
    j = prepared.prep.cat_inputs.index(column)
    return tab.embedding_table(embedding_weights(model, j), prepared, column)


def run_network(prepared: Prepared, settings: NetSettings, seed: int = 0,
                progress: Callable[[int, int], None] | None = None) -> Experiment:
    net = train_network(prepared, settings, seed, progress)
    keep = prepared.y_valid >= 0
    pred = predict(net.model, prepared, prepared.x_cat_valid[keep],
                   prepared.x_cont_valid[keep])
    return Experiment(prepared, net, pred, score(prepared, prepared.y_valid[keep], pred))
