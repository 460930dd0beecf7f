"""Static checks over the app's own code: no user input can reach eval, pickle or raw HTML,
caches are bounded, torch stays off the start-up path, charts go through ui.chart (theme +
caption)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

APP_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"),
                    *(ROOT / "explorer").glob("*.py")])


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _name(func) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return f"{_name(func.value)}.{func.attr}"
    return ""


def _kw(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_eval_exec_or_pickle(path):
    tree = _tree(path)
    for call in _calls(tree):
        name = _name(call.func)
        assert name not in ("eval", "exec", "compile", "__import__"), (path, call.lineno)
        if name.endswith("torch.load"):
            weights_only = _kw(call, "weights_only")
            assert isinstance(weights_only, ast.Constant) and weights_only.value is True, (
                f"{path}:{call.lineno} torch.load without weights_only=True")
        if name.endswith(("np.load", "numpy.load")):
            allow = _kw(call, "allow_pickle")
            assert allow is None or (isinstance(allow, ast.Constant) and not allow.value)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
            assert not any(n.split(".")[0] in ("pickle", "dill", "cloudpickle", "joblib",
                                               "marshal", "shelve") for n in names), path


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_raw_html_only_in_the_page_kit(path):
    if path == ROOT / "explorer" / "ui.py":
        return
    for call in _calls(_tree(path)):
        unsafe = _kw(call, "unsafe_allow_html")
        assert not (isinstance(unsafe, ast.Constant) and unsafe.value), (path, call.lineno)
        assert _name(call.func) not in ("st.html", "components.html"), (path, call.lineno)


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_caches_are_bounded(path):
    """A cache keyed by parameters must say how many entries it keeps (30 visitors with
    different settings must not grow memory without limit)."""
    for node in ast.walk(_tree(path)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        has_params = bool(node.args.args or node.args.kwonlyargs or node.args.vararg)
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            name = _name(target)
            if not name.endswith(("cache_data", "cache_resource")):
                continue
            if name.endswith("cache_resource") and not has_params:
                continue  # one shared read-only object
            assert isinstance(dec, ast.Call) and _kw(dec, "max_entries") is not None, (
                f"{path}:{node.lineno} {node.name}: {name} without max_entries")


def _top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in _tree(path).body:
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _startup_modules() -> set[Path]:
    """explorer modules imported at the top of app.py or a page, and what they import at
    their top, recursively: the code every visitor pays for before anything is clicked."""
    todo = [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
    seen: set[Path] = set()
    while todo:
        for name in _top_level_imports(todo.pop()):
            if name.split(".")[0] != "explorer":
                continue
            parts = name.split(".")
            for k in (len(parts), len(parts) - 1):
                module = ROOT.joinpath(*parts[:k]).with_suffix(".py")
                if module.is_file() and module not in seen:
                    seen.add(module)
                    todo.append(module)
    return seen


@pytest.mark.parametrize("path", sorted((ROOT / "explorer").glob("*.py")),
                         ids=lambda p: p.name)
def test_only_the_page_kit_imports_streamlit(path):
    tops = {n.split(".")[0] for n in _top_level_imports(path)}
    if path.name != "ui.py":
        assert "streamlit" not in tops, f"{path.name}: only explorer/ui.py uses streamlit"


def test_torch_is_not_on_any_start_up_path():
    """torch costs ~2.5 s to import: pages import torch-using modules inside functions."""
    offenders = [p.name for p in _startup_modules()
                 if {n.split(".")[0] for n in _top_level_imports(p)} & {"torch"}]
    assert not offenders, offenders
    for page in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]:
        assert "torch" not in {n.split(".")[0] for n in _top_level_imports(page)}, page.name


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_show_charts_through_the_kit(path):
    for call in _calls(_tree(path)):
        assert _name(call.func) not in ("st.altair_chart", "st.vega_lite_chart"), (
            f"{path.name}:{call.lineno}: use ui.chart(chart, caption) for theme and caption")
