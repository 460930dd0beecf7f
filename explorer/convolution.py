"""Convolution kernels: the sliding-window arithmetic of a conv layer, in numpy.

Everything here is pure (no streamlit). The page wraps these in caches.

Conventions: an image is a float array (H, W) or (C, H, W) with values 0..255; a filter
bank is (K, C, F, F). Like every deep learning framework, `conv2d` computes a
cross-correlation: the kernel is NOT flipped. `flip_kernel` gives the textbook
convolution's kernel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

# ---- the core arithmetic ---------------------------------------------------------------


def _as_chw(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float64)
    return image[None] if image.ndim == 2 else image


def _as_kcff(weights: np.ndarray, channels: int) -> np.ndarray:
    """(F,F) -> (1,C,F,F) (the same kernel on every channel); (C,F,F) -> (1,C,F,F)."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim == 2:
        weights = np.broadcast_to(weights, (channels, *weights.shape))
    if weights.ndim == 3:
        weights = weights[None]
    return weights


def conv2d(image: np.ndarray, weights: np.ndarray, bias=0.0, stride: int = 1,
           padding: int = 0) -> np.ndarray:
    """Cross-correlation of an image with a bank of filters, as a conv layer computes it.

    image (H,W) or (C,H,W); weights (F,F), (C,F,F) or (K,C,F,F); bias a number or (K,).
    Returns (K, H_out, W_out) with H_out = floor((H - F + 2P) / S) + 1.

    Why shift-and-add: for one kernel offset (u, v), every output pixel reads the input at
    the same shift, so one strided slice of the padded image times one scalar weight
    handles all output positions at once. The loop runs over K*C*F*F scalar weights
    (skipping zeros, so per-colour filters and sparse kernels cost less), never copies
    the image F*F times, and multiplies in place. (A tensordot per offset was much
    slower: it copies each strided slice. bench/convolution.py prints the figures.)
    """
    x = _as_chw(image)
    w = _as_kcff(weights, x.shape[0])
    k_out, c_in, fh, fw = w.shape
    if c_in != x.shape[0]:
        raise ValueError(f"filter has {c_in} channels, image has {x.shape[0]}")
    if padding:
        x = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    _, hp, wp = x.shape
    h_out = (hp - fh) // stride + 1
    w_out = (wp - fw) // stride + 1
    if h_out < 1 or w_out < 1:
        raise ValueError("the filter is larger than the padded image")
    out = np.zeros((k_out, h_out, w_out))
    scratch = np.empty((h_out, w_out))
    for i in range(fh):
        rows = slice(i, i + stride * (h_out - 1) + 1, stride)
        for j in range(fw):
            cols = slice(j, j + stride * (w_out - 1) + 1, stride)
            for c in range(c_in):
                window = x[c, rows, cols]
                for k in range(k_out):
                    weight = w[k, c, i, j]
                    if weight != 0.0:
                        np.multiply(window, weight, out=scratch)
                        out[k] += scratch
    out += np.broadcast_to(np.asarray(bias, dtype=np.float64), (k_out,))[:, None, None]
    return out


def flip_kernel(kernel: np.ndarray) -> np.ndarray:
    """Rotate a kernel by 180 degrees: what the mathematicians' convolution uses."""
    return np.asarray(kernel)[..., ::-1, ::-1].copy()


def layer_weights(kernel: np.ndarray, channels: int, per_colour: bool = False) -> np.ndarray:
    """The (K, C, F, F) filter bank of a conv layer that applies one kernel to a C-channel
    image.

    One channel: one filter, the kernel itself. Several channels, one filter as deep as
    the input (the default): each slice holds kernel / C, so the output (depth 1) is the
    kernel applied to the mean of the channels. `per_colour`: C filters, filter c holds the
    kernel in slice c and zeros elsewhere, so output channel c is the kernel applied to
    input channel c alone (a grouped convolution, output depth C).
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    f_rows, f_cols = kernel.shape
    if channels == 1:
        return kernel[None, None].copy()
    if per_colour:
        weights = np.zeros((channels, channels, f_rows, f_cols))
        for c in range(channels):
            weights[c, c] = kernel
        return weights
    return np.broadcast_to(kernel / channels, (1, channels, f_rows, f_cols)).copy()


def neuron_weights(weights: np.ndarray, per_colour: bool = False) -> np.ndarray:
    """The (C, F, F) weights the neuron picture multiplies one patch by: the first
    filter's, or with per-colour filters (`layer_weights(..., per_colour=True)`) the slice
    each colour's own filter holds, so the picture shows every colour's products."""
    weights = np.asarray(weights, dtype=np.float64)
    if per_colour:
        return np.stack([weights[c, c] for c in range(weights.shape[1])])
    return weights[0].copy()


def relu_feature_maps(image: np.ndarray, filters: np.ndarray, bias=0.0,
                      padding: int = 1) -> np.ndarray:
    """Each single-channel filter (K, F, F) slid over a one-channel image with stride 1,
    then negatives set to 0 (ReLU): the (K, H_out, W_out) maps a first conv layer
    passes on."""
    bank = np.asarray(filters, dtype=np.float64)[:, None]
    return np.maximum(conv2d(image, bank, bias, 1, padding), 0.0)


def pool2d(feature_map: np.ndarray, size: int, stride: int, mode: str = "max") -> np.ndarray:
    """Max or average pooling of (H,W) or (C,H,W), no padding, windows that fit (floor)."""
    x = _as_chw(feature_map)
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]
    if mode == "max":
        out = windows.max(axis=(-2, -1))
    elif mode == "average":
        out = windows.mean(axis=(-2, -1))
    else:
        raise ValueError(f"unknown pooling mode {mode!r}")
    return out if np.ndim(feature_map) == 3 else out[0]


def max_pool_kept_fraction(feature_map: np.ndarray, size: int, stride: int) -> float:
    """The share of a (H,W) map's activations that are the maximum of at least one window
    (the rest are discarded by max pooling: nothing downstream ever sees them)."""
    x = np.asarray(feature_map, dtype=np.float64)
    h, w = x.shape
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size))[::stride, ::stride]
    ho, wo = windows.shape[:2]
    flat = windows.reshape(ho, wo, size * size).argmax(axis=-1)
    rows = np.arange(ho)[:, None] * stride + flat // size
    cols = np.arange(wo)[None, :] * stride + flat % size
    kept = np.unique(rows * w + cols).size
    return kept / (h * w)


# ---- output size -----------------------------------------------------------------------


@dataclass(frozen=True)
class OutputSize:
    width: int  # the input width W
    filter_size: int  # F
    stride: int  # S
    padding: int  # P
    exact: Fraction  # (W - F + 2P) / S + 1, as an exact fraction
    size: int  # what frameworks produce: floor, at least 0

    @property
    def fits(self) -> bool:
        """True when the filter tiles the padded input exactly (a whole number)."""
        return self.exact.denominator == 1 and self.size >= 1

    @property
    def valid(self) -> bool:
        """False when the filter is wider than the padded input: no output at all."""
        return self.width + 2 * self.padding >= self.filter_size

    @property
    def unused_columns(self) -> int:
        """Columns of the padded input at the right edge that no window reaches."""
        if not self.valid:
            return 0
        return (self.width + 2 * self.padding - self.filter_size) % self.stride


def output_size(width: int, filter_size: int, stride: int, padding: int) -> OutputSize:
    """Output width of a conv layer: (W - F + 2P)/S + 1, exact and as frameworks floor it."""
    if stride < 1 or filter_size < 1 or width < 1 or padding < 0:
        raise ValueError("need W >= 1, F >= 1, S >= 1, P >= 0")
    exact = Fraction(width - filter_size + 2 * padding, stride) + 1
    valid = width + 2 * padding >= filter_size
    size = (width - filter_size + 2 * padding) // stride + 1 if valid else 0
    return OutputSize(width, filter_size, stride, padding, exact, size)


def conv_parameters(filter_size: int, depth_in: int, filters: int) -> int:
    """Weights and biases of a conv layer: (F*F*D_in + 1) * K."""
    return (filter_size * filter_size * depth_in + 1) * filters


def dense_parameters(inputs: int, outputs: int) -> int:
    """Weights and biases of a fully connected layer between the same two volumes."""
    return (inputs + 1) * outputs


# ---- the neuron picture ----------------------------------------------------------------


@dataclass(frozen=True)
class Neuron:
    row: int
    col: int
    top: int  # where the patch starts in the UNPADDED input (may be negative: padding)
    left: int
    patch: np.ndarray  # (C,F,F) input values under the kernel (zeros where padding)
    kernel: np.ndarray  # (C,F,F)
    products: np.ndarray  # patch * kernel
    bias: float

    @property
    def total(self) -> float:
        return float(self.products.sum() + self.bias)

    def reaches_padding(self, height: int, width: int) -> bool:
        """Whether part of the patch lies outside the height x width input, in the zeros
        of the padding."""
        f_rows, f_cols = self.patch.shape[-2:]
        return (self.top < 0 or self.left < 0 or self.top + f_rows > height
                or self.left + f_cols > width)


def neuron(image: np.ndarray, kernel: np.ndarray, row: int, col: int, bias: float = 0.0,
           stride: int = 1, padding: int = 0) -> Neuron:
    """One output pixel taken apart: the patch, the kernel, their products and the sum."""
    x = _as_chw(image)
    w = _as_kcff(kernel, x.shape[0])[0]
    f = w.shape[-1]
    padded = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    r0, c0 = row * stride, col * stride
    patch = padded[:, r0:r0 + f, c0:c0 + f]
    if patch.shape[1:] != (f, f):
        raise ValueError("that output position is outside the output")
    return Neuron(row, col, r0 - padding, c0 - padding, patch.copy(), w.copy(), patch * w,
                  float(bias))


# ---- kernels ---------------------------------------------------------------------------


def _gaussian(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    r = np.arange(size) - size // 2
    g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()


KERNELS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], float),
    "box blur": np.full((3, 3), 1 / 9),
    "Gaussian blur": _gaussian(5, 1.0),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], float),
    "outline": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], float),
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], float),
    "Sobel top": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], float),
    "Sobel bottom": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], float),
    "Sobel left": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], float),
    "Sobel right": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float),
}

# The hand-made kernels set beside the tiny CNN's learned filters on the page.
HAND_MADE = ("Sobel top", "Sobel bottom", "Sobel left", "Sobel right", "outline", "sharpen",
             "box blur", "identity")


def kernel_bank(names) -> np.ndarray:
    """Named kernels of one size stacked into one (K, F, F) bank."""
    return np.stack([KERNELS[name] for name in names])


KERNEL_NOTES: dict[str, str] = {
    "identity": "a single 1 in the centre: each output pixel copies the pixel under it.",
    "box blur": "nine equal weights of 1/9: each output is the average of its 3×3 patch.",
    "Gaussian blur": "a 5×5 bell of weights summing to 1: a softer average that favours "
                     "the centre.",
    "sharpen": "the centre counts 5 times, its four neighbours are subtracted: "
               "differences from the neighbours grow.",
    "outline": "8 times the centre minus all 8 neighbours: zero on flat areas, large "
               "where brightness changes.",
    "emboss": "negative weights top-left, positive bottom-right: a bright shape gets a "
              "bright top-left rim and a dark bottom-right rim, as if lit from the top left.",
    "Sobel top": "rows above minus rows below: bright where the image gets darker going "
                 "down.",
    "Sobel bottom": "rows below minus rows above: bright where the image gets brighter "
                    "going down.",
    "Sobel left": "left columns minus right ones: bright where the image gets darker "
                  "going right.",
    "Sobel right": "right columns minus left ones: bright where the image gets brighter "
                   "going right.",
}

CUSTOM_DEFAULT = "0 -1 0\n-1 5 -1\n0 -1 0"
CUSTOM_SIZES = (3, 5)
# The largest weight a custom kernel may hold: with it, a 5x5 kernel on 0..255 pixels
# reaches at most 25 * 255 * 1,000 = 6.4 million, far from a float's limits, so every
# output, sum and picture of it is a finite number.
CUSTOM_MAX = 1000


class KernelTextError(ValueError):
    """The custom kernel text cannot be read; the message says why, in plain words.
    `typed`: the entry at fault as typed (cut to 20 characters), or None; it is a
    stranger's text: escape it before it reaches markdown."""

    def __init__(self, message: str, typed: str | None = None) -> None:
        super().__init__(message)
        self.typed = typed


def parse_kernel(text: str) -> np.ndarray:
    """A square kernel typed as rows of numbers (spaces or commas; a/b fractions); 3x3 or
    5x5, each entry between -CUSTOM_MAX and CUSTOM_MAX."""
    rows = [line.replace(",", " ").split() for line in text.strip().splitlines()
            if line.strip()]
    if not rows:
        raise KernelTextError("The custom kernel is empty.")
    values = []
    for r, cells in enumerate(rows, start=1):
        row = []
        for c, cell in enumerate(cells, start=1):
            try:
                number = float(Fraction(cell)) if "/" in cell else float(cell)
            except (ValueError, ZeroDivisionError):
                raise KernelTextError(f"Row {r}, entry {c} is not a number.",
                                      typed=cell[:20]) from None
            except OverflowError:  # float(Fraction(10**400, 1)): too large for a float
                number = float("inf")
            if not np.isfinite(number) or abs(number) > CUSTOM_MAX:
                raise KernelTextError(
                    f"Row {r}, entry {c} is not a number between −{CUSTOM_MAX:,} and "
                    f"{CUSTOM_MAX:,}.")
            row.append(number)
        values.append(row)
    n = len(values)
    if n not in CUSTOM_SIZES or any(len(row) != n for row in values):
        shape = " / ".join(str(len(row)) for row in values)
        raise KernelTextError(
            f"The custom kernel must be 3×3 or 5×5; it has {n} rows of {shape} entries.")
    return np.array(values, dtype=np.float64)


def kernel_text(kernel: np.ndarray) -> str:
    """A kernel as text the parser reads back (for seeding the custom grid)."""
    return "\n".join(" ".join(f"{v:g}" for v in row) for row in np.asarray(kernel))


# ---- images ----------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_UPLOAD_PIXELS = 40_000_000  # refuse before decoding: a small file can claim huge size
DISPLAY_MAX_SIDE = 320  # larger images are downscaled: kernels then show their effect


class ImageError(ValueError):
    """An uploaded file that is not a usable image; the message says why."""


def downscale(image: np.ndarray, max_side: int = DISPLAY_MAX_SIDE) -> np.ndarray:
    """Shrink so the longer side is at most max_side (area average), keep channels."""
    from PIL import Image

    h, w = image.shape[-2:]
    if max(h, w) <= max_side:
        return image
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))

    def resize(channel):
        pil = Image.fromarray(channel.astype(np.float32), mode="F")
        return np.asarray(pil.resize(size, Image.Resampling.BOX), dtype=np.float64)

    if image.ndim == 2:
        return resize(image)
    return np.stack([resize(c) for c in image])


# Square tiles of about this many source pixels a side are converted at a time, so the
# memory a conversion needs does not grow with the image.
_TILE = 1024


def _paper_rgb(tile):
    """A PIL image of any mode as 8-bit RGB, transparency flattened onto white paper."""
    from PIL import Image

    if tile.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
            tile.mode == "P" and "transparency" in tile.info):
        rgba = tile.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return tile.convert("RGB")


def _reduced_rgb(img, max_side: int) -> np.ndarray:
    """A loaded PIL image as float RGB (H', W', 3), shrunk by a whole factor k (the mean of
    each k x k block) so its longer side is between max_side and 2 * max_side.

    Why in tiles: converting a whole 40-megapixel image to RGB, let alone to float64,
    costs hundreds of MB for one upload (a 15 KB one-bit PNG of 6300 x 6300 pixels cost
    1.3 GB this way); each tile is converted and shrunk on its own, and the tiles start
    at multiples of k, so the blocks are exactly those of shrinking the whole image."""
    width, height = img.size
    k = max(1, max(width, height) // max_side)
    step = k * max(1, _TILE // k)
    rows = []
    for top in range(0, height, step):
        row = []
        for left in range(0, width, step):
            tile = img.crop((left, top, min(left + step, width), min(top + step, height)))
            rgb = _paper_rgb(tile)
            if k > 1:
                rgb = rgb.reduce(k)
            row.append(np.asarray(rgb, dtype=np.uint8))
        rows.append(np.concatenate(row, axis=1))
    return np.concatenate(rows, axis=0).astype(np.float64)


def load_upload(data: bytes, colour: bool = False) -> np.ndarray:
    """Decode uploaded bytes as an image (never trusting the name), cap size, downscale.

    Returns (H,W) grey or (3,H,W) colour, values 0..255, the longer side at most
    DISPLAY_MAX_SIDE. Transparent parts count as white paper. The image is shrunk before
    it becomes floating point numbers (see _reduced_rgb): one upload costs tens of MB at
    most beyond the decoded file itself.
    """
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(f"The file is {len(data) / 1e6:.1f} MB; the limit is "
                         f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            w, h = probe.size
            if w * h > MAX_UPLOAD_PIXELS:
                raise ImageError(f"The image is {w}×{h} pixels; the limit is "
                                 f"{MAX_UPLOAD_PIXELS / 1e6:.0f} million pixels.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            # JPEG: decode at a reduced scale (1/2, 1/4, 1/8) that is still larger than
            # what the page shows; other formats ignore this.
            img.draft("RGB", (DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
            img.load()
            rgb = _reduced_rgb(img, DISPLAY_MAX_SIDE)
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise ImageError("The file could not be read as a PNG, JPEG or other image; it "
                         "may be corrupt or not an image at all.") from None
    chw = np.moveaxis(rgb, -1, 0)
    image = chw if colour else grey(chw)
    return np.rint(downscale(image))


def grey(rgb_chw: np.ndarray) -> np.ndarray:
    """Luminance of a (3,H,W) image (ITU-R 601 weights)."""
    return np.tensordot(np.array([0.299, 0.587, 0.114]), rgb_chw, axes=1)


def sample_photo(name: str, colour: bool) -> np.ndarray:
    """One of scikit-learn's two photos ('china' or 'flower'), downscaled."""
    from sklearn.datasets import load_sample_images

    data = load_sample_images()
    index = {"china": 0, "flower": 1}[name]
    chw = np.moveaxis(np.asarray(data.images[index], dtype=np.float64), -1, 0)
    # Whole numbers 0..255, as in an 8-bit image file: the neuron picture's products
    # then read as whole numbers for whole-number kernels.
    return np.rint(downscale(chw if colour else grey(chw)))


def checkerboard(size: int = 48, square: int = 8) -> np.ndarray:
    idx = np.arange(size) // square
    return ((idx[:, None] + idx[None, :]) % 2) * 255.0


def step_edge(size: int = 48) -> np.ndarray:
    """Dark left half, bright right half, and a dark-to-bright step down the middle row."""
    img = np.zeros((size, size))
    img[:, size // 2:] = 200.0
    img[size // 2:, : size // 2] = 60.0
    return img


# ---- showing numbers as pixels ---------------------------------------------------------

DISPLAY_MODES = ("clip to 0–255", "stretch min…max to 0–255", "absolute value, clipped")


def to_display(values: np.ndarray, mode: str) -> np.ndarray:
    """Map any real numbers to 0..255 uint8 for a screen, the way `mode` says."""
    v = np.asarray(values, dtype=np.float64)
    if mode == DISPLAY_MODES[0]:
        out = np.clip(v, 0, 255)
    elif mode == DISPLAY_MODES[1]:
        lo, hi = float(v.min()), float(v.max())
        out = (v - lo) * (255.0 / (hi - lo)) if hi > lo else np.full_like(v, 128.0)
    elif mode == DISPLAY_MODES[2]:
        out = np.clip(np.abs(v), 0, 255)
    else:
        raise ValueError(mode)
    return np.rint(out).astype(np.uint8)


def to_rgb_pixels(chw_or_hw: np.ndarray) -> np.ndarray:
    """uint8 (H,W) or (C,H,W) -> (H,W,3) for st.image."""
    a = np.asarray(chw_or_hw)
    if a.ndim == 2:
        return np.repeat(a[..., None], 3, axis=-1)
    if a.shape[0] == 1:
        return np.repeat(a[0][..., None], 3, axis=-1)
    return np.moveaxis(a[:3], 0, -1)


def enlarge(pixels: np.ndarray, target: int = 320) -> np.ndarray:
    """Nearest-neighbour upscaling by a whole factor so tiny images show as crisp blocks."""
    h, w = pixels.shape[:2]
    factor = max(1, target // max(h, w))
    return np.repeat(np.repeat(pixels, factor, axis=0), factor, axis=1)


def mark_box(pixels: np.ndarray, top: int, left: int, size: int,
             colour=(230, 159, 0)) -> np.ndarray:
    """Draw a 1-pixel frame (clipped to the image) around a size x size box on (H,W,3)."""
    out = pixels.copy()
    h, w = out.shape[:2]
    t, b = top - 1, top + size
    lft, rgt = left - 1, left + size
    rows = slice(max(t, 0), min(b, h - 1) + 1)
    cols = slice(max(lft, 0), min(rgt, w - 1) + 1)
    for r in (t, b):
        if 0 <= r < h:
            out[r, cols] = colour
    for c in (lft, rgt):
        if 0 <= c < w:
            out[rows, c] = colour
    return out


def png_bytes(pixels: np.ndarray) -> bytes:
    """(H, W, 3) uint8 pixels as a PNG file."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), mode="RGB").save(
        buffer, format="PNG")
    return buffer.getvalue()


def pixels_digest(pixels: np.ndarray) -> str:
    """A short key for an array's shape, type and values (to cache what is drawn from it)."""
    import hashlib

    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{pixels.shape}{pixels.dtype}".encode())
    digest.update(np.ascontiguousarray(pixels).tobytes())
    return digest.hexdigest()


def framed(pixels: np.ndarray, top: int, left: int, size: int, target: int = 640,
           thickness: int = 2, colour=(230, 159, 0)) -> np.ndarray:
    """Enlarge (H,W,3) pixels to about `target` wide, then frame the size x size box at
    (top, left) in original pixel units, drawn just outside the box so it hides nothing.
    Short crosshair ticks at the image edges point at the box: on a 320-pixel photo a
    3x3 frame alone is hard to spot."""
    h, w = pixels.shape[:2]
    factor = max(1, target // max(h, w))
    out = np.repeat(np.repeat(pixels, factor, axis=0), factor, axis=1)
    big_h, big_w = out.shape[:2]
    for t in range(thickness):
        out = mark_box(out, top * factor - t, left * factor - t, size * factor + 2 * t,
                       colour)
    tick = max(8, big_w // 25)
    r0, r1 = max(top * factor, 0), min((top + size) * factor, big_h)
    c0, c1 = max(left * factor, 0), min((left + size) * factor, big_w)
    mid_r, mid_c = (r0 + r1) // 2, (c0 + c1) // 2
    half = max(1, thickness // 2 + 1)
    if r1 > r0:
        out[max(mid_r - half, 0):mid_r + half, :tick] = colour
        out[max(mid_r - half, 0):mid_r + half, big_w - tick:] = colour
    if c1 > c0:
        out[:tick, max(mid_c - half, 0):mid_c + half] = colour
        out[big_h - tick:, max(mid_c - half, 0):mid_c + half] = colour
    return out
