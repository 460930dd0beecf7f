"""Train the MNIST models the pages run in numpy, and save their weights as .npz.

    .venv/bin/python tools/train_mnist_models.py            # both models
    .venv/bin/python tools/train_mnist_models.py --only mlp  # or --only cnn
    .venv/bin/python tools/train_mnist_models.py --only cnn --check  # compare, write nothing

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

While the CNN trains, its first conv layer (weights and biases) is copied at
HISTORY_FRAMES moments, from the random start (step 0) to the last step, spaced
quadratically so the first epochs, where the filters change most, get more frames; with
each copy the held-out accuracy and loss of the whole network at that moment (computed
with dropout off, which draws no random numbers, so the training itself is unchanged). They
go into explorer/data/mnist_cnn_history.npz, which the convolution page scrubs through; its
last frame is the trained conv layer of mnist_cnn.npz.

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
HISTORY_FRAMES = 40
HISTORY_FILE = mnist.DATA_DIR / "mnist_cnn_history.npz"


def steps_per_epoch(n: int) -> int:
    return (n + BATCH - 1) // BATCH


def history_steps(total_steps: int, frames: int = HISTORY_FRAMES) -> np.ndarray:
    """`frames` distinct optimizer steps from 0 (the random start) to total_steps, spaced
    quadratically (step k of n at total * (k/n)^2): early training, where the filters
    change most once the learning rate has warmed up, gets more frames than the end."""
    if total_steps < frames - 1:
        return np.arange(total_steps + 1)
    steps = np.rint(total_steps * (np.arange(frames) / (frames - 1)) ** 2).astype(np.int64)
    for k in range(1, frames):  # whole steps near 0 collide after rounding
        steps[k] = max(steps[k], steps[k - 1] + 1)
    return steps


def _fit(torch, model, x, y, epochs: int, lr: float, seed: int, on_step=None) -> None:
    """Train in place. on_step(step), if given, is called before the first update (step 0)
    and after every update (steps 1 .. epochs * steps_per_epoch), in training mode; it must
    not draw random numbers or change the model."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr,
                                                   total_steps=epochs * steps_per_epoch(len(x)))
    gen = torch.Generator().manual_seed(seed)
    model.train()
    step = 0
    if on_step is not None:
        on_step(step)
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(BATCH):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            schedule.step()
            step += 1
            if on_step is not None:
                on_step(step)
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


def train_cnn(seed: int = SEED, epochs: int = CNN_EPOCHS,
              frames: int = HISTORY_FRAMES) -> tuple[dict, dict[str, np.ndarray]]:
    """(the trained CNN's parameters, its history): the history holds, at each of
    history_steps(...) steps, the first conv layer and the held-out accuracy and loss.
    frames=0 keeps no history (and gives the same parameters: taking the frames draws no
    random numbers and changes nothing)."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    nn = torch.nn
    x, y = _training_tensors(torch)
    held_images, held_labels = mnist.held_out_data()
    x_held = torch.tensor(mnist.to_01(held_images)[:, None], dtype=torch.float32)
    y_held = torch.tensor(held_labels, dtype=torch.long)
    c1, c2 = mnist_models.CNN_CHANNELS
    model = nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dropout(CNN_DROPOUT), nn.Linear(c2 * 49, 10))
    wanted = set(history_steps(epochs * steps_per_epoch(len(x)), frames).tolist())
    frames_seen: dict[str, list] = {"steps": [], "conv1_weight": [], "conv1_bias": [],
                                    "held_out_accuracy": [], "held_out_loss": []}

    def snapshot(step: int) -> None:
        if step not in wanted:
            return
        model.eval()  # dropout off: no random numbers drawn, nothing changed
        with torch.no_grad():
            logits = model(x_held)
        model.train()
        frames_seen["steps"].append(step)
        frames_seen["conv1_weight"].append(model[0].weight.detach().numpy().copy())
        frames_seen["conv1_bias"].append(model[0].bias.detach().numpy().copy())
        frames_seen["held_out_accuracy"].append(
            float((logits.argmax(1) == y_held).double().mean()))
        frames_seen["held_out_loss"].append(
            float(torch.nn.functional.cross_entropy(logits.double(), y_held)))

    _fit(torch, model, x[:, None], y, epochs, CNN_LR, seed,
         on_step=snapshot if frames else None)
    params = {"conv1_weight": model[0].weight, "conv1_bias": model[0].bias,
              "conv2_weight": model[3].weight, "conv2_bias": model[3].bias,
              "dense_weight": model[8].weight, "dense_bias": model[8].bias}
    if not frames:
        return params, {}
    history = {
        "steps": np.asarray(frames_seen["steps"], dtype=np.int32),
        "steps_per_epoch": np.asarray(steps_per_epoch(len(x)), dtype=np.int32),
        "conv1_weight": np.stack(frames_seen["conv1_weight"]).astype(np.float32),
        "conv1_bias": np.stack(frames_seen["conv1_bias"]).astype(np.float32),
        "held_out_accuracy": np.asarray(frames_seen["held_out_accuracy"], dtype=np.float32),
        "held_out_loss": np.asarray(frames_seen["held_out_loss"], dtype=np.float32),
    }
    return params, history


def _numpy(params) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().astype(np.float32) for k, v in params.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("mlp", "cnn"))
    parser.add_argument("--check", action="store_true",
                        help="train and compare with the shipped files; write nothing")
    args = parser.parse_args(argv)
    if args.only in (None, "mlp") and not args.check:
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
        params, history = train_cnn()
        arrays = _numpy(params)
        print(f"CNN: trained in {time.perf_counter() - start:.1f} s "
              f"({time.process_time() - cpu:.1f} s of CPU), {len(history['steps'])} frames "
              "of its history kept")
        if args.check:
            same = (mnist_models.CNN_FILE.read_bytes() == npz_bytes(arrays)
                    and HISTORY_FILE.exists()
                    and HISTORY_FILE.read_bytes() == npz_bytes(history))
            print("CNN and history: identical to the shipped files" if same else
                  "CNN or history: DIFFERENT from the shipped files")
            return 0 if same else 1
        mnist_models.CNN_FILE.write_bytes(npz_bytes(arrays))
        HISTORY_FILE.write_bytes(npz_bytes(history))
        print(f"wrote {HISTORY_FILE} ({HISTORY_FILE.stat().st_size:,} bytes)")
        mnist_models.load_cnn.cache_clear()
        mnist_models.evaluate_cnn.cache_clear()
        w = mnist_models.load_cnn()
        print(f"CNN: {w.n_parameters:,} parameters, held-out accuracy "
              f"{mnist_models.evaluate_cnn().accuracy:.4f}")
        print(f"wrote {mnist_models.CNN_FILE} ({mnist_models.CNN_FILE.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
