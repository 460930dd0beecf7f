"""The collaborative filtering page's parameters and presets, declared once (see
explorer.params)."""

from __future__ import annotations

from explorer.collab_model import Settings
from explorer.params import PageSpec, Param, Preset

MOVIELENS, PLANTED, UPLOAD = "MovieLens", "planted tastes", "your CSV"
LR_CHOICES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
WD_CHOICES = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
DEFAULTS = Settings()

PARAMS = (
    Param("cf_dataset", "Ratings", "selectbox", MOVIELENS,
          options=(MOVIELENS, PLANTED, UPLOAD), aliases=("dataset",),
          help="MovieLens: 100,004 real ratings. Planted tastes: ratings made "
               "from two known factors. Your CSV: columns user, item, rating."),
    Param("factors", "Factors per user and movie", "slider", DEFAULTS.factors, lo=1, hi=100,
          help="How many numbers describe each user and each movie."),
    Param("cf_bias", "Biases (one number per user and per movie)", "toggle", DEFAULTS.bias,
          aliases=("bias",)),
    Param("y_range", "Squeeze into the rating range (sigmoid)", "toggle", DEFAULTS.y_range),
    Param("cf_wd", "Weight decay", "select_slider", DEFAULTS.wd, options=WD_CHOICES,
          aliases=("wd",), help="Penalty on the size of the factors and biases."),
    Param("cf_epochs", "Epochs", "slider", DEFAULTS.epochs, lo=1, hi=40, aliases=("epochs",),
          help="Passes over the 90% training ratings."),
    Param("cf_lr", "Learning rate (Adam)", "select_slider", DEFAULTS.lr, options=LR_CHOICES,
          aliases=("lr",)),
    Param("user", "User", "selectbox", None, dynamic=True,
          help="Also the user for the recommendations further down."),
    Param("shift1", "Move along main axis 1", "slider", 0.0, lo=-3.0, hi=3.0, step=0.1),
    Param("shift2", "Move along main axis 2", "slider", 0.0, lo=-3.0, hi=3.0, step=0.1),
    # Labelled "A movie ..." or "An item ..." by the page, after the data.
    Param("movie", "A movie (for the map and its nearest neighbours)", "selectbox", None,
          dynamic=True),
)

CORE = {"cf_dataset": MOVIELENS, "factors": DEFAULTS.factors, "cf_epochs": DEFAULTS.epochs,
        "cf_lr": DEFAULTS.lr}

PRESETS = (
    Preset("dot_product", "Dot product only",
           CORE | {"cf_bias": False, "y_range": False, "cf_wd": 0.0},
           note="Factors alone, unbounded, no penalty: validation error is far above the "
                "biases-only line and rises as training goes on."),
    Preset("with_biases", "With biases",
           CORE | {"cf_bias": True, "y_range": True, "cf_wd": 0.0},
           note="Range and biases help, but without weight decay the validation curve "
                "turns up after a few epochs: the factors memorise the training ratings."),
    Preset("with_wd", "With weight decay",
           CORE | {"cf_bias": True, "y_range": True, "cf_wd": 0.1},
           note="Weight decay keeps the factors small: validation error keeps falling and "
                "ends below both baselines."),
    Preset("overfit", "Too many factors overfit",
           CORE | {"factors": 100, "cf_epochs": 20, "cf_bias": True, "y_range": True,
                   "cf_wd": 0.0},
           note="100 factors and no weight decay: training error heads to zero while "
                "validation error climbs. Memorising is not learning."),
    Preset("planted", "Planted tastes recovered",
           CORE | {"cf_dataset": PLANTED, "cf_epochs": 30, "cf_wd": 0.05, "cf_bias": True,
                   "y_range": True},
           note="Ratings made from two known tastes: scroll to 'Did it find the planted "
                "tastes?' to see the learned factors line up with them."),
)

SPEC = PageSpec("collaborative_filtering", PARAMS, PRESETS)
