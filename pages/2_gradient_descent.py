"""Gradient descent: fit a line by walking downhill on the loss, then race optimizers on
harder surfaces. The trajectory is computed once per setting; the browser scrubs it."""

import time

import streamlit as st

from explorer import gradient_descent as gd
from explorer import gradient_descent_charts as gdc
from explorer import gradient_descent_quiz as gd_quiz
from explorer import gradient_descent_surfaces as gs
from explorer import ui
from explorer.gradient_descent_spec import SPEC

URL_PATH = "gradient_descent"


@st.cache_data(max_entries=64, show_spinner=False)
def fit_line(n, true_a1, true_a2, noise, seed, x_center, loss, opt, lr, epochs, batch,
             momentum, start_a1, start_a2):
    data = gd.make_data(n, true_a1, true_a2, noise, seed, x_center)
    traj = gd.train(data, start=(start_a1, start_a2), opt=opt, lr=lr, epochs=epochs,
                    batch=batch, momentum=momentum, loss=loss, seed=seed)
    view = gdc.line_view(data, traj, loss, (true_a1, true_a2))
    # Converted to Arrow once per setting and cached with it.
    return data, traj, view, ui.arrow_datasets(gdc.main_datasets(view))


@st.cache_data(max_entries=32, show_spinner=False)
def race_surface(name, lr, adam_lr, steps):
    surface = gs.SURFACES[name]
    races = gs.race(name, lr, adam_lr, steps)
    paths, grid = gdc.race_frames(surface, races)
    table = gdc.race_table(races, {"Gradient descent": lr, "Momentum": lr, "Adam": adam_lr},
                           steps)
    return ui.arrow_datasets(gdc.race_datasets(surface, paths, grid)), table


present = ui.page_setup(
    "Gradient descent",
    "A model starts from a guess, measures how wrong it is (the **loss**), works out which "
    "way each parameter should move to make the loss smaller (the **gradient**) and takes a "
    "small step that way. Repeat, and the guess slides downhill. Here the model is a line, "
    "so you can watch all of it at once: the line, the loss landscape and the numbers. "
    "**Drag the step slider under the charts** to replay the training.",
    icon=":material/trending_down:",
    spec=SPEC,
)

# Static CSS (no user text): a longer, easier to grab step slider under the main chart.
ui.static_css("""
[data-testid="stVegaLiteChart"] .vega-bind { font-size: 1.05rem; margin-top: 0.4rem; }
[data-testid="stVegaLiteChart"] .vega-bind input[type="range"] { width: 440px; }
""")

ui.preset_row(SPEC)

st.subheader("Training")
c1, c2, c3, c4, c5 = st.columns([1.3, 1.6, 1, 1, 1])
opt = ui.widget(SPEC["opt"], c1)
lr = ui.widget(SPEC["lr"], c2)
epochs = ui.widget(SPEC["epochs"], c3)
batch = ui.widget(SPEC["batch"], c4, disabled=opt == gd.FULL_BATCH)
momentum = ui.widget(SPEC["momentum"], c5, disabled=opt != "Momentum")
c1, c2, c3, _ = st.columns([1.3, 1.6, 1, 1])
loss = ui.widget(SPEC["loss"], c1, horizontal=True)
start_a1 = ui.widget(SPEC["start_a1"], c2)
start_a2 = ui.widget(SPEC["start_a2"], c3)

with st.expander("Data: n points on a noisy line", expanded=False):
    d1, d2, d3, d4, d5, d6 = st.columns(6)
    n = ui.widget(SPEC["n"], d1)
    true_a1 = ui.widget(SPEC["true_a1"], d2)
    true_a2 = ui.widget(SPEC["true_a2"], d3)
    noise = ui.widget(SPEC["noise"], d4)
    x_center = ui.widget(SPEC["x_center"], d5)
    seed = ui.widget(SPEC["seed"], d6)

data, traj, view, datasets = fit_line(n, true_a1, true_a2, noise, int(seed), x_center, loss, opt, lr,
                            epochs, batch, momentum, start_a1, start_a2)

if traj.diverged_at is not None:
    ui.diverged(traj.diverged_at,
                f"The charts show the {traj.steps} steps before that. Lower the "
                "learning rate.")
elif traj.losses[-1] > traj.losses[0]:
    ui.notice("The loss ended higher than it started: every step overshoots the minimum "
              "by a little more, so this run is slowly diverging.", "Lower the learning rate.")
if traj.capped:
    ui.notice(f"That is more than {gd.MAX_STEPS:,} steps, so training stopped at "
              f"{gd.MAX_STEPS:,}.", "Use fewer epochs or a bigger mini-batch.", kind="info")

# Wide enough to read from the back of a room, narrow enough that two fit side by side on
# a 1280 px projector.
width = 460 if present else 320
height = ui.chart_height(360)
# Building the Altair chart costs most of a second: built once per layout for every
# session, and filled with each setting's data (gradient_descent_charts.fill_spec).
template = ui.built_chart(gdc.main_chart, loss, width, height, traj.batch < data.n)
# Phones and tablets get the four panels stacked (ui.by_width picks one in the browser).
narrow_template = ui.built_chart(gdc.main_chart, loss, 165 if present else 215, height,
                                 traj.batch < data.n,
                                 stacked=True)
param_values = gdc.main_param_values(view)
last_frame = param_values[gdc.STEP_PARAM]["value"]
# Play/pause: a fragment that re-draws only the main chart about three times a second,
# moving the step slider's value along; paused, the slider is the browser's alone.
# Plain session state, not the URL: a link should open on a still picture.


settings = (n, true_a1, true_a2, noise, int(seed), x_center, loss, opt, lr, epochs, batch,
            momentum, start_a1, start_a2)


def _play():
    st.session_state["_gd_playing"] = True
    st.session_state["_gd_play_started"] = time.monotonic()
    st.session_state.pop("_gd_paused", None)


def _pause():
    st.session_state["_gd_playing"] = False
    # Hold the frame on screen (for these settings only).
    st.session_state["_gd_paused"] = st.session_state.get("_gd_shown")


playing = st.session_state.get("_gd_playing", False)
p1, p2, _ = st.columns([1, 1, 6])
p1.button("Play", icon=":material/play_arrow:", key="gd_play", on_click=_play,
          disabled=playing, width="stretch",
          help="Replay the training from step 0, then hand the slider back to you.")
p2.button("Pause", icon=":material/pause:", key="gd_pause", on_click=_pause,
          disabled=not playing, width="stretch")


@st.fragment(run_every=0.3 if playing else None)
def main_view():
    values = dict(param_values)
    if st.session_state.get("_gd_playing", False):
        # The frame follows the clock, not the tick count: the replay takes the same time
        # however fast the fragment reruns (0.3 s a step for short runs, 12 s at most).
        duration = min(max(0.3 * last_frame / view.stride, 3.0), 12.0)
        elapsed = time.monotonic() - st.session_state.get("_gd_play_started", 0.0)
        frame = min(int(elapsed / duration * last_frame / view.stride) * view.stride,
                    last_frame)
        values[gdc.STEP_PARAM] = {**values[gdc.STEP_PARAM], "value": frame}
        st.session_state["_gd_shown"] = (settings, frame)
        if frame >= last_frame:
            st.session_state["_gd_playing"] = False
            st.rerun(scope="app")
    else:
        paused = st.session_state.get("_gd_paused")
        if paused and paused[0] == settings:
            values[gdc.STEP_PARAM] = {**values[gdc.STEP_PARAM], "value": paused[1]}
    caption = (f"Step {view.last_step} of {traj.steps} drawn "
               f"({traj.batch} points per step, {traj.steps_per_epoch} "
               f"step{'s' if traj.steps_per_epoch != 1 else ''} per epoch). "
               "Drag the step slider to replay: the line, the dot on the loss surface, the "
               "loss curve and the gradient table all follow, without recomputing anything. "
               "Darker on the surface means lower loss; the cross is the lowest loss "
               "possible.")
    wide, narrow = ui.by_width("gd_main", wide_px=2 * width + (280 if present else 260))
    with wide:
        ui.chart(gdc.fill_spec(template, datasets, values), caption, key="main_chart",
                 width="content")
    with narrow:
        ui.chart(gdc.fill_spec(narrow_template, datasets, values), caption,
                 key="main_chart_narrow", width="content")


main_view()

start_loss, end_loss = float(traj.losses[0]), float(traj.losses[-1])
a_now = traj.params[-1]
m1, m2, m3, m4, m5 = st.columns([1, 1.2, 0.8, 0.8, 1.2])
m1.metric(f"{loss} at the start", f"{start_loss:.4f}")
m2.metric(f"{loss} after {traj.steps} steps", f"{end_loss:.4f}",
          delta=f"{end_loss - start_loss:+.4f}", delta_color="inverse")
m3.metric("a1 now", f"{a_now[0]:.3f}")
m4.metric("a2 now", f"{a_now[1]:.3f}")
m5.metric(f"Lowest {loss} at (a1, a2)", f"({view.minimum[0]:.3f}, {view.minimum[1]:.3f})")

st.subheader("What is going on")
left, right = st.columns(2)
with left:
    st.markdown(
        "**The model is one matrix product.** Put each x in a row next to a 1. The 1 is "
        "the input the intercept multiplies, so the intercept becomes just another "
        "parameter, and every prediction at once is X times the parameter vector:")
    ui.formula(r"\hat y = X a = \begin{bmatrix} x_1 & 1 \\ x_2 & 1 \\ \vdots & \vdots \\ "
               r"x_n & 1\end{bmatrix}\begin{bmatrix} a_1 \\ a_2 \end{bmatrix}",
               f"The first rows of this data's X ({data.n} rows in all):")
    head = gdc.design_head(data, rows=6)
    # st.table, not st.dataframe: a few numbers need no scrolling grid, and the grid's
    # script (0.5 MB) would load on every first visit.
    st.table(head, hide_index=True)
with right:
    if loss == "MSE":
        ui.formula(r"\begin{gathered}L(a) = \frac{1}{n}\sum_i (x_i a_1 + a_2 - y_i)^2 \\ "
                   r"\nabla L = \tfrac{2}{n} X^\top (X a - y)\end{gathered}",
                   "Mean squared error and its gradient: each residual pulls on each "
                   "parameter in proportion to that parameter's input.")
    else:
        ui.formula(r"\begin{gathered}L(a) = \frac{1}{n}\sum_i |x_i a_1 + a_2 - y_i| \\ "
                   r"\nabla L = \tfrac{1}{n} X^\top \operatorname{sign}(X a - y)"
                   r"\end{gathered}",
                   "Mean absolute error: every point pulls with the same strength, only the "
                   "side it is on counts, so outliers pull less than with MSE.")
    update = {
        gd.FULL_BATCH: (r"a \leftarrow a - \eta\, \nabla L(a)",
                        "Step against the gradient, η (the learning rate) times as far."),
        "SGD": (r"a \leftarrow a - \eta\, \nabla L_{\text{batch}}(a)",
                "The same step, but the gradient comes from a random mini-batch."),
        "Momentum": (r"v \leftarrow \mu v + \nabla L_{\text{batch}}(a), \quad "
                     r"a \leftarrow a - \eta\, v",
                     "The step keeps a running velocity: directions that agree step after "
                     "step build up speed; zig-zags cancel out."),
        "Adam": (r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ \ s \leftarrow \beta_2 s + "
                 r"(1-\beta_2) g^2,\ \ a \leftarrow a - \eta \frac{\hat m}{\sqrt{\hat s}+"
                 r"\epsilon}",
                 "Each parameter's step is divided by the typical size of its gradient, "
                 "so every parameter moves about η per step (m̂, ŝ: bias-corrected)."),
    }[opt]
    ui.formula(*update)
    st.markdown(
        "**The gradient three ways** (table in the chart): the formula above; PyTorch's "
        "autograd, which records the computation and runs it backwards (`loss.backward()`); "
        "and a finite difference, which nudges each parameter up and down by 0.00001 and "
        "measures the change in loss. They agree, which is how you check a gradient.")

curvature = gd.steepest_curvature(data)
st.markdown(
    "**Why the learning rate matters.** Along the steepest direction of the loss the "
    "slope changes fast. A step bigger than about 2 / (that curvature) jumps past the "
    "bottom to a higher point on the other side, and the next step jumps further: that "
    "is divergence. A step much smaller than that crawls. "
    + (f"For this data and MSE the steepest curvature is {curvature:.2f}, so learning "
       f"rates above {2 / curvature:.2f} diverge." if loss == "MSE" else
       "With MAE the loss has corners instead of a curvature, so no single learning rate "
       "marks the edge: big steps bounce around the minimum instead."))

st.divider()
st.subheader("Harder surfaces: gradient descent, momentum and Adam race")
st.markdown(
    "Real loss surfaces are not round bowls. Here three optimizers start from the same "
    "square on three classic two-parameter surfaces. Choosing a surface loads learning "
    "rates that tell its story; change them to see where each optimizer breaks.")


def _load_surface_defaults():
    surface = gs.SURFACES[st.session_state["surface"]]
    st.session_state["surface_lr"] = surface.lr
    st.session_state["adam_lr"] = surface.adam_lr
    st.session_state["surface_steps"] = surface.steps


s1, s2, s3, s4 = st.columns([1.3, 1.4, 1.4, 1])
surface_name = ui.widget(SPEC["surface"], s1, on_change=_load_surface_defaults)
surface_lr = ui.widget(SPEC["surface_lr"], s2)
adam_lr = ui.widget(SPEC["adam_lr"], s3)
surface_steps = ui.widget(SPEC["surface_steps"], s4)
surface = gs.SURFACES[surface_name]
st.info(surface.story, icon=":material/visibility:")
race_data, table = race_surface(surface_name, surface_lr, adam_lr, surface_steps)
left, right = st.columns([1.4, 1])
with left:
    race_caption = ("Each optimizer's path over the surface (darker is lower). Momentum "
                    f"uses μ = {gs.MOMENTUM}. Hover a path for its step and value.")
    ui.chart(gdc.fill_spec(ui.built_chart(gdc.race_chart_for, surface_name,
                                          ui.chart_height(460)), race_data),
             race_caption, key="race_chart")
with right:
    st.table(table, hide_index=True)
    st.caption("Steps until the optimizer is within 0.01 of a minimum. Adam gets its own "
               "learning rate because its steps are about that long whatever the gradient "
               "size, while the others' steps scale with the gradient.")

ui.check_yourself(gd_quiz.QUESTIONS)
ui.next_concept(URL_PATH)
