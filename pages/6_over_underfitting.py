"""Over- and underfitting, and how to evaluate a model honestly."""

from dataclasses import dataclass

import streamlit as st

from explorer import fitting, ui
from explorer import fitting_charts as fc
from explorer import fitting_final as final
from explorer import fitting_final_charts as fc_final
from explorer import fitting_network as net
from explorer import fitting_network_charts as fnc
from explorer import fitting_protocol as protocol
from explorer import fitting_protocol_charts as fpc
from explorer import fitting_quiz as fit_quiz
from explorer.fitting_spec import (
    SPEC,
    TAB_EVAL,
    TAB_NET,
    TAB_POLY,
    network_config,
)
from explorer.shared_results import SharedResults

URL = SPEC.url_path

present = ui.page_setup(
    "Over- and underfitting",
    "A model can be **too simple** to follow the pattern (underfitting: wrong on the training "
    "data and on new data) or **so flexible** that it learns the noise of its training data by "
    "heart (overfitting: right on the training data, wrong on new data). You can only tell the "
    "two apart on data the model never trained on, so this page is also about how to hold "
    "such data out.",
    icon=":material/balance:",
    spec=SPEC,
)
ui.preset_row(SPEC, per_row=4)


def workflow_strip() -> None:
    """The workflow of a project as a compact checklist, with this page's tabs placed on it."""
    steps = [
        ("1. Choose an evaluation protocol", f"→ *{TAB_EVAL}* tab"),
        ("2. Beat a baseline", f"→ degree 0 or 1 in *{TAB_POLY}*; no hidden layer in "
                               f"*{TAB_NET}*"),
        ("3. Build a model that overfits", f"→ degree 15 in *{TAB_POLY}*; a big net in "
                                           f"*{TAB_NET}*"),
        ("4. Regularize and tune on validation", f"→ weight decay, dropout, more data, early "
                                                 f"stopping in *{TAB_NET}*"),
        ("5. Final model, tested once", f"→ retrain on training + validation data, score the "
                                        f"test set once: end of *{TAB_EVAL}*"),
    ]
    with st.container(border=True):
        cols = st.columns(len(steps))
        for col, (step, where) in zip(cols, steps, strict=True):
            col.markdown(f"**{step}**  \n{where}")


workflow_strip()

tab_poly, tab_net, tab_eval = ui.widget(SPEC["tab"])


# ---- polynomial tab ---------------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def poly_results(truth: str, noise: float, n: int):
    data = fitting.make_data(truth, n, noise, seed=0)
    return data, fitting.degree_sweep(data)


VERDICT_HEADS = {"underfit": "Underfit", "about right": "About right", "overfit": "Overfit"}

with tab_poly:
    c1, c2, c3, c4 = st.columns(4)
    truth = ui.widget(SPEC["truth"], c1)
    noise = ui.widget(SPEC["fit_noise"], c2)
    n_points = ui.widget(SPEC["fit_n"], c3)
    degree = ui.widget(SPEC["degree"], c4)

if tab_poly.open:
    with tab_poly:
        data, sweep = poly_results(truth, float(noise), int(n_points))
        coefs = fitting.fit_polynomial(data.x_train, data.y_train, degree)
        row = sweep.loc[sweep["degree"] == degree].iloc[0]
        verdict = fitting.verdict(sweep, degree)
        best = fitting.best_degree(sweep)
        head = VERDICT_HEADS[verdict]

        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Training error (MSE)", f"{row['train_mse']:.4f}")
        m2.metric("Validation error (MSE)", f"{row['val_mse']:.4g}")
        m3.metric("Verdict for degree " + str(degree), head)
        m4.metric("Best degree on validation", str(best))
        st.markdown(f"**Degree {degree} is {verdict}**: "
                    f"{fitting.verdict_reason(sweep, degree)} The noise alone costs "
                    f"{noise**2:.3f} (its variance): no model can have a validation error "
                    "much below that.")
        if degree + 1 > n_points:
            ui.notice(f"Degree {degree} has {degree + 1} coefficients but there are only "
                      f"{n_points} points, so many curves pass through all of them; this one "
                      "has the smallest coefficients.", kind="info")

        left, right = st.columns(2, gap="large")
        with left:
            ui.chart(ui.built_chart(fc.fit_chart, data, coefs, height=ui.chart_height(380)),
                     f"Black dots: the {n_points} training points the polynomial was fitted "
                     f"to. Grey: {fitting.VALIDATION_POINTS} validation points from the same "
                     "curve and noise, never used for fitting. Dashed green: the true curve. "
                     f"Blue: the fitted polynomial of degree {degree}.")
        with right:
            ui.chart(ui.built_chart(fc.sweep_chart,
                                    sweep, degree, height=ui.chart_height(380)),
                     "Training and validation error for every degree on the same data (log "
                     "axis). Training error never goes up as the degree grows. "
                     + fitting.validation_words(sweep))

        st.subheader("What is going on")
        ui.formula(r"\hat y(x) = w_0 + w_1 x + w_2 x^2 + \dots + w_d x^d",
                   "A polynomial of degree d has d + 1 weights; a higher degree is a more "
                   "flexible model.")
        ui.formula(r"\mathrm{MSE} = \frac{1}{n}\sum_{i=1}^{n}\bigl(y_i - \hat y(x_i)\bigr)^2",
                   "The weights are the ones that make the training MSE as small as possible "
                   "(least squares). The same formula on the validation points measures how "
                   "well the curve does on new data.")
        st.markdown(
            "A bigger degree can always match the training points at least as well as a "
            "smaller one (it can set its extra weights to zero), so training error never "
            "goes up. That is why training error cannot tell you when to stop. Validation "
            "error can: it pays for missing the pattern (too low a degree) *and* for "
            "chasing the noise (too high a degree). More training points leave less room to "
            "chase noise, which is why the same degree 15 behaves with 200 points.")


# ---- network tab ------------------------------------------------------------------------


@st.cache_resource(max_entries=1)
def training_cache() -> SharedResults:
    """Trained results shared by all sessions, keyed by every setting (24 most recent)."""
    return SharedResults(max_entries=24)


@dataclass(frozen=True)
class Trained:
    """One training as the page shows it: the result, its replay, and the replay chart's
    data converted to Arrow once (shared by every session that opens the same settings)."""

    result: net.NetResult
    replay: net.Replay
    data: dict
    params: dict


def run_with_progress(config: net.NetConfig, label: str) -> Trained:
    cache = training_cache()

    def make(report):
        result, replay = net.train_replay(config, progress=lambda f: report(min(f, 0.99)))
        frames = fnc.replay_datasets(result, replay)
        return Trained(result, replay, ui.arrow_datasets(frames),
                       fnc.replay_params(result, replay, frames))

    return ui.shared_result(cache, config, make, lambda fraction: f"Training {label}…")


def show_metrics(result: net.NetResult, baseline: net.NetResult | None,
                 early_stop: bool) -> None:
    shown = result.best if early_stop else result.final
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric("Training loss", f"{shown['train_loss']:.3f}")
    m2.metric("Validation loss", f"{shown['val_loss']:.3f}")
    gap_now = shown["val_loss"] - shown["train_loss"]
    gap_change = None
    if baseline is not None and len(baseline.history):
        gap_change = f"{gap_now - net.gap(baseline, early_stop):+.3f} vs. no regularization"
    m3.metric("Gap", f"{gap_now:.3f}", delta=gap_change, delta_color="inverse",
              help="Validation loss minus training loss: how much worse the net does on "
                   "points it never trained on.")
    if result.regression:
        m4.metric("Validation R²", f"{shown['val_acc']:.2f}",
                  help="1 − (mean squared error) / (variance of the heights): 1 is perfect, "
                       "0 is no better than always predicting the mean height.")
    else:
        m4.metric("Validation accuracy", f"{shown['val_acc']:.0%}")
    m5.metric("Best epoch", str(result.best_epoch),
              help="The epoch with the lowest validation loss.")


def replay_caption(result: net.NetResult, replay: net.Replay) -> str:
    config = result.config
    wide = [u for u in config.hidden if u > net.MAX_DRAWN_UNITS]
    drawn = (f" Layers wider than {net.MAX_DRAWN_UNITS} units show their first "
             f"{net.MAX_DRAWN_UNITS}." if wide else "")
    what = ("the predicted height (orange high, blue low)" if result.regression
            else "the probability of orange")
    return (f"Training replayed from {replay.frames} snapshots of the weights, from epoch 0 "
            f"(random weights) to epoch {int(replay.epochs[-1])}, closer together early on "
            "where most happens. Drag the snapshot slider or tick Play: the numbers, "
            f"{what} over the plane, the network and the marker on the loss curves follow, "
            "all computed from that snapshot's weights. In the network, each input and "
            "each neuron is a small picture of its value over the same plane (orange "
            "positive, blue negative, each scaled to its own largest value); lines are "
            "weights, thicker for larger ones, orange positive, blue negative." + drawn)


def replay_description(result: net.NetResult, replay: net.Replay) -> str:
    last = replay.stats.iloc[-1]
    score = (f"validation R² {last['val_acc']:.2f}" if result.regression
             else f"validation accuracy {last['val_acc']:.0%}")
    layers = ", ".join(str(u) for u in result.config.hidden) or "no hidden layer"
    return (f"Replay of training with {replay.frames} snapshots. Left: "
            f"{'the predicted height' if result.regression else 'the probability of orange'} "
            f"over the plane with the training and validation points. Right: the network "
            f"({', '.join(result.config.features)} in; hidden layers {layers}; one output), "
            f"each neuron drawn as its activation over the plane. Below: training and "
            f"validation loss per epoch. At the last snapshot, epoch {int(last['epoch'])}: "
            f"training loss {last['train_loss']:.3f}, validation loss {last['val_loss']:.3f}, "
            f"{score}; the lowest validation loss is at epoch {result.best_epoch}.")


# Static CSS (no user text): the replay's slider and Play box above the chart, the slider
# long enough to grab.
ui.static_css("""
[class*="st-key-net_replay"] .vega-embed { display: flex; flex-direction: column-reverse; }
[class*="st-key-net_replay"] .vega-bindings {
  display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; align-items: center;
  font-size: 1.05rem; margin-bottom: 0.5rem; }
[class*="st-key-net_replay"] .vega-bind input[type="range"] { width: 320px; }
.st-key-net_replay_mid_narrow .vega-bind input[type="range"] { width: 190px; }
""")
# The replay's three layouts, by presentation mode: side by side, and stacked at two sizes.
REPLAY_WIDTHS = {False: (700, 420, 300), True: (900, 520, 270)}
# Room the chart needs beyond its panels' width (the plane's axis, padding).
CHART_MARGIN = 60


def main_width_for(column_px: int) -> int:
    """The page's main width at which the network tab's right column (2.7 of 3.7 parts,
    beside the controls) is column_px wide."""
    return int(column_px * 3.7 / 2.7) + 70


def show_replay(trained: Trained, early_stop: bool) -> None:
    """The replay chart: side by side on a wide screen, stacked on narrower ones (the
    browser shows the one that fits, ui.by_width)."""
    result, replay = trained.result, trained.replay
    params = dict(trained.params)
    if early_stop:
        params[fnc.FRAME_PARAM] = {**params[fnc.FRAME_PARAM], "value": replay.best_frame}
    caption = replay_caption(result, replay)
    description = replay_description(result, replay)
    side_px, mid_px, small_px = REPLAY_WIDTHS[present]
    side, rest = ui.by_width("net_replay", main_width_for(side_px + CHART_MARGIN))
    with rest:
        mid, small = ui.by_width("net_replay_mid", main_width_for(mid_px + CHART_MARGIN))
    for where, width, stacked, key in ((side, side_px, False, "replay_chart"),
                                       (mid, mid_px, True, "replay_chart_mid"),
                                       (small, small_px, True, "replay_chart_small")):
        template = ui.built_chart(fnc.replay_chart, result.regression, width, stacked)
        with where:
            ui.chart(fnc.fill_spec(template, trained.data, params), caption, key=key,
                     width="content", description=description)
    ui.browser_player()


def show_before_after(result: net.NetResult, baseline: net.NetResult,
                      early_stop: bool) -> None:
    """The same net without regularization beside yours: boundaries and losses."""
    st.markdown("**Before and after, same data, same seed, same start weights**")
    top = fnc.shared_loss_top((baseline, result))
    height = ui.chart_height(400)
    cols = st.columns(2, gap="medium")
    for col, res, name in ((cols[0], baseline, "without regularization"),
                           (cols[1], result, "with your regularization")):
        with col:
            row = res.best if early_stop else res.final
            ui.chart(ui.built_chart(fnc.boundary_chart, res, early_stop, height=height,
                                    title=name),
                     f"Boundary {name}: training loss {row['train_loss']:.3f}, "
                     f"validation loss {row['val_loss']:.3f}, gap "
                     f"{row['val_loss'] - row['train_loss']:.3f}.")
            ui.chart(ui.built_chart(fnc.loss_chart, res, height=ui.chart_height(260),
                                    title=name, y_max=top),
                     "Training and validation loss per epoch; the dot is the best "
                     "validation epoch.")


with tab_net:
    ctrl, main = st.columns([1, 2.7], gap="large")
    with ctrl:
        st.markdown("**Data**")
        dataset = ui.widget(SPEC["fit_dataset"],
                            help="moons, circles, xor, spiral: two classes to tell apart. "
                                 "hills: a height to predict at every point (regression).")
        net_noise = ui.widget(SPEC["net_noise"])
        points = ui.widget(SPEC["points"])
        seed = ui.widget(SPEC["fit_seed"])
        st.markdown("**Model and training**")
        chosen_features = ui.widget(SPEC["fit_features"])
        hidden_text = ui.widget(SPEC["hidden"])
        activation = ui.widget(SPEC["activation"])
        optimizer_label = ui.widget(SPEC["optimizer"])
        lr = ui.widget(SPEC["fit_lr"])
        epochs = ui.widget(SPEC["fit_epochs"])
        batch = ui.widget(SPEC["fit_batch"])
        st.markdown("**Regularization**")
        wd = ui.widget(SPEC["fit_wd"])
        l1 = ui.widget(SPEC["l1"])
        dropout = ui.widget(SPEC["fit_dropout"])
        augment = ui.widget(SPEC["augment"])
        early_stop = ui.widget(SPEC["early_stop"])

if tab_net.open:
    with main:
        values = {"fit_dataset": dataset, "net_noise": net_noise, "points": points,
                  "fit_seed": seed, "fit_features": chosen_features, "hidden": hidden_text,
                  "activation": activation, "optimizer": optimizer_label, "fit_lr": lr,
                  "fit_epochs": epochs, "fit_batch": batch, "fit_wd": wd, "l1": l1,
                  "fit_dropout": dropout, "augment": augment}
        try:
            net.parse_hidden(hidden_text)
        except ValueError as err:
            values["hidden"] = SPEC["hidden"].default
            ui.notice(str(err), f"Using {values['hidden']} until the text is fixed.")
        if not chosen_features:
            ui.notice("A network needs at least one input feature.",
                      "Using x1 and x2 until you pick some.", kind="info")
        config = network_config(values)
        capped = net.within_step_budget(config)
        if capped.epochs < config.epochs:
            ui.notice(f"{config.epochs} epochs of {net.steps_per_epoch(config)} mini-batch "
                      f"steps each is more than this shared app allows; training runs "
                      f"{capped.epochs} epochs.", "Use a bigger batch or fewer points or "
                      "copies to train longer.", kind="info")
            config = capped
        trained = run_with_progress(config, "the network")
        result = trained.result
        baseline = (run_with_progress(config.unregularized(), "the same net without "
                                      "regularization").result
                    if config.regularized else None)

        if result.diverged_at is not None:
            ui.diverged(result.diverged_at, "Lower the learning rate (0.01 works for Adam, "
                                            "0.1 for SGD) and train again.")
        if len(result.history):
            show_metrics(result, baseline, early_stop)
            show_replay(trained, early_stop)
            if baseline is not None and len(baseline.history):
                show_before_after(result, baseline, early_stop)

    with tab_net:
        st.subheader("What is going on")
        ui.formula(
            # Two lines: on one, the formula was wider than a phone in presentation mode.
            r"\begin{aligned} L = &-\frac{1}{n}\sum_i \bigl[y_i\log p_i"
            r" + (1-y_i)\log(1-p_i)\bigr] \\ &+ \lambda_2\sum w^2 + \lambda_1\sum |w|"
            r"\end{aligned}",
            "The first line is the cross-entropy on the training points (p: the net's "
            "probability of orange, y: 1 for orange, 0 for blue); the second, the two "
            "penalties. Training lowers the sum. The penalties grow with the size of the "
            "weights, so the "
            "network only keeps large weights where they pay for themselves in fit. Biases are "
            "not penalized.")
        st.markdown(
            "- **A big net memorizes**: with thousands of weights and a hundred points, it can "
            "draw a boundary that loops around every noisy point. Training loss heads to 0; "
            "validation loss, after an early minimum, climbs, because the net grows more and "
            "more certain about points it gets wrong.\n"
            "- **Weight decay (L2)** and **L1** make large weights expensive, which keeps the "
            "boundary smooth. L1 also pushes many weights to exactly 0.\n"
            "- **Dropout** switches off each hidden unit with the chosen probability at every "
            "training step, so no unit can rely on a few others; at evaluation every unit is "
            "on.\n"
            "- **Augmentation** adds jittered copies of the training points with the same "
            "labels: it says \"a point nearby has the same class\", which is a smoothness "
            "assumption, not new information. **More data** is the real thing.\n"
            "- **Early stopping** keeps the weights of the epoch with the lowest validation "
            "loss. Switch it on above to see that boundary; the replay then opens on that "
            "epoch.\n"
            "- **Input features**: without a hidden layer a net can only draw a straight "
            "boundary, straight in whatever inputs it is given. In x1² and x2² a circle is "
            "straight (x1² + x2² = r²), and the sign of x1·x2 is the XOR pattern. A hidden "
            "layer learns such features itself: its neurons' pictures in the replay show "
            "what each one learned, and the next layer combines them. Feeding features in "
            "by hand, and drawing each neuron as a picture, are ideas from TensorFlow "
            "Playground (Daniel Smilkov and Shan Carter).\n"
            "- **Hills** is a regression task: each point has a height (a hill at upper "
            "right, a pit at lower left, plus noise), the net predicts a number instead of "
            "a class, and the loss is the mean squared error. It overfits the same way: "
            "the surface bends to reach single noisy heights.")


# ---- evaluation protocol tab -----------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner="Fitting every split…")
def protocol_results(rows: int, k: int, repeats: int, split_seed: int):
    return protocol.evaluate(rows, k, repeats, seed=split_seed)


with tab_eval:
    st.markdown(
        "**The task**: tell female from male Palmer penguins by four body measurements, with "
        "logistic regression. We take a small random sample of the 333 penguins and estimate "
        "the model's accuracy from that sample alone, as you would with your own small "
        "dataset. The penguins left out of the sample show what the accuracy really is.")
    e1, e2, e3, e4 = st.columns(4)
    rows = ui.widget(SPEC["rows"], e1)
    k = ui.widget(SPEC["k"], e2)
    repeats = ui.widget(SPEC["repeats"], e3)
    split_seed = ui.widget(SPEC["split_seed"], e4)

if tab_eval.open:
    with tab_eval:
        res = protocol_results(int(rows), int(k), int(repeats), int(split_seed))
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(f"{'Iterated ' if repeats > 1 else ''}{k}-fold estimate", f"{res.mean:.1%}",
                  help="The mean validation accuracy over all folds.")
        m2.metric("Spread across folds (std)", f"{res.spread:.1%}")
        lo, hi = res.holdout_scores.min(), res.holdout_scores.max()
        m3.metric(f"{protocol.HOLDOUT_DRAWS} hold-out splits range over",
                  f"{lo:.0%} – {hi:.0%}")
        m4.metric(f"Accuracy on the {res.n_reference} rows left out", f"{res.reference:.1%}")

        ui.chart(ui.built_chart(fpc.split_chart, res),
                 f"Which rows validate (orange) in each split. Hold-out: one random "
                 f"{1 / k:.0%} of the rows validates once. K-fold: the rows are cut into {k} "
                 "folds and each fold validates once while the others train. Iterated K-fold "
                 "reshuffles and does it again.")
        left, right = st.columns([1, 1.4], gap="large")
        with left:
            ui.chart(ui.built_chart(fpc.fold_chart, res, height=ui.chart_height(300)),
                     "Validation accuracy of each fold, with the mean and one standard "
                     f"deviation either side ({res.mean:.1%} ± {res.spread:.1%}). Each dot is "
                     "a different model trained on different rows.")
        with right:
            ui.chart(ui.built_chart(fpc.comparison_chart, res, height=ui.chart_height(300)),
                     f"Red: {protocol.HOLDOUT_DRAWS} random hold-out splits ({1 / k:.0%} "
                     f"validates), each one estimate. Blue: {protocol.HOLDOUT_DRAWS} {k}-fold "
                     "runs on fresh shuffles, each the mean of "
                     f"{k} folds. The dashed line is the accuracy on the penguins left out of "
                     f"the sample. Spread: hold-out ± {res.holdout_scores.std():.1%}, "
                     f"{k}-fold ± {res.kfold_means.std():.1%}.")

        st.subheader("What is going on")
        ui.formula(r"\widehat{\mathrm{acc}}_{K\text{-fold}} = \frac{1}{K}\sum_{j=1}^{K}"
                   r"\mathrm{acc}_j",
                   "acc_j: the accuracy on fold j of the model trained without fold j. "
                   "Every row is used for validation exactly once per repeat, and for "
                   "training K − 1 times.")
        st.markdown(
            "A hold-out split spends a part of the data on validation and trusts one number. "
            "With few rows, *which* rows land in that part changes the number a lot: look at "
            "how far the red dots spread. K-fold uses every row for validation once and "
            f"averages K scores, so its estimate moves less: {protocol.spread_words(res)}. "
            "Repeating it with fresh "
            "shuffles (iterated K-fold) steadies it further, at K × repeats models' cost. "
            "With a lot of data a single hold-out split is fine and cheap. Whatever the "
            "protocol, the test set stays locked away until the very end and is used once.")



# ---- the final model, scored once (evaluation protocol tab) ------------------------------


@st.cache_data(max_entries=32, show_spinner="Choosing, retraining and testing on every split…")
def final_results(rows: int, max_degree: int, seed: int):
    return final.evaluate(rows, max_degree, seed=seed)


with tab_eval:
    st.divider()
    st.subheader("The final model, scored once")
    st.markdown(
        "The last step of the workflow, on a new task: predict a penguin's body mass from its "
        "flipper length with a polynomial, and choose the degree. A random sample of "
        "penguins is split three ways: **training** rows fit every degree, **validation** "
        "rows pick the degree with the lowest error, **test** rows stay locked away. Then "
        "the chosen degree is refitted on training + validation rows and scored on the test "
        "rows, once: that is the number to report. Why lock the test rows away? The winner's "
        "validation score was picked *for being low*, so part of it is luck.")
    f1, f2, f3 = st.columns(3)
    final_rows = ui.widget(SPEC["final_rows"], f1)
    final_degrees = ui.widget(SPEC["final_degrees"], f2)
    final_seed = ui.widget(SPEC["final_seed"], f3)

if tab_eval.open:
    with tab_eval:
        fin = final_results(int(final_rows), int(final_degrees), int(final_seed))
        run = fin.example
        n_train, n_val, n_test = fin.sizes
        if fin.degrees[-1] < fin.max_degree:
            lengths = len(set(fin.x[run.train]))
            ui.notice(f"The {n_train} training rows of this split have {lengths} different "
                      f"flipper lengths, so a degree above {fin.degrees[-1]} would have more "
                      "coefficients than they can pin down: the choice here is among degrees "
                      f"0 to {fin.degrees[-1]}.", "Take a bigger sample to try them all.",
                      kind="info")
        st.markdown(f"**One split** ({n_train} training, {n_val} validation, {n_test} test "
                    "penguins)")
        m1, m2, m3 = st.columns(3)
        m1.metric("Degree chosen on validation", str(run.chosen))
        m2.metric("Its validation error (RMSE)", f"{run.chosen_val:.0f} g")
        m3.metric("Final model's test error, scored once", f"{run.test_rmse:.0f} g",
                  delta=f"{run.test_rmse - run.chosen_val:+.0f} g vs. validation",
                  delta_color="inverse")
        left, right = st.columns(2, gap="large")
        with left:
            ui.chart(ui.built_chart(fc_final.example_chart, fin, height=ui.chart_height(340)),
                     f"The {fin.rows} penguins of one random sample; the rest of the table's "
                     f"{len(fin.x)} in grey. Blue circles: {n_train} training rows; orange "
                     f"squares: {n_val} validation rows; red diamonds: {n_test} test rows. "
                     f"Black: degree {run.chosen}, the one validation chose, refitted on "
                     "training + validation rows.")
        with right:
            worse = "worse" if run.test_rmse > run.chosen_val else "better"
            ui.chart(ui.built_chart(fc_final.choice_chart, fin, height=ui.chart_height(340)),
                     f"Every degree from 0 to {fin.degrees[-1]}, fitted on the training rows "
                     f"(log axis). Validation error is lowest at degree {run.chosen} "
                     f"({run.chosen_val:.0f} g), so that degree is chosen. The red diamond is "
                     f"the final model on the test rows: {run.test_rmse:.0f} g, {worse} than "
                     "validation promised.")
        gap, fixed_gap = final.median_gaps(fin)
        st.markdown(f"**{len(fin.runs)} splits**, each on a fresh random sample of {fin.rows} "
                    "penguins")
        g1, g2, g3 = st.columns(3)
        g1.metric("Median gap, chosen degree", f"{gap:+.0f} g",
                  help="Test error minus validation error of the chosen degree, per split.")
        g2.metric(f"Median gap, degree {final.FIXED_DEGREE} fixed",
                  f"{fixed_gap:+.0f} g",
                  help="The same protocol with no choice: a straight line every time.")
        g3.metric("Test worse than validation promised", f"{fin.share_worse:.0%} of splits")
        reach = fc_final.gap_axis(fin)
        beyond = int((fc_final.gap_frame(fin)["gap"].abs() > reach).sum())
        edge = (f" {beyond} dot{'s' if beyond != 1 else ''} beyond ±{reach:,.0f} g "
                f"{'sit' if beyond != 1 else 'sits'} at the edge (the tooltip has the value)."
                if beyond else "")
        ui.chart(ui.built_chart(fc_final.gap_chart, fin, height=ui.chart_height(230)),
                 f"One dot per split: test error minus validation error. Red: the degree "
                 f"chosen on validation, median {gap:+.0f} g. Blue: degree "
                 f"{final.FIXED_DEGREE} fixed in advance, median {fixed_gap:+.0f} g. Right of "
                 f"the dashed line, validation promised too much.{edge} Medians, because a "
                 "few splits can decide a mean on their own: the mean gaps are "
                 f"{fin.mean_gap:+.0f} g and {fin.fixed_gap:+.0f} g.")
        st.markdown(final.gap_words(fin))

        st.markdown("**What is going on**")
        ui.formula(r"\hat d = \arg\min_{d}\ \mathrm{RMSE}_{\text{validation}}(d)",
                   "Each validation error is the degree's true error plus luck (which rows "
                   "landed in validation). The smallest of several such numbers is the one "
                   "with the most luck on its side, so it promises more than the degree "
                   "delivers.")
        st.markdown(
            "- The more candidates and the fewer validation rows, the more the winner's "
            "score flatters it: compare the two presets *Few rows, many degrees* and "
            "*Whole table*.\n"
            "- The test rows had no say in any choice, so their one score is an honest "
            "estimate for new penguins. Look at it, go back and choose again, and it becomes "
            "a second validation set with the same flattery.\n"
            "- Refitting on training + validation rows gives the final model more data, "
            "which usually helps a little; the fixed degree's gap shows that effect alone, "
            "with no choice involved.\n"
            "- Outside the flipper lengths it was fitted on, a model keeps its value at the "
            "nearest edge: a high-degree polynomial continued past its data would predict "
            "impossible masses.")

ui.check_yourself(fit_quiz.QUESTIONS)
ui.next_concept(URL)
