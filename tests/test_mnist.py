"""The shipped MNIST file, its fixed split, the nearest-mean baselines, the preparation of a
drawing, and the two networks, each checked against an independent path (hashlib, explicit
loops, scikit-learn's NearestCentroid, scipy's cdist, torch's own layers)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from explorer import mnist
from explorer import mnist_models as mm

HELD_OUT_PER_CLASS = (200, 225, 198, 206, 196, 173, 203, 214, 189, 196)
HELD_OUT_SHA256 = "04c8942ce09a2da8a3a3a2773225dbde355ac5e379edddb77cc6de0d2e06718a"


# ---- the file ----------------------------------------------------------------------------


def test_file_bytes_match_the_recorded_checksum():
    assert hashlib.sha256(mnist.DATA_FILE.read_bytes()).hexdigest() == mnist.FILE_SHA256


def test_file_holds_ten_thousand_uint8_digits_with_the_package_class_counts():
    images, labels = mnist.load()
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert tuple(np.bincount(labels, minlength=10)) == mnist.CLASS_COUNTS
    assert mnist.CLASS_COUNTS == (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)
    assert np.all(np.diff(labels.astype(int)) >= 0)  # the package's order: class by class
    assert images.max() == 255 and images.min() == 0
    digest = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()
    assert digest == mnist.CONTENT_SHA256


def test_file_is_plain_arrays_and_the_cache_cannot_be_modified():
    with np.load(mnist.DATA_FILE, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["images", "labels"]
    images, _ = mnist.load()
    with pytest.raises(ValueError):
        images[0, 0, 0] = 1


def test_digits_look_like_mnist_digits():
    """MNIST's preparation: ink inside a 20-pixel box, centre of mass within half a pixel
    of (14, 14) (pixel indices). Checked on every digit, with plain loops of numpy sums."""
    images, _ = mnist.load()
    x = images.astype(np.float64)
    idx = np.arange(28)
    mass = x.sum(axis=(1, 2))
    rows = (x.sum(axis=2) @ idx) / mass
    cols = (x.sum(axis=1) @ idx) / mass
    assert np.abs(rows - 14).max() <= 0.5 + 1e-9
    assert np.abs(cols - 14).max() <= 0.5 + 1e-9
    ink_rows, ink_cols = (images > 0).any(axis=2), (images > 0).any(axis=1)
    height = 28 - ink_rows[:, ::-1].argmax(1) - ink_rows.argmax(1)
    width = 28 - ink_cols[:, ::-1].argmax(1) - ink_cols.argmax(1)
    assert np.maximum(height, width).max() <= 20


# ---- the split ---------------------------------------------------------------------------


def test_split_is_fixed_disjoint_complete_and_stratified():
    train, held = mnist.split()
    _, labels = mnist.load()
    assert len(train) == 8000 and len(held) == 2000
    assert np.intersect1d(train, held).size == 0
    assert np.array_equal(np.sort(np.concatenate([train, held])), np.arange(10000))
    per_class = np.bincount(labels[held], minlength=10)
    assert tuple(per_class) == HELD_OUT_PER_CLASS
    assert np.all(np.abs(per_class - 0.2 * np.bincount(labels)) < 1)
    assert hashlib.sha256(held.astype("<i8").tobytes()).hexdigest() == HELD_OUT_SHA256
    x_train, y_train = mnist.train_data()
    assert np.array_equal(y_train, labels[train]) and x_train.shape == (8000, 28, 28)


# ---- resolution --------------------------------------------------------------------------


def test_reduction_is_the_mean_of_each_block():
    images, _ = mnist.held_out_data()
    sample = images[:20].astype(np.float64)
    for size in (14, 7):
        f = 28 // size
        loops = np.zeros((20, size, size))
        for r in range(size):
            for c in range(size):
                loops[:, r, c] = sample[:, r * f:(r + 1) * f, c * f:(c + 1) * f].mean(axis=(1, 2))
        assert np.allclose(mnist.block_mean(sample, f), loops, atol=1e-12)
        reduced = mnist.at_size(images[:20], size)
        assert reduced.dtype == np.uint8 and reduced.shape == (20, size, size)
        assert np.abs(reduced - loops).max() <= 0.5
    assert np.array_equal(mnist.at_size(images[:3], 28), images[:3])
    # 28 -> 14 -> 7 by exact means is the same as 28 -> 7 directly
    assert np.allclose(mnist.block_mean(mnist.block_mean(sample, 2), 2),
                       mnist.block_mean(sample, 4))


# ---- nearest mean ------------------------------------------------------------------------


def _flat01(images):
    return images.reshape(len(images), -1).astype(np.float64) / 255.0


@pytest.mark.filterwarnings("ignore:self.within_class_std_dev_")
def test_ten_class_nearest_mean_equals_sklearn_nearest_centroid():
    from scipy.spatial.distance import cdist
    from sklearn.neighbors import NearestCentroid

    x_train, y_train = mnist.train_data()
    x_test, y_test = mnist.held_out_data()
    reference = NearestCentroid(metric="euclidean").fit(_flat01(x_train), y_train)
    squared = mnist.nearest_mean(tuple(range(10)), "squared")
    assert np.array_equal(squared.predicted, reference.predict(_flat01(x_test)))
    assert squared.accuracy == pytest.approx(reference.score(_flat01(x_test), y_test), abs=0)
    assert np.allclose(squared.means.reshape(10, -1), reference.centroids_, atol=1e-12)
    # sklearn's "manhattan" centroid is the median, so L1 is checked with scipy's cdist
    by_l1 = reference.classes_[cdist(_flat01(x_test), reference.centroids_,
                                     "cityblock").argmin(axis=1)]
    absolute = mnist.nearest_mean(tuple(range(10)), "abs")
    assert np.array_equal(absolute.predicted, by_l1)
    assert round(squared.accuracy, 4) == 0.8205  # 1641 / 2000
    assert round(absolute.accuracy, 4) == 0.6575  # 1315 / 2000


@pytest.mark.filterwarnings("ignore:self.within_class_std_dev_")
def test_three_versus_seven_nearest_mean():
    """fastbook chapter 4's baseline, on this split's held-out 3s and 7s."""
    from scipy.spatial.distance import cdist
    from sklearn.neighbors import NearestCentroid

    x_train, y_train = mnist.train_data()
    x_test, y_test = mnist.held_out_data()
    tr, te = np.isin(y_train, (3, 7)), np.isin(y_test, (3, 7))
    reference = NearestCentroid().fit(_flat01(x_train[tr]), y_train[tr])
    squared = mnist.nearest_mean((3, 7), "squared")
    absolute = mnist.nearest_mean((3, 7), "abs")
    assert len(squared.labels) == 206 + 214
    assert np.array_equal(squared.predicted, reference.predict(_flat01(x_test[te])))
    l1 = reference.classes_[cdist(_flat01(x_test[te]), reference.centroids_,
                                  "cityblock").argmin(axis=1)]
    assert np.array_equal(absolute.predicted, l1)
    assert round(absolute.accuracy, 4) == 0.9452  # 397 / 420
    assert round(squared.accuracy, 4) == 0.9786  # 411 / 420


def test_distances_are_mean_abs_and_mean_squared_pixel_differences():
    a = np.array([[0.0, 1.0], [0.5, 0.5]])
    means = np.stack([np.zeros((2, 2)), np.ones((2, 2))])
    assert np.allclose(mnist.distances(a, means, "abs"), [[0.5, 0.5]])
    assert np.allclose(mnist.distances(a, means, "squared"), [[(1 + 0.25 + 0.25) / 4,
                                                              (1 + 0.25 + 0.25) / 4]])
    with pytest.raises(ValueError):
        mnist.distances(a, means, "cosine")


# ---- a drawing prepared like MNIST -------------------------------------------------------


def test_off_centre_bar_is_scaled_into_20x20_and_centred_by_mass():
    canvas = np.zeros((280, 280), dtype=np.uint8)
    canvas[30:250, 200:240] = 255  # a thick vertical bar, 220 tall, 40 wide, far right
    prepared = mnist.prepare_drawing(canvas)
    assert prepared.box == (30, 200, 220, 40)
    assert prepared.scaled_shape == (20, 4)  # aspect kept: 40 * 20 / 220 = 3.6 -> 4
    rows, cols = np.nonzero(prepared.image)
    assert rows.max() - rows.min() + 1 <= 20 and cols.max() - cols.min() + 1 <= 20
    com = mnist.centre_of_mass(prepared.image)
    assert abs(com[0] - 14) <= 0.5 and abs(com[1] - 14) <= 0.5
    assert prepared.centre_of_mass == pytest.approx(com)


def test_centring_uses_the_centre_of_mass_not_the_middle_of_the_box():
    rows, cols = np.mgrid[0:200, 0:200]
    canvas = np.where((cols <= rows) & (rows >= 20) & (rows < 180) & (cols >= 20),
                      255, 0).astype(np.uint8)  # a right triangle, its mass low and left
    prepared = mnist.prepare_drawing(canvas)
    assert prepared.scaled_shape == (20, 20)
    com = mnist.centre_of_mass(prepared.image)
    assert abs(com[0] - 14) <= 0.5 and abs(com[1] - 14) <= 0.5
    assert prepared.offset == (1, 8)  # the box's middle at the frame's middle would be (4, 4)


def test_a_lopsided_shape_is_shifted_only_as_far_as_the_frame_allows():
    canvas = np.zeros((200, 200), dtype=np.uint8)
    canvas[20:180, 20:40] = 255  # an L: a left column ...
    canvas[160:180, 20:180] = 255  # ... and a bottom bar; its mass is far left and low
    prepared = mnist.prepare_drawing(canvas)
    assert prepared.scaled_shape == (20, 20)
    assert prepared.offset[1] == 8  # the box touches the frame's right edge
    com = mnist.centre_of_mass(prepared.image)
    assert abs(com[0] - 14) <= 0.5 and abs(com[1] - 14) < 1.0
    scaled_ink = canvas.astype(np.float64)[20:180, 20:180].sum() / 64  # 8x8 -> 1 pixel
    assert prepared.image.sum() == pytest.approx(scaled_ink, rel=0.01)  # nothing cut off


def test_enlarged_mnist_digits_come_back_almost_unchanged():
    """A held-out digit drawn ten times larger somewhere on a big canvas, prepared again,
    is nearly the digit itself: the preparation is MNIST's."""
    x, y = mnist.held_out_data()
    rng = np.random.default_rng(1)
    prepared = []
    for image in x[:200]:
        canvas = np.zeros((400, 400), dtype=np.uint8)
        r, c = rng.integers(0, 120, 2)
        canvas[r:r + 280, c:c + 280] = np.kron(image, np.ones((10, 10), dtype=np.uint8))
        prepared.append(mnist.prepare_drawing(canvas).image)
    prepared = np.array(prepared)
    assert np.abs(prepared.astype(int) - x[:200]).mean() < 0.5  # on the 0..255 scale
    same = mm.cnn_forward(mm.load_cnn(), prepared / 255).argmax(1) == \
        mm.cnn_forward(mm.load_cnn(), x[:200] / 255).argmax(1)
    assert same.mean() >= 0.99


def test_an_empty_or_faint_drawing_gives_none():
    assert mnist.prepare_drawing(np.zeros((50, 50), dtype=np.uint8)) is None
    assert mnist.prepare_drawing(np.full((50, 50), 20, dtype=np.uint8)) is None
    dot = np.zeros((50, 50), dtype=np.uint8)
    dot[10, 40] = 255
    prepared = mnist.prepare_drawing(dot)
    assert prepared.image.sum() > 0
    assert mnist.centre_of_mass(prepared.image) == pytest.approx((14, 14), abs=0.5)


# ---- the networks against torch ----------------------------------------------------------


def _torch_mlp(torch, w):
    nn = torch.nn
    model = nn.Sequential(nn.Flatten(), nn.Linear(w.w1.shape[1], w.hidden), nn.ReLU(),
                          nn.Linear(w.hidden, 10))
    with torch.no_grad():
        for layer, (weight, bias) in ((model[1], (w.w1, w.b1)), (model[3], (w.w2, w.b2))):
            layer.weight.copy_(torch.from_numpy(np.array(weight)))
            layer.bias.copy_(torch.from_numpy(np.array(bias)))
    return model.eval()


def _torch_cnn(torch, w):
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(784, 10), nn.Softmax(dim=1))
    pairs = ((model[0], w.conv1_weight, w.conv1_bias), (model[3], w.conv2_weight, w.conv2_bias),
             (model[7], w.dense_weight, w.dense_bias))
    with torch.no_grad():
        for layer, weight, bias in pairs:
            layer.weight.copy_(torch.from_numpy(np.array(weight)))
            layer.bias.copy_(torch.from_numpy(np.array(bias)))
    return model.eval()


def test_weight_files_are_plain_float32_arrays():
    with np.load(mm.MLP_FILE, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(f"s{s}_{n}" for s in (28, 14, 7)
                                           for n in ("w1", "b1", "w2", "b2"))
        assert all(npz[k].dtype == np.float32 for k in npz.files)
    with np.load(mm.CNN_FILE, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(mm.CNN_KEYS)
    w = mm.load_cnn()
    assert w.conv1_weight.shape == (8, 1, 3, 3) and w.conv2_weight.shape == (16, 8, 3, 3)
    assert w.dense_weight.shape == (10, 784) and w.n_parameters == 9098
    assert mm.load_mlp(28).n_parameters == 784 * 128 + 128 + 128 * 10 + 10


@pytest.mark.parametrize("size", [28, 14, 7])
def test_numpy_mlp_equals_torch_on_the_held_out_digits(size):
    torch = pytest.importorskip("torch")
    w = mm.load_mlp(size)
    x, y = mnist.held_out_data()
    x01 = mnist.to_01(mnist.at_size(x, size))
    ours = mm.mlp_forward(w, x01)
    with torch.no_grad():
        theirs = _torch_mlp(torch, w)(torch.tensor(x01, dtype=torch.float32)).double().numpy()
    assert np.allclose(ours.logits, theirs, atol=1e-4)
    assert np.array_equal(ours.probs.argmax(1), theirs.argmax(1))
    assert mm.evaluate_mlp(size).accuracy == mnist.accuracy(theirs.argmax(1), y)


def test_numpy_cnn_equals_torch_on_the_held_out_digits():
    torch = pytest.importorskip("torch")
    w = mm.load_cnn()
    x, y = mnist.held_out_data()
    x01 = mnist.to_01(x)
    ours = mm.cnn_logits(w, x01)
    model = _torch_cnn(torch, w)
    with torch.no_grad():
        theirs = model[:-1](torch.tensor(x01[:, None], dtype=torch.float32)).double().numpy()
    assert np.allclose(ours, theirs, atol=1e-4)
    assert np.array_equal(ours.argmax(1), theirs.argmax(1))
    assert mm.evaluate_cnn().accuracy == mnist.accuracy(theirs.argmax(1), y)


def test_every_cnn_stage_of_one_digit_equals_torch():
    torch = pytest.importorskip("torch")
    w = mm.load_cnn()
    x, _ = mnist.held_out_data()
    image = mnist.to_01(x[7])
    stages = mm.cnn_stages(w, image)
    expected = [("input", (1, 28, 28)), ("conv1", (8, 28, 28)), ("relu1", (8, 28, 28)),
                ("pool1", (8, 14, 14)), ("conv2", (16, 14, 14)), ("relu2", (16, 14, 14)),
                ("pool2", (16, 7, 7)), ("flatten", (784,)), ("dense", (10,)),
                ("softmax", (10,))]
    assert [(s.name, s.shape) for s in stages] == expected
    model = _torch_cnn(torch, w)
    t = torch.tensor(image[None, None], dtype=torch.float32)
    with torch.no_grad():
        outputs = [t]
        for layer in model:
            outputs.append(layer(outputs[-1]))
    for stage, out in zip(stages, outputs, strict=True):
        assert np.allclose(stage.array, out[0].double().numpy(), atol=1e-5), stage.name
    assert stages[-1].array.sum() == pytest.approx(1.0)
    again = mm.cnn_stages(w, image)
    assert all(np.array_equal(a.array, b.array) for a, b in zip(stages, again, strict=True))
    with pytest.raises(ValueError):
        mm.cnn_stages(w, np.zeros((2, 28, 28)))


def test_held_out_accuracies():
    assert mm.evaluate_mlp(28).accuracy >= 0.95
    assert mm.evaluate_cnn().accuracy >= 0.97
    assert round(mm.evaluate_mlp(28).accuracy, 4) == 0.9620  # 1924 / 2000
    assert round(mm.evaluate_mlp(14).accuracy, 4) == 0.9600  # 1920 / 2000
    assert round(mm.evaluate_mlp(7).accuracy, 4) == 0.9365  # 1873 / 2000
    assert round(mm.evaluate_cnn().accuracy, 4) == 0.9815  # 1963 / 2000
