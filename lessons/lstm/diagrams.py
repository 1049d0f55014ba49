"""Graphviz (DOT) picture of one LSTM cell with the live values in its labels. Only numbers and translated
labels go in; no user text."""

from __future__ import annotations

from ui.numbers import num

BLUE, ORANGE = (120, 178, 222), (240, 178, 122)  # light enough that black text stays readable


def fill(value: float) -> str:
    """A colour whose depth follows a value in [−1, 1]: white at 0, blue towards 1, orange towards −1.

    The σ gates lie in (0, 1), so they range from white to blue; the candidate a lies in (−1, 1), so it is
    shaded by its size, blue when positive and orange when negative.
    """
    v = min(max(value, -1.0), 1.0)
    white, tint = (255, 255, 255), BLUE if v >= 0 else ORANGE
    r, g, b = (round(w + (c - w) * abs(v)) for w, c in zip(white, tint, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def cell(v: dict, labels: dict[str, str], clamped: frozenset = frozenset()) -> str:
    """One cell: the inputs x_t and h_{t-1}, the four gates, the cell path c_{t-1} → c_t and the output h_t.

    Args:
        v: from :func:`rnn_core.lstm.cell_values`, plus ``x``, ``h_prev``, ``c_prev``.
        labels: translated names ``forget``, ``input``, ``candidate``, ``output``, ``set`` (shown on a clamped
            gate instead of its formula).
        clamped: gates whose value was set rather than computed.
    The cell path is drawn thicker the closer f is to 1: the "highway" that carries c forward.
    """

    def gate(g: str, name: str, fn: str) -> str:
        z, value = v[f"z_{g}"], v[g]
        body = f"{g} = {labels['set']}" if g in clamped else f"z = {num(z)}\\n{g} = {fn}(z)"
        return f'{g} [label="{name}\\n{body}\\n= {num(value)}", fillcolor="{fill(value)}"];'

    lines = [
        "digraph G {",
        "rankdir=LR; nodesep=0.22; ranksep=0.42; newrank=true;",
        'node [fontname="Helvetica", fontsize=12, shape=box, style="rounded,filled", fillcolor="#ffffff"];',
        'edge [fontname="Helvetica", fontsize=11, color="#555555"];',
        f'c0 [label="cₜ₋₁\\n{num(v["c_prev"])}", fillcolor="#e3f1df"];',
        f'inp [label="xₜ = {num(v["x"])}\\nhₜ₋₁ = {num(v["h_prev"])}", fillcolor="#ffe9a8"];',
        gate("f", labels["forget"], "σ"),
        gate("i", labels["input"], "σ"),
        gate("a", labels["candidate"], "tanh"),
        gate("o", labels["output"], "σ"),
        'mf [label="×", shape=circle, width=0.35, fixedsize=true];',
        'mi [label="×", shape=circle, width=0.35, fixedsize=true];',
        'add [label="+", shape=circle, width=0.35, fixedsize=true];',
        'tc [label="tanh", shape=ellipse];',
        'mo [label="×", shape=circle, width=0.35, fixedsize=true];',
        f'c1 [label="cₜ\\n{num(v["c"])}", fillcolor="#e3f1df", penwidth=2];',
        f'h1 [label="hₜ\\n{num(v["h"])}", fillcolor="#d6e8f7", penwidth=2];',
        "{rank=same; c0; inp;}",
        "{rank=same; f; i; a; o;}",
        "{rank=same; mf; mi; tc;}",
        # the cell path: thick when f is near 1
        f'c0 -> mf [penwidth={1 + 3 * min(max(v["f"], 0.0), 1.0):.2f}, color="#009E73"];',
        f'mf -> add [label="f·cₜ₋₁ = {num(v["kept"])}", penwidth={1 + 3 * min(max(v["f"], 0.0), 1.0):.2f}, '
        'color="#009E73"];',
        f'mi -> add [label="i·a = {num(v["written"])}"];',
        'add -> c1 [color="#009E73", penwidth=2];',
        "c1 -> tc;",
        f'tc -> mo [label="{num(v["tanh_c"])}"];',
        "mo -> h1;",
        "f -> mf; i -> mi; a -> mi; o -> mo;",
        'inp -> f [color="#E69F00"]; inp -> i [color="#E69F00"]; inp -> a [color="#E69F00"]; '
        'inp -> o [color="#E69F00"];',
        "}",
    ]
    return "\n".join(lines)
