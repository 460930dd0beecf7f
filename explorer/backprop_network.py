"""Backpropagation in a small multilayer perceptron, and why deep stacks lose their gradient.

Network mode: one training example through a tiny MLP (sizes like 2-3-2), written in the
column-vector convention z^l = W^l a^(l-1) + b^l, a^l = act(z^l). The four backpropagation
equations give the error delta^l of every layer and from it every gradient:
    (1) delta^L = dC/da^L * act'(z^L)      (cross-entropy with softmax: delta^L = a^L - y)
    (2) delta^l = (W^(l+1))^T delta^(l+1) * act'(z^l)
    (3) dC/db^l = delta^l
    (4) dC/dW^l = delta^l (a^(l-1))^T
Vanishing gradients: a deep stack of equal-width layers on a batch of random inputs; the
norm of dC/dW^l per layer and the activations of each layer. NumPy, float64; torch is only
the reference in the tests (and in `network_torch_gradients` for the page's check).
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from explorer import charts
from explorer.backprop_parser import ExpressionError

ACTIVATIONS = ("sigmoid", "tanh", "relu")
LOSSES = ("MSE", "cross-entropy")
MAX_WIDTH = 6
MAX_LAYERS = 6  # sizes, so at most 5 weight layers
MAX_LAYERS_TEXT = 40


def activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    raise ValueError(name)


def slope(name: str, z: np.ndarray) -> np.ndarray:
    """act'(z); ReLU's slope at exactly 0 is taken as 0, as PyTorch does."""
    if name == "sigmoid":
        s = activate("sigmoid", z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(float)
    raise ValueError(name)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def parse_layers(text: str) -> list[int]:
    """'2-3-2' -> [2, 3, 2]: the input size, the hidden sizes, the output size."""
    if len(text) > MAX_LAYERS_TEXT:
        raise ExpressionError(f"Too long: at most {MAX_LAYERS_TEXT} characters.",
                              MAX_LAYERS_TEXT, text)
    sizes: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in " -,x–":
            i += 1
            continue
        if not (ch.isascii() and ch.isdigit()):
            raise ExpressionError("Layer sizes are whole numbers separated by '-', "
                                  "as in 2-3-2.", i, text)
        start = i
        while i < len(text) and text[i].isascii() and text[i].isdigit():
            i += 1
        size = int(text[start:i])
        if not 1 <= size <= MAX_WIDTH:
            raise ExpressionError(f"Each layer has 1 to {MAX_WIDTH} units here, so the "
                                  "numbers stay readable.", start, text)
        sizes.append(size)
    if not 2 <= len(sizes) <= MAX_LAYERS:
        raise ExpressionError(f"Give 2 to {MAX_LAYERS} sizes: the input, any hidden "
                              "layers, the output (e.g. 2-3-2).", len(text), text)
    return sizes


@dataclass
class Network:
    sizes: list[int]
    act: str
    loss: str
    weights: list[np.ndarray]  # W^1..W^L, W^l has shape (n_l, n_(l-1))
    biases: list[np.ndarray]
    x: np.ndarray
    y: np.ndarray  # a target vector (MSE) or a one-hot class (cross-entropy)


@dataclass
class Backprop:
    z: list[np.ndarray]  # z^1..z^L
    a: list[np.ndarray]  # a^0 = x, a^1..a^L
    delta: list[np.ndarray]  # delta^1..delta^L
    grad_w: list[np.ndarray]
    grad_b: list[np.ndarray]
    loss: float


def make_network(sizes: list[int], act: str, loss: str, seed: int = 0) -> Network:
    """Weights and the example, rounded to 2 decimals so the written-out equations stay
    readable (the maths is done on exactly these rounded numbers)."""
    rng = np.random.default_rng(seed)
    weights = [np.round(rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in)) * 1.5, 2)
               for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [np.round(rng.normal(0, 0.3, n_out), 2) for n_out in sizes[1:]]
    x = np.round(rng.uniform(-1, 1, sizes[0]), 1)
    if loss == "MSE":
        y = np.round(rng.uniform(0, 1, sizes[-1]), 1)
    else:
        y = np.zeros(sizes[-1])
        y[seed % sizes[-1]] = 1.0
    return Network(list(sizes), act, loss, weights, biases, x, y)


def backprop(net: Network) -> Backprop:
    """Forward pass, then the four equations."""
    a = [net.x]
    z = []
    depth = len(net.weights)
    for layer, (w, b) in enumerate(zip(net.weights, net.biases, strict=True), start=1):
        z.append(w @ a[-1] + b)
        if layer == depth and net.loss == "cross-entropy":
            a.append(softmax(z[-1]))
        else:
            a.append(activate(net.act, z[-1]))
    if net.loss == "MSE":
        loss = 0.5 * float(np.sum((a[-1] - net.y) ** 2))
        delta_last = (a[-1] - net.y) * slope(net.act, z[-1])  # equation (1)
    else:
        loss = -float(np.log(a[-1][net.y.argmax()]))
        delta_last = a[-1] - net.y  # equation (1) with softmax folded in
    delta = [delta_last]
    for layer in range(depth - 1, 0, -1):  # equation (2), from the top down
        delta.insert(0, (net.weights[layer].T @ delta[0]) * slope(net.act, z[layer - 1]))
    grad_b = [d.copy() for d in delta]  # equation (3)
    grad_w = [np.outer(d, a_prev) for d, a_prev in zip(delta, a[:-1], strict=True)]  # (4)
    return Backprop(z, a, delta, grad_w, grad_b, loss)


def network_torch_gradients(net: Network) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """The same loss through torch autograd: (loss, dC/dW per layer, dC/db per layer)."""
    import torch
    import torch.nn.functional as F

    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in net.weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in net.biases]
    h = torch.tensor(net.x, dtype=torch.float64)
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[net.act]
    for layer, (w, b) in enumerate(zip(ws, bs, strict=True), start=1):
        z = w @ h + b
        h = z if (layer == len(ws) and net.loss == "cross-entropy") else act(z)
    if net.loss == "MSE":
        loss = 0.5 * ((h - torch.tensor(net.y, dtype=torch.float64)) ** 2).sum()
    else:
        target = torch.tensor([int(net.y.argmax())])
        loss = F.cross_entropy(h.unsqueeze(0), target)
    loss.backward()
    return (float(loss.detach()), [w.grad.numpy().copy() for w in ws],
            [b.grad.numpy().copy() for b in bs])


# ---- LaTeX with the numbers filled in --------------------------------------------------


def _num(x: float) -> str:
    """Three significant digits; powers of ten written the LaTeX way."""
    if x == 0:
        return "0"
    text = f"{x:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return text


def bmatrix(m: np.ndarray) -> str:
    m = np.atleast_2d(m) if m.ndim == 2 else m.reshape(-1, 1)
    rows = [" & ".join(_num(v) for v in row) for row in m]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def _slope_name(act: str) -> str:
    return {"sigmoid": r"\sigma'", "tanh": r"\tanh'", "relu": r"\operatorname{relu}'"}[act]


def equation_output_error(net: Network, bp: Backprop) -> str:
    L = len(net.weights)
    if net.loss == "MSE":
        return (rf"\delta^{{{L}}} = (a^{{{L}}} - y) \odot {_slope_name(net.act)}(z^{{{L}}})"
                rf" = \left({bmatrix(bp.a[-1])} - {bmatrix(net.y)}\right) \odot "
                rf"{bmatrix(slope(net.act, bp.z[-1]))} = {bmatrix(bp.delta[-1])}")
    return (rf"\delta^{{{L}}} = \operatorname{{softmax}}(z^{{{L}}}) - y = "
            rf"{bmatrix(bp.a[-1])} - {bmatrix(net.y)} = {bmatrix(bp.delta[-1])}")


def equation_hidden_error(net: Network, bp: Backprop, layer: int) -> str:
    """Equation (2) for hidden layer `layer` (1-based)."""
    w_next = net.weights[layer]
    return (rf"\delta^{{{layer}}} = (W^{{{layer + 1}}})^T \delta^{{{layer + 1}}} \odot "
            rf"{_slope_name(net.act)}(z^{{{layer}}}) = {bmatrix(w_next.T)} "
            rf"{bmatrix(bp.delta[layer])} \odot {bmatrix(slope(net.act, bp.z[layer - 1]))}"
            rf" = {bmatrix(bp.delta[layer - 1])}")


def equation_bias(bp: Backprop, layer: int) -> str:
    return (rf"\frac{{\partial C}}{{\partial b^{{{layer}}}}} = \delta^{{{layer}}} = "
            rf"{bmatrix(bp.grad_b[layer - 1])}")


def equation_weight(bp: Backprop, layer: int) -> str:
    return (rf"\frac{{\partial C}}{{\partial W^{{{layer}}}}} = \delta^{{{layer}}} "
            rf"(a^{{{layer - 1}}})^T = {bmatrix(bp.delta[layer - 1])} "
            rf"{bmatrix(bp.a[layer - 1].reshape(1, -1))} = {bmatrix(bp.grad_w[layer - 1])}")


def layer_table(net: Network, bp: Backprop) -> pd.DataFrame:
    """One row per unit: layer, unit, z, a, delta (the input layer has only a)."""
    rows = [{"layer": "0 (input)", "unit": j + 1, "z": None, "a": float(v), "δ": None}
            for j, v in enumerate(bp.a[0])]
    for layer in range(1, len(net.weights) + 1):
        name = f"{layer} (output)" if layer == len(net.weights) else str(layer)
        for j in range(len(bp.z[layer - 1])):
            rows.append({"layer": name, "unit": j + 1, "z": float(bp.z[layer - 1][j]),
                         "a": float(bp.a[layer][j]), "δ": float(bp.delta[layer - 1][j])})
    return pd.DataFrame(rows)


def network_dot(net: Network, bp: Backprop, present: bool = False) -> str:
    """The network as DOT: units with a and delta, edges coloured by the sign of dC/dw
    and thicker for larger |dC/dw|."""
    font = 18 if present else 13
    lines = ["digraph mlp {", '  rankdir="LR"; bgcolor="transparent"; ranksep=1.4;',
             f'  node [fontname="Helvetica", fontsize={font}, shape=circle, style=filled, '
             'fixedsize=true, width=1.25, color="#555555"];', '  edge [arrowsize=0.6];']
    for layer, size in enumerate(net.sizes):
        fill = "#56B4E9" if layer == 0 else ("#009E73" if layer == len(net.sizes) - 1
                                              else "#FFFFFF")
        for j in range(size):
            label = f"a={bp.a[layer][j] + 0.0:.3g}"  # + 0.0 turns -0.0 into 0.0
            if layer > 0:
                label += f"\\nδ={bp.delta[layer - 1][j] + 0.0:.3g}"
            lines.append(f'  u{layer}_{j} [label="{label}", fillcolor="{fill}"];')
    biggest = max(float(np.abs(g).max()) for g in bp.grad_w) or 1.0
    for layer, g in enumerate(bp.grad_w, start=1):
        for j in range(g.shape[0]):
            for k in range(g.shape[1]):
                colour = "#E69F00" if g[j, k] > 0 else "#0072B2"
                width = 0.5 + 4.5 * abs(g[j, k]) / biggest
                lines.append(f'  u{layer - 1}_{k} -> u{layer}_{j} [color="{colour}", '
                             f'penwidth={width:.2f}];')
    lines.append("}")
    return "\n".join(lines)


# ---- vanishing gradients ----------------------------------------------------------------


@dataclass
class DeepStack:
    act: str
    depth: int
    init_scale: float
    grad_norms: np.ndarray  # ||dC/dW^l||, l = 1..depth (hidden layers)
    mean_slope: np.ndarray  # mean act'(z^l) over units and examples
    activations: list[np.ndarray]  # a^l for l = 1..depth, each (batch, width)
    loss: float


def deep_stack(depth: int, act: str, init_scale: float, width: int = 32, batch: int = 256,
               seed: int = 0) -> DeepStack:
    """`depth` hidden layers of `width` units (weights N(0, init_scale^2 / fan_in), biases
    0), a linear read-out to one number, loss C = mean over the batch of (out - y)^2 / 2.
    Returns the gradient norm of each hidden layer's weights."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, init_scale / np.sqrt(width), (width, width))
               for _ in range(depth)]
    readout = rng.normal(0, 1 / np.sqrt(width), (1, width))
    x = rng.normal(0, 1, (batch, width))
    y = rng.normal(0, 1, (batch, 1))
    a = [x]
    z = []
    for w in weights:  # row-vector convention for a batch: z = a W^T
        z.append(a[-1] @ w.T)
        a.append(activate(act, z[-1]))
    out = a[-1] @ readout.T
    loss = 0.5 * float(np.mean((out - y) ** 2))
    grad_a = (out - y) / batch @ readout  # dC/da^depth
    norms = np.zeros(depth)
    slopes = np.zeros(depth)
    for layer in range(depth - 1, -1, -1):
        s = slope(act, z[layer])
        slopes[layer] = float(s.mean())
        delta = grad_a * s
        norms[layer] = float(np.linalg.norm(delta.T @ a[layer]))
        grad_a = delta @ weights[layer]
    return DeepStack(act, depth, init_scale, norms, slopes, a[1:], loss)


def deep_stack_torch_norms(depth: int, act: str, init_scale: float, width: int = 32,
                           batch: int = 256, seed: int = 0) -> np.ndarray:
    """The same stack through torch autograd (same random numbers), for the tests."""
    import torch

    rng = np.random.default_rng(seed)
    weights = [torch.tensor(rng.normal(0, init_scale / np.sqrt(width), (width, width)),
                            requires_grad=True) for _ in range(depth)]
    readout = torch.tensor(rng.normal(0, 1 / np.sqrt(width), (1, width)))
    x = torch.tensor(rng.normal(0, 1, (batch, width)))
    y = torch.tensor(rng.normal(0, 1, (batch, 1)))
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[act]
    h = x
    for w in weights:
        h = f(h @ w.T)
    loss = 0.5 * ((h @ readout.T - y) ** 2).mean()
    loss.backward()
    return np.array([float(w.grad.norm()) for w in weights])


def grad_norm_chart(stack: DeepStack, height: int) -> alt.Chart:
    frame = pd.DataFrame({"layer": np.arange(1, stack.depth + 1),
                          "gradient norm": np.maximum(stack.grad_norms, 1e-300),
                          "mean slope": stack.mean_slope})
    frame["gradient norm (text)"] = [f"{v:.3g}" for v in stack.grad_norms]
    frame["mean slope (text)"] = [f"{v:.3f}" for v in stack.mean_slope]
    base = alt.Chart(frame).encode(
        x=alt.X("layer:Q", title="layer (1 = next to the input)",
                scale=alt.Scale(domain=[1, max(stack.depth, 2)]),
                axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("gradient norm:Q", scale=alt.Scale(type="log"),
                title="‖∂C/∂W‖ of the layer (log scale)", axis=alt.Axis(format=".0e")),
        tooltip=["layer", "gradient norm (text)", "mean slope (text)"],
    )
    return (base.mark_line(color=charts.PALETTE[0])
            + base.mark_point(filled=True, size=80, color=charts.PALETTE[0])).properties(
        height=height)


def activation_histogram_chart(stack: DeepStack, height: int) -> alt.Chart:
    """Per layer, how many units' outputs fall in each bin: one row per layer."""
    if stack.act == "sigmoid":
        lo, hi = 0.0, 1.0
    elif stack.act == "tanh":
        lo, hi = -1.0, 1.0
    else:
        hi = max(float(np.percentile(np.concatenate([a.ravel() for a in stack.activations]),
                                     99)), 1e-6)
        lo = 0.0
    edges = np.linspace(lo, hi, 26)
    rows = []
    for layer, a in enumerate(stack.activations, start=1):
        counts, _ = np.histogram(np.clip(a.ravel(), lo, hi), bins=edges)
        share = counts / counts.sum()
        for k in range(len(counts)):
            rows.append({"layer": layer, "from": float(edges[k]), "to": float(edges[k + 1]),
                         "share": float(share[k]),
                         "share (text)": f"{100 * share[k]:.1f}%"})
    frame = pd.DataFrame(rows)
    return alt.Chart(frame).mark_rect().encode(
        x=alt.X("from:Q", bin="binned", title=f"activation value ({stack.act})",
                scale=alt.Scale(domain=[lo, hi])),
        x2="to:Q",
        y=alt.Y("layer:O", title="layer", sort="ascending"),
        color=alt.Color("share:Q", scale=alt.Scale(scheme=charts.SEQUENTIAL),
                        title="share of outputs", legend=alt.Legend(format=".0%")),
        tooltip=["layer", alt.Tooltip("from:Q", format=".2f"), alt.Tooltip("to:Q", format=".2f"),
                 "share (text)"],
    ).properties(height=height)
