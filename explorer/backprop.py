"""Reverse-mode differentiation on a computational graph, written out so it can be shown.

An expression (parsed by explorer.backprop_parser, never eval'd) becomes a DAG: one node per
input variable (shared by every use of that variable), per constant and per operation. The
forward pass computes every node's value in topological order; the backward pass starts with
df/df = 1 at the output and walks the order in reverse, adding to each input
(gradient of the consumer) x (local derivative of that edge). Float64 throughout.

Also here: the list of paths from an input to the output (the chain rule as a sum over
paths), forward-mode differentiation for the pass count comparison, and the same computation
through torch autograd. How the page shows all this (TeX, DOT, Markdown) is in
explorer.backprop_render.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from explorer.backprop_parser import Expr, Num, Unary, Var, parse_expression

OUTPUT_NAME = "f"
MAX_PATHS_LISTED = 40


class EvaluationError(ValueError):
    """The expression is well formed but cannot be computed at these values (log of a
    negative number, division by zero, overflow, an infinite slope)."""

    def __init__(self, message: str, node: int | None = None):
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass(frozen=True)
class Node:
    index: int
    op: str  # "input", "const", "+", "-", "*", "/", "^", "pow", "neg", or a function
    inputs: tuple[int, ...]
    name: str
    exponent: float = 0.0  # for op "pow": x ^ (a constant)


@dataclass(frozen=True)
class Edge:
    source: int
    target: int
    slot: int  # which argument of the target this edge feeds
    local: float  # d target / d source along this edge


@dataclass
class Graph:
    nodes: list[Node]
    output: int
    values: list[float] = field(default_factory=list)
    grads: list[float] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    _outgoing: dict | None = field(default=None, repr=False, compare=False)
    _outgoing_edges: list | None = field(default=None, repr=False, compare=False)

    @property
    def inputs(self) -> list[Node]:
        return [n for n in self.nodes if n.op == "input"]

    @property
    def operations(self) -> list[Node]:
        return [n for n in self.nodes if n.op not in ("input", "const")]

    def gradient(self, name: str) -> float:
        return next(self.grads[n.index] for n in self.inputs if n.name == name)

    def consumers(self, index: int) -> list[Edge]:
        """The edges leaving a node (to the operations that use it)."""
        if self._outgoing is None or self._outgoing_edges is not self.edges:
            outgoing: dict[int, list[Edge]] = {}
            for edge in self.edges:
                outgoing.setdefault(edge.source, []).append(edge)
            self._outgoing, self._outgoing_edges = outgoing, self.edges
        return self._outgoing.get(index, [])


# ---- building the graph -----------------------------------------------------------------


def _constant_exponent(tree: Expr) -> float | None:
    """The value of an exponent that holds no variable (2, -1, 0.5), else None."""
    if isinstance(tree, Num):
        return tree.value
    if isinstance(tree, Unary) and tree.op == "neg":
        inner = _constant_exponent(tree.arg)
        return None if inner is None else -inner
    return None


def build_graph(tree: Expr) -> Graph:
    """Nodes in topological order (every node after its inputs); each variable once."""
    nodes: list[Node] = []
    variables: dict[str, int] = {}

    def add(op: str, inputs: tuple[int, ...], name: str = "", exponent: float = 0.0) -> int:
        index = len(nodes)
        nodes.append(Node(index, op, inputs, name, exponent))
        return index

    def visit(t: Expr) -> int:
        if isinstance(t, Var):
            if t.name not in variables:
                variables[t.name] = add("input", (), t.name)
            return variables[t.name]
        if isinstance(t, Num):
            return add("const", (), fmt(t.value))
        if isinstance(t, Unary):
            return add(t.op, (visit(t.arg),))
        if t.op == "^":
            exponent = _constant_exponent(t.right)
            if exponent is not None:
                return add("pow", (visit(t.left),), exponent=exponent)
        left = visit(t.left)
        right = visit(t.right)
        return add(t.op, (left, right))

    output = visit(tree)
    # Name the operations n1, n2, ... in order and the output f.
    counter = 0
    named = []
    for node in nodes:
        if node.op in ("input", "const"):
            named.append(node)
            continue
        counter += 1
        name = OUTPUT_NAME if node.index == output else f"n{counter}"
        named.append(Node(node.index, node.op, node.inputs, name, node.exponent))
    return Graph(named, output)


# ---- the maths of each operation ----------------------------------------------------------


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _apply(node: Node, args: list[float]) -> float:
    op = node.op
    if op == "+":
        return args[0] + args[1]
    if op == "-":
        return args[0] - args[1]
    if op == "*":
        return args[0] * args[1]
    if op == "/":
        if args[1] == 0:
            raise EvaluationError(f"{node.name} divides by zero.", node.index)
        return args[0] / args[1]
    if op == "neg":
        return -args[0]
    if op == "pow":
        x, c = args[0], node.exponent
        if x < 0 and c != int(c):
            raise EvaluationError(f"{node.name} raises a negative number to the "
                                  f"non-whole power {fmt(c)}.", node.index)
        if x == 0 and c < 0:
            raise EvaluationError(f"{node.name} raises 0 to a negative power.", node.index)
        return _checked_pow(node, x, c)
    if op == "^":
        x, y = args
        if x < 0:
            raise EvaluationError(f"{node.name}: a power with a variable exponent needs a "
                                  "base of 0 or more (its slope uses log of the base).",
                                  node.index)
        if x == 0 and y < 0:
            raise EvaluationError(f"{node.name} raises 0 to a negative power.", node.index)
        return _checked_pow(node, x, y)
    x = args[0]
    if op == "exp":
        try:
            return math.exp(x)
        except OverflowError:
            raise EvaluationError(f"{node.name} = exp({fmt(x)}) is too large for a "
                                  "float64.", node.index) from None
    if op == "log":
        if x <= 0:
            raise EvaluationError(f"{node.name} takes the log of {fmt(x)}; log needs "
                                  "a positive number.", node.index)
        return math.log(x)
    if op == "sqrt":
        if x <= 0:
            raise EvaluationError(f"{node.name} takes the square root of {fmt(x)}; "
                                  "sqrt needs a positive number here (at 0 its slope is "
                                  "infinite).", node.index)
        return math.sqrt(x)
    if op == "abs":
        return abs(x)
    if op == "sin":
        return math.sin(x)
    if op == "cos":
        return math.cos(x)
    if op == "tanh":
        return math.tanh(x)
    if op == "sigmoid":
        return _sigmoid(x)
    if op == "relu":
        return x if x > 0 else 0.0
    raise EvaluationError(f"unknown operation {op}", node.index)


def _checked_pow(node: Node, x: float, c: float) -> float:
    try:
        return math.pow(x, c)
    except (OverflowError, ValueError):
        raise EvaluationError(f"{node.name} = {fmt(x)}^{fmt(c)} cannot be computed "
                              "in float64.", node.index) from None


def _locals(node: Node, args: list[float], out: float) -> list[float]:
    """d node / d argument, one per argument slot."""
    op = node.op
    if op == "+":
        return [1.0, 1.0]
    if op == "-":
        return [1.0, -1.0]
    if op == "*":
        return [args[1], args[0]]
    if op == "/":
        return [1.0 / args[1], -out / args[1]]  # -(u/v)/v, the way PyTorch computes it
    if op == "neg":
        return [-1.0]
    if op == "pow":
        c = node.exponent
        if c == 0:
            return [0.0]
        if args[0] == 0 and c < 1:
            raise EvaluationError(f"{node.name} = 0^{fmt(c)} has an infinite slope at 0.",
                                  node.index)
        return [c * math.pow(args[0], c - 1)]
    if op == "^":
        x, y = args
        if x == 0:
            # PyTorch's convention at a zero base: the exponent's slope is taken as 0.
            if 0 < y < 1:
                raise EvaluationError(f"{node.name} = 0^{fmt(y)} has an infinite slope "
                                      "at 0.", node.index)
            return [0.0 if y == 0 else y * math.pow(x, y - 1), 0.0]
        return [y * math.pow(x, y - 1), out * math.log(x)]
    x = args[0]
    if op == "exp":
        return [out]
    if op == "log":
        return [1.0 / x]
    if op == "sqrt":
        return [0.5 / out]
    if op == "abs":
        return [1.0 if x > 0 else (-1.0 if x < 0 else 0.0)]
    if op == "sin":
        return [math.cos(x)]
    if op == "cos":
        return [-math.sin(x)]
    if op == "tanh":
        return [1.0 - out * out]
    if op == "sigmoid":
        return [out * (1.0 - out)]
    if op == "relu":
        return [1.0 if x > 0 else 0.0]  # the slope at exactly 0 is taken as 0, like PyTorch
    raise EvaluationError(f"unknown operation {op}", node.index)


def _finite(value: float, node: Node, what: str) -> float:
    if not math.isfinite(value):
        raise EvaluationError(f"{what} of {node.name or 'a node'} overflows float64 "
                              f"({value}).", node.index)
    return value


# ---- forward and backward ---------------------------------------------------------------


def forward(graph: Graph, env: dict[str, float]) -> Graph:
    """Fill in every node's value and every edge's local derivative."""
    missing = [n.name for n in graph.inputs if n.name not in env]
    if missing:
        raise EvaluationError("No value given for " + ", ".join(missing) + ": add "
                              + ", ".join(f"{m}=1" for m in missing) + " to the values.")
    values: list[float] = []
    edges: list[Edge] = []
    for node in graph.nodes:
        if node.op == "input":
            values.append(float(env[node.name]))
            continue
        if node.op == "const":
            values.append(float(node.name))
            continue
        args = [values[i] for i in node.inputs]
        try:
            out = _finite(_apply(node, args), node, "The value")
            slopes = _locals(node, args, out)
        except (OverflowError, ZeroDivisionError):
            raise EvaluationError(f"{node.name} overflows float64 at these values.",
                                  node.index) from None
        values.append(out)
        for slot, (source, local) in enumerate(zip(node.inputs, slopes, strict=True)):
            edges.append(Edge(source, node.index, slot, _finite(local, node, "The slope")))
    graph.values = values
    graph.edges = edges
    return graph


def backward(graph: Graph) -> Graph:
    """df/dnode for every node: one sweep in reverse topological order."""
    grads = [0.0] * len(graph.nodes)
    grads[graph.output] = 1.0
    into: dict[int, list[Edge]] = {}
    for edge in graph.edges:
        into.setdefault(edge.target, []).append(edge)
    for node in reversed(graph.nodes):
        for edge in into.get(node.index, []):
            grads[edge.source] += grads[node.index] * edge.local
        _finite(grads[node.index], node, "The gradient")
    graph.grads = grads
    return graph


def differentiate(text: str, env: dict[str, float]) -> Graph:
    """Parse, build, forward, backward. Raises ExpressionError or EvaluationError."""
    return backward(forward(build_graph(parse_expression(text)), env))


# ---- sum over paths ---------------------------------------------------------------------


@dataclass(frozen=True)
class PathTerm:
    nodes: tuple[int, ...]
    factors: tuple[float, ...]

    @property
    def product(self) -> float:
        return math.prod(self.factors)


def count_paths(graph: Graph, source: int) -> int:
    """How many distinct edge paths lead from source to the output (by dynamic
    programming, so it works even when there are millions)."""
    ways = [0] * len(graph.nodes)
    ways[graph.output] = 1
    for node in reversed(graph.nodes):
        for edge in graph.consumers(node.index):
            ways[node.index] += ways[edge.target]
    return ways[source]


def paths_to_output(graph: Graph, source: int, limit: int = MAX_PATHS_LISTED) -> list[PathTerm]:
    """Up to `limit` paths from source to output, each with its local derivatives."""
    found: list[PathTerm] = []
    outgoing = {n.index: graph.consumers(n.index) for n in graph.nodes}

    def walk(at: int, nodes: list[int], factors: list[float]) -> None:
        if len(found) >= limit:
            return
        if at == graph.output:
            found.append(PathTerm(tuple(nodes), tuple(factors)))
            return
        for edge in outgoing[at]:
            walk(edge.target, nodes + [edge.target], factors + [edge.local])

    walk(source, [source], [])
    return found


# ---- forward mode, for the comparison ---------------------------------------------------


@dataclass(frozen=True)
class ModeCost:
    passes_forward_mode: int
    passes_reverse_mode: int
    edge_visits_forward_mode: int
    edge_visits_reverse_mode: int
    forward_mode_gradients: dict[str, float]


def forward_mode(graph: Graph) -> ModeCost:
    """One tangent sweep per input (d node / d input, pushed forward along every edge),
    against reverse mode's single forward + single backward sweep."""
    into: dict[int, list[Edge]] = {}
    for edge in graph.edges:
        into.setdefault(edge.target, []).append(edge)
    gradients = {}
    visits = 0
    for source in graph.inputs:
        tangent = [0.0] * len(graph.nodes)
        tangent[source.index] = 1.0
        for node in graph.nodes:
            for edge in into.get(node.index, []):
                tangent[node.index] += edge.local * tangent[edge.source]
                visits += 1
        gradients[source.name] = tangent[graph.output]
    n_edges = len(graph.edges)
    return ModeCost(len(graph.inputs), 1, visits, n_edges, gradients)


# ---- the same thing in PyTorch ----------------------------------------------------------


def torch_gradients(graph: Graph, env: dict[str, float]) -> tuple[float, dict[str, float]]:
    """Output value and d output / d input for each input, computed by torch autograd in
    float64 from the same graph structure (torch does its own differentiation)."""
    import torch

    leaves = {n.name: torch.tensor(float(env[n.name]), dtype=torch.float64,
                                   requires_grad=True) for n in graph.inputs}
    vals: list = []
    for node in graph.nodes:
        if node.op == "input":
            vals.append(leaves[node.name])
            continue
        if node.op == "const":
            vals.append(torch.tensor(float(node.name), dtype=torch.float64))
            continue
        a = [vals[i] for i in node.inputs]
        vals.append(_torch_op(torch, node, a))
    out = vals[graph.output]
    grads = torch.autograd.grad(out, list(leaves.values()), allow_unused=True) if leaves else []
    result = {name: (0.0 if g is None else float(g.detach())) for name, g in zip(leaves, grads,
                                                                        strict=True)}
    return float(out.detach()), result


def _torch_op(torch, node: Node, a: list):
    op = node.op
    if op == "+":
        return a[0] + a[1]
    if op == "-":
        return a[0] - a[1]
    if op == "*":
        return a[0] * a[1]
    if op == "/":
        return a[0] / a[1]
    if op == "neg":
        return -a[0]
    if op == "pow":
        return torch.pow(a[0], node.exponent)
    if op == "^":
        return torch.pow(a[0], a[1])
    return getattr(torch, op)(a[0])  # exp, log, sqrt, abs, sin, cos, tanh, sigmoid, relu



# ---- graph queries ----------------------------------------------------------------------


def input_with_most_paths(graph: Graph) -> int:
    """The position (in graph.inputs) of the input with the most paths to the output: the
    one whose sum over paths is worth seeing. 0 when there are no inputs."""
    inputs = graph.inputs
    return max(range(len(inputs)), default=0,
               key=lambda k: count_paths(graph, inputs[k].index))


def reachable(graph: Graph, source: int) -> set[int]:
    """Every node on some path from source to anywhere (source included)."""
    seen = {source}
    for node in graph.nodes:  # topological order: a node's inputs come before it
        if any(i in seen for i in node.inputs):
            seen.add(node.index)
    return seen


def gradient_differences(graph: Graph, reference: dict[str, float]) -> list[float]:
    """|this graph's gradient - the reference's| for each input, in graph.inputs order."""
    return [abs(graph.grads[n.index] - reference[n.name]) for n in graph.inputs]


# ---- numbers as the graph names them ----------------------------------------------------


def fmt(x: float) -> str:
    """A number as short text: at most 4 decimals, 3 significant digits when very large
    or very small. Constants are named this way, and every label shows numbers so."""
    if x == 0:
        return "0"
    if abs(x) >= 1e5 or abs(x) < 1e-3:
        return f"{x:.3g}"
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"
