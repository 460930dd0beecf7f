"""Evaluation protocols: hold-out, K-fold and iterated K-fold with shuffling, on a small
sample of a real dataset (Palmer penguins: tell female from male by four body measurements,
with logistic regression).

The rows left out of the small sample act as a large reference set: its accuracy is close to
the model's true accuracy, so the page can show how far each protocol's estimate lands from it.
The charts are in fitting_protocol_charts.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
TARGET = "sex"
HOLDOUT_DRAWS = 50


def load_penguins_xy() -> tuple[np.ndarray, np.ndarray]:
    """The 333 penguins with all four measurements and a recorded sex: X (n, 4), y 1 = male."""
    import palmerpenguins

    df = palmerpenguins.load_penguins().dropna(subset=FEATURES + [TARGET])
    return df[FEATURES].to_numpy(float), (df[TARGET] == "male").to_numpy(int)


def sample_rows(n_total: int, rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random sample of `rows` row numbers, and the rest (the reference set)."""
    perm = np.random.default_rng(seed).permutation(n_total)
    return np.sort(perm[:rows]), np.sort(perm[rows:])


@dataclass(frozen=True)
class Split:
    repeat: int  # 1-based
    fold: int  # 1-based
    val_idx: np.ndarray  # positions in the sample that validate in this fold

    def train_idx(self, n: int) -> np.ndarray:
        mask = np.ones(n, dtype=bool)
        mask[self.val_idx] = False
        return np.flatnonzero(mask)


def kfold_splits(n: int, k: int, repeats: int = 1, seed: int = 0) -> list[Split]:
    """Iterated K-fold: each repeat shuffles the n rows, then cuts them into k folds of
    (nearly) equal size. Every row validates exactly once per repeat."""
    if not 2 <= k <= n:
        raise ValueError(f"K must be between 2 and the number of rows ({n}).")
    rng = np.random.default_rng(seed)
    splits = []
    for repeat in range(1, repeats + 1):
        perm = rng.permutation(n)
        for fold, part in enumerate(np.array_split(perm, k), start=1):
            splits.append(Split(repeat, fold, np.sort(part)))
    return splits


def holdout_split(n: int, val_fraction: float, rng: np.random.Generator) -> np.ndarray:
    n_val = min(max(int(round(n * val_fraction)), 1), n - 2)
    return np.sort(rng.permutation(n)[:n_val])


def _standardized(x: np.ndarray, train_masks: np.ndarray) -> np.ndarray:
    """x standardized per split with that split's training rows only: (S, n, d)."""
    w = train_masks / train_masks.sum(axis=1, keepdims=True)
    mean = w @ x  # (S, d)
    var = w @ (x**2) - mean**2
    std = np.sqrt(np.maximum(var, 1e-12))
    return (x[None, :, :] - mean[:, None, :]) / std[:, None, :]


def logistic_fit(x: np.ndarray, y: np.ndarray, train_masks: np.ndarray, c: float = 1.0,
                 iterations: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """L2-regularized logistic regression fitted by Newton's method, for many splits at once.

    Minimizes sum over training rows of the log loss + ||w||^2 / (2c) (the intercept is not
    penalized), the same objective as scikit-learn's LogisticRegression(C=c).
    train_masks: (S, n) booleans. Returns the standardized inputs (S, n, d+1) with a column
    of ones, and the coefficients (S, d+1).
    """
    masks = np.asarray(train_masks, dtype=float)
    xs = _standardized(np.asarray(x, float), masks)
    xs = np.concatenate([xs, np.ones(xs.shape[:2] + (1,))], axis=2)
    n_splits, _, d1 = xs.shape
    reg = np.eye(d1) / c
    reg[-1, -1] = 0.0
    beta = np.zeros((n_splits, d1))
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.einsum("snd,sd->sn", xs, beta)))
        grad = np.einsum("snd,sn->sd", xs, masks * (p - y)) + beta @ reg
        curv = masks * p * (1.0 - p)
        hess = np.matmul(xs.transpose(0, 2, 1), xs * curv[..., None]) + reg
        beta = beta - np.linalg.solve(hess, grad[..., None])[..., 0]
    return xs, beta


def split_accuracies(x: np.ndarray, y: np.ndarray, train_masks: np.ndarray,
                     val_masks: np.ndarray) -> np.ndarray:
    """Validation accuracy of logistic regression for each (train, validation) split."""
    xs, beta = logistic_fit(x, y, train_masks)
    predicted = np.einsum("snd,sd->sn", xs, beta) > 0
    correct = (predicted == (np.asarray(y) == 1)) & np.asarray(val_masks, bool)
    return correct.sum(axis=1) / np.asarray(val_masks, bool).sum(axis=1)


def _val_masks(n: int, val_sets: list[np.ndarray]) -> np.ndarray:
    masks = np.zeros((len(val_sets), n), dtype=bool)
    for i, val in enumerate(val_sets):
        masks[i, val] = True
    return masks


@dataclass
class ProtocolResult:
    rows: int
    k: int
    repeats: int
    splits: list[Split]
    fold_scores: pd.DataFrame  # repeat, fold, accuracy
    holdout_scores: np.ndarray  # HOLDOUT_DRAWS accuracies, one per random hold-out split
    kfold_means: np.ndarray  # HOLDOUT_DRAWS K-fold estimates, each the mean over k folds
    reference: float  # accuracy on the rows outside the sample, model fit on the sample
    holdout_val: np.ndarray  # the one hold-out split drawn in the picture
    n_reference: int = 0  # rows outside the sample

    @property
    def mean(self) -> float:
        return float(self.fold_scores["accuracy"].mean())

    @property
    def spread(self) -> float:
        return float(self.fold_scores["accuracy"].std(ddof=1)) if len(self.fold_scores) > 1 \
            else 0.0


def evaluate(rows: int, k: int, repeats: int, val_fraction: float | None = None,
             seed: int = 0) -> ProtocolResult:
    """Everything the protocol tab shows, for a sample of `rows` penguins."""
    x_all, y_all = load_penguins_xy()
    rows = min(rows, len(x_all) - 20)
    sample, rest = sample_rows(len(x_all), rows, seed)
    x, y = x_all[sample], y_all[sample]
    val_fraction = val_fraction if val_fraction is not None else 1.0 / k

    # Every model fitted in one batch: the folds shown, 50 hold-out splits, 50 K-fold runs.
    splits = kfold_splits(rows, k, repeats, seed)
    rng = np.random.default_rng(seed + 1)
    holdouts = [holdout_split(rows, val_fraction, rng) for _ in range(HOLDOUT_DRAWS)]
    fresh_kfolds = [s.val_idx for draw in range(HOLDOUT_DRAWS)
                    for s in kfold_splits(rows, k, 1, seed=seed + 100 + draw)]
    val_masks = _val_masks(rows, [s.val_idx for s in splits] + holdouts + fresh_kfolds)
    scores = split_accuracies(x, y, ~val_masks, val_masks)
    n_shown = len(splits)
    fold_scores = pd.DataFrame({"repeat": [s.repeat for s in splits],
                                "fold": [s.fold for s in splits],
                                "accuracy": scores[:n_shown]})
    holdout_scores = scores[n_shown:n_shown + HOLDOUT_DRAWS]
    kfold_means = scores[n_shown + HOLDOUT_DRAWS:].reshape(HOLDOUT_DRAWS, k).mean(axis=1)

    # Reference: fit on the whole sample, score on the rows outside it.
    x_both = np.concatenate([x, x_all[rest]])
    y_both = np.concatenate([y, y_all[rest]])
    train_mask = np.r_[np.ones(rows, bool), np.zeros(len(rest), bool)][None, :]
    reference = float(split_accuracies(x_both, y_both, train_mask, ~train_mask)[0])
    holdout_val = holdout_split(rows, val_fraction, np.random.default_rng(seed + 2))
    return ProtocolResult(rows, k, repeats, splits, fold_scores, holdout_scores, kfold_means,
                          reference, holdout_val, len(rest))


def spread_words(result: ProtocolResult) -> str:
    """How much less K-fold's estimate moves than one hold-out split's, from the 50 + 50
    estimates the comparison chart draws."""
    from explorer.claims import ratio_words

    hold, kfold = float(result.holdout_scores.std()), float(result.kfold_means.std())
    numbers = f"± {kfold:.1%} against ± {hold:.1%} for one hold-out split"
    if kfold < 1e-9 or hold < 1e-9:
        return f"here its estimates spread {numbers}"
    words = ratio_words(hold, kfold)
    if words == "about the same" or hold < kfold:
        why = (f": with K = {result.k} there are few scores to average" if result.k <= 3
               else "")
        return f"here, though, the two spread about the same ({numbers}){why}"
    return f"here its spread is {words} ({numbers})"
