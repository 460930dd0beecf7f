"""What the pixels page shows about one source of digits at one resolution: the digits,
the trained network, its held-out accuracy, and the nearest-mean baseline.

- MNIST (the default) at 28x28, 14x14 or 7x7: the networks of explorer.mnist_models,
  trained on the 8,000 training digits of explorer.mnist's fixed split, scored on its
  2,000 held-out digits.
- scikit-learn's 8x8 scans: a network of the same shape trained here (torch) on 1,348 of
  the 1,797 scans and saved into explorer/pixels_mlp.npz (plain arrays, no pickle); the
  page runs it in numpy and never imports torch. To remake the file:

    .venv/bin/python -m explorer.pixels_model

  If the file is missing, `load_or_train` trains on the spot.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer import mnist, pixels
from explorer import mnist_models as mm

WEIGHTS_FILE = Path(__file__).resolve().parent / "pixels_mlp.npz"
HIDDEN = 64
EPOCHS = 60
BATCH = 64
LEARNING_RATE = 3e-3
TRAIN_SEED = 0

# The nearest-mean baseline's two ways of measuring how far an image is from a mean image,
# both averaged over the pixels (0..1 scale): the label -> explorer.mnist's metric.
DISTANCES = {"root mean square (L2)": "squared", "mean absolute (L1)": "abs"}
ALL_DIGITS, THREE_VS_SEVEN = BASELINES = ("all ten digits", "3 vs 7")
CLASSES = {ALL_DIGITS: tuple(range(10)), THREE_VS_SEVEN: (3, 7)}

# fastbook chapter 4: the "ideal 3" and "ideal 7" compared by mean absolute difference on
# its MNIST_SAMPLE validation set (1,010 threes and 1,028 sevens). The book prints
# (tensor(0.9168), tensor(0.9854), tensor(0.9511)): 3s, 7s, and their average.
FASTBOOK_3V7 = {"threes": 0.9168, "sevens": 0.9854, "average": 0.9511}


# ---- the scans' network (training with torch, loading with numpy) ---------------------


def train_mlp(images_01: np.ndarray, labels: np.ndarray, *, hidden: int = HIDDEN,
              epochs: int = EPOCHS, seed: int = TRAIN_SEED) -> mm.MLPWeights:
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
    return mm.MLPWeights(first.weight.detach().numpy().copy(),
                         first.bias.detach().numpy().copy(),
                         second.weight.detach().numpy().copy(),
                         second.bias.detach().numpy().copy())


def training_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The scans: (train images 0..1, train labels, test images 0..1, test labels)."""
    ink, labels = pixels.load_scans()
    scaled = ink.astype(np.float64) / 255.0
    train, test = pixels.split_indices(len(labels))
    return scaled[train], labels[train], scaled[test], labels[test]


def save(weights: mm.MLPWeights, path: Path = WEIGHTS_FILE) -> None:
    size = weights.size
    np.savez_compressed(path, **{f"s{size}_{name}": getattr(weights, name).astype(np.float32)
                                 for name in ("w1", "b1", "w2", "b2")})


def load(path: Path = WEIGHTS_FILE) -> mm.MLPWeights:
    """The scans' network from the .npz (allow_pickle=False: arrays only)."""
    size = pixels.SCAN_SIZE
    with np.load(path, allow_pickle=False) as npz:
        return mm.MLPWeights(*(npz[f"s{size}_{name}"] for name in ("w1", "b1", "w2", "b2")))


def load_or_train(path: Path = WEIGHTS_FILE) -> mm.MLPWeights:
    try:
        return load(path)
    except (OSError, KeyError, ValueError):
        x_train, y_train, _, _ = training_data()
        return train_mlp(x_train, y_train)


# ---- one source at one size ------------------------------------------------------------


@dataclass(frozen=True)
class SourceModel:
    """A source of digits at one resolution, with its network, both fitted on the training
    part of the source's fixed split and scored on the held-out part."""

    source: str  # pixels.MNIST or pixels.SCANS
    size: int
    images: np.ndarray  # every digit at size x size, uint8 ink (N, S, S)
    labels: np.ndarray  # (N,)
    train: np.ndarray  # indices of the training digits
    test: np.ndarray  # indices of the held-out digits
    standardizer: pixels.Standardizer  # training pixels' mean and spread (0..1 scale)
    weights: mm.MLPWeights
    mlp_accuracy: float  # held out, the network

    @property
    def n_train(self) -> int:
        return len(self.train)

    @property
    def n_test(self) -> int:
        return len(self.test)

    def held_out(self, index: int) -> bool:
        """Whether digit `index` is one of the held-out ones (test is sorted)."""
        at = int(np.searchsorted(self.test, index))
        return at < len(self.test) and int(self.test[at]) == index


def standardizer(images: np.ndarray) -> pixels.Standardizer:
    """Mean and spread of every pixel of uint8 images on the 0..1 scale, exactly, from the
    histogram of their 256 levels (no float copy of the images)."""
    counts = np.bincount(np.asarray(images, dtype=np.uint8).ravel(), minlength=256)
    levels = np.arange(256) / 255.0
    n = counts.sum()
    mean = float(counts @ levels / n)
    return pixels.Standardizer(mean, float(np.sqrt(counts @ (levels - mean) ** 2 / n)))


def _source_model(source: str, images: np.ndarray, labels: np.ndarray, train: np.ndarray,
                  test: np.ndarray, weights: mm.MLPWeights,
                  mlp_accuracy: float | None = None) -> SourceModel:
    if mlp_accuracy is None:
        probs = mm.mlp_forward(weights, images[test].astype(np.float64) / 255.0).probs
        mlp_accuracy = mnist.accuracy(probs.argmax(1), labels[test])
    for array in (images, labels, train, test):
        array.flags.writeable = False
    return SourceModel(source=source, size=images.shape[-1], images=images, labels=labels,
                       train=train, test=test, standardizer=standardizer(images[train]),
                       weights=weights, mlp_accuracy=mlp_accuracy)


def mnist_model(size: int) -> SourceModel:
    """All 10,000 MNIST digits at size x size (28 as they are; 14 and 7 by averaging 2x2
    and 4x4 blocks) with the network trained at that size."""
    images, labels = mnist.load()
    train, test = mnist.split()
    return _source_model(pixels.MNIST, mnist.at_size(images, size), labels.astype(np.int64),
                         np.array(train), np.array(test), mm.load_mlp(size),
                         mm.evaluate_mlp(size).accuracy)


def scans_model() -> SourceModel:
    """scikit-learn's 1,797 scans at their own 8x8, with the network trained on them."""
    images, labels = pixels.load_scans()
    train, test = pixels.split_indices(len(labels))
    return _source_model(pixels.SCANS, images, labels, train, test, load_or_train())


# ---- the nearest-mean baseline ---------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """Nearest mean on `classes`: the mean training image of each class, and how often
    the nearest one is right on the held-out digits of those classes."""

    classes: tuple[int, ...]
    distance: str  # a key of DISTANCES
    means: np.ndarray  # (K, S, S), 0..1
    accuracy: float  # held out, all digits of `classes` pooled
    class_accuracy: dict[int, float]  # held out, per class
    n_test: int

    def distances(self, image_01: np.ndarray) -> np.ndarray:
        """Distance from one image (S, S) on the 0..1 scale to each mean, as the page shows
        it: the root mean square or the mean absolute pixel difference."""
        return shown_distances(image_01, self.means, self.distance)

    def predict(self, image_01: np.ndarray) -> int:
        return int(self.classes[int(np.argmin(self.distances(image_01)))])


def shown_distances(image_01: np.ndarray, means: np.ndarray, distance: str) -> np.ndarray:
    metric = DISTANCES[distance]
    d = mnist.distances(image_01, means, metric)[0]
    return np.sqrt(d) if metric == "squared" else d


def baseline(model: SourceModel, classes: tuple[int, ...], distance: str) -> Baseline:
    """The nearest-mean baseline of a source at its size, fitted on the training digits of
    `classes` and scored on the held-out digits of `classes`."""
    metric = DISTANCES[distance]
    y = model.labels
    train = model.train[np.isin(y[model.train], classes)]
    test = model.test[np.isin(y[model.test], classes)]
    # Means straight from the uint8 digits (numpy sums them in float64 without a copy).
    means = np.stack([model.images[train[y[train] == k]].mean(axis=0, dtype=np.float64)
                      for k in classes]) / 255.0
    predicted = mnist.nearest_mean_predict(model.images[test] / 255.0, means, metric, classes)
    right = predicted == y[test]
    means.flags.writeable = False
    return Baseline(classes=tuple(classes), distance=distance, means=means,
                    accuracy=float(right.mean()),
                    class_accuracy={int(k): float(right[y[test] == k].mean()) for k in classes},
                    n_test=len(test))


BOOK_SETTING = "MNIST at 28×28, mean absolute difference"


def fastbook_comparison(result: Baseline, source: str,
                        size: int) -> tuple[tuple[tuple[str, float, float], ...], str]:
    """The 3-vs-7 baseline's held-out accuracy beside fastbook's: (label, this page's,
    the book's) for the 3s, the 7s and their average, and a sentence on the two settings.
    The average is the mean of the two classes' accuracies, as the book computes it."""
    ours = result.class_accuracy
    book = FASTBOOK_3V7
    rows = (("3s right", ours[3], book["threes"]), ("7s right", ours[7], book["sevens"]),
            ("average", (ours[3] + ours[7]) / 2, book["average"]))
    mine = (f"{'MNIST' if source == pixels.MNIST else '8×8 scans'} at {size}×{size}, "
            f"{result.distance.split(' (')[0]} difference")
    if mine == BOOK_SETTING:
        words = (f"Same method and setting as fastbook's chapter 4 ({BOOK_SETTING}), on "
                 f"different digits: this page's {result.n_test} held-out 3s and 7s, the "
                 "book's 2,038 from its own sample of MNIST.")
    else:
        words = (f"This page: {mine}, on {result.n_test} held-out 3s and 7s. The book's "
                 f"setting is {BOOK_SETTING}, on its own 2,038 digits: the two measure "
                 "different things.")
    return rows, words + " The average is the mean of the two digits' scores, as the " \
                         "book computes it."


def main() -> int:
    x_train, y_train, x_test, y_test = training_data()
    weights = train_mlp(x_train, y_train)
    save(weights)
    acc = mnist.accuracy(mm.mlp_forward(weights, x_test).probs.argmax(1), y_test)
    print(f"8x8 scans: {weights.n_parameters:,} parameters, held-out accuracy {acc:.3f}")
    print(f"wrote {WEIGHTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
