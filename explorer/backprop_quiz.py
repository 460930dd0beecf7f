"""Check-yourself questions for the backprop page: each variant is drawn from a seed and
answered by this page's own engines (explorer.backprop for expressions, explorer.
backprop_network for networks)."""

from __future__ import annotations

import numpy as np

from explorer import backprop as bp
from explorer import backprop_network as bn
from explorer.quiz import Question, format_number

# Expressions in the page's own language; every one has a, b and c, some more than once.
EXPRESSIONS = (
    "(a + b) * (b + c)",
    "a * b + sin(a) * c",
    "exp(a) / (1 + b * b) + c",
    "sigmoid(a * b + c)",
    "(a - b) ^ 2 * c",
    "log(a * a + b * b) * c",
    "tanh(a + b * c)",
    "a * b * c + a",
    "sqrt(a * a + b * b + c * c)",
    "relu(a - b) * c + a",
)
NAMES = ("a", "b", "c")


def _values(rng: np.random.Generator) -> dict[str, float]:
    return {name: float(rng.choice([-2, -1, 1, 2, 3])) for name in NAMES}


def _values_text(env: dict[str, float]) -> str:
    return ", ".join(f"{k}={format_number(v)}" for k, v in env.items())


def gradient_of_expression(rng: np.random.Generator) -> Question:
    """∂f/∂(one input) of an expression at given values, by the page's backward pass."""
    while True:
        expr = str(rng.choice(EXPRESSIONS))
        env = _values(rng)
        if expr.startswith("relu") and env["a"] == env["b"]:
            continue  # the kink of relu: a slope by convention, not a fair question
        try:
            graph = bp.differentiate(expr, env)
        except bp.EvaluationError:
            continue
        break
    name = str(rng.choice(NAMES))
    gradient = graph.gradient(name)
    source = next(n.index for n in graph.inputs if n.name == name)
    paths = bp.paths_to_output(graph, source)
    terms = [" × ".join(bp.fmt(f) for f in p.factors) for p in paths]
    if len(paths) == 1:
        how = f"One path leads from {name} to f; its local derivatives multiply: {terms[0]}"
    else:
        how = (f"{len(paths)} paths lead from {name} to f; each gives the product of its local "
               f"derivatives ({'; '.join(terms)}), and the products add up")
    return Question(
        prompt=(f"f = `{expr}`, with {_values_text(env).replace('=', ' = ')}. What is "
                f"**∂f/∂{name}**? (Type the expression and values on the page to see its "
                "graph.)"),
        answer=gradient, tolerance=0.005, rel_tolerance=0.001,
        given={"expr": expr, "values": env, "name": name},
        explanation=f"{how}: ∂f/∂{name} = {bp.fmt(gradient)}.")


def _random_expression(rng: np.random.Generator, leaves: int) -> str:
    """A random sum/product of `leaves` uses of a, b and c (and small numbers), some inside
    a function, with brackets as the parser needs them."""
    if leaves == 1:
        return str(rng.choice([*NAMES, *NAMES, "2", "3"]))
    left = int(rng.integers(1, leaves))
    op = str(rng.choice(["+", "*", "-"]))
    text = (f"({_random_expression(rng, left)} {op} "
            f"{_random_expression(rng, leaves - left)})")
    if rng.random() < 0.3:
        text = f"{rng.choice(['sin', 'exp', 'tanh', 'sigmoid'])}{text}"
    return text


def paths_from_input(rng: np.random.Generator) -> Question:
    """How many paths lead from an input to f: backprop adds one product per path."""
    while True:
        expr = _random_expression(rng, int(rng.integers(4, 8)))
        if expr.startswith("(") and expr.endswith(")"):
            expr = expr[1:-1] if _balanced(expr[1:-1]) else expr
        try:  # the paths are counted on the graph's edges, made by the forward pass
            graph = bp.differentiate(expr, dict.fromkeys(NAMES, 0.5))
        except bp.EvaluationError:
            continue
        used = list(graph.inputs)
        if used:
            break
    # Prefer an input read more than once: that is where paths add up.
    shared = [n for n in used if bp.count_paths(graph, n.index) > 1] or used
    source = shared[int(rng.integers(0, len(shared)))]
    count = bp.count_paths(graph, source.index)
    return Question(
        prompt=(f"In f = `{expr}`, how many paths lead from **{source.name}** to f in the "
                "computational graph? (Each variable is one node, used by every operation "
                "that reads it.)"),
        answer=float(count), tolerance=0.0,
        given={"expr": expr, "name": source.name},
        explanation=(f"{source.name} is read {count} time{'s' if count != 1 else ''} in the "
                     "expression, and every other node is used once, so each reading starts "
                     f"one path to f: {count}. Backprop adds one product of local derivatives "
                     f"per path, so ∂f/∂{source.name} is a sum of {count} "
                     f"term{'s' if count != 1 else ''}."))


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _sum_text(terms) -> str:
    """'3×6 + 6×3 = 36', '4 + 2 = 6', or one term alone: '4×5 = 20', '5'."""
    terms = [str(t) for t in terms]
    total = sum(_product_of(t) for t in terms)
    if len(terms) == 1 and "×" not in terms[0]:
        return terms[0]
    return f"{' + '.join(terms)} = {total}"


def _product_of(term: str) -> int:
    """'3×6' -> 18, '5' -> 5 (terms this module wrote)."""
    value = 1
    for factor in term.split("×"):
        value *= int(factor)
    return value


def network_parameters(rng: np.random.Generator) -> Question:
    """Weights and biases of a small fully connected network from its layer sizes."""
    depth = int(rng.integers(2, 5))
    text = "-".join(str(int(v)) for v in rng.integers(1, bn.MAX_WIDTH + 1, depth))
    sizes = bn.parse_layers(text)
    net = bn.make_network(sizes, "sigmoid", "MSE")
    weights = sum(w.size for w in net.weights)
    biases = sum(b.size for b in net.biases)
    products = [f"{a}×{b}" for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    return Question(
        prompt=(f"A fully connected network has layer sizes **{text}** (the input size "
                "first, the output size last), each layer with a weight matrix and a bias "
                "vector. How many numbers does training learn? (Type the sizes in the "
                "Network tab to see it.)"),
        answer=float(weights + biases), tolerance=0.0,
        given={"sizes": sizes},
        explanation=(f"Weights: {_sum_text(products)}; biases, one per unit after the "
                     f"input: {_sum_text(sizes[1:])}. "
                     f"Together {weights + biases}."))


QUESTIONS = (gradient_of_expression, paths_from_input, network_parameters)
