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
The equations as TeX and the network as DOT are in explorer.backprop_render, the vanishing
gradient charts in explorer.backprop_charts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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


def largest_difference(result: Backprop, grad_w: list[np.ndarray],
                       grad_b: list[np.ndarray]) -> float:
    """The largest |difference| between these gradients and another computation's
    (network_torch_gradients), over every weight and bias."""
    return max(max(float(np.abs(a - b).max()) for a, b in zip(result.grad_w, grad_w,
                                                               strict=True)),
               max(float(np.abs(a - b).max()) for a, b in zip(result.grad_b, grad_b,
                                                               strict=True)))


def layer_table(net: Network, result: Backprop) -> pd.DataFrame:
    """One row per unit: layer, unit, z, a, delta (the input layer has only a)."""
    rows = [{"layer": "0 (input)", "unit": j + 1, "z": None, "a": float(v), "δ": None}
            for j, v in enumerate(result.a[0])]
    for layer in range(1, len(net.weights) + 1):
        name = f"{layer} (output)" if layer == len(net.weights) else str(layer)
        for j in range(len(result.z[layer - 1])):
            rows.append({"layer": name, "unit": j + 1, "z": float(result.z[layer - 1][j]),
                         "a": float(result.a[layer][j]), "δ": float(result.delta[layer - 1][j])})
    return pd.DataFrame(rows)


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


def gradient_table(stack: DeepStack) -> pd.DataFrame:
    """One row per hidden layer: its weight gradient's norm and the activation's mean
    slope there."""
    return pd.DataFrame({"layer": np.arange(1, stack.depth + 1),
                         "gradient norm": stack.grad_norms,
                         "mean slope": stack.mean_slope})


def activation_histogram(stack: DeepStack, bins: int = 25) -> tuple[pd.DataFrame, float, float]:
    """Per layer, the share of the units' outputs in each of `bins` equal bins over the
    activation's range (sigmoid 0 to 1, tanh -1 to 1, ReLU 0 to the 99th percentile of all
    outputs; values beyond are counted in the end bins). Returns (one row per layer and
    bin: layer, from, to, share; the range's low and high ends)."""
    if stack.act == "sigmoid":
        lo, hi = 0.0, 1.0
    elif stack.act == "tanh":
        lo, hi = -1.0, 1.0
    else:
        hi = max(float(np.percentile(np.concatenate([a.ravel() for a in stack.activations]),
                                     99)), 1e-6)
        lo = 0.0
    edges = np.linspace(lo, hi, bins + 1)
    rows = []
    for layer, a in enumerate(stack.activations, start=1):
        counts, _ = np.histogram(np.clip(a.ravel(), lo, hi), bins=edges)
        share = counts / counts.sum()
        for k in range(len(counts)):
            rows.append({"layer": layer, "from": float(edges[k]), "to": float(edges[k + 1]),
                         "share": float(share[k])})
    return pd.DataFrame(rows), lo, hi


def end_bin_share(histogram: pd.DataFrame) -> float:
    """The share of the last layer's outputs in the lowest and the highest bin of
    activation_histogram's table: near 1 when the layer is saturated."""
    last = histogram[histogram["layer"] == histogram["layer"].max()].sort_values("from")
    return float(last["share"].iloc[0] + last["share"].iloc[-1])
