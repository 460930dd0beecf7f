"""Pixels to matrix: how a picture of a digit becomes numbers, and numbers a prediction.

Pure logic, no streamlit. Conventions used throughout:
- an image is a 2-D numpy array of "ink" values, 0 = paper, 255 = full ink (MNIST's own
  convention; the page draws ink black on white paper);
- the default digits are MNIST's, 28x28 (explorer.mnist: the shipped file, its fixed
  split, the reduction to 14x14 and 7x7 by averaging blocks, a drawing prepared the MNIST
  way);
- the second source is scikit-learn's 1,797 handwritten 8x8 scans (values 0..16: the
  count of inked pixels in each 4x4 block of a 32x32 bitmap), read straight from the CSV
  that ships with scikit-learn (far cheaper than importing scikit-learn to load them),
  with their own fixed train/test split.

Chart builders live in explorer/pixels_charts.py; the models and baselines in
pixels_model.py.
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

SIZES: dict[str, int] = {"28×28": 28, "14×14": 14, "7×7": 7}
# Resolutions of earlier versions of the page (up from the 8x8 scans), read from old links
# as the nearest one the page has now.
OLD_SIZES = (("18×18", "14×14"), ("8×8", "7×7"))
SCALES = ("raw 0–255", "0 to 1", "standardized")
MNIST, SCANS, DRAW, UPLOAD = SOURCES = ("MNIST digits", "8×8 scans (scikit-learn)",
                                        "draw your own", "upload")
OLD_SOURCES = (("real digits", MNIST),)

SCAN_SIZE = 8
N_SCANS = 1797
SCAN_WRITERS = 13  # scikit-learn's description: the bundled test set, 13 people
TEST_FRACTION = 0.25
SPLIT_SEED = 0

# Upload limits: the file size is checked before decoding, the pixel count from the
# header before the pixels are decompressed (a small PNG can claim a gigapixel canvas).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_DECODE_PIXELS = 40_000_000  # refuse to decode more than this (decompression bombs)
MAX_SIDE = 1024  # larger images are decoded, then downscaled to this longest side

PICTURE_FRAME = 190  # grey level of the frame around an enlarged picture


# ---- the 8x8 scans ---------------------------------------------------------------------


def _digits_csv() -> Path:
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("scikit-learn is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"


def load_scans() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 scans as uint8 ink (N, 8, 8) in 0..255, and their labels (N,).

    Same data as sklearn.datasets.load_digits (0..16 counts), rescaled by 255/16.
    """
    with gzip.open(_digits_csv(), "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.float64)
    images16 = table[:, :64].reshape(-1, 8, 8)
    labels = table[:, 64].astype(np.int64)
    return np.rint(images16 * 255 / 16).astype(np.uint8), labels


def split_indices(n: int = N_SCANS, test_fraction: float = TEST_FRACTION,
                  seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """The scans' fixed shuffled split, shared by their baseline and their network."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


# ---- scaling ---------------------------------------------------------------------------


def to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


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


def enlarged_picture(ink: np.ndarray, px: int = 168) -> Image.Image:
    """Ink as a picture to look at (black ink on white paper), blown up to px x px with
    hard pixel edges, in a one-pixel grey frame so blank paper still shows."""
    big = Image.fromarray(255 - np.asarray(ink, dtype=np.uint8), mode="L").resize(
        (px, px), Image.Resampling.NEAREST)
    return ImageOps.expand(big, border=1, fill=PICTURE_FRAME)


def picture_name(source: str, label: int | None) -> str:
    """What the picture is, in a few words (screen readers read it as the image's alt)."""
    return {MNIST: f"MNIST digit {label}", SCANS: f"8×8 scan of a {label}",
            DRAW: "your drawing", UPLOAD: "your upload"}[source]


def picture_alt(name: str, size: int, *, invert: bool, noise: float, shift: int,
                written: bool) -> str:
    """An image's text alternative: what it shows, its size, and what was done to it,
    e.g. 'MNIST digit 3, 28×28 pixels, as written'."""
    done = []
    if invert:
        done.append("colours inverted")
    if noise:
        done.append(f"with noise of spread {noise:g}")
    if shift:
        done.append(f"shifted {'right' if shift > 0 else 'left'} by {abs(shift)}% of its "
                    "width")
    how = ", ".join(done) if done else ("as written" if written else "as prepared")
    return f"{name}, {size}×{size} pixels, {how}"


# ---- shapes and rank -------------------------------------------------------------------


def torch_size_text(shape: tuple[int, ...]) -> str:
    """A shape written the way torch prints `tensor.shape`."""
    return f"torch.Size([{', '.join(str(int(d)) for d in shape)}])"


def flat_index(row: int, column: int, size: int) -> int:
    """Where pixel (row, column) of a size x size image lands in the flattened vector
    (row after row, as numpy's and torch's flatten read it)."""
    return int(np.ravel_multi_index((row, column), (size, size)))
