"""A whole ConvNet written as a short text, and its arithmetic layer by layer.

Stanford's CS231n notes (Karpathy et al., "Convolutional Neural Networks for Visual
Recognition", section "ConvNet Architectures") write most ConvNets as one pattern:

    INPUT → [[CONV → RELU]*N → POOL?]*M → [FC → RELU]*K → FC

and walk through VGGNet layer by layer: each layer's output volume, the activations it
holds and its weights. This module does that walk for any network written in the pattern.

The text: stages separated by ";" (or new lines), layers inside a stage by "," (or
spaces). A stage is either convolutions with an optional pool at its end, or the fully
connected layers, which form the last stage. Layers:

    conv<F>-<K>   K filters of F×F (e.g. conv3-64); stride 1 and padding (F − 1)/2 rounded
                  down unless given: conv11-96/s4/p0; repeated: conv3-64x2
    pool<F>       F×F max pool with stride F unless given: pool3/s2
    fc<n>         a fully connected layer with n outputs; repeated: fc4096x2

A ReLU follows every conv and every fc but the last; it changes no shape and has no
parameters, so it gets no row of its own. The text is read with regular expressions, never
evaluated. Pure Python: no streamlit, no torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from explorer import convolution as cv

MAX_TEXT = 400  # characters of the text (the page's text area holds as many)
MAX_LAYERS = 64  # layers after repeats
BYTES_PER_NUMBER = 4  # float32
MIB = 1024 * 1024  # CS231n's notes divide bytes by 1024 twice for MB; so does this page

# Range of each number in the text, by what it is: (lowest, highest, what it is called).
LIMITS = {
    "F": (1, 99, "the filter size F"),
    "K": (1, 65_536, "the number of filters K"),
    "S": (1, 32, "the stride S"),
    "P": (0, 99, "the padding P"),
    "pool": (1, 99, "the pool window"),
    "n": (1, 1_000_000, "the number of outputs of a fully connected layer"),
    "x": (1, 32, "the repeat count after x"),
}

_NUM = r"(\d{1,12})"
_CONV = re.compile(rf"conv{_NUM}-{_NUM}(?:/?s{_NUM})?(?:/?p{_NUM})?(?:x{_NUM})?")
_POOL = re.compile(rf"(?:max)?pool{_NUM}(?:/?s{_NUM})?")
_FC = re.compile(rf"fc{_NUM}(?:x{_NUM})?")
_STAGES = re.compile(r"[;\n\r]+")
_TOKENS = re.compile(r"[,\s]+")

FORMS = ("a conv layer as conv, its filter size, a dash and its number of filters (conv3-64; "
         "stride and padding if needed: conv11-96/s4/p0; twice: conv3-64x2), a pool as pool "
         "and its window (pool2, pool3/s2) or a fully connected layer as fc and its outputs "
         "(fc4096)")


class ArchitectureTextError(ValueError):
    """Text that is not a network in the pattern: `reason`, and where, as `stage` and
    `entry` (1-based; 0 when the whole text is at fault). The message never repeats the
    text itself: it names the place."""

    def __init__(self, reason: str, stage: int = 0, entry: int = 0):
        self.reason, self.stage, self.entry = reason, stage, entry
        where = (f"Stage {stage}, entry {entry}: " if entry else
                 f"Stage {stage}: " if stage else "")
        super().__init__(where + reason if where else reason[0].upper() + reason[1:])


@dataclass(frozen=True)
class Layer:
    """One layer: kind 'conv', 'pool' or 'fc'; size is F for conv and pool, the number of
    outputs for fc; filters is K (conv only)."""

    kind: str
    size: int
    filters: int = 0
    stride: int = 1
    padding: int = 0
    stage: int = 1

    @property
    def name(self) -> str:
        """CS231n's way of naming it (CONV3-64, POOL2, FC4096), with S and P when they are
        not the usual ones."""
        if self.kind == "conv":
            extra = [f"S{self.stride}"] if self.stride != 1 else []
            if self.padding != (self.size - 1) // 2:
                extra.append(f"P{self.padding}")
            return f"CONV{self.size}-{self.filters}" + (f" ({', '.join(extra)})"
                                                         if extra else "")
        if self.kind == "pool":
            return f"POOL{self.size}" + (f" (S{self.stride})" if self.stride != self.size
                                         else "")
        return f"FC{self.size}"

    @property
    def token(self) -> str:
        """The layer written in the text form (one layer, no repeat)."""
        if self.kind == "conv":
            text = f"conv{self.size}-{self.filters}"
            if self.stride != 1:
                text += f"/s{self.stride}"
            if self.padding != (self.size - 1) // 2:
                text += f"/p{self.padding}"
            return text
        if self.kind == "pool":
            return f"pool{self.size}" + (f"/s{self.stride}" if self.stride != self.size
                                         else "")
        return f"fc{self.size}"


def _number(raw: str | None, what: str, default: int, stage: int, entry: int) -> int:
    if raw is None:
        return default
    lo, hi, words = LIMITS[what]
    value = int(raw)  # at most 12 digits (the pattern), never huge
    if not lo <= value <= hi:
        raise ArchitectureTextError(f"{words} must be from {lo:,} to {hi:,}, not {value:,}.",
                                    stage, entry)
    return value


def _read_token(token: str, stage: int, entry: int) -> list[Layer]:
    """One piece of text between commas -> its layers (several when repeated)."""
    plain = token.lower().replace("×", "x")
    if m := _CONV.fullmatch(plain):
        f = _number(m[1], "F", 0, stage, entry)
        layer = Layer("conv", f, _number(m[2], "K", 0, stage, entry),
                      _number(m[3], "S", 1, stage, entry),
                      _number(m[4], "P", (f - 1) // 2, stage, entry), stage)
        return [layer] * _number(m[5], "x", 1, stage, entry)
    if m := _POOL.fullmatch(plain):
        f = _number(m[1], "pool", 0, stage, entry)
        return [Layer("pool", f, 0, _number(m[2], "S", f, stage, entry), 0, stage)]
    if m := _FC.fullmatch(plain):
        layer = Layer("fc", _number(m[1], "n", 0, stage, entry), stage=stage)
        return [layer] * _number(m[2], "x", 1, stage, entry)
    raise ArchitectureTextError(f"this is not a layer the page knows. Write {FORMS}.",
                                stage, entry)


def parse(text: str) -> tuple[Layer, ...]:
    """The layers a text describes, in order; ArchitectureTextError when it is not a
    network in the pattern (the message says where and what to write instead)."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ArchitectureTextError(f"the text is longer than {MAX_TEXT} characters.")
    stages = [[t for t in _TOKENS.split(s) if t] for s in _STAGES.split(text)]
    stages = [s for s in stages if s]
    if not stages:
        raise ArchitectureTextError("the text has no layer. Write stages separated by “;”, "
                                    "e.g. conv3-16, pool2; fc10.")
    layers: list[Layer] = []
    for number, tokens in enumerate(stages, start=1):
        kinds: list[str] = []
        for entry, token in enumerate(tokens, start=1):
            read = _read_token(token, number, entry)
            kind = read[0].kind
            if layers and layers[-1].kind == "fc" and kind != "fc":
                raise ArchitectureTextError(
                    "it comes after the fully connected layers, which close the network "
                    "(… → [FC → RELU]*K → FC). Put convolutions and pools before them.",
                    number, entry)
            if kind == "fc" and kinds and kinds[0] != "fc":
                raise ArchitectureTextError(
                    "fully connected layers form the last stage on their own: put “;” "
                    "before the first of them.", number, entry)
            if "pool" in kinds:
                raise ArchitectureTextError(
                    "a pool ends its stage ([CONV → RELU]*N → POOL?), so nothing can follow "
                    "it in the same stage: put “;” after the pool.", number, entry)
            kinds.append(kind)
            layers += read
            if len(layers) > MAX_LAYERS:
                raise ArchitectureTextError(
                    f"the network has more than {MAX_LAYERS} layers; this page draws at most "
                    f"{MAX_LAYERS}.", number, entry)
    return tuple(layers)


def to_text(layers: tuple[Layer, ...] | list[Layer]) -> str:
    """The text form of some layers, repeats written with x: parse(to_text(l)) == l."""
    stages: list[list[str]] = []
    current, count, stage = None, 0, None
    pieces: list[tuple[int, str, int]] = []
    for layer in layers:
        if layer.token == current and layer.stage == stage and layer.kind != "pool":
            count += 1
            pieces[-1] = (stage, current, count)
        else:
            current, count, stage = layer.token, 1, layer.stage
            pieces.append((stage, current, count))
    last_stage = None
    for stage, token, count in pieces:
        if stage != last_stage:
            stages.append([])
            last_stage = stage
        stages[-1].append(token + (f"x{count}" if count > 1 else ""))
    return "; ".join(", ".join(s) for s in stages)


# ---- the walk through the network --------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of the walk: a layer (None for the input) and what comes out of it.

    shape: the output volume (height, width, depth), or None when an earlier layer left
    nothing to work on. arithmetic: how the output size follows from the input (words and
    numbers, no markup). status: 'fits', 'does not fit' (the stride leaves a remainder:
    rounded down, as frameworks do), 'no output' (the window is larger than its input) or
    'not computed' (an earlier layer had no output); detail: the arithmetic of why."""

    number: int
    layer: Layer | None
    name: str
    shape: tuple[int, int, int] | None
    weights: int = 0
    biases: int = 0
    arithmetic: str = ""
    weights_as: str = ""
    status: str = "fits"
    detail: str = ""

    @property
    def problem(self) -> str:
        """'' when the layer fits; otherwise its status and why, in one sentence."""
        return "" if self.status == "fits" else f"{self.status}: {self.detail}"

    @property
    def stage(self) -> int:
        return 0 if self.layer is None else self.layer.stage

    @property
    def kind(self) -> str:
        return "input" if self.layer is None else self.layer.kind

    @property
    def activations(self) -> int:
        if self.shape is None:
            return 0
        h, w, d = self.shape
        return h * w * d

    @property
    def parameters(self) -> int:
        return self.weights + self.biases

    @property
    def volume(self) -> str:
        return "—" if self.shape is None else "×".join(str(v) for v in self.shape)


@dataclass(frozen=True)
class Network:
    size: int
    depth: int
    rows: tuple[Row, ...]
    fc_as_conv: bool = False

    @property
    def layers(self) -> tuple[Row, ...]:
        """The rows of the layers (without the input)."""
        return self.rows[1:]

    @property
    def complete(self) -> bool:
        """Every layer has an output (none shrank the volume to nothing)."""
        return all(r.shape is not None for r in self.rows)

    @property
    def problems(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.problem)

    @property
    def weights(self) -> int:
        return sum(r.weights for r in self.rows)

    @property
    def biases(self) -> int:
        return sum(r.biases for r in self.rows)

    @property
    def parameters(self) -> int:
        return self.weights + self.biases

    @property
    def activations(self) -> int:
        """Numbers held for one image's forward pass, the input included (as CS231n counts
        them); the ReLUs work in place and add none."""
        return sum(r.activations for r in self.rows)

    @property
    def activation_mib(self) -> float:
        return self.activations * BYTES_PER_NUMBER / MIB

    def pattern(self) -> tuple[list[int], list[bool], int]:
        """(N of each conv stage, whether each conv stage ends in a pool, K): the numbers of
        INPUT → [[CONV → RELU]*N → POOL?]*M → [FC → RELU]*K → FC; M is len(N)."""
        convs: dict[int, int] = {}
        pools: dict[int, bool] = {}
        fcs = 0
        for row in self.layers:
            layer = row.layer
            if layer.kind == "fc":
                fcs += 1
                continue
            convs.setdefault(layer.stage, 0)
            pools.setdefault(layer.stage, False)
            if layer.kind == "conv":
                convs[layer.stage] += 1
            else:
                pools[layer.stage] = True
        stages = sorted(convs)
        return [convs[s] for s in stages], [pools[s] for s in stages], max(fcs - 1, 0)


def _fraction_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _sliding(layer: Layer, side: int, depth: int, number: int) -> Row:
    """A conv or pool layer on a side×side×depth volume."""
    f, s = layer.size, layer.stride
    p = layer.padding if layer.kind == "conv" else 0
    fit = cv.output_size(side, f, s, p)
    pad = f" + 2·{p}" if layer.kind == "conv" else ""
    formula = f"({side} − {f}{pad})/{s} + 1 = {_fraction_text(fit.exact)}"
    out_depth = layer.filters if layer.kind == "conv" else depth
    weights = f * f * depth * layer.filters if layer.kind == "conv" else 0
    biases = layer.filters if layer.kind == "conv" else 0
    weights_as = f"{f}·{f}·{depth} × {layer.filters}" if layer.kind == "conv" else ""
    what = "filter" if layer.kind == "conv" else "pool window"
    if not fit.valid or fit.size < 1:
        return Row(number, layer, layer.name, None, weights, biases, formula, weights_as,
                   "no output", f"the {f}×{f} {what} is larger than the "
                   f"{side + 2 * p}×{side + 2 * p} " + ("padded input" if p else "input")
                   + f" ({formula}, below 1).")
    if fit.fits:
        return Row(number, layer, layer.name, (fit.size, fit.size, out_depth), weights,
                   biases, formula, weights_as)
    unused = fit.unused_columns
    lost = "row and column are" if unused == 1 else f"{unused} rows and columns are"
    return Row(number, layer, layer.name, (fit.size, fit.size, out_depth), weights, biases,
               formula, weights_as, "does not fit",
               f"{formula} is not a whole number. The last {lost} never read; frameworks "
               f"round down to {fit.size}.")


def _dense(layer: Layer, side: int, depth: int, number: int, as_conv: bool) -> Row:
    inputs = side * side * depth
    weights, biases = inputs * layer.size, layer.size
    if as_conv:
        # CS231n: an FC layer looking at a side×side×depth volume is a CONV layer with
        # F = side, P = 0, S = 1 and K = its outputs; one position fits, so 1×1×K comes out.
        return Row(number, layer, f"CONV{side}-{layer.size} (was {layer.name})",
                   (1, 1, layer.size), weights, biases,
                   f"({side} − {side} + 2·0)/1 + 1 = 1",
                   f"{side}·{side}·{depth} × {layer.size:,}")
    flat = f"{side}·{side}·{depth} = {inputs:,}" if side > 1 else f"{inputs:,}"
    return Row(number, layer, layer.name, (1, 1, layer.size), weights, biases,
               f"{flat} inputs → {layer.size:,} outputs", f"{inputs:,} × {layer.size:,}")


def compose(layers: tuple[Layer, ...] | list[Layer], size: int, depth: int,
            fc_as_conv: bool = False) -> Network:
    """Walk a size×size×depth input through the layers.

    A conv or pool whose stride does not tile its input is flagged and continues with the
    rounded-down size, as PyTorch does; one with no position at all (its window larger than
    the padded input) is flagged and the rows after it are left uncomputed.
    fc_as_conv: write every FC layer as the CONV layer that computes the same thing."""
    if size < 1 or depth < 1:
        raise ValueError("the input needs a size and a depth of at least 1")
    rows = [Row(0, None, "INPUT", (size, size, depth),
                arithmetic=f"{size}×{size} pixels, {depth} "
                           + ("channel" if depth == 1 else "channels"))]
    shape: tuple[int, int, int] | None = (size, size, depth)
    for number, layer in enumerate(layers, start=1):
        if shape is None:
            rows.append(Row(number, layer, layer.name, None, status="not computed",
                            detail="an earlier layer has no output."))
            continue
        side, _, d = shape
        if layer.kind == "fc":
            row = _dense(layer, side, d, number, fc_as_conv)
        else:
            row = _sliding(layer, side, d, number)
        rows.append(row)
        shape = row.shape
    return Network(size, depth, tuple(rows), fc_as_conv)


def build(text: str, size: int, depth: int, fc_as_conv: bool = False) -> Network:
    """parse then compose (raises ArchitectureTextError for text that is not a network)."""
    return compose(parse(text), size, depth, fc_as_conv)


CHECK_MARKS = {"fits": "✓ fits", "does not fit": "⚠ rounded down",
               "no output": "✗ no output", "not computed": "✗ not computed"}


def table_rows(network: Network) -> list[dict]:
    """The walk as a table: one dict per row, numbers as numbers. The check column flags a
    layer whose output size is not a whole number (rounded down) or below 1, next to the
    arithmetic that shows it."""
    rows = []
    for r in network.rows:
        check = "" if r.layer is None else CHECK_MARKS[r.status]
        if r.status == "does not fit":
            check += f", {r.shape[0]}"
        rows.append({"#": r.number, "stage": "" if r.layer is None else f"{r.stage}",
                     "layer": r.name, "output volume": r.volume, "check": check,
                     "output size": r.arithmetic, "activations": r.activations,
                     "weights": r.weights, "biases": r.biases, "weights as": r.weights_as})
    return rows


# ---- the networks of the presets ---------------------------------------------------------

# A CIFAR-10-sized network in CS231n's example pattern
# INPUT → [CONV → RELU → CONV → RELU → POOL]×3 → [FC → RELU]×2 → FC.
DEFAULT_TEXT = "conv3-32x2, pool2; conv3-64x2, pool2; conv3-128x2, pool2; fc256x2, fc10"
DEFAULT_SIZE, DEFAULT_DEPTH = 32, 3
# Simonyan & Zisserman's configuration D, as CS231n's notes walk through it.
VGG16 = ("conv3-64x2, pool2; conv3-128x2, pool2; conv3-256x3, pool2; conv3-512x3, pool2; "
         "conv3-512x3, pool2; fc4096x2, fc1000")
# Krizhevsky, Sutskever & Hinton (2012) on one GPU (no grouped convolutions), 227×227×3.
ALEXNET = ("conv11-96/s4/p0, pool3/s2; conv5-256, pool3/s2; conv3-384x2, conv3-256, "
           "pool3/s2; fc4096x2, fc1000")
# LeCun et al. (1998) read 32×32 images; on 28×28 digits the first layer pads by 2 instead.
LENET5 = "conv5-6, pool2; conv5-16/p0, pool2; fc120, fc84, fc10"
