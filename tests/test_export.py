"""ui.export: a chart leaves the app as PNG and SVG drawn from the spec the page shows, and as CSV of its data."""

from __future__ import annotations

import io

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
