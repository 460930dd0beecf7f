"""The two networks trained on the MNIST digits, run in numpy from shipped weights.

- an MLP per resolution (28x28, 14x14, 7x7): x -> ReLU(W1 x + b1) -> W2 h + b2 -> softmax,
  weights in explorer/data/mnist_mlp.npz (keys s28_w1, s28_b1, s28_w2, s28_b2, s14_..., s7_...;
  stored like torch.nn.Linear: w1 (hidden, inputs), w2 (10, hidden); the same layout as
  explorer/pixels_mlp.npz);
- a small CNN on 28x28: conv 3x3 (1 -> 8, padding 1) -> ReLU -> 2x2 max pool ->
  conv 3x3 (8 -> 16, padding 1) -> ReLU -> 2x2 max pool -> flatten (16*7*7 = 784) ->
  linear (784 -> 10) -> softmax, weights in explorer/data/mnist_cnn.npz.

Both were trained by tools/train_mnist_models.py (torch) on the 8,000 training digits of
explorer.mnist's fixed split; everything here is numpy (no torch import), computed in
float64 from the float32 weights. Inputs are ink on the 0..1 scale (ink / 255).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from explorer import mnist

MLP_FILE = mnist.DATA_DIR / "mnist_mlp.npz"
CNN_FILE = mnist.DATA_DIR / "mnist_cnn.npz"
MLP_SIZES = mnist.SIZES  # (28, 14, 7)
CNN_CHANNELS = (8, 16)
_CHUNK = 250  # images per numpy batch in the CNN (bounds the memory of the windows)


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _batch(images_01: np.ndarray, side: int | None = None) -> np.ndarray:
    """(H, W) or (N, H, W) -> float64 (N, H, W)."""
    x = np.asarray(images_01, dtype=np.float64)
    x = x[None] if x.ndim == 2 else x
    if x.ndim != 3 or (side is not None and x.shape[1:] != (side, side)):
        raise ValueError(f"expected (N, {side}, {side}) or ({side}, {side}) images, "
                         f"got {np.shape(images_01)}")
    return x


# ---- the MLP ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MLPWeights:
    w1: np.ndarray  # (hidden, size*size)
    b1: np.ndarray  # (hidden,)
    w2: np.ndarray  # (10, hidden)
    b2: np.ndarray  # (10,)

    @property
    def size(self) -> int:
        return int(round(np.sqrt(self.w1.shape[1])))

    @property
    def hidden(self) -> int:
        return int(self.w1.shape[0])

    @property
    def n_parameters(self) -> int:
        return sum(int(a.size) for a in (self.w1, self.b1, self.w2, self.b2))


@dataclass(frozen=True)
class MLPForward:
    hidden: np.ndarray  # (N, hidden) after ReLU
    logits: np.ndarray  # (N, 10)
    probs: np.ndarray  # (N, 10)


@functools.cache
def load_mlp(size: int = 28) -> MLPWeights:
    """The shipped MLP for size x size inputs (read-only arrays, read once)."""
    if size not in MLP_SIZES:
        raise ValueError(f"size must be one of {MLP_SIZES}")
    with np.load(MLP_FILE, allow_pickle=False) as npz:
        arrays = [npz[f"s{size}_{name}"] for name in ("w1", "b1", "w2", "b2")]
    for a in arrays:
        a.flags.writeable = False
    return MLPWeights(*arrays)


def mlp_forward(weights: MLPWeights, images_01: np.ndarray) -> MLPForward:
    """The MLP on images (N, S, S) or one image (S, S), 0..1 scale."""
    x = _batch(images_01, weights.size).reshape(-1, weights.size ** 2)
    hidden = np.maximum(x @ weights.w1.T.astype(np.float64) + weights.b1, 0.0)
    logits = hidden @ weights.w2.T.astype(np.float64) + weights.b2
    return MLPForward(hidden, logits, softmax(logits))


# ---- the CNN ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CNNWeights:
    conv1_weight: np.ndarray  # (8, 1, 3, 3)
    conv1_bias: np.ndarray  # (8,)
    conv2_weight: np.ndarray  # (16, 8, 3, 3)
    conv2_bias: np.ndarray  # (16,)
    dense_weight: np.ndarray  # (10, 784), input order = flatten of (16, 7, 7)
    dense_bias: np.ndarray  # (10,)

    @property
    def n_parameters(self) -> int:
        return sum(int(getattr(self, f).size) for f in CNN_KEYS)


CNN_KEYS = ("conv1_weight", "conv1_bias", "conv2_weight", "conv2_bias", "dense_weight",
            "dense_bias")


@functools.cache
def load_cnn() -> CNNWeights:
    """The shipped CNN (read-only arrays, read once)."""
    with np.load(CNN_FILE, allow_pickle=False) as npz:
        arrays = [npz[key] for key in CNN_KEYS]
    for a in arrays:
        a.flags.writeable = False
    return CNNWeights(*arrays)


def conv2d_same(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A 3x3 (any odd F) conv layer with zero padding F//2 and stride 1, as torch's
    Conv2d computes it (cross-correlation, kernel not flipped).

    x (N, C, H, W), weight (K, C, F, F), bias (K,) -> (N, K, H, W), float64.
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    f = w.shape[-1]
    pad = f // 2
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (f, f), axis=(2, 3))
    # windows (N, C, H, W, F, F) . weight (K, C, F, F) over C, F, F
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, H, W, K)
    return np.moveaxis(out, 3, 1) + np.asarray(bias, dtype=np.float64)[None, :, None, None]


def max_pool2(x: np.ndarray) -> np.ndarray:
    """2x2 max pooling with stride 2: (N, C, H, W) -> (N, C, H/2, W/2)."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


@dataclass(frozen=True)
class Stage:
    name: str  # short key: input, conv1, relu1, pool1, conv2, relu2, pool2, flatten, ...
    layer: str  # the operation that produced it, written as torch would
    array: np.ndarray  # the values for one image (no batch axis), float64

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.array.shape)


def _cnn_stages_batch(weights: CNNWeights, x: np.ndarray) -> list[tuple[str, str, np.ndarray]]:
    c1, c2 = weights.conv1_weight.shape[0], weights.conv2_weight.shape[0]
    stages = [("input", "input (1 channel, 0..1)", x[:, None])]
    conv1 = conv2d_same(stages[-1][2], weights.conv1_weight, weights.conv1_bias)
    stages.append(("conv1", f"Conv2d(1, {c1}, kernel_size=3, padding=1)", conv1))
    stages.append(("relu1", "ReLU()", np.maximum(conv1, 0.0)))
    stages.append(("pool1", "MaxPool2d(2)", max_pool2(stages[-1][2])))
    conv2 = conv2d_same(stages[-1][2], weights.conv2_weight, weights.conv2_bias)
    stages.append(("conv2", f"Conv2d({c1}, {c2}, kernel_size=3, padding=1)", conv2))
    stages.append(("relu2", "ReLU()", np.maximum(conv2, 0.0)))
    stages.append(("pool2", "MaxPool2d(2)", max_pool2(stages[-1][2])))
    flat = stages[-1][2].reshape(len(x), -1)
    stages.append(("flatten", "Flatten()", flat))
    logits = flat @ weights.dense_weight.T.astype(np.float64) + weights.dense_bias
    stages.append(("dense", f"Linear({flat.shape[1]}, 10)", logits))
    stages.append(("softmax", "Softmax(dim=1)", softmax(logits)))
    return stages


def cnn_stages(weights: CNNWeights, image_01: np.ndarray) -> tuple[Stage, ...]:
    """Follow one 28x28 digit (0..1) through the whole CNN: every intermediate result.

    input (1,28,28) -> conv1 (8,28,28) -> relu1 -> pool1 (8,14,14) -> conv2 (16,14,14)
    -> relu2 -> pool2 (16,7,7) -> flatten (784,) -> dense (10,) logits -> softmax (10,).
    Pure: the same input gives the same stages.
    """
    x = _batch(image_01, mnist.SIDE)
    if len(x) != 1:
        raise ValueError("cnn_stages follows one image; use cnn_forward for a batch")
    return tuple(Stage(name, layer, values[0])
                 for name, layer, values in _cnn_stages_batch(weights, x))


def cnn_logits(weights: CNNWeights, images_01: np.ndarray) -> np.ndarray:
    """The CNN's last-layer activations for (N, 28, 28) or (28, 28) images: (N, 10)."""
    x = _batch(images_01, mnist.SIDE)
    out = [_cnn_stages_batch(weights, x[i:i + _CHUNK])[-2][2] for i in range(0, len(x), _CHUNK)]
    return np.concatenate(out) if out else np.zeros((0, 10))


def cnn_forward(weights: CNNWeights, images_01: np.ndarray) -> np.ndarray:
    """Class probabilities, (N, 10)."""
    return softmax(cnn_logits(weights, images_01))


# ---- held-out evaluation ---------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    probs: np.ndarray  # (2000, 10) on the held-out digits
    predicted: np.ndarray  # (2000,)
    labels: np.ndarray  # (2000,)
    accuracy: float


def _evaluation(probs: np.ndarray, labels: np.ndarray) -> Evaluation:
    predicted = probs.argmax(axis=1)
    for a in (probs, predicted):
        a.flags.writeable = False
    return Evaluation(probs, predicted, labels, mnist.accuracy(predicted, labels))


@functools.cache
def evaluate_mlp(size: int = 28) -> Evaluation:
    """The shipped MLP for `size` on the 2,000 held-out digits (block-averaged to size)."""
    images, labels = mnist.held_out_data()
    x = mnist.to_01(mnist.at_size(images, size))
    return _evaluation(mlp_forward(load_mlp(size), x).probs, labels)


@functools.cache
def evaluate_cnn() -> Evaluation:
    """The shipped CNN on the 2,000 held-out digits."""
    images, labels = mnist.held_out_data()
    return _evaluation(cnn_forward(load_cnn(), mnist.to_01(images)), labels)
