"""Convolution kernels: a small grid of weights slid over an image, taken apart."""

import numpy as np
import streamlit as st

from explorer import conv_architecture as ca
from explorer import conv_architecture_charts as cac
from explorer import conv_architecture_words as caw
from explorer import convolution as cv
from explorer import convolution_charts as cc
from explorer import ui
from explorer.convolution_cnn import feature_maps, predict  # torch-free
from explorer.convolution_spec import ARCH_PRESETS, CUSTOM, IMAGES, SPEC
from explorer.text import escape_markdown

URL = "convolution_kernels"

present = ui.page_setup(
    "Convolution kernels",
    "A convolutional layer slides a small grid of weights (a **kernel**, or filter) over "
    "the image. At every position it multiplies the pixels under the grid by the weights, "
    "adds the products up (plus a bias), and that sum becomes one pixel of the output. "
    "Pick an image and a kernel, then open up any output pixel to see its arithmetic.",
    icon=":material/blur_on:",
    spec=SPEC,
)

ui.preset_row(SPEC)

ZOOM = 1.4 if present else 1.0


# ---- cached data ------------------------------------------------------------------------


@st.cache_data(max_entries=8, show_spinner=False)
def photo(name: str, colour: bool) -> np.ndarray:
    return cv.sample_photo(name, colour)


@st.cache_data(max_entries=1, show_spinner=False)
def digits():
    return cv.load_digits_data()


@st.cache_data(max_entries=4, show_spinner=False)
def decoded_upload(data: bytes, colour: bool):
    """(image, None) or (None, message): a bad file must not become an exception."""
    try:
        return cv.load_upload(data, colour), None
    except cv.ImageError as err:
        return None, str(err)


@st.cache_resource(max_entries=1, show_spinner="Training the tiny CNN on the digits (once)…")
def tiny_cnn():
    from explorer.convolution_cnn import train_tiny_cnn

    return train_tiny_cnn()


@st.cache_data(max_entries=64, show_spinner=False)
def digit_figures(digit_index: int, zoom: float) -> dict[str, cc.Figure]:
    """Section 6's charts for one digit, their data converted to Arrow once."""
    model = tiny_cnn()
    images, _ = digits()
    digit01 = images[digit_index] / 255.0
    probs = predict(model, digit01)
    hand_bank = cv.kernel_bank(cv.HAND_MADE)
    hand_names = list(cv.HAND_MADE)
    figures = {
        "digit": cc.number_grid(images[digit_index], "the digit", kind="pixels",
                                cell=int(24 * zoom), decimals=0),
        "probabilities": cc.probabilities(probs, f"the CNN says {int(probs.argmax())}",
                                          height=int(170 * zoom)),
        "learned": cc.filter_bank(model.conv_weight[:, 0], "learned 3×3 filters",
                                  cell=int(30 * zoom)),
        "learned_maps": cc.map_bank(feature_maps(model, digit01),
                                    "their feature maps for this digit", cell=int(11 * zoom),
                                    names=[f"filter {k + 1}" for k in range(8)]),
        "hand": cc.filter_bank(hand_bank, "hand-made 3×3 kernels", cell=int(30 * zoom),
                               names=hand_names),
        "hand_maps": cc.map_bank(cv.relu_feature_maps(digit01, hand_bank),
                                 "their feature maps for this digit", cell=int(11 * zoom),
                                 names=hand_names),
    }
    return {name: figure._replace(data=ui.arrow_datasets(figure.data))
            for name, figure in figures.items()}


# ---- controls ---------------------------------------------------------------------------

st.subheader("1 · Pick an image and a kernel")
c_img, c_kernel, c_geom = st.columns([1.1, 1.1, 1])
with c_img:
    image_name = ui.widget(SPEC["image"])
    source, which, colour = IMAGES[image_name]
    digit_index = ui.widget(SPEC["digit"])
    image = None
    if source == "upload":
        # A file upload cannot live in a URL (and st.file_uploader cannot be bound).
        upload = st.file_uploader(
            "Your image (PNG, JPEG, …; at most 8 MB; shrunk to 320 pixels on its long side)",
            type=["png", "jpg", "jpeg", "gif", "bmp", "webp"], key="_upload_conv",
            max_upload_size=8)
        if upload is None:
            ui.notice("No image uploaded yet, so the China photo is shown.",
                      "Choose a file above to filter your own.", kind="info")
        else:
            image, problem = decoded_upload(upload.getvalue(), colour)
            if problem:
                ui.notice(problem, "Try a different PNG or JPEG file; the China photo is "
                          "shown meanwhile.", kind="error")
    if image is None:
        if source == "photo":
            image = photo(which, colour)
        elif source == "digit":
            image = digits()[0][digit_index]
        elif source == "pattern":
            image = cv.checkerboard() if which == "checkerboard" else cv.step_edge()
        else:
            image, colour = photo("china", colour), colour
with c_kernel:
    kernel_name = ui.widget(SPEC["kernel"])
    if kernel_name == CUSTOM:
        custom_text = ui.widget(SPEC["custom"], height=130)
        try:
            kernel = cv.parse_kernel(custom_text)
        except cv.KernelTextError as err:
            ui.notice(str(err), "Fix that entry; the identity kernel is used meanwhile.")
            kernel = cv.KERNELS["identity"]
    else:
        kernel = cv.KERNELS[kernel_name]
        st.caption(f"**{kernel_name}**: {cv.KERNEL_NOTES[kernel_name]}")
    flip = ui.widget(SPEC["flip"])
with c_geom:
    stride = ui.widget(SPEC["S"])
    padding = ui.widget(SPEC["P"])
    bias = ui.widget(SPEC["bias"])

used_kernel = cv.flip_kernel(kernel) if flip else kernel
f_size = used_kernel.shape[0]
channels = 3 if (np.ndim(image) == 3) else 1
per_colour = ui.widget(SPEC["per_colour"]) if channels == 3 else False
weights = cv.layer_weights(used_kernel, channels, per_colour)

h_in, w_in = np.shape(image)[-2:]
rows_fit = cv.output_size(h_in, f_size, stride, padding)
cols_fit = cv.output_size(w_in, f_size, stride, padding)
if not (rows_fit.valid and cols_fit.valid):
    ui.notice(f"The {f_size}×{f_size} kernel is larger than the {h_in}×{w_in} image even "
              f"with padding {padding}, so there is no position to put it.",
              "Add padding or pick a larger image; padding 2 is used meanwhile.")
    padding = max(padding, 2)
output = cv.conv2d(image, weights, bias, stride, padding)

# ---- input and output -------------------------------------------------------------------

st.subheader("2 · Input and output")
display_mode = ui.widget(SPEC["show"], horizontal=True)
out_h, out_w = output.shape[1:]
for key, top in (("row", out_h - 1), ("col", out_w - 1)):
    if st.session_state.get(key, 0) > top:  # a smaller output than the link was made for
        st.session_state[key] = top

display_in = cv.to_rgb_pixels(np.clip(np.rint(image), 0, 255).astype(np.uint8))
display_out = cv.to_rgb_pixels(cv.to_display(output, display_mode))
lo, hi = float(output.min()), float(output.max())

c_row, c_col = st.columns(2)
row = ui.widget(SPEC["row"], c_row, max_value=out_h - 1, value=min(out_h // 2, out_h - 1))
col = ui.widget(SPEC["col"], c_col, max_value=out_w - 1, value=min(out_w // 2, out_w - 1))
unit = cv.neuron(image, cv.neuron_weights(weights, per_colour), row, col, bias, stride,
                 padding)

left, right = st.columns(2)
with left:
    st.image(cv.framed(display_in, unit.top, unit.left, f_size), width="stretch")
    st.caption(f"**Input**: {h_in}×{w_in}" + (" × 3 colours" if channels == 3 else "")
               + f", values 0 to 255. The orange frame is the {f_size}×{f_size} patch "
               "under the kernel for the chosen output pixel"
               + (" (part of it lies in the zero padding)."
                  if unit.reaches_padding(h_in, w_in) else "."))
with right:
    st.image(cv.framed(display_out, row, col, 1), width="stretch")
    depth_text = " × 3" if per_colour else ""
    mapping = {
        cv.DISPLAY_MODES[0]: "values below 0 are drawn black and above 255 white",
        cv.DISPLAY_MODES[1]: f"the lowest value ({lo:.1f}) is drawn black and the highest "
                             f"({hi:.1f}) white, everything in between scaled linearly",
        cv.DISPLAY_MODES[2]: "the sign is dropped (−80 looks like +80), then values above "
                             "255 are drawn white",
    }[display_mode]
    st.caption(f"**Output**: {out_h}×{out_w}{depth_text}, values from {lo:.1f} to "
               f"{hi:.1f}; {mapping}. The orange frame marks the chosen output pixel.")

if not (rows_fit.fits and cols_fit.fits):
    ui.notice(f"With stride {stride} the {f_size}×{f_size} kernel does not tile this "
              f"{h_in}×{w_in} image exactly: the last {rows_fit.unused_columns} row(s) and "
              f"{cols_fit.unused_columns} column(s) are never read.",
              "Frameworks round the output size down, as here.", kind="info")

# ---- the neuron picture -----------------------------------------------------------------

st.subheader("3 · One output pixel, taken apart")
st.markdown(
    f"The output pixel at row {row}, column {col} is a single **neuron**. It looks only at "
    f"the {f_size}×{f_size} patch that starts at input row {unit.top}, column {unit.left} "
    f"(stride {stride} × {row} − padding {padding}). Every other output pixel uses the "
    "**same** weights on its own patch: that sharing is why a conv layer needs so few.")
decimals = 2 if np.any(np.abs(used_kernel - np.round(used_kernel)) > 1e-9) else 0
g1, g2, g3 = st.columns([1, 1, 1])
with g1:
    grid = cc.number_grid(unit.patch, "input patch", kind="pixels", decimals=0,
                          cell=int(44 * ZOOM))
    ui.chart(grid.spec, "The pixel values under the kernel (0 black, 255 white; padding is 0).",
             data=grid.data, width="content")
with g2:
    grid = cc.number_grid(unit.kernel, "kernel weights", kind="signed",
                          decimals=3 if decimals or (channels == 3 and not per_colour) else 0,
                          cell=int(44 * ZOOM))
    ui.chart(grid.spec, "The weights: orange positive, blue negative." + (
                 (" Three separate filters, each the same kernel reading only its own colour."
                  if per_colour else
                  " One slice per colour: the filter is as deep as the input.")
                 if channels == 3 else ""), data=grid.data, width="content")
with g3:
    grid = cc.number_grid(unit.products, "patch × weight", kind="signed", decimals=1,
                          cell=int(44 * ZOOM))
    ui.chart(grid.spec, "Each pixel times the weight on top of it.", data=grid.data,
             width="content")

products = unit.products
sign = "+" if bias >= 0 else "-"


def fmt(v: float) -> str:
    text = f"{v:.1f}".removesuffix(".0")
    return f"({text})" if v < 0 else text


if per_colour:
    lines = []
    for c, name in enumerate(("red", "green", "blue")):
        s = float(products[c].sum())
        lines.append(rf"\text{{{name}: sum of its {products[c].size} products}} = {s:.2f},"
                     rf"\quad {s:.2f} "
                     rf"{sign} {abs(bias):g} = \mathbf{{{s + bias:.2f}}}")
    st.latex(r"\begin{gathered}" + r"\\".join(lines) + r"\end{gathered}")
    check = [float(output[c, row, col]) for c in range(3)]
    st.caption("Three filters, three sums, three output numbers at this position (red, "
               "green, blue): " + ", ".join(f"{v:.2f}" for v in check) + ".")
else:
    flat = products.reshape(-1)
    if flat.size <= 9:
        first = " + ".join(fmt(v) for v in flat)
    elif products.shape[0] > 1:
        first = " + ".join(rf"\underbrace{{{fmt(float(p.sum()))}}}_{{\text{{{n}}}}}"
                           for p, n in zip(products, ("red", "green", "blue"), strict=True))
    else:
        first = rf"\text{{sum of the {flat.size} products}}"
    total = float(products.sum())
    st.latex(rf"\begin{{gathered}} {first} = {total:.2f} \\ {total:.2f} {sign} "
             rf"{abs(bias):g}\ (\text{{bias}}) = \mathbf{{{unit.total:.2f}}} \end{{gathered}}")
    shown = int(display_out[row, col, 0])
    st.caption(f"The sum of the products plus the bias is {unit.total:.2f}, exactly the "
               f"output value at row {row}, column {col} ({float(output[0, row, col]):.2f})"
               f", which the picture draws as grey level {shown} of 255."
               + (" The three colour slices' sums are shown separately above."
                  if products.shape[0] > 1 else ""))

# ---- size arithmetic and depth ----------------------------------------------------------

st.subheader("4 · Output size and parameter count")
st.markdown(
    "The kernel fits in (W − F + 2P)/S + 1 positions across the input: slide it from the "
    "left edge of the padded input in steps of S until it reaches the right edge. Try the "
    "worked examples: 227/11/4/0 (AlexNet), 7/3/1/0, 7/3/2/0, 5/3/2/1 and 7/3/3/0. "
    "Stride S and padding P are the sliders at the top.")
k1, k2, k3, k4 = st.columns(4)
calc_w = ui.widget(SPEC["W"], k1)
calc_f = ui.widget(SPEC["F"], k2)
depth_in = ui.widget(SPEC["D"], k3)
n_filters = ui.widget(SPEC["K"], k4)

calc = cv.output_size(int(calc_w), int(calc_f), stride, padding)
exact = calc.exact
exact_tex = (str(exact.numerator) if exact.denominator == 1 else
             rf"{exact.numerator}/{exact.denominator} \approx {float(exact):.2f}")
st.latex(rf"\frac{{W - F + 2P}}{{S}} + 1 = \frac{{{calc_w} - {calc_f} + 2\cdot{padding}}}"
         rf"{{{stride}}} + 1 = {exact_tex}")
if not calc.valid:
    ui.notice(f"The filter (F = {calc_f}) is wider than the padded input "
              f"({calc_w} + 2·{padding} = {calc_w + 2 * padding}): there is no position for "
              "it, so the layer has no output.", "Lower F or add padding.")
elif calc.fits:
    st.success(f"The filter tiles the input exactly: the output is {calc.size} wide.",
               icon=":material/check_circle:")
else:
    ui.notice(f"{exact_tex.split(' ')[0]} is not a whole number: this setting does not tile "
              f"the input. The last {calc.unused_columns} column(s) of the padded input are "
              f"never read, and frameworks such as PyTorch round down to {calc.size}.",
              "Change the stride or the padding to make it fit.")

conv_params = cv.conv_parameters(int(calc_f), int(depth_in), int(n_filters))
n_in = int(calc_w) ** 2 * int(depth_in)
n_out = calc.size**2 * int(n_filters)
dense_params = cv.dense_parameters(n_in, n_out)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Input volume", f"{calc_w}×{calc_w}×{depth_in}")
m2.metric("Output volume", f"{calc.size}×{calc.size}×{n_filters}")
m3.metric("Conv layer parameters", f"{conv_params:,}")
m4.metric("Fully connected, same shapes", f"{dense_params:,}")
ui.formula(
    r"\underbrace{(F\cdot F\cdot D + 1)\cdot K}_{\text{conv}} = "
    rf"({calc_f}\cdot{calc_f}\cdot{depth_in} + 1)\cdot{n_filters} = {conv_params:,}"
    .replace(",", "{,}"),
    f"Each of the K = {n_filters} filters is F×F×D weights deep plus one bias, whatever the "
    "image size. A fully connected layer between the same input and output would need one "
    "weight per input-output pair"
    + (f": {dense_params / conv_params:,.0f} times as many." if conv_params and n_out else
       "."))

# ---- pooling ----------------------------------------------------------------------------

st.subheader("5 · Pooling")
p1, p2, p3 = st.columns(3)
pool = ui.widget(SPEC["pool"], p1)
pool_size = ui.widget(SPEC["pool_size"], p2)
pool_stride = ui.widget(SPEC["pool_stride"], p3)
if pool == "none":
    st.markdown("Pooling shrinks a feature map by summarising each small window with one "
                "number: its largest value (max) or its mean (average). Pick one above to "
                "pool the output of section 2.")
elif pool_size > min(out_h, out_w):
    ui.notice(f"The {pool_size}×{pool_size} pool window is larger than the {out_h}×{out_w} "
              "output.", "Choose a smaller window or a larger image.")
else:
    pooled = cv.pool2d(output, pool_size, pool_stride, pool)
    ph, pw = pooled.shape[1:]
    q_left, q_right = st.columns(2)
    with q_left:
        st.image(display_out, width="stretch")
        st.caption(f"Before pooling: the output of section 2, {out_h}×{out_w} = "
                   f"{out_h * out_w:,} numbers per channel.")
    with q_right:
        st.image(cv.enlarge(cv.to_rgb_pixels(cv.to_display(pooled, display_mode)),
                            target=max(display_out.shape[:2])), width="stretch")
        st.caption(f"After {pool} pooling ({pool_size}×{pool_size}, stride {pool_stride}): "
                   f"{ph}×{pw} = {ph * pw:,} numbers per channel, drawn at the same size.")
    if pool == "max":
        kept = float(np.mean([cv.max_pool_kept_fraction(m, pool_size, pool_stride)
                              for m in output]))
        st.markdown(f"**{1 - kept:.0%} of the activations are discarded**: they are the "
                    "largest value of no window, so nothing after this layer ever sees "
                    f"them. Only {kept:.0%} survive, each the strongest response in its "
                    "neighbourhood.")
    else:
        st.markdown(f"Average pooling discards no activation outright, but the "
                    f"{out_h * out_w:,} numbers are blended into {ph * pw:,} "
                    f"({ph * pw / (out_h * out_w):.0%} as many): the detail inside each "
                    "window is lost.")
    ui.formula(rf"\left\lfloor \frac{{{out_w} - {pool_size}}}{{{pool_stride}}} \right\rfloor"
               rf" + 1 = {pw}",
               "The same size formula as a convolution, with no padding and no weights.")

# ---- learned kernels --------------------------------------------------------------------

st.subheader("6 · Kernels a network learns by itself")
model = tiny_cnn()
digit_label = digits()[1][digit_index]
figures = digit_figures(digit_index, ZOOM)
st.markdown(
    f"A tiny CNN (8 filters of 3×3, ReLU, 2×2 max pool, one dense layer) trained on "
    f"{model.n_train:,} of the 8×8 digits gets **{model.test_accuracy:.1%}** of the "
    f"{model.n_test} held-out digits right. Nobody designed its filters: they started "
    "random and gradient descent shaped them. Compare them with the hand-made kernels "
    f"below on digit number {digit_index} (a {digit_label}), chosen with the "
    "digit slider at the top.")

d1, d2, d3 = st.columns([1, 1.3, 2.2])
with d1:
    ui.chart(figures["digit"].spec, f"Digit {digit_index}, labelled {digit_label}, 8×8 pixels.",
             data=figures["digit"].data, width="content")
with d2:
    ui.chart(figures["probabilities"].spec, "The tiny CNN's probability for each digit.",
             data=figures["probabilities"].data)
with d3:
    st.markdown(
        "**How to read the rows below.** Each filter is a 3×3 grid of weights (orange "
        "positive, blue negative). Its map is the filter slid over the digit, with padding "
        "1 so the map stays 8×8, and negative answers set to 0 (ReLU). Bright where the "
        "filter's pattern is present. Look for learned filters whose weights go from blue "
        "to orange in one direction: they detect edges, like the Sobel kernels.")
for name, caption in (
        ("learned", "The 8 first-layer filters after training, in units of the 0–1 pixel "
                    "scale."),
        ("learned_maps", "What each learned filter responds to on this digit: bright = "
                         "strong."),
        ("hand", "The hand-made kernels of section 1, for comparison."),
        ("hand_maps", "The same digit through the hand-made kernels (after ReLU).")):
    ui.chart(figures[name].spec, caption, data=figures[name].data, width="content")

# ---- what is going on -------------------------------------------------------------------

st.subheader("What is going on")
ui.formula(r"y_{i,j} = b + \sum_{c}\sum_{u=0}^{F-1}\sum_{v=0}^{F-1} "
           r"w_{c,u,v}\; x_{c,\;S i + u - P,\; S j + v - P}",
           "Output pixel (i, j): the weights times the patch that starts S·i − P rows down "
           "and S·j − P columns across, summed over the patch and over every input channel, "
           "plus the bias.")
st.markdown(
    "- **Same weights everywhere.** The kernel is reused at every position, so a layer "
    "that finds an edge at the top left finds it at the bottom right too, and its "
    "parameter count does not grow with the image.\n"
    "- **Weights that add up to 1** keep the overall brightness (blur, sharpen); **weights "
    "that add up to 0** answer 0 on flat areas and respond only to change (edges).\n"
    "- **Stride** skips positions and shrinks the output; **padding** adds a border of "
    "zeros so the kernel can sit on the edge pixels and the output keeps its size.\n"
    "- **Not flipped.** In mathematics a convolution rotates the kernel by 180° before "
    "sliding it; deep learning libraries skip that and compute a cross-correlation, as "
    "this page does. For a learned kernel it makes no difference (the network would just "
    "learn the rotated weights); for a lopsided hand-made one such as Sobel or emboss the "
    "flip toggle above shows the change.")
ui.formula(r"(x \star w)_{i,j} = \sum_{u,v} w_{u,v}\, x_{i+u,\,j+v} \qquad "
           r"(x * w)_{i,j} = \sum_{u,v} w_{u,v}\, x_{i-u,\,j-v}",
           "Left: cross-correlation, what conv layers compute. Right: the textbook "
           "convolution, which reads the patch backwards (same as flipping the kernel).")

# ---- a whole network --------------------------------------------------------------------

st.subheader("7 · Compose a whole network")
st.markdown(
    "Stanford's CS231n notes write most ConvNets as one pattern: "
    "INPUT → [[CONV → RELU]\\*N → POOL?]\\*M → [FC → RELU]\\*K → FC. Write a network in "
    "it below, one stage after another: a few convolutions and an optional pool per stage, "
    "the fully connected layers last. The table walks one image through it layer by layer, "
    "as the notes do for VGGNet: each layer's output volume, the numbers it holds "
    "(activations) and its weights and biases.")
load = st.columns([1.2, 1, 1.2, 1.4, 1.4], vertical_alignment="center")
load[0].markdown("**Load a network:**")
for column, preset in zip(load[1:], ARCH_PRESETS, strict=True):
    column.button(preset.label, key=f"_arch_load_{preset.name}", width="stretch",
                  on_click=ui.set_values, args=(SPEC, preset.values))
a_text, a_input = st.columns([2.2, 1])
with a_text:
    arch_text = ui.widget(SPEC["arch"], height=110)
with a_input:
    arch_size = int(ui.widget(SPEC["arch_size"]))
    arch_depth = int(ui.widget(SPEC["arch_depth"]))
fc_as_conv = ui.widget(SPEC["arch_fc_conv"])
for preset in ARCH_PRESETS:
    if all(st.session_state.get(k) == v for k, v in preset.values.items()):
        st.caption(f"**{preset.label}.** {preset.note}")

try:
    layers = ca.parse(arch_text)
except ca.ArchitectureTextError as err:
    layers = None
    # The message is ours (it names the place, never repeats the text); escaped because it
    # quotes the pattern's * and [ ].
    ui.notice(escape_markdown(f"The layers cannot be read. {err}", 600),
              "Fix the text to see the network (the buttons above load working ones).")
if layers is not None:
    net = ca.compose(layers, arch_size, arch_depth, fc_as_conv)
    st.markdown(caw.pattern_sentence(net))
    n1, n2, n3, n4 = st.columns(4)
    n1.metric("Parameters", f"{net.parameters:,}")
    n2.metric("Activations, one image", f"{net.activations:,}")
    n3.metric("Their memory (forward)", caw.memory_text(net.activations))
    n4.metric("Network output", net.rows[-1].volume)
    st.caption(caw.counts_words(net))
    flagged = net.problems
    if flagged:
        first = flagged[0]
        ui.notice(f"{len(flagged)} of the {len(net.layers)} layers "
                  f"{'is' if len(flagged) == 1 else 'are'} flagged in the table's check "
                  f"column. The first, layer {first.number} ({first.name}): {first.problem}",
                  "Change its stride, padding or window, or the input size.",
                  kind="error" if not net.complete else "warning")
    # Tall enough for every row up to 24 layers; longer networks scroll inside the table.
    st.dataframe(ca.table_rows(net), hide_index=True, width="stretch",
                 height=35 * (min(len(net.rows), 25) + 1) + 3, column_config={
                     name: st.column_config.NumberColumn(format="localized")
                     for name in ("activations", "weights", "biases")})
    st.caption("One row per layer; the ReLUs are not listed (same shape as their input, no "
               "parameters, computed in place). Output size: the arithmetic of section 4, "
               "(W − F + 2P)/S + 1, with no padding for pools; check flags a size that is not "
               "a whole number (frameworks round it down) or below 1. Activations: the "
               "numbers in the output volume, 4 bytes each. Weights as: F·F·D × K for a conv "
               "layer, inputs × outputs for a fully connected one; one bias per filter or "
               "output.")

    if fc_as_conv:
        st.markdown(caw.fc_conv_words(ca.compose(layers, arch_size, arch_depth), net))
    else:
        st.caption("Switch on “Write the fully connected layers as convolutions” above to "
                   "see each FC layer as the conv layer that computes the same thing.")
    if caw.is_network(net, ca.VGG16, 224, 3):
        st.markdown(caw.vgg16_words(net))

    params_words, memory_words = caw.where_words(net)
    frame = cac.layer_frame(net)
    w_params, w_memory = st.columns(2)
    with w_params:
        st.markdown(params_words)
        ui.chart(ui.built_chart(cac.per_layer_chart, frame, "parameters",
                                "parameters per layer", ZOOM),
                 f"Parameters (weights and biases) of each layer, in the network's order "
                 f"({cac.COLOURS_WORDS}).",
                 description=f"Bar chart, one bar per layer. {ui.plain_text(params_words)}")
    with w_memory:
        st.markdown(memory_words)
        ui.chart(ui.built_chart(cac.per_layer_chart, frame, "activations",
                                "activations per layer, one image", ZOOM),
                 "Numbers each layer's output holds during one image's forward pass, the "
                 f"input first ({cac.COLOURS_WORDS}).",
                 description=f"Bar chart, one bar per layer. {ui.plain_text(memory_words)}")


ui.next_concept(URL)

