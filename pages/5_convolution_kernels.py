"""Convolution kernels: a small grid of weights slid over an image, taken apart."""

import numpy as np
import pyarrow as pa
import streamlit as st
from streamlit.dataframe_util import convert_arrow_table_to_arrow_bytes

from explorer import convolution as cv
from explorer import convolution_charts as cc
from explorer import ui

URL = "convolution_kernels"

present = ui.page_setup(
    "Convolution kernels",
    "A convolutional layer slides a small grid of weights (a **kernel**, or filter) over "
    "the image. At every position it multiplies the pixels under the grid by the weights, "
    "adds the products up (plus a bias), and that sum becomes one pixel of the output. "
    "Pick an image and a kernel, then open up any output pixel to see its arithmetic.",
    icon=":material/blur_on:",
)

IMAGES = {
    "photo: China (grey)": ("photo", "china", False),
    "photo: China (colour)": ("photo", "china", True),
    "photo: flower (grey)": ("photo", "flower", False),
    "photo: flower (colour)": ("photo", "flower", True),
    "digit (8×8, from the digits data)": ("digit", None, False),
    "checkerboard": ("pattern", "checkerboard", False),
    "step edge": ("pattern", "step edge", False),
    "upload (grey)": ("upload", None, False),
    "upload (colour)": ("upload", None, True),
}
CUSTOM = "custom (type it below)"
KERNEL_OPTIONS = [*cv.KERNELS, CUSTOM]
POOL_OPTIONS = ["none", "max", "average"]
DEFAULT_IMAGE = "photo: China (grey)"

ui.preset_row([
    ui.Preset("blur", "Blur", {"image": DEFAULT_IMAGE, "kernel": "Gaussian blur", "S": 1,
                               "P": 0, "show": cv.DISPLAY_MODES[0]},
              note="Every weight is positive and they add up to 1: each output pixel is a "
                   "weighted average of its neighbourhood, so fine detail fades."),
    ui.Preset("edges", "Edges", {"image": DEFAULT_IMAGE, "kernel": "outline", "S": 1,
                                 "P": 0, "show": cv.DISPLAY_MODES[2]},
              note="The weights add up to 0: flat areas give 0 (black) and only places "
                   "where brightness changes light up."),
    ui.Preset("emboss", "Emboss", {"image": DEFAULT_IMAGE, "kernel": "emboss", "S": 1,
                                   "P": 0, "show": cv.DISPLAY_MODES[0]},
              note="Negative weights on one side, positive on the other: each edge looks "
                   "lit from the bottom right and shadowed on the top left."),
    ui.Preset("alexnet", "AlexNet's first layer",
              {"image": "photo: China (colour)", "W": 227, "F": 11, "S": 4, "P": 0,
               "D": 3, "K": 96},
              note="227 − 11 + 0 = 216, divided by stride 4 is 54, plus 1 gives 55: "
                   "96 filters make a 55×55×96 output from about 35 thousand weights."),
    ui.Preset("stride_no_fit", "Stride that does not fit",
              {"W": 7, "F": 3, "S": 3, "P": 0},
              note="(7 − 3)/3 + 1 = 2⅓ is not a whole number: the last column is never "
                   "read, and frameworks quietly round down to 2."),
    ui.Preset("max_pool", "Max pool", {"image": DEFAULT_IMAGE, "kernel": "outline",
                                       "show": cv.DISPLAY_MODES[2], "S": 1, "P": 0,
                                       "pool": "max", "pool_size": 2, "pool_stride": 2},
              note="Each 2×2 block of the edge map keeps only its largest value: the map "
                   "halves in each direction and three quarters of the numbers are dropped."),
])


ZOOM = 1.4 if present else 1.0


def show(spec: dict, caption: str, stretch: bool = False) -> None:
    """A Vega-Lite spec from explorer.convolution_charts, through the page kit."""
    # Hand Streamlit Arrow bytes made straight from the records: its own conversion goes
    # through pandas and cost ~15 ms per chart, most of this page's rerun time.
    fast = dict(spec)
    fast["datasets"] = {name: convert_arrow_table_to_arrow_bytes(pa.Table.from_pylist(rows))
                        for name, rows in spec.get("datasets", {}).items()}
    ui.chart(fast, caption, width="stretch" if stretch else "content")


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


# ---- controls ---------------------------------------------------------------------------

st.subheader("1 · Pick an image and a kernel")
c_img, c_kernel, c_geom = st.columns([1.1, 1.1, 1])
with c_img:
    image_name = st.selectbox("Image", list(IMAGES), index=0, key="image",
                              bind="query-params")
    source, which, colour = IMAGES[image_name]
    digit_index = st.slider("Digit number (for the digit image and the tiny CNN)", 0, 1796,
                            0, key="digit", bind="query-params")
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
    kernel_name = st.selectbox("Kernel", KERNEL_OPTIONS,
                               index=KERNEL_OPTIONS.index("sharpen"), key="kernel",
                               bind="query-params")
    if kernel_name == CUSTOM:
        custom_text = st.text_area(
            "Custom kernel: 3 or 5 rows of 3 or 5 numbers (spaces or commas; 1/9 works)",
            cv.CUSTOM_DEFAULT, key="custom", bind="query-params", height=130)
        try:
            kernel = cv.parse_kernel(custom_text)
        except cv.KernelTextError as err:
            ui.notice(str(err), "Fix that entry; the identity kernel is used meanwhile.")
            kernel = cv.KERNELS["identity"]
    else:
        kernel = cv.KERNELS[kernel_name]
        st.caption(f"**{kernel_name}**: {cv.KERNEL_NOTES[kernel_name]}")
    flip = st.toggle("Flip the kernel (textbook convolution)", False, key="flip",
                     bind="query-params",
                     help="Deep learning slides the kernel as it is (cross-correlation). "
                          "The mathematicians' convolution first rotates it by 180°.")
with c_geom:
    stride = st.slider("Stride S (step between positions)", 1, 4, 1, key="S",
                       bind="query-params")
    padding = st.slider("Zero padding P (border of zeros)", 0, 5, 0, key="P",
                        bind="query-params")
    bias = st.slider("Bias b (added to every output)", -100.0, 100.0, 0.0, 1.0, key="bias",
                     bind="query-params")

used_kernel = cv.flip_kernel(kernel) if flip else kernel
f_size = used_kernel.shape[0]
channels = 3 if (np.ndim(image) == 3) else 1
per_colour = False
if channels == 3:
    per_colour = st.toggle(
        "Filter each colour on its own (3 filters → output depth 3, shown in colour)",
        False, key="per_colour", bind="query-params",
        help="Off: one filter that spans all three colours (each slice holds the kernel "
             "divided by 3), so the output has depth 1 and is grey.")

if channels == 1:
    weights = used_kernel[None, None]
elif per_colour:
    weights = np.zeros((3, 3, f_size, f_size))
    for c in range(3):
        weights[c, c] = used_kernel
else:
    weights = np.broadcast_to(used_kernel / 3.0, (1, 3, f_size, f_size)).copy()

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
display_mode = st.radio("Show the output's numbers as pixels by…", cv.DISPLAY_MODES, index=0,
                key="show", bind="query-params", horizontal=True,
                help="A screen pixel only holds 0 (black) to 255 (white); the output can be "
                     "negative or above 255.")
out_h, out_w = output.shape[1:]
for key, top in (("row", out_h - 1), ("col", out_w - 1)):
    if st.session_state.get(key, 0) > top:  # a smaller output than the link was made for
        st.session_state[key] = top

display_in = cv.to_rgb_pixels(np.clip(np.rint(image), 0, 255).astype(np.uint8))
display_out = cv.to_rgb_pixels(cv.to_display(output, display_mode))
lo, hi = float(output.min()), float(output.max())

c_row, c_col = st.columns(2)
row = c_row.slider("Output row", 0, out_h - 1, min(out_h // 2, out_h - 1), key="row",
                   bind="query-params")
col = c_col.slider("Output column", 0, out_w - 1, min(out_w // 2, out_w - 1), key="col",
                   bind="query-params")
unit = cv.neuron(image, weights[0] if not per_colour else
                 np.broadcast_to(used_kernel, (3, f_size, f_size)), row, col, bias, stride,
                 padding)

left, right = st.columns(2)
with left:
    st.image(cv.framed(display_in, unit.top, unit.left, f_size), width="stretch")
    st.caption(f"**Input**: {h_in}×{w_in}" + (" × 3 colours" if channels == 3 else "")
               + f", values 0 to 255. The orange frame is the {f_size}×{f_size} patch "
               "under the kernel for the chosen output pixel"
               + (" (part of it lies in the zero padding)." if (unit.top < 0 or unit.left < 0
                  or unit.top + f_size > h_in or unit.left + f_size > w_in) else "."))
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
    show(cc.number_grid(unit.patch, "input patch", kind="pixels", decimals=0,
                        cell=int(44 * ZOOM)),
             "The pixel values under the kernel (0 black, 255 white; padding is 0).")
with g2:
    show(cc.number_grid(unit.kernel, "kernel weights", kind="signed",
                        decimals=3 if decimals or (channels == 3 and not per_colour)
                        else 0,
                        cell=int(44 * ZOOM)),
             "The weights: orange positive, blue negative." + (
                 (" Three separate filters, each the same kernel reading only its own colour."
                  if per_colour else
                  " One slice per colour: the filter is as deep as the input.")
                 if channels == 3 else ""))
with g3:
    show(cc.number_grid(unit.products, "patch × weight", kind="signed", decimals=1,
                        cell=int(44 * ZOOM)),
             "Each pixel times the weight on top of it.")

products = unit.products
sign = "+" if bias >= 0 else "-"


def fmt(v: float) -> str:
    text = f"{v:.1f}".removesuffix(".0")
    return f"({text})" if v < 0 else text


if per_colour:
    lines = []
    for c, name in enumerate(("red", "green", "blue")):
        s = float(products[c].sum())
        lines.append(rf"\text{{{name}: sum of its 9 products}} = {s:.2f},\quad {s:.2f} "
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
calc_w = k1.number_input("Input width W", 1, 1024, 7, key="W", bind="query-params")
calc_f = k2.slider("Filter size F", 1, 15, 3, key="F", bind="query-params")
depth_in = k3.number_input("Input depth D (colours or channels)", 1, 1024, 3, key="D",
                           bind="query-params")
n_filters = k4.number_input("Number of filters K", 1, 1024, 8, key="K", bind="query-params")

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
pool = p1.selectbox("Pooling", POOL_OPTIONS, index=0, key="pool", bind="query-params")
pool_size = p2.slider("Pool window", 2, 4, 2, key="pool_size", bind="query-params")
pool_stride = p3.slider("Pool stride", 1, 4, 2, key="pool_stride", bind="query-params")
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
digit_images, digit_labels = digits()
digit01 = digit_images[digit_index] / 255.0
st.markdown(
    f"A tiny CNN (8 filters of 3×3, ReLU, 2×2 max pool, one dense layer) trained on "
    f"{model.n_train:,} of the 8×8 digits gets **{model.test_accuracy:.1%}** of the "
    f"{model.n_test} held-out digits right. Nobody designed its filters: they started "
    "random and gradient descent shaped them. Compare them with the hand-made kernels "
    f"below on digit number {digit_index} (a {digit_labels[digit_index]}), chosen with the "
    "digit slider at the top.")
from explorer.convolution_cnn import feature_maps, predict  # noqa: E402  (torch-free)

d1, d2, d3 = st.columns([1, 1.3, 2.2])
with d1:
    show(cc.number_grid(digit_images[digit_index], "the digit", kind="pixels",
                        cell=int(24 * ZOOM), decimals=0),
         f"Digit {digit_index}, labelled {digit_labels[digit_index]}, 8×8 pixels.")
with d2:
    probs = predict(model, digit01)
    show(cc.probabilities(probs, f"the CNN says {int(probs.argmax())}",
                          height=int(170 * ZOOM)),
         "The tiny CNN's probability for each digit.", stretch=True)
with d3:
    st.markdown(
        "**How to read the rows below.** Each filter is a 3×3 grid of weights (orange "
        "positive, blue negative). Its map is the filter slid over the digit, with padding "
        "1 so the map stays 8×8, and negative answers set to 0 (ReLU). Bright where the "
        "filter's pattern is present. Look for learned filters whose weights go from blue "
        "to orange in one direction: they detect edges, like the Sobel kernels.")
hand = ["Sobel top", "Sobel bottom", "Sobel left", "Sobel right", "outline", "sharpen",
        "box blur", "identity"]
hand_bank = np.stack([cv.KERNELS[n] for n in hand])
show(cc.filter_bank(model.conv_weight[:, 0], "learned 3×3 filters", cell=int(30 * ZOOM)),
     "The 8 first-layer filters after training, in units of the 0–1 pixel scale.")
show(cc.map_bank(feature_maps(model, digit01), "their feature maps for this digit",
                 cell=int(11 * ZOOM), names=[f"filter {k + 1}" for k in range(8)]),
     "What each learned filter responds to on this digit: bright = strong.")
show(cc.filter_bank(hand_bank, "hand-made 3×3 kernels", cell=int(30 * ZOOM), names=hand),
     "The hand-made kernels of section 1, for comparison.")
show(cc.map_bank(np.maximum(cv.conv2d(digit01, hand_bank[:, None], 0, 1, 1), 0),
                 "their feature maps for this digit", cell=int(11 * ZOOM), names=hand),
     "The same digit through the hand-made kernels (after ReLU).")

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
ui.next_concept(URL)

