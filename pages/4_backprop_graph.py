"""Backprop on a computational graph: type an expression, see every value and every gradient,
step through both passes, check against PyTorch; then the four equations in a small network,
and why deep sigmoid stacks lose their gradient."""

import streamlit as st

from explorer import backprop as bp
from explorer import backprop_charts as bc
from explorer import backprop_network as bn
from explorer import backprop_quiz as quiz
from explorer import backprop_render as render
from explorer import ui
from explorer.backprop_parser import ExpressionError, parse_values
from explorer.backprop_spec import SPEC, step_label
from explorer.text import escape_markdown

URL = "backprop_graph"

present = ui.page_setup(
    "Backprop on a graph",
    "Write a computation as a graph of small operations. One pass **forward** computes every "
    "value; one pass **backward** multiplies local slopes along the edges and adds them where "
    "paths meet, which gives the derivative of the output with respect to **every** input at "
    "once. That single backward pass is what makes training networks with millions of "
    "weights affordable.",
    icon=":material/account_tree:",
    spec=SPEC,
)

ui.preset_row(SPEC)

tab_expr, tab_net, tab_deep = ui.widget(SPEC["mode"])


def is_open(tab) -> bool:
    # .open is None when tabs do not track state; then everything is shown.
    return tab.open is None or bool(tab.open)


# ---- cached computations (explorer stays streamlit-free) -------------------------------


@st.cache_data(max_entries=64, show_spinner="Asking PyTorch…")
def torch_check(expr: str, values: tuple[tuple[str, float], ...]):
    graph = bp.differentiate(expr, dict(values))
    return bp.torch_gradients(graph, dict(values))


@st.cache_data(max_entries=32, show_spinner=False)
def compute_network(sizes: tuple[int, ...], act: str, loss: str, seed: int):
    net = bn.make_network(list(sizes), act, loss, seed)
    return net, bn.backprop(net)


@st.cache_data(max_entries=32, show_spinner="Asking PyTorch…")
def network_check(sizes: tuple[int, ...], act: str, loss: str, seed: int):
    return bn.network_torch_gradients(bn.make_network(list(sizes), act, loss, seed))


@st.cache_data(max_entries=32, show_spinner=False)
def vanishing(depth: int, act: str, init_scale: float):
    """The stack's gradient table and activation histogram (not the stack: its activations
    are a megabyte, and a cache hit would copy them)."""
    stack = bn.deep_stack(depth, act, init_scale)
    return bn.gradient_table(stack), bn.activation_histogram(stack)


def as_text(message: str) -> str:
    """A message that quotes what the visitor typed (or a link carried): shown as the
    characters it is, never as markdown."""
    return escape_markdown(message, max_chars=400)


def show_text_error(err: ExpressionError, box: str) -> None:
    ui.notice(as_text(f"The {box} cannot be read: {err.message.rstrip('.')}."),
              "The caret below points at the problem.", kind="error")
    st.code(err.pointer(), language=None)


def four_equations(net: bn.Network, result: bn.Backprop, layout: str) -> None:
    L = len(net.weights)
    st.markdown("**(1) The output error**: how the loss changes with the output layer's "
                "pre-activation z.")
    st.latex(render.equation_output_error(net, result, layout))
    if L > 1:
        st.markdown("**(2) The error of a layer from the next one**: send δ back through "
                    "the transposed weights, then scale by the activation's slope.")
        for layer in range(L - 1, 0, -1):
            st.latex(render.equation_hidden_error(net, result, layer, layout))
    st.markdown("**(3) The gradient for the biases** is the error itself.")
    for layer in range(L, 0, -1):
        st.latex(render.equation_bias(result, layer, layout))
    st.markdown("**(4) The gradient for the weights**: error times the activation that "
                "came in, an outer product.")
    for layer in range(L, 0, -1):
        st.latex(render.equation_weight(result, layer, layout))


def move_step(delta: int, total: int) -> None:
    st.session_state["step"] = max(0, min(total, int(st.session_state.get("step", 0)) + delta))


def show_expression(expr: str, graph: bp.Graph, env: dict, all_steps: list, step: int,
                    chosen: str | None) -> None:
    """The graph, the step being computed, the paths, the torch check, the pass counts."""
    current = all_steps[step - 1] if step > 0 else None
    source = next((n.index for n in graph.inputs if n.name == chosen), None)
    if current is not None:
        st.markdown(render.step_heading(all_steps, step)
                    + " The orange node is being computed; '?' is not known yet.")
        st.latex(current.latex)
    dot = render.graph_dot(graph, step=current, step_index=step - 1, all_steps=all_steps,
                           highlight_source=None if current is not None else source,
                           present=present)
    # Top to bottom at its natural size: labels stay legible however deep the graph is.
    st.graphviz_chart(dot, width="content")
    st.caption("Each box: its operation, its value from the forward pass, and ∂f/∂node "
               "from the backward pass. Each edge: the local derivative ∂(head)/∂(tail). "
               "Blue boxes are inputs, green is the output f"
               + (f"; pink edges are the paths from {chosen} to f." if chosen and
                  current is None else "."))

    if graph.inputs and source is not None:
        st.subheader(f"Sum over paths: ∂f/∂{escape_markdown(chosen)}")
        paths = bp.paths_to_output(graph, source)
        n_paths = bp.count_paths(graph, source)
        # Markdown tables: cheap to send and they grow with presentation mode's font.
        st.markdown(render.paths_table(graph, paths))
        if n_paths > len(paths):
            st.caption(f"{n_paths:,} paths in all; the first {len(paths)} are listed. "
                       "Backprop never lists them: it adds them up node by node.")
        else:
            st.markdown(render.paths_sentence(chosen, n_paths, sum(p.product for p in paths),
                                              graph.gradient(chosen)))

    st.subheader("Check against PyTorch")
    torch_out, torch_grads = torch_check(expr, tuple(sorted(env.items())))
    differences = bp.gradient_differences(graph, torch_grads)
    worst = max(differences, default=0.0)
    col_table, col_metric = st.columns([3, 1])
    with col_table:
        wide, narrow = ui.by_width("torch_table", wide_px=520)
        wide.markdown(render.torch_table(graph, torch_grads, differences))
        narrow.markdown(render.torch_list(graph, torch_grads))
    col_metric.metric("Largest difference", f"{worst:.1e}")
    col_metric.metric("f, this page", bp.fmt(graph.values[graph.output]))
    col_metric.metric("f, torch", bp.fmt(torch_out))
    st.caption("The same graph run through torch autograd in float64: PyTorch does its "
               "own differentiation, and the two agree to rounding error.")

    st.subheader("Forward mode versus reverse mode")
    cost = bp.forward_mode(graph)
    c1, c2, c3 = st.columns(3)
    c1.metric("Inputs", len(graph.inputs))
    c2.metric("Forward mode: passes", cost.passes_forward_mode,
              help="One sweep per input, pushing d(node)/d(input) forward.")
    c3.metric("Reverse mode: backward passes", cost.passes_reverse_mode,
              help="One sweep from f back to every input.")
    st.markdown(render.modes_sentence(len(graph.inputs), cost))



# ---- expression mode -------------------------------------------------------------------

with tab_expr:
    col_expr, col_values = st.columns([3, 2])
    expr = ui.widget(SPEC["expr"], col_expr)
    values_text = ui.widget(SPEC["values"], col_values)

    graph = None
    try:
        env = parse_values(values_text)
    except ExpressionError as err:
        env = None
        show_text_error(err, "values")
    if env is not None:
        try:
            graph = bp.differentiate(expr, env)  # a small graph: not worth a cache
        except ExpressionError as err:
            show_text_error(err, "expression")
        except bp.EvaluationError as err:
            ui.notice(as_text("The expression cannot be computed at these values: "
                              + err.message),
                      "Change the values or the expression.", kind="error")

    if graph is not None:
        all_steps = render.steps(graph)
        total = len(all_steps)
        names = [n.name for n in graph.inputs]
        col_path, col_step, col_prev, col_next = st.columns([2, 4, 1, 1],
                                                            vertical_alignment="bottom")
        # Start on the input with the most paths to f: the one where sums are worth seeing.
        chosen = ui.widget(SPEC["path"], col_path, options=names,
                           index=bp.input_with_most_paths(graph)) if names else None
        if total > 0:
            step = ui.widget(SPEC["step"], col_step, max_value=total, label=step_label(total))
        else:  # a lone number: nothing to compute, nothing to differentiate
            step = 0
            col_step.caption("Only a number: there is nothing to step through. Add a "
                             "variable, e.g. 2 * a.")
        col_prev.button("◀ Back", key="step_back", on_click=move_step, args=(-1, total),
                        width="stretch", disabled=step <= 0)
        col_next.button("Next ▶", key="step_next", on_click=move_step, args=(1, total),
                        width="stretch", disabled=step >= total)

        if is_open(tab_expr):
            show_expression(expr, graph, env, all_steps, step, chosen)

    with st.expander("What is going on", expanded=True):
        st.markdown(
            "Every operation knows its own **local derivative**: how much its output moves "
            "when one input moves a little (for n = u · v, ∂n/∂u = v). The chain rule says "
            "a change in an input reaches f along every path, multiplied by each local "
            "derivative on the way, and the paths add up:")
        ui.formula(r"\frac{\partial f}{\partial x} = \sum_{\text{paths } x \to f}\ "
                   r"\prod_{\text{edges } u \to v \text{ on the path}} "
                   r"\frac{\partial v}{\partial u}",
                   "The gradient of an input is the sum over paths of the product of local "
                   "derivatives.")
        st.markdown(
            "Backprop computes this sum without listing the paths (their number can grow "
            "exponentially). It visits nodes from f backwards, and each node takes the "
            "gradients of the nodes that use it, times the local derivative of each edge:")
        ui.formula(r"\frac{\partial f}{\partial u} = \sum_{v \text{ uses } u} "
                   r"\frac{\partial f}{\partial v}\,\frac{\partial v}{\partial u}",
                   "Each edge is used once, so the backward pass costs about as much as the "
                   "forward pass.")

# ---- network mode ----------------------------------------------------------------------

with tab_net:
    c1, c2, c3, c4 = st.columns(4)
    layers_text = ui.widget(SPEC["bp_layers"], c1)
    act = ui.widget(SPEC["act"], c2)
    loss_name = ui.widget(SPEC["bp_loss"], c3)
    seed = ui.widget(SPEC["bp_seed"], c4)
    sizes = None
    try:
        sizes = bn.parse_layers(layers_text)
    except ExpressionError as err:
        show_text_error(err, "layer sizes")
    if sizes is not None and loss_name == "cross-entropy" and sizes[-1] < 2:
        ui.notice("Cross-entropy needs at least two output units (one per class).",
                  "Make the last layer size 2 or more.", kind="error")
        sizes = None
    if sizes is not None and is_open(tab_net):
        net, result = compute_network(tuple(sizes), act, loss_name, seed)
        st.markdown(f"One training example, x = {list(map(float, net.x))}, target "
                    f"y = {list(map(float, net.y))}; loss C = **{result.loss:.4g}**.")
        st.graphviz_chart(render.network_dot(net, result, present),
                          width="stretch" if present else "content")
        st.caption("Each unit shows its activation a and its error δ = ∂C/∂z. Edge colour: "
                   "orange where ∂C/∂w > 0, blue where < 0; thicker for a larger |∂C/∂w|.")
        units = bn.layer_table(net, result)
        wide, narrow = ui.by_width("layer_table", wide_px=560)  # a list on a phone
        wide.markdown(render.layer_markdown(units))
        narrow.markdown(render.layer_list_markdown(units))
        st.subheader("The four equations, with this example's numbers")
        # On one line each where they fit; split at each = for a big network or a phone.
        wide, narrow = ui.by_width("four_equations", wide_px=900)
        with wide:
            four_equations(net, result, render.wide_layout(net))
        with narrow:
            four_equations(net, result, "phone")

        torch_loss, torch_w, torch_b = network_check(tuple(sizes), act, loss_name, seed)
        st.metric("Largest difference from torch autograd",
                  f"{bn.largest_difference(result, torch_w, torch_b):.1e}",
                  help="Over all the weights' and biases' gradients.")
        st.caption("The same network and example through PyTorch (float64, "
                   + ("0.5·sum of squared errors" if loss_name == "MSE"
                      else "F.cross_entropy") + "): the four equations give its gradients.")

# ---- vanishing gradients ---------------------------------------------------------------

with tab_deep:
    c1, c2, c3 = st.columns(3)
    deep_act = ui.widget(SPEC["deep_act"], c1)
    depth = ui.widget(SPEC["depth"], c2)
    init_scale = ui.widget(SPEC["init_scale"], c3)
    if is_open(tab_deep):
        norms, (histogram, lo, hi) = vanishing(depth, deep_act, float(init_scale))
        first, last = (float(v) for v in norms["gradient norm"].iloc[[0, -1]])
        ratio = first / last if last > 0 else 0.0
        m1, m2, m3 = st.columns(3)
        m1.metric("‖∂C/∂W‖ at layer 1", f"{first:.2g}")
        m2.metric(f"‖∂C/∂W‖ at layer {depth}", f"{last:.2g}")
        m3.metric("Layer 1 / last layer", f"{ratio:.2g}")
        left, right = st.columns(2)
        with left:
            ui.chart(ui.built_chart(bc.grad_norm_chart, norms, ui.chart_height(360)),
                     "Size of the weight gradient in each layer, log scale. The backward "
                     "pass runs from the right (the last layer) to the left: a straight line "
                     "means the same factor at every layer; falling towards layer 1, the "
                     "gradient shrinks on its way back.",
                     description=f"Line chart, log scale, of the weight gradient's size in "
                                 f"each of {depth} {deep_act} layers: {first:.2g} at layer 1, "
                                 f"{last:.2g} at layer {depth}.")
        with right:
            ui.chart(ui.built_chart(bc.activation_histogram_chart, histogram, deep_act, lo,
                                    hi, ui.chart_height(360)),
                     "Where each layer's outputs fall (256 random inputs × 32 units). "
                     "Bunching at the ends of the range means saturation: a flat slope.",
                     description=f"Heat map of where each of {depth} {deep_act} layers' "
                                 f"outputs fall between {lo:.3g} and {hi:.3g}, one row per "
                                 f"layer; at layer {depth}, {bn.end_bin_share(histogram):.0%} "
                                 "of the outputs are in the lowest or highest bin.")
        st.markdown(
            f"**{render.layer_ratio_sentence(first, last, depth)}** Why: the backward pass "
            "multiplies by the activation's slope at every layer; the sigmoid's slope is at "
            "most 0.25, so twenty layers can shrink the gradient by 0.25²⁰ ≈ 10⁻¹². ReLU's "
            "slope is 1 wherever it is active, so the slopes themselves shrink nothing: "
            "with weights scaled by √2 (He initialisation, the *ReLU keeps it* preset) "
            "layer 1's gradient stays within a few times the last layer's.")
        ui.formula(r"\begin{gathered}\delta^{l} = \left(W^{l+1}\right)^{T}\delta^{l+1} "
                   r"\odot \sigma'(z^{l}) \\ \sigma'(z) = \sigma(z)\,(1 - \sigma(z)) \le "
                   r"\tfrac14\end{gathered}",
                   "Each layer back multiplies the error by the weights and by the slope.")

ui.check_yourself(quiz.QUESTIONS)
ui.next_concept(URL)
