"""The convolution page's tiny CNN: the small CNN trained on MNIST's 28x28 digits, the
history of its first layer during training, a digit followed through every layer, and the
pictures the page draws of feature maps.

- The network and its weights are explorer.mnist_models' (explorer/data/mnist_cnn.npz):
  conv 3x3 (1 -> 8, padding 1) -> ReLU -> 2x2 max pool -> conv 3x3 (8 -> 16, padding 1)
  -> ReLU -> 2x2 max pool -> flatten (784) -> linear (784 -> 10) -> softmax, trained by
  tools/train_mnist_models.py on the 8,000 training digits of explorer.mnist's fixed split.
- Its history (explorer/data/mnist_cnn_history.npz, written by the same run of the same
  tool): the first conv layer's weights and biases at 40 moments of training, from the
  random start to the last step, with the whole network's held-out accuracy and loss at
  each. The last frame is the shipped conv layer.

Pure numpy: no torch, no streamlit.
"""

from __future__ import annotations

import base64
import functools
import io
from dataclasses import dataclass

import numpy as np

from explorer import convolution as cv
from explorer import heat_images, mnist
from explorer import mnist_models as mm

HISTORY_FILE = mnist.DATA_DIR / "mnist_cnn_history.npz"
HISTORY_KEYS = ("steps", "steps_per_epoch", "conv1_weight", "conv1_bias",
                "held_out_accuracy", "held_out_loss")
FILTERS = mm.CNN_CHANNELS[0]


# ---- the trained network and its history ---------------------------------------------


@dataclass(frozen=True)
class History:
    steps: np.ndarray  # (F,) optimizer steps at which the frames were taken; 0 = random start
    steps_per_epoch: int
    conv1_weight: np.ndarray  # (F, 8, 1, 3, 3)
    conv1_bias: np.ndarray  # (F, 8)
    held_out_accuracy: np.ndarray  # (F,) the whole network's, on the 2,000 held-out digits
    held_out_loss: np.ndarray  # (F,) mean cross-entropy on them

    @property
    def frames(self) -> int:
        return len(self.steps)

    @property
    def epochs(self) -> np.ndarray:
        return self.steps / self.steps_per_epoch


@functools.cache
def load_history() -> History:
    """The shipped training history (read-only arrays, read once)."""
    with np.load(HISTORY_FILE, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in HISTORY_KEYS}
    for a in arrays.values():
        a.flags.writeable = False
    # One number, stored as a 1-element array (npz_bytes writes arrays of at least 1-D).
    arrays["steps_per_epoch"] = int(arrays["steps_per_epoch"].reshape(-1)[0])
    return History(**arrays)


def held_out_digit(index: int) -> tuple[np.ndarray, int]:
    """Held-out digit number `index` (0..1999): uint8 (28, 28) ink, and its label."""
    images, labels = mnist.held_out_data()
    return images[index], int(labels[index])


def first_layer_maps(weight: np.ndarray, bias: np.ndarray, image_01: np.ndarray) -> np.ndarray:
    """A first conv layer (K, 1, 3, 3) + (K,) on one 28x28 image (0..1), then ReLU:
    the (K, 28, 28) feature maps it passes on."""
    x = np.asarray(image_01, dtype=np.float64)[None, None]
    return np.maximum(mm.conv2d_same(x, weight, bias)[0], 0.0)


def history_maps(history: History, image_01: np.ndarray) -> np.ndarray:
    """The first layer's maps (after ReLU) for one image at every frame: (F, K, 28, 28)."""
    return np.stack([first_layer_maps(w, b, image_01)
                     for w, b in zip(history.conv1_weight, history.conv1_bias, strict=True)])


# Plain words for each stage of explorer.mnist_models.cnn_stages, and how its values are
# coloured: "ink" (the input: 0 black, 1 white), "signed" (blue negative, orange positive),
# "positive" (0 dark to the largest value bright).
STAGE_WORDS: dict[str, tuple[str, str]] = {
    "input": ("The digit, 28×28 numbers from 0 (paper) to 1 (ink).", "ink"),
    "conv1": ("Each of the 8 filters slid over the digit: 8 maps, each 28×28 (padding 1 "
              "keeps the size). Orange where the filter's pattern is present, blue where its "
              "opposite is.", "signed"),
    "relu1": ("ReLU sets every negative number to 0: only the places where a filter's "
              "pattern is present stay.", "positive"),
    "pool1": ("2×2 max pooling keeps the largest number of each 2×2 block: half the width "
              "and height, a quarter of the numbers.", "positive"),
    "conv2": ("16 filters, each 3×3×8: each reads all 8 maps of the layer before and adds "
              "them up, so it can combine the first layer's strokes.", "signed"),
    "relu2": ("ReLU again.", "positive"),
    "pool2": ("Max pooling again: 16 maps of 7×7.", "positive"),
    "flatten": ("The 16 maps laid end to end as one list of 784 numbers, the input of the "
                "dense layer; drawn 49 to a row, one row per map.", "positive"),
    "dense": ("The dense layer: 10 scores (logits), each a weighted sum of all 784 numbers "
              "plus a bias. The largest wins.", "signed"),
    "softmax": ("Softmax turns the 10 scores into probabilities that add up to 1.",
                "positive"),
}


def percent(p: float) -> str:
    """A probability as a percentage that never rounds up to a certainty: 0.99996 is
    "more than 99.9%", not "100.0%"."""
    if p > 0.999:
        return "more than 99.9%"
    if 0 < p < 0.001:
        return "less than 0.1%"
    return f"{p:.1%}"


def shape_text(shape: tuple[int, ...]) -> str:
    return " × ".join(str(int(d)) for d in shape)


# ---- colours ---------------------------------------------------------------------------

def colour(values: np.ndarray, kind: str, bound: float) -> np.ndarray:
    """Numbers -> uint8 RGB (..., 3): kind 'ink' grey (0 black, bound white), 'positive'
    viridis (0 .. bound), 'signed' blue-orange (-bound .. bound, 0 light grey); Vega's own
    schemes, so a picture and a chart of the same numbers match."""
    v = np.asarray(values, dtype=np.float64)
    bound = float(bound) if np.isfinite(bound) and bound > 0 else 1.0
    if kind == "ink":
        g = np.clip(v / bound, 0.0, 1.0) * 255.0
        return np.repeat(np.rint(g)[..., None], 3, axis=-1).astype(np.uint8)
    if kind == "positive":
        return heat_images.interpolate("viridis", v / bound)
    if kind == "signed":
        return heat_images.interpolate("blueorange", (v / bound + 1.0) / 2.0)
    raise ValueError(f"unknown colouring {kind!r}")


def bound_of(values: np.ndarray, kind: str) -> float:
    """The number drawn at full strength: the largest |value| (signed) or value."""
    v = np.asarray(values, dtype=np.float64)
    top = float(np.max(np.abs(v))) if kind == "signed" else float(np.max(v, initial=0.0))
    return top if top > 0 else 1.0


def tile(maps: np.ndarray, kind: str, *, columns: int = 8, scale: int = 4, gap: int = 6,
         bound: float | None = None, background: int = 255) -> np.ndarray:
    """K maps (K, H, W) as one uint8 RGB picture: `columns` maps a row, each enlarged
    `scale` times with hard pixel edges, `gap` pixels of white between them, all on one
    colour scale (bound: full strength; default the largest value)."""
    m = np.asarray(maps, dtype=np.float64)
    if m.ndim == 2:
        m = m[None]
    k, h, w = m.shape
    bound = bound_of(m, kind) if bound is None else bound
    columns = max(1, min(columns, k))
    rows = -(-k // columns)
    cell_h, cell_w = h * scale, w * scale
    out = np.full((rows * cell_h + (rows - 1) * gap, columns * cell_w + (columns - 1) * gap, 3),
                  background, dtype=np.uint8)
    pixels = colour(m, kind, bound)
    for index in range(k):
        r, c = divmod(index, columns)
        big = np.repeat(np.repeat(pixels[index], scale, axis=0), scale, axis=1)
        top, left = r * (cell_h + gap), c * (cell_w + gap)
        out[top:top + cell_h, left:left + cell_w] = big
    return out


def png_bytes(rgb: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rgb, dtype=np.uint8), mode="RGB").save(buffer, "PNG",
                                                                      optimize=True)
    return buffer.getvalue()


MAP_LEVELS = 32  # shades of a feature map in the training replay


def map_data_url(values: np.ndarray, bound: float, levels: int = MAP_LEVELS) -> str:
    """A non-negative map (H, W) as a data: URL of a palette PNG: `levels` viridis shades
    from 0 to `bound` (half the bytes of a full-colour PNG, for 320 pictures a chart)."""
    from PIL import Image

    bound = float(bound) if np.isfinite(bound) and bound > 0 else 1.0
    index = np.clip(np.rint(np.asarray(values, dtype=np.float64) / bound * (levels - 1)),
                    0, levels - 1).astype(np.uint8)
    picture = Image.fromarray(index, mode="P")
    picture.putpalette(colour(np.linspace(0.0, 1.0, levels), "positive", 1.0)
                       .reshape(-1).tolist())
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ---- what the learned filters look like ------------------------------------------------


def most_like(filters: np.ndarray, references: dict[str, np.ndarray]) -> list[tuple[str, float]]:
    """For each 3x3 filter (K, 3, 3), the reference kernel it resembles most and how much:
    the cosine similarity of the two after removing each one's mean (the mean only
    shifts the map's brightness), from -1 to 1."""
    def centred(w):
        w = np.asarray(w, dtype=np.float64).reshape(-1)
        w = w - w.mean()
        norm = np.linalg.norm(w)
        return w / norm if norm > 0 else w

    refs = {name: centred(k) for name, k in references.items()}
    out = []
    for f in np.asarray(filters, dtype=np.float64):
        scores = {name: float(centred(f) @ r) for name, r in refs.items()}
        best = max(scores, key=scores.get)
        out.append((best, scores[best]))
    return out


# ---- a picture of a digit, prepared like MNIST ------------------------------------------


def ink_of(grey: np.ndarray) -> np.ndarray:
    """A grey picture (0 black .. 255 white) as ink (0 paper .. 255 ink), the way MNIST
    stores digits: the paper is the picture's border (its median shade); ink is how far a
    pixel is from it, towards dark on light paper (a pen on paper) or towards light on
    dark paper (MNIST's own look), stretched so the strongest ink is 255. A picture all
    of one shade has no ink."""
    g = np.clip(np.asarray(grey, dtype=np.float64), 0, 255)
    paper = float(np.median(np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])))
    ink = np.clip(paper - g if paper >= 128 else g - paper, 0, None)
    top = float(ink.max())
    if top > 0:
        ink = ink * (255.0 / top)
    return np.rint(ink).astype(np.uint8)


def digit_from_picture(grey: np.ndarray) -> mnist.Prepared | None:
    """A picture of one digit as the network's 28x28 input, made the way MNIST's digits
    were (explorer.mnist.prepare_drawing); None when there is no ink in it."""
    return mnist.prepare_drawing(ink_of(grey))


SOBEL_EDGES = {"Sobel top": "horizontal", "Sobel bottom": "horizontal",
               "Sobel left": "vertical", "Sobel right": "vertical"}
CLOSE = 0.8  # a similarity (see most_like) at least this high counts as "close"


def edge_sentence(trained: np.ndarray, start: np.ndarray) -> str:
    """Which learned 3x3 filters (K, 3, 3) are close to a Sobel kernel, computed, with the
    random start's best match (start, (K, 3, 3)) for comparison: chance alone makes a
    random 3x3 filter look somewhat like some Sobel kernel."""
    refs = {name: cv.KERNELS[name] for name in SOBEL_EDGES}
    now = most_like(trained, refs)
    best_start = max(score for _, score in most_like(start, refs))
    close = [(k + 1, name, score) for k, (name, score) in enumerate(now) if score >= CLOSE]
    before = (f"At the random start the closest any filter came to a Sobel kernel was "
              f"{best_start:.2f}.")
    if not close:
        k, (name, score) = max(enumerate(now), key=lambda item: item[1][1])
        return (f"None of the learned filters is close to a Sobel kernel: the closest is "
                f"filter {k + 1}, like {name} at {score:.2f} (1 is the same pattern, 0 "
                f"unrelated). {before}")
    listing = "; ".join(f"filter {k} is like **{name}** ({score:.2f}): a "
                        f"{SOBEL_EDGES[name]} edge detector" for k, name, score in close)
    return (f"Some learned filters turned into edge detectors: {listing}. (The number is "
            f"how alike the two patterns are: 1 the same, 0 unrelated, ignoring the "
            f"average weight.) {before}")
