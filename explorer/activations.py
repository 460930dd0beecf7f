"""Activation functions: the functions and their derivatives, softmax, and why a network
needs a bend between its matrix multiplies.

Pure numpy (no streamlit). torch is imported lazily, only by the training helper.

Conventions at the kinks, chosen to match what torch autograd returns there:
- ReLU'(0) = 0 (torch passes gradient only where x > 0);
- leaky ReLU'(0) = slope (torch uses the slope wherever x <= 0);
- ELU'(0) = 1 (alpha = 1, both sides agree);
- step(0) = 1 (like torch.heaviside(x, 1)), step'(x) = 0 everywhere (torch gives no
  gradient through a step; 0 is its derivative everywhere except at 0, where it has none).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

FUNCTIONS: tuple[str, ...] = ("ReLU", "leaky ReLU", "ELU", "GELU", "SiLU", "softplus",
                              "sigmoid", "tanh", "identity", "step")

# Below this slope a gradient passing through the function is cut by more than 100x.
SATURATION_THRESHOLD = 0.01

LATEX: dict[str, tuple[str, str]] = {
    "ReLU": (r"\mathrm{ReLU}(x) = \max(x, 0)",
             r"\mathrm{ReLU}'(x) = \begin{cases}1 & x > 0\\ 0 & x \le 0\end{cases}"),
    "leaky ReLU": (r"f(x) = \begin{cases}x & x > 0\\ SLOPE\,x & x \le 0\end{cases}",
                   r"f'(x) = \begin{cases}1 & x > 0\\ SLOPE & x \le 0\end{cases}"),
    "ELU": (r"\mathrm{ELU}(x) = \begin{cases}x & x > 0\\ e^{x} - 1 & x \le 0\end{cases}",
            r"\mathrm{ELU}'(x) = \begin{cases}1 & x > 0\\ e^{x} & x \le 0\end{cases}"),
    "GELU": (r"\mathrm{GELU}(x) = x\,\Phi(x),\quad \Phi = \text{normal CDF}",
             r"\mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x)"),
    "SiLU": (r"\mathrm{SiLU}(x) = x\,\sigma(x)",
             r"\mathrm{SiLU}'(x) = \sigma(x)\,\big(1 + x\,(1 - \sigma(x))\big)"),
    "softplus": (r"\mathrm{softplus}(x) = \ln(1 + e^{x})",
                 r"\mathrm{softplus}'(x) = \sigma(x)"),
    "sigmoid": (r"\sigma(x) = \frac{1}{1 + e^{-x}}",
                r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))"),
    "tanh": (r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
             r"\tanh'(x) = 1 - \tanh^2(x)"),
    "identity": (r"f(x) = x", r"f'(x) = 1"),
    "step": (r"\mathrm{step}(x) = \begin{cases}1 & x \ge 0\\ 0 & x < 0\end{cases}",
             r"\mathrm{step}'(x) = 0 \quad (x \ne 0)"),
}


def latex(name: str, slope: float = 0.01) -> tuple[str, str]:
    """The function's formula and its derivative's, with leaky ReLU's slope filled in."""
    f_tex, df_tex = LATEX[name]
    return f_tex.replace("SLOPE", f"{slope:g}"), df_tex.replace("SLOPE", f"{slope:g}")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # tanh form: no overflow for large |x|, exact 0.5 at 0.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * (1.0 + erf(x / math.sqrt(2.0)))


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def activation(name: str, x, slope: float = 0.01) -> np.ndarray:
    """f(x) for the named function; `slope` is leaky ReLU's slope for x <= 0."""
    x = np.asarray(x, dtype=float)
    if name == "ReLU":
        return np.maximum(x, 0.0)
    if name == "leaky ReLU":
        return np.where(x > 0, x, slope * x)
    if name == "ELU":
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
    if name == "GELU":
        return x * _normal_cdf(x)
    if name == "SiLU":
        return x * _sigmoid(x)
    if name == "softplus":
        # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows.
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
    if name == "sigmoid":
        return _sigmoid(x)
    if name == "tanh":
        return np.tanh(x)
    if name == "identity":
        return x.copy()
    if name == "step":
        return (x >= 0).astype(float)
    raise KeyError(name)


def derivative(name: str, x, slope: float = 0.01) -> np.ndarray:
    """f'(x), with torch's convention at the kinks (see the module docstring)."""
    x = np.asarray(x, dtype=float)
    if name == "ReLU":
        return (x > 0).astype(float)
    if name == "leaky ReLU":
        return np.where(x > 0, 1.0, slope)
    if name == "ELU":
        return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0)))
    if name == "GELU":
        return _normal_cdf(x) + x * _normal_pdf(x)
    if name == "SiLU":
        s = _sigmoid(x)
        return s * (1.0 + x * (1.0 - s))
    if name == "softplus":
        return _sigmoid(x)
    if name == "sigmoid":
        s = _sigmoid(x)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(x) ** 2
    if name == "identity":
        return np.ones_like(x)
    if name == "step":
        return np.zeros_like(x)
    raise KeyError(name)


def grid(half_width: float, n: int = 401) -> np.ndarray:
    """An odd number of evenly spaced points on [-w, w], so 0 is always one of them."""
    n = n if n % 2 else n + 1
    return np.linspace(-half_width, half_width, n)


def saturated_intervals(x: np.ndarray, slope_values: np.ndarray,
                        threshold: float = SATURATION_THRESHOLD) -> list[tuple[float, float]]:
    """The x-intervals (within the grid) where |f'(x)| < threshold, as (start, end) pairs."""
    flat = np.abs(np.asarray(slope_values)) < threshold
    intervals, start = [], None
    for i, is_flat in enumerate(flat):
        if is_flat and start is None:
            start = i
        if not is_flat and start is not None:
            intervals.append((float(x[start]), float(x[i - 1])))
            start = None
    if start is not None:
        intervals.append((float(x[start]), float(x[-1])))
    return intervals


def saturation(name: str, half_width: float, slope: float = 0.01) -> list[tuple[float, float]]:
    """Where the named function is saturated on the grid of [-w, w] that the function view
    draws (function_table's grid)."""
    x = grid(half_width)
    return saturated_intervals(x, derivative(name, x, slope))


def describe_saturation(intervals: list[tuple[float, float]], lo: float, hi: float) -> str:
    """Plain words for the saturated part of [lo, hi]."""
    if not intervals:
        return "nowhere in this range"
    covered = sum(b - a for a, b in intervals)
    if covered >= 0.999 * (hi - lo):
        return "everywhere in this range"
    parts = []
    for a, b in intervals:
        if a <= lo + 1e-9:
            parts.append(f"x ≤ {b:.2f}")
        elif b >= hi - 1e-9:
            parts.append(f"x ≥ {a:.2f}")
        else:
            parts.append(f"{a:.2f} ≤ x ≤ {b:.2f}")
    share = covered / (hi - lo)
    return f"{' and '.join(parts)} ({share:.0%} of the range)"


def function_table(names, half_width: float, slope: float = 0.01,
                   n: int = 401) -> pd.DataFrame:
    """Long table: one row per (function, x) with f(x) and f'(x)."""
    x = grid(half_width, n)
    frames = [pd.DataFrame({"x": x, "function": name, "f(x)": activation(name, x, slope),
                            "f'(x)": derivative(name, x, slope)}) for name in names]
    return pd.concat(frames, ignore_index=True)


# ---- softmax ---------------------------------------------------------------------------

MAX_LOGITS = 12
MAX_ABS_LOGIT = 1e6


class LogitsError(ValueError):
    """The logits text cannot be used; the message says why in plain words."""


def parse_logits(text: str, max_count: int = MAX_LOGITS,
                 max_abs: float = MAX_ABS_LOGIT) -> np.ndarray:
    """Numbers separated by commas, semicolons or spaces. Never evaluates the text."""
    pieces = [p for p in re.split(r"[,;\s]+", str(text).strip()) if p]
    if not pieces:
        raise LogitsError("The logits box is empty: type a few numbers such as 2, 1, 0.1.")
    if len(pieces) > max_count:
        raise LogitsError(f"{len(pieces)} logits is too many for a readable chart: "
                          f"use at most {max_count}.")
    if len(pieces) < 2:
        raise LogitsError("Softmax needs at least two logits to share the probability.")
    values = []
    for piece in pieces:
        if len(piece) > 40:
            raise LogitsError(f"'{piece[:20]}…' is not a number.")
        try:
            value = float(piece)
        except ValueError:
            raise LogitsError(f"'{piece}' is not a number: use plain numbers like 2.5 "
                              "or -1e3, separated by commas.") from None
        if not math.isfinite(value):
            raise LogitsError(f"'{piece}' is not a finite number: use ordinary numbers.")
        if abs(value) > max_abs:
            raise LogitsError(f"{piece} is too large: keep every logit within ±{max_abs:g}.")
        values.append(value)
    return np.array(values, dtype=float)


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """exp(z_i / T) / sum_j exp(z_j / T), computed after subtracting the largest z / T so
    the biggest exponent is exp(0) = 1: no overflow even for logits of ±1000."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(logits, dtype=float) / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def softmax_table(logits, temperature: float) -> pd.DataFrame:
    """One row per class: logit, softmax probability, a lone sigmoid, argmax flag."""
    z = np.asarray(logits, dtype=float)
    p = softmax(z, temperature)
    return pd.DataFrame({
        "class": [f"class {i + 1}" for i in range(len(z))],
        "logit": z,
        "softmax": p,
        "sigmoid alone": _sigmoid(z / temperature),
        "argmax": np.arange(len(z)) == int(np.argmax(z)),
    })


SWEEP_TEMPERATURES = tuple(float(t) for t in np.round(np.geomspace(0.05, 20, 61), 4))


def temperature_sweep(logits, temperatures=SWEEP_TEMPERATURES) -> pd.DataFrame:
    """Long table: each class's probability at each temperature."""
    z = np.asarray(logits, dtype=float)
    rows = []
    for t in temperatures:
        p = softmax(z, t)
        rows += [{"temperature": t, "class": f"class {i + 1}", "probability": float(pi)}
                 for i, pi in enumerate(p)]
    return pd.DataFrame(rows)


def entropy_bits(p: np.ndarray) -> float:
    p = np.asarray(p, dtype=float)
    nz = p[p > 0]
    return float(-(nz * np.log2(nz)).sum())


# ---- why the non-linearity matters ----------------------------------------------------

HIDDEN_ACTIVATIONS = ("ReLU", "none")
TARGETS: tuple[str, ...] = ("sine", "|x|", "step", "x²")
FIT_RANGE = math.pi


def target_values(target: str, x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if target == "sine":
        return np.sin(x)
    if target == "|x|":
        return np.abs(x)
    if target == "step":
        return (x >= 0).astype(float)
    if target == "x²":
        return x * x / FIT_RANGE  # scaled to end at π like |x|, so losses compare
    raise KeyError(target)


TARGET_LATEX = {"sine": r"y = \sin x", "|x|": r"y = |x|",
                "step": r"y = \mathrm{step}(x)", "x²": r"y = x^2 / \pi"}


@dataclass(frozen=True)
class OneHiddenLayerNet:
    """y = w2 · act(w1 x + b1) + b2: one input, `units` hidden units, one output."""

    w1: np.ndarray  # (units,) the weight from the input to each hidden unit
    b1: np.ndarray  # (units,)
    w2: np.ndarray  # (units,) the weight from each hidden unit to the output
    b2: float
    hidden: str = "ReLU"  # or "none"

    @property
    def units(self) -> int:
        return len(self.w1)

    def pre_activations(self, x) -> np.ndarray:
        """(units, n): w1_i x + b1_i for every unit and input."""
        x = np.atleast_1d(np.asarray(x, dtype=float))
        return self.w1[:, None] * x[None, :] + self.b1[:, None]

    def hidden_activations(self, x) -> np.ndarray:
        z = self.pre_activations(x)
        return np.maximum(z, 0.0) if self.hidden == "ReLU" else z

    def unit_contributions(self, x) -> np.ndarray:
        """(units, n): w2_i · act(w1_i x + b1_i). With ReLU each row is one hinge."""
        return self.w2[:, None] * self.hidden_activations(x)

    def __call__(self, x) -> np.ndarray:
        return self.unit_contributions(x).sum(axis=0) + self.b2

    def kinks(self, lo: float = -FIT_RANGE, hi: float = FIT_RANGE,
              min_bend: float = 1e-3) -> np.ndarray:
        """x where a hinge bends the output inside [lo, hi]: x = -b1/w1, for units whose
        bend |w2 · w1| is big enough to see. A linear network has none."""
        if self.hidden != "ReLU":
            return np.array([])
        ok = np.abs(self.w1) > 1e-12
        where = np.full(self.units, np.nan)
        where[ok] = -self.b1[ok] / self.w1[ok]
        bend = np.abs(self.w2 * self.w1)
        keep = ok & (where >= lo) & (where <= hi) & (bend > min_bend)
        return np.sort(where[keep])

    def collapsed_line(self) -> tuple[float, float]:
        """With no activation the network is one line y = a x + c: a = W2·W1, c = W2·b1 + b2."""
        return float(self.w2 @ self.w1), float(self.w2 @ self.b1 + self.b2)


@dataclass
class Fit:
    net: OneHiddenLayerNet
    target: str
    x: np.ndarray
    y: np.ndarray
    losses: np.ndarray  # mean squared error after each logged step
    logged_steps: np.ndarray
    seconds: float
    mse: float = field(default=float("nan"))


def fit_target(target: str, units: int, seed: int = 0, hidden: str = "ReLU",
               steps: int = 600, n_points: int = 201, lr: float = 0.05,
               log_every: int = 5) -> Fit:
    """Train y = w2·act(w1 x + b1) + b2 on the target over [-π, π] with full-batch Adam
    in torch, and return the weights as numpy."""
    import time

    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    gen = torch.Generator().manual_seed(int(seed))
    x_np = np.linspace(-FIT_RANGE, FIT_RANGE, n_points)
    y_np = target_values(target, x_np)
    x = torch.tensor(x_np, dtype=torch.float64)
    y = torch.tensor(y_np, dtype=torch.float64)
    # Start with each hinge's kink somewhere inside the range, so no unit starts dead.
    sign = torch.where(torch.rand(units, generator=gen, dtype=torch.float64) < 0.5, -1.0, 1.0)
    w1 = (sign * (0.5 + torch.rand(units, generator=gen, dtype=torch.float64))).requires_grad_()
    kink = (torch.rand(units, generator=gen, dtype=torch.float64) * 2 - 1) * FIT_RANGE
    b1 = (-w1.detach() * kink).requires_grad_()
    w2 = (torch.randn(units, generator=gen, dtype=torch.float64) / math.sqrt(units)
          ).requires_grad_()
    b2 = torch.zeros((), dtype=torch.float64, requires_grad=True)
    params = [w1, b1, w2, b2]
    opt = torch.optim.Adam(params, lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=lr * 0.05)
    losses, logged = [], []
    for step in range(1, steps + 1):
        z = torch.outer(w1, x) + b1[:, None]
        h = torch.relu(z) if hidden == "ReLU" else z
        pred = w2 @ h + b2
        loss = torch.mean((pred - y) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % log_every == 0 or step == 1:
            losses.append(loss.item())
            logged.append(step)
    net = OneHiddenLayerNet(w1.detach().numpy().copy(), b1.detach().numpy().copy(),
                            w2.detach().numpy().copy(), float(b2.item()), hidden)
    mse = float(np.mean((net(x_np) - y_np) ** 2))
    return Fit(net, target, x_np, y_np, np.array(losses), np.array(logged),
               time.perf_counter() - t0, mse)


def random_linear_layers(seed: int, sizes=(2, 3, 2)):
    """Weights of a small two-layer linear network: W1 (h×n), b1, W2 (m×h), b2."""
    rng = np.random.default_rng(seed)
    n, h, m = sizes
    w1 = np.round(rng.normal(0, 1, (h, n)), 1)
    b1 = np.round(rng.normal(0, 1, h), 1)
    w2 = np.round(rng.normal(0, 1, (m, h)), 1)
    b2 = np.round(rng.normal(0, 1, m), 1)
    return w1, b1, w2, b2


def two_layer_linear(x, w1, b1, w2, b2) -> np.ndarray:
    """Layer by layer: h = W1 x + b1, y = W2 h + b2 (x is (n,) or (batch, n))."""
    h = np.asarray(x, dtype=float) @ w1.T + b1
    return h @ w2.T + b2


def collapse_linear(w1, b1, w2, b2) -> tuple[np.ndarray, np.ndarray]:
    """The single layer it equals: W = W2 W1, b = W2 b1 + b2."""
    return w2 @ w1, w2 @ b1 + b2


def bmatrix(a, digits: int = 2) -> str:
    """A numpy vector or matrix as a LaTeX bmatrix (a vector as a column)."""
    a = np.asarray(a, dtype=float)
    a = a.reshape(-1, 1) if a.ndim == 1 else np.atleast_2d(a)
    rows = [" & ".join(f"{v:.{digits}f}".replace("-0.00", "0.00") for v in row) for row in a]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


# ---- parameters versus activations ----------------------------------------------------

def tensor_inventory(net: OneHiddenLayerNet, x_in: float, show: int = 3) -> pd.DataFrame:
    """Every parameter and activation tensor of the net for one input, with shape, count
    and (the first few) values."""
    z = net.pre_activations(x_in)[:, 0]
    h = np.maximum(z, 0.0) if net.hidden == "ReLU" else z
    y = float(net.w2 @ h + net.b2)
    act_name = "ReLU(z)" if net.hidden == "ReLU" else "z (no activation)"

    def preview(v) -> str:
        flat = np.atleast_1d(np.asarray(v, dtype=float)).ravel()
        text = ", ".join(f"{t:.3f}" for t in flat[:show])
        return text + (f", … ({len(flat) - show} more)" if len(flat) > show else "")

    u = net.units
    rows = [
        ("W1", "parameter", "input → hidden weights", f"{u} × 1", u, preview(net.w1)),
        ("b1", "parameter", "hidden biases", f"{u}", u, preview(net.b1)),
        ("W2", "parameter", "hidden → output weights", f"1 × {u}", u, preview(net.w2)),
        ("b2", "parameter", "output bias", "1", 1, preview(net.b2)),
        ("x", "input", "the input itself", "1", 1, preview(x_in)),
        ("z = W1·x + b1", "activation", "hidden pre-activations", f"{u}", u, preview(z)),
        (f"h = {act_name}", "activation", "hidden activations", f"{u}", u, preview(h)),
        ("y = W2·h + b2", "activation", "output", "1", 1, preview(y)),
    ]
    return pd.DataFrame(rows, columns=["tensor", "kind", "what it is", "shape", "count",
                                       "values"])
