"""The convolution page's parameters and presets, declared once (see explorer.params)."""

from __future__ import annotations

from explorer import conv_architecture as ca
from explorer import convolution as cv
from explorer.params import PageSpec, Param, Preset

# Each image choice: (where it comes from, which one, in colour).
IMAGES: dict[str, tuple[str, str | None, bool]] = {
    "photo: China (grey)": ("photo", "china", False),
    "photo: China (colour)": ("photo", "china", True),
    "photo: flower (grey)": ("photo", "flower", False),
    "photo: flower (colour)": ("photo", "flower", True),
    "digit (28×28, MNIST, held out)": ("digit", None, False),
    "checkerboard": ("pattern", "checkerboard", False),
    "step edge": ("pattern", "step edge", False),
    "upload (grey)": ("upload", None, False),
    "upload (colour)": ("upload", None, True),
}
DEFAULT_IMAGE = "photo: China (grey)"
CUSTOM = "custom (type it below)"
KERNEL_OPTIONS = (*cv.KERNELS, CUSTOM)
POOL_OPTIONS = ("none", "max", "average")
# What the tiny CNN's section follows through the network.
FOLLOW_OPTIONS = ("a held-out MNIST digit", "your own picture of a digit")
N_HELD_OUT = 2000  # explorer.mnist.N_HELD_OUT (not imported: the spec stays light)

# The page's three parts, one tab each: only the open one is drawn (a first visit draws
# sections 1 to 5, not all nine).
TAB_KERNELS, TAB_CNN, TAB_COMPOSE = "Kernels by hand", "A CNN learns its kernels", \
    "Compose a network"
TABS = (TAB_KERNELS, TAB_CNN, TAB_COMPOSE)

# The largest output a page can show: a photo or an upload is at most DISPLAY_MAX_SIDE
# pixels a side, the smallest kernel is 3×3, padding at most 5, stride at least 1.
MAX_POSITION = cv.DISPLAY_MAX_SIDE + 2 * 5 - 3

PARAMS = (
    Param("conv_tab", "Part of the page shown", "tabs", TAB_KERNELS, options=TABS),
    Param("image", "Image", "selectbox", DEFAULT_IMAGE, options=tuple(IMAGES)),
    Param("kernel", "Kernel", "selectbox", "sharpen", options=KERNEL_OPTIONS),
    Param("custom",
          "Custom kernel: 3 or 5 rows of 3 or 5 numbers (spaces or commas; 1/9 works)",
          "text_area", cv.CUSTOM_DEFAULT, max_chars=400),
    Param("flip", "Flip the kernel (textbook convolution)", "toggle", False,
          help="Deep learning slides the kernel as it is (cross-correlation). "
               "The mathematicians' convolution first rotates it by 180°."),
    Param("S", "Stride S (step between positions)", "slider", 1, lo=1, hi=4),
    Param("P", "Zero padding P (border of zeros)", "slider", 0, lo=0, hi=5),
    Param("bias", "Bias b (added to every output)", "slider", 0.0, lo=-100.0, hi=100.0,
          step=1.0),
    Param("per_colour",
          "Filter each colour on its own (3 filters → output depth 3, shown in colour)",
          "toggle", False,
          help="Off: one filter that spans all three colours (each slice holds the kernel "
               "divided by 3), so the output has depth 1 and is grey."),
    Param("show", "Show the output's numbers as pixels by…", "radio", cv.DISPLAY_MODES[0],
          options=cv.DISPLAY_MODES,
          help="A screen pixel only holds 0 (black) to 255 (white); the output can be "
               "negative or above 255."),
    # The output's size depends on the image and the geometry: the page narrows these
    # and starts them in the middle of the output.
    Param("row", "Output row", "slider", 0, lo=0, hi=MAX_POSITION, dynamic=True),
    Param("col", "Output column", "slider", 0, lo=0, hi=MAX_POSITION, dynamic=True),
    Param("W", "Input width W", "number_input", 7, lo=1, hi=1024),
    Param("F", "Filter size F", "slider", 3, lo=1, hi=15),
    Param("D", "Input depth D (colours or channels)", "number_input", 3, lo=1, hi=1024),
    Param("K", "Number of filters K", "number_input", 8, lo=1, hi=1024),
    Param("pool", "Pooling", "selectbox", "none", options=POOL_OPTIONS),
    Param("pool_size", "Pool window", "slider", 2, lo=2, hi=4),
    Param("pool_stride", "Pool stride", "slider", 2, lo=1, hi=4),
    # ---- the tiny CNN on MNIST (sections 6 and 7) ----
    Param("digit", "Held-out digit number (for the digit image and the tiny CNN)", "slider",
          0, lo=0, hi=N_HELD_OUT - 1,
          help="One of the 2,000 MNIST digits the tiny CNN never saw in training."),
    Param("follow", "Follow through the CNN", "radio", FOLLOW_OPTIONS[0],
          options=FOLLOW_OPTIONS),
)

PRESETS = (
    Preset("blur", "Blur", {"conv_tab": TAB_KERNELS, "image": DEFAULT_IMAGE,
                            "kernel": "Gaussian blur", "S": 1, "P": 0,
                            "show": cv.DISPLAY_MODES[0]},
           note="Every weight is positive and they add up to 1: each output pixel is a "
                "weighted average of its neighbourhood, so fine detail fades."),
    Preset("edges", "Edges", {"conv_tab": TAB_KERNELS, "image": DEFAULT_IMAGE,
                              "kernel": "outline", "S": 1, "P": 0, "show": cv.DISPLAY_MODES[2]},
           note="The weights add up to 0: flat areas give 0 (black) and only places "
                "where brightness changes light up."),
    Preset("emboss", "Emboss", {"conv_tab": TAB_KERNELS, "image": DEFAULT_IMAGE,
                                "kernel": "emboss", "S": 1,
                                "P": 0, "show": cv.DISPLAY_MODES[0], "flip": False,
                                "bias": 0.0},
           note="Negative weights top-left, positive bottom-right: a bright shape comes "
                "out bright along its top-left rim and dark along its bottom-right rim, "
                "so each edge looks lit from the top left with its shadow on the bottom "
                "right."),
    Preset("max_pool", "Max pool", {"conv_tab": TAB_KERNELS, "image": DEFAULT_IMAGE,
                                    "kernel": "outline",
                                    "show": cv.DISPLAY_MODES[2], "S": 1, "P": 0,
                                    "pool": "max", "pool_size": 2, "pool_stride": 2},
           note="Each 2×2 block of the edge map keeps only its largest value: the map "
                "halves in each direction and three quarters of the numbers are dropped."),
    Preset("stride_no_fit", "Stride that does not fit",
           {"conv_tab": TAB_KERNELS, "W": 7, "F": 3, "S": 3, "P": 0},
           note="(7 − 3)/3 + 1 = 2⅓ is not a whole number: the last column is never "
                "read, and frameworks quietly round down to 2."),
    Preset("alexnet", "AlexNet's first layer",
           {"conv_tab": TAB_KERNELS, "image": "photo: China (colour)", "W": 227, "F": 11,
            "S": 4, "P": 0, "D": 3, "K": 96},
           note="227 − 11 + 0 = 216, divided by stride 4 is 54, plus 1 gives 55: "
                "96 filters make a 55×55×96 output from about 35 thousand weights."),
)

# ---- section 9, a whole network composed from text (explorer.conv_architecture) ----------

ARCH_PARAMS = (
    Param("arch", "Layers: stages separated by “;”, layers inside a stage by “,”",
          "text_area", ca.DEFAULT_TEXT, max_chars=ca.MAX_TEXT,
          help="conv3-64: 64 filters of 3×3, stride 1, padding (F − 1)/2 rounded down "
               "unless /s or /p says otherwise (conv11-96/s4/p0). pool2: a 2×2 max pool, "
               "stride 2 unless /s says otherwise (pool3/s2). fc4096: a fully connected "
               "layer with 4,096 outputs. x2 repeats a layer (conv3-64x2). A ReLU follows "
               "every conv and every fc but the last."),
    Param("arch_size", "Input width and height (pixels)", "number_input", ca.DEFAULT_SIZE,
          lo=1, hi=1024),
    Param("arch_depth", "Input depth (3 for colour, 1 for grey)", "number_input",
          ca.DEFAULT_DEPTH, lo=1, hi=512),
    Param("arch_fc_conv", "Write the fully connected layers as convolutions", "toggle", False,
          help="An FC layer reading a W×W×D volume computes what a conv layer with W×W×D "
               "filters, no padding and one position computes: the same weights, "
               "arranged as filters."),
)

ARCH_PRESETS = (
    Preset("vgg16", "VGG16",
           {"conv_tab": TAB_COMPOSE, "arch": ca.VGG16, "arch_size": 224, "arch_depth": 3},
           note="CS231n's walk-through (section 9): 138,357,544 parameters, 74% of them in "
                "the first fully connected layer, while the first two conv layers hold 42% "
                "of the activations."),
    Preset("alexnet_whole", "AlexNet (whole)",
           {"conv_tab": TAB_COMPOSE, "arch": ca.ALEXNET, "arch_size": 227, "arch_depth": 3},
           note="Krizhevsky et al.'s 2012 network on one GPU (section 9): 62,378,344 "
                "parameters. The paper split conv layers 2, 4 and 5 over two GPUs, which "
                "halves their weights: 60,965,224, its “60 million”."),
    Preset("alexnet_224", "AlexNet on 224×224",
           {"conv_tab": TAB_COMPOSE, "arch": ca.ALEXNET, "arch_size": 224, "arch_depth": 3},
           note="The AlexNet paper speaks of 224×224 inputs, but (224 − 11)/4 + 1 = 54.25: "
                "the first layer does not tile that image, nor do the three pools after it "
                "(section 9 flags all four). With 227 every layer fits."),
    Preset("lenet5", "LeNet-5 (28×28)",
           {"conv_tab": TAB_COMPOSE, "arch": ca.LENET5, "arch_size": 28, "arch_depth": 1},
           note="LeCun et al.'s 1998 digit reader on 28×28 digits (section 9): 61,706 "
                "parameters, 78% of them in the first fully connected layer."),
)

PARAMS += ARCH_PARAMS
PRESETS += ARCH_PRESETS

# Controls only a later part uses: a link that sets one of them but names no part was made
# before the page had parts, and opens the part it was about.
_KEYS_OF_PART = {TAB_CNN: ("follow",),
                 TAB_COMPOSE: tuple(param.key for param in ARCH_PARAMS)}


def part_for_link(query: dict[str, str]) -> str:
    """The tab a link opens: the one it names, else the part whose controls it sets (the
    held-out digit belongs to the CNN's part unless the image is that digit), else the
    first."""
    if query.get("conv_tab") in TABS:
        return query["conv_tab"]
    for tab, keys in _KEYS_OF_PART.items():
        if any(key in query for key in keys):
            return tab
    if "digit" in query and IMAGES.get(query.get("image", ""), ("",))[0] != "digit":
        return TAB_CNN
    return TAB_KERNELS

SPEC = PageSpec("convolution_kernels", PARAMS, PRESETS)
