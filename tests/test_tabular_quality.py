"""Quality against honest baselines, averaged over 5 split seeds (one Titanic split moves
accuracy by several points, so a single seed proves little). Each dataset is trained once
per seed in a module fixture and the assertions read the table.

Settings: the page's defaults for penguins and Titanic; the "diamond prices" preset for
diamonds (no dropout, peak learning rate 0.03), predicting the natural log of the price.
"""

from __future__ import annotations

import numpy as np
import pytest

from explorer import tabular as tab
from explorer import tabular_model as tm

pytestmark = pytest.mark.slow

SEEDS = range(5)
SETTINGS = {
    "penguins": tm.NetSettings(),
    "titanic": tm.NetSettings(),
    "diamonds": tm.NetSettings(dropout=0.0, lr=0.03),
}
METRIC = {"penguins": "accuracy", "titanic": "accuracy", "diamonds": "RMSE"}


def _five_seeds(dataset: str) -> dict[str, np.ndarray]:
    df = tab.load_dataset(dataset)
    net, trees, floor, seconds = [], [], [], []
    for seed in SEEDS:
        prepared = tab.prepare(df, tab.DATASETS[dataset].target, seed)
        exp = tm.run_network(prepared, SETTINGS[dataset], seed)
        base = tm.baselines(prepared, seed).set_index("model")[METRIC[dataset]]
        net.append(exp.metrics[METRIC[dataset]])
        trees.append(base["gradient-boosted trees"])
        floor.append(base.iloc[0])
        seconds.append(exp.net.seconds)
    result = {k: np.array(v) for k, v in
              dict(net=net, trees=trees, floor=floor, seconds=seconds).items()}
    print(f"\n{dataset}: net {result['net'].round(4)} trees {result['trees'].round(4)} "
          f"train s {result['seconds'].round(2)}")
    return result


@pytest.fixture(scope="module")
def results():
    return {}


def _get(results, dataset):
    if dataset not in results:
        results[dataset] = _five_seeds(dataset)
    return results[dataset]


def test_penguins_accuracy_at_least_095(results):
    r = _get(results, "penguins")
    assert r["net"].mean() >= 0.95, r["net"]


def test_titanic_accuracy_within_002_of_gradient_boosting(results):
    r = _get(results, "titanic")
    assert r["net"].mean() >= r["trees"].mean() - 0.02, (r["net"], r["trees"])
    assert r["net"].mean() > r["floor"].mean() + 0.1


def test_diamonds_log_price_rmse_within_12_times_gradient_boosting(results):
    r = _get(results, "diamonds")
    assert r["net"].mean() <= 1.2 * r["trees"].mean(), (r["net"], r["trees"])
    assert r["net"].mean() < 0.2 * r["floor"].mean()
