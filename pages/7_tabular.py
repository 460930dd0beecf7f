"""Deep learning on tables: from rows with categories and gaps to a network that must beat
honest baselines. Parameters in explorer/tabular_spec.py; the data in explorer/tabular.py,
the network in explorer/tabular_model.py (torch; the default view's and the presets'
networks ship trained and run with numpy: explorer/tabular_shipped.py), the page's tables
and verdicts in explorer/tabular_report.py, charts in explorer/tabular_charts.py."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from explorer import tabular as tab
from explorer import tabular_charts as tc
from explorer import tabular_quiz, ui
from explorer import tabular_report as tr
from explorer import tabular_shipped as ts
from explorer.shared_results import SharedResults
from explorer.tabular_spec import SPEC, UPLOAD
from explorer.text import escape_markdown

URL = "tabular"

present = ui.page_setup(
    "Deep learning on tables",
    "A spreadsheet is not numbers yet: it has words (an island, a ticket class), gaps "
    "(an age nobody wrote down) and columns on wildly different scales. Below, a real "
    "table is turned into numbers step by step, a small network learns from it, and "
    "then it has to beat three simpler models on the same rows, or admit it does not.",
    icon=":material/table_chart:",
    spec=SPEC,
)

ui.preset_row(SPEC)


def end_page() -> None:
    """The questions and the way on, then nothing more of this run."""
    ui.check_yourself(tabular_quiz.QUESTIONS)
    ui.next_concept(URL)
    st.stop()


def current_value(key: str):
    """A bound widget's value before it renders: this session's, else the shared URL's.
    Options that depend on the data (target, metric, embedding, row) are reset only when
    this value is not valid for the current data."""
    if key in st.session_state:
        return st.session_state[key]
    return st.query_params.get(key)


# ---- cached work ---------------------------------------------------------------------------


@st.cache_data(max_entries=4, show_spinner=False)
def load_table(dataset: str) -> pd.DataFrame:
    return tab.load_dataset(dataset)


@st.cache_data(max_entries=4, show_spinner=False)
def parse_upload(raw: bytes) -> tuple[pd.DataFrame, dict[str, int]]:
    """The uploaded table, with infinite and absurdly large numbers made gaps (and how
    many per column)."""
    return tab.finite_numbers(tab.read_csv_upload(raw))


def table_for(dataset: str, raw: bytes | None) -> pd.DataFrame:
    return parse_upload(raw)[0] if dataset == UPLOAD else load_table(dataset)


# A "split" is the data, the target, the split seed and the share of training rows used.
@st.cache_resource(max_entries=8, show_spinner=False)
def prepared_for(dataset: str, target: str, seed: int, raw: bytes | None, rows_pct: int):
    return tab.prepare(table_for(dataset, raw), target, seed, train_share=rows_pct / 100)


@st.cache_resource(max_entries=8, show_spinner=False)
def data_tables(dataset: str, target: str, seed: int, raw: bytes | None,
                rows_pct: int) -> dict:
    """Section 2's tables of a split, as Arrow, once (read-only, shared): the column rules,
    the continuous columns' statistics (None without any), a few rows before and after.
    Building them and hashing them as frames on every run took about a sixth of this
    page's script time (py-spy)."""
    prepared = prepared_for(dataset, target, seed, raw, rows_pct)
    stats = tr.continuous_stats(prepared)
    before, after = tab.before_after(prepared)
    return {"rules": ui.table_arrow(tr.column_rules(prepared)),
            "stats": ui.table_arrow(stats, {name: ".3f" for name in stats.columns
                                            if name.startswith("training ")})
            if len(stats) else None,
            "before": ui.table_arrow(before, index="row"),
            "after": ui.table_arrow(after, index="row")}


@st.cache_resource(max_entries=8, show_spinner="Fitting the baselines on the same split…")
def baselines_for(dataset: str, target: str, seed: int, raw: bytes | None,
                  rows_pct: int) -> pd.DataFrame:
    prepared = prepared_for(dataset, target, seed, raw, rows_pct)
    if raw is None and ts.may_ship(dataset, seed, rows_pct):
        shipped = ts.load_baselines(prepared)
        if shipped is not None:
            return shipped
    from explorer import tabular_model as tm

    return tm.baselines(prepared, seed)


@st.cache_resource(max_entries=8, show_spinner=False)
def shipped_experiment(dataset: str, target: str, seed: int, raw: bytes | None,
                       rows_pct: int, settings: tab.NetSettings) -> tab.Experiment | None:
    """The default view's and the presets' networks, shipped with the app
    (explorer.tabular_shipped): evaluated with numpy, no torch needed. Else None."""
    if raw is not None or not ts.may_ship(dataset, seed, rows_pct, settings):
        return None
    return ts.load_experiment(prepared_for(dataset, target, seed, raw, rows_pct), settings)


@st.cache_resource
def experiment_store() -> SharedResults:
    """Trained networks shared by every session, keyed by data, split and settings."""
    return SharedResults(max_entries=12)


def run_key(dataset: str, target: str, seed: int, raw: bytes | None, rows_pct: int,
            settings: tab.NetSettings) -> tuple:
    """What decides a trained network: the data, the split and the settings."""
    digest = hashlib.sha256(raw).hexdigest() if raw is not None else None
    return (dataset, target, seed, digest, rows_pct, settings)


def experiment_for(dataset: str, target: str, seed: int, raw: bytes | None, rows_pct: int,
                   settings: tab.NetSettings, text=None):
    """Train once per (split, settings), whichever session asks first; with `text`
    (fraction -> words), a progress bar follows the training, or says it waits its turn
    on the server."""
    shipped = shipped_experiment(dataset, target, seed, raw, rows_pct, settings)
    if shipped is not None:
        return shipped
    key = run_key(dataset, target, seed, raw, rows_pct, settings)

    def make(report):
        from explorer import tabular_model as tm

        return tm.run_network(prepared_for(dataset, target, seed, raw, rows_pct), settings,
                              seed, lambda epoch, total: report(epoch / total))

    if text is None:
        return experiment_store().get(key, make)
    return ui.shared_result(experiment_store(), key, make, text)


@st.cache_resource(max_entries=12, show_spinner="Shuffling one column at a time…")
def importance_for(dataset, target, seed, raw, rows_pct, settings, metric) -> pd.DataFrame:
    exp = experiment_for(dataset, target, seed, raw, rows_pct, settings)
    return tab.permutation_importance(
        lambda x_cat, x_cont: ts.predict(exp.net.model, exp.prepared, x_cat, x_cont),
        exp.prepared, metric)


# What the page says about one trained network, computed once per network (and metric or
# column): every session of a class asks for the same ones on every run.


@st.cache_resource(max_entries=32, show_spinner=False)
def loss_words(key: tuple, trained_epochs: int, _experiment) -> tuple[str | None, str]:
    history = _experiment.net.history
    return (tr.overfit_words(history, trained_epochs),
            tr.loss_description(history, _experiment.prepared.problem.loss_name))


@st.cache_resource(max_entries=32, show_spinner=False)
def comparison_for(key: tuple, metric: str, _baselines, _experiment) -> tr.Comparison:
    return tr.compare(_baselines, tc.NET_NAME, _experiment.metrics, metric)


@st.cache_resource(max_entries=32, show_spinner=False)
def embedding_for(key: tuple, column: str, _experiment) -> pd.DataFrame:
    prepared = _experiment.prepared
    weights = ts.embedding_weights(_experiment.net.model,
                                   prepared.prep.cat_inputs.index(column))
    return tab.embedding_table(weights, prepared, column)


# ---- controls: the data --------------------------------------------------------------------

st.subheader("1 · The table and the question")
c1, c2, c3 = st.columns([1.4, 1, 1])
dataset = ui.widget(SPEC["dataset"], c1)
seed = ui.widget(SPEC["tab_seed"], c3)
rows_pct = ui.widget(SPEC["tab_rows"], c3)

raw: bytes | None = None
target = tab.DATASETS[dataset].target if dataset != UPLOAD else None
if dataset == UPLOAD:
    upload = st.file_uploader(
        "A CSV file with a header row (UTF-8, at most 5 MB, 40 columns, 60,000 rows)",
        type=["csv"], key="upload_csv", max_upload_size=5)
    if upload is None:
        ui.notice("No file uploaded yet.", "Upload a CSV above, or pick a built-in dataset.",
                  kind="info")
        end_page()
    raw = upload.getvalue()
    try:
        uploaded, replaced = parse_upload(raw)
    except tab.TableError as err:
        ui.notice(str(err), kind="error")
        end_page()
    columns = list(uploaded.columns)
    if current_value("target") not in columns:
        st.session_state["target"] = columns[-1]
    target = ui.widget(SPEC["target"], c2, options=columns)
    st.caption(f"Uploaded table: {len(uploaded):,} rows × {len(columns)} columns "
               f"(digest {hashlib.sha256(raw).hexdigest()[:8]}).")
    unusable = tr.unusable_numbers_note(replaced, target)
    if unusable:
        ui.notice(unusable, kind="info")
else:
    st.markdown(f"**{tab.DATASETS[dataset].label}.** {tab.DATASETS[dataset].about}")

try:
    prepared = prepared_for(dataset, target, seed, raw, rows_pct)
except tab.TableError as err:
    ui.notice(str(err), kind="error")
    end_page()

problem = prepared.problem
metric_choices = list(problem.metrics)
if current_value("metric") not in metric_choices:
    st.session_state["metric"] = metric_choices[0]
metric = ui.widget(SPEC["metric"], c2, options=metric_choices)

st.markdown(tr.problem_words(prepared, metric))
if problem.kind == "regression":
    # One line each: side by side they are wider than a phone in presentation mode.
    ui.formula(r"\begin{aligned}\text{loss} &= \frac{1}{n}\sum_i (\hat y_i - y_i)^2 \\ "
               r"\text{RMSE} &= \sqrt{\text{loss}} \\ \text{MAE} &= \frac{1}{n}\sum_i "
               r"|\hat y_i - y_i|\end{aligned}",
               "Squared error punishes a big miss much more than two half-size misses.")
else:
    ui.formula(r"\text{loss} = -\frac{1}{n}\sum_i \log p_i(\text{true class of row } i)",
               "Cross-entropy: the network pays a lot for being confidently wrong.")

# ---- preprocessing ---------------------------------------------------------------------------

st.subheader("2 · From a table to numbers")
prep = prepared.prep
left, right = st.columns([1, 1.3])
with left:
    st.markdown(
        "**The rule.** Text and true/false columns are categorical. A whole-number column "
        f"with at most {tab.MAX_INT_CATEGORIES} different values is categorical too (like "
        "a year). Any other number is continuous. A text column with a different value in "
        "most rows is an identifier (a name) and is left out.")
    tables = data_tables(dataset, target, seed, raw, rows_pct)
    ui.table(tables["rules"])
with right:
    st.markdown(
        "**Continuous columns**: a gap is filled with the training median and a "
        "`<column>_na` flag records that it was missing (the gap itself can carry "
        "information). Then each column is normalized with the training mean and standard "
        "deviation, so all inputs are on the same scale (capped at ±5, so one typo cannot "
        "swamp the rest):")
    ui.formula(r"x' = \operatorname{clip}\left(\frac{x - \mu_{\text{train}}}"
               r"{\sigma_{\text{train}}},\ -5,\ 5\right)")
    if tables["stats"] is not None:
        ui.table(tables["stats"])
    else:
        st.caption("This table has no continuous columns.")

st.markdown(
    "**Categorical columns** become integer codes, learned from the training rows. Code 0 "
    "is kept for a missing value and code 1 for a value the training rows never had, so a "
    "new row can never break the model:\n" + tr.code_lines(prep))

st.markdown("**A few rows, before and after** (rows with a gap first). Every number in the "
            "second table comes from statistics of the training rows only.")
st.caption(f"Before: the rows as they are in the table ({ui.GAP} is a gap).")
ui.table(tables["before"])
st.caption("After: codes for categories, normalized numbers, and a True flag where a number "
           "was missing (the number itself then holds the normalized training median).")
ui.table(tables["after"])

# ---- the network -------------------------------------------------------------------------------

st.subheader("3 · The network")
m1, m2, m3 = st.columns(3)
inputs = ui.widget(SPEC["inputs"], m1) or SPEC["inputs"].default
layers = ui.widget(SPEC["layers"], m1)
dropout = ui.widget(SPEC["dropout"], m2)
wd = ui.widget(SPEC["wd"], m2)
epochs = ui.widget(SPEC["tab_epochs"], m3)
lr = ui.widget(SPEC["tab_lr"], m3)

one_hot = inputs == "one-hot"
sizes, width = tr.input_sizes(prep, one_hot)
n_cont = len(prep.continuous)
e1, e2 = st.columns([1, 1.3])
with e1:
    if one_hot:
        st.markdown("**One-hot**: each category is a fixed row of an identity matrix, as "
                    "wide as the number of codes. Nothing about the categories is learned "
                    "before the first layer.")
    else:
        st.markdown("**Embeddings**: each code looks up its own row of a small learned "
                    "table. The width follows a rule of thumb (fast.ai's):")
        # Two short lines: the column is about 200 px wide on a tablet.
        ui.formula(r"\begin{gathered}\text{width} = \min(600,\ r) \\ "
                   r"r = \operatorname{round}(1.6\,n^{0.56})\end{gathered}",
                   "n = number of codes, including the two reserved ones; r = the rule's "
                   "width before the cap at 600.")
    ui.table(sizes)
with e2:
    chain = " → ".join(f"Linear({u}) → ReLU → BatchNorm" + (
        f" → Dropout({dropout:g})" if dropout > 0 else "") for u in layers.split(","))
    n_out = 1 if problem.kind == "regression" else len(problem.classes)
    st.markdown(
        f"**Input**: the {'one-hot columns' if one_hot else 'embeddings'} side by side "
        f"with the {n_cont} continuous column{'s' if n_cont != 1 else ''} = **{width} "
        f"numbers per row**.\n\n**Then**: {chain} → Linear({n_out}).\n\n"
        f"Trained with AdamW (weight decay {wd:g}) and a one-cycle learning rate peaking "
        f"at {lr:g}, in mini-batches.")

settings = tab.net_settings(layers, dropout, wd, epochs, lr, inputs)
# One setting may not hold the shared server for minutes: past the work limit it trains
# fewer epochs (the same run as asking for those epochs), or not at all.
cost = tab.training_cost(prepared, settings)
cost_words = tr.cost_note(cost)
if cost_words:
    ui.notice(cost_words, kind="warning")
if cost.refused:
    end_page()
settings = dataclasses.replace(settings, epochs=cost.epochs)
trained_epochs = cost.epochs

experiment = experiment_for(
    dataset, target, seed, raw, rows_pct, settings,
    lambda fraction: f"Training: epoch {round(fraction * trained_epochs)} of {trained_epochs}")
net_key = run_key(dataset, target, seed, raw, rows_pct, settings)
overfit, loss_description = loss_words(net_key, trained_epochs, experiment)
net = experiment.net
history = net.history
st.caption(f"{net.n_parameters:,} trainable numbers · batch size {net.batch_size} · "
           + (f"trained in {net.seconds:.1f} s ahead of time (these settings ship with the "
              "app, trained, so they show at once)." if net.shipped else
              f"trained in {net.seconds:.1f} s (kept in a cache: the same settings come back "
              "at once)."))
ui.chart(ui.built_chart(tc.loss_curves, history, problem.loss_name,
                        ui.chart_height(300)),
         "Training loss (mean over each epoch's batches, dropout on) and validation loss "
         "(after the epoch, dropout off). When validation turns up while training keeps "
         "falling, the network is memorizing.",
         description=loss_description)
if overfit is not None:
    ui.notice(overfit, "Fewer epochs, more dropout or weight decay, a smaller network or "
              "more training rows.", kind="info")

# ---- baselines ---------------------------------------------------------------------------------

st.subheader("4 · Does the network beat simpler models?")
versus = comparison_for(net_key, metric, baselines_for(dataset, target, seed, raw, rows_pct),
                        experiment)
t1, t2 = st.columns([1, 1.2])
with t1:
    ui.table(versus.table, {name: ".4f" for name in versus.table.columns if name != "model"})
    st.markdown(
        f"On this split the network's {metric} is **{versus.network:.3f}**: {versus.verdict} "
        f"({versus.trees:.3f}), against {versus.floor:.3f} for the do-nothing baseline. One "
        "split is noisy; move the split seed to see how much these numbers wander.")
with t2:
    ui.chart(ui.built_chart(tc.comparison_bars, versus.table, metric,
                            ui.chart_height(220)),
             f"Validation {metric} of each model on the same rows with the same "
             f"preprocessing ({'higher' if tab.higher_is_better(metric) else 'lower'} is "
             "better).", description=tr.comparison_description(versus.table, metric))

# ---- results -----------------------------------------------------------------------------------

st.subheader("5 · What the network learned")
r1, r2 = st.columns(2)
keep = prepared.y_valid >= 0
with r1:
    if problem.kind == "regression":
        ui.chart(ui.built_chart(tc.predicted_vs_actual, prepared.y_valid[keep],
                                experiment.valid_prediction, target,
                                ui.chart_height(340)),
                 "Each dot is a validation row; on the dashed line the prediction is exact.",
                 description=tr.scatter_description(prepared.target, experiment.metrics))
    else:
        labels = experiment.valid_prediction.argmax(axis=1)
        matrix = tab.confusion_matrix(prepared.y_valid[keep], labels, len(problem.classes))
        ui.chart(ui.built_chart(tc.confusion_chart, matrix, list(problem.classes),
                                ui.chart_height(320)),
                 "Rows: the true class; columns: the network's answer. The diagonal is "
                 "right; everything else is a mistake, and which one.",
                 description=tr.confusion_description(matrix, problem.classes))
with r2:
    importance = importance_for(dataset, target, seed, raw, rows_pct, settings, metric)
    ui.chart(ui.built_chart(tc.importance_bars, importance, metric,
                            ui.chart_height(260)),
             tr.importance_caption(metric, int(keep.sum())),
             description=tr.importance_description(importance, metric))

if one_hot:
    st.markdown("One-hot inputs are fixed, so there is no learned embedding to draw. Switch "
                "*Categories enter as* back to embeddings to see one.")
else:
    emb_columns, default_emb = tr.embedding_columns(prep)
    if emb_columns:
        if current_value("emb") not in emb_columns:
            st.session_state["emb"] = default_emb
        emb_col = ui.widget(SPEC["emb"], options=emb_columns)
        emb_table = embedding_for(net_key, emb_col, experiment)
        ui.chart(ui.built_chart(tc.embedding_scatter, emb_table, emb_col,
                                ui.chart_height(320)),
                 "Each category at its learned vector, flattened to the two directions "
                 "along which the vectors differ most (dot size: training rows). Categories "
                 "the network treats alike end up close together.",
                 description=tr.embedding_description(emb_table, emb_col))

# ---- predict one row ---------------------------------------------------------------------------

st.subheader("6 · Predict one row")
n_valid = len(prepared.valid_df)
try:
    requested_row = int(current_value("tab_row") or 1)
except ValueError:
    requested_row = 0
if not 1 <= requested_row <= n_valid:
    st.session_state["tab_row"] = 1
row_number = ui.widget(SPEC["tab_row"], max_value=n_valid)
original = prepared.valid_df.iloc[[row_number - 1]]
# The edit boxes below are a scratch pad for "what if" and stay out of the URL on purpose
# (keys start with '_'): the row slider above is what a shared link reproduces. The keys
# include the dataset and the row so a new row starts from its own values.
edited = original.copy()
form_cols = st.columns(4)
features = list(prep.categorical + prep.continuous)
for i, col in enumerate(features):
    box = form_cols[i % 4]
    key = f"_edit_{dataset}_{seed}_{row_number}_{col}"
    value = original[col].iloc[0]
    if col in prep.categorical:
        options, current = tr.category_choices(prep, col, value)
        choice = box.selectbox(escape_markdown(col), options, index=options.index(current),
                               key=key)
        edited[col] = pd.Series([tr.category_value(choice)], index=edited.index, dtype=object)
    else:
        number = box.number_input(escape_markdown(col),
                                  value=None if pd.isna(value) else float(value),
                                  key=key, placeholder="missing", format="%.4g")
        edited[col] = np.nan if number is None else float(number)


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=ui.FRAME_HASH_FUNCS)
def prediction(experiment_key: tuple, row: pd.DataFrame, _net, _prepared):
    """The network's output for one row, once per trained network and row: a class on the
    same settings asks for the same two rows on every run."""
    return ts.predict(_net.model, _prepared, *_prepared.prep.transform(row))


def predict_row(row):
    return prediction(net_key, row, net, prepared)


pred = predict_row(edited)
pred0 = predict_row(original)
truth = original[target].iloc[0]
p1, p2 = st.columns([1, 1.3])
with p1:
    truth_text = (f"{float(truth):.3f}" if problem.kind == "regression"
                  else tab._label(truth))
    st.markdown(f"The true value of **{escape_markdown(target)}** for this row: "
                f"**{escape_markdown(truth_text)}**.")
    if problem.kind == "regression":
        change = float(pred[0] - pred0[0])
        st.metric(f"Predicted {escape_markdown(target)}", f"{pred[0]:.3f}",
                  delta=f"{change:+.3f} from your edits" if abs(change) > 5e-4 else None)
        if dataset == "diamonds":
            st.caption(f"That is a price of about \\${np.exp(pred[0]):,.0f} "
                       f"(actual \\${np.exp(float(truth)):,.0f}).")
    else:
        k = int(pred[0].argmax())
        change = float(pred[0, k] - pred0[0, k])
        st.metric("Predicted class", problem.classes[k],
                  delta=(f"{change:+.1%} probability from your edits" if abs(change) > 5e-4
                         else None))
    st.caption("Change any box: the prediction updates. Empty a number box to make it "
               "missing; pick '(a new value)' for a category the network has never seen.")
with p2:
    if problem.kind != "regression":
        ui.chart(ui.built_chart(tc.probability_bars, list(problem.classes), pred[0],
                                ui.chart_height(60 + 40 * len(problem.classes))),
                 "The network's probability for each class for the row as edited.",
                 description=tr.probability_description(problem.classes, pred[0]))
    else:
        ui.table(pd.DataFrame({"as the network sees it": prep.transform_frame(
            edited).iloc[0].astype(str)}), index="input")

# ---- explanation ---------------------------------------------------------------------------------

st.subheader("What is going on")
st.markdown(tr.WHAT_IS_GOING_ON)
ui.formula(r"\text{input} = \big[\,E_{\text{island}}[c_1],\ E_{\text{sex}}[c_2],\ \dots,\ "
           r"x'_1,\ x'_2,\ \dots\big]",
           "One looked-up row per categorical column, side by side with the normalized "
           "numbers: that vector is what the first Linear layer sees.")
ui.check_yourself(tabular_quiz.QUESTIONS)
ui.next_concept(URL)
