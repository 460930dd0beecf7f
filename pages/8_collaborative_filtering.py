"""Collaborative filtering: a short list of numbers per user and per movie, learned from
ratings alone. Parameters in explorer/collab_spec.py; the data in explorer/collab_data.py,
the model in explorer/collab_model.py, what it learned in explorer/collab_analysis.py, the
planted-data study in explorer/collab_planted.py, charts in explorer/collab_charts.py."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from explorer import collab_analysis as ca
from explorer import collab_charts as cc
from explorer import collab_data as cd
from explorer import collab_model as cm
from explorer import collab_planted as cp
from explorer import collab_quiz, ui
from explorer import collab_shipped as cs
from explorer.collab_spec import DEFAULTS, MOVIELENS, PLANTED, SPEC, UPLOAD, settings_from
from explorer.shared_results import SharedResults
from explorer.text import escape_markdown

URL = "collaborative_filtering"
N_MAP = 300  # movies on the map and in the "nearest" picker: the most rated ones
MAX_PICKER_USERS = 1000  # users in the picker: all of MovieLens' 671, the most active of more


def end_of_page() -> None:
    """The pointer onward: this is the last page, so back to the map."""
    ui.next_concept(URL)


def md(text: object) -> str:
    """User ids, titles and upload messages as literal text inside the page's markdown."""
    return escape_markdown(text, max_chars=300)


present = ui.page_setup(
    "Collaborative filtering",
    "To recommend movies, give every user and every movie a short list of numbers "
    "(**latent factors**) and learn them from the ratings alone. Nobody tells the model "
    "what the numbers mean; below you will see that they end up capturing taste and genre, "
    "and how much each ingredient (range, biases, weight decay) buys on real ratings.",
    icon=":material/movie:",
    spec=SPEC)


# ---- cached data and training (shared by every visitor) -----------------------------------


@st.cache_resource(max_entries=2, show_spinner="Loading ratings…")
def builtin_data(source: str):
    if source == PLANTED:
        return cp.planted_tastes()
    return cd.load_movielens()


@st.cache_data(max_entries=8, show_spinner=False)
def uploaded_data(data: bytes):
    try:
        ratings, notes = cd.parse_ratings_csv(data)
    except cd.UploadError as exc:
        return None, [str(exc)]
    return ratings, notes


@st.cache_resource
def trained_store() -> SharedResults:
    return SharedResults(max_entries=24)


@st.cache_resource(max_entries=8)
def data_split(data_key: str, n: int):
    return cd.split(n, 0.1, seed=42)


@st.cache_data(max_entries=8, show_spinner=False)
def baselines(data_key: str, _ratings: cd.Ratings) -> dict[str, float]:
    train_idx, valid_idx = data_split(data_key, _ratings.n_ratings)
    return {"global mean": cm.global_mean_rmse(_ratings, train_idx, valid_idx),
            "biases only": cm.biases_only_rmse(_ratings, train_idx, valid_idx)}


@st.cache_resource(max_entries=8)
def shipped_model(data_key: str, settings: cm.Settings, _ratings: cd.Ratings):
    """The result shipped with the app for these settings (MovieLens at the page defaults
    and the staged comparison's rows: explorer.collab_shipped), else None."""
    if data_key != MOVIELENS or settings not in cs.shipped_settings():
        return None
    train_idx, valid_idx = data_split(data_key, _ratings.n_ratings)
    return cs.load(settings, cs.fingerprint(_ratings, train_idx, valid_idx))


def get_model(data_key: str, ratings: cd.Ratings, settings: cm.Settings,
              label: str = "Training") -> cm.Model:
    """The model for these settings: shipped with the app, from the shared store, or
    trained now with a bar."""
    shipped = shipped_model(data_key, settings, ratings)
    if shipped is not None and shipped.user_factors.shape[0] == ratings.n_users:
        return shipped
    store = trained_store()
    key = (data_key, settings)
    train_idx, valid_idx = data_split(data_key, ratings.n_ratings)

    def make(report):
        return cm.train(ratings, settings, train_idx, valid_idx,
                        lambda epoch, total: report(epoch / total))

    def text(fraction: float) -> str:
        if fraction == 0:
            return f"{label}: starting…"
        return f"{label}: epoch {round(fraction * settings.epochs)} of {settings.epochs}"

    return ui.shared_result(store, key, make, text)


def get_curves(data_key: str, ratings: cd.Ratings, settings: cm.Settings,
               label: str) -> cm.Model:
    """Only how training went for these settings (the staged comparison's rows): the model
    itself when it is in the store already, else trained now and kept without its tables."""
    shipped = shipped_model(data_key, settings, ratings)
    if shipped is not None:
        return shipped
    store = trained_store()
    if (data_key, settings) in store:
        return get_model(data_key, ratings, settings, label)
    train_idx, valid_idx = data_split(data_key, ratings.n_ratings)

    def make(report):
        return cm.train(ratings, settings, train_idx, valid_idx,
                        lambda epoch, total: report(epoch / total)).curves_only()

    def text(fraction: float) -> str:
        if fraction == 0:
            return f"{label}: starting…"
        return f"{label}: epoch {round(fraction * settings.epochs)} of {settings.epochs}"

    return ui.shared_result(store, ("curves", data_key, settings), make, text)


@st.cache_data(max_entries=64, show_spinner=False)
def learned(name: str, data_key: str, settings: cm.Settings, _model: cm.Model,
            _ratings: cd.Ratings, *args):
    """`ca.<name>(model, ratings, *args)`, once per model and arguments: a class on the same
    settings would otherwise repeat every table and map below on every run (a fifth of the
    page's server time). The model is the one trained for (data_key, settings)."""
    return getattr(ca, name)(_model, _ratings, *args)


@st.cache_data(max_entries=16, show_spinner=False)
def rating_grid(data_key: str, settings: cm.Settings, _model: cm.Model, _ratings: cd.Ratings,
                users: np.ndarray, items: np.ndarray):
    """ca.crosstab for these users and items, once per model (as `learned`)."""
    return ca.crosstab(_ratings, users, items, _model)


@st.cache_data(max_entries=32, show_spinner=False)
def about_data(name: str, data_key: str, _ratings: cd.Ratings, *args):
    """`cd.<name>(ratings, *args)` or `ca.<name>(…)` ("cd.item_counts"), once per data set
    and arguments."""
    module, _, function = name.partition(".")
    return getattr({"cd": cd, "ca": ca}[module], function)(_ratings, *args)


# ---- controls --------------------------------------------------------------------------

ui.preset_row(SPEC)

col_data, col_model, col_train = st.columns([1.1, 1, 1])
with col_data:
    dataset = ui.widget(SPEC["cf_dataset"])
    factors = ui.widget(SPEC["factors"])
with col_model:
    use_bias = ui.widget(SPEC["cf_bias"])
    use_range = ui.widget(SPEC["y_range"])
    wd = ui.widget(SPEC["cf_wd"])
with col_train:
    epochs = ui.widget(SPEC["cf_epochs"])
    lr = ui.widget(SPEC["cf_lr"])

settings = settings_from({"factors": factors, "cf_epochs": epochs, "cf_lr": lr, "cf_wd": wd,
                         "cf_bias": use_bias, "y_range": use_range})

# ---- the data ---------------------------------------------------------------------------

planted: cp.Planted | None = None
if dataset == UPLOAD:
    upload = st.file_uploader("A CSV with columns user, item, rating (title optional), "
                              f"at most {cd.MAX_UPLOAD_BYTES // 2**20} MB", type=["csv", "txt"],
                              key="_upload")  # an uploaded file cannot live in a URL
    example = cd.ratings_to_csv(builtin_data(PLANTED).ratings, n=2000)
    st.download_button("Download an example CSV", example, "example_ratings.csv", "text/csv")
    if upload is None:
        ui.notice("No file uploaded yet.", "Upload a CSV above, or pick MovieLens or planted "
                  "tastes to explore a built-in set.", kind="info")
        end_of_page()
        st.stop()
    payload = upload.getvalue()
    ratings, notes = uploaded_data(payload)
    if ratings is None:
        ui.notice(f"That file cannot be used: {md(notes[0])}", kind="error")
        end_of_page()
        st.stop()
    for note in notes:
        ui.notice(md(note), kind="info")
    data_key = "csv-" + hashlib.sha256(payload).hexdigest()[:16]
elif dataset == PLANTED:
    planted = builtin_data(PLANTED)
    ratings, data_key = planted.ratings, PLANTED
else:
    ratings, data_key = builtin_data(MOVIELENS), MOVIELENS

item_word = "movie" if dataset != UPLOAD else "item"
train_idx, valid_idx = data_split(data_key, ratings.n_ratings)
model = get_model(data_key, ratings, settings)
base = baselines(data_key, ratings)

if model.diverged_epoch is not None:
    ui.diverged(model.diverged_epoch, "Lower the learning rate, or turn range squeezing on.")
    end_of_page()
    st.stop()

# ---- 1. the idea before the training -----------------------------------------------------

st.header("1 · A table with holes")
users, items = about_data("ca.crosstab_ids", data_key, ratings, 10 if present else 12, 8)
grid = rating_grid(data_key, settings, model, ratings, users, items)
n_known = int(grid["rating"].notna().sum())
left, right = st.columns([1.5, 1])
crosstab_words = (
    f"The {len(users)} most active users against the {len(items)} most rated "
    f"{item_word}s. Solid cells: real ratings ({n_known} of {len(grid)}). Faded cells "
    "in (brackets): what the trained model predicts for the gaps."
    + (" Even among the most active users and the most popular titles there are "
       "holes." if n_known < len(grid) else ""))
with left:
    # On a phone the grid gets 11 px numbers and shorter labels, so every cell keeps room.
    wide, narrow = ui.by_width("crosstab", 640)
    with wide:
        ui.chart(ui.built_chart(cc.crosstab_chart,
                                grid, ratings.low, ratings.high, ui.chart_height(380)),
                 crosstab_words)
    with narrow:
        ui.chart(ui.built_chart(cc.crosstab_chart, grid, ratings.low, ratings.high,
                                ui.chart_height(380), compact=True), crosstab_words)
with right:
    st.markdown(
        f"Every user gets **{settings.factors} numbers** and every {item_word} gets "
        f"**{settings.factors} numbers**. Multiply them pairwise and add up (a dot product), "
        + ("add the two biases, " if settings.bias else "")
        + ("squeeze into the rating range, " if settings.y_range else "")
        + "and that is the predicted rating. Here is one gap filled, number by number:")
    gaps = grid[grid["rating"].isna()]
    cell = (gaps if len(gaps) else grid).iloc[0]
    worked = ca.worked_prediction(model, int(cell["uidx"]), int(cell["iidx"]))
    n_terms = min(2, len(worked.products))
    terms = r" \\ &+ ".join(f"({a:.2f})({b:.2f})" for a, b in zip(
        worked.user_factors[:n_terms], worked.item_factors[:n_terms], strict=True))
    more = len(worked.products) - n_terms
    tail = rf"\\ &+ \dots\ ({more}\text{{ more products}})" if more else ""
    st.markdown(f"**{md(cell['user'])}**, *{md(cell['movie'])}*:")
    st.latex(rf"\begin{{aligned}}\mathbf{{p}}_u\cdot\mathbf{{q}}_i &= {terms} {tail} "
             rf"\\ &= {worked.dot:.2f}\end{{aligned}}")
    if settings.bias:
        # two lines, so it fits the narrow column of a tablet in presentation mode
        st.latex(rf"\begin{{aligned}}&{worked.dot:.2f} + "
                 rf"\underbrace{{({worked.user_bias:.2f})}}_{{b_u}} \\ &+ "
                 rf"\underbrace{{({worked.item_bias:.2f})}}_{{b_i}} = {worked.score:.2f}"
                 r"\end{aligned}")
    if settings.y_range:
        st.latex(rf"{model.low:g} + {model.high - model.low:g}\,\sigma({worked.score:.2f}) "
                 rf"= {worked.prediction:.2f}")
    if len(gaps):
        st.caption(f"The model's guess for this gap: {worked.prediction:.2f}, the "
                   f"({worked.prediction:.1f}) in the table.")
    else:
        st.caption(f"No gaps here, so this is a known cell: rated {cell['rating']:g}, "
                   f"predicted {worked.prediction:.2f}.")

ui.formula(r"\hat r_{ui} = \mathrm{low} + (\mathrm{high}-\mathrm{low})\,"
           r"\sigma\!\left(\mathbf{p}_u\cdot\mathbf{q}_i + b_u + b_i\right)",
           f"p_u: the user's {settings.factors} factors, q_i: the {item_word}'s, b_u and b_i: "
           "their biases, σ: the sigmoid 1/(1+e^(−x)), which keeps every prediction inside "
           f"the range; here low = {ratings.low:g}, high = {ratings.high + cm.RANGE_HEADROOM:g} "
           "(a little above the top rating, because a sigmoid never quite reaches its ends).")

st.subheader("Move one user's tastes and watch their predictions")
if ratings.n_users > MAX_PICKER_USERS:  # a picker of 200,000 ids helps nobody
    in_picker = np.sort(about_data("cd.most_active_users", data_key, ratings, MAX_PICKER_USERS))
else:
    in_picker = np.arange(ratings.n_users)
user_labels = [str(u) for u in ratings.user_ids[in_picker]]
if st.session_state.get("user") not in user_labels:
    st.session_state.pop("user", None)  # e.g. after switching datasets
# One SVD gives the map, its axes (for moving the user) and the picker's titles.
movies = learned("movie_map", data_key, settings, model, ratings, N_MAP)
c1, c2, c3 = st.columns([1, 1, 1])
user_label = ui.widget(SPEC["user"], c1, options=user_labels,
                       index=user_labels.index(str(ratings.user_ids[users[0]])))
shift1 = ui.widget(SPEC["shift1"], c2)
shift2 = ui.widget(SPEC["shift2"], c3)
if len(in_picker) < ratings.n_users:
    st.caption(f"The picker lists the {len(in_picker):,} most active of the "
               f"{ratings.n_users:,} users.")
user_idx = int(in_picker[user_labels.index(user_label)])
edited = learned("user_edit", data_key, settings, model, ratings, user_idx, movies.axes,
                 (shift1, shift2))
moved_by = float(np.max(np.abs(edited["after"] - edited["before"])))
edit_words = (f"predicted ratings for the 10 most rated {item_word}s. Black "
              "tick: with the learned factors; bar: after adding the moves above to the user's "
              "factor vector along the two main axes of the movie map (section 3). The movies "
              "do not change; only this user's numbers do.")
ui.chart(ui.built_chart(cc.edit_chart, edited, ratings.low, ratings.high, ui.chart_height(330)),
         f"User {md(user_label)}'s {edit_words}",
         description=f"User {user_label}'s {edit_words} The largest change here: "
                     f"{moved_by:.2f}.")

with st.expander("An embedding is a one-hot vector times a matrix", expanded=False):
    # Small enough to fit a phone's width on two lines: 4 movies, 3 factors.
    show_items = items[:4]
    n_show = min(3, settings.factors)
    matrix = model.item_factors[show_items, :n_show].astype(np.float64)
    pick = 2 if len(show_items) > 2 else 0
    vec = ca.one_hot(pick, len(show_items))
    row = ca.one_hot_lookup(matrix, pick)

    def bmatrix(m: np.ndarray, fmt: str = ".2f") -> str:
        m = np.atleast_2d(m)
        return (r"\begin{bmatrix}" + r"\\".join(" & ".join(f"{v:{fmt}}" for v in r)
                                                  for r in m) + r"\end{bmatrix}")

    st.markdown(
        f"Looking up {item_word} number {pick + 1}'s factors is the same as multiplying a "
        "vector of zeros with a single 1 (a *one-hot* vector) by the factor matrix. The "
        "lookup is just the fast way to do it, and because it is a matrix product, gradient "
        "descent can learn the matrix like any other weight. Below: the first "
        f"{len(show_items)} of the most rated {item_word}s and their first {n_show} factors.")
    # presentation mode's larger type needs a line more on a phone
    st.latex(r"\begin{aligned}&" + bmatrix(vec, ".0f") + (r"\\ &\times" if present else "")
             + bmatrix(matrix) + r"\\ &= " + bmatrix(row) + r"\end{aligned}")
    st.caption("Rows of the matrix: " + "; ".join(
        f"{k + 1}. {md(ratings.item_titles[i])}" for k, i in enumerate(show_items)) + ".")

# ---- 2. training ------------------------------------------------------------------------

st.header("2 · Training")
final = model.valid_rmse[-1]
m1, m2, m3, m4 = st.columns(4)
m1.metric("Validation RMSE (this model)", f"{final:.3f}",
          delta=f"{final - base['biases only']:+.3f} vs biases only", delta_color="inverse")
m2.metric("Biases only (no factors)", f"{base['biases only']:.3f}")
m3.metric("Global mean for everyone", f"{base['global mean']:.3f}")
m4.metric("Best epoch", f"{int(np.argmin(model.valid_rmse)) + 1} of {len(model.valid_rmse)}",
          help=f"lowest validation RMSE {min(model.valid_rmse):.3f}")
train_rmse = [float(np.sqrt(v)) for v in model.train_loss]
best_epoch = int(np.argmin(model.valid_rmse)) + 1
curve_words = ca.describe_curves(train_rmse, model.valid_rmse)
ui.chart(ui.built_chart(cc.loss_chart, train_rmse, model.valid_rmse, base, ui.chart_height(340)),
         f"Error per epoch on the 90% training ratings ({len(train_idx):,}) and the 10% held "
         f"out ({len(valid_idx):,}, same random split for every setting). Dashed lines: the "
         "baselines on the same split. Lower is better; a rating scale of "
         f"{ratings.low:g} to {ratings.high:g}. {curve_words}",
         description=f"Training and validation RMSE by epoch, {len(model.valid_rmse)} epochs; "
                     f"lowest validation RMSE {min(model.valid_rmse):.3f} at epoch "
                     f"{best_epoch}. {curve_words}")
if final > base["global mean"]:
    ui.notice(f"This model ({final:.3f}) does worse on new ratings than predicting the "
              f"average rating for everyone ({base['global mean']:.3f}).",
              "Switch range squeezing and biases on, add weight decay, or lower the "
              "learning rate.", kind="warning" if final > 1.5 * base["global mean"]
              else "info")
elif final > min(model.valid_rmse) + 0.02 and train_rmse[-1] < train_rmse[best_epoch - 1]:
    ui.notice(f"Validation error went up from {min(model.valid_rmse):.3f} (epoch "
              f"{best_epoch}) to {final:.3f} while training error fell from "
              f"{train_rmse[best_epoch - 1]:.3f} to {train_rmse[-1]:.3f}: overfitting.",
              "Raise weight decay, or stop earlier.", kind="info")

st.subheader("The staged comparison")
# The comparison always uses the page defaults, so it is trained once per dataset and
# shared by every visitor and every preset (its last row is the default model itself).
stage_base = DEFAULTS
stage_rows = []
for name, words, stage in cm.stage_settings(stage_base):
    stage_model = get_curves(data_key, ratings, stage, label=f"Staged comparison, {name}")
    stage_rows.append({"model": name, "what it adds": words,
                       "validation RMSE": stage_model.valid_rmse[-1],
                       "best epoch's RMSE": min(stage_model.valid_rmse)})
stage_rows.append({"model": "biases only", "what it adds": "baseline: no factors at all",
                   "validation RMSE": base["biases only"],
                   "best epoch's RMSE": base["biases only"]})
stage_table = pd.DataFrame(stage_rows)
# Short headings: four columns fit a phone in presentation mode.
ui.table(stage_table.rename(columns={"validation RMSE": "RMSE, last epoch",
                                     "best epoch's RMSE": "RMSE, best epoch"}),
         {"RMSE, last epoch": ".3f", "RMSE, best epoch": ".3f"})
ui.chart(ui.built_chart(cc.stages_chart, stage_table, ui.chart_height(220)),
         "Validation RMSE after the last epoch, one bar per row of the table; orange: the "
         "biases-only baseline. A gap between 'best epoch' and the last epoch is overfitting.",
         description="Validation RMSE after the last epoch, one bar per model: " + "; ".join(
             f"{row['model']} {row['validation RMSE']:.3f}" for row in stage_rows) + ".")
st.caption(f"Each row adds one idea to the row above, all at the page defaults: "
           f"{stage_base.factors} factors, "
           f"{stage_base.epochs} epochs, learning rate {stage_base.lr:g}, and weight decay "
           f"{stage_base.wd:g} in the last row. Both RMSE columns are on the validation ratings.")

# ---- 3. what the model learned ---------------------------------------------------------

st.header("3 · What the model learned")
left, right = st.columns([1, 1.2])
with left:
    extremes = learned("bias_extremes", data_key, settings, model, ratings, 6 if present else 8)
    if settings.bias:
        among = ("among those with at least 20 ratings"
                 if (about_data("cd.item_counts", data_key, ratings) >= 20).any()
                 else f"no {item_word} has 20 ratings, so among all")
        lowest, highest = extremes.iloc[0], extremes[extremes["side"] == "highest"].iloc[0]
        bias_words = (f"The {item_word}s with the lowest and highest learned bias ({among}). "
                      "The bias is what is left after tastes are accounted for: liked or "
                      "disliked whoever watches.")
        ui.chart(ui.built_chart(cc.bias_chart, extremes, ui.chart_height(420)),
                 bias_words,
                 description=f"{bias_words} Lowest: {lowest['title']} ({lowest['bias']:.2f}); "
                             f"highest: {highest['title']} ({highest['bias']:.2f}).")
    else:
        ui.notice("Biases are off, so there are no learned biases to show.",
                  "Switch biases on above.", kind="info")
titles_on_map = movies.frame["title"].tolist()
if st.session_state.get("movie") not in titles_on_map:
    st.session_state.pop("movie", None)
with right:
    movie = ui.widget(SPEC["movie"], options=titles_on_map,
                      label=f"A {item_word} (for the map and its nearest neighbours)")
    ui.chart(ui.built_chart(cc.movie_map_chart,
                            movies.frame, movies.share, ui.chart_height(420), highlight=movie),
             f"The {len(movies.frame)} most rated {item_word}s, placed by the two directions in "
             f"which their {settings.factors} factors vary most (PCA). Hover for titles; "
             "scroll to zoom. Nearby points were rated alike by the same people.",
             description=f"Map of the {len(movies.frame)} most rated {item_word}s by the two "
                         f"main directions of their factors, which carry "
                         + " and ".join(f"{v:.0%}" for v in movies.share)
                         + f" of the spread; {movie} is marked.")

left, right = st.columns(2)
with left:
    st.markdown(f"**Nearest to *{md(movie)}*** (cosine similarity of factor vectors)")
    movie_idx = int(movies.items[titles_on_map.index(movie)])
    ui.table(learned("cosine_neighbours", data_key, settings, model, ratings, movie_idx, 8),
             {"cosine similarity": ".3f"})
with right:
    n_rated = int(np.sum(ratings.user == user_idx))
    st.markdown(f"**Top picks for user {md(user_label)}** ({n_rated} ratings, none of "
                "them shown here)")
    ui.table(learned("recommend", data_key, settings, model, ratings, user_idx, 8),
             {"predicted rating": ".2f"})
    st.caption(f"Among {item_word}s with at least 10 ratings. "
               + (f"The squeezed range reaches {model.high:g}, so a strong match can pass "
                  f"{ratings.high:g}." if model.high is not None else ""))

if planted is not None:
    st.subheader("Did it find the planted tastes?")
    found = cp.recovery(model, planted)
    k1, k2, k3 = st.columns(3)
    k1.metric("Movies: canonical correlations",
              " / ".join(f"{c:.3f}" for c in found.item_correlations))
    k2.metric("Users: canonical correlations",
              " / ".join(f"{c:.3f}" for c in found.user_correlations))
    k3.metric("Validation RMSE vs planted noise", f"{final:.3f} vs {planted.noise:.2f}")
    ui.chart(ui.built_chart(cc.planted_chart, found.items, ui.chart_height(320)),
             "Each dot is a movie: its planted trait (x) against the best straight-line "
             "read-out of its learned factors' two main directions (y). A diagonal line means "
             "the model found the hidden taste, up to a rotation and scale it cannot know.",
             description="Planted trait against the read-out of the learned factors, per "
                         "movie and taste; canonical correlations "
                         + " and ".join(f"{c:.3f}" for c in found.item_correlations) + ".")
    st.caption("Canonical correlation: the best correlation any linear mix of the learned "
               "numbers reaches with a mix of the planted ones (1 = found exactly).")

# ---- 4. sparsity and cold start --------------------------------------------------------

st.header("4 · Sparsity and the cold start")
d1, d2, d3, d4 = st.columns(4)
d1.metric("Users", f"{ratings.n_users:,}")
d2.metric(f"{item_word.capitalize()}s", f"{ratings.n_items:,}")
d3.metric("Ratings", f"{ratings.n_ratings:,}")
d4.metric("Cells filled", f"{ratings.density:.2%}",
          help="ratings / (users × items)")
counts = about_data("cd.item_counts", data_key, ratings)
few = float(np.mean(counts <= 2))
n_params = cm.n_parameters(ratings.n_users, ratings.n_items, settings.factors, settings.bias)
per_rating = n_params / max(len(train_idx), 1)
st.markdown(
    f"Only {ratings.density:.2%} of the user × {item_word} table is filled"
    + (f"; {few:.0%} of the {item_word}s have two ratings or fewer, so their factors rest on "
       "almost nothing" if few >= 0.01 else "")
    + f". This model learns {n_params:,} numbers, ({ratings.n_users:,} users + "
    + f"{ratings.n_items:,} {item_word}s) × "
    + (f"({settings.factors} factors + 1 bias)" if settings.bias else
       f"{settings.factors} factors")
    + f", from {len(train_idx):,} training ratings: {per_rating:.1f} numbers per rating"
    + (", more numbers than ratings" if per_rating > 1 else "")
    + ". A **new user** has no ratings at all: their factors stay at zero and the dot "
    "product is 0 for every title, so "
    + ("all the model can do is rank by the learned biases, the same list for everyone:"
       if settings.bias else "with biases off every title gets the same prediction:"))
ui.table(learned("cold_start", data_key, settings, model, ratings, 5),
         {"predicted rating": ".2f"})
st.caption("Ask a new user to rate a few titles, and their factors can be fitted with the "
           f"{item_word} factors held fixed: that is how real services get past the cold start.")

# ---- what is going on ------------------------------------------------------------------

st.header("What is going on")
st.markdown(
    "Each step takes a batch of known ratings and nudges the factors and biases of the users "
    f"and {item_word}s in it to shrink their squared error; the rest wait for a batch that "
    "names them. Weight "
    "decay adds the size of those numbers to what is being shrunk: a pull towards zero "
    f"each time a user or {item_word} is in a batch, so it pulls hardest on the ones with "
    "many ratings. The validation error, on ratings the model never trained on, is the "
    "honest score.")
# Two lines, so it fits a phone's width.
ui.formula(r"\begin{aligned}\text{loss} &= \frac{1}{|B|}\sum_{(u,i)\in B}(\hat r_{ui}-r_{ui})^2"
           r"\\ &+ \frac{\lambda}{|B|}\sum_{(u,i)\in B}\left(\lVert\mathbf{p}_u\rVert^2"
           r"+\lVert\mathbf{q}_i\rVert^2+b_u^2+b_i^2\right)\end{aligned}",
           "B: a batch of known ratings, λ: the weight decay. Adam takes the gradient step, "
           "for the rows in the batch only (sparse Adam, as torch.optim.SparseAdam).")
ui.check_yourself(collab_quiz.QUESTIONS)
end_of_page()
