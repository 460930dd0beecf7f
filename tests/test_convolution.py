"""The convolution page's logic against torch.nn.functional and worked examples."""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn.functional as tf

from explorer import convolution as cv


def _torch_conv(x, w, b, stride, padding):
    out = tf.conv2d(torch.from_numpy(x)[None], torch.from_numpy(w), torch.from_numpy(b),
                    stride=stride, padding=padding)
    return out[0].numpy()


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("filter_size", [3, 5])
def test_conv2d_equals_torch(stride, padding, channels, filter_size):
    rng = np.random.default_rng(stride * 100 + padding * 10 + channels + filter_size)
    x = rng.normal(size=(channels, 13, 11)) * 50
    w = rng.normal(size=(4, channels, filter_size, filter_size))
    b = rng.normal(size=4)
    ours = cv.conv2d(x, w, b, stride, padding)
    ref = _torch_conv(x, w, b, stride, padding)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=1e-5, rtol=1e-7)


def test_conv2d_2d_kernel_is_shared_over_channels_and_is_not_flipped():
    x = np.arange(25, dtype=float).reshape(5, 5)
    k = np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, 0]])
    # cross-correlation: the top-left weight reads the top-left pixel of each patch
    np.testing.assert_array_equal(cv.conv2d(x, k)[0], x[:3, :3])
    # a true convolution (flipped kernel) reads the bottom-right one
    np.testing.assert_array_equal(cv.conv2d(x, cv.flip_kernel(k))[0], x[2:, 2:])
    x3 = np.stack([x, 2 * x, 3 * x])
    np.testing.assert_array_equal(cv.conv2d(x3, k)[0], 6 * x[:3, :3])


def test_flip_matches_scipy_convolve():
    from scipy.signal import convolve2d

    rng = np.random.default_rng(1)
    x, k = rng.normal(size=(9, 10)), rng.normal(size=(3, 3))
    np.testing.assert_allclose(cv.conv2d(x, cv.flip_kernel(k))[0],
                               convolve2d(x, k, mode="valid"), atol=1e-12)


def test_conv2d_rejects_a_filter_larger_than_the_image():
    with pytest.raises(ValueError):
        cv.conv2d(np.zeros((2, 2)), np.ones((3, 3)))


@pytest.mark.parametrize("size,stride", [(2, 2), (3, 1), (3, 2), (2, 1), (4, 3)])
def test_pooling_equals_torch(size, stride):
    rng = np.random.default_rng(size * 10 + stride)
    x = rng.normal(size=(3, 11, 9))
    xt = torch.from_numpy(x)[None]
    np.testing.assert_allclose(cv.pool2d(x, size, stride, "max"),
                               tf.max_pool2d(xt, size, stride)[0].numpy(), atol=1e-12)
    np.testing.assert_allclose(cv.pool2d(x, size, stride, "average"),
                               tf.avg_pool2d(xt, size, stride)[0].numpy(), atol=1e-12)
    assert cv.pool2d(x[0], size, stride).shape == tf.max_pool2d(xt, size, stride)[0, 0].shape


def test_max_pool_kept_fraction():
    x = np.arange(16, dtype=float).reshape(4, 4)
    # 2x2 windows, stride 2: 4 windows keep 4 of 16 values
    assert cv.max_pool_kept_fraction(x, 2, 2) == pytest.approx(0.25)
    # overlapping windows on an increasing ramp all pick bottom-right corners: 9 distinct
    assert cv.max_pool_kept_fraction(x, 2, 1) == pytest.approx(9 / 16)
    # against torch's indices on random data
    rng = np.random.default_rng(3)
    y = rng.normal(size=(10, 12))
    _, idx = tf.max_pool2d(torch.from_numpy(y)[None, None], 3, 2, return_indices=True)
    assert cv.max_pool_kept_fraction(y, 3, 2) == pytest.approx(idx.unique().numel() / y.size)


@pytest.mark.parametrize("w,f,s,p,expected", [
    (227, 11, 4, 0, 55), (7, 3, 1, 0, 5), (7, 3, 2, 0, 3), (5, 3, 2, 1, 3)])
def test_output_size_worked_examples(w, f, s, p, expected):
    out = cv.output_size(w, f, s, p)
    assert out.fits and out.size == expected and out.exact == expected


def test_output_size_reports_a_stride_that_does_not_fit():
    out = cv.output_size(7, 3, 3, 0)
    assert not out.fits
    assert out.exact == Fraction(7, 3)
    assert out.size == 2  # what frameworks do: floor
    assert out.unused_columns == 1
    ref = tf.conv2d(torch.zeros(1, 1, 7, 7), torch.zeros(1, 1, 3, 3), stride=3)
    assert ref.shape[-1] == out.size


def test_output_size_filter_wider_than_input():
    out = cv.output_size(2, 5, 1, 0)
    assert not out.valid and not out.fits and out.size == 0


def test_parameter_counts():
    # AlexNet conv1: 96 filters of 11x11x3
    assert cv.conv_parameters(11, 3, 96) == 34_944
    assert cv.dense_parameters(227 * 227 * 3, 55 * 55 * 96) == (227 * 227 * 3 + 1) * 290_400
    layer = torch.nn.Conv2d(3, 96, 11)
    assert sum(p.numel() for p in layer.parameters()) == cv.conv_parameters(11, 3, 96)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (3, 2)])
def test_neuron_sum_equals_output_value(stride, padding):
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 255, size=(3, 12, 10))
    k = rng.normal(size=(3, 3, 3))
    out = cv.conv2d(x, k, 4.5, stride, padding)[0]
    for row, col in [(0, 0), (out.shape[0] - 1, out.shape[1] - 1), (1, 2)]:
        n = cv.neuron(x, k, row, col, 4.5, stride, padding)
        assert n.total == pytest.approx(out[row, col], abs=1e-9)
        assert n.top == row * stride - padding and n.left == col * stride - padding
    with pytest.raises(ValueError):
        cv.neuron(x, k, out.shape[0], 0, 0, stride, padding)


@pytest.mark.parametrize("f", [3, 5])
def test_layer_weights_make_the_layer_the_page_describes(f):
    """Each filter bank against torch: a grey kernel is one conv; one filter spanning three
    colours is the kernel on the mean of the colours; per-colour filters are a grouped
    convolution (groups=3), each colour filtered on its own."""
    rng = np.random.default_rng(f)
    kernel = rng.normal(size=(f, f))
    grey = rng.uniform(0, 255, size=(9, 11))
    colour = rng.uniform(0, 255, size=(3, 9, 11))
    tk = torch.from_numpy(kernel)[None, None]

    one = cv.layer_weights(kernel, 1)
    assert one.shape == (1, 1, f, f)
    np.testing.assert_allclose(cv.conv2d(grey, one, 0.0, 1, 1),
                               tf.conv2d(torch.from_numpy(grey)[None, None], tk,
                                         padding=1)[0].numpy(), atol=1e-9)

    spanning = cv.layer_weights(kernel, 3)
    assert spanning.shape == (1, 3, f, f)
    mean = torch.from_numpy(colour.mean(axis=0))[None, None]
    np.testing.assert_allclose(cv.conv2d(colour, spanning, 2.0, 2, 0),
                               tf.conv2d(mean, tk, stride=2)[0].numpy() + 2.0, atol=1e-9)

    per_colour = cv.layer_weights(kernel, 3, per_colour=True)
    assert per_colour.shape == (3, 3, f, f)
    grouped = tf.conv2d(torch.from_numpy(colour)[None], tk.repeat(3, 1, 1, 1), groups=3,
                        padding=2)[0].numpy()
    np.testing.assert_allclose(cv.conv2d(colour, per_colour, 0.0, 1, 2), grouped, atol=1e-9)


@pytest.mark.parametrize("per_colour", [False, True])
def test_neuron_weights_give_every_output_channel_its_sum(per_colour):
    rng = np.random.default_rng(11)
    kernel = rng.normal(size=(3, 3))
    image = rng.uniform(0, 255, size=(3, 10, 12))
    weights = cv.layer_weights(kernel, 3, per_colour)
    out = cv.conv2d(image, weights, 1.5, 2, 1)
    unit = cv.neuron(image, cv.neuron_weights(weights, per_colour), 2, 3, 1.5, 2, 1)
    if per_colour:  # each colour's products sum to that colour's output
        for c in range(3):
            np.testing.assert_array_equal(unit.kernel[c], kernel)
            assert unit.products[c].sum() + 1.5 == pytest.approx(out[c, 2, 3])
    else:
        np.testing.assert_allclose(unit.kernel, np.broadcast_to(kernel / 3, (3, 3, 3)))
        assert unit.total == pytest.approx(out[0, 2, 3])


def test_a_patch_reaches_into_the_padding_only_at_the_border():
    image = np.zeros((6, 8))
    assert cv.neuron(image, np.ones((3, 3)), 0, 0, padding=1).reaches_padding(6, 8)
    assert not cv.neuron(image, np.ones((3, 3)), 1, 1, padding=1).reaches_padding(6, 8)
    # the last position of a padded row reads the zeros past the right edge
    assert cv.neuron(image, np.ones((3, 3)), 1, 7, padding=1).reaches_padding(6, 8)
    assert not cv.neuron(image, np.ones((3, 3)), 3, 5).reaches_padding(6, 8)


def test_hand_made_feature_maps_against_torch():
    rng = np.random.default_rng(5)
    digit = rng.uniform(0, 1, size=(8, 8))
    bank = cv.kernel_bank(cv.HAND_MADE)
    assert bank.shape == (len(cv.HAND_MADE), 3, 3)
    np.testing.assert_array_equal(bank[cv.HAND_MADE.index("outline")], cv.KERNELS["outline"])
    ref = torch.relu(tf.conv2d(torch.from_numpy(digit)[None, None],
                               torch.from_numpy(bank)[:, None], padding=1))[0].numpy()
    maps = cv.relu_feature_maps(digit, bank)
    assert maps.shape == (len(cv.HAND_MADE), 8, 8)
    np.testing.assert_allclose(maps, ref, atol=1e-12)


def test_chart_builders_keep_their_rows_apart_from_the_spec():
    """The page hands `figure.data` to ui.chart, which converts it to Arrow once; the spec
    names the same datasets and holds no rows itself."""
    import altair as alt

    from explorer import convolution_charts as cc

    patch = np.array([[0.0, 255.0, 12.5], [-3.0, 7.0, 1.0], [2.0, 2.0, 2.0]])
    figures = [cc.number_grid(patch, "patch", decimals=1),
               cc.number_grid(np.stack([patch, -patch, patch]), "colour", kind="signed"),
               cc.filter_bank(np.stack([cv.KERNELS["sharpen"], cv.KERNELS["emboss"]]), "bank"),
               cc.filter_bank(np.ones((8, 3, 3)), "wrapped", columns=3),
               cc.logits(np.linspace(-3, 3, 10), "scores"),
               cc.probabilities(np.full(10, 0.1), "probabilities")]
    for figure in figures:
        assert "datasets" not in figure.spec
        assert set(figure.data) == {figure.spec["data"]["name"]}
        alt.Chart.from_dict({**figure.spec, "datasets": figure.data})  # validates
    cells = figures[0].data["cells"]
    assert [c["value"] for c in cells] == patch.ravel().tolist()
    assert [c["label"] for c in cells] == ["0", "255", "12.5", "-3", "7", "1", "2", "2", "2"]
    assert [c["channel"] for c in figures[1].data["cells"][::9]] == ["red", "green", "blue"]


def test_kernels_behave_as_named():
    img = cv.step_edge(24)
    for name in ("identity", "box blur", "Gaussian blur", "sharpen"):
        assert cv.KERNELS[name].sum() == pytest.approx(1.0)
    for name in ("outline", "Sobel top", "Sobel bottom", "Sobel left", "Sobel right"):
        assert cv.KERNELS[name].sum() == pytest.approx(0.0)
        flat = cv.conv2d(np.full((6, 6), 100.0), cv.KERNELS[name])
        np.testing.assert_allclose(flat, 0, atol=1e-9)
    # the image gets brighter going right at the vertical edge: Sobel right is positive
    right = cv.conv2d(img, cv.KERNELS["Sobel right"])[0]
    assert right.max() > 0 and right.min() >= 0
    np.testing.assert_allclose(cv.conv2d(img, cv.KERNELS["identity"])[0], img[1:-1, 1:-1])


def test_parse_kernel():
    np.testing.assert_array_equal(cv.parse_kernel(cv.CUSTOM_DEFAULT),
                                  cv.KERNELS["sharpen"])
    k = cv.parse_kernel("1/9, 1/9, 1/9\n1/9 1/9 1/9\n 1/9 1/9 1/9\n\n")
    np.testing.assert_allclose(k, np.full((3, 3), 1 / 9))
    assert cv.parse_kernel(cv.kernel_text(cv.KERNELS["Gaussian blur"])).shape == (5, 5)
    for bad, says in [("1 2 x\n1 2 3\n1 2 3", "entry 3"), ("", "empty"),
                      ("1 2\n3 4", "3×3 or 5×5"), ("1 2 3\n1 2\n1 2 3", "3×3 or 5×5"),
                      ("1 2 3\n1 nan 3\n1 2 3", "between"), ("1 2 3\n1 1/0 3\n1 2 3", "entry 2"),
                      ("1 2 3\n1 2 3\n1 2 1001", "Row 3, entry 3 is not a number between")]:
        with pytest.raises(cv.KernelTextError, match=says):
            cv.parse_kernel(bad)


def test_finding_2_a_huge_fraction_in_the_custom_kernel_is_a_message_not_a_traceback():
    """Issue 20, finding 2: float(Fraction(10**400, 1)) raises OverflowError, which the
    parser did not catch."""
    for cell in ("1" + "0" * 400 + "/1", "-1" + "0" * 350 + "/3", "1/1" + "0" * 400):
        text = f"{cell} 0 0\n0 1 0\n0 0 1"
        if cell.startswith("1/1"):  # a tiny number is fine: it is 0 for a float
            assert cv.parse_kernel(text)[0, 0] == 0.0
            continue
        with pytest.raises(cv.KernelTextError, match="Row 1, entry 1 is not a number between"):
            cv.parse_kernel(text)


def test_finding_3_no_kernel_entry_can_make_a_non_finite_output():
    """Issue 20, finding 3: nine 1e308 entries are each finite, but their sums overflow to
    inf (then NaN in the stretched display). Entries are now at most CUSTOM_MAX in size,
    and the largest output they can make is finite with room to spare."""
    with pytest.raises(cv.KernelTextError, match="between −1,000 and 1,000"):
        cv.parse_kernel("\n".join(["1e308 1e308 1e308"] * 3))
    worst = cv.parse_kernel("\n".join([" ".join(["1000"] * 5)] * 5))
    white = np.full((3, 12, 12), 255.0)
    out = cv.conv2d(white, cv.layer_weights(worst, 3, per_colour=False), 100.0)
    assert np.isfinite(out).all() and out.max() == pytest.approx(25 * 1000 * 255 + 100)
    for mode in cv.DISPLAY_MODES:
        assert cv.to_display(out, mode).dtype == np.uint8


def test_shrinking_in_tiles_equals_shrinking_the_whole_image():
    """The memory-saving path (tiles at multiples of the factor) gives the blocks of one
    whole-image PIL reduce, for images that do not split evenly into tiles or blocks."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for shape, max_side in (((2100, 3301, 3), 320), ((1500, 700, 3), 100), ((37, 50, 3), 320)):
        pixels = rng.integers(0, 256, size=shape, dtype=np.uint8)
        img = Image.fromarray(pixels)
        k = max(1, max(img.size) // max_side)
        expected = np.asarray(img.reduce(k) if k > 1 else img, dtype=np.float64)
        np.testing.assert_array_equal(cv._reduced_rgb(img, max_side), expected)


def test_transparent_parts_of_an_upload_are_white_paper():
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[10:30, 20:40] = (0, 0, 0, 255)  # an opaque black square on transparent black
    grey = cv.load_upload(_png(rgba))
    assert grey[0, 0] == 255 and grey[20, 30] == 0


# Peak memory of one upload, measured in a fresh process: VmHWM is the high-water mark of
# its resident set, so the difference before and after is what the upload added. (Not
# getrusage's ru_maxrss: Linux carries that over the exec from pytest, whose own peak after
# a long run hides the upload's.)
_PEAK_RSS_SCRIPT = """
import sys
import numpy as np
from explorer import convolution as cv

def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

data = open(sys.argv[1], "rb").read()
before = peak_kb()
image = cv.load_upload(data, colour=sys.argv[2] == "colour")
after = peak_kb()
print(after - before, *image.shape)
"""


@pytest.mark.parametrize("colour", ["grey", "colour"])
def test_finding_6_a_huge_one_bit_png_costs_less_than_200_mb(tmp_path, colour):
    """Issue 20, finding 6: a 15 KB one-bit 6300x6300 PNG (under the 40-megapixel cap)
    raised the server's peak memory by 1.3 GB: the page made the whole image float64 RGB
    before shrinking it. Now it is shrunk in tiles first."""
    import subprocess
    import sys
    from pathlib import Path

    from PIL import Image

    img = Image.new("1", (6300, 6300), 0)
    img.paste(1, (1000, 1000, 5300, 5300))
    path = tmp_path / "huge.png"
    img.save(path, format="PNG", optimize=True)
    assert path.stat().st_size < 100_000
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", _PEAK_RSS_SCRIPT, str(path), colour],
                            capture_output=True, text=True, cwd=root, check=True, timeout=120)
    added_kb, *shape = (int(v) for v in result.stdout.split())
    assert shape[-2:] == [320, 320]
    assert added_kb < 200 * 1024, f"one upload added {added_kb / 1024:.0f} MB"


def _png(array, fmt="PNG"):
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format=fmt)
    return buf.getvalue()


def test_load_upload_decodes_validates_and_downscales():
    big = np.zeros((600, 900, 3), np.uint8)
    big[:, 450:] = 255
    grey = cv.load_upload(_png(big))
    assert grey.shape == (213, 320) and grey.max() == pytest.approx(255, abs=1)
    colour = cv.load_upload(_png(big, "JPEG"), colour=True)
    assert colour.shape == (3, 213, 320)
    with pytest.raises(cv.ImageError, match="could not be read"):
        cv.load_upload(b"not an image at all")
    with pytest.raises(cv.ImageError, match="could not be read"):
        cv.load_upload(_png(big)[:200])  # truncated
    with pytest.raises(cv.ImageError, match="limit"):
        cv.load_upload(b"0" * (cv.MAX_UPLOAD_BYTES + 1))


def test_load_upload_refuses_a_decompression_bomb_before_decoding():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buf, format="PNG")  # tiny file, 100 MP
    with pytest.raises(cv.ImageError, match="million pixels"):
        cv.load_upload(buf.getvalue())


def test_display_mappings():
    v = np.array([[-100.0, 0.0], [128.0, 400.0]])
    np.testing.assert_array_equal(cv.to_display(v, cv.DISPLAY_MODES[0]), [[0, 0], [128, 255]])
    np.testing.assert_array_equal(cv.to_display(v, cv.DISPLAY_MODES[1]), [[0, 51], [116, 255]])
    np.testing.assert_array_equal(cv.to_display(v, cv.DISPLAY_MODES[2]), [[100, 0], [128, 255]])
    assert (cv.to_display(np.full((2, 2), 7.0), cv.DISPLAY_MODES[1]) == 128).all()


def test_sample_images():
    china = cv.sample_photo("china", False)
    assert china.shape == (214, 320)
    np.testing.assert_array_equal(china, np.rint(china))  # whole numbers, like 8-bit pixels
    assert cv.sample_photo("flower", True).shape == (3, 214, 320)


def test_the_framed_picture_is_sent_as_the_png_of_its_pixels():
    """The page sends cv.png_bytes(cv.framed(...)), cached by cv.pixels_digest: the PNG
    decodes to exactly the framed pixels, and the digest changes with any value or shape."""
    import io

    from PIL import Image

    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    picture = cv.framed(pixels, 4, 5, 3)
    decoded = np.asarray(Image.open(io.BytesIO(cv.png_bytes(picture))).convert("RGB"))
    np.testing.assert_array_equal(decoded, picture)
    changed = pixels.copy()
    changed[0, 0, 0] ^= 1
    assert cv.pixels_digest(pixels) == cv.pixels_digest(pixels.copy())
    assert cv.pixels_digest(changed) != cv.pixels_digest(pixels)
    assert cv.pixels_digest(pixels.reshape(30, 20, 3)) != cv.pixels_digest(pixels)
