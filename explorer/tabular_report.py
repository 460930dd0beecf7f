"""Deep learning on tables: what the page says about a prepared table and a trained
network, computed here so the sentences follow the numbers.

The column rules and training statistics as tables, the network's input width, whether
training overfitted, how the network compares with the trees, which embedding to draw,
and the choices of the one-row editor. Pure (numpy, pandas); no streamlit, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from explorer.tabular import Prepared, Preprocessor, _label, embedding_size, higher_is_better

TREES = "gradient-boosted trees"


# ---- from a table to numbers ---------------------------------------------------------------


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
