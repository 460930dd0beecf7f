"""The tabular page's parameters and presets, declared once (see explorer.params)."""

from __future__ import annotations

from explorer import tabular as tab
from explorer.params import PageSpec, Param, Preset

UPLOAD = "upload"
LAYER_OPTIONS = ("50", "100,50", "200,100", "500,250", "1000,500")
LR_OPTIONS = (0.001, 0.003, 0.01, 0.03, 0.1)
WD_OPTIONS = (0.0, 0.001, 0.01, 0.1)
INPUT_OPTIONS = ("embeddings", "one-hot")
# Every measure any problem offers; the page shows the ones of the table's problem.
METRICS = ("accuracy", "precision", "recall", "F1", "RMSE", "MAE")

PARAMS = (
    # Plain option names (no fmt): a bound selectbox writes the displayed text into the
    # URL, and ?dataset=titanic reads better than the long label.
    Param("dataset", "Dataset", "selectbox", "penguins", options=(*tab.DATASETS, UPLOAD),
          help="penguins: species (3 classes) · titanic: survived (yes/no) · "
               "diamonds: log price (regression) · upload: your own CSV file"),
    Param("tab_seed", "Split seed", "slider", 0, lo=0, hi=4, aliases=("seed",),
          help="Which random 20% of the rows are held out for validation. Results "
               "move between seeds; the tests average five."),
    Param("target", "Target column (what to predict)", "selectbox", None, dynamic=True),
    Param("metric", "Measure of success", "selectbox", "accuracy", options=METRICS,
          help="Accuracy counts right answers; precision, recall and F1 look at one class; "
               "RMSE and MAE measure the size of the errors of a regression."),
    Param("inputs", "Categories enter as", "segmented_control", "embeddings",
          options=INPUT_OPTIONS,
          help="Embeddings: a small learned vector per category. "
               "One-hot: a fixed 0/1 column per category."),
    Param("layers", "Hidden layers (units)", "selectbox", "200,100", options=LAYER_OPTIONS),
    Param("dropout", "Dropout", "slider", 0.1, lo=0.0, hi=0.5, step=0.05,
          help="Share of hidden units switched off at random in each training step."),
    Param("wd", "Weight decay", "select_slider", 0.01, options=WD_OPTIONS,
          help="Pulls every weight a little toward zero at each step."),
    Param("tab_epochs", "Epochs", "slider", 10, lo=1, hi=50, aliases=("epochs",),
          help="Passes over the training rows."),
    Param("tab_lr", "Peak learning rate", "select_slider", 0.01, options=LR_OPTIONS,
          aliases=("lr",),
          help="The schedule warms up to this value, then anneals toward zero."),
    Param("emb", "Embedding to draw", "selectbox", None, dynamic=True),
    # A validation row of the table on the page: no table has more rows than the largest
    # upload.
    Param("tab_row", "Validation row", "slider", 1, lo=1, hi=tab.MAX_UPLOAD_ROWS,
          dynamic=True, aliases=("row",)),
)

_NET = {"inputs": "embeddings", "layers": "200,100", "wd": 0.01, "tab_epochs": 10}

PRESETS = (
    Preset("penguins", "penguins species",
           {"dataset": "penguins", **_NET, "dropout": 0.1, "tab_lr": 0.01,
            "metric": "accuracy"},
           note="Three species, three islands: look at the confusion matrix, then at "
                "where the network put each island in the embedding chart."),
    Preset("titanic_missing", "Titanic survival",
           {"dataset": "titanic", **_NET, "dropout": 0.1, "tab_lr": 0.01, "metric": "F1"},
           note="Titanic survival with missing ages: one age in five is missing. See the "
                "median fill and the age_na flag in the before/after table, and whether "
                "the network beats the trees."),
    Preset("diamonds", "diamond prices",
           {"dataset": "diamonds", **_NET, "dropout": 0.0, "tab_lr": 0.03, "metric": "RMSE"},
           note="A regression on 53,940 rows: the loss is squared error of the log price; "
                "check predicted against actual and how far the trees are ahead."),
    Preset("one_hot", "no embeddings",
           {"dataset": "penguins", **_NET, "inputs": "one-hot", "dropout": 0.1,
            "tab_lr": 0.01, "metric": "accuracy"},
           note="No embeddings, one-hot instead: each category is a fixed column of 0s "
                "and a 1, nothing to learn, so there is no embedding to draw. Compare the "
                "accuracy with the penguins preset."),
    Preset("overfit", "overfit: big net",
           {"dataset": "titanic", **_NET, "layers": "1000,500", "dropout": 0.0, "wd": 0.0,
            "tab_epochs": 40, "tab_lr": 0.01, "metric": "accuracy"},
           note="A big net with no dropout and no weight decay: the training loss keeps "
                "falling while the validation loss stalls well above it and wobbles. The "
                "gap is memorized detail that does not carry over to new passengers."),
)

SPEC = PageSpec("tabular", PARAMS, PRESETS)
