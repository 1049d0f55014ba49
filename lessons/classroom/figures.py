"""The Class page's chart: how a class's wrong answers to one exercise spread over what went wrong."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui import charts


@charts.spec_cache(max_entries=64)
def mistakes_chart(counts: tuple[tuple[str, int], ...], x_title: str, y_title: str) -> dict:
    """One horizontal bar per kind of mistake (``counts``: translated label, students), in the order given, so the
    most common is on top; the count is written at the end of each bar, readable from the back of a room."""
    df = pd.DataFrame(counts, columns=["mistake", "students"])
    order = [label for label, _ in counts]
    # No y title: the bars' labels say what each is, and a rotated title reads badly in Korean; the tooltip names it.
    y = alt.Y("mistake:N", title=None, sort=order, axis=alt.Axis(labelLimit=320))
    # Room past the longest bar for its count, so the number is never cut at the plot's edge.
    top = max((n for _, n in counts), default=1) * 1.15
    x = alt.X(
        "students:Q",
        title=x_title,
        scale=alt.Scale(domain=[0, top], nice=False),
        axis=alt.Axis(format="d", tickMinStep=1),
    )
    bars = (
        alt.Chart(df)
        .mark_bar(color=charts.PALETTE[0])
        .encode(
            x=x,
            y=y,
            tooltip=[alt.Tooltip("mistake:N", title=y_title), alt.Tooltip("students:Q", title=x_title)],
        )
    )
    labels = bars.mark_text(align="left", dx=4).encode(text=alt.Text("students:Q"))
    return charts.vega_lite((bars + labels).properties(height=alt.Step(28)))
