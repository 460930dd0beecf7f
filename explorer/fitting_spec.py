"""The over/underfitting page's parameters and presets, declared once (see explorer.params).

Keys that other pages also use with another meaning carry this page's prefix `fit_`; the
old names stay as aliases, so links made before the rename still open the same state.
"""

from __future__ import annotations

from explorer import fitting
from explorer import fitting_final as final
from explorer import fitting_network as net
from explorer.params import PageSpec, Param, Preset

TAB_POLY, TAB_NET, TAB_EVAL = "Polynomial", "Network", "Evaluation protocol"
LR_OPTIONS = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PENALTY_OPTIONS = (0.0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
FULL_BATCH = "full batch"
BATCH_OPTIONS = (FULL_BATCH, "32", "8")
# The optimizer as the control names it (and the URL spells it) -> its name in NetConfig.
OPTIMIZERS = {"Adam": "adam", "SGD with momentum": "sgd"}

PARAMS = (
    Param("tab", "Which tab is open", "tabs", TAB_POLY, options=(TAB_POLY, TAB_NET, TAB_EVAL)),
    # polynomial tab
    Param("truth", "True curve", "selectbox", "sine", options=fitting.TRUTH_NAMES,
          help="The pattern the data comes from, before noise."),
    Param("fit_noise", "Noise (standard deviation)", "slider", 0.2, lo=0.0, hi=1.0, step=0.05,
          aliases=("noise",)),
    Param("fit_n", "Training points", "slider", 20, lo=5, hi=200, step=1, aliases=("n",)),
    Param("degree", "Polynomial degree", "slider", 3, lo=0, hi=fitting.MAX_DEGREE, step=1,
          help="0 is a flat line, 1 a straight line, 15 a curve with up to 14 bends."),
    # network tab: data
    Param("fit_dataset", "Dataset", "selectbox", "moons", options=net.DATASETS,
          aliases=("dataset",)),
    Param("net_noise", "Noise", "slider", 0.25, lo=0.0, hi=0.6, step=0.05),
    Param("points", "Points (half of them validate)", "slider", 200, lo=40, hi=1000, step=20,
          help="More data is a regularizer too."),
    Param("fit_seed", "Random seed", "slider", 0, lo=0, hi=20, step=1, aliases=("seed",),
          help="The same seed gives the same data, split and start weights."),
    # network tab: model and training
    Param("hidden", "Hidden layers (units per layer)", "text_input", "16,16", max_chars=40,
          help="For example 16,16 or 64,64,64; empty means no hidden layer (a straight "
               "boundary)."),
    Param("activation", "Activation", "selectbox", "relu", options=net.ACTIVATIONS),
    Param("optimizer", "Optimizer", "selectbox", "Adam", options=tuple(OPTIMIZERS)),
    Param("fit_lr", "Learning rate", "select_slider", 0.01, options=LR_OPTIONS,
          aliases=("lr",)),
    Param("fit_epochs", "Epochs", "slider", 300, lo=50, hi=1000, step=50, aliases=("epochs",)),
    Param("fit_batch", "Batch size", "selectbox", FULL_BATCH, options=BATCH_OPTIONS,
          aliases=("batch",),
          help="Full batch: one step per epoch on all training points."),
    # network tab: regularization
    Param("fit_wd", "L2 weight decay λ₂", "select_slider", 0.0, options=PENALTY_OPTIONS,
          aliases=("wd",)),
    Param("l1", "L1 penalty λ₁", "select_slider", 0.0, options=PENALTY_OPTIONS),
    Param("fit_dropout", "Dropout rate", "slider", 0.0, lo=0.0, hi=0.7, step=0.1,
          aliases=("dropout",)),
    Param("augment", "Jittered copies of each training point", "slider", 0, lo=0, hi=10,
          step=1, help="Data augmentation: each copy moves the point a little at random and "
                       "keeps its label."),
    Param("early_stop", "Early stopping", "toggle", False,
          help="Keep the weights of the epoch with the lowest validation loss instead of the "
               "last ones."),
    # evaluation protocol tab
    Param("rows", "Rows in the sample", "slider", 60, lo=30, hi=300, step=10),
    Param("k", "K (folds)", "slider", 5, lo=2, hi=10, step=1),
    Param("repeats", "Repeats of K-fold (reshuffled)", "slider", 1, lo=1, hi=5, step=1),
    Param("split_seed", "Random seed", "slider", 0, lo=0, hi=20, step=1),
    # evaluation protocol tab: the final model, scored once
    Param("final_rows", "Penguins in the sample", "slider", 40, lo=20, hi=340, step=10,
          help="Half of them train, a quarter validate, a quarter are the test set."),
    Param("final_degrees", "Degrees to choose from: 0 up to", "slider", 6, lo=1,
          hi=final.MAX_DEGREE, step=1,
          help="More candidates give validation more chances to crown a lucky one."),
    Param("final_seed", "Random seed of the splits", "slider", 0, lo=0, hi=20, step=1),
    # network tab: input features (issue 18, watch it learn)
    Param("fit_features", "Input features", "multiselect", net.PLAIN_FEATURES,
          options=net.FEATURE_NAMES,
          help="What the network is given for each point: its coordinates x1 and x2, or "
               "numbers computed from them, as in TensorFlow Playground. sin πx1 is "
               "sin(π · x1)."),
)

BIG_NET = {"tab": TAB_NET, "fit_dataset": "moons", "net_noise": 0.3, "points": 100,
           "hidden": "64,64", "activation": "relu", "optimizer": "Adam", "fit_lr": 0.01,
           "fit_epochs": 300, "fit_batch": FULL_BATCH, "fit_seed": 0, "fit_wd": 0.0,
           "l1": 0.0, "fit_dropout": 0.0, "augment": 0, "fit_features": ["x1", "x2"]}

# The feature and depth presets: every network setting given, so the note holds whatever
# was on screen before.
FEATURE_NET = {**BIG_NET, "points": 200, "net_noise": 0.1, "fit_lr": 0.03}
CIRCLE_SQUARES = {"fit_dataset": "circles", "hidden": "", "fit_features": ["x1²", "x2²"]}
XOR_PRODUCT = {"fit_dataset": "xor", "hidden": "", "fit_features": ["x1·x2"]}
SPIRAL_DEPTH = {"fit_dataset": "spiral", "hidden": "8,8", "net_noise": 0.0, "points": 400,
                "fit_epochs": 500}

# The final-model controls at their defaults: a preset of the evaluation tab that leaves them
# elsewhere would also match (and be marked) after one of the final-model presets.
FINAL_DEFAULTS = {p.key: p.default for p in PARAMS if p.key.startswith("final_")}

PRESETS = (
    Preset("underfit_line", "Underfit",
           {"tab": TAB_POLY, "truth": "sine", "fit_noise": 0.2, "fit_n": 20, "degree": 1},
           note="Degree 1 cannot bend: training and validation error are both high."),
    Preset("overfit_15", "Overfit",
           {"tab": TAB_POLY, "truth": "sine", "fit_noise": 0.2, "fit_n": 10, "degree": 15},
           note="The curve passes through every training point and swings wildly between "
                "them: training error 0, validation error huge."),
    Preset("more_data", "More data",
           {"tab": TAB_POLY, "truth": "sine", "fit_noise": 0.2, "fit_n": 200, "degree": 15},
           note="The same degree 15, now with 200 points: there is no room left to chase "
                "the noise, and validation error comes down to the noise level."),
    Preset("big_net", "Big net", BIG_NET,
           note="Training loss goes to almost 0 while validation loss climbs after an early "
                "best epoch: the boundary wraps around single noisy points."),
    Preset("dropout", "Dropout", {**BIG_NET, "fit_dropout": 0.5},
           note="Same net, same seed, half the hidden units switched off at random in each "
                "step: compare the gap and the boundary with the run without it."),
    Preset("weight_decay", "L2 decay", {**BIG_NET, "fit_wd": 0.003},
           note="Same net, same seed, a penalty on large weights: a smoother boundary and a "
                "much smaller gap between training and validation loss."),
    Preset("holdout_noisy", "Hold-out",
           {"tab": TAB_EVAL, "rows": 60, "k": 5, "repeats": 1, "split_seed": 0,
            **FINAL_DEFAULTS},
           note="With 60 rows, one random hold-out split can land anywhere in a wide range; "
                "K-fold averages five such scores and moves much less."),
    # the final model, scored once
    Preset("few_rows", "Few rows, many degrees",
           {"tab": TAB_EVAL, "final_rows": 20, "final_degrees": 10, "final_seed": 0},
           note="Twenty penguins, five of them validating, and as many degrees to choose from "
                "as ten training rows allow: the five rows crown whichever degree got lucky. "
                "The chosen degree's test error lands well above what validation promised; "
                "the straight line fixed in advance does not."),
    Preset("whole_table", "Whole table",
           {"tab": TAB_EVAL, "final_rows": 340, "final_degrees": 10, "final_seed": 0},
           note="340 penguins, 85 of them validating, and degrees 0 to 10: each validation "
                "score is steady, so picking the lowest flatters it little; both gaps are a "
                "few grams."),
    # network tab: input features and depth (issue 18). Each note's numbers are checked by
    # tests/test_fitting_replay.py::test_feature_presets_say_what_their_runs_show.
    Preset("circle_squares", "Circle: x1², x2²", {**FEATURE_NET, **CIRCLE_SQUARES},
           note="No hidden layer draws a straight boundary, and a circle is not straight in "
                "x1 and x2; but x1² + x2² = r² is a straight line in x1² and x2². Given those "
                "two inputs, the net without a hidden layer gets over 95% of the validation "
                "points right. Give it x1 and x2 instead and it does no better than a coin "
                "toss."),
    Preset("xor_product", "XOR: x1·x2", {**FEATURE_NET, **XOR_PRODUCT},
           note="x1·x2 is positive in two opposite quarters of the plane and negative in the "
                "other two, which is exactly the XOR pattern: with it as the only input, the "
                "net without a hidden layer gets over 90% of the validation points right. "
                "With x1 and x2 instead it does no better than a coin toss."),
    Preset("spiral_depth", "Spiral: depth", {**FEATURE_NET, **SPIRAL_DEPTH},
           note="Given only x1 and x2, one hidden layer of 8 ReLU units gets at most 90% of "
                "the spiral's validation points right: its boundary is a few straight cuts. "
                "A second layer of 8 combines those cuts into curves that follow the arms, "
                "and gets over 97% right. (One wider layer of 16 does too: depth is one way "
                "to get enough bends.)"),
)

SPEC = PageSpec("over_underfitting", PARAMS, PRESETS)


def network_config(values: dict) -> net.NetConfig:
    """The network tab's training settings from its control values (key -> value; missing
    keys take their defaults), as the page trains them. Raises ValueError on hidden-layer
    text that cannot be read. Input features go in one fixed order, whatever order they
    were picked in; none picked means x1 and x2."""
    def get(key):
        return values.get(key, SPEC[key].default)

    chosen = get("fit_features")
    features = tuple(f for f in net.FEATURE_NAMES if f in chosen) or net.PLAIN_FEATURES
    batch = get("fit_batch")
    return net.NetConfig(
        dataset=get("fit_dataset"), noise=float(get("net_noise")), n_points=int(get("points")),
        hidden=net.parse_hidden(get("hidden")), activation=get("activation"),
        optimizer=OPTIMIZERS[get("optimizer")], lr=float(get("fit_lr")),
        epochs=int(get("fit_epochs")), batch_size=0 if batch == FULL_BATCH else int(batch),
        wd=float(get("fit_wd")), l1=float(get("l1")), dropout=float(get("fit_dropout")),
        augment=int(get("augment")), seed=int(get("fit_seed")), features=features)
