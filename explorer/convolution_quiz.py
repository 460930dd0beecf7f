"""Check-yourself questions for the convolution page: each variant is drawn from a seed and
answered by this page's own functions (explorer.convolution)."""

from __future__ import annotations

import numpy as np

from explorer import convolution as cv
from explorer.quiz import Question, format_number


def _term(value: float) -> str:
    text = format_number(float(value))
    return f"({text})" if value < 0 else text


def _matrix(values: np.ndarray) -> str:
    """A small matrix as a displayed formula (our own numbers). Not a fenced code block: the
    first code block on a page loads Streamlit's syntax highlighter, about 0.2 s of the
    browser's time when the page opens."""
    rows = [" & ".join(format_number(float(v)) for v in row) for row in np.asarray(values)]
    return "\n\n$$\n\\begin{bmatrix} " + r" \\ ".join(rows) + " \\end{bmatrix}\n$$\n"


def matrices_in(prompt: str) -> list[list[list[float]]]:
    """The matrices a prompt shows, read back as numbers (for tests)."""
    found = []
    for block in prompt.split("\\begin{bmatrix}")[1:]:
        body = block.split("\\end{bmatrix}")[0]
        found.append([[float(cell.replace("−", "-")) for cell in row.split("&")]
                      for row in body.split(r"\\")])
    return found


FITS, DOES_NOT_FIT = "it fits exactly", "it does not fit (rounded down)"


def output_size(rng: np.random.Generator) -> Question:
    """The output width for a random W, F, S, P, and whether the filter tiles the input."""
    while True:
        w = int(rng.integers(5, 65))
        f = int(rng.choice([3, 5, 7, 11]))
        s = int(rng.integers(1, 5))
        p = int(rng.integers(0, 4))
        size = cv.output_size(w, f, s, p)
        if size.valid and size.size >= 2:
            break
    verdict = FITS if size.fits else DOES_NOT_FIT
    # Both verdicts for the right width and for one more (rounding up instead of down).
    options = tuple(f"{n}, {words}" for n in (size.size, size.size + 1)
                    for words in (FITS, DOES_NOT_FIT))
    exact = size.exact
    exact_text = (str(exact.numerator) if exact.denominator == 1
                  else f"{exact.numerator}/{exact.denominator} ≈ {float(exact):.2f}")
    return Question(
        prompt=(f"A conv layer with filters of F = {f}, stride S = {s} and zero padding "
                f"P = {p} reads an input W = {w} pixels wide. How wide is its output, as "
                "PyTorch computes it, and does the filter tile the input exactly?"),
        answer=f"{size.size}, {verdict}", options=options,
        given={"W": w, "F": f, "S": s, "P": p},
        explanation=(f"(W − F + 2P)/S + 1 = ({w} − {f} + 2·{p})/{s} + 1 = {exact_text}. "
                     + ("A whole number: the filter tiles the padded input exactly."
                        if size.fits else
                        f"Not a whole number: frameworks round down to {size.size}, and the "
                        f"last {size.unused_columns} column(s) of the padded input "
                        f"({w + 2 * p} wide) are never read.")))


def conv_parameters(rng: np.random.Generator) -> Question:
    """The number of weights and biases of a conv layer."""
    f = int(rng.choice([1, 3, 5, 7]))
    d = int(rng.choice([1, 3, 8, 16, 32, 64]))
    k = int(rng.choice([4, 8, 16, 32, 64, 128]))
    count = cv.conv_parameters(f, d, k)
    return Question(
        prompt=(f"A conv layer has K = {k} filters of {f}×{f} and reads an input of depth "
                f"D = {d}, each filter with one bias. How many parameters (weights and "
                "biases) does it have?"),
        answer=float(count), given={"F": f, "D": d, "K": k},
        explanation=(f"Each filter is F·F·D = {f}·{f}·{d} = {f * f * d:,} weights plus one "
                     f"bias; {k} filters make ({f * f * d:,} + 1)·{k} = {count:,}. The "
                     "image's width and height do not enter: the same filters slide over "
                     "every position."))


def max_pool_value(rng: np.random.Generator) -> Question:
    """One output of 2x2 max pooling (stride 2) on a shown 4x4 matrix."""
    values = rng.integers(-9, 10, size=(4, 4)).astype(float)
    pooled = cv.pool2d(values, 2, 2, "max")
    r, c = (int(v) for v in rng.integers(0, 2, size=2))
    block = values[2 * r:2 * r + 2, 2 * c:2 * c + 2]
    where = {(0, 0): "top left", (0, 1): "top right", (1, 0): "bottom left",
             (1, 1): "bottom right"}[(r, c)]
    return Question(
        prompt=("Max pooling with a 2×2 window and stride 2 turns this 4×4 feature map "
                f"into a 2×2 one. What is the **{where}** number of the result?"
                + _matrix(values)),
        answer=float(pooled[r, c]), given={"values": values.tolist(), "row": r, "col": c},
        explanation=(f"The {where} output summarises rows {2 * r + 1}–{2 * r + 2} and "
                     f"columns {2 * c + 1}–{2 * c + 2}: "
                     f"{', '.join(format_number(float(v)) for v in block.reshape(-1))}. "
                     f"Their largest is {format_number(float(pooled[r, c]))}; the other "
                     "three are dropped."))


def kernel_output(rng: np.random.Generator) -> Question:
    """One output value of a 3x3 kernel (and a bias) on a shown 3x3 patch."""
    patch = rng.integers(0, 10, size=(3, 3)).astype(float)
    kernel = rng.integers(-2, 3, size=(3, 3)).astype(float)
    bias = float(rng.integers(-5, 6))
    unit = cv.neuron(patch, kernel, 0, 0, bias)
    products = " + ".join(f"{_term(p)}·{_term(w)}"
                          for p, w in zip(patch.reshape(-1), kernel.reshape(-1), strict=True))
    return Question(
        prompt=("A 3×3 kernel sits on a 3×3 patch of an image (no flipping, as conv layers "
                f"compute it), with bias b = {format_number(bias)}. What number comes out?"
                "\n\nPatch:" + _matrix(patch) + "\nKernel:" + _matrix(kernel)),
        answer=unit.total, given={"patch": patch.tolist(), "kernel": kernel.tolist(),
                                  "bias": bias},
        explanation=(f"Multiply each pixel by the weight on top of it and add up: {products} "
                     f"= {format_number(float(unit.products.sum()))}; plus the bias "
                     f"{format_number(bias)} gives {format_number(unit.total)}."))


QUESTIONS = (output_size, conv_parameters, max_pool_value, kernel_output)
