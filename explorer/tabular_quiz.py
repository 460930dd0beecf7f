"""Check-yourself questions for the tabular page: each variant is drawn from a seed and
answered by this page's own functions (explorer.tabular, explorer.tabular_report)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from explorer import tabular as tab
from explorer import tabular_report as tr
from explorer.quiz import Question, format_number

COLUMNS = ("island", "ticket class", "colour", "cut", "city", "product")
CATEGORY_COUNTS = (2, 3, 5, 7, 10, 20, 50, 100, 300, 1000)
SPECIES = ("Adelie", "Chinstrap", "Gentoo")


def _preprocessor(categories: dict[str, int], continuous: tuple[str, ...],
                  with_gaps: tuple[str, ...]) -> tab.Preprocessor:
    """A preprocessor as fit_preprocessor would leave it for columns with these many
    categories, these continuous columns and gaps in these of them."""
    vocab = {c: (tab.MISSING, tab.UNKNOWN, *(f"{c} {i}" for i in range(k)))
             for c, k in categories.items()}
    for c in with_gaps:
        vocab[f"{c}_na"] = (tab.MISSING, tab.UNKNOWN, "False", "True")
    zeros = dict.fromkeys(continuous, 0.0)
    return tab.Preprocessor(tuple(categories), continuous, with_gaps, vocab, zeros,
                            dict(zeros), dict.fromkeys(continuous, 1.0))


def embedding_width(rng: np.random.Generator) -> Question:
    """The width fast.ai's rule gives a column with k categories (and the 2 reserved codes)."""
    column = str(rng.choice(COLUMNS))
    k = int(rng.choice(CATEGORY_COUNTS))
    n = k + 2
    width = tab.embedding_size(n)
    raw = 1.6 * n ** 0.56
    capped = " and the cap of 600 does not bind" if raw < 600 else ", capped at 600"
    return Question(
        prompt=(f"The training rows have **{k}** different values in the column "
                f"'{column}'. How wide is its embedding (numbers per category) by the rule "
                "on this page?"),
        answer=width, tolerance=0,
        given={"categories": k},
        explanation=(f"Two codes are reserved (missing, and a value never seen in training), "
                     f"so n = {k} + 2 = {n}. Then 1.6 × {n}^0.56 = {raw:.2f}, which rounds "
                     f"to {width}{capped}."))


def one_hot_inputs(rng: np.random.Generator) -> Question:
    """The width of the network's input row with one-hot categories."""
    names = rng.choice(COLUMNS, size=int(rng.integers(2, 4)), replace=False)
    categories = {str(c): int(rng.choice(CATEGORY_COUNTS[:7])) for c in names}
    n_cont = int(rng.integers(1, 5))
    continuous = tuple(f"x{i + 1}" for i in range(n_cont))
    with_gaps = continuous[: int(rng.integers(0, 2))]
    prep = _preprocessor(categories, continuous, with_gaps)
    _, width = tr.input_sizes(prep, one_hot=True)
    listed = ", ".join(f"'{c}' with {k}" for c, k in categories.items())
    which = "The continuous column" if n_cont == 1 else "One continuous column,"
    gaps = (f" {which} {with_gaps[0]}{',' if n_cont > 1 else ''} has gaps in the training "
            "rows." if with_gaps else " No column has gaps.")
    terms = " + ".join(f"({k} + 2)" for k in categories.values())
    flag = " + 4 for the x1_na flag (missing, unknown, False, True)" if with_gaps else ""
    return Question(
        prompt=(f"A table has categorical columns {listed} categories in the training rows, "
                f"and {n_cont} continuous column{'s' if n_cont > 1 else ''}.{gaps} With "
                "categories entering **one-hot**, how many numbers does each row give the "
                "first layer?"),
        answer=width, tolerance=0,
        given={"categories": list(categories.values()), "continuous": n_cont,
               "gaps": len(with_gaps)},
        explanation=(f"Each categorical column becomes as many 0/1 numbers as it has codes, "
                     f"its categories plus the two reserved codes: {terms}"
                     f"{flag}, plus 1 per continuous column ({n_cont}) = {width}."))


def embedding_parameters(rng: np.random.Generator) -> Question:
    """How many learned numbers one embedding table holds."""
    column = str(rng.choice(COLUMNS))
    k = int(rng.choice(CATEGORY_COUNTS))
    n = k + 2
    width = tab.embedding_size(n)
    weights = tab.count_weights([n], 0, 1, (), one_hot=False) - (width + 1)
    return Question(
        prompt=(f"The column '{column}' has **{k}** categories in the training rows and "
                f"gets an embedding {width} numbers wide. How many learned numbers are in "
                "its embedding table?"),
        answer=weights, tolerance=0,
        given={"categories": k, "width": width},
        explanation=(f"One row of {width} numbers per code, and there are {k} + 2 = {n} "
                     f"codes (with missing and never-seen): {n} × {width} = "
                     f"{format_number(weights)}."))


def accuracy_from_confusion(rng: np.random.Generator) -> Question:
    """The accuracy a small confusion matrix shows."""
    counts = rng.integers(0, 6, size=(3, 3))
    counts[np.diag_indices(3)] = rng.integers(8, 30, size=3)
    y_true = np.repeat(np.repeat(np.arange(3), 3), counts.ravel())
    y_pred = np.repeat(np.tile(np.arange(3), 3), counts.ravel())
    accuracy = tab.classification_metrics(y_true, y_pred)["accuracy"]
    right, total = int(np.trace(counts)), int(counts.sum())
    header = "| actual ↓ predicted → | " + " | ".join(SPECIES) + " |"
    rows = "\n".join(f"| **{SPECIES[i]}** | " + " | ".join(str(v) for v in counts[i]) + " |"
                     for i in range(3))
    return Question(
        prompt=("The network's confusion matrix on the validation rows (rows: the true "
                "species, columns: its answer):\n\n" + header + "\n|---|---|---|---|\n"
                + rows + "\n\nWhat is its **accuracy**? (a fraction, e.g. 0.75)"),
        answer=accuracy, tolerance=0.005,
        given={"counts": counts.tolist()},
        explanation=(f"Accuracy counts the right answers, the diagonal: "
                     f"{' + '.join(str(v) for v in np.diag(counts))} = {right} of {total} "
                     f"rows, {right} / {total} = {accuracy:.3f}."))


def normalized_value(rng: np.random.Generator) -> Question:
    """What a continuous value becomes: (x - mean) / std, capped at ±CLIP."""
    mean = float(rng.choice([20, 45, 200, 4200]))
    std = float(mean * rng.choice([0.1, 0.2, 0.25]))
    z = float(rng.choice([-2.5, -1.5, -0.5, 0.75, 1.5, 2, 7, -8]))
    x = mean + z * std
    prep = tab.Preprocessor((), ("size",), (), {}, {"size": mean}, {"size": mean},
                            {"size": std})
    normalized = float(prep.transform(pd.DataFrame({"size": [x]}))[1][0, 0])
    raw = (x - mean) / std
    capped = (f" That is beyond ±{tab.CLIP:g}, so it is capped at {normalized:g}."
              if abs(raw) > tab.CLIP else "")
    return Question(
        prompt=(f"In the training rows the column 'size' has mean {format_number(mean)} and "
                f"standard deviation {format_number(std)}. A validation row has size "
                f"{format_number(x)}. What number does the network see for it?"),
        answer=normalized, tolerance=0.01,
        given={"mean": mean, "std": std, "x": x},
        explanation=(f"(x − mean) / std = ({format_number(x)} − {format_number(mean)}) / "
                     f"{format_number(std)} = {raw:g}.{capped} The mean and standard "
                     "deviation are the training rows', whatever the validation rows hold."))


QUESTIONS = (embedding_width, one_hot_inputs, embedding_parameters, accuracy_from_confusion,
             normalized_value)
