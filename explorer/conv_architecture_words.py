"""Sentences about a composed ConvNet (explorer.conv_architecture), each computed from the
network it describes: its place in CS231n's pattern, weights and biases said separately,
where the parameters and the memory go, the FC layers written as convolutions, and VGG16
next to the numbers CS231n's notes state. Pure Python."""

from __future__ import annotations

from explorer.conv_architecture import BYTES_PER_NUMBER, MIB, Network, Row, parse

# torchvision's published parameter count of VGG16 without batch norm.
TORCHVISION_VGG16 = 138_357_544


def largest(network: Network, what: str) -> Row:
    """The row holding the most parameters or activations ('parameters'/'activations')."""
    return max(network.rows, key=lambda r: getattr(r, what))


def share(network: Network, row: Row, what: str) -> float:
    total = getattr(network, what)
    return getattr(row, what) / total if total else 0.0


def kind_share(network: Network, kind: str, what: str) -> float:
    """The share of all parameters or activations in the rows of one kind (conv, pool,
    fc, input); with fc_as_conv the rewritten FC layers still count as 'fc'."""
    total = getattr(network, what)
    part = sum(getattr(r, what) for r in network.rows if r.kind == kind)
    return part / total if total else 0.0


def pattern_words(network: Network) -> str:
    """The network in CS231n's pattern, e.g. 'INPUT → [[CONV → RELU]×2 → POOL]×2 →
    [FC → RELU]×1 → FC', runs of equal stages grouped; computed from the layers."""
    ns, pooled, k = network.pattern()
    parts = ["INPUT"]
    groups: list[list] = []
    for n, p in zip(ns, pooled, strict=True):
        if groups and groups[-1][0] == (n, p):
            groups[-1][1] += 1
        else:
            groups.append([(n, p), 1])
    for (n, p), times in groups:
        inner = "CONV → RELU" if n == 1 else f"[CONV → RELU]×{n}" if n else ""
        stage = " → ".join(x for x in (inner, "POOL" if p else "") if x)
        parts.append(f"[{stage}]×{times}" if times > 1 else stage)
    has_fc = any(r.kind == "fc" for r in network.layers)
    if has_fc:
        if k:
            parts.append("FC → RELU" if k == 1 else f"[FC → RELU]×{k}")
        parts.append("FC")
    return " → ".join(parts)


def memory_text(numbers: int) -> str:
    """The memory of `numbers` float32 values: '58.1 MB', '34.7 KB' (1 KB = 1024 bytes)."""
    size = numbers * BYTES_PER_NUMBER
    if size < 100 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / MIB:,.1f} MB"


def percent(fraction: float) -> str:
    """A share as a reader wants it: '74%', '4%', '0.06%' (two digits below 1%), '0%'."""
    value = 100 * fraction
    if value == 0 or value >= 1:
        return f"{value:.0f}%"
    return f"{value:.2g}%"


def counts_words(network: Network) -> str:
    """Weights and biases said separately."""
    return (f"{network.weights:,} weights and {network.biases:,} biases (one per filter "
            f"and one per fully connected unit): {network.parameters:,} parameters, "
            f"{memory_text(network.parameters)} at {BYTES_PER_NUMBER} bytes each.")


def where_words(network: Network) -> tuple[str, str]:
    """(where the parameters go, where the memory goes), computed from the network."""
    has_fc = any(r.kind == "fc" for r in network.rows)
    if network.parameters:
        top = largest(network, "parameters")
        params = (f"**Where the parameters go.** {top.name} (layer {top.number}) alone holds "
                  f"{percent(share(network, top, 'parameters'))} of the "
                  f"{network.parameters:,}; the conv layers together "
                  f"{percent(kind_share(network, 'conv', 'parameters'))}")
        params += (f", the fully connected ones "
                   f"{percent(kind_share(network, 'fc', 'parameters'))}." if has_fc else ".")
        params += " Pools and ReLUs have none."
    else:
        params = "**Where the parameters go.** This network has no layer with parameters."
    top = largest(network, "activations")
    memory = ("**Where the memory goes.** The largest volume is "
              + ("the input" if top.layer is None else f"{top.name} (layer {top.number})")
              + f", {top.volume} = {top.activations:,} numbers, "
              f"{percent(share(network, top, 'activations'))} of the {network.activations:,} "
              f"a forward pass of one image holds; the conv layers hold "
              f"{percent(kind_share(network, 'conv', 'activations'))}")
    memory += (f", the fully connected ones "
               f"{percent(kind_share(network, 'fc', 'activations'))}." if has_fc else ".")
    return params, memory


def pattern_sentence(network: Network) -> str:
    ns, _, k = network.pattern()
    stages = (f"M = {len(ns)} conv " + ("stage" if len(ns) == 1 else "stages")
              + (f" (N = {', '.join(map(str, ns))})" if ns else ""))
    has_fc = any(r.kind == "fc" for r in network.rows)
    if not has_fc:
        tail = "no fully connected layer"
    elif k == 0:
        tail = "K = 0: one fully connected layer gives the output"
    else:
        tail = (f"K = {k} fully connected " + ("layer" if k == 1 else "layers")
                + " with a ReLU, then the last one")
    return f"Read as {pattern_words(network)}: {stages}, {tail}."


def is_network(network: Network, text: str, size: int, depth: int) -> bool:
    """Whether a composed network is the one `text` describes on a size×size×depth input."""
    return (network.size, network.depth) == (size, depth) and tuple(
        r.layer for r in network.layers) == parse(text)


def vgg16_words(network: Network) -> str:
    """VGG16 here next to what CS231n's notes state, with the reasons they differ."""
    p, w, b, a = network.parameters, network.weights, network.biases, network.activations
    torchvision = ("exactly torchvision's count for VGG16 without batch norm"
                   if p == TORCHVISION_VGG16 else
                   f"not torchvision's {TORCHVISION_VGG16:,} for VGG16 without batch norm")
    return (
        f"**Next to CS231n's numbers.** The notes state 138M parameters; here {p:,}. Their "
        f"per-layer formula counts weights only, (3·3·3)·64 = 1,728 for the first layer, "
        f"{w:,} in all; every filter and every fully connected unit also has one bias, "
        f"{b:,} more, and {p:,} is {torchvision}. Both round to {p / 1e6:.0f}M. The notes "
        f"state about 24M activations, ~93 MB per image for the forward pass; here {a:,} "
        f"numbers, {memory_text(a)} at 4 bytes each (MB of 1024 × 1024 bytes, "
        f"as the notes count). The per-layer numbers the notes list add up to the same "
        f"{a / 1e6:.1f}M: their rounded total is larger than their own list. Training keeps "
        f"a gradient for every activation as well, about twice the memory.")


def fc_conv_words(plain: Network, as_conv: Network) -> str:
    """The FC layers written as convolutions: which conv each becomes, same parameters."""
    fc = [(p, c) for p, c in zip(plain.rows, as_conv.rows, strict=True) if p.kind == "fc"]
    if not fc:
        return "This network has no fully connected layer to write as a convolution."
    if any(p.shape is None for p, _ in fc):
        return ("The fully connected layers are not computed (an earlier layer has no "
                "output), so there is nothing to rewrite.")
    first_plain, first = fc[0]
    side, _, depth = as_conv.rows[first.number - 1].shape  # the volume the first FC reads
    before = sum(p.parameters for p, _ in fc)
    after = sum(c.parameters for _, c in fc)
    same = "the same" if before == after else "not the same"
    rest = (" The layer after it reads a 1×1 volume and becomes a 1×1 convolution."
            if len(fc) == 2 else
            f" The {len(fc) - 1} layers after it read 1×1 volumes and become 1×1 "
            "convolutions." if len(fc) > 2 else "")
    return (f"{first_plain.name} reads a {side}×{side}×{depth} volume, so it becomes "
            f"{first.name.split(' ')[0]}: {first.layer.size:,} filters exactly as large as the "
            f"volume, no padding, one position, a 1×1×{first.layer.size} output.{rest} "
            f"The fully connected layers hold {before:,} parameters; written as "
            f"convolutions they hold {after:,}, {same} (the network: {plain.parameters:,} "
            f"and {as_conv.parameters:,}).")
