"""Record the golden list of URLs: what each page shows on each address, before a refactor.

Run from the checkout: /work/main/.venv/bin/python tests/golden/record.py [url_path ...]
It writes tests/golden/urls.json; tests/test_golden_urls.py replays every entry. With url
paths (e.g. `pixels_to_matrix`), only those pages are recorded again and every other
page's entries are kept as they are.

The URLs, for every page in pages/: the page with no parameters, each preset by URL
(?preset=<name>, the names read from the page's preset buttons), and the hand-picked states
in STATES below. Each hand-picked parameter must survive into the settled page's URL:
Streamlit quietly ignores a URL value a widget does not accept, and a state that silently
fell back to the defaults would prove nothing.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.golden import capture  # noqa: E402

# Non-default states a visitor could open by a shared link, per URL path. Values are written
# as they appear in the URL.
STATES: dict[str, list[dict[str, str]]] = {
    "pixels_to_matrix": [
        {"size": "7×7", "scale": "0 to 1"},
        {"digit_index": "42", "pixel_noise": "50"},
        {"scale": "standardized", "invert": "true", "shift": "20"},
        {"source": "8×8 scans (scikit-learn)", "scan_index": "100"},
        {"digit_index": "7100", "baseline": "3 vs 7", "distance": "mean absolute (L1)"},
    ],
    "gradient_descent": [
        {"lr": "0.5", "opt": "Momentum"},
        {"loss": "MAE", "epochs": "50", "start_a1": "6.0"},
        {"opt": "SGD", "batch": "50", "n": "500", "noise": "1.0", "seed": "7"},
        {"surface": "Rosenbrock valley", "surface_steps": "1000"},
    ],
    "activation_functions": [
        {"fn": "leaky ReLU", "slope": "0.3", "range": "10"},
        {"view": "Softmax", "logits": "3, 1, -2", "temperature": "5.0"},
        {"view": "Why bend", "act_target": "|x|", "units": "4", "act_seed": "3"},
        {"view": "Parameters vs activations", "x_in": "-2.0"},
    ],
    "backprop_graph": [
        {"expr": "x*y + sin(x)", "values": "x=1, y=2", "path": "y", "step": "1"},
        {"mode": "Network", "bp_layers": "3-4-2", "act": "relu", "bp_loss": "cross-entropy",
         "bp_seed": "5"},
        {"mode": "Vanishing gradients", "deep_act": "tanh", "depth": "5", "init_scale": "2.0"},
    ],
    "convolution_kernels": [
        {"kernel": "Gaussian blur", "S": "2", "P": "1"},
        {"image": "checkerboard", "flip": "true", "bias": "50", "show": "absolute value, clipped"},
        {"pool": "average", "pool_size": "3", "pool_stride": "3"},
        {"W": "32", "F": "5", "D": "1", "K": "16"},
        {"image": "digit (28×28, MNIST, held out)", "digit": "42", "kernel": "Sobel left"},
        {"conv_tab": "A CNN learns its kernels", "digit": "77"},
        {"conv_tab": "Compose a network", "arch": "conv3-16, pool2; fc10", "arch_size": "28",
         "arch_depth": "1"},
    ],
    "over_underfitting": [
        {"truth": "cubic", "fit_noise": "0.5", "fit_n": "50", "degree": "9"},
        {"tab": "Network", "fit_dataset": "circles", "hidden": "8", "fit_dropout": "0.2",
         "fit_epochs": "200"},
        {"tab": "Evaluation protocol", "rows": "120", "k": "10", "repeats": "2"},
    ],
    "tabular": [
        {"tab_seed": "2", "tab_epochs": "5"},
        {"layers": "50", "dropout": "0.3", "tab_row": "5"},
        {"emb": "sex", "tab_lr": "0.003"},
    ],
    "collaborative_filtering": [
        {"factors": "10", "cf_epochs": "5"},
        {"cf_lr": "0.3", "cf_bias": "false", "y_range": "false"},
        {"cf_dataset": "planted tastes", "factors": "2", "shift1": "1.0"},
    ],
}


def preset_names(script: str) -> list[str]:
    at = capture.app_test(script).run()
    return [b.key.removeprefix("preset_btn_") for b in at.button
            if b.key and b.key.startswith("preset_btn_")]


def urls_of(url_path: str, script: str) -> list[tuple[str, dict[str, str]]]:
    """(kind, params) for every URL recorded for one page."""
    urls = [("default", {})]
    urls += [("preset", {"preset": name}) for name in preset_names(script)]
    urls += [("state", dict(state)) for state in STATES.get(url_path, [])]
    return urls


def main(only: list[str]) -> int:
    scripts = capture.page_scripts()
    unknown = (set(STATES) | set(only)) - set(scripts)
    if unknown:
        raise SystemExit(f"no such pages: {sorted(unknown)}")
    golden: dict[str, dict] = {}
    if only:  # keep every other page's entries
        kept = json.loads(capture.GOLDEN.read_text())
        golden = {key: value for key, value in kept.items()
                  if capture.split_key(key)[0] not in only}
        scripts = {url_path: scripts[url_path] for url_path in only}
    problems: list[str] = []
    for url_path, script in scripts.items():
        for kind, params in urls_of(url_path, script):
            key = capture.url_key(url_path, params)
            t0 = time.perf_counter()
            at = capture.open_url(script, params)
            seen = capture.observe(at, url_path)
            print(f"{time.perf_counter() - t0:6.2f} s  {key}", flush=True)
            if seen["exception"]:
                problems.append(f"{key}: exception {seen['exception']}")
            if kind == "state":
                settled = dict(at.query_params)
                lost = {k: v for k, v in params.items() if settled.get(k) != v}
                if lost:
                    problems.append(f"{key}: the page did not keep {lost} (URL now {settled})")
            if kind == "preset" and "preset" in at.query_params:
                problems.append(f"{key}: ?preset= still in the URL after the second run")
            golden[key] = {"kind": kind, **seen}
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    capture.GOLDEN.write_text(json.dumps(golden, sort_keys=True, indent=1,
                                         ensure_ascii=False) + "\n")
    print(f"{len(golden)} URLs written to {capture.GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
