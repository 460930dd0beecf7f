"""The activation functions page's parameters and presets, declared once (see explorer.params)."""

from __future__ import annotations

from explorer import activations as act
from explorer.params import PageSpec, Param, Preset

TABS = ("Functions", "Softmax", "Why bend", "Parameters vs activations", "Last layer")
TEMPERATURES = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0)

PARAMS = (
    Param("view", "Tab shown", "tabs", TABS[0], options=TABS),
    # 1. the functions
    Param("fn", "Function", "selectbox", act.FUNCTIONS[0], options=act.FUNCTIONS),
    Param("compare", "Compare with", "multiselect", (), options=act.FUNCTIONS,
          help="Overlay up to four more functions (the first stays bold)."),
    Param("range", "Range: x from −r to r", "slider", 5, lo=1, hi=20),
    Param("slope", "Leaky ReLU's slope a", "slider", 0.1, lo=0.0, hi=0.5, step=0.01,
          help="Leaky ReLU's slope for x ≤ 0; used only by leaky ReLU. 0 turns it into ReLU."),
    Param("show_derivative", "Show f′(x)", "toggle", True),
    # 2. softmax
    Param("logits", "Logits (numbers separated by commas or spaces)", "text_input",
          "2, 1, 0.1, -1", max_chars=400,
          help=f"Up to {act.MAX_LOGITS} numbers. Try huge ones like 1000, 999, -1000: "
               "the computation stays exact."),
    Param("temperature", "Temperature T", "select_slider", 1.0, options=TEMPERATURES,
          help="Divide every logit by T before softmax. Small T exaggerates differences; "
               "large T flattens them."),
    # 3. why the bend matters
    Param("net_act", "Activation between the layers", "segmented_control", "ReLU",
          options=act.HIDDEN_ACTIVATIONS),
    Param("act_target", "Target curve", "selectbox", act.TARGETS[0], options=act.TARGETS,
          aliases=("target",)),
    Param("units", "Hidden units", "slider", 10, lo=1, hi=50),
    Param("act_seed", "Random start (seed)", "slider", 0, lo=0, hi=9,
          help="Another seed gives other starting weights.", aliases=("seed",)),
    # 4. parameters versus activations
    Param("x_in", "The input x", "slider", 1.0, lo=-3.0, hi=3.0, step=0.1),
)

PRESETS = (
    Preset("relu_vs_sigmoid", "ReLU vs sigmoid",
           {"view": "Functions", "fn": "ReLU", "compare": ["sigmoid"],
            "show_derivative": True, "range": 6},
           note="ReLU's slope is exactly 1 for every positive input; sigmoid's slope is "
                "never more than 0.25 and fades to almost nothing away from 0."),
    Preset("saturation", "Saturation",
           {"view": "Functions", "fn": "sigmoid", "compare": ["tanh"],
            "show_derivative": True, "range": 10},
           note="The grey bands are where sigmoid's slope is below 0.01: a gradient "
                "passing back through there shrinks more than a hundredfold."),
    Preset("straight_line", "Always a line",
           {"view": "Why bend", "net_act": "none", "act_target": "sine", "units": 20},
           note="20 hidden units and no activation: every unit is a line, and a sum of "
                "lines is a line. Training finds the best straight line and stops there."),
    Preset("ten_hinges", "10 hinges = sine",
           {"view": "Why bend", "net_act": "ReLU", "act_target": "sine", "units": 10},
           note="Each thin line is one ReLU unit: flat, then a ramp. Their sum bends at "
                "each diamond and traces the sine."),
    Preset("hot_cold", "Hot vs cold softmax",
           {"view": "Softmax", "logits": "2, 1.5, 1, 0, -1", "temperature": 0.1},
           note="Cold (T = 0.1): the top class takes nearly everything, 99.3% against the "
                "runner-up's 0.7%. Follow the lines to the right: as T heats up, the shares "
                "even out."),
)

SPEC = PageSpec("activation_functions", PARAMS, PRESETS)
