"""Guided tours: ordered steps through the pages, each a page, the settings to show, what to
look at, and sometimes a question to answer before the answer appears on screen.

A step's settings are a preset of its page, values, or both, checked against the page's
declared parameters (explorer.params) by `check_tours`, which the tests run. The tour and
the step live in the URL (`?tour=first_hour&tour_step=3`), so a link opens a tour at a
step. Pure Python: no streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TOUR_PARAM = "tour"
STEP_PARAM = "tour_step"  # `step` is already a parameter of the backprop page


@dataclass(frozen=True)
class Prediction:
    """A question asked before the step's settings are applied: the page then shows the
    answer. `answer` is the index of the right option; `why` says what to look for."""

    prompt: str
    options: tuple[str, ...]
    answer: int
    why: str


@dataclass(frozen=True)
class Step:
    page: str  # url path
    look: str  # one or two sentences: what to look at
    preset: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    predict: Prediction | None = None


@dataclass(frozen=True)
class Tour:
    name: str
    title: str
    summary: str
    steps: tuple[Step, ...]

    def __len__(self) -> int:
        return len(self.steps)


def step_values(step: Step, spec_of: Callable[[str], Any]) -> dict[str, Any]:
    """The parameter values a step sets: its preset's, then its own on top."""
    values: dict[str, Any] = {}
    if step.preset is not None:
        values.update(spec_of(step.page).preset(step.preset).values)
    values.update(step.values)
    return values


def check_tours(tours: tuple[Tour, ...], spec_of: Callable[[str], Any]) -> None:
    """Raise ValueError naming the tour and step when a step names a page, preset or value
    that does not exist, or a tour is too short or too long."""
    from explorer.params import ParamError

    names = [t.name for t in tours]
    if len(set(names)) != len(names):
        raise ValueError("two tours share a name")
    for tour in tours:
        if not 6 <= len(tour) <= 12:
            raise ValueError(f"tour {tour.name}: {len(tour)} steps (6 to 12)")
        for number, step in enumerate(tour.steps, start=1):
            where = f"tour {tour.name}, step {number}: "
            try:
                spec = spec_of(step.page)
                values = step_values(step, spec_of)
                spec.check_values(values, where)
            except (KeyError, ParamError) as err:
                raise ValueError(f"{where}{err}") from err
            if step.predict is not None and not (
                    0 <= step.predict.answer < len(step.predict.options)):
                raise ValueError(f"{where}the prediction's answer is not one of its options")


def tour_by_name(name: str) -> Tour | None:
    return next((t for t in TOURS if t.name == name), None)


def parse_position(tour_name: str | None, step_text: str | None) -> tuple[Tour, int] | None:
    """(tour, 0-based step index) from the URL's values, or None when they name none.
    A step number out of range (or not a number) means the first step."""
    tour = tour_by_name(tour_name or "")
    if tour is None:
        return None
    try:
        number = int(str(step_text)) if step_text is not None and len(str(step_text)) < 4 else 1
    except ValueError:
        number = 1
    return tour, min(max(number, 1), len(tour)) - 1


# ---- the tours -------------------------------------------------------------------------

PX, GD, ACT, BP = "pixels_to_matrix", "gradient_descent", "activation_functions", "backprop_graph"
CONV, FIT, TAB, CF = "convolution_kernels", "over_underfitting", "tabular", "collaborative_filtering"

TOURS: tuple[Tour, ...] = (
    Tour("first_hour", "First hour: from pixels to a prediction",
         "A digit becomes a grid of numbers, the numbers a prediction, and a prediction "
         "gets better by walking downhill on the loss.",
         (
             Step(PX, "The picture is only a grid of numbers: hover a cell of the matrix and "
                      "find the darkest pixels of the stroke."),
             Step(PX, "Swap black and white. The numbers change everywhere, though a person "
                      "reads the same digit.", preset="inverted",
                  predict=Prediction(
                      "Black and white are about to swap. Will the network still read the "
                      "digit?", ("Yes, the shape is the same", "Probably not"), 1,
                      "The network learned from dark strokes on white. Inverted, almost "
                      "every input number is different, so its scores change completely.")),
             Step(PX, "Noise changes more than half of the numbers; compare the probabilities "
                      "with the clean digit's.", preset="noisy"),
             Step(PX, "Shifted by a few pixels, the ink lands on inputs the network rarely "
                      "saw lit.", preset="shifted"),
             Step(PX, "Back to a clean digit: the baseline that compares with each class's "
                      "mean image, next to the network.", preset="clean_8"),
             Step(GD, "Training is a walk downhill on the loss: with a good learning rate the "
                      "path reaches the cross in a few steps.", preset="just_right"),
             Step(GD, "Make the steps too large and each one overshoots.", preset="diverges",
                  predict=Prediction(
                      "The learning rate goes from 0.5 to 1.5. What happens to the loss?",
                      ("It falls faster", "It falls, but zig-zags",
                       "It grows without bound"), 2,
                      "Past about 2 divided by the curvature, each step lands higher on the "
                      "other side of the valley than it started.")),
         )),
    Tour("how_a_network_learns",
         "How a network learns: loss, gradient, learning rate, momentum",
         "One model, a line, trained many ways: step size, noisy mini-batches, and a "
         "valley where momentum pays.",
         (
             Step(GD, "The default run: follow the dot on the loss surface as you drag the "
                      "step slider."),
             Step(GD, "Tiny steps: after 100 of them the path has covered little of the "
                      "way.", preset="too_small"),
             Step(GD, "A good step size reaches the minimum in a few steps.",
                  preset="just_right"),
             Step(GD, "Bigger steps overshoot the valley floor: the parameters jump from side "
                      "to side.", preset="too_big"),
             Step(GD, "Bigger still, and each jump is longer than the last.",
                  preset="diverges",
                  predict=Prediction(
                      "At learning rate 1.5, where does training end?",
                      ("At the minimum", "Near the minimum, slowly",
                       "It is stopped: the loss blew up"), 2,
                      "The page stops training when the loss stops being a finite number, "
                      "and says at which step.")),
             Step(GD, "Mini-batches of 5 points give noisy gradients: the path wanders but "
                      "heads downhill.", preset="sgd"),
             Step(GD, "A long narrow valley: momentum keeps its speed along the floor.",
                  preset="momentum_valley"),
             Step(GD, "The same race on harder surfaces: pick a surface under the charts and "
                      "compare the three optimizers' paths."),
         )),
    Tour("depth_and_nonlinearity",
         "Why depth and non-linearity: activations, backprop, vanishing gradients",
         "Without a bend between the matrix products a network is a straight line; "
         "backprop shows how the gradient reaches each weight, and how it can fade.",
         (
             Step(ACT, "ReLU and sigmoid side by side: where is each one flat?",
                  preset="relu_vs_sigmoid"),
             Step(ACT, "Far from zero, sigmoid's slope is almost nothing: the saturated "
                       "regions are shaded.", preset="saturation"),
             Step(ACT, "With no activation, stacking layers still gives a straight line.",
                  preset="straight_line",
                  predict=Prediction(
                      "A network with hidden layers but no activation function tries to fit "
                      "a curve. What will its fit look like?",
                      ("A smooth curve", "A straight line", "A staircase"), 1,
                      "A product of matrices is one matrix: without a bend between them the "
                      "whole network is one linear function.")),
             Step(ACT, "Ten ReLU hinges are enough to draw a sine.", preset="ten_hinges"),
             Step(ACT, "Softmax turns scores into probabilities; temperature makes it sharper "
                       "or flatter.", preset="hot_cold"),
             Step(BP, "One backward pass gives every derivative: follow the gradient from the "
                      "output back to each input."),
             Step(BP, "A variable used twice gets the sum of both paths' gradients.",
                  preset="shared"),
             Step(BP, "A single neuron: weights, a sum, an activation, a loss.",
                  preset="neuron"),
             Step(BP, "Twenty sigmoid layers: watch the gradient's size layer by layer.",
                  preset="sigmoid_vanishes",
                  predict=Prediction(
                      "The gradient travels back through 20 sigmoid layers. How big is it "
                      "when it reaches the first layer, compared with the last?",
                      ("About the same", "A few times smaller",
                       "Millions of times smaller or less"), 2,
                      "Each sigmoid multiplies the gradient by its slope, at most 0.25, so "
                      "twenty of them shrink it by many orders of magnitude.")),
             Step(BP, "The same depth with ReLU: compare the first layer's gradient.",
                  preset="relu_keeps"),
         )),
    Tour("convolutions", "Convolutions",
         "A 3×3 grid of weights slides over an image: it blurs, finds edges, embosses, and "
         "its size, stride and padding decide the output's shape; a network learns its own.",
         (
             Step(CONV, "The default: a sharpen kernel on a photo. Each output value is the "
                        "weighted sum of one small patch of the input: pick a row and a "
                        "column to see which.", values={"conv_tab": "Kernels by hand"}),
             Step(CONV, "Equal weights average each neighbourhood: a blur.", preset="blur"),
             Step(CONV, "Weights that sum to zero answer only where brightness changes: "
                        "edges.", preset="edges"),
             Step(CONV, "An emboss kernel: one side of every edge bright, the other dark.",
                  preset="emboss"),
             Step(CONV, "Max pooling keeps the largest value of each block.",
                  preset="max_pool"),
             Step(CONV, "Nobody wrote these kernels: a tiny CNN started from random ones and "
                        "training shaped them. Drag the replay's slider from step 0 to the "
                        "end to watch them form.",
                  values={"conv_tab": "A CNN learns its kernels"}),
             Step(CONV, "Stride and padding decide the output size: (W − F + 2P) / S + 1.",
                  preset="stride_no_fit",
                  predict=Prediction(
                      "Input 7 wide, filter 3, stride 3, no padding. Does the filter fit a "
                      "whole number of times?",
                      ("Yes", "No: (7 − 3) / 3 + 1 is not a whole number"), 1,
                      "(7 − 3 + 0) / 3 + 1 = 2⅓. The filter's last position would hang over "
                      "the edge, so the last column is never read; frameworks round down to "
                      "2 without a word.")),
             Step(CONV, "AlexNet's first layer: 96 filters of 11×11×3, stride 4.",
                  preset="alexnet"),
         )),
    Tour("generalization", "Generalization and real data",
         "Too simple, too flexible, or about right; how validation data tells them apart; "
         "and the same ideas on real tables and ratings.",
         (
             Step(FIT, "A straight line through a curve: wrong on training and validation "
                       "data alike.", preset="underfit_line"),
             Step(FIT, "Degree 15 through 10 points.", preset="overfit_15",
                  predict=Prediction(
                      "A degree-15 polynomial is fitted to 10 noisy points. Which error will "
                      "be lower?", ("Training error", "Validation error", "About the same"),
                      0, "With more coefficients than points it passes through every "
                         "training point, noise included, and misses new points.")),
             Step(FIT, "More data tames the same flexible model.", preset="more_data"),
             Step(FIT, "A big network on a small noisy dataset.", preset="big_net"),
             Step(FIT, "Dropout on the same big network.", preset="dropout"),
             Step(FIT, "One hold-out split is noisy: K-fold averages several.",
                  preset="holdout_noisy"),
             Step(TAB, "A real table: penguins, with categories and gaps.",
                  preset="penguins"),
             Step(TAB, "Titanic: a missing age becomes a column of its own.",
                  preset="titanic_missing"),
             Step(TAB, "A big network on a small table.", preset="overfit"),
             Step(CF, "Ratings alone: a dot product of user and movie factors.",
                  preset="dot_product"),
             Step(CF, "Biases let some movies be better and some users kinder.",
                  preset="with_biases"),
             Step(CF, "Weight decay keeps the factors small.", preset="with_wd"),
         )),
)
