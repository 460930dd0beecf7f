"""Check-yourself questions for the activation functions page: each variant is drawn from a
seed and answered by this page's own functions (explorer.activations)."""

from __future__ import annotations

import numpy as np

from explorer import activations as act
from explorer.quiz import Question, format_number

SLOPE_FUNCTIONS = ("ReLU", "leaky ReLU", "sigmoid", "tanh")


def _logits(rng: np.random.Generator) -> np.ndarray:
    """3 to 5 logits in halves between −3 and 3, with one clear largest."""
    while True:
        z = rng.integers(-6, 7, int(rng.integers(3, 6))) / 2
        if np.sum(z == z.max()) == 1:
            return z


def _percent(p: float) -> str:
    """A share as a percentage, with enough digits that a near-certain one is not 100%."""
    return f"{p:.1%}" if p < 0.999 else f"{p:.4%}"


def _listed(z: np.ndarray) -> str:
    return ", ".join(format_number(v) for v in z)


def softmax_top(rng: np.random.Generator) -> Question:
    """The probability softmax gives the top class, at a temperature."""
    z = _logits(rng)
    temperature = float(rng.choice([0.5, 1.0, 2.0]))
    table = act.softmax_table(z, temperature)
    top = int(np.argmax(table["softmax"]))
    p = float(table["softmax"].iloc[top])
    exps = np.exp((z - z.max()) / temperature)
    return Question(
        prompt=(f"A classifier's last layer gives the logits **{_listed(z)}** (classes 1 to "
                f"{len(z)}). With temperature T = {temperature:g}, what probability does "
                "softmax give the top class? (A number between 0 and 1, or a percentage.)"),
        answer=p, tolerance=0.005,
        given={"logits": z.tolist(), "temperature": temperature},
        explanation=(f"Divide by T and subtract the largest: e^((zᵢ − {format_number(z.max())})"
                     f" / {temperature:g}) gives {', '.join(f'{e:.3f}' for e in exps)}; "
                     f"their total is {exps.sum():.3f}. The top class gets 1 / "
                     f"{exps.sum():.3f} = {p:.3f}, that is {_percent(p)}."))


def argmax_after_temperature(rng: np.random.Generator) -> Question:
    """Which class softmax picks: the largest logit, at any temperature."""
    z = _logits(rng)
    temperature = float(rng.choice([0.1, 0.5, 2.0, 5.0, 20.0]))
    table = act.softmax_table(z, temperature)
    winner = str(table.loc[table["softmax"].idxmax(), "class"])
    p = float(table["softmax"].max())
    options = tuple(str(c) for c in table["class"])
    return Question(
        prompt=(f"The logits are **{_listed(z)}** (class 1 first). Softmax is taken at "
                f"temperature T = {temperature:g}. Which class gets the largest probability?"),
        answer=winner, options=options,
        given={"logits": z.tolist(), "temperature": temperature},
        explanation=(f"{winner.capitalize()} has the largest logit, "
                     f"{format_number(z.max())}. Dividing every logit by the same positive T "
                     "and taking e^(·) keep the order, so the largest logit always wins; T "
                     f"only changes by how much: here it gets {_percent(p)}."))


def slope_at(rng: np.random.Generator) -> Question:
    """A function's slope at a point, as backprop multiplies by it."""
    name = str(rng.choice(SLOPE_FUNCTIONS))
    x = float(rng.choice([v for v in np.arange(-30, 31) / 10 if v != 0]))
    slope = float(rng.choice([0.01, 0.1, 0.2])) if name == "leaky ReLU" else 0.01
    value = float(act.activation(name, x, slope))
    d = float(act.derivative(name, x, slope))
    what = f" (slope a = {slope:g} for x ≤ 0)" if name == "leaky ReLU" else ""
    if name in ("ReLU", "leaky ReLU"):
        why = ("the input is positive, where the function is x itself: slope 1"
               if x > 0 else
               f"the input is negative, where the function is {'0' if name == 'ReLU' else 'a·x'}"
               f": slope {format_number(d)}")
    elif name == "sigmoid":
        why = f"σ({x:g}) = {value:.4f}, and σ′ = σ(1 − σ) = {value:.4f} × {1 - value:.4f}"
    else:
        why = f"tanh({x:g}) = {value:.4f}, and tanh′ = 1 − tanh² = 1 − ({value:.4f})²"
    return Question(
        prompt=(f"What is the slope f′(x) of **{name}**{what} at x = {x:g}? Backprop "
                "multiplies the gradient passing back through this unit by it."),
        answer=d, tolerance=0.001,
        given={"function": name, "x": x, "slope": slope},
        explanation=f"Here {why} = {d:.4f}.")


def network_counts(rng: np.random.Generator) -> Question:
    """Parameters or activations of the page's one-hidden-layer network."""
    units = int(rng.integers(2, 51))
    x_in = float(rng.integers(-30, 31) / 10)
    net = act.OneHiddenLayerNet(rng.normal(size=units), rng.normal(size=units),
                                rng.normal(size=units), float(rng.normal()))
    inventory = act.tensor_inventory(net, x_in)
    kind = str(rng.choice(["parameter", "activation"]))
    count = int(inventory.loc[inventory["kind"] == kind, "count"].sum())
    rows = inventory[inventory["kind"] == kind]
    parts = " + ".join(f"{int(c)} ({t.split(' ')[0]})" for t, c in
                       zip(rows["tensor"], rows["count"], strict=True))
    if kind == "parameter":
        ask = "numbers does it store and learn (weights and biases)"
    else:
        ask = ("numbers does it compute for one input (pre-activations z, activations h "
               "and the output y; not the input itself)")
    return Question(
        prompt=(f"A network has one input, one hidden layer of **{units}** ReLU units and one "
                f"output, like the *Why bend* network. How many {ask}?"),
        answer=float(count), tolerance=0.0,
        given={"units": units, "kind": kind},
        explanation=f"{parts} = {count}.")


QUESTIONS = (softmax_top, argmax_after_temperature, slope_at, network_counts)
