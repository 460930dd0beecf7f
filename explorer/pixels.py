"""Pixels to matrix: how a picture of a digit becomes numbers, and numbers a prediction.

Pure logic, no streamlit. Conventions used throughout:
- an image is a 2-D numpy array of "ink" values, 0 = white paper, 255 = black ink;
- the bundled digits are scikit-learn's 1,797 handwritten 8x8 digits (values 0..16),
  read straight from the CSV that ships with scikit-learn (far cheaper than importing
  scikit-learn to load them);
- every size-dependent thing (resampling, the classifier, the class means) is computed
  at the chosen size S from those same digits, with one fixed train/test split.

Chart builders live in explorer/pixels_charts.py; the classifier in pixels_model.py.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

SIZES: dict[str, int] = {"28×28": 28, "18×18": 18, "8×8": 8}
SCALES = ("raw 0–255", "0 to 1", "standardized")
SOURCES = ("real digits", "draw your own", "upload")

N_DIGITS = 1797
TEST_FRACTION = 0.25
SPLIT_SEED = 0

# Upload limits: the file size is checked before decoding, the pixel count from the
# header before the pixels are decompressed (a small PNG can claim a gigapixel canvas).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_DECODE_PIXELS = 40_000_000  # refuse to decode more than this (decompression bombs)
MAX_SIDE = 1024  # larger images are decoded, then downscaled to this longest side

INK_THRESHOLD = 40  # ink above this counts when cropping a drawing to its digit
PICTURE_FRAME = 190  # grey level of the frame around an enlarged picture


# ---- the bundled digits ----------------------------------------------------------------


def _digits_csv() -> Path:
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("scikit-learn is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"


def load_digits_ink() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 bundled digits as uint8 ink (N, 8, 8) in 0..255, and their labels (N,).

    Same data as sklearn.datasets.load_digits (0..16 counts), rescaled by 255/16.
    """
    with gzip.open(_digits_csv(), "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.float64)
    images16 = table[:, :64].reshape(-1, 8, 8)
    labels = table[:, 64].astype(np.int64)
    return np.rint(images16 * 255 / 16).astype(np.uint8), labels


def split_indices(n: int = N_DIGITS, test_fraction: float = TEST_FRACTION,
                  seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """One fixed shuffled split, shared by the baseline and the trained model."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


# ---- resampling and scaling ------------------------------------------------------------


def resample(image: np.ndarray, size: int) -> np.ndarray:
    """Resize a 2-D array to size x size (float32), antialiased.

    Shrinking averages each output pixel's footprint (Pillow's BOX filter: a 4x4 image
    to 2x2 gives the four 2x2 block means); enlarging interpolates bilinearly.
    """
    arr = np.asarray(image, dtype=np.float32)
    h, w = arr.shape
    if (h, w) == (size, size):
        return arr.copy()
    shrinking = size <= min(h, w)
    resample_filter = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    out = Image.fromarray(arr, mode="F").resize((size, size), resample_filter)
    return np.asarray(out, dtype=np.float32)


def to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def resize_ink(image: np.ndarray, size: int) -> np.ndarray:
    """Ink image (0..255) at size x size, rounded to whole numbers as a file stores them."""
    return to_uint8(resample(image, size))


def digits_at_size(images: np.ndarray, size: int) -> np.ndarray:
    """All images resampled to size x size, uint8 ink, shape (N, size, size)."""
    return np.stack([resize_ink(im, size) for im in images])


@dataclass(frozen=True)
class Standardizer:
    """Mean and standard deviation of all training pixels (on the 0..1 scale)."""

    mean: float
    std: float

    @classmethod
    def fit(cls, images_01: np.ndarray) -> Standardizer:
        return cls(float(np.mean(images_01)), float(np.std(images_01)))

    def apply(self, images_01: np.ndarray) -> np.ndarray:
        return (np.asarray(images_01, dtype=np.float64) - self.mean) / self.std


def scale_pixels(raw: np.ndarray, scale: str, standardizer: Standardizer) -> np.ndarray:
    """The same pixels on one of the three scales the page offers."""
    raw = np.asarray(raw, dtype=np.float64)
    if scale == SCALES[0]:
        return raw
    if scale == SCALES[1]:
        return raw / 255.0
    if scale == SCALES[2]:
        return standardizer.apply(raw / 255.0)
    raise ValueError(f"unknown scale {scale!r}")


def scale_domain(scale: str, standardizer: Standardizer) -> tuple[float, float]:
    """What blank paper (0) and solid ink (255) become on a scale: the colour range of
    the page's charts."""
    lo, hi = scale_pixels(np.array([0.0, 255.0]), scale, standardizer)
    return float(lo), float(hi)


# ---- perturbations ---------------------------------------------------------------------


def shift_image(image: np.ndarray, pixels: int) -> np.ndarray:
    """Move the picture right by `pixels` (left if negative); paper fills the gap."""
    out = np.zeros_like(image)
    w = image.shape[1]
    if abs(pixels) >= w:
        return out
    if pixels > 0:
        out[:, pixels:] = image[:, :w - pixels]
    elif pixels < 0:
        out[:, :w + pixels] = image[:, -pixels:]
    else:
        out[:] = image
    return out


def perturb(raw: np.ndarray, *, invert: bool = False, noise: float = 0.0,
            shift_percent: int = 0, seed: int = 0) -> np.ndarray:
    """Shift, then invert, then add Gaussian noise (std `noise` on the 0..255 scale).

    Returns uint8 ink, clipped to 0..255 like a real image file.
    """
    img = np.asarray(raw, dtype=np.float64)
    size = img.shape[1]
    img = shift_image(img, int(round(shift_percent / 100 * size)))
    if invert:
        img = 255.0 - img
    if noise > 0:
        img = img + np.random.default_rng(seed).normal(0.0, noise, img.shape)
    return to_uint8(img)


def shift_pixels(shift_percent: int, size: int) -> int:
    return int(round(shift_percent / 100 * size))


# ---- user images: drawings and uploads -------------------------------------------------


class BadImage(ValueError):
    """An upload or drawing that cannot be used; the message is shown to the user."""


def ink_from_rgba(rgba: np.ndarray) -> np.ndarray:
    """A canvas image (H, W, 4) RGBA as ink: transparent = paper, dark strokes = ink."""
    arr = np.asarray(rgba, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise BadImage("The drawing did not arrive as an RGB(A) picture.")
    rgb = arr[..., :3]
    alpha = arr[..., 3:4] / 255.0 if arr.shape[2] == 4 else np.ones(arr.shape[:2] + (1,))
    over_white = rgb * alpha + 255.0 * (1 - alpha)
    luminance = over_white @ np.array([0.299, 0.587, 0.114])
    return to_uint8(255.0 - luminance)


@dataclass(frozen=True)
class DecodedImage:
    ink: np.ndarray  # uint8 (H, W), 0 = paper
    original_size: tuple[int, int]  # (width, height) as in the file
    downscaled: bool
    dark_background: bool  # light ink on dark paper was detected and flipped


def decode_image(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES,
                 max_pixels: int = MAX_DECODE_PIXELS, max_side: int = MAX_SIDE) -> DecodedImage:
    """Decode untrusted image bytes into ink, or raise BadImage with a plain message.

    The content decides, never the file name: Pillow must recognise and fully decode it.
    The pixel count is read from the header and checked before the pixels are loaded.
    """
    if not data:
        raise BadImage("The file is empty.")
    if len(data) > max_bytes:
        raise BadImage(f"The file is {len(data) / 1e6:.1f} MB; the limit is "
                       f"{max_bytes / 1e6:.0f} MB.")
    try:
        with warnings.catch_warnings():
            # Pillow warns (or refuses) on huge headers; the size check below says so.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                probe.verify()  # structure and checksums, without decoding pixels
    except Image.DecompressionBombError:
        raise BadImage(f"The image claims more pixels than the {max_pixels / 1e6:.0f} "
                       "megapixels this page will decode.") from None
    except UnidentifiedImageError:
        raise BadImage("This file is not an image Pillow can read (try a PNG or JPEG).") from None
    except Exception:  # noqa: BLE001 - any decoder failure means a broken file
        raise BadImage("The image file is damaged and cannot be decoded.") from None
    if fmt not in ("PNG", "JPEG", "GIF", "BMP", "WEBP"):
        raise BadImage(f"{fmt} images are not supported here; use a PNG or JPEG.")
    if width < 1 or height < 1:
        raise BadImage("The image has no pixels.")
    if width * height > max_pixels:
        raise BadImage(f"The image claims {width:,}×{height:,} pixels, more than the "
                       f"{max_pixels / 1e6:.0f} megapixels this page will decode.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # A second open: verify() leaves the first image unusable.
            with Image.open(io.BytesIO(data)) as img:
                img.draft("L", (max_side, max_side))  # JPEG: decode at reduced scale
                img.load()
                grey = _to_grey(img)
    except BadImage:
        raise
    except Exception:  # noqa: BLE001
        raise BadImage("The image file is damaged and cannot be decoded.") from None
    downscaled = max(width, height) > max_side
    if max(grey.size) > max_side:
        grey.thumbnail((max_side, max_side), Image.Resampling.BOX)
    lum = np.asarray(grey, dtype=np.float64)
    ink = 255.0 - lum
    dark_background = bool(_border_mean(lum) < 128)
    if dark_background:  # white digit on black (MNIST style): the light part is the ink
        ink = lum
    return DecodedImage(to_uint8(ink), (width, height), downscaled, dark_background)


def _to_grey(img: Image.Image) -> Image.Image:
    """Flatten transparency onto white paper, then to 8-bit luminance."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("L")
    return img.convert("L")


def _border_mean(lum: np.ndarray) -> float:
    edge = np.concatenate([lum[0], lum[-1], lum[:, 0], lum[:, -1]])
    return float(edge.mean())


def center_on_ink(ink: np.ndarray, size: int, threshold: int = INK_THRESHOLD) -> np.ndarray | None:
    """Preprocess a drawing the way the bundled digits were made.

    Crop to the ink's bounding box, scale it so its taller side fills the frame (as the
    bundled digits fill all 8 rows) keeping its proportions, centre it, and resample to
    size x size with an antialiasing filter. None when there is no ink at all.
    """
    ink = np.asarray(ink)
    mask = ink > threshold
    if not mask.any():
        return None
    rows, cols = np.where(mask.any(axis=1))[0], np.where(mask.any(axis=0))[0]
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float32)
    h, w = crop.shape
    side = max(h, w)
    square = np.zeros((side, side), dtype=np.float32)
    top, left = (side - h) // 2, (side - w) // 2
    square[top:top + h, left:left + w] = crop
    big = Image.fromarray(square, mode="F")
    # Shrink with an area filter so thin strokes become grey, not dropped.
    out = big.resize((size, size), Image.Resampling.BOX if side >= size
                     else Image.Resampling.BILINEAR)
    return to_uint8(np.asarray(out))


def source_at_size(ink: np.ndarray, size: int, *, bundled: bool) -> np.ndarray:
    """A source picture at size x size, prepared as the network's input is: a bundled digit
    resampled whole; a drawing or an upload cropped to its ink and centred (all paper
    when it has no ink)."""
    if bundled:
        return resize_ink(ink, size)
    centred = center_on_ink(ink, size)
    return np.zeros((size, size), np.uint8) if centred is None else centred


def enlarged_picture(ink: np.ndarray, px: int = 168) -> Image.Image:
    """Ink as a picture to look at (black ink on white paper), blown up to px x px with
    hard pixel edges, in a one-pixel grey frame so blank paper still shows."""
    big = Image.fromarray(255 - np.asarray(ink, dtype=np.uint8), mode="L").resize(
        (px, px), Image.Resampling.NEAREST)
    return ImageOps.expand(big, border=1, fill=PICTURE_FRAME)


# ---- shapes and rank -------------------------------------------------------------------


def torch_size_text(shape: tuple[int, ...]) -> str:
    """A shape written the way torch prints `tensor.shape`."""
    return f"torch.Size([{', '.join(str(int(d)) for d in shape)}])"


# ---- the baseline: nearest mean image --------------------------------------------------


def class_means(images_01: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The mean image of each digit class, shape (10, H, W)."""
    return np.stack([images_01[labels == k].mean(axis=0) for k in range(10)])


def mean_distances(images_01: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Euclidean pixel distance of each image (N, H, W) to each class mean: (N, 10)."""
    flat = images_01.reshape(len(images_01), -1)
    centres = means.reshape(10, -1)
    sq = (flat ** 2).sum(1)[:, None] - 2 * flat @ centres.T + (centres ** 2).sum(1)[None, :]
    return np.sqrt(np.maximum(sq, 0.0))


def nearest_mean_predict(images_01: np.ndarray, means: np.ndarray) -> np.ndarray:
    return mean_distances(images_01, means).argmin(axis=1)


# ---- the trained network (forward pass in numpy) ---------------------------------------


@dataclass(frozen=True)
class MLPWeights:
    """A two-layer perceptron: x (H*W) -> ReLU(W1 x + b1) -> W2 h + b2 -> softmax.

    Stored like torch.nn.Linear: w1 (hidden, inputs), w2 (10, hidden).
    """

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    @property
    def size(self) -> int:
        return int(round(np.sqrt(self.w1.shape[1])))

    @property
    def hidden(self) -> int:
        return int(self.w1.shape[0])

    @property
    def n_parameters(self) -> int:
        return sum(int(a.size) for a in (self.w1, self.b1, self.w2, self.b2))


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Forward:
    hidden: np.ndarray  # (N, hidden) activations after ReLU
    logits: np.ndarray  # (N, 10) the last layer's activations before softmax
    probs: np.ndarray  # (N, 10)


def mlp_forward(weights: MLPWeights, images_01: np.ndarray) -> Forward:
    """The network's forward pass on images on the 0..1 scale, (N, H, W) or (H, W)."""
    x = np.asarray(images_01, dtype=np.float64)
    x = x.reshape(1, -1) if x.ndim == 2 else x.reshape(len(x), -1)
    hidden = np.maximum(x @ weights.w1.T.astype(np.float64) + weights.b1, 0.0)
    logits = hidden @ weights.w2.T.astype(np.float64) + weights.b2
    return Forward(hidden, logits, softmax(logits))


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))
