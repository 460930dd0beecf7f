"""Train the MNIST models the pages run in numpy, and save their weights as .npz.

    .venv/bin/python tools/train_mnist_models.py            # both models
    .venv/bin/python tools/train_mnist_models.py --only mlp  # or --only cnn

Data: the 8,000 training digits of explorer.mnist's fixed split, ink / 255, exactly as
stored (no shifted or otherwise augmented copies: the pixels page shows what a network
that never saw a shifted digit does with one). The 2,000 held-out digits are never used
for training; they did guide the handful of recipe choices below (epochs, dropout,
learning rate), so their accuracy is a slightly optimistic estimate.

Recipe, both models: cross-entropy, AdamW (weight decay 0.01), batches of 64, one-cycle
learning-rate schedule (torch's OneCycleLR), dropout during training only (the saved
network has no dropout: at inference it is the identity), torch seeded, one CPU thread.
- MLP, one per resolution (28x28, 14x14, 7x7 block means): inputs -> 128 ReLU -> 10;
  dropout 0.2 on the hidden layer, 30 epochs, peak learning rate 3e-3.
- CNN on 28x28: conv 3x3 1->8 (padding 1), ReLU, 2x2 max pool, conv 3x3 8->16 (padding 1),
  ReLU, 2x2 max pool, flatten (784), dropout 0.25, linear 784 -> 10; 20 epochs, peak
  learning rate 3e-3.

The same seed, torch version and thread count give the same weights. The .npz files are
written with fixed zip dates (tools/make_mnist.py's writer), so the same weights give the
same bytes. Held-out accuracies are computed by explorer.mnist_models (numpy), the code
the pages run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from explorer import mnist, mnist_models  # noqa: E402
from tools.make_mnist import npz_bytes  # noqa: E402

SEED = 0
BATCH = 64
WEIGHT_DECAY = 0.01
MLP_HIDDEN, MLP_EPOCHS, MLP_LR, MLP_DROPOUT = 128, 30, 3e-3, 0.2
CNN_EPOCHS, CNN_LR, CNN_DROPOUT = 20, 3e-3, 0.25


def _fit(torch, model, x, y, epochs: int, lr: float, seed: int) -> None:
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)
    steps_per_epoch = (len(x) + BATCH - 1) // BATCH
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr,
                                                   total_steps=epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(BATCH):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            schedule.step()
    model.eval()


def _training_tensors(torch, size: int = mnist.SIDE):
    images, labels = mnist.train_data()
    x = torch.tensor(mnist.to_01(mnist.at_size(images, size)), dtype=torch.float32)
    return x, torch.tensor(labels, dtype=torch.long)


def train_mlp(size: int, seed: int = SEED) -> dict[str, np.ndarray]:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    nn = torch.nn
    x, y = _training_tensors(torch, size)
    model = nn.Sequential(nn.Flatten(), nn.Linear(size * size, MLP_HIDDEN), nn.ReLU(),
                          nn.Dropout(MLP_DROPOUT), nn.Linear(MLP_HIDDEN, 10))
    _fit(torch, model, x, y, MLP_EPOCHS, MLP_LR, seed)
    first, second = model[1], model[4]
    return {f"s{size}_w1": first.weight, f"s{size}_b1": first.bias,
            f"s{size}_w2": second.weight, f"s{size}_b2": second.bias}


def train_cnn(seed: int = SEED) -> dict[str, np.ndarray]:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    nn = torch.nn
    x, y = _training_tensors(torch)
    c1, c2 = mnist_models.CNN_CHANNELS
    model = nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dropout(CNN_DROPOUT), nn.Linear(c2 * 49, 10))
    _fit(torch, model, x[:, None], y, CNN_EPOCHS, CNN_LR, seed)
    return {"conv1_weight": model[0].weight, "conv1_bias": model[0].bias,
            "conv2_weight": model[3].weight, "conv2_bias": model[3].bias,
            "dense_weight": model[8].weight, "dense_bias": model[8].bias}


def _numpy(params) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().astype(np.float32) for k, v in params.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("mlp", "cnn"))
    args = parser.parse_args(argv)
    if args.only in (None, "mlp"):
        arrays = {}
        for size in mnist_models.MLP_SIZES:
            start, cpu = time.perf_counter(), time.process_time()
            arrays |= _numpy(train_mlp(size))
            print(f"MLP {size}x{size}: trained in {time.perf_counter() - start:.1f} s "
                  f"({time.process_time() - cpu:.1f} s of CPU)")
        mnist_models.MLP_FILE.write_bytes(npz_bytes(arrays))
        mnist_models.load_mlp.cache_clear()
        mnist_models.evaluate_mlp.cache_clear()
        for size in mnist_models.MLP_SIZES:
            w = mnist_models.load_mlp(size)
            print(f"MLP {size}x{size}: {w.n_parameters:,} parameters, held-out accuracy "
                  f"{mnist_models.evaluate_mlp(size).accuracy:.4f}")
        print(f"wrote {mnist_models.MLP_FILE} ({mnist_models.MLP_FILE.stat().st_size:,} bytes)")
    if args.only in (None, "cnn"):
        start, cpu = time.perf_counter(), time.process_time()
        arrays = _numpy(train_cnn())
        print(f"CNN: trained in {time.perf_counter() - start:.1f} s "
              f"({time.process_time() - cpu:.1f} s of CPU)")
        mnist_models.CNN_FILE.write_bytes(npz_bytes(arrays))
        mnist_models.load_cnn.cache_clear()
        mnist_models.evaluate_cnn.cache_clear()
        w = mnist_models.load_cnn()
        print(f"CNN: {w.n_parameters:,} parameters, held-out accuracy "
              f"{mnist_models.evaluate_cnn().accuracy:.4f}")
        print(f"wrote {mnist_models.CNN_FILE} ({mnist_models.CNN_FILE.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
