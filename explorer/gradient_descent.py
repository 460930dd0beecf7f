"""Gradient descent on the simplest model, a line y = a1·x + a2.

Pure logic, no streamlit: make the data, the loss and its gradient (by formula, by torch
autograd and by finite differences), run an optimizer once for the whole trajectory, and
stop cleanly when it diverges. Chart builders live in explorer/gradient_descent_charts.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LOSSES = ("MSE", "MAE")
OPTIMIZERS = ("Gradient descent", "SGD", "Momentum", "Adam")
FULL_BATCH = "Gradient descent"

# Learning rates on a roughly logarithmic ladder from 0.001 to 3 (1, 1.5, 2, 3, 5, 7 per
# decade, plus 0.9 so "oscillates but still converges" has a value of its own).
LEARNING_RATES: tuple[float, ...] = tuple(
    sorted({round(m * d, 6) for d in (0.001, 0.01, 0.1, 1.0)
            for m in (1, 1.5, 2, 3, 5, 7) if m * d <= 3.0} | {0.9}))

MAX_STEPS = 5000          # the longest trajectory computed (epochs x batches per epoch)
BLOW_UP_FACTOR = 1e6      # loss this many times the starting loss counts as diverged
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
FD_STEP = 1e-5            # central finite-difference nudge


@dataclass(frozen=True)
class LineData:
    x: np.ndarray          # (n,)
    y: np.ndarray          # (n,)

    @property
    def X(self) -> np.ndarray:
        """The design matrix: a column of x and a column of ones (the intercept's input)."""
        return np.column_stack([self.x, np.ones_like(self.x)])

    @property
    def n(self) -> int:
        return len(self.x)


def make_data(n: int = 100, true_a1: float = 3.0, true_a2: float = 2.0, noise: float = 0.25,
              seed: int = 0, x_center: float = 0.0) -> LineData:
    """n points, x uniform in [x_center - 1, x_center + 1], y = a1·x + a2 + Gaussian noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n) + x_center
    y = true_a1 * x + true_a2 + noise * rng.standard_normal(n)
    return LineData(x=x, y=y)


# ---- loss and gradient --------------------------------------------------------------------


def residuals(X: np.ndarray, y: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Prediction minus target for one parameter vector (2,) or many (..., 2)."""
    return params @ X.T - y


def loss_of(X: np.ndarray, y: np.ndarray, params: np.ndarray, loss: str = "MSE") -> np.ndarray:
    """The loss at one parameter vector (2,) or at each row of (..., 2)."""
    params = np.asarray(params, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        if loss == "MSE":
            # Quadratic form through 2x2 sufficient statistics: O(1) per parameter vector.
            n = len(y)
            G, c, s = X.T @ X / n, X.T @ y / n, float(y @ y) / n
            return np.einsum("...i,ij,...j->...", params, G, params) - 2 * params @ c + s
        if loss == "MAE":
            return np.abs(residuals(X, y, params)).mean(axis=-1)
    raise ValueError(f"unknown loss {loss!r}")


def gradient(X: np.ndarray, y: np.ndarray, params: np.ndarray, loss: str = "MSE") -> np.ndarray:
    """The analytic gradient dL/da, for one (2,) or many (..., 2) parameter vectors.

    MSE: 2/n · Xᵀ(Xa − y).  MAE: 1/n · Xᵀ sign(Xa − y) (the subgradient 0 at a kink).
    """
    params = np.asarray(params, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        r = residuals(X, y, params)
        if loss == "MSE":
            return 2.0 / len(y) * r @ X
        if loss == "MAE":
            return np.sign(r) @ X / len(y)
    raise ValueError(f"unknown loss {loss!r}")


def gradient_autograd(X: np.ndarray, y: np.ndarray, params: np.ndarray,
                      loss: str = "MSE") -> np.ndarray:
    """The same gradient from torch autograd: build the loss, call .backward(), read .grad.

    Many parameter vectors at once: each row's loss depends only on that row, so the
    gradient of the summed losses holds each row's own gradient.
    """
    import torch

    torch.set_num_threads(1)
    params = np.asarray(params, dtype=float)
    a = torch.tensor(params.reshape(-1, 2), dtype=torch.float64, requires_grad=True)
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float64))
    yt = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float64))
    r = a @ Xt.T - yt
    per_row = (r ** 2).mean(dim=1) if loss == "MSE" else r.abs().mean(dim=1)
    per_row.sum().backward()
    return a.grad.numpy().reshape(params.shape)


def gradient_finite_difference(X: np.ndarray, y: np.ndarray, params: np.ndarray,
                               loss: str = "MSE", h: float = FD_STEP) -> np.ndarray:
    """Nudge each parameter up and down by h: (L(a + h·e_i) − L(a − h·e_i)) / 2h."""
    params = np.asarray(params, dtype=float)
    out = np.empty_like(params)
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        out[..., i] = (loss_of(X, y, params + e, loss) - loss_of(X, y, params - e, loss)) / (2 * h)
    return out


def steepest_curvature(data: LineData) -> float:
    """The largest eigenvalue of the MSE loss's Hessian, (2/n) XᵀX: full-batch gradient
    descent on it diverges exactly when the learning rate is above 2 / this."""
    return float(np.linalg.eigvalsh(2 / data.n * data.X.T @ data.X).max())


def least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The exact MSE minimum (the normal equations), the point gradient descent seeks."""
    return np.linalg.lstsq(X, y, rcond=None)[0]


def loss_minimum(X: np.ndarray, y: np.ndarray, loss: str = "MSE") -> np.ndarray:
    """Where the loss is smallest: least squares for MSE, a least-absolute fit for MAE."""
    a_ls = least_squares(X, y)
    if loss == "MSE":
        return a_ls
    from scipy.optimize import minimize

    result = minimize(lambda a: float(loss_of(X, y, a, "MAE")), a_ls, method="Nelder-Mead",
                      options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 4000})
    return np.asarray(result.x)


# ---- training -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Trajectory:
    """Everything one run of an optimizer did, finite values only.

    params[t] are the parameters after t steps (params[0] is the start); losses[t] the full-
    data loss there; step_grads[t] the (mini-batch) gradient used for step t -> t+1 (at the
    final point, the gradient of the batch that would come next); epoch[t] the epoch step t
    belongs to. diverged_at is the step at which the loss blew up (None if it did not);
    capped says MAX_STEPS cut the run short.
    """

    params: np.ndarray
    losses: np.ndarray
    step_grads: np.ndarray
    epoch: np.ndarray
    steps_per_epoch: int
    batch: int
    diverged_at: int | None
    capped: bool

    @property
    def steps(self) -> int:
        return len(self.params) - 1


def batch_size_for(opt: str, batch: int, n: int) -> int:
    """Full batch for plain gradient descent; otherwise the mini-batch, at most n."""
    return n if opt == FULL_BATCH else max(1, min(int(batch), n))


def train(data: LineData, *, start=(-1.0, 1.0), opt: str = FULL_BATCH, lr: float = 0.1,
          epochs: int = 100, batch: int = 10, momentum: float = 0.9, loss: str = "MSE",
          seed: int = 0, max_steps: int = MAX_STEPS) -> Trajectory:
    """Run one optimizer from `start`; the whole trajectory in one call.

    Mini-batches follow PyTorch's DataLoader(shuffle=True, drop_last=False): a fresh
    permutation each epoch, the last batch smaller. A batch of all n points keeps the data
    order, so SGD with batch = n is exactly full-batch gradient descent. Momentum and Adam
    follow torch.optim.SGD(momentum=...) and torch.optim.Adam.
    """
    if opt not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {opt!r}")
    X, y, n = data.X, data.y, data.n
    m = batch_size_for(opt, batch, n)
    steps_per_epoch = math.ceil(n / m)
    total = int(epochs) * steps_per_epoch
    capped = total > max_steps
    total = min(total, max_steps)

    rng = np.random.default_rng(seed + 7919)  # its own stream: the data seed stays apart
    # The data order of every epoch, drawn up front (same draws as one per epoch), with
    # one batch more than the steps: the batch the final point would use next.
    n_epochs = math.ceil((total + 1) / steps_per_epoch)
    orders = (np.stack([rng.permutation(n) for _ in range(n_epochs)]) if m < n
              else np.tile(np.arange(n), (n_epochs, 1)))
    batch_grad = _batch_gradients(X, y, orders, m, steps_per_epoch, total + 1, loss)

    # The update loop runs on Python floats: for two parameters that is several times
    # faster than numpy's per-call overhead.
    a0, a1 = float(start[0]), float(start[1])
    v0 = v1 = m10 = m11 = m20 = m21 = 0.0
    b1, b2 = ADAM_BETAS
    params = np.empty((total + 1, 2))
    grads = np.zeros((total + 1, 2))
    params[0] = a0, a1
    done = 0
    for t in range(total):
        g0, g1 = batch_grad(t, a0, a1)
        if opt == "Momentum":
            v0, v1 = momentum * v0 + g0, momentum * v1 + g1
            a0, a1 = a0 - lr * v0, a1 - lr * v1
        elif opt == "Adam":
            m10, m11 = b1 * m10 + (1 - b1) * g0, b1 * m11 + (1 - b1) * g1
            m20, m21 = b2 * m20 + (1 - b2) * g0 * g0, b2 * m21 + (1 - b2) * g1 * g1
            c1, c2 = 1 - b1 ** (t + 1), 1 - b2 ** (t + 1)
            a0 = a0 - lr * (m10 / c1) / (math.sqrt(m20 / c2) + ADAM_EPS)
            a1 = a1 - lr * (m11 / c1) / (math.sqrt(m21 / c2) + ADAM_EPS)
        else:
            a0, a1 = a0 - lr * g0, a1 - lr * g1
        grads[t] = g0, g1
        params[t + 1] = a0, a1
        done = t + 1
        # Cheap in-loop guard; the exact divergence rule is applied on the losses below.
        if not (abs(a0) < 1e100 and abs(a1) < 1e100):
            break

    params, grads = params[:done + 1], grads[:done + 1]
    losses = loss_of(X, y, params, loss)
    with np.errstate(over="ignore", invalid="ignore"):
        blown = ~np.isfinite(losses) | (losses > BLOW_UP_FACTOR * max(losses[0], 1e-12))
        blown |= ~np.all(np.isfinite(params), axis=1)
    diverged_at = int(np.argmax(blown)) if blown.any() else None
    keep = diverged_at if diverged_at is not None else len(params)
    params, grads, losses = params[:keep], grads[:keep], losses[:keep]
    if keep == done + 1:  # the final point has taken no step yet: its next batch's gradient
        grads[-1] = batch_grad(done, *params[-1])
    epoch = np.minimum(np.arange(keep) // steps_per_epoch, max(int(epochs) - 1, 0))
    return Trajectory(params=params, losses=losses, step_grads=grads, epoch=epoch,
                      steps_per_epoch=steps_per_epoch, batch=m, diverged_at=diverged_at,
                      capped=capped)


def _batch_gradients(X, y, orders, m, steps_per_epoch, total, loss):
    """A function (t, a1, a2) -> the mini-batch gradient used at step t.

    For MSE the gradient of a batch only needs the batch's sums of x², x, x·y, y and its
    size, so they are computed for every step at once (np.add.reduceat) and each step is
    a 2x2 product on floats. MAE needs the sign of each residual: numpy per step.
    """
    n = X.shape[0]
    starts = np.arange(0, n, m)
    if loss == "MSE":
        x, one = X[:, 0], X[:, 1]
        flat = orders.ravel()
        xs, ys, ones = x[flat], y[flat], one[flat]
        offsets = (np.arange(orders.shape[0])[:, None] * n + starts[None, :]).ravel()[:total]
        if len(offsets) == 0:
            return lambda t, a0, a1: (0.0, 0.0)
        sums = [np.add.reduceat(v, offsets)[:total].tolist()
                for v in (xs * xs, xs * ones, ones * ones, xs * ys, ones * ys)]
        counts = np.minimum(m, n - starts)
        sizes = np.tile(counts, orders.shape[0])[:total].tolist()
        sxx, sx1, s11, sxy, s1y = sums

        def mse(t, a0, a1):
            k = 2.0 / sizes[t]
            return (k * (sxx[t] * a0 + sx1[t] * a1 - sxy[t]),
                    k * (sx1[t] * a0 + s11[t] * a1 - s1y[t]))
        return mse

    if loss != "MAE":
        raise ValueError(f"unknown loss {loss!r}")
    # Every step's batch gathered up front: per step only a sign and two dot products.
    cuts = (np.arange(orders.shape[0])[:, None] * n + starts[None, :]).ravel()[1:total + 1]
    flat = orders.ravel()
    xb = np.split(X[flat, 0], cuts)[:total]
    yb = np.split(y[flat], cuts)[:total]

    def mae(t, a0, a1):
        s = np.sign(a0 * xb[t] + a1 - yb[t])
        size = len(s)
        return float(s @ xb[t]) / size, float(s.sum()) / size
    return mae


def thin_steps(steps: int, max_points: int = 1000) -> np.ndarray:
    """Step indices to draw: all of them up to max_points, else an even stride plus the last."""
    if steps + 1 <= max_points:
        return np.arange(steps + 1)
    stride = math.ceil((steps + 1) / max_points)
    idx = np.arange(0, steps + 1, stride)
    return idx if idx[-1] == steps else np.append(idx, steps)


def surface_grid(X: np.ndarray, y: np.ndarray, loss: str, a1_range, a2_range,
                 resolution: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss on a resolution x resolution grid over (a1, a2): (a1 grid, a2 grid, loss)."""
    a1 = np.linspace(*a1_range, resolution)
    a2 = np.linspace(*a2_range, resolution)
    A1, A2 = np.meshgrid(a1, a2)
    grid = np.stack([A1.ravel(), A2.ravel()], axis=1)
    return A1.ravel(), A2.ravel(), loss_of(X, y, grid, loss)


def view_window(points: np.ndarray, minimum: np.ndarray, start: np.ndarray,
                margin: float = 0.25) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis ranges holding the start, the minimum and the path, clipped so that a path that
    shoots far away does not shrink the interesting region to a dot."""
    core = np.vstack([start, minimum])
    span = np.maximum(np.ptp(core, axis=0), 1.0)
    lo_cap, hi_cap = core.min(axis=0) - 1.5 * span, core.max(axis=0) + 1.5 * span
    pts = np.clip(np.vstack([core, points]), lo_cap, hi_cap)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1.0)
    lo, hi = lo - pad, hi + pad
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))
