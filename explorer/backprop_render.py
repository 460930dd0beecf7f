"""How the backprop page shows its computations: TeX, DOT and Markdown text.

The engines (explorer.backprop for an expression, explorer.backprop_network for a small
network) compute values and gradients; this module writes them out: the step-by-step
transcript of both passes as TeX, the graph and the network as DOT for st.graphviz_chart,
the tables as Markdown, the four backpropagation equations with the numbers filled in.
The texts hold this module's own words, numbers, and the names the expression parser
allowed; DOT labels and Markdown cells are escaped all the same.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from explorer.backprop import OUTPUT_NAME, Graph, ModeCost, Node, PathTerm, fmt, reachable
from explorer.backprop_network import Backprop, Network, slope
from explorer.claims import ratio_words
from explorer.text import escape_markdown

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
    text = fmt(x)
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
        return f"{{{args[0]}}}^{{{fmt(node.exponent)}}}"
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
        body = f"{names[0]}^{fmt(node.exponent)}"
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



def step_heading(all_steps: list[Step], step: int) -> str:
    """'Step 3 of 8. Forward pass: compute a value (3 of 3).' for step 1..len(all_steps)."""
    current = all_steps[step - 1]
    n_forward = sum(s.phase == "forward" for s in all_steps)
    if current.phase == "forward":
        phase, where, of = "Forward pass: compute a value", step, n_forward
    else:
        phase = "Backward pass: compute a gradient"
        where, of = step - n_forward, len(all_steps) - n_forward
    return f"**Step {step} of {len(all_steps)}. {phase}** ({where} of {of})."


def paths_table(graph: Graph, paths: list[PathTerm]) -> str:
    """One row per path: its nodes, the local derivatives on the way, their product."""
    rows = [[f"`{' → '.join(graph.nodes[i].name for i in p.nodes)}`",
             " × ".join(fmt(f) for f in p.factors), fmt(p.product)] for p in paths]
    return markdown_table(["path", "local derivatives on the way", "product"], rows)


def torch_table(graph: Graph, torch_grads: dict[str, float],
                differences: list[float]) -> str:
    """This page's gradient of each input next to torch's, and their difference."""
    rows = [[f"`{n.name}`", f"{graph.grads[n.index]:.12g}", f"{torch_grads[n.name]:.12g}",
             f"{d:.1e}"] for n, d in zip(graph.inputs, differences, strict=True)]
    return markdown_table(["input", "this page's backprop", "torch autograd", "difference"],
                          rows)


def torch_list(graph: Graph, torch_grads: dict[str, float]) -> str:
    """The same comparison as torch_table, one line per input (for a phone, where four
    columns of 12-digit numbers do not fit)."""
    return "\n".join(f"- ∂f/∂{escape_markdown(n.name)}: {graph.grads[n.index]:.12g} here, "
                      f"{torch_grads[n.name]:.12g} in torch" for n in graph.inputs)


def layer_markdown(table: pd.DataFrame) -> str:
    """explorer.backprop_network.layer_table as Markdown, 4 decimals, '—' where a layer
    has no such number (the input layer's z and δ)."""
    def number(v) -> str:
        return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v + 0.0:.4f}"

    return markdown_table(
        ["layer", "unit", "z", "a = act(z)", "δ = ∂C/∂z"],
        [[row.layer, str(row.unit)] + [number(v) for v in (row.z, row.a, row.δ)]
         for row in table.itertuples(index=False)])


# ---- sentences about this graph's numbers ----------------------------------------------


def plural(count: int, word: str) -> str:
    """'1 sweep', '2 sweeps', '0 sweeps'."""
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def paths_sentence(name: str, n_paths: int, path_sum: float, gradient: float) -> str:
    """What the listed path products add up to, against the gradient backprop put on the
    node (all paths listed). Says "exactly" only when the two agree as shown."""
    shown_name = escape_markdown(name)
    same = fmt(path_sum) == fmt(gradient)
    if n_paths == 1:
        head = f"The only path's product is **{fmt(path_sum)}**"
    else:
        head = f"The {n_paths:,} path products add up to **{fmt(path_sum)}**"
    if same:
        head += f", exactly the gradient ∂f/∂{shown_name} = **{fmt(gradient)}** on the node."
    else:
        head += (f"; the gradient on the node is ∂f/∂{shown_name} = **{fmt(gradient)}**, "
                 "the same up to rounding.")
    if n_paths == 1:
        return head + " With one path there is nothing to add: the chain rule is one product."
    return (head + " Backprop gets the same number without listing paths: it adds the "
            "incoming gradients node by node.")


def modes_sentence(n_inputs: int, cost: ModeCost) -> str:
    """Forward mode's sweeps and edge visits against reverse mode's, for this graph."""
    return (f"Forward mode sends one sweep per input through the graph: "
            f"{plural(n_inputs, 'sweep')}, {plural(cost.edge_visits_forward_mode, 'edge visit')}"
            f" for all the derivatives. Reverse mode needs one backward sweep: "
            f"{plural(cost.edge_visits_reverse_mode, 'edge visit')}, however many inputs "
            "there are. A network has millions of inputs (its weights) and one output (the "
            "loss), so reverse mode wins by millions.")


def layer_ratio_sentence(first: float, last: float, depth: int) -> str:
    """How layer 1's weight gradient compares with the last layer's, in words computed from
    the two norms (explorer.claims.ratio_words)."""
    if depth < 2:
        return "With one layer there is no earlier layer for the gradient to reach."
    if first <= 0 or last <= 0:
        which = "layer 1's" if first <= 0 else f"layer {depth}'s"
        return f"Here {which} gradient is exactly 0: it has vanished entirely."
    words = ratio_words(max(first, last), min(first, last))
    if words == "about the same":
        return f"Here layer 1's gradient is about the same size as layer {depth}'s."
    if first > last:
        words = words.replace("smaller", "larger")
    return f"Here layer 1's gradient is {_superscript_powers(words)} than layer {depth}'s."


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _superscript_powers(text: str) -> str:
    """'about 10^12 times' -> 'about 10¹² times'."""

    return re.sub(r"10\^(-?\d+)", lambda m: "10" + m.group(1).translate(_SUPERSCRIPT), text)


def layer_list_markdown(table: pd.DataFrame) -> str:
    """The same numbers as layer_markdown, one line per layer (for a phone, where five
    columns do not fit): its units' z, a and δ in unit order."""
    lines = []
    for layer, rows in table.groupby("layer", sort=False):
        parts = []
        for column, name in (("z", "z"), ("a", "a"), ("δ", "δ")):
            values = [v for v in rows[column] if v is not None and not
                      (isinstance(v, float) and math.isnan(v))]
            if values:
                parts.append(f"{name} = " + ", ".join(f"{v + 0.0:.4f}" for v in values))
        lines.append(f"- **Layer {layer}**: " + "; ".join(parts))
    return "\n".join(lines)


# ---- the graph as DOT, tables as Markdown ---------------------------------------------


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
    reach = reachable(graph, highlight_source) if highlight_source is not None else set()

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
        value = fmt(graph.values[i]) if known_value else "?"
        grad = fmt(graph.grads[i]) if known_grad else "?"
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
            label = fmt(edge.local)
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


# ---- the network: the four equations in LaTeX, with the numbers filled in -------------


def _num(x: float) -> str:
    """Three significant digits; powers of ten written the LaTeX way."""
    if x == 0:
        return "0"
    text = f"{x:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return text


def bmatrix(m: np.ndarray) -> str:
    m = np.atleast_2d(m) if m.ndim == 2 else m.reshape(-1, 1)
    rows = [" & ".join(_num(v) for v in row) for row in m]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def _slope_name(act: str) -> str:
    return {"sigmoid": r"\sigma'", "tanh": r"\tanh'", "relu": r"\operatorname{relu}'"}[act]


# How an equation is laid out: on one line; "stacked", one side of each = per line (a wide
# screen, a big network); "phone", stacked a size smaller, and a matrix with more columns
# than NARROW_COLUMNS named rather than written out.
LAYOUTS = ("line", "stacked", "phone")
NARROW_COLUMNS = 3


def _equation(lhs: str, sides: list[list[str]], layout: str) -> str:
    """lhs = side = side ...; a side's pieces (factors of a product) stay together on one
    line, or each start a line of their own when stacked."""
    if layout == "line":
        return " = ".join([lhs, *(" ".join(pieces) for pieces in sides)])
    lines = [f"{lhs} &= {sides[0][0]}", *(rf"&\quad {piece}" for piece in sides[0][1:])]
    for pieces in sides[1:]:
        lines += [f"&= {pieces[0]}", *(rf"&\quad {piece}" for piece in pieces[1:])]
    size = r"\small" if layout == "phone" else ""
    return size + r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def equation_output_error(net: Network, result: Backprop, layout: str = "line") -> str:
    L = len(net.weights)
    if net.loss == "MSE":
        return _equation(
            rf"\delta^{{{L}}}",
            [[rf"(a^{{{L}}} - y) \odot {_slope_name(net.act)}(z^{{{L}}})"],
             [rf"\left({bmatrix(result.a[-1])} - {bmatrix(net.y)}\right)",
              rf"\odot {bmatrix(slope(net.act, result.z[-1]))}"],
             [bmatrix(result.delta[-1])]], layout)
    return _equation(rf"\delta^{{{L}}}",
                     [[rf"\operatorname{{softmax}}(z^{{{L}}}) - y"],
                      [rf"{bmatrix(result.a[-1])} - {bmatrix(net.y)}"],
                      [bmatrix(result.delta[-1])]], layout)


def equation_hidden_error(net: Network, result: Backprop, layer: int,
                          layout: str = "line") -> str:
    """Equation (2) for hidden layer `layer` (1-based)."""
    w_next = net.weights[layer]
    weights = (rf"(W^{{{layer + 1}}})^T" if layout == "phone" and w_next.shape[0] > NARROW_COLUMNS
               else bmatrix(w_next.T))
    return _equation(
        rf"\delta^{{{layer}}}",
        [[rf"(W^{{{layer + 1}}})^T \delta^{{{layer + 1}}} \odot "
          rf"{_slope_name(net.act)}(z^{{{layer}}})"],
         [rf"{weights} {bmatrix(result.delta[layer])}",
          rf"\odot {bmatrix(slope(net.act, result.z[layer - 1]))}"],
         [bmatrix(result.delta[layer - 1])]], layout)


def equation_bias(result: Backprop, layer: int, layout: str = "line") -> str:
    """Equation (3): short enough for one line in every layout (a size smaller on a phone)."""
    line = _equation(rf"\frac{{\partial C}}{{\partial b^{{{layer}}}}}",
                     [[rf"\delta^{{{layer}}}"], [bmatrix(result.grad_b[layer - 1])]], "line")
    return r"\small " + line if layout == "phone" else line


def equation_weight(result: Backprop, layer: int, layout: str = "line") -> str:
    """Equation (4); on a phone, an outer product too wide to write out is left as the
    product of the two columns, with its shape."""
    a_in, grad = result.a[layer - 1], result.grad_w[layer - 1]
    if layout == "phone" and grad.shape[1] > NARROW_COLUMNS:
        numbers = [rf"{bmatrix(result.delta[layer - 1])}", rf"{bmatrix(a_in)}^T"]
        outcome = [rf"\text{{a {grad.shape[0]} × {grad.shape[1]} matrix}}"]
    else:
        numbers = [rf"{bmatrix(result.delta[layer - 1])} {bmatrix(a_in.reshape(1, -1))}"]
        outcome = [bmatrix(grad)]
    return _equation(rf"\frac{{\partial C}}{{\partial W^{{{layer}}}}}",
                     [[rf"\delta^{{{layer}}} (a^{{{layer - 1}}})^T"], numbers, outcome], layout)


def wide_layout(net: Network) -> str:
    """The layout for a wide screen: one line while every matrix has at most
    NARROW_COLUMNS columns, stacked for a bigger network."""
    return "line" if max(net.sizes) <= NARROW_COLUMNS else "stacked"


def network_dot(net: Network, result: Backprop, present: bool = False) -> str:
    """The network as DOT: units with a and delta, edges coloured by the sign of dC/dw
    and thicker for larger |dC/dw|."""
    font = 18 if present else 13
    lines = ["digraph mlp {", '  rankdir="LR"; bgcolor="transparent"; ranksep=1.4;',
             f'  node [fontname="Helvetica", fontsize={font}, shape=circle, style=filled, '
             'fixedsize=true, width=1.25, color="#555555"];', '  edge [arrowsize=0.6];']
    for layer, size in enumerate(net.sizes):
        fill = "#56B4E9" if layer == 0 else ("#009E73" if layer == len(net.sizes) - 1
                                              else "#FFFFFF")
        for j in range(size):
            label = f"a={result.a[layer][j] + 0.0:.3g}"  # + 0.0 turns -0.0 into 0.0
            if layer > 0:
                label += f"\\nδ={result.delta[layer - 1][j] + 0.0:.3g}"
            lines.append(f'  u{layer}_{j} [label="{label}", fillcolor="{fill}"];')
    biggest = max(float(np.abs(g).max()) for g in result.grad_w) or 1.0
    for layer, g in enumerate(result.grad_w, start=1):
        for j in range(g.shape[0]):
            for k in range(g.shape[1]):
                colour = "#E69F00" if g[j, k] > 0 else "#0072B2"
                width = 0.5 + 4.5 * abs(g[j, k]) / biggest
                lines.append(f'  u{layer - 1}_{k} -> u{layer}_{j} [color="{colour}", '
                             f'penwidth={width:.2f}];')
    lines.append("}")
    return "\n".join(lines)
