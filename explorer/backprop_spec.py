"""The backprop page's parameters and presets, declared once (see explorer.params)."""

from __future__ import annotations

from explorer import backprop_network as bn
from explorer import backprop_parser as parser
from explorer.params import PageSpec, Param, Preset

MODES = ("Expression", "Network", "Vanishing gradients")
DEFAULT_EXPR = "(a + b) * (b + 1)"
DEFAULT_VALUES = "a=2, b=1"
# A graph has at most MAX_NODES nodes; the forward pass steps through each operation and
# the backward pass through each node that is not a constant.
MAX_STEPS = 2 * parser.MAX_NODES

PARAMS = (
    Param("mode", "Tab shown", "tabs", MODES[0], options=MODES),
    # expression mode
    Param("expr", "Expression", "text_input", DEFAULT_EXPR, max_chars=parser.MAX_LENGTH,
          help="Numbers, variables, + − * / ^, brackets, and exp, log, sqrt, abs, sin, cos, "
               "tanh, sigmoid, relu. Example: sigmoid(w*x + b) ^ 2."),
    Param("values", "Values of the variables", "text_input", DEFAULT_VALUES,
          max_chars=parser.MAX_VALUES_LENGTH,
          help="name=number pairs separated by commas, e.g. a=2, b=-1.5"),
    # The inputs come from the expression: the page passes them (and which one it starts
    # on) when it draws the box.
    Param("path", "Sum over paths from", "selectbox", None, dynamic=True,
          max_chars=parser.MAX_NAME_LENGTH,
          help="Pick an input: its paths to f are drawn in pink and listed below."),
    # The number of steps comes from the graph: the page passes it as the slider's maximum
    # and in the label.
    Param("step", "Step through the passes (0 = the finished graph)", "slider", 0, lo=0,
          hi=MAX_STEPS, dynamic=True,
          help="Forward: one operation at a time. Backward: one gradient at a time, from f "
               "back to the inputs."),
    # network mode
    Param("bp_layers", "Layer sizes", "text_input", "2-3-2", max_chars=bn.MAX_LAYERS_TEXT,
          help="Input size, hidden sizes, output size.", aliases=("layers",)),
    Param("act", "Activation", "selectbox", bn.ACTIVATIONS[0], options=bn.ACTIVATIONS),
    Param("bp_loss", "Loss", "selectbox", bn.LOSSES[0], options=bn.LOSSES,
          help="MSE: C = ½‖a − y‖² with the activation on the output. Cross-entropy: softmax "
               "on the output, C = −log of the probability of the right class.",
          aliases=("loss",)),
    Param("bp_seed", "Random weights and example", "slider", 0, lo=0, hi=20,
          aliases=("seed",)),
    # vanishing gradients
    Param("deep_act", "Activation", "selectbox", bn.ACTIVATIONS[0], options=bn.ACTIVATIONS),
    Param("depth", "Depth (layers)", "slider", 10, lo=1, hi=20),
    Param("init_scale", "Weight scale at initialisation", "slider", 1.0, lo=0.1, hi=3.0,
          step=0.1,
          help="Weights start as N(0, scale² / fan-in). 1.4 ≈ √2 is He initialisation "
               "for ReLU."),
)

PRESETS = (
    Preset("shared", "A shared variable",
           {"mode": "Expression", "expr": DEFAULT_EXPR, "values": DEFAULT_VALUES,
            "path": "b", "step": 0},
           note="b feeds two nodes, so two paths lead from b to f: its gradient is the "
                "sum 2 + 3 = 5 (pink edges)."),
    Preset("division_exp", "Division and exp",
           {"mode": "Expression", "expr": "exp(x) / (1 + exp(x))", "values": "x=0.5",
            "path": "x", "step": 0},
           note="x reaches f through the top and the bottom of the fraction; the two "
                "paths add up to σ(x)(1 − σ(x)) = 0.235, the sigmoid's slope."),
    Preset("neuron", "A neuron",
           {"mode": "Expression", "expr": "sigmoid(w1*x1 + w2*x2 + b)",
            "values": "x1=3, x2=-2, w1=0.5, w2=-0.25, b=0.2", "path": "w1", "step": 0},
           note="The gradient for a weight is the input it multiplies times the "
                "gradient arriving at the sum: ∂f/∂w1 = x1 · σ'(z)."),
    Preset("sigmoid_vanishes", "Sigmoid vanishes",
           {"mode": "Vanishing gradients", "deep_act": "sigmoid", "depth": 20,
            "init_scale": 1.0},
           note="Twenty sigmoid layers: the gradient shrinks about fourfold per layer, "
                "so layer 1 gets a gradient about 10¹² times smaller than layer 20."),
    Preset("relu_keeps", "ReLU keeps it",
           {"mode": "Vanishing gradients", "deep_act": "relu", "depth": 20,
            "init_scale": 1.4},
           note="ReLU's slope is exactly 1 where it is active; with weights scaled by "
                "√2 (He initialisation) layer 1's gradient is only about 4 times smaller "
                "than layer 20's, against 10¹² times smaller with sigmoid."),
)

SPEC = PageSpec("backprop_graph", PARAMS, PRESETS)


def step_label(total: int) -> str:
    """The step slider's label with the graph's number of steps in it."""
    return f"Step through the passes (0 = the finished graph, {total} steps)"
