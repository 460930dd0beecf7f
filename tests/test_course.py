from pathlib import Path

from explorer import course
from tests.helpers import url_path_of


def test_url_paths_follow_streamlit_page_naming():
    for page in course.LEARNING_PATH:
        assert page.url_path == url_path_of(page.file)
    assert course.LEARNING_PATH[1].url_path == "gradient_descent"


def test_learning_path_order_and_next_page():
    urls = [p.url_path for p in course.LEARNING_PATH]
    assert urls == ["pixels_to_matrix", "gradient_descent", "activation_functions",
                    "backprop_graph", "convolution_kernels", "over_underfitting", "tabular",
                    "collaborative_filtering"]
    assert course.next_page("pixels_to_matrix").url_path == "gradient_descent"
    assert course.next_page("collaborative_filtering") is None


def test_workflow_points_at_real_pages():
    urls = {p.url_path for p in course.LEARNING_PATH}
    assert len(course.WORKFLOW) == 8
    for step in course.WORKFLOW:
        assert step.shown_on and set(step.shown_on) <= urls


def test_every_page_file_is_on_the_learning_path():
    listed = {p.file for p in course.LEARNING_PATH}
    for path in (course.ROOT / "pages").glob("*.py"):
        assert str(Path("pages") / path.name) in listed, path.name


def test_glossary_covers_the_terms_the_course_uses():
    for term in ("Parameter", "Activation", "Layer", "Input layer", "Output activations",
                 "Loss", "Gradient", "Learning rate", "Epoch", "Mini-batch", "Regression",
                 "Argmax", "Tensor rank"):
        assert course.GLOSSARY[term]


def test_home_page_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys; from streamlit.testing.v1 import AppTest; "
            "at = AppTest.from_file('app.py', default_timeout=60).run(); "
            "assert not at.exception; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=course.ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_credits_are_on_the_home_page_and_in_the_readme():
    from tests.helpers import open_app

    readme = (course.ROOT / "README.md").read_text()
    at = open_app("app.py")
    shown = "\n".join(m.value for m in at.markdown)
    for credit in course.IDEAS + course.DATA:
        assert credit.by in readme and credit.by in shown, credit.by
        if credit in course.DATA:
            assert credit.licence in readme and credit.licence in shown
    for needed in ("fastai", "Chollet", "CS231n", "Olah", "Nielsen", "Karpathy", "setosa",
                   "TensorFlow Playground", "CNN Explainer", "MNIST", "Palmer penguins",
                   "MovieLens", "Titanic", "diamonds"):
        assert needed in readme, needed
