"""Deep learning on tables: from rows with categories and gaps to a network that must beat
honest baselines."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from explorer import tabular as tab
from explorer import tabular_charts as tc
from explorer import ui
from explorer.shared_results import SharedResults

URL = "tabular"

present = ui.page_setup(
    "Deep learning on tables",
    "A spreadsheet is not numbers yet: it has words (an island, a ticket class), gaps "
    "(an age nobody wrote down) and columns on wildly different scales. Below, a real "
    "table is turned into numbers step by step, a small network learns from it, and "
    "then it has to beat three simpler models on the same rows, or admit it does not.",
    icon=":material/table_chart:",
)

LAYER_OPTIONS = ["50", "100,50", "200,100", "500,250", "1000,500"]
LR_OPTIONS = [0.001, 0.003, 0.01, 0.03, 0.1]
WD_OPTIONS = [0.0, 0.001, 0.01, 0.1]
INPUT_OPTIONS = ["embeddings", "one-hot"]
DATASET_OPTIONS = [*tab.DATASETS, "upload"]

ui.preset_row([
    ui.Preset("penguins", "penguins species",
              {"dataset": "penguins", "inputs": "embeddings", "layers": "200,100",
               "dropout": 0.1, "wd": 0.01, "epochs": 10, "lr": 0.01, "metric": "accuracy"},
              note="Three species, three islands: look at the confusion matrix, then at "
                   "where the network put each island in the embedding chart."),
    ui.Preset("titanic_missing", "Titanic survival",
              {"dataset": "titanic", "inputs": "embeddings", "layers": "200,100",
               "dropout": 0.1, "wd": 0.01, "epochs": 10, "lr": 0.01, "metric": "F1"},
              note="Titanic survival with missing ages: one age in five is missing. See the "
                   "median fill and the age_na flag in the before/after table, and whether "
                   "the network beats the trees."),
    ui.Preset("diamonds", "diamond prices",
              {"dataset": "diamonds", "inputs": "embeddings", "layers": "200,100",
               "dropout": 0.0, "wd": 0.01, "epochs": 10, "lr": 0.03, "metric": "RMSE"},
              note="A regression on 53,940 rows: the loss is squared error of the log price; "
                   "check predicted against actual and how far the trees are ahead."),
    ui.Preset("one_hot", "no embeddings",
              {"dataset": "penguins", "inputs": "one-hot", "layers": "200,100",
               "dropout": 0.1, "wd": 0.01, "epochs": 10, "lr": 0.01, "metric": "accuracy"},
              note="No embeddings, one-hot instead: each category is a fixed column of 0s "
                   "and a 1, nothing to learn, so there is no embedding to draw. Compare the "
                   "accuracy with the penguins preset."),
    ui.Preset("overfit", "overfit: big net",
              {"dataset": "titanic", "inputs": "embeddings", "layers": "1000,500",
               "dropout": 0.0, "wd": 0.0, "epochs": 40, "lr": 0.01, "metric": "accuracy"},
              note="A big net with no dropout and no weight decay: the training loss keeps "
                   "falling while the validation loss stalls well above it and wobbles. The "
                   "gap is memorized detail that does not carry over to new passengers."),
])


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
def parse_upload(raw: bytes) -> pd.DataFrame:
    return tab.read_csv_upload(raw)


def table_for(dataset: str, raw: bytes | None) -> pd.DataFrame:
    return parse_upload(raw) if dataset == "upload" else load_table(dataset)


@st.cache_resource(max_entries=8, show_spinner=False)
def prepared_for(dataset: str, target: str, seed: int, raw: bytes | None):
    return tab.prepare(table_for(dataset, raw), target, seed)


@st.cache_data(max_entries=8, show_spinner=False)
def before_after_for(dataset: str, target: str, seed: int, raw: bytes | None):
    return tab.before_after(prepared_for(dataset, target, seed, raw))


@st.cache_resource(max_entries=8, show_spinner="Fitting the baselines on the same split…")
def baselines_for(dataset: str, target: str, seed: int, raw: bytes | None) -> pd.DataFrame:
    from explorer import tabular_model as tm

    return tm.baselines(prepared_for(dataset, target, seed, raw), seed)


@st.cache_resource
def experiment_store() -> SharedResults:
    """Trained networks shared by every session, keyed by data, split and settings."""
    return SharedResults(max_entries=12)


def experiment_for(dataset: str, target: str, seed: int, raw: bytes | None,
                   settings: tuple, show=None):
    """Train once per (data, split, settings), whichever session asks first; `show`
    follows the training's progress (0 to 1)."""
    digest = hashlib.sha256(raw).hexdigest() if raw is not None else None
    key = (dataset, target, seed, digest, settings)

    def make(report):
        from explorer import tabular_model as tm

        layers, dropout, wd, epochs, lr, one_hot = settings
        net_settings = tm.NetSettings(tuple(int(x) for x in layers.split(",")), dropout,
                                      wd, epochs, lr, one_hot)
        return tm.run_network(prepared_for(dataset, target, seed, raw), net_settings, seed,
                              lambda epoch, total: report(epoch / total))

    return experiment_store().get(key, make, show)


@st.cache_resource(max_entries=12, show_spinner="Shuffling one column at a time…")
def importance_for(dataset, target, seed, raw, settings, metric) -> pd.DataFrame:
    from explorer import tabular_model as tm

    exp = experiment_for(dataset, target, seed, raw, settings)
    return tm.permutation_importance(exp.net.model, exp.prepared, metric)


# ---- controls: the data --------------------------------------------------------------------

st.subheader("1 · The table and the question")
c1, c2, c3 = st.columns([1.4, 1, 1])
# Plain option names (no format_func): a bound selectbox writes the displayed text into
# the URL, and ?dataset=titanic reads better than the long label.
dataset = c1.selectbox("Dataset", DATASET_OPTIONS, key="dataset", bind="query-params",
                       help="penguins: species (3 classes) · titanic: survived (yes/no) · "
                            "diamonds: log price (regression) · upload: your own CSV file")
seed = c3.slider("Split seed", 0, 4, 0, key="seed", bind="query-params",
                 help="Which random 20% of the rows are held out for validation. Results "
                      "move between seeds; the tests average five.")

raw: bytes | None = None
target = tab.DATASETS[dataset].target if dataset != "upload" else None
if dataset == "upload":
    upload = st.file_uploader(
        "A CSV file with a header row (UTF-8, at most 5 MB, 40 columns, 60,000 rows)",
        type=["csv"], key="upload_csv", max_upload_size=5)
    if upload is None:
        ui.notice("No file uploaded yet.", "Upload a CSV above, or pick a built-in dataset.",
                  kind="info")
        ui.next_concept(URL)
        st.stop()
    raw = upload.getvalue()
    try:
        uploaded = parse_upload(raw)
    except tab.TableError as err:
        ui.notice(str(err), kind="error")
        ui.next_concept(URL)
        st.stop()
    columns = list(uploaded.columns)
    if current_value("target") not in columns:
        st.session_state["target"] = columns[-1]
    target = c2.selectbox("Target column (what to predict)", columns, key="target",
                          bind="query-params")
    st.caption(f"Uploaded table: {len(uploaded):,} rows × {len(columns)} columns "
               f"(digest {hashlib.sha256(raw).hexdigest()[:8]}).")
else:
    st.markdown(f"**{tab.DATASETS[dataset].label}.** {tab.DATASETS[dataset].about}")

try:
    prepared = prepared_for(dataset, target, seed, raw)
except tab.TableError as err:
    ui.notice(str(err), kind="error")
    ui.next_concept(URL)
    st.stop()

problem = prepared.problem
metric_choices = list(problem.metrics)
if current_value("metric") not in metric_choices:
    st.session_state["metric"] = metric_choices[0]
metric = c2.selectbox(
    "Measure of success", metric_choices, key="metric",
    bind="query-params",
    help="Accuracy counts right answers; precision, recall and F1 look at one class; "
         "RMSE and MAE measure the size of the errors of a regression.")

kind_words = {
    "binary": f"**binary classification** (2 classes: {', '.join(problem.classes)}; "
              f"'{problem.positive}' counts as positive for precision, recall and F1)",
    "multiclass": f"**multiclass classification** ({len(problem.classes)} classes: "
                  f"{', '.join(problem.classes)})",
    "regression": "**regression** (a number)",
}[problem.kind]
st.markdown(
    f"Target **{target}**: {kind_words}. So the network has "
    f"{'1 output' if problem.kind == 'regression' else f'{len(problem.classes)} outputs'}, "
    f"the loss it minimizes is **{problem.loss_name}**, and success is measured by "
    f"**{metric}** on the {len(prepared.valid_df):,} validation rows it never trains on "
    f"({len(prepared.train_df):,} training rows).")
if problem.kind == "regression":
    ui.formula(r"\text{loss} = \frac{1}{n}\sum_i (\hat y_i - y_i)^2 \qquad "
               r"\text{RMSE} = \sqrt{\text{loss}}\qquad \text{MAE} = \frac{1}{n}\sum_i "
               r"|\hat y_i - y_i|",
               "Squared error punishes a big miss much more than two half-size misses.")
else:
    ui.formula(r"\text{loss} = -\frac{1}{n}\sum_i \log p_i(\text{true class of row } i)",
               "Cross-entropy: the network pays a lot for being confidently wrong.")

# ---- preprocessing ---------------------------------------------------------------------------

st.subheader("2 · From a table to numbers")
prep = prepared.prep
split = prepared.columns
rule_rows = [{"column": c, "kind": "categorical", "why": split.reasons[c]}
             for c in split.categorical]
rule_rows += [{"column": c, "kind": "continuous", "why": split.reasons[c]}
              for c in split.continuous]
rule_rows += [{"column": c, "kind": "left out", "why": why} for c, why in split.dropped.items()]
left, right = st.columns([1, 1.3])
with left:
    st.markdown(
        "**The rule.** Text and true/false columns are categorical. A whole-number column "
        f"with at most {tab.MAX_INT_CATEGORIES} different values is categorical too (like "
        "a year). Any other number is continuous. A text column with a different value in "
        "most rows is an identifier (a name) and is left out.")
    st.dataframe(pd.DataFrame(rule_rows), hide_index=True, width="stretch")
with right:
    stats_rows = [{"column": c, "training median": prep.medians[c],
                   "training mean": prep.means[c], "training std": prep.stds[c],
                   "gaps in training": int(prepared.train_df[c].isna().sum())}
                  for c in prep.continuous]
    st.markdown(
        "**Continuous columns**: a gap is filled with the training median and a "
        "`<column>_na` flag records that it was missing (the gap itself can carry "
        "information). Then each column is normalized with the training mean and standard "
        "deviation, so all inputs are on the same scale (capped at ±5, so one typo cannot "
        "swamp the rest):")
    ui.formula(r"x' = \operatorname{clip}\left(\frac{x - \mu_{\text{train}}}"
               r"{\sigma_{\text{train}}},\ -5,\ 5\right)")
    if stats_rows:
        st.dataframe(pd.DataFrame(stats_rows).round(3), hide_index=True, width="stretch")
    else:
        st.caption("This table has no continuous columns.")

codes_text = []
for c in prep.cat_inputs:
    labels = prep.vocab[c]
    shown = ", ".join(f"{i}={label}" for i, label in enumerate(labels[:8]))
    more = f", … ({len(labels)} codes)" if len(labels) > 8 else ""
    codes_text.append(f"- **{c}**: {shown}{more}")
st.markdown(
    "**Categorical columns** become integer codes, learned from the training rows. Code 0 "
    "is kept for a missing value and code 1 for a value the training rows never had, so a "
    "new row can never break the model:\n" + "\n".join(codes_text))

before, after = before_after_for(dataset, target, seed, raw)
st.markdown("**A few rows, before and after** (rows with a gap first). Every number in the "
            "second table comes from statistics of the training rows only.")
st.caption("Before: the rows as they are in the table.")
st.dataframe(before, width="stretch")
st.caption("After: codes for categories, normalized numbers, and a True flag where a number "
           "was missing (the number itself then holds the normalized training median).")
st.dataframe(after, width="stretch")

# ---- the network -------------------------------------------------------------------------------

st.subheader("3 · The network")
m1, m2, m3 = st.columns(3)
inputs = m1.segmented_control("Categories enter as", INPUT_OPTIONS, default="embeddings",
                              key="inputs", bind="query-params",
                              help="Embeddings: a small learned vector per category. "
                                   "One-hot: a fixed 0/1 column per category.")
inputs = inputs or "embeddings"
layers = m1.selectbox("Hidden layers (units)", LAYER_OPTIONS, index=2, key="layers",
                      bind="query-params")
dropout = m2.slider("Dropout", 0.0, 0.5, 0.1, 0.05, key="dropout", bind="query-params",
                    help="Share of hidden units switched off at random in each training step.")
wd = m2.select_slider("Weight decay", WD_OPTIONS, value=0.01, key="wd", bind="query-params",
                      help="Pulls every weight a little toward zero at each step.")
epochs = m3.slider("Epochs", 1, 50, 10, key="epochs", bind="query-params",
                   help="Passes over the training rows.")
lr = m3.select_slider("Peak learning rate", LR_OPTIONS, value=0.01, key="lr",
                      bind="query-params",
                      help="The schedule warms up to this value, then anneals toward zero.")

one_hot = inputs == "one-hot"
size_rows = []
for c, n_codes in zip(prep.cat_inputs, prep.cardinalities, strict=True):
    size_rows.append({"column": c, "codes": n_codes,
                      "numbers per category": n_codes if one_hot else tab.embedding_size(
                          n_codes)})
n_cont = len(prep.continuous)
width = sum(r["numbers per category"] for r in size_rows) + n_cont
e1, e2 = st.columns([1, 1.3])
with e1:
    if one_hot:
        st.markdown("**One-hot**: each category is a fixed row of an identity matrix, as "
                    "wide as the number of codes. Nothing about the categories is learned "
                    "before the first layer.")
    else:
        st.markdown("**Embeddings**: each code looks up its own row of a small learned "
                    "table. The width follows a rule of thumb (fast.ai's):")
        ui.formula(r"\text{width}(n) = \min\left(600,\ \operatorname{round}(1.6\,n^{0.56})"
                   r"\right)", "n = number of codes, including the two reserved ones.")
    st.dataframe(pd.DataFrame(size_rows), hide_index=True, width="stretch")
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

settings_key = (layers, float(dropout), float(wd), int(epochs), float(lr), one_hot)
bar = st.progress(0.0, text="Training…")


def show_progress(fraction: float) -> None:
    bar.progress(fraction, text=f"Training: epoch {round(fraction * epochs)} of {epochs}")


experiment = experiment_for(dataset, target, seed, raw, settings_key, show_progress)
bar.empty()
net = experiment.net
history = net.history
st.caption(f"{net.n_parameters:,} trainable numbers · batch size {net.batch_size} · "
           f"trained in {net.seconds:.1f} s (kept in a cache: the same settings come back "
           "at once).")
ui.chart(ui.built_chart(tc.loss_curves, history, problem.loss_name,
                        ui.chart_height(300)),
         "Training loss (mean over each epoch's batches, dropout on) and validation loss "
         "(after the epoch, dropout off). When validation turns up while training keeps "
         "falling, the network is memorizing.")
last = history.groupby("split")["loss"].last()
best_epoch = int(history[history.split == "validation"].sort_values("loss").iloc[0].epoch)
if best_epoch < epochs * 0.6 and last["validation"] > 1.15 * history[
        history.split == "validation"]["loss"].min() and last["training"] < last["validation"]:
    ui.notice(f"Validation loss was lowest at epoch {best_epoch} and rose afterwards while "
              "training loss kept falling: overfitting.",
              "Fewer epochs, more dropout or weight decay, or a smaller network.", kind="info")

# ---- baselines ---------------------------------------------------------------------------------

st.subheader("4 · Does the network beat simpler models?")
base_table = baselines_for(dataset, target, seed, raw)
comparison = pd.concat([base_table, pd.DataFrame([{"model": tc.NET_NAME,
                                                   **experiment.metrics}])],
                       ignore_index=True)
higher = tab.higher_is_better(metric)
trees = float(comparison.set_index("model").loc["gradient-boosted trees", metric])
mine = float(experiment.metrics[metric])
floor = float(comparison[metric].iloc[0])
t1, t2 = st.columns([1, 1.2])
with t1:
    st.dataframe(comparison.set_index("model").round(4), width="stretch")
    gap = (mine - trees) if higher else (trees - mine)
    if abs(gap) < 0.005 * (1 if higher else max(trees, 1e-9) * 10):
        verdict = "about level with the gradient-boosted trees"
    elif gap > 0:
        verdict = "ahead of the gradient-boosted trees"
    else:
        verdict = "behind the gradient-boosted trees"
    st.markdown(
        f"On this split the network's {metric} is **{mine:.3f}**: {verdict} "
        f"({trees:.3f}), against {floor:.3f} for the do-nothing baseline. One split is "
        "noisy; move the split seed to see how much these numbers wander.")
with t2:
    ui.chart(ui.built_chart(tc.comparison_bars, comparison, metric,
                            ui.chart_height(220)),
             f"Validation {metric} of each model on the same rows with the same "
             f"preprocessing ({'higher' if higher else 'lower'} is better).")

# ---- results -----------------------------------------------------------------------------------

st.subheader("5 · What the network learned")
r1, r2 = st.columns(2)
keep = prepared.y_valid >= 0
with r1:
    if problem.kind == "regression":
        ui.chart(ui.built_chart(tc.predicted_vs_actual, prepared.y_valid[keep],
                                experiment.valid_prediction, target,
                                ui.chart_height(340)),
                 "Each dot is a validation row; on the dashed line the prediction is exact.")
    else:
        labels = experiment.valid_prediction.argmax(axis=1)
        matrix = tab.confusion_matrix(prepared.y_valid[keep], labels, len(problem.classes))
        ui.chart(ui.built_chart(tc.confusion_chart, matrix, list(problem.classes),
                                ui.chart_height(320)),
                 "Rows: the true class; columns: the network's answer. The diagonal is "
                 "right; everything else is a mistake, and which one.")
with r2:
    importance = importance_for(dataset, target, seed, raw, settings_key, metric)
    ui.chart(ui.built_chart(tc.importance_bars, importance, metric,
                            ui.chart_height(260)),
             f"Shuffle one column among the validation rows (so it no longer matches its "
             f"row) and measure how much {metric} gets worse, averaged over 3 shuffles. "
             "Near zero: the network does not rely on it.")

if one_hot:
    st.markdown("One-hot inputs are fixed, so there is no learned embedding to draw. Switch "
                "*Categories enter as* back to embeddings to see one.")
else:
    emb_columns = [c for c in prep.categorical if len(prep.vocab[c]) > 3]
    if emb_columns:
        # The penguins' island by default, else the column with the most categories.
        default_emb = ("island" if "island" in emb_columns
                       else max(emb_columns, key=lambda c: len(prep.vocab[c])))
        if current_value("emb") not in emb_columns:
            st.session_state["emb"] = default_emb
        emb_col = st.selectbox("Embedding to draw", emb_columns, key="emb",
                               bind="query-params")
        from explorer import tabular_model as tm

        emb_table = tm.embedding_table(net.model, prepared, emb_col)
        ui.chart(ui.built_chart(tc.embedding_scatter, emb_table, emb_col,
                                ui.chart_height(320)),
                 "Each category at its learned vector, flattened to the two directions "
                 "along which the vectors differ most (dot size: training rows). Categories "
                 "the network treats alike end up close together.")

# ---- predict one row ---------------------------------------------------------------------------

st.subheader("6 · Predict one row")
n_valid = len(prepared.valid_df)
try:
    requested_row = int(current_value("row") or 1)
except ValueError:
    requested_row = 0
if not 1 <= requested_row <= n_valid:
    st.session_state["row"] = 1
row_number = st.slider("Validation row", 1, n_valid, 1, key="row", bind="query-params")
original = prepared.valid_df.iloc[[row_number - 1]]
# The edit boxes below are a scratch pad for "what if" and stay out of the URL on purpose
# (keys start with '_'): the row slider above is what a shared link reproduces. The keys
# include the dataset and the row so a new row starts from its own values.
edited = original.copy()
form_cols = st.columns(4)
features = list(prep.categorical + prep.continuous)
missing_label, new_label = "(missing)", "(a new value)"
for i, col in enumerate(features):
    box = form_cols[i % 4]
    key = f"_edit_{dataset}_{seed}_{row_number}_{col}"
    value = original[col].iloc[0]
    if col in prep.categorical:
        options = [*prep.vocab[col][2:], missing_label, new_label]
        current = missing_label if pd.isna(value) else tab._label(value)
        if current not in options:
            current = new_label
        choice = box.selectbox(col, options, index=options.index(current), key=key)
        picked = (None if choice == missing_label else
                  "a value never seen in training" if choice == new_label else choice)
        edited[col] = pd.Series([picked], index=edited.index, dtype=object)
    else:
        number = box.number_input(col, value=None if pd.isna(value) else float(value),
                                  key=key, placeholder="missing", format="%.4g")
        edited[col] = np.nan if number is None else float(number)


def predict_row(row):
    from explorer import tabular_model as tm  # torch is loaded by now: the net is trained

    return tm.predict(net.model, prepared, *prep.transform(row))


pred = predict_row(edited)
pred0 = predict_row(original)
truth = original[target].iloc[0]
p1, p2 = st.columns([1, 1.3])
with p1:
    truth_text = (f"{float(truth):.3f}" if problem.kind == "regression"
                  else tab._label(truth))
    st.markdown(f"The true {target} of this row: **{truth_text}**.")
    if problem.kind == "regression":
        change = float(pred[0] - pred0[0])
        st.metric(f"Predicted {target}", f"{pred[0]:.3f}",
                  delta=f"{change:+.3f} from your edits" if abs(change) > 5e-4 else None)
        if dataset == "diamonds":
            st.caption(f"That is a price of about ${np.exp(pred[0]):,.0f} "
                       f"(actual ${np.exp(float(truth)):,.0f}).")
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
                 "The network's probability for each class for the row as edited.")
    else:
        st.dataframe(pd.DataFrame({"as the network sees it": prep.transform_frame(
            edited).iloc[0].astype(str)}), width="stretch")

# ---- explanation ---------------------------------------------------------------------------------

st.subheader("What is going on")
st.markdown(
    "- **Why codes and not the words?** A network multiplies numbers. Giving each category "
    "an arbitrary number (Biscoe = 2, Dream = 3) would invent an order; a lookup table "
    "instead gives each category its own vector, and training moves those vectors to "
    "wherever they help the loss.\n"
    "- **Embedding or one-hot?** One-hot is an embedding whose table is frozen to the "
    "identity matrix. A learned table can be narrower than the number of categories and "
    "can place similar categories near each other; with many categories (zip codes, "
    "products) that matters a lot.\n"
    "- **Why the _na flag?** Filling a gap with the median hides that it was a gap. On the "
    "Titanic, a missing age partly tells you about the passenger's class and records; "
    "the flag lets the network use that.\n"
    "- **Why only training statistics?** The validation rows stand in for tomorrow's data. "
    "If their mean or their categories leaked into the preprocessing, the score would be "
    "measured on data the model had partly seen.\n"
    "- **Why baselines?** On small tables, gradient-boosted trees are very hard to beat. "
    "A network is worth it when it wins on the same rows, or when its embeddings are "
    "useful elsewhere.")
ui.formula(r"\text{input} = \big[\,E_{\text{island}}[c_1],\ E_{\text{sex}}[c_2],\ \dots,\ "
           r"x'_1,\ x'_2,\ \dots\big]",
           "One looked-up row per categorical column, side by side with the normalized "
           "numbers: that vector is what the first Linear layer sees.")
ui.next_concept(URL)
