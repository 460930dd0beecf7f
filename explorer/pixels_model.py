"""The small classifier of the pixels page: training (torch) and loading (numpy).

One two-layer perceptron per resolution (8x8, 18x18, 28x28), each trained on the bundled
digits resampled to that size, on the training part of the fixed split. The page loads
the weights this module saves into explorer/pixels_mlp.npz (plain arrays, no pickle) and
runs the forward pass in numpy, so it never imports torch. To remake the file:

    .venv/bin/python -m explorer.pixels_model

If the file is missing, `load_or_train` trains on the spot.
`at_size` gathers what the page shows at one resolution: the network and the baseline.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer import pixels

WEIGHTS_FILE = Path(__file__).resolve().parent / "pixels_mlp.npz"
HIDDEN = 64
EPOCHS = 60
BATCH = 64
LEARNING_RATE = 3e-3
TRAIN_SEED = 0


def train_mlp(images_01: np.ndarray, labels: np.ndarray, *, hidden: int = HIDDEN,
              epochs: int = EPOCHS, seed: int = TRAIN_SEED) -> pixels.MLPWeights:
    """Train x -> ReLU(W1 x + b1) -> W2 h + b2 with cross-entropy and Adam (torch)."""
    import torch

    torch.set_num_threads(1)  # sessions share two cores
    torch.manual_seed(seed)
    x = torch.tensor(images_01.reshape(len(images_01), -1), dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.long)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(),
                                torch.nn.Linear(hidden, 10))
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), BATCH):
            idx = order[start:start + BATCH]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    first, second = model[0], model[2]
    return pixels.MLPWeights(first.weight.detach().numpy().copy(),
                             first.bias.detach().numpy().copy(),
                             second.weight.detach().numpy().copy(),
                             second.bias.detach().numpy().copy())


def training_data(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train images 0..1, train labels, test images 0..1, test labels) at size x size."""
    ink, labels = pixels.load_digits_ink()
    scaled = pixels.digits_at_size(ink, size).astype(np.float64) / 255.0
    train, test = pixels.split_indices(len(labels))
    return scaled[train], labels[train], scaled[test], labels[test]


def train_all(sizes: tuple[int, ...] = (28, 18, 8)) -> dict[int, pixels.MLPWeights]:
    out = {}
    for size in sizes:
        x_train, y_train, _, _ = training_data(size)
        out[size] = train_mlp(x_train, y_train)
    return out


def save(weights: dict[int, pixels.MLPWeights], path: Path = WEIGHTS_FILE) -> None:
    arrays = {}
    for size, w in weights.items():
        for name in ("w1", "b1", "w2", "b2"):
            arrays[f"s{size}_{name}"] = getattr(w, name).astype(np.float32)
    np.savez_compressed(path, **arrays)


def load(size: int, path: Path = WEIGHTS_FILE) -> pixels.MLPWeights:
    """Weights for one size from the .npz (allow_pickle=False: arrays only)."""
    with np.load(path, allow_pickle=False) as npz:
        return pixels.MLPWeights(*(npz[f"s{size}_{name}"] for name in ("w1", "b1", "w2", "b2")))


def load_or_train(size: int, path: Path = WEIGHTS_FILE) -> pixels.MLPWeights:
    try:
        return load(size, path)
    except (OSError, KeyError, ValueError):
        x_train, y_train, _, _ = training_data(size)
        return train_mlp(x_train, y_train)


@dataclass(frozen=True)
class SizeModel:
    """Everything the pixels page needs at one resolution, fitted on the training part of
    the fixed split and scored on the held-out part."""

    size: int
    images: np.ndarray  # every bundled digit at size x size, uint8 ink (N, S, S)
    n_train: int
    n_test: int
    standardizer: pixels.Standardizer  # training pixels' mean and spread (0..1 scale)
    means: np.ndarray  # the baseline's mean training image of each digit (10, S, S)
    weights: pixels.MLPWeights
    mlp_accuracy: float  # held out, the network
    mean_accuracy: float  # held out, the nearest-mean baseline


def at_size(ink: np.ndarray, labels: np.ndarray, size: int,
            path: Path = WEIGHTS_FILE) -> SizeModel:
    """The bundled digits (ink, labels) resampled to size x size, with the network's
    weights for that size and both classifiers fitted and scored on the fixed split."""
    images = pixels.digits_at_size(ink, size)
    scaled = images.astype(np.float64) / 255.0
    train, test = pixels.split_indices(len(labels))
    means = pixels.class_means(scaled[train], labels[train])
    weights = load_or_train(size, path)
    return SizeModel(
        size=size, images=images, n_train=len(train), n_test=len(test),
        standardizer=pixels.Standardizer.fit(scaled[train]), means=means, weights=weights,
        mlp_accuracy=pixels.accuracy(
            pixels.mlp_forward(weights, scaled[test]).probs.argmax(1), labels[test]),
        mean_accuracy=pixels.accuracy(
            pixels.nearest_mean_predict(scaled[test], means), labels[test]))


def main() -> int:
    weights = train_all()
    save(weights)
    for size, w in weights.items():
        _, _, x_test, y_test = training_data(size)
        acc = pixels.accuracy(pixels.mlp_forward(w, x_test).probs.argmax(1), y_test)
        print(f"{size}x{size}: {w.n_parameters:,} parameters, held-out accuracy {acc:.3f}")
    print(f"wrote {WEIGHTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
