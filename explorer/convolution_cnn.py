"""A tiny CNN trained on scikit-learn's 8x8 digits, to show what kernels a network learns.

conv 3x3 (1 -> 8 filters, padding 1) -> ReLU -> 2x2 max pool -> linear (8*4*4 -> 10).
Trained once per server on one CPU thread; torch is imported inside the functions so
the page starts without paying for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FILTERS = 8
SEED = 0


@dataclass(frozen=True)
class TinyCNN:
    conv_weight: np.ndarray  # (8,1,3,3), in units of the 0..1 input scale
    conv_bias: np.ndarray  # (8,)
    dense_weight: np.ndarray  # (10, 128)
    dense_bias: np.ndarray  # (10,)
    test_accuracy: float
    train_accuracy: float
    n_train: int
    n_test: int
    epochs: int


def split_digits(seed: int = SEED):
    """The digits scaled to 0..1, split 75/25 with a fixed seed (stratified)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)
    return train_test_split(x, digits.target, test_size=0.25, random_state=seed,
                            stratify=digits.target)


def _model(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, FILTERS, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(FILTERS * 16, 10))


def train_tiny_cnn(epochs: int = 20, seed: int = SEED) -> TinyCNN:
    import torch

    torch.set_num_threads(1)  # sessions share the cores
    torch.manual_seed(seed)
    x_tr, x_te, y_tr, y_te = split_digits(seed)
    xt = torch.from_numpy(x_tr)[:, None]
    yt = torch.from_numpy(y_tr).long()
    xe = torch.from_numpy(x_te)[:, None]
    model = _model(torch)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(xt), generator=gen)
        for batch in order.split(64):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt[batch]), yt[batch])
            loss.backward()
            opt.step()
    with torch.no_grad():
        test_acc = (model(xe).argmax(1).numpy() == y_te).mean()
        train_acc = (model(xt).argmax(1).numpy() == y_tr).mean()
    conv, dense = model[0], model[4]
    return TinyCNN(conv.weight.detach().numpy().copy(), conv.bias.detach().numpy().copy(),
                   dense.weight.detach().numpy().copy(), dense.bias.detach().numpy().copy(),
                   float(test_acc), float(train_acc), len(x_tr), len(x_te), epochs)


def feature_maps(model: TinyCNN, digit01: np.ndarray) -> np.ndarray:
    """The 8 first-layer maps (after ReLU) for one 8x8 digit scaled 0..1: (8,8,8)."""
    from explorer.convolution import conv2d

    return np.maximum(conv2d(digit01, model.conv_weight, model.conv_bias, 1, 1), 0.0)


def predict(model: TinyCNN, digit01: np.ndarray) -> np.ndarray:
    """Class probabilities for one digit, computed in numpy from the trained weights."""
    from explorer.convolution import pool2d

    pooled = pool2d(feature_maps(model, digit01), 2, 2, "max")
    logits = model.dense_weight @ pooled.reshape(-1) + model.dense_bias
    e = np.exp(logits - logits.max())
    return e / e.sum()
