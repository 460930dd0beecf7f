"""Train the tabular page's default experiment and presets, and ship them.

    .venv/bin/python tools/make_tabular_defaults.py          # write the file
    .venv/bin/python tools/make_tabular_defaults.py --check  # compare with the file

For the page's default view and every preset (explorer.tabular_shipped.shipped_states):
prepares the built-in dataset with the state's split, trains the network and fits the
baselines, and writes explorer/data/tabular_defaults.npz: what a fresh server shows for
those states without torch or scikit-learn. Run it again after changing the training code,
the baselines, the preprocessing or the presets; tests/test_tabular_shipped.py fails until
you do.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer import tabular as tab  # noqa: E402
from explorer import tabular_model as tm  # noqa: E402
from explorer import tabular_shipped as ts  # noqa: E402


def compute_all() -> list[tuple[tab.Prepared, tab.NetSettings, tab.Experiment, object]]:
    results = []
    for state in ts.shipped_states():
        started = time.perf_counter()
        prepared = state.prepare()
        experiment = tm.run_network(prepared, state.settings, state.seed)
        baselines = tm.baselines(prepared, state.seed)
        results.append((prepared, state.settings, experiment, baselines))
        print(f"{state.dataset} {state.settings}: {experiment.metrics} "
              f"({time.perf_counter() - started:.1f} s)")
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh training with the shipped file; write nothing")
    args = parser.parse_args()
    results = compute_all()
    if not args.check:
        ts.SHIPPED_FILE.parent.mkdir(parents=True, exist_ok=True)
        ts.save(ts.SHIPPED_FILE, results)
        print(f"wrote {ts.SHIPPED_FILE} ({ts.SHIPPED_FILE.stat().st_size:,} bytes)")
        return
    for prepared, settings, fresh, baselines in results:
        shipped = ts.load_experiment(prepared, settings)
        shipped_baselines = ts.load_baselines(prepared)
        assert shipped is not None, f"nothing shipped for {settings}"
        np.testing.assert_allclose(shipped.valid_prediction, fresh.valid_prediction,
                                   atol=1e-5)
        np.testing.assert_allclose(shipped_baselines.drop(columns="model").to_numpy(),
                                   baselines.drop(columns="model").to_numpy(), rtol=1e-9)
    print("the shipped file matches a fresh training")


if __name__ == "__main__":
    main()
