"""Check-yourself questions for the over/underfitting page: each variant is drawn from a seed
and answered by this page's own functions (explorer.fitting, fitting_protocol,
fitting_network)."""

from __future__ import annotations

import numpy as np

from explorer import fitting
from explorer import fitting_network as net
from explorer import fitting_protocol as protocol
from explorer.quiz import Question, format_number

QUIZ_MAX_DEGREE = 8
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def degree_by_validation(rng: np.random.Generator) -> Question:
    """Which degree the validation curve picks, from a table of training and validation
    errors (the trap: training error always favours the biggest degree)."""
    truth = str(rng.choice(fitting.TRUTH_NAMES))
    n = int(rng.choice([12, 15, 20, 30]))
    noise = float(rng.choice([0.1, 0.2, 0.3]))
    data = fitting.make_data(truth, n, noise, seed=int(rng.integers(0, 10**6)))
    sweep = fitting.degree_sweep(data, max_degree=QUIZ_MAX_DEGREE)
    shown = np.sort(np.round(sweep["val_mse"].to_numpy(), 4))
    if shown[1] == shown[0]:  # two degrees tie as printed: draw another variant
        return degree_by_validation(np.random.default_rng(int(rng.integers(0, 2**31))))
    best = fitting.best_degree(sweep)
    lowest_train = int(sweep.loc[sweep["train_mse"].idxmin(), "degree"])
    rows = "\n".join(f"| {int(r.degree)} | {r.train_mse:.4f} | {r.val_mse:.4f} |"
                     for r in sweep.itertuples())
    return Question(
        prompt=(f"Polynomials of degree 0 to {QUIZ_MAX_DEGREE} were fitted to {n} noisy "
                f"points; {fitting.VALIDATION_POINTS} other points from the same curve "
                "validate them. Which degree do you choose?\n\n"
                "| degree | training MSE | validation MSE |\n|---|---|---|\n" + rows),
        answer=str(best), options=tuple(str(d) for d in range(QUIZ_MAX_DEGREE + 1)),
        given={"x_train": data.x_train.tolist(), "y_train": data.y_train.tolist(),
               "x_val": data.x_val.tolist(), "y_val": data.y_val.tolist()},
        explanation=(f"Validation error is lowest at degree {best} "
                     f"({sweep['val_mse'].min():.4f}). Training error is lowest at degree "
                     f"{lowest_train} ({sweep['train_mse'].min():.4f}): a bigger degree can "
                     "always follow the training points at least as closely, so training "
                     "error cannot tell you when to stop."))


def coefficient_count(rng: np.random.Generator) -> Question:
    """How many weights a full polynomial of degree d has in one or two inputs."""
    degree = int(rng.integers(1, 7))
    inputs = int(rng.choice([1, 2]))
    count = fitting.n_coefficients(degree, inputs)
    if inputs == 1:
        last = f"w{str(degree).translate(SUB)}x{str(degree).translate(SUP)}"
        why = (f"w₀ + w₁x + … + {last}: one weight per power from 0 to "
               f"{degree}, so {degree} + 1 = {count}.")
        what = "one input x"
    else:
        sums = " + ".join(str(t + 1) for t in range(degree + 1))
        why = (f"One weight per term x₁ᵃx₂ᵇ with a + b ≤ {degree}. Of total power t there are "
               f"t + 1 terms, so {sums} = {count}, which is ({degree} + 1)({degree} + 2) / 2.")
        what = "two inputs x₁ and x₂ (every product of powers up to that total degree)"
    return Question(
        prompt=(f"How many weights (including the constant) does a polynomial of degree "
                f"{degree} in {what} have?"),
        answer=float(count), given={"degree": degree, "inputs": inputs},
        explanation=why)


def kfold_model_count(rng: np.random.Generator) -> Question:
    """How many models iterated K-fold trains."""
    rows = int(rng.integers(3, 31)) * 10
    k = int(rng.integers(2, 11))
    repeats = int(rng.integers(1, 6))
    count = len(protocol.kfold_splits(rows, k, repeats))
    return Question(
        prompt=(f"Iterated {k}-fold validation with {repeats} repeat"
                f"{'s' if repeats > 1 else ''} (reshuffled each time) on {rows} rows: how "
                "many models does it train, before any final model?"),
        answer=float(count), given={"rows": rows, "k": k, "repeats": repeats},
        explanation=(f"Each repeat cuts the rows into {k} folds and trains one model per fold "
                     f"(on the other {k - 1}): {k} × {repeats} = {count}. The number of rows "
                     "changes how big each fold is, not how many models there are."))


def mlp_parameter_count(rng: np.random.Generator) -> Question:
    """Weights and biases of an MLP with given hidden layers, 2 inputs and 1 output."""
    depth = int(rng.integers(1, 4))
    hidden = tuple(int(w) for w in rng.choice([2, 4, 8, 16, 32, 64], depth))
    count = net.parameter_count(hidden)
    sizes = (2, *hidden, 1)
    terms = " + ".join(f"({a}×{b} + {b})" for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    return Question(
        prompt=(f"The network tab's net with hidden layers {','.join(map(str, hidden))}: "
                "2 inputs, those hidden layers, 1 output. How many weights and biases does it "
                "have in all?"),
        answer=float(count), given={"hidden": list(hidden)},
        explanation=(f"Each layer has (units in) × (units out) weights and one bias per unit "
                     f"out: {terms} = {format_number(count)}."))


QUESTIONS = (degree_by_validation, coefficient_count, kfold_model_count, mlp_parameter_count)
