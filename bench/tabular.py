"""Speed of the tabular page: training time per dataset (the issue's budget: penguins and
Titanic under 3 s, diamonds under 10 s, on 2 cores), the baselines and permutation
importance, reading the shipped results (the default view and the presets), and the page's
rerun time once results are cached.

    .venv/bin/python bench/tabular.py [--runs N] [--no-page]

The load average is printed next to the figures: on a shared machine they inflate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer import tabular as tab  # noqa: E402

# The page's defaults for penguins and Titanic, the "diamond prices" preset for diamonds.
SETTINGS = {"penguins": {}, "titanic": {}, "diamonds": {"dropout": 0.0, "lr": 0.03}}
BUDGET_S = {"penguins": 3.0, "titanic": 3.0, "diamonds": 10.0}


def bench_training(runs: int) -> None:
    from explorer import tabular_model as tm

    print(f"{'dataset':<10}{'rows':>8}{'train s (median)':>18}{'budget':>8}"
          f"{'baselines s':>13}{'importance s':>14}  metric")
    for name, kwargs in SETTINGS.items():
        df = tab.load_dataset(name)
        prepared = tab.prepare(df, tab.DATASETS[name].target, seed=0)
        settings = tm.NetSettings(**kwargs)
        times = []
        for _ in range(runs):
            exp = tm.run_network(prepared, settings, seed=0)
            times.append(exp.net.seconds)
        t0 = time.perf_counter()
        tm.baselines(prepared)
        base_s = time.perf_counter() - t0
        metric = "RMSE" if prepared.problem.kind == "regression" else "accuracy"
        t0 = time.perf_counter()
        tm.permutation_importance(exp.net.model, prepared, metric)
        imp_s = time.perf_counter() - t0
        train_s = statistics.median(times)
        flag = "ok" if train_s <= BUDGET_S[name] else "OVER"
        print(f"{name:<10}{len(df):>8,}{train_s:>15.2f} {flag:<3}{BUDGET_S[name]:>7.0f}s"
              f"{base_s:>13.2f}{imp_s:>14.2f}  {metric}={exp.metrics[metric]:.4f}")


def bench_shipped() -> None:
    """The default view's and the presets' results read from explorer/data instead of
    trained: the file, the fingerprint of the prepared data, the numpy network's validation
    predictions and the baselines' scores."""
    from explorer import tabular_shipped as ts

    for state in ts.shipped_states():
        prepared = state.prepare()
        t0 = time.perf_counter()
        experiment = ts.load_experiment(prepared, state.settings)
        baselines = ts.load_baselines(prepared)
        seconds = time.perf_counter() - t0
        assert experiment is not None and baselines is not None
        print(f"shipped {state.dataset:<9} rows {state.rows_pct:>3}% one-hot "
              f"{state.settings.one_hot!s:<5}: read in {seconds * 1000:5.0f} ms "
              f"(trained in {experiment.net.seconds:.1f} s when it was made)")


def bench_page() -> None:
    from tests.helpers import app_test

    at = app_test("pages/7_tabular.py", timeout=600)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    reruns = []
    for _ in range(3):
        t0 = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t0)
    at.slider(key="tab_epochs").set_value(11).run()
    t0 = time.perf_counter()
    at.slider(key="tab_epochs").set_value(10).run()  # back to cached settings
    back = time.perf_counter() - t0
    assert not at.exception
    print(f"page (AppTest): first run {first:.1f} s (imports, data, the shipped default "
          "view); "
          f"cached rerun median {statistics.median(reruns) * 1000:.0f} ms; "
          f"back to already-trained settings {back * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-page", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(torch.set_num_threads(1), scikit-learn limited to 1 thread)")
    bench_training(args.runs)
    bench_shipped()
    if not args.no_page:
        bench_page()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
