"""Pixels to matrix: a digit becomes a grid of numbers, a vector, and ten probabilities."""

from __future__ import annotations

import random

import numpy as np
import streamlit as st

from explorer import pixels, pixels_model, ui
from explorer import pixels_charts as pc
from explorer.pixels_spec import SPEC, UNPERTURBED

URL_PATH = "pixels_to_matrix"
CANVAS_PX = 280

present = ui.page_setup(
    "Pixels to matrix",
    "A computer has no eyes. A picture of a handwritten digit reaches a model as a grid "
    "of numbers, one per pixel (**0 = white, 255 = black**). Below, follow one digit "
    "through every step: grid → long vector → a network's ten outputs → a prediction.",
    icon=":material/grid_on:",
    spec=SPEC,
)


# ---- cached data and models (shared by every session) ---------------------------------


@st.cache_resource(max_entries=1, show_spinner=False)
def digits() -> tuple[np.ndarray, np.ndarray]:
    return pixels.load_digits_ink()


@st.cache_resource(max_entries=3, show_spinner="Loading the classifier…")
def size_model(size: int) -> pixels_model.SizeModel:
    return pixels_model.at_size(*digits(), size)


@st.cache_data(max_entries=64, show_spinner=False)
def decode_upload(data: bytes) -> pixels.DecodedImage:
    return pixels.decode_image(data)


def pick_random_three() -> None:
    _, labels = digits()
    threes = np.flatnonzero(labels == 3)
    ui.set_values(SPEC, {"digit_index": int(random.choice(threes)),  # noqa: S311 - not crypto
                         **UNPERTURBED})


# ---- presets and controls --------------------------------------------------------------

ui.preset_row(SPEC)

source_col, picture_col = st.columns([1.05, 2], gap="large")
with source_col:
    source = ui.widget(SPEC["source"], horizontal=True)
    size_name = ui.widget(SPEC["size"], horizontal=True)
    scale_name = ui.widget(SPEC["scale"], horizontal=True)
    st.markdown("**Perturb it**")
    invert = ui.widget(SPEC["invert"])
    noise = ui.widget(SPEC["pixel_noise"])
    shift = ui.widget(SPEC["shift"])

size = pixels.SIZES[size_name]
model = size_model(size)
note_about_source = ""
blank = False  # nothing drawn or uploaded yet

with picture_col:
    if source == pixels.SOURCES[0]:
        index_col, button_col = st.columns([2, 1], vertical_alignment="bottom")
        digit_index = ui.widget(SPEC["digit_index"], index_col)
        button_col.button("Random 3", icon=":material/casino:", key="random_three",
                          on_click=pick_random_three, width="stretch")
        ink_all, labels = digits()
        source_ink = ink_all[int(digit_index)]
        base = model.images[int(digit_index)]
        train_idx, _ = pixels.split_indices()
        seen = "seen in training" if int(digit_index) in set(train_idx.tolist()) else \
            "held out: the network never trained on it"
        note_about_source = (f"Digit #{int(digit_index)} of the 1,797 bundled scans, "
                             f"labelled **{int(labels[int(digit_index)])}** ({seen}).")
    elif source == pixels.SOURCES[1]:
        from streamlit_drawable_canvas import st_canvas

        draw_col, help_col = st.columns([1, 1])
        with draw_col:
            st.write("")  # room for the canvas toolbar, which sits above the canvas
            # Key starts with "_": a drawing is pixels, it cannot live in a URL.
            canvas = st_canvas(stroke_width=22, stroke_color="#000000",
                               background_color="#FFFFFF", height=CANVAS_PX,
                               width=CANVAS_PX, drawing_mode="freedraw",
                               return_image_data=True, key="_canvas")
        with help_col:
            st.markdown("Draw one digit, large, with the mouse or a finger. It is cropped "
                        "to the ink, centred and resampled exactly like the training "
                        "digits before the network sees it. The bin icon clears it.")
            st.caption("The bundled scans come from a few dozen writers (43 took part in the "
                       "original collection), and their 1s "
                       "are upright strokes. A slanted 1, or one with a flag, may be read as "
                       "something else: a model only knows the styles its data showed it.")
        source_ink = None
        try:
            png = canvas.image_bytes
            if png:
                source_ink = pixels.decode_image(png).ink
        except pixels.BadImage as err:
            ui.notice(f"The drawing could not be read: {err}", "Clear it and draw again.")
        base = pixels.center_on_ink(source_ink, size) if source_ink is not None else None
        if base is None:
            ui.notice("The canvas is empty, so the grid below is all zeros.",
                      "Draw a digit to fill it.", kind="info")
            base = np.zeros((size, size), np.uint8)
            source_ink = np.zeros((8, 8), np.uint8)
            blank = True
        else:
            note_about_source = "Your drawing, cropped to its ink and centred."
    else:
        upload = st.file_uploader(
            f"A PNG or JPEG of one digit (up to {pixels.MAX_UPLOAD_BYTES // 2**20} MB)",
            type=["png", "jpg", "jpeg"], key="_upload", max_upload_size=5)
        base, source_ink = None, None
        if upload is not None:
            try:
                decoded = decode_upload(upload.getvalue())
                source_ink = decoded.ink
                base = pixels.center_on_ink(source_ink, size)
                w, h = decoded.original_size
                note_about_source = f"Your {w}×{h} image, cropped to its ink and centred."
                if decoded.downscaled:
                    note_about_source += (f" It was first shrunk to at most "
                                          f"{pixels.MAX_SIDE} pixels a side.")
                if decoded.dark_background:
                    note_about_source += " Its background is dark, so the light strokes " \
                                         "were taken as the ink."
                if base is None:
                    ui.notice("The image is blank (no ink found).",
                              "Upload a picture with a dark digit on light paper.")
            except pixels.BadImage as err:
                ui.notice(f"That upload cannot be used: {err}",
                          "Try a PNG or JPEG photo or scan of one digit.", kind="error")
        else:
            st.caption("Nothing uploaded yet: the grid below is all zeros until you do.")
        if base is None:
            base = np.zeros((size, size), np.uint8)
            source_ink = np.zeros((8, 8), np.uint8)
            blank = True

    raw = pixels.perturb(base, invert=invert, noise=float(noise), shift_percent=int(shift))
    values = pixels.scale_pixels(raw, scale_name, model.standardizer)
    scaled01 = raw.astype(np.float64) / 255.0
    forward = pixels.mlp_forward(model.weights, scaled01)
    probs, logits = forward.probs[0], forward.logits[0]
    prediction = int(np.argmax(probs))

    # The same source at the three resolutions, side by side.
    thumbs = st.columns(3)
    for col, (name, s) in zip(thumbs, pixels.SIZES.items(), strict=True):
        view = pixels.source_at_size(source_ink, s, bundled=source == pixels.SOURCES[0])
        view = pixels.perturb(view, invert=invert, noise=float(noise), shift_percent=int(shift))
        chosen = " ← chosen" if s == size else ""
        col.image(pixels.enlarged_picture(view, 200 if present else 168),
                  caption=f"{name}{chosen}")
    if note_about_source:
        st.caption(note_about_source)
    st.markdown(f"### The network says **{prediction}** ({probs[prediction]:.0%} sure)")
    if blank:
        st.caption("Even a blank page gets an answer: a network always produces its ten "
                   "outputs, and one of them is always the largest.")

# ---- 1. the matrix ---------------------------------------------------------------------

st.header("1 · The picture is a matrix")
domain = pixels.scale_domain(scale_name, model.standardizer)
lo, hi = domain
show_numbers = size <= 18 or scale_name == pixels.SCALES[0]
matrix_col, words_col = st.columns([2.6, 1], gap="medium")
with matrix_col:
    cell_font = {8: 16, 18: 11, 28: 9}[size] + (3 if present else 0)
    side = ({8: 560, 18: 720, 28: 800} if present else {8: 460, 18: 540, 28: 620})[size]
    ui.chart(ui.built_chart(pc.matrix_chart, size=size, domain=domain, scale_name=scale_name,
                            show_numbers=show_numbers, height=side, font_size=cell_font),
             f"The {size}×{size} grid the model receives, one cell per pixel, written on "
             f"the '{scale_name}' scale. Hover a cell for its row, column and value."
             + ("" if show_numbers else " At 28×28 the decimals do not fit in a cell, "
                "so they are hidden: hover instead, or pick 18×18."),
             data={"matrix": pc.matrix_frame(values, domain=domain, scale_name=scale_name)},
             width="content")
with words_col:
    st.markdown(
        f"Each of the **{size * size:,}** cells is one number: how much ink fell on that "
        "small square. Paper is 0, solid ink is the largest value, the grey edges of a "
        "stroke fall in between. Nothing else reaches the model: no strokes, no shape, "
        "only these numbers.")
    if scale_name == pixels.SCALES[0]:
        ui.formula(r"v \in \{0, 1, \dots, 255\}",
                   "Raw: one byte per pixel, as an image file stores it.")
    elif scale_name == pixels.SCALES[1]:
        ui.formula(r"x = \frac{v}{255} \in [0, 1]",
                   "Divided by 255, so every input is between 0 and 1: the scale the "
                   "network here was trained on.")
    else:
        m, s = model.standardizer.mean, model.standardizer.std
        ui.formula(r"z = \frac{v/255 - \mu}{\sigma}")
        ui.formula(rf"\mu = {m:.3f},\quad \sigma = {s:.3f}",
                   f"μ and σ are the mean and standard deviation of every training pixel "
                   f"at {size}×{size} (on the 0–1 scale). Paper becomes {lo:.2f}, solid "
                   f"ink {hi:.2f}; across the training set the numbers average 0 with "
                   "spread 1, which keeps a network's first layer in a comfortable range.")
    st.markdown(
        "**Resolution.** Going down to 8×8 averages each block of the finer grid into one "
        "number (antialiasing), so the strokes turn grey and blocky but the digit is still "
        "legible. The bundled scans were only ever 8×8: their 18×18 and 28×28 versions "
        "are smooth enlargements, with no extra detail.")

# ---- 2. shapes and rank ----------------------------------------------------------------

st.header("2 · Shapes and rank")
n_batch = model.n_test
st.code(
    f">>> image.shape          # rank 2: rows, columns\n"
    f"{pixels.torch_size_text((size, size))}\n"
    f">>> x = image.flatten()  # rank 1: one long vector\n"
    f">>> x.shape\n{pixels.torch_size_text((size * size,))}\n"
    f">>> batch.shape          # rank 3: {n_batch} held-out images at once\n"
    f"{pixels.torch_size_text((n_batch, size, size))}\n"
    f">>> model(batch.flatten(1)).shape   # ten outputs per image\n"
    f"{pixels.torch_size_text((n_batch, 10))}",
    language="python")
ui.chart(ui.built_chart(pc.strip_chart, length=size * size, row_length=size, domain=domain,
                        scale_name=scale_name, height=ui.chart_height(80)),
         f"The same {size * size:,} numbers laid end to end: row 0, then row 1, and so on "
         "(orange ticks mark where each row starts). This vector is exactly the network's "
         "input.",
         data=pc.strip_frames(values.ravel(), size))
st.markdown(
    "The **rank** of a tensor is its number of axes: a single number has rank 0, a "
    "vector rank 1, an image rank 2, a stack of images rank 3. Flattening changes the "
    "shape, never the numbers: pixel (row *r*, column *c*) lands at position "
    f"*r*·{size} + *c*.")

# ---- 3. prediction ---------------------------------------------------------------------

st.header("3 · From numbers to ten probabilities")
w = model.weights
prob_col, words_col = st.columns([2, 1], gap="large")
with prob_col:
    outputs = pc.output_frame(probs, logits)
    ui.chart(ui.built_chart(pc.probability_chart, height=ui.chart_height(340)),
             "The network's ten outputs after softmax, one per digit. The tallest bar "
             "(orange) is the prediction: the argmax. Hover a bar for its raw output.",
             data={"outputs": outputs})
with words_col:
    st.markdown(
        f"A small network, trained on the bundled digits at {size}×{size}: "
        f"**{size * size:,} inputs → {w.hidden} hidden units (ReLU) → 10 outputs**, "
        f"{w.n_parameters:,} parameters in all.")
    ui.formula(r"\begin{aligned} h &= \max(0,\ W_1 x + b_1) \\ z &= W_2 h + b_2 \\ "
               r"p &= \mathrm{softmax}(z) \end{aligned}",
               "x: the vector above on the 0–1 scale; h: the hidden activations; z: the ten "
               "outputs. softmax turns any ten numbers into ten positive ones summing to 1.")
    st.markdown(
        "The ten outputs are nothing special: they are just the **activations of the last "
        "layer**, like any other layer's. Softmax only rescales them so they read as "
        "probabilities, and the prediction is the position of the largest.")
    acc_cols = st.columns(2)
    acc_cols[0].metric("Network", f"{model.mlp_accuracy:.1%}")
    acc_cols[1].metric("Baseline", f"{model.mean_accuracy:.1%}")
    st.caption(f"Held-out accuracy of the network and of the nearest-mean baseline "
               f"(section 4), both scored on the same {model.n_test} digits neither was fitted on "
               f"(fixed split, seed {pixels.SPLIT_SEED}; fitted on the other "
               f"{model.n_train}).")
with st.expander("Inside the network: the hidden layer and the raw outputs (logits)"):
    zeros = int(np.sum(forward.hidden[0] == 0))
    ui.chart(ui.built_chart(pc.hidden_chart, height=ui.chart_height(200)),
             f"The {w.hidden} hidden activations h for this image: each is one row of W₁ "
             f"times your {size * size:,} numbers, plus a bias, with negatives cut to 0 by "
             f"ReLU ({zeros} of {w.hidden} are 0 here). A different digit lights up "
             "different units.", data={"hidden": pc.hidden_frame(forward.hidden[0])})
    ui.chart(ui.built_chart(pc.logit_chart, height=ui.chart_height(240)),
             "Any real numbers, positive or negative. Softmax keeps their order, so the "
             "largest logit is also the largest probability.", data={"outputs": outputs})
    ui.formula(r"p_k = \frac{e^{z_k}}{\sum_{j=0}^{9} e^{z_j}}")

# ---- 4. the baseline -------------------------------------------------------------------

st.header("4 · A baseline first: the nearest mean image")
distances = pixels.mean_distances(scaled01[None], model.means)[0]
nearest = int(np.argmin(distances))
st.markdown(
    "Before trusting a network, try the simplest idea that could work: average all "
    "training images of each digit into an \"ideal\" one, and call a new image whatever "
    "ideal it is closest to, pixel by pixel. Here that says "
    f"**{nearest}**; the network says **{prediction}**.")
ui.chart(ui.built_chart(pc.means_chart, size=size, panel_px=100 if present else 76),
         f"The mean training image of each digit at {size}×{size}, titled with its "
         "distance to your image (◀ marks the nearest, the baseline's prediction).",
         data={"means": pc.means_frame(model.means, distances)}, width="content")
dist_col, words_col = st.columns([2, 1], gap="large")
with dist_col:
    ui.chart(ui.built_chart(pc.distance_chart, height=ui.chart_height(260)),
             "Straight-line pixel distance from your image to each mean image; the "
             "shortest bar is the baseline's answer.",
             data={"distances": pc.distance_frame(distances)})
with words_col:
    ui.formula(r"d_k = \sqrt{\textstyle\sum_i (x_i - \bar{x}_{k,i})^2}",
               "x̄ₖ: the mean of the training images labelled k; i runs over every pixel.")
    st.markdown(
        f"On held-out digits the baseline gets **{model.mean_accuracy:.1%}**, the network "
        f"**{model.mlp_accuracy:.1%}**. The network is worth its training only because it "
        "beats this number; a model that cannot beat a simple baseline has learned "
        "nothing useful.")

# ---- what is going on ------------------------------------------------------------------

st.header("What is going on")
st.markdown(
    "- An image is a **matrix of numbers**; a model only ever sees those numbers.\n"
    "- Before the model, the numbers are **prepared** the same way every time: resized, "
    "rescaled (0–1 or standardized), flattened into a vector.\n"
    "- The model is a chain of **matrix multiplications** with a bend (ReLU) between "
    "them; its last layer has ten activations, and softmax turns them into probabilities.\n"
    "- Change the numbers without changing the digit (invert, shift) and a model that "
    "never saw such images fails: that is why training sets are **augmented** with "
    "shifted, noisy or recoloured copies.\n"
    "- Your own drawing only works because it is prepared exactly like the training "
    "data: cropped to the ink, centred, resampled, scaled to 0–1.")

ui.next_concept(URL_PATH)
