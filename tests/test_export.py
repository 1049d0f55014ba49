"""ui.export: a chart leaves the app as PNG and SVG drawn from the spec the page shows, and as CSV of its data."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

from rnn_core import counting
from ui import charts, export, surfaces


def surface_spec(value_title: str = "log₁₀(ξ + 1)", x_title: str = "U") -> dict:
    centres = np.linspace(-2.97, 2.97, 100)
    X, targets = counting.book_dataset()
    with np.errstate(over="ignore"):
        values = np.minimum(np.log10(counting.cost_surface(X, targets, centres, centres) + 1.0), 30.0)
    heat = surfaces.heatmap(
        values, (-3, 3), (-3, 3), slot="test", x_title=x_title, y_title="W", value_title=value_title, selection="cell"
    )
    path = pd.DataFrame({"U": [-2.0, 0.0, 1.0], "W": [0.0, 0.5, 1.0], "step": [0, 1, 2], "series": "descent"})
    chart = heat.chart + charts.path_overlay(path, step_title="iteration")
    return charts.vega_lite(chart, fixed_size=True, images=(heat.image,)), values


def test_the_standalone_spec_drops_what_only_the_screen_needs_and_inlines_the_surface():
    spec, _ = surface_spec()
    out = export.standalone(spec)
    text = export.json_spec(spec)
    assert "sequence" not in text  # the clickable grid is gone
    assert "params" not in out and "usermeta" not in out and "_rnnlab_images" not in out
    assert "data:image/png;base64," in text  # the surface travels inside the file
    assert all(isinstance(rows, list) for rows in out["datasets"].values())


def test_png_and_svg_are_drawn_from_the_spec_in_the_pages_language():
    spec, _ = surface_spec(value_title="로그 비용", x_title="입력 가중치 U")
    png = export.png(spec)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width >= 2 * 430  # scale 2 of a 430-pixel plot, plus axes and legend
    svg = export.svg(spec)
    assert svg.lstrip().startswith("<svg") and "입력 가중치 U" in svg and "로그 비용" in svg
    assert svg.count("<path") < 200  # no 10,000-cell grid in the file


def test_every_text_of_a_saved_figure_is_set_in_one_font_with_korean_glyphs():
    spec, _ = surface_spec(value_title="로그 비용", x_title="입력 가중치 U")
    svg = export.svg(spec)
    families = set(re.findall(r'font-family="([^"]*)"', svg))
    assert families == {export.FONT}, families
    assert "font" not in spec.get("config", {})  # the cached spec the page shows is left as it was


def test_csv_names_columns_as_on_the_chart_and_includes_the_surface():
    spec, values = surface_spec()
    table = pd.read_csv(io.StringIO(export.csv(spec)))
    assert {"U", "W", "iteration", "log₁₀(ξ + 1)", "layer"} <= set(table.columns)
    grid = table[table["log₁₀(ξ + 1)"].notna()]
    assert len(grid) == values.size
    # the cell at U = -2.97, W = -2.97 holds the surface's first value
    first = grid[(grid["U"].round(2) == -2.97) & (grid["W"].round(2) == -2.97)]
    assert np.isclose(first["log₁₀(ξ + 1)"].iloc[0], values[0, 0])
    path = table[table["iteration"].notna()]
    assert path["iteration"].tolist() == [0, 1, 2]


def test_a_chart_without_a_surface_exports_its_rows():
    df = pd.DataFrame({"step": [0, 1, 2], "cost": [10.0, 1.0, float("inf")]})
    spec = charts.vega_lite(charts.log_lines(df, "step", "cost", x_title="iteration", y_title="cost ξ", log_y=False))
    table = pd.read_csv(io.StringIO(export.csv(spec)))
    assert list(table.columns) == ["iteration", "cost ξ"]
    assert export.standalone(spec)["datasets"]  # non-finite values become nulls, so the JSON is valid
    assert export.png(spec)[:4] == b"\x89PNG"


def test_rows_a_chart_reads_from_a_served_csv_are_inlined_in_the_files():
    rows = pd.DataFrame({"step": [0, 1, 2], "cost": [3.0, 2.0, 1.0]})
    data = rows.to_csv(index=False).encode()
    chart = (
        charts.alt.Chart(charts.alt.UrlData(url="/media/abc.csv", format={"type": "csv"}))
        .mark_line()
        .encode(x=charts.alt.X("step:Q", title="iteration"), y=charts.alt.Y("cost:Q", title="cost ξ"))
    )
    spec = charts.vega_lite(chart)
    out = export.standalone(spec, {"/media/abc.csv": data})
    assert out["data"] == {"values": rows.to_dict(orient="records")}
    table = pd.read_csv(io.StringIO(export.csv(spec, {"/media/abc.csv": data})))
    assert list(table.columns) == ["iteration", "cost ξ"] and len(table) == 3
    assert export.png(spec, url_data={"/media/abc.csv": data})[:4] == b"\x89PNG"


def test_layers_whose_columns_share_a_title_give_one_table_aligned_by_name():
    """The optimizers lesson's charts that raised "Reindexing only valid with uniquely valued Index objects": a
    layer whose tooltip writes a number as text under the number's title (``u`` and ``u_shown`` both "U"), and
    layers that draw different columns, one of them from a CSV the browser reads by URL."""
    markers = pd.DataFrame({"U": [1.0, -2.0], "W": [1.0, 0.5], "label": ["optimum", "start"]})
    markers = markers.assign(u_shown=["1", "−2"], w_shown=["1", "0.5"])
    rules = pd.DataFrame({"label": ["threshold"], "value": [5.0], "value_shown": ["5"]})
    path = pd.DataFrame({"r": ["gd", "gd"], "s": [0, 1], "u": [-2.0, -1.5], "w": [0.5, 0.7]})
    url = "/media/race.csv"
    point = (
        charts.alt.Chart(markers)
        .mark_point()
        .encode(
            x=charts.alt.X("U:Q", title="U"),
            y=charts.alt.Y("W:Q", title="W"),
            tooltip=[
                charts.alt.Tooltip("label:N", title="point"),
                charts.alt.Tooltip("u_shown:N", title="U"),
                charts.alt.Tooltip("w_shown:N", title="W"),
            ],
        )
    )
    line = (
        charts.alt.Chart(charts.alt.UrlData(url=url, format={"type": "csv"}))
        .mark_line()
        .encode(
            x=charts.alt.X("u:Q"),
            y=charts.alt.Y("w:Q"),
            tooltip=[
                charts.alt.Tooltip("s:Q", title="iteration"),
                charts.alt.Tooltip("u:Q", title="U"),
                charts.alt.Tooltip("w:Q", title="W"),
            ],
        )
    )
    rule = (
        charts.alt.Chart(rules)
        .mark_rule()
        .encode(
            y=charts.alt.Y("value:Q"),
            tooltip=[charts.alt.Tooltip("label:N", title="‖g‖"), charts.alt.Tooltip("value_shown:N", title="‖g‖")],
        )
    )
    spec = charts.vega_lite(charts.alt.layer(point, line, rule))
    url_data = {url: path.to_csv(index=False).encode()}
    text = export.csv(spec, url_data, layer_title="레이어")
    header = text.splitlines()[0].split(",")
    assert header == ["레이어", "U", "W", "point", "r", "iteration", "‖g‖ (label)", "‖g‖"]  # each name once
    table = pd.read_csv(io.StringIO(text))
    assert table["레이어"].tolist() == [1, 1, 2, 2, 3]
    assert table["U"].iloc[:4].tolist() == [1.0, -2.0, -2.0, -1.5] and table["U"].iloc[4:].isna().all()
    assert table["iteration"].iloc[2:4].tolist() == [0, 1] and table["‖g‖"].iloc[4] == 5.0
    assert table["‖g‖ (label)"].iloc[4] == "threshold"
    assert list(charts.data_table(spec, url_data, "layer").columns) == ["layer", *header[1:]]  # what the page shows


def test_one_column_titled_twice_by_its_own_layer_is_one_column():
    """A line whose y is a number and whose tooltip shows it as text under the same title (the Rprop step sizes)."""
    df = pd.DataFrame({"step": [0, 1], "value": [0.1, 0.12], "series": "Rprop−", "value_shown": ["0.1", "0.12"]})
    chart = (
        charts.alt.Chart(df)
        .mark_line()
        .encode(
            x=charts.alt.X("step:Q", title="iteration"),
            y=charts.alt.Y("value:Q", title="step size Δ"),
            color=charts.alt.Color("series:N", title="variant"),
            tooltip=[charts.alt.Tooltip("value_shown:N", title="step size Δ")],
        )
    )
    table = pd.read_csv(io.StringIO(export.csv(charts.vega_lite(chart))))
    assert list(table.columns) == ["iteration", "step size Δ", "variant"]
    assert table["step size Δ"].tolist() == [0.1, 0.12]


def test_a_table_only_looked_up_in_is_not_stacked_but_gives_the_rows_the_names_the_chart_shows():
    """The race's rows carry a runner's id; the chart looks its shown name up. Two layers read one data set: once."""
    rows = pd.DataFrame({"r": ["a", "b"], "y": [1.0, 2.0]})
    names = charts.alt.Data(values=[{"r": "a", "name": "Adam"}, {"r": "b", "name": "both"}])
    base = charts.alt.Chart(rows).transform_lookup(
        lookup="r", from_=charts.alt.LookupData(data=names, key="r", fields=["name"])
    )
    chart = base.mark_line().encode(y=charts.alt.Y("y:Q", title="cost")) + base.mark_point().encode(
        y=charts.alt.Y("y:Q"), color=charts.alt.Color("name:N", title="optimizer")
    )
    table = pd.read_csv(io.StringIO(export.csv(charts.vega_lite(chart))))
    assert list(table.columns) == ["r", "cost", "optimizer"]
    assert table["optimizer"].tolist() == ["Adam", "both"] and table["cost"].tolist() == [1.0, 2.0]
