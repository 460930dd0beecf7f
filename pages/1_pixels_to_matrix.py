"""Pixels to matrix: a digit becomes a grid of numbers, a vector, and ten probabilities."""

from __future__ import annotations

import random

import numpy as np
import streamlit as st

from explorer import course, mnist, pixels, pixels_model, pixels_quiz, ui
from explorer import mnist_models as mm
from explorer import pixels_charts as pc
from explorer.pixels_spec import SPEC, UNPERTURBED

URL_PATH = "pixels_to_matrix"
CANVAS_PX = 280
STROKE_PX = CANVAS_PX // 10  # a tenth of the canvas: strokes come out MNIST-thick

present = ui.page_setup(
    "Pixels to matrix",
    "A computer has no eyes. A picture of a handwritten digit reaches a model as a grid "
    "of numbers, one per pixel (**0 = paper, 255 = full ink**). Below, follow one digit "
    "of MNIST, the handwritten digits deep learning courses start from, through every "
    "step: grid → long vector → a network's ten outputs → a prediction.",
    icon=":material/grid_on:",
    spec=SPEC,
)


# ---- cached data and models (shared by every session) ---------------------------------


@st.cache_resource(max_entries=4, show_spinner="Loading the digits and the network…")
def source_model(source: str, size: int) -> pixels_model.SourceModel:
    if source == pixels.SCANS:
        return pixels_model.scans_model()
    return pixels_model.mnist_model(size)


@st.cache_resource(max_entries=16, show_spinner=False)
def nearest_mean(source: str, size: int, classes: tuple[int, ...],
                 distance: str) -> pixels_model.Baseline:
    return pixels_model.baseline(source_model(source, size), classes, distance)


@st.cache_resource(max_entries=16, show_spinner=False)
def mean_pictures(source: str, size: int, classes: tuple[int, ...],
                  distance: str) -> tuple[str, ...]:
    return pc.mean_pictures(nearest_mean(source, size, classes, distance).means)


@st.cache_data(max_entries=64, show_spinner=False)
def decode_upload(data: bytes) -> pixels.DecodedImage:
    return pixels.decode_image(data)


def pick_random(source: str, classes: tuple[int, ...]) -> None:
    """A random digit of `classes` from the source, with the perturbations cleared."""
    labels = source_model(source, pixels.SCAN_SIZE if source == pixels.SCANS else 28).labels
    choice = int(random.choice(np.flatnonzero(np.isin(labels, classes))))  # noqa: S311
    key = "scan_index" if source == pixels.SCANS else "digit_index"
    ui.set_values(SPEC, {key: choice, **UNPERTURBED})


def value_before_widget(key: str):
    """A declared control's value before its widget is drawn further down the page: the
    session's, else the (already cleaned) URL's, else the default."""
    if key in st.session_state:
        return st.session_state[key]
    param = SPEC[key]
    from_url = st.query_params.get(key)
    return from_url if from_url in param.options else param.default


def prepared(ink: np.ndarray | None) -> np.ndarray | None:
    """A drawing or an upload prepared the MNIST way (28x28), or None without ink."""
    if ink is None:
        return None
    result = mnist.prepare_drawing(ink)
    return None if result is None else result.image


# ---- presets and controls --------------------------------------------------------------

ui.preset_row(SPEC)

source_col, picture_col = st.columns([1.05, 2], gap="large")
with source_col:
    source = ui.widget(SPEC["source"])
    scans = source == pixels.SCANS
    if scans:
        size_name = None
        st.markdown("**Resolution**: 8×8, the scans' own. Nothing finer exists for them.")
    else:
        size_name = ui.widget(SPEC["size"], horizontal=True)
    scale_name = ui.widget(SPEC["scale"], horizontal=True)
    st.markdown("**Perturb it**")
    invert = ui.widget(SPEC["invert"])
    noise = ui.widget(SPEC["pixel_noise"])
    shift = ui.widget(SPEC["shift"])

size = pixels.SCAN_SIZE if scans else pixels.SIZES[size_name]
model_source = pixels.SCANS if scans else pixels.MNIST
model = source_model(model_source, size)
# The baseline's controls sit in section 4; the random pick above needs their value now.
classes = pixels_model.CLASSES[value_before_widget("baseline")]
note_about_source = ""
label: int | None = None  # the digit's true label, when the page knows it
blank = False  # nothing drawn or uploaded yet
full = None  # the MNIST-style 28x28 picture the thumbnails are made from


def perturbed(picture: np.ndarray) -> np.ndarray:
    return pixels.perturb(picture, invert=invert, noise=float(noise), shift_percent=int(shift))


with picture_col:
    if source in (pixels.MNIST, pixels.SCANS):
        key = "digit_index" if source == pixels.MNIST else "scan_index"
        index_col, button_col = st.columns([2, 1], vertical_alignment="bottom")
        index = int(ui.widget(SPEC[key], index_col))
        wanted = " or ".join(str(c) for c in classes) if len(classes) == 2 else "3"
        button_col.button(f"Random {wanted}", icon=":material/casino:", key="random_three",
                          on_click=pick_random,
                          args=(model_source, classes if len(classes) == 2 else (3,)),
                          width="stretch")
        label = int(model.labels[index])
        base = model.images[index]
        if source == pixels.MNIST:
            full = mnist.load()[0][index]
            seen = ("held out: no model on this page trained on it" if model.held_out(index)
                    else f"one of the {model.n_train:,} training digits")
            note_about_source = (f"Digit #{index:,} of the {mnist.N_DIGITS:,} MNIST digits, "
                                 f"labelled **{label}** ({seen}).")
        else:
            seen = ("held out: no model on this page trained on it" if model.held_out(index)
                    else f"one of the {model.n_train:,} training scans")
            note_about_source = (f"Scan #{index:,} of the {pixels.N_SCANS:,} 8×8 scans that "
                                 f"ship with scikit-learn, labelled **{label}** ({seen}). "
                                 f"{pixels.SCAN_WRITERS} people wrote them on a form; each "
                                 "number counts the inked pixels in a 4×4 block of a 32×32 "
                                 "black-and-white scan (0 to 16, stretched to 0–255 here).")
    elif source == pixels.DRAW:
        from streamlit_drawable_canvas import st_canvas

        # The canvas gets the column's whole width (a narrower box would scroll sideways).
        st.write("")  # room for the canvas toolbar, which sits above the canvas
        # Key starts with "_": a drawing is pixels, it cannot live in a URL.
        canvas = st_canvas(stroke_width=STROKE_PX, stroke_color="#000000",
                           background_color="#FFFFFF", height=CANVAS_PX, width=CANVAS_PX,
                           drawing_mode="freedraw", return_image_data=True, key="_canvas")
        st.markdown("Draw one digit, large, with the mouse or a finger. It is prepared the "
                    "way MNIST's digits were: the ink's box scaled to fit 20×20 pixels, then "
                    "placed in a 28×28 frame with its centre of mass in the middle. The bin "
                    "icon clears it.")
        st.caption("The network learned from MNIST's writers, a few hundred US Census Bureau "
                   "employees and high-school students. A digit drawn unlike theirs (a 1 with "
                   "a flag and a foot, a crossed 7) may be read as something else: a model "
                   "only knows the styles its data showed it.")
        ink = None
        try:
            png = canvas.image_bytes
            if png:
                ink = pixels.decode_image(png).ink
        except pixels.BadImage:
            ui.notice("The drawing could not be read.", "Clear it and draw again.")
        full = prepared(ink)
        if full is None:
            ui.notice("The canvas is empty, so the grid below is all zeros.",
                      "Draw a digit to fill it.", kind="info")
        else:
            note_about_source = "Your drawing, prepared like an MNIST digit."
    else:
        # No type filter: Streamlit would raise on a file name it does not expect (a
        # forged upload), and the name proves nothing. The content decides (decode_image).
        upload = st.file_uploader(
            f"A PNG or JPEG of one digit (up to {pixels.MAX_UPLOAD_BYTES // 2**20} MB)",
            key="_upload", max_upload_size=5)
        if upload is not None:
            try:
                decoded = decode_upload(upload.getvalue())
                full = prepared(decoded.ink)
                w, h = decoded.original_size
                note_about_source = f"Your {w}×{h} image, prepared like an MNIST digit."
                if decoded.downscaled:
                    note_about_source += (f" It was first shrunk to at most "
                                          f"{pixels.MAX_SIDE} pixels a side.")
                if decoded.dark_background:
                    note_about_source += " Its background is dark, so the light strokes " \
                                         "were taken as the ink."
                if full is None:
                    ui.notice("The image is blank (no ink found).",
                              "Upload a picture with a dark digit on light paper.")
            except pixels.BadImage as err:
                # BadImage messages are written in explorer/pixels.py, never from the file.
                ui.notice(f"That upload cannot be used: {err}",
                          "Try a PNG or JPEG photo or scan of one digit.", kind="error")
        else:
            st.caption("Nothing uploaded yet: the grid below is all zeros until you do.")
    if source in (pixels.DRAW, pixels.UPLOAD):
        blank = full is None
        if blank:
            full = np.zeros((mnist.SIDE, mnist.SIDE), np.uint8)
        base = mnist.at_size(full, size)

    raw = perturbed(base)
    values = pixels.scale_pixels(raw, scale_name, model.standardizer)
    scaled01 = raw.astype(np.float64) / 255.0
    forward = mm.mlp_forward(model.weights, scaled01)
    probs, logits = forward.probs[0], forward.logits[0]
    prediction = int(np.argmax(probs))

    # The picture at every resolution the page offers, side by side.
    what = pixels.picture_name(source, label)
    pictures = [(pixels.SCAN_SIZE, base)] if scans else [
        (s, mnist.at_size(full, s)) for s in pixels.SIZES.values()]
    for col, (s, picture) in zip(st.columns(3), pictures, strict=False):
        col.image(pixels.enlarged_picture(perturbed(picture), 200 if present else 168),
                  caption=f"{s}×{s}" + (" ← chosen" if s == size and not scans else ""),
                  output_format="PNG",
                  alt=pixels.picture_alt(what, s, invert=invert, noise=noise, shift=shift,
                                         written=label is not None))
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
words_col, formula_col = st.columns([1.4, 1], gap="large")
with words_col:
    st.markdown(
        f"Each of the **{size * size:,}** cells is one number: how much ink fell on that "
        "small square. Paper is 0, solid ink is the largest value, the grey edges of a "
        "stroke fall in between. Nothing else reaches the model: no strokes, no shape, "
        "only these numbers.")
    if not scans:
        st.caption("MNIST stores ink as 255 on a paper of 0, so its files are usually shown "
                   "white on black; this page paints the same numbers as ink on paper.")
with formula_col:
    if scale_name == pixels.SCALES[0]:
        ui.formula(r"v \in \{0, 1, \dots, 255\}",
                   "Raw: one byte per pixel, as an image file stores it.")
    elif scale_name == pixels.SCALES[1]:
        ui.formula(r"x = \frac{v}{255} \in [0, 1]",
                   "Divided by 255, so every input is between 0 and 1: the scale the "
                   "networks here were trained on.")
    else:
        m, s = model.standardizer.mean, model.standardizer.std
        ui.formula(r"z = \frac{v/255 - \mu}{\sigma}")
        ui.formula(rf"\mu = {m:.3f},\quad \sigma = {s:.3f}",
                   f"μ and σ are the mean and standard deviation of every training pixel "
                   f"at {size}×{size} (on the 0–1 scale). Paper becomes {lo:.2f}, solid "
                   f"ink {hi:.2f}; across the training set the numbers average 0 with "
                   "spread 1, which keeps a network's first layer in a comfortable range.")

# One chart for every screen: its grid grows with the page (square, up to a limit) and
# shows the numbers where they fit (pc.matrix_fit, computed in the browser).
chars = pc.label_chars(scale_name, domain)
widest = pc.matrix_fit(pc.largest_side(present), size, chars, present)
on_phone = pc.matrix_fit(pc.PHONE_SIDE, size, chars, present)
if not widest.numbers:
    hidden = (" The numbers do not fit in cells this small, so they are hidden: hover "
              "instead, or pick a coarser grid.")
elif not on_phone.numbers:
    hidden = (" On a narrow screen the cells get too small for their numbers, which are "
              "then hidden: hover instead, or pick a coarser grid.")
else:
    hidden = ""
ui.chart(ui.built_chart(pc.matrix_chart, size=size, domain=domain, scale_name=scale_name,
                        present=present),
         f"The {size}×{size} grid the model receives, one cell per pixel, written on the "
         f"'{scale_name}' scale. Hover a cell for its row, column and value." + hidden,
         data={"matrix": pc.matrix_frame(values, domain=domain, scale_name=scale_name)},
         description=f"Heatmap of the {size}×{size} pixel values of {what}, "
                     f"{scale_name} scale, from {lo:.2f} (paper) to {hi:.2f} (ink); "
                     f"largest value here {float(values.max()):.2f}.")

if scans:
    st.markdown(
        "**Resolution.** These scans were only ever 8×8: each number already averages a "
        "4×4 block of a finer scan, and that scan is gone. MNIST's 28×28 digits keep the "
        "grey edges of every stroke; pick them above and go down from there.")
else:
    acc = {s: mm.evaluate_mlp(s).accuracy for s in pixels.SIZES.values()}
    st.markdown(
        "**Resolution.** Going down from 28×28 to 14×14 averages each 2×2 block of pixels "
        "into one number, and to 7×7 each 4×4 block: strokes turn grey and blocky, and "
        "gaps narrower than a block close up. A network trained at each size gets "
        f"**{acc[28]:.1%}** of the held-out digits right at 28×28, **{acc[14]:.1%}** at "
        f"14×14 and **{acc[7]:.1%}** at 7×7, from {784:,}, {196:,} and {49:,} numbers.")

# ---- 2. shapes and rank ----------------------------------------------------------------

st.header("2 · Shapes and rank")
n_batch = model.n_test
# Inline code, not a code block: a code block loads the syntax highlighter (1.5 MB of
# script, about 0.3 s of a first visit) for four lines.
st.markdown(
    f"- rank 2, rows and columns: `image.shape` → "
    f"`{pixels.torch_size_text((size, size))}`\n"
    f"- rank 1, one long vector: `image.flatten().shape` → "
    f"`{pixels.torch_size_text((size * size,))}`\n"
    f"- rank 3, all {n_batch:,} held-out images: `batch.shape` → "
    f"`{pixels.torch_size_text((n_batch, size, size))}`\n"
    f"- ten outputs for each image: `model(batch.flatten(1)).shape` → "
    f"`{pixels.torch_size_text((n_batch, 10))}`")
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
ten = nearest_mean(model_source, size, tuple(range(10)), SPEC["distance"].default)
prob_col, words_col = st.columns([2, 1], gap="large")
with prob_col:
    outputs = pc.output_frame(probs, logits)
    ui.chart(ui.built_chart(pc.probability_chart, height=ui.chart_height(340)),
             "The network's ten outputs after softmax, one per digit. The tallest bar "
             "(orange) is the prediction: the argmax. Hover a bar for its raw output.",
             data={"outputs": outputs},
             description=f"Bar chart of the ten probabilities; the largest is "
                         f"{probs[prediction]:.1%} for digit {prediction}.")
    # Under the chart, not beside it: the words beside it are taller than the chart.
    acc_cols = st.columns(2)
    acc_cols[0].metric("Network", f"{model.mlp_accuracy:.1%}")
    acc_cols[1].metric("Baseline", f"{ten.accuracy:.1%}")
    split = ("fixed split, 20% of each digit held out" if not scans
             else f"fixed split, seed {pixels.SPLIT_SEED}")
    st.caption(f"Held-out accuracy of the network and of the ten-digit nearest-mean "
               f"baseline (section 4, root mean square distance), both scored on the same "
               f"{model.n_test:,} digits neither was fitted on ({split}; fitted on the "
               f"other {model.n_train:,}).")
with words_col:
    trained_on = (f"the {model.n_train:,} MNIST training digits" if not scans
                  else f"{model.n_train:,} of the 8×8 scans")
    st.markdown(
        f"A small network, trained on {trained_on} at {size}×{size}: "
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
with st.expander("Inside the network: the hidden layer and the raw outputs (logits)"):
    zeros = int(np.sum(forward.hidden[0] == 0))
    ui.chart(ui.built_chart(pc.hidden_chart, units=w.hidden, height=ui.chart_height(200)),
             f"The {w.hidden} hidden activations h for this image: each is one row of W₁ "
             f"times your {size * size:,} numbers, plus a bias, with negatives cut to 0 by "
             f"ReLU ({zeros} of {w.hidden} are 0 here). A different digit lights up "
             "different units.", data={"hidden": pc.hidden_frame(forward.hidden[0])})
    ui.chart(ui.built_chart(pc.logit_chart, height=ui.chart_height(240)),
             "Any real numbers, positive or negative. Softmax keeps their order, so the "
             "largest logit is also the largest probability.", data={"outputs": outputs},
             description=f"Bar chart of the ten logits; the largest is {logits[prediction]:.2f} "
                         f"for digit {prediction}.")
    ui.formula(r"p_k = \frac{e^{z_k}}{\sum_{j=0}^{9} e^{z_j}}")

# ---- 4. the baseline -------------------------------------------------------------------

st.header("4 · A baseline first: the nearest mean image")
choice_cols = st.columns(2)
classes_name = ui.widget(SPEC["baseline"], choice_cols[0], horizontal=True)
distance_name = ui.widget(SPEC["distance"], choice_cols[1], horizontal=True)
classes = pixels_model.CLASSES[classes_name]
base_model = nearest_mean(model_source, size, classes, distance_name)
distances = base_model.distances(scaled01)
nearest = base_model.predict(scaled01)
pair = len(classes) == 2
if pair:
    st.markdown(
        "The course's first model learns nothing: it averages the training 3s into an "
        "\"ideal 3\" and the 7s into an \"ideal 7\", and calls a new digit whichever ideal "
        "it is closer to, pixel by pixel. Here that says "
        f"**{nearest}**; the network, which knows all ten digits, says **{prediction}**.")
    if label is not None and label not in classes:
        st.caption(f"This digit is a {label}: the baseline still answers 3 or 7, the only "
                   "digits it knows.")
else:
    st.markdown(
        "Before trusting a network, try the simplest idea that could work: average all "
        "training images of each digit into an \"ideal\" one, and call a new image whatever "
        "ideal it is closest to, pixel by pixel. Here that says "
        f"**{nearest}**; the network says **{prediction}**.")
means_caption = (f"The mean training image of {'3 and of 7' if pair else 'each digit'} at "
                 f"{size}×{size}, titled with its distance to your image (◀ marks the "
                 "nearest, the baseline's prediction).")
# One chart for every screen: its columns follow the page's width (pc.means_fit).
ui.chart(ui.built_chart(pc.means_chart, panels=len(classes), present=present), means_caption,
         data={"means": pc.means_frame(mean_pictures(model_source, size, classes, distance_name),
                                       distances, classes)},
         description=f"The mean training images of {' and '.join(map(str, classes))} at "
                     f"{size}×{size}; the nearest to this image is {nearest}.")
l2 = distance_name == next(iter(pixels_model.DISTANCES))
ui.chart(ui.built_chart(pc.distance_chart, height=ui.chart_height(260)),
         f"{distance_name[0].upper() + distance_name[1:]} pixel difference from your image "
         "to each mean image; the shortest bar is the baseline's answer.",
         data={"distances": pc.distance_frame(distances, classes)},
         description=f"Bar chart of the distance to each mean image; the shortest is "
                     f"{distances.min():.4f}, to {nearest}.")
formula_col, words_col = st.columns([1, 1.4], gap="large")
with formula_col:
    if l2:
        ui.formula(r"d_k = \sqrt{\tfrac{1}{n}\textstyle\sum_i (x_i - \bar{x}_{k,i})^2}",
                   "x̄ₖ: the mean of the training images labelled k; i runs over the n "
                   "pixels.")
    else:
        ui.formula(r"d_k = \tfrac{1}{n}\textstyle\sum_i |x_i - \bar{x}_{k,i}|",
                   "x̄ₖ: the mean of the training images labelled k; i runs over the n "
                   "pixels. fastbook's chapter 4 measures with this one.")
with words_col:
    if pair:
        st.markdown(
            f"It is right on **{base_model.accuracy:.1%}** of the {base_model.n_test} "
            "held-out 3s and 7s; below, digit by digit, beside the book's figures. "
            f"Telling ten digits apart is harder: the ten-digit baseline gets "
            f"{ten.accuracy:.1%} with the root mean square distance, the network "
            f"{model.mlp_accuracy:.1%}.")
    else:
        st.markdown(
            f"On held-out digits the baseline gets **{base_model.accuracy:.1%}**, the "
            f"network **{model.mlp_accuracy:.1%}**. The network is worth its training only "
            "because it beats this number; a model that cannot beat a simple baseline has "
            "learned nothing useful.")
if pair:
    rows, words = pixels_model.fastbook_comparison(base_model, model_source, size)
    for col, (name, ours, book) in zip(st.columns(len(rows)), rows, strict=True):
        col.metric(f"Held-out {name}", f"{ours:.1%}", delta=f"fastbook: {book:.1%}",
                   delta_color="off", delta_arrow="off")
    st.caption(words)

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
    "data: MNIST's digits were scaled to fit 20×20 pixels and centred by their centre of "
    "mass in 28×28, and so is your drawing.")

with st.expander("Where the digits come from", icon=":material/dataset:"):
    for credit in course.DATA:
        if credit.used_for.startswith(("the pixels page", "a second, low-resolution digit")):
            st.markdown(f"- **{credit.what}**, {credit.by}. Licence: {credit.licence}.")
    st.caption(f"This page holds {mnist.N_DIGITS:,} MNIST digits: "
               f"{mnist.N_DIGITS - mnist.N_HELD_OUT:,} train the networks and the baseline, "
               f"{mnist.N_HELD_OUT:,} are held out to score them. The {pixels.N_SCANS:,} "
               "scans are scikit-learn's copy of the UCI set's test part, written by "
               f"{pixels.SCAN_WRITERS} people.")

ui.check_yourself(pixels_quiz.QUESTIONS)
ui.next_concept(URL_PATH)
