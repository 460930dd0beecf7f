"""Check-yourself questions for the pixels page: each variant is drawn from a seed and
answered by this page's own functions (explorer.pixels, pixels_model, mnist_models)."""

from __future__ import annotations

import functools

import numpy as np

from explorer import mnist, pixels
from explorer import mnist_models as mm
from explorer import pixels_model as pm
from explorer.quiz import Question, format_number

DIGITS = tuple(str(d) for d in range(10))
L2 = next(iter(pm.DISTANCES))


def flat_position(rng: np.random.Generator) -> Question:
    """Where pixel (r, c) of a 28x28 image lands in the flattened vector."""
    size = 28
    row, col = (int(v) for v in rng.integers(0, size, 2))
    answer = pixels.flat_index(row, col, size)
    return Question(
        prompt=(f"A {size}×{size} image is flattened into one vector of {size * size} numbers "
                f"(row 0 first, then row 1, …), counting positions from 0. At which position "
                f"does the pixel in **row {row}, column {col}** land?"),
        answer=answer, given={"row": row, "column": col, "size": size},
        explanation=(f"The {row} full rows before it hold {row} × {size} = {row * size} "
                     f"numbers, then come {col} more in its own row: {row} × {size} + {col} "
                     f"= {answer}."))


def inverted_value(rng: np.random.Generator) -> Question:
    """A pixel's value after the colours are inverted."""
    value = int(rng.integers(0, 256))
    answer = int(pixels.perturb(np.array([[value]], dtype=np.uint8), invert=True)[0, 0])
    return Question(
        prompt=(f"A pixel holds **{value}** on the raw 0–255 scale (0 = paper, 255 = full "
                "ink). What does it hold after *Invert colours*?"),
        answer=answer, given={"value": value},
        explanation=(f"Inverting maps v to 255 − v: 255 − {value} = {answer}. Paper becomes "
                     "full ink and ink becomes paper; every number changes."))


@functools.cache
def _ten_class_baseline() -> tuple[pm.SourceModel, pm.Baseline]:
    model = pm.mnist_model(28)
    return model, pm.baseline(model, tuple(range(10)), L2)


def nearest_mean_choice(rng: np.random.Generator) -> Question:
    """Which digit the nearest-mean baseline picks, given the ten distances."""
    model, base = _ten_class_baseline()
    for _ in range(100):
        index = int(rng.choice(model.test))
        distances = base.distances(model.images[index] / 255.0)
        shown = np.round(distances, 4)
        if np.sum(shown == shown.min()) == 1:  # no tie at the shown precision
            break
    answer = base.predict(model.images[index] / 255.0)
    table = ", ".join(f"{d}: {v:.4f}" for d, v in enumerate(shown))
    far = int(np.argmax(distances))
    return Question(
        prompt=("The baseline compares a digit with the mean training image of each class "
                "(root mean square pixel difference). For one held-out MNIST digit the ten "
                f"distances are {table}. Which digit does the baseline predict?"),
        answer=str(answer), options=DIGITS,
        given={"index": index, "distances": shown.tolist()},
        explanation=(f"It picks the *nearest* mean, the smallest distance: {answer} at "
                     f"{shown[answer]:.4f}. The largest, {far} at {shown[far]:.4f}, is the "
                     "class it looks least like. (The digit is labelled "
                     f"{int(model.labels[index])}.)"))


def argmax_of_scores(rng: np.random.Generator) -> Question:
    """The prediction from ten raw outputs (logits)."""
    logits = np.round(rng.uniform(-4, 6, 10), 1)
    while np.sum(logits == logits.max()) > 1:
        logits = np.round(rng.uniform(-4, 6, 10), 1)
    probs = mm.softmax(logits)
    answer = int(np.argmax(probs))
    table = ", ".join(f"{d}: {v:g}" for d, v in enumerate(logits))
    return Question(
        prompt=("A network's ten outputs (logits), one per digit, are "
                f"{table}. Which digit does it predict?"),
        answer=str(answer), options=DIGITS, given={"logits": logits.tolist()},
        explanation=(f"Softmax keeps the order of the outputs, so the largest logit, "
                     f"{logits[answer]:g} for {answer}, also gets the largest probability "
                     f"({probs[answer]:.1%}). The prediction is that position: the argmax."))


def mlp_parameters(rng: np.random.Generator) -> Question:
    """How many numbers a two-layer network holds."""
    side = int(rng.choice(mnist.SIZES))
    inputs = side * side
    hidden = int(rng.choice([16, 32, 64, 100, 128, 256]))
    shapes = ((hidden, inputs), (hidden,), (10, hidden), (10,))
    answer = mm.MLPWeights(*(np.zeros(s) for s in shapes)).n_parameters
    return Question(
        prompt=(f"A network takes a {side}×{side} image as **{inputs} inputs**, has one hidden "
                f"layer of **{hidden} units** and **10 outputs** (every unit connected to "
                "every input of its layer, plus a bias per unit). How many parameters "
                "(weights and biases) does it have?"),
        answer=answer, given={"inputs": inputs, "hidden": hidden},
        explanation=(f"First layer: {inputs} × {hidden} weights + {hidden} biases = "
                     f"{format_number(inputs * hidden + hidden)}. Second layer: {hidden} × 10 "
                     f"+ 10 = {format_number(hidden * 10 + 10)}. In all: "
                     f"{format_number(answer)}."))


QUESTIONS = (flat_position, inverted_value, nearest_mean_choice, argmax_of_scores,
             mlp_parameters)
