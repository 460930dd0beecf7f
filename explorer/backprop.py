"""Reverse-mode differentiation on a computational graph, written out so it can be shown.

An expression (parsed by explorer.backprop_parser, never eval'd) becomes a DAG: one node per
input variable (shared by every use of that variable), per constant and per operation. The
forward pass computes every node's value in topological order; the backward pass starts with
df/df = 1 at the output and walks the order in reverse, adding to each input
(gradient of the consumer) x (local derivative of that edge). Float64 throughout.

Also here: the list of paths from an input to the output (the chain rule as a sum over
paths), a step-by-step transcript of both passes, forward-mode differentiation for the pass
count comparison, the same computation through torch autograd, and the graph as DOT text.
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
            return add("const", (), _format(t.value))
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
                                  f"non-whole power {_format(c)}.", node.index)
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
            raise EvaluationError(f"{node.name} = exp({_format(x)}) is too large for a "
                                  "float64.", node.index) from None
    if op == "log":
        if x <= 0:
            raise EvaluationError(f"{node.name} takes the log of {_format(x)}; log needs "
                                  "a positive number.", node.index)
        return math.log(x)
    if op == "sqrt":
        if x <= 0:
            raise EvaluationError(f"{node.name} takes the square root of {_format(x)}; "
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
        raise EvaluationError(f"{node.name} = {_format(x)}^{_format(c)} cannot be computed "
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
            raise EvaluationError(f"{node.name} = 0^{_format(c)} has an infinite slope at 0.",
                                  node.index)
        return [c * math.pow(args[0], c - 1)]
    if op == "^":
        x, y = args
        if x == 0:
            # PyTorch's convention at a zero base: the exponent's slope is taken as 0.
            if 0 < y < 1:
                raise EvaluationError(f"{node.name} = 0^{_format(y)} has an infinite slope "
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


# ---- step through -----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    phase: str  # "forward" or "backward"
    node: int
    latex: str  # the formula with names, then with numbers


def _tex_name(name: str) -> str:
    if name.startswith("n") and name[1:].isdigit():
        return f"n_{{{name[1:]}}}"
    return r"\mathit{" + name.replace("_", r"\_") + "}"


_TEX_FUNCTIONS = {"exp": r"\exp", "log": r"\log", "sqrt": r"\sqrt", "abs": r"\operatorname{abs}",
                  "sin": r"\sin", "cos": r"\cos", "tanh": r"\tanh",
                  "sigmoid": r"\sigma", "relu": r"\operatorname{relu}"}


def _tex_num(x: float) -> str:
    text = _format(x)
    if "e" in text:
        mantissa, exp = text.split("e")
        text = rf"{mantissa}\times 10^{{{int(exp)}}}"
    return f"({text})" if x < 0 else text


def _tex_op(node: Node, args: list[str]) -> str:
    op = node.op
    if op in "+-":
        return f"{args[0]} {op} {args[1]}"
    if op == "*":
        return rf"{args[0]} \cdot {args[1]}"
    if op == "/":
        return rf"\frac{{{args[0]}}}{{{args[1]}}}"
    if op == "neg":
        return f"-{args[0]}"
    if op == "pow":
        return f"{{{args[0]}}}^{{{_format(node.exponent)}}}"
    if op == "^":
        return f"{{{args[0]}}}^{{{args[1]}}}"
    if op == "sqrt":
        return rf"\sqrt{{{args[0]}}}"
    return rf"{_TEX_FUNCTIONS[op]}\left({args[0]}\right)"


def node_formula(graph: Graph, node: Node) -> str:
    """'n1 = a + b' as plain text (for the graph labels)."""
    names = [graph.nodes[i].name for i in node.inputs]
    op = node.op
    if op in "+-*/^" and len(names) == 2:
        sign = {"*": "·", "-": "−"}.get(op, op)
        body = f"{names[0]} {sign} {names[1]}"
    elif op == "neg":
        body = f"−{names[0]}"
    elif op == "pow":
        body = f"{names[0]}^{_format(node.exponent)}"
    else:
        body = f"{op}({names[0]})"
    return f"{node.name} = {body}"


def steps(graph: Graph) -> list[Step]:
    """The forward pass one operation at a time, then the backward pass one node at a time
    (output first, inputs last), each with its formula and its numbers."""
    out: list[Step] = []
    def tex_node(i: int) -> str:
        node = graph.nodes[i]
        return _tex_num(graph.values[i]) if node.op == "const" else _tex_name(node.name)

    for node in graph.operations:
        names = [tex_node(i) for i in node.inputs]
        numbers = [_tex_num(graph.values[i]) for i in node.inputs]
        out.append(Step("forward", node.index,
                        f"{_tex_name(node.name)} = {_tex_op(node, names)} = "
                        f"{_tex_op(node, numbers)} = {_tex_num(graph.values[node.index])}"))
    into_edges = {n.index: graph.consumers(n.index) for n in graph.nodes}
    f = _tex_name(graph.nodes[graph.output].name)
    for node in reversed(graph.nodes):
        if node.op == "const":
            continue
        me = _tex_name(node.name)
        if node.index == graph.output:
            out.append(Step("backward", node.index,
                            rf"\frac{{\partial {f}}}{{\partial {f}}} = 1"))
            continue
        symbolic, numeric = [], []
        for edge in into_edges[node.index]:
            consumer = _tex_name(graph.nodes[edge.target].name)
            symbolic.append(rf"\frac{{\partial {f}}}{{\partial {consumer}}}"
                            rf"\frac{{\partial {consumer}}}{{\partial {me}}}")
            numeric.append(rf"{_tex_num(graph.grads[edge.target])} \cdot "
                           rf"{_tex_num(edge.local)}")
        out.append(Step("backward", node.index,
                        rf"\frac{{\partial {f}}}{{\partial {me}}} = " + " + ".join(symbolic)
                        + " = " + " + ".join(numeric) + f" = {_tex_num(graph.grads[node.index])}"))
    return out


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


# ---- the picture ------------------------------------------------------------------------


def _format(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 1e5 or abs(x) < 1e-3:
        return f"{x:.3g}"
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def fmt(x: float) -> str:
    return _format(x)


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table; cells come from this module (names the tokenizer allowed, numbers),
    and '|' is escaped anyway."""
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def dot_escape(text: str) -> str:
    """Make text safe inside a double-quoted DOT string."""
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("<", "\\<").replace(">", "\\>").replace("{", "\\{").replace("}", "\\}")
            .replace("|", "\\|"))


_COLORS = {"input": "#56B4E9", "op": "#FFFFFF", "const": "#EEEEEE", "output": "#009E73",
           "current": "#E69F00", "pending": "#F5F5F5", "path": "#CC79A7"}


def graph_dot(graph: Graph, *, step: Step | None = None, step_index: int = 0,
              all_steps: list[Step] | None = None, highlight_source: int | None = None,
              present: bool = False) -> str:
    """The graph as DOT: each node with its value and gradient, each edge with its local
    derivative. During a step-through, values not yet computed show '?', the current
    node is orange, and in the backward pass the edges it sums over are thick."""
    font = 22 if present else 16
    done_forward: set[int] = set()
    done_backward: set[int] = set()
    if step is not None and all_steps is not None:
        for s in all_steps[:step_index + 1]:
            (done_forward if s.phase == "forward" else done_backward).add(s.node)
        if step.phase == "backward":
            done_forward = {n.index for n in graph.nodes}
    stepping = step is not None
    reach = _reachable(graph, highlight_source) if highlight_source is not None else set()

    lines = [
        "digraph backprop {",
        '  rankdir="TB"; bgcolor="transparent"; nodesep=0.3; ranksep=0.45;',
        f'  node [fontname="Helvetica", fontsize={font}, style="filled,rounded", '
        'shape=box, penwidth=1.5, color="#555555"];',
        f'  edge [fontname="Helvetica", fontsize={font - 2}, color="#777777", '
        'fontcolor="#333333", arrowsize=0.8];',
    ]
    for node in graph.nodes:
        i = node.index
        known_value = not stepping or node.op in ("input", "const") or i in done_forward
        known_grad = not stepping or i in done_backward
        value = _format(graph.values[i]) if known_value else "?"
        grad = _format(graph.grads[i]) if known_grad else "?"
        if node.op == "const":
            lines.append(f'  v{i} [label="{dot_escape(node.name)}", shape=plaintext, '
                         f'style="", fontcolor="#666666"];')
            continue
        if node.op == "input":
            title = node.name
            fill = _COLORS["input"]
        else:
            title = node_formula(graph, node)
            fill = _COLORS["output"] if i == graph.output else _COLORS["op"]
        if stepping and not known_value:
            fill = _COLORS["pending"]
        if step is not None and i == step.node:
            fill = _COLORS["current"]
        gradient_label = f"∂{OUTPUT_NAME}/∂{node.name} = {grad}"
        label = f"{title}\nvalue {value}\n{gradient_label}"
        extra = ', penwidth=3, color="#CC79A7"' if i == highlight_source else ""
        fontcolor = "#FFFFFF" if fill == _COLORS["output"] else "#000000"
        lines.append(f'  v{i} [label="{dot_escape(label)}", fillcolor="{fill}", '
                     f'fontcolor="{fontcolor}"{extra}];')
    for edge in graph.edges:
        style = []
        if graph.nodes[edge.source].op == "const":
            style.append('style="dashed"')
            label = ""
        else:
            label = _format(edge.local)
        if stepping and step.phase == "backward" and edge.source == step.node:
            style.append('penwidth=4, color="#E69F00"')
        elif stepping and step.phase == "forward" and edge.target == step.node:
            style.append('penwidth=4, color="#E69F00"')
        elif edge.source in reach and edge.target in reach:
            style.append('penwidth=3, color="#CC79A7"')
        attributes = [f'label=" {dot_escape(label)} "'] + style
        lines.append(f"  v{edge.source} -> v{edge.target} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines)


def graph_depth(graph: Graph) -> int:
    """The number of edges on the longest path into the output: the layout's column count
    minus one."""
    longest = [0] * len(graph.nodes)
    for node in graph.nodes:
        for i in node.inputs:
            longest[node.index] = max(longest[node.index], longest[i] + 1)
    return longest[graph.output]


def _reachable(graph: Graph, source: int) -> set[int]:
    seen = {source}
    for node in graph.nodes:  # topological order: a node's inputs come before it
        if any(i in seen for i in node.inputs):
            seen.add(node.index)
    return seen
