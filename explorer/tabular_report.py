"""Deep learning on tables: what the page says about a prepared table and a trained
network, computed here so the sentences follow the numbers. Every column name, category
and class that came from a table reaches markdown through escape_markdown (an uploaded
CSV is a stranger's text).

The column rules and training statistics as tables, the network's input width, whether
training overfitted, how the network compares with the trees, which embedding to draw,
and the choices of the one-row editor. Pure (numpy, pandas); no streamlit, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from explorer import claims
from explorer.tabular import (
    MAX_ABS,
    MAX_WEIGHTS,
    MAX_WORK,
    Prepared,
    Preprocessor,
    TrainingCost,
    _label,
    embedding_size,
    higher_is_better,
)
from explorer.text import escape_markdown

TREES = "gradient-boosted trees"

# The page's "What is going on" (its numbers are checked in tests/test_tabular_words.py).
WHAT_IS_GOING_ON = (
    "- **Why codes and not the words?** A network multiplies numbers. Giving each category "
    "an arbitrary number (Biscoe = 2, Dream = 3) would invent an order; a lookup table "
    "instead gives each category its own vector, and training moves those vectors to "
    "wherever they help the loss.\n"
    "- **Embedding or one-hot?** One-hot is an embedding whose table is frozen to the "
    "identity matrix. A learned table can be narrower than the number of categories and "
    "can place similar categories near each other; with many categories (zip codes, "
    "products) that matters a lot.\n"
    "- **Why the _na flag?** Filling a gap with the median hides that it was a gap, and a "
    "gap can carry information. On the Titanic, 29% of third-class ages are missing "
    "against 12% in first class, and passengers with no age survived less often (28% "
    "against 41%): the flag lets the network use that.\n"
    "- **Why only training statistics?** The validation rows stand in for tomorrow's data. "
    "If their mean or their categories leaked into the preprocessing, the score would be "
    "measured on data the model had partly seen.\n"
    "- **Why baselines?** On small tables, gradient-boosted trees are very hard to beat. "
    "A network is worth it when it wins on the same rows, or when its embeddings are "
    "useful elsewhere.")


# ---- the table and the question -----------------------------------------------------------


def _md(text) -> str:
    return escape_markdown(text)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def problem_words(prepared: Prepared, metric: str) -> str:
    """The sentence under the controls: the target, the kind of problem, the loss, the
    measure, and how many rows train and validate (markdown, table text escaped)."""
    problem, target = prepared.problem, _md(prepared.target)
    classes = ", ".join(_md(c) for c in problem.classes)
    kind = {
        "binary": f"**binary classification** (2 classes: {classes}; "
                  f"'{_md(problem.positive)}' counts as positive for precision, recall and F1)",
        "multiclass": f"**multiclass classification** ({len(problem.classes)} classes: "
                      f"{classes})",
        "regression": "**regression** (a number)",
    }[problem.kind]
    outputs = ("1 output" if problem.kind == "regression"
               else f"{len(problem.classes)} outputs")
    n_train, available = len(prepared.train_df), prepared.train_rows_available
    rows = f"{n_train:,} training rows"
    if available > n_train:
        rows = (f"{n_train:,} of the {available:,} training rows: only "
                f"{n_train / available:.0%} of them are used")
    dropped = ""
    if prepared.rows_without_target:
        dropped = (f" {_count(prepared.rows_without_target, 'row')} without a usable "
                   "target value are left out.")
    return (f"Target **{target}**: {kind}. So the network has {outputs}, the loss it "
            f"minimizes is **{problem.loss_name}**, and success is measured by **{metric}** "
            f"on the {len(prepared.valid_df):,} validation rows it never trains on ({rows})."
            f"{dropped}")


def unusable_numbers_note(replaced: dict[str, int], target: str | None) -> str | None:
    """What happened to infinite and absurdly large numbers of an upload, or None."""
    if not replaced:
        return None
    parts = [f"'{_md(column)}' ({_count(n, 'value')})" for column, n in replaced.items()]
    note = (f"Some numbers are infinite or larger than 10^{int(np.log10(MAX_ABS))} in size "
            f"and are treated as missing: {', '.join(parts)}.")
    if target in replaced:
        note += (f" Rows whose target '{_md(target)}' is one of them are left out, like "
                 "rows with no target.")
    return note


# ---- from a table to numbers ---------------------------------------------------------------


def code_lines(prep: Preprocessor, shown: int = 8) -> str:
    """One markdown line per categorical input: its first codes and their labels."""
    lines = []
    for column in prep.cat_inputs:
        labels = prep.vocab[column]
        codes = ", ".join(f"{i}={_md(label)}" for i, label in enumerate(labels[:shown]))
        more = f", … ({len(labels)} codes)" if len(labels) > shown else ""
        lines.append(f"- **{_md(column)}**: {codes}{more}")
    return "\n".join(lines)



def column_rules(prepared: Prepared) -> pd.DataFrame:
    """Each column, the kind the rule gave it, and why (left-out columns last)."""
    split = prepared.columns
    rows = [{"column": c, "kind": "categorical", "why": split.reasons[c]}
            for c in split.categorical]
    rows += [{"column": c, "kind": "continuous", "why": split.reasons[c]}
             for c in split.continuous]
    rows += [{"column": c, "kind": "left out", "why": why} for c, why in split.dropped.items()]
    return pd.DataFrame(rows)


def continuous_stats(prepared: Prepared) -> pd.DataFrame:
    """The training statistics of each continuous column (empty: there are none)."""
    prep = prepared.prep
    return pd.DataFrame([{"column": c, "training median": prep.medians[c],
                          "training mean": prep.means[c], "training std": prep.stds[c],
                          "gaps in training": int(prepared.train_df[c].isna().sum())}
                         for c in prep.continuous])


def input_sizes(prep: Preprocessor, one_hot: bool) -> tuple[pd.DataFrame, int]:
    """Numbers per category column (one-hot: one per code; else the embedding width), and
    the width of the network's input row (those plus one per continuous column)."""
    rows = [{"column": c, "codes": n_codes,
             "numbers per category": n_codes if one_hot else embedding_size(n_codes)}
            for c, n_codes in zip(prep.cat_inputs, prep.cardinalities, strict=True)]
    width = sum(r["numbers per category"] for r in rows) + len(prep.continuous)
    return pd.DataFrame(rows), width


# ---- the network -----------------------------------------------------------------------------


def overfit_epoch(history: pd.DataFrame, epochs: int) -> int | None:
    """The epoch of lowest validation loss when training clearly overfitted, else None.

    Clearly: the best epoch came in the first 60% of training, the last validation loss is
    over 15% above the best, and the last training loss is below the last validation loss.
    """
    valid = history[history.split == "validation"]
    last = history.groupby("split")["loss"].last()
    best_epoch = int(valid.sort_values("loss").iloc[0].epoch)
    if (best_epoch < epochs * 0.6 and last["validation"] > 1.15 * valid["loss"].min()
            and last["training"] < last["validation"]):
        return best_epoch
    return None


def overfit_words(history: pd.DataFrame, epochs: int) -> str | None:
    """The page's sentence when training clearly overfitted (see overfit_epoch), with the
    numbers it rests on; None otherwise."""
    best = overfit_epoch(history, epochs)
    if best is None:
        return None
    valid = history[history.split == "validation"].loss.to_numpy()
    train = history[history.split == "training"].loss.to_numpy()
    low, last = valid[best - 1], valid[-1]
    after = train[best - 1:]
    went = ("kept falling" if claims.trend(after, 0.05) == "falls"
            else "ended lower" if after[-1] < after[0] else "ended")
    return (f"Validation loss was lowest at epoch {best} ({low:.3f}) and ended at "
            f"{last:.3f}, {last / low - 1:.0%} higher, while training loss {went}: from "
            f"{after[0]:.3f} at epoch {best} to {after[-1]:.3f}. That is overfitting.")


def cost_note(cost: TrainingCost) -> str | None:
    """Why a setting trains fewer epochs than asked, or not at all; None when it is within
    the server's limits."""
    if not cost.capped:
        return None
    if cost.weights > MAX_WEIGHTS:
        return (f"This network would have {cost.weights:,} trainable weights; one training "
                f"on this shared server may have at most {MAX_WEIGHTS:,}, so it is not "
                "trained. Choose smaller hidden layers, or embeddings instead of one-hot "
                "for a column with many categories.")
    asked = (f"{cost.epochs_asked} epochs × {cost.rows:,} training rows × {cost.weights:,} "
             f"weights = {_words(cost.work_asked)}")
    limit = f"one training on this shared server may do at most {_words(MAX_WORK)}"
    if cost.refused:
        return (f"This setting asks for {asked}; {limit}, and even one epoch is "
                f"{_words(cost.work_per_epoch)}, so the network is not trained. Choose "
                "smaller hidden layers or use fewer training rows.")
    return (f"This setting asks for {asked}; {limit}, so it trains for "
            f"{_count(cost.epochs, 'epoch')} instead of {cost.epochs_asked}. Fewer epochs, "
            "smaller hidden layers or fewer training rows stay within the limit.")


def _words(n: float) -> str:
    """A big count in words: 15 billion, 1.1 trillion."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if n >= size:
            return f"{n / size:.3g} {word}"
    return f"{n:,.0f}"


@dataclass(frozen=True)
class Comparison:
    table: pd.DataFrame  # one row per model: the baselines, then the network
    network: float  # the network's score on the chosen metric
    trees: float  # the gradient-boosted trees' score
    floor: float  # the do-nothing baseline's score (the table's first row)
    verdict: str  # "ahead of", "behind" or "about level with" the trees, in words


def compare(baselines: pd.DataFrame, network_name: str, network_metrics: dict[str, float],
            metric: str) -> Comparison:
    """The network's validation scores beside the baselines', and where it stands on
    `metric` against the gradient-boosted trees. Level means within 0.005 (a score higher
    is better) or within 5% of the trees' error (lower is better)."""
    table = pd.concat([baselines, pd.DataFrame([{"model": network_name, **network_metrics}])],
                      ignore_index=True)
    higher = higher_is_better(metric)
    trees = float(table.set_index("model").loc[TREES, metric])
    mine = float(network_metrics[metric])
    gap = (mine - trees) if higher else (trees - mine)
    if abs(gap) < 0.005 * (1 if higher else max(trees, 1e-9) * 10):
        verdict = f"about level with the {TREES}"
    elif gap > 0:
        verdict = f"ahead of the {TREES}"
    else:
        verdict = f"behind the {TREES}"
    return Comparison(table, mine, trees, float(table[metric].iloc[0]), verdict)


def embedding_columns(prep: Preprocessor) -> tuple[list[str], str | None]:
    """The categorical columns worth drawing (more than one real category besides the two
    reserved codes), and the one drawn first: the penguins' island, else the column with
    the most categories."""
    columns = [c for c in prep.categorical if len(prep.vocab[c]) > 3]
    if not columns:
        return [], None
    first = "island" if "island" in columns else max(columns, key=lambda c: len(prep.vocab[c]))
    return columns, first


# ---- the one-row editor --------------------------------------------------------------------

MISSING_CHOICE = "(missing)"
NEW_CHOICE = "(a new value)"
NEW_VALUE = "a value never seen in training"


def category_choices(prep: Preprocessor, column: str, value) -> tuple[list[str], str]:
    """What a category box offers (the training categories, missing, a new value) and the
    choice that shows `value`."""
    options = [*prep.vocab[column][2:], MISSING_CHOICE, NEW_CHOICE]
    current = MISSING_CHOICE if pd.isna(value) else _label(value)
    return options, current if current in options else NEW_CHOICE


def category_value(choice: str) -> str | None:
    """The cell value a category box's choice stands for (None: missing)."""
    if choice == MISSING_CHOICE:
        return None
    return NEW_VALUE if choice == NEW_CHOICE else choice


# ---- what the charts say, for a screen reader (plain text, not markdown) -------------------


def loss_description(history: pd.DataFrame, loss_name: str) -> str:
    """The loss chart: what it plots and where each curve ends."""
    train = history[history.split == "training"].loss.to_numpy()
    valid = history[history.split == "validation"].loss.to_numpy()
    best = int(np.argmin(valid))
    return (f"Line chart of the {loss_name} per epoch over {len(train)} epochs: training "
            f"loss from {train[0]:.3f} to {train[-1]:.3f}; validation loss from "
            f"{valid[0]:.3f} to {valid[-1]:.3f}, lowest {valid[best]:.3f} at epoch "
            f"{best + 1}.")


def comparison_description(table: pd.DataFrame, metric: str) -> str:
    scores = "; ".join(f"{row['model']} {row[metric]:.3f}" for _, row in table.iterrows())
    return f"Bar chart of the validation {metric} of each model: {scores}."


def confusion_description(matrix: np.ndarray, classes) -> str:
    right, total = int(np.trace(matrix)), int(matrix.sum())
    return (f"Confusion matrix of {len(classes)} classes ({', '.join(map(str, classes))}): "
            f"{right} of {total} validation rows on the diagonal, accuracy "
            f"{right / max(total, 1):.3f}.")


def scatter_description(target: str, metrics: dict[str, float]) -> str:
    return (f"Scatter plot of predicted against actual {target} for the validation rows; "
            f"RMSE {metrics['RMSE']:.3f}, MAE {metrics['MAE']:.3f}.")


def importance_caption(metric: str, n_valid: int, max_rows: int = 3000,
                       repeats: int = 3) -> str:
    """The importance chart's caption; the rows it uses are those of
    explorer.tabular_model.permutation_importance (at most `max_rows`)."""
    rows = ("the validation rows" if n_valid <= max_rows
            else f"{max_rows:,} of the {n_valid:,} validation rows (a fixed random sample)")
    return (f"Shuffle one column among {rows} (so it no longer matches its row) and measure "
            f"how much {metric} gets worse, averaged over {repeats} shuffles. Near zero: "
            "the network does not rely on it.")


def importance_description(importance: pd.DataFrame, metric: str) -> str:
    top = importance.iloc[0]
    return (f"Bar chart of how much the validation {metric} worsens when each of "
            f"{len(importance)} columns is shuffled; largest: {top['column']} "
            f"({top['importance']:.3f}).")


def embedding_description(table: pd.DataFrame, column: str) -> str:
    return (f"Scatter plot of the {len(table)} categories of {column} at their learned "
            f"{int(table['dims'].iloc[0])}-number vectors, flattened to two directions.")


def probability_description(classes, probabilities) -> str:
    k = int(np.argmax(probabilities))
    return (f"Bar chart of the network's probability for each of {len(classes)} classes; "
            f"highest: {classes[k]} at {probabilities[k]:.1%}.")
