"""Train collaborative filtering's default results on MovieLens and ship them.

    .venv/bin/python tools/make_collab_defaults.py          # write the file
    .venv/bin/python tools/make_collab_defaults.py --check  # compare with the file

Trains the staged comparison's four settings at the page defaults (the last is the default
model) on the page's split (90/10, seed 42) and writes explorer/data/
collab_movielens_defaults.npz (explorer.collab_shipped): what a fresh server shows on the
page's default view without training. Run it again after changing the training code or the
defaults; tests/test_collab_shipped.py fails until you do.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer import collab_data as cd  # noqa: E402
from explorer import collab_model as cm  # noqa: E402
from explorer import collab_shipped as cs  # noqa: E402


def train_all() -> tuple[dict[cm.Settings, cm.Model], str]:
    ratings = cd.load_movielens()
    train_idx, valid_idx = cd.split(ratings.n_ratings, 0.1, seed=42)
    models = {}
    for settings in cs.shipped_settings():
        started = time.perf_counter()
        models[settings] = cm.train(ratings, settings, train_idx, valid_idx)
        print(f"{settings}: validation RMSE {models[settings].valid_rmse[-1]:.4f} "
              f"({time.perf_counter() - started:.1f} s)")
    return models, cs.fingerprint(ratings, train_idx, valid_idx)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh training with the shipped file; write nothing")
    args = parser.parse_args()
    models, data_fingerprint = train_all()
    if not args.check:
        cs.SHIPPED_FILE.parent.mkdir(parents=True, exist_ok=True)
        cs.save(cs.SHIPPED_FILE, models, data_fingerprint)
        print(f"wrote {cs.SHIPPED_FILE} ({cs.SHIPPED_FILE.stat().st_size:,} bytes)")
        return
    for settings, fresh in models.items():
        shipped = cs.load(settings, data_fingerprint)
        assert shipped is not None, f"nothing shipped for {settings}"
        np.testing.assert_allclose(shipped.valid_rmse, fresh.valid_rmse, rtol=1e-6)
    print("the shipped file matches a fresh training")


if __name__ == "__main__":
    main()
