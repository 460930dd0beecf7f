"""Check-yourself questions for the collaborative filtering page: each variant is drawn from
a seed and answered by this page's own functions (explorer.collab_model and
explorer.collab_analysis)."""

from __future__ import annotations

import numpy as np

from explorer import collab_analysis as ca
from explorer import collab_model as cm
from explorer.quiz import Question, format_number

LOW, HIGH = 0.5, 5.0 + cm.RANGE_HEADROOM  # MovieLens' squeezed range, as on the page


def _vector(rng: np.random.Generator, k: int) -> np.ndarray:
    """k factors with one decimal, none of them zero."""
    values = rng.integers(-9, 10, k)
    values[values == 0] = 1
    return values / 10.0


def _numbers(values) -> str:
    return "(" + ", ".join(f"{v:g}" for v in values) + ")"


def predicted_rating(rng: np.random.Generator) -> Question:
    """A user's predicted rating from shown factors and biases, squeezed or not."""
    k = 3
    user, item = _vector(rng, k), _vector(rng, k)
    squeezed = bool(rng.integers(0, 2))
    # Squeezed, the biases move the score around σ's middle; unsqueezed, they carry the
    # rating itself (the model has no global mean), so they are larger.
    lowest = -5 if squeezed else 10
    user_bias, item_bias = (float(v) for v in rng.integers(lowest, lowest + 11, 2) / 10.0)
    low, high = (LOW, HIGH) if squeezed else (None, None)
    model = cm.Model(user[None, :], item[None, :], np.array([user_bias]),
                     np.array([item_bias]), low, high)
    worked = ca.worked_prediction(model, 0, 0)
    squeeze_words = (f" Predictions are squeezed into the range: {LOW:g} + "
                     f"{HIGH - LOW:g}·σ(score), σ(x) = 1/(1 + e^(−x))." if squeezed else
                     " Range squeezing is off.")
    products = " + ".join(f"({a:g})({b:g})" for a, b in zip(user, item, strict=True))
    last = (f" The sigmoid squeezes it: {LOW:g} + {HIGH - LOW:g} × σ({worked.score:.2f}) = "
            f"{worked.prediction:.3f}." if squeezed else
            " With squeezing off, that score is the prediction.")
    return Question(
        prompt=(f"A user's factors are p = {_numbers(user)} and their bias is "
                f"{user_bias:g}; a movie's factors are q = {_numbers(item)} and its bias is "
                f"{item_bias:g}.{squeeze_words} What rating does the model predict?"),
        answer=worked.prediction, tolerance=0.02,
        given={"user": user.tolist(), "item": item.tolist(), "user_bias": user_bias,
               "item_bias": item_bias, "squeezed": squeezed},
        explanation=(f"Dot product: {products} = {worked.dot:.2f}. Add the biases: "
                     f"{worked.dot:.2f} + ({user_bias:g}) + ({item_bias:g}) = "
                     f"{worked.score:.2f}.{last}"))


def parameter_count(rng: np.random.Generator) -> Question:
    """How many numbers a model with n users, m items and k factors learns."""
    n_users = int(rng.integers(2, 60)) * 10
    n_items = int(rng.integers(2, 90)) * 10
    k = int(rng.choice([2, 5, 8, 10, 20, 50]))
    bias = bool(rng.integers(0, 2))
    count = cm.n_parameters(n_users, n_items, k, bias)
    per_row = f"{k} factors + 1 bias = {k + 1}" if bias else f"{k} factors"
    return Question(
        prompt=(f"A ratings table has {n_users:,} users and {n_items:,} movies. The model "
                f"gives each of them {k} factors, and biases are "
                f"{'on' if bias else 'off'}. How many numbers does training learn?"),
        answer=float(count), tolerance=0.0,
        given={"n_users": n_users, "n_items": n_items, "factors": k, "bias": bias},
        explanation=(f"Every user and every movie gets its own row of {per_row} numbers, so "
                     f"({n_users:,} + {n_items:,}) × {k + (1 if bias else 0)} = "
                     f"{format_number(count)}. The ratings themselves are data, not "
                     "parameters."))


def cosine(rng: np.random.Generator) -> Question:
    """The cosine similarity of two shown factor vectors."""
    k = int(rng.choice([2, 3]))
    a, b = _vector(rng, k), _vector(rng, k)
    similarity = float(ca.cosine_similarity(a, b))
    dot = float(a @ b)
    return Question(
        prompt=(f"Two movies have the factor vectors a = {_numbers(a)} and "
                f"b = {_numbers(b)}. What is their cosine similarity (as in the page's "
                "'Nearest to' table)?"),
        answer=similarity, tolerance=0.01,
        given={"a": a.tolist(), "b": b.tolist()},
        explanation=(f"a·b = {dot:.2f}; |a| = {np.linalg.norm(a):.3f}, |b| = "
                     f"{np.linalg.norm(b):.3f}; cosine = a·b / (|a| |b|) = "
                     f"{dot:.2f} / {np.linalg.norm(a) * np.linalg.norm(b):.3f} = "
                     f"{similarity:.3f}. 1: same direction, 0: unrelated, −1: opposite "
                     "tastes."))


QUESTIONS = (predicted_rating, parameter_count, cosine)
