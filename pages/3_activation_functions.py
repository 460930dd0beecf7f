"""Activation functions: the bend between matrix multiplies, softmax, and why it matters."""


import streamlit as st

from explorer import activations as act
from explorer import activations_charts as charts
from explorer import activations_quiz as quiz
from explorer import activations_words as words
from explorer import ui
from explorer.activations_spec import SPEC
from explorer.text import escape_markdown

URL = "activation_functions"
BACKPROP_FILE = "pages/4_backprop_graph.py"
DEFAULT_LOGITS = SPEC["logits"].default
# The Last layer tab: what you predict, the last activation, what comes out, an example.
LAST_LAYER = (
    ("one yes/no probability", "sigmoid", "one number in (0, 1)", "is this e-mail spam?"),
    ("a value in a known range", "scaled sigmoid: lo + (hi − lo)·σ(z)",
     "one number in (lo, hi)", "a movie rating between 0.5 and 5.5"),
    ("one class among many", "softmax", "one probability per class, summing to 1",
     "which digit, 0 to 9?"),
    ("several labels at once", "one sigmoid per label", "each in (0, 1), independent",
     "which objects are in this photo?"),
    ("any continuous number", "none (identity)", "any real number",
     "a house price, a temperature"),
)

present = ui.page_setup(
    "Activation functions",
    "A layer multiplies its input by a matrix of weights, then sends each number through "
    "a small non-linear function: the **activation function**. What comes out are the "
    "**activations**. Here you can see the common functions and their slopes, turn "
    "scores into probabilities with softmax, and watch why the bend is what lets a stack "
    "of layers draw any shape.",
    icon=":material/show_chart:",
    spec=SPEC,
)

ui.preset_row(SPEC)

view = ui.widget(SPEC["view"])


# ---- cached work (explorer stays streamlit-free; the caches live here) -----------------
# Each chart is a template filled with its data by name: the data is made and converted to
# Arrow once per setting here, the templates are built once per layout (ui.built_chart) or
# are plain dicts that cost nothing to build (explorer.activations_charts).


@st.cache_data(max_entries=64, show_spinner=False)
def function_data(names: tuple[str, ...], half_width: int, slope: float):
    table = act.function_table(list(names), half_width, slope)
    return (ui.arrow_datasets(charts.function_datasets(table, names)),
            act.saturation(names[0], half_width, slope))


@st.cache_data(max_entries=64, show_spinner=False)
def softmax_data(logits: tuple[float, ...], temperature: float):
    table = act.softmax_table(logits, temperature)
    return table, ui.arrow_datasets(charts.softmax_datasets(table))


@st.cache_data(max_entries=64, show_spinner=False)
def sweep_data(logits: tuple[float, ...]):
    return ui.arrow_datasets({"sweep": act.temperature_sweep(logits)})


@st.cache_resource(max_entries=48, show_spinner="Training the network in torch…")
def fit(target: str, units: int, seed: int, hidden: str):
    """Trained once per setting and shared by every session (read-only afterwards)."""
    return act.fit_target(target, units, seed, hidden)


@st.cache_data(max_entries=48, show_spinner=False)
def fit_data(target: str, units: int, seed: int, hidden: str):
    result = fit(target, units, seed, hidden)
    return (ui.arrow_datasets(charts.hinge_datasets(result)),
            ui.arrow_datasets(charts.loss_datasets(result)))


@st.cache_data(max_entries=96, show_spinner=False)
def input_data(target: str, units: int, seed: int, hidden: str, x_in: float):
    return ui.arrow_datasets(charts.input_datasets(fit(target, units, seed, hidden), x_in))


def render_function_words(fn, slope, intervals, half_width):
    where = act.describe_saturation(intervals, -half_width, half_width)
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**{fn}**")
        f_tex, df_tex = act.latex(fn, slope)
        ui.formula(f_tex)
        ui.formula(df_tex,
                   "At a kink the slope shown is the one torch's autograd uses: "
                   "ReLU′(0) = 0, leaky ReLU′(0) = a, step′ = 0.")
    with right:
        st.markdown(f"**Saturated** (slope below {act.SATURATION_THRESHOLD}): {where}.")
        st.markdown(
            "Training sends the error backwards through every layer, and at each "
            "activation it is **multiplied by that function's slope**. Where the slope "
            "is nearly 0 the signal almost vanishes, so the weights before it barely "
            "learn. Stack a few saturated layers and the first layers stop learning "
            "altogether: the *vanishing gradient*.")
        ui.page_link(BACKPROP_FILE, "See vanishing gradients on the backprop page",
                     ":material/account_tree:", query_params={"preset": "sigmoid_vanishes"})
        st.caption(words.left_side_caption(slope))


def render_softmax(logits_text: str, temperature: float) -> None:
    ui.formula(r"p_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}"
               r"= \frac{e^{(z_i - z_{\max}) / T}}{\sum_j e^{(z_j - z_{\max}) / T}}",
               "Subtracting the largest logit first changes nothing in the result (it "
               "cancels) but keeps every exponent at or below 0, so nothing overflows.")
    try:
        logits = act.parse_logits(logits_text)
    except act.LogitsError as err:
        # The message quotes what was typed (or what a link carried): as text, not markdown.
        ui.notice(escape_markdown(str(err), max_chars=400),
                  f"Showing the example logits {DEFAULT_LOGITS} instead.", kind="error")
        logits = act.parse_logits(DEFAULT_LOGITS)

    logits = tuple(float(v) for v in logits)
    probs_table, bars = softmax_data(logits, temperature)
    height = ui.chart_height(320)
    left, right = st.columns(2, gap="large")
    with left:
        winner = probs_table.loc[probs_table["softmax"].idxmax()]
        ui.chart(charts.softmax_spec(temperature, height, present),
                 "One bar per class: its probability after softmax. The red bar is the "
                 "argmax, the class the network predicts.", data=bars,
                 description=f"Bar chart of the softmax probability of each of "
                             f"{len(probs_table)} classes at T = {temperature:g}; the "
                             f"argmax, {winner['class']}, gets {winner['softmax']:.1%}.")
    with right:
        hottest = act.softmax(logits, act.SWEEP_TEMPERATURES[-1])
        ui.chart(charts.temperature_spec(temperature, height),
                 "The same logits at every temperature from 0.05 to 20; the dashed line is "
                 "the T you chose.", data=sweep_data(logits),
                 description=f"Line chart of each class's probability against the "
                             f"temperature, 0.05 to 20, log scale; at T = 20 the shares run "
                             f"from {hottest.min():.1%} to {hottest.max():.1%}.")
    top = float(probs_table["softmax"].max())
    m1, m2, m3 = st.columns(3)
    m1.metric("Top class gets", f"{top:.1%}")
    m2.metric("Sum of softmax probabilities", f"{probs_table['softmax'].sum():.4f}")
    m3.metric("Sum of one sigmoid per class", f"{probs_table['sigmoid alone'].sum():.4f}")
    st.markdown(
        "**Why not one sigmoid per class?** A sigmoid squeezes each score into 0 to 1 on "
        "its own, without looking at the others, so the numbers need not add up to 1 (see "
        "the third number above): two classes could both say 90%. Softmax makes the "
        "classes compete for one shared total: raising one score takes probability away "
        "from all the others, and exactly one class comes out on top. Use it when each "
        "input belongs to exactly one class; use separate sigmoids when several labels "
        "can be true at once (a photo with both a cat and a dog).")
    shown = probs_table.assign(
        softmax=probs_table["softmax"].map(lambda p: f"{p:.4f}"),
        **{"sigmoid alone": probs_table["sigmoid alone"].map(lambda p: f"{p:.4f}")},
        argmax=probs_table["argmax"].map(lambda b: "◀ prediction" if b else ""))
    st.dataframe(shown.rename(columns={"softmax": "softmax p", "sigmoid alone":
                                       "sigmoid(z / T) alone"}),
                 hide_index=True, width="stretch")


def render_fit(target: str, units: int, seed: int, hidden: str) -> None:
    result = fit(target, units, seed, hidden)
    net = result.net
    hinges, losses = fit_data(target, units, seed, hidden)
    height = ui.chart_height(380)
    left, right = st.columns([2.2, 1], gap="medium")
    with left:
        part = "hinge" if hidden == "ReLU" else "straight line"
        ui.chart(ui.built_chart(charts.hinge_chart, hidden, height),
                 f"Pale orange: the target ({target}). Thin lines: each hidden unit's "
                 f"contribution w2·{'ReLU(w1·x + b1)' if hidden == 'ReLU' else '(w1·x + b1)'}"
                 f", one {part} per unit. Thick blue: their sum plus b2, the network's "
                 "output." + (" Black diamonds: the kinks, where a hinge bends the sum."
                              if hidden == "ReLU" else ""), data=hinges,
                 description=f"Line chart over x from −π to π: the target {target}, the "
                             f"{units} hidden units' contributions and the network's output; "
                             f"mean squared error {result.mse:.4f}, {len(net.kinks())} kinks.")
    with right:
        ui.chart(ui.built_chart(charts.loss_chart, int(result.logged_steps[-1]), result.mse,
                                height),
                 "Mean squared error on the target during training (full-batch Adam).",
                 data=losses,
                 description=f"Line chart of the mean squared error by training step, from "
                             f"{result.losses[0]:.3g} at the start to {result.mse:.4f} at "
                             f"step {int(result.logged_steps[-1])}.")
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Hidden units", units)
    m2.metric("Kinks used inside [−π, π]", len(net.kinks()))
    m3.metric("Final mean squared error", f"{result.mse:.4f}")
    m4.metric("Parameters", 3 * units + 1)

    if hidden == "none":
        slope_a, intercept_c = net.collapsed_line()
        st.markdown(
            f"**A straight line, whatever the weights.** Without an activation the hidden "
            f"layer is W1·x + b1 and the output W2·(W1·x + b1) + b2. Multiply it out: the "
            f"whole network is **y = {slope_a + 0.0:.4f}·x {'+' if intercept_c >= 0 else '−'} "
            f"{abs(intercept_c):.4f}**, one line with "
            f"slope W2·W1 and intercept W2·b1 + b2. {units} units, and it can do no more "
            "than one.")
    else:
        st.markdown(
            "**A sum of hinges.** Each ReLU unit outputs w2·max(w1·x + b1, 0): zero on one "
            "side of x = −b1/w1 and a straight ramp on the other. The network adds these "
            "hinges, so its output is straight pieces joined at the kinks. More units, "
            "more kinks, a closer fit: with enough of them a sum of hinges can follow any "
            "smooth curve as closely as you like.")
    ui.formula(r"y = b_2 + \sum_{i=1}^{n} w_{2,i}\,\max(w_{1,i}\,x + b_{1,i},\ 0)"
               if hidden == "ReLU" else
               r"\begin{aligned}y &= W_2 (W_1 x + b_1) + b_2 \\ &= (W_2 W_1)\,x + "
               r"(W_2 b_1 + b_2)\end{aligned}")

    st.subheader("Two linear layers are one linear layer")
    w1, b1, w2, b2 = act.random_linear_layers(seed)
    big_w, big_b = act.collapse_linear(w1, b1, w2, b2)
    st.markdown(
        f"Any weights will do; here are two layers (2 inputs → 3 → 2 outputs) drawn with "
        f"seed {seed}. Their product is a single 2 × 2 matrix, and the pair does exactly "
        "what that one matrix does.")
    w2_tex, w1_tex = act.bmatrix(w2, 1), act.bmatrix(w1, 1)
    single_tex, bias_tex = act.bmatrix(big_w), act.bmatrix(big_b)
    wide, narrow = ui.by_width("two_layers", wide_px=760)  # one line (about 730 px) or stacked
    with wide:
        st.latex(rf"W_2 W_1 = {w2_tex}{w1_tex} = {single_tex},\quad W_2 b_1 + b_2 = {bias_tex}")
    with narrow:
        st.latex(rf"\begin{{aligned}} W_2 W_1 &= {w2_tex} \\ &\quad {w1_tex} \\ "
                 rf"&= {single_tex} \\[4pt] W_2 b_1 + b_2 &= {bias_tex} \end{{aligned}}")
    probe = [1.0, -2.0]
    layered = act.two_layer_linear(probe, w1, b1, w2, b2)
    single = big_w @ probe + big_b
    st.caption(f"Check with x = (1, −2): layer by layer gives ({layered[0]:.3f}, "
               f"{layered[1]:.3f}); the single matrix gives ({single[0]:.3f}, "
               f"{single[1]:.3f}).")


def render_inventory(target: str, units: int, seed: int, hidden: str, x_in: float) -> None:
    inventory = act.tensor_inventory(fit(target, units, seed, hidden).net, x_in)
    table_col, chart_col = st.columns([2, 1], gap="medium")
    with table_col:
        st.dataframe(inventory, hide_index=True, width="stretch",
                     column_config={"values": st.column_config.TextColumn(
                         "values (first few)", width="large")})
    with chart_col:
        ui.chart(ui.built_chart(charts.input_chart, ui.chart_height(260)),
                 f"The network's output for every input; the red dot is x = {x_in:g}, the "
                 "input whose numbers the table lists.",
                 data=input_data(target, units, seed, hidden, x_in),
                 description=f"Line chart of the network's output for inputs from −π to π; "
                             f"at x = {x_in:g} it is {inventory['values'].iloc[-1]}.")
    is_param = inventory["kind"] == "parameter"
    is_act = inventory["kind"] == "activation"
    m1, m2 = st.columns(2)
    m1.metric("Parameters (stored, learned)", int(inventory.loc[is_param, "count"].sum()))
    m2.metric("Activations for this input (computed)",
              int(inventory.loc[is_act, "count"].sum()))
    st.caption("The rule: parameters are what training changes; activations are what the "
               "network computes. Pre-activations z and the activations h after the "
               "function both count as activations: both are computed for each input.")


def is_open(tab) -> bool:
    """Only the open tab's pictures are computed; its widgets render in every tab, so
    their values (and the URL) survive a switch of tabs."""
    return tab.open is not False


# ---- 1. the functions -------------------------------------------------------------------

with view[0]:
    c1, c2, c3, c4, c5 = st.columns([1, 1.5, 1.1, 1.1, 0.9], vertical_alignment="bottom")
    fn = ui.widget(SPEC["fn"], c1)
    compare = ui.widget(SPEC["compare"], c2, max_selections=4,
                        placeholder="add functions to overlay")
    half_width = ui.widget(SPEC["range"], c3)
    show_derivative = ui.widget(SPEC["show_derivative"], c5)
    names = [fn, *[c for c in compare if c != fn]]
    slope = ui.widget(SPEC["slope"], c4, disabled="leaky ReLU" not in names)
    if is_open(view[0]):
        curves, intervals = function_data(tuple(names), half_width, slope)
        specs = charts.functions_specs(names, intervals, half_width, show_derivative,
                                       ui.chart_height(340))
        panel_captions = ["The functions' outputs f(x).", "Their slopes f′(x)."]
        slopes = act.derivative(fn, act.grid(half_width), slope)
        where = act.describe_saturation(intervals, -half_width, half_width)
        descriptions = [
            f"Line chart of f(x) for {', '.join(names)}, x from −{half_width} to "
            f"{half_width}; {fn} is saturated (slope below {act.SATURATION_THRESHOLD}) {where}.",
            f"Line chart of the slope f′(x) of {', '.join(names)}; {fn}'s slope runs from "
            f"{slopes.min():.3g} to {slopes.max():.3g} on this range."]
        for col, spec, panel, spoken in zip(st.columns(len(specs), gap="medium"), specs,
                                            panel_captions, descriptions, strict=False):
            with col:
                ui.chart(spec, panel, data=curves, description=spoken)
        st.caption(
            f"{'First chart' if show_derivative else 'The chart'}: the output of "
            f"{', '.join(names)} for inputs from −{half_width} to {half_width}. "
            + ("Second chart: the slope at each input. " if show_derivative else "")
            + f"Grey bands: where {fn}'s slope is below {act.SATURATION_THRESHOLD} "
              "(saturated). Hover to read the values.")
        render_function_words(fn, slope, intervals, half_width)


# ---- 2. softmax -------------------------------------------------------------------------

with view[1]:
    st.markdown(
        "The last layer of a classifier gives one score per class, a **logit**: any real "
        "number. Softmax turns the scores into probabilities: raise e to each score, then "
        "divide by the total. The biggest score gets the biggest share, every share is "
        "positive, and the shares add up to 1.")
    c1, c2 = st.columns([1.3, 1], vertical_alignment="bottom")
    logits_text = ui.widget(SPEC["logits"], c1)
    temperature = ui.widget(SPEC["temperature"], c2)
    if is_open(view[1]):
        render_softmax(logits_text, temperature)


# ---- 3. why the non-linearity matters ----------------------------------------------------

with view[2]:
    st.markdown(
        "A network of one input, one hidden layer of *units* and one output, trained in "
        "torch to follow a target curve. Switch the activation between the layers off and "
        "no amount of units or training helps.")
    c1, c2, c3, c4 = st.columns([1.1, 1, 1.4, 1], vertical_alignment="bottom")
    hidden = ui.widget(SPEC["net_act"], c1, required=True)
    target = ui.widget(SPEC["act_target"], c2)
    units = ui.widget(SPEC["units"], c3)
    seed = ui.widget(SPEC["act_seed"], c4)
    if is_open(view[2]):
        render_fit(target, units, seed, hidden)


# ---- 4. parameters versus activations ---------------------------------------------------

with view[3]:
    st.markdown(
        f"The network from *Why bend* ({units} units, activation: {hidden}, fitted to "
        f"{target}), fed one input. **Parameters** are the numbers the network stores and "
        "training changes: weights and biases. **Activations** are the numbers it computes "
        "from the input on the way through; a new input gives new activations, and the "
        "parameters stay put.")
    x_in = ui.widget(SPEC["x_in"])
    if is_open(view[3]):
        render_inventory(target, units, seed, hidden, x_in)


# ---- 5. choosing the last layer ---------------------------------------------------------

with view[4]:
    st.markdown(
        "The last layer's activation decides what kind of number comes out. Pick it from "
        "what you want to predict:")
    # A table where it fits; on a phone the same rows as a list (ui.by_width).
    wide, narrow = ui.by_width("last_layer", wide_px=560)
    wide.markdown("| you predict | last activation | output | example |\n|---|---|---|---|\n"
                  + "\n".join(f"| {' | '.join(row)} |" for row in LAST_LAYER))
    narrow.markdown("\n".join(f"- **{what}**: {act_name}, {out}. *Example: {example}*"
                               for what, act_name, out, example in LAST_LAYER))
    st.caption("Hidden layers use ReLU or one of its smooth cousins (GELU, SiLU); the last "
               "layer's choice is about the shape of the answer, not about learning well.")

ui.check_yourself(quiz.QUESTIONS)
ui.next_concept(URL)
