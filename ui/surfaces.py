"""Heatmaps over two weights (cost surfaces) that cost little on the wire.

A 100 × 100 surface as Vega-Lite rows is about 700 KB, resent whenever anything drawn over it (a path, a marker)
changes, because Streamlit resends a chart as one message. So a surface is drawn as three layers instead:

1. the colours, as a small PNG served by Streamlit's media endpoint (``/media/<content hash>.png``): the chart
   spec carries only its URL, so moving a path over the surface resends a few hundred bytes of spec and the
   path, and the browser fetches each distinct image once over HTTP (and caches it);
2. a clickable grid of transparent cells generated *in the browser* by a Vega-Lite sequence (no rows are sent):
   a click selects the cell's indices ``i`` (along x) and ``j`` (along y), as the old per-cell charts did;
3. an invisible layer of two rows that makes Vega-Lite draw the colour legend for the same scale.

The image and the legend use one colour map (viridis, sampled at nine stops and interpolated in RGB by both
numpy and Vega), so a colour means the same number in the picture and in the legend.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import NamedTuple

import altair as alt
import numpy as np

from ui import media

# viridis sampled at 9 evenly spaced stops (R's viridis(9)); the PNG and Vega interpolate between them in RGB.
VIRIDIS = ("#440154", "#472D7B", "#3B528B", "#2C728E", "#21908C", "#27AD81", "#5DC863", "#AADC32", "#FDE725")
MISSING = (190, 190, 190)


class Image(NamedTuple):
    """A surface's colours as a PNG and the name of its place on the page (see :func:`image_url`), with the
    values it colours (for the chart's CSV download, :mod:`ui.export`)."""

    png: bytes
    slot: str
    values: np.ndarray  # (ny, nx), read-only
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    titles: tuple[str, str, str]  # x, y, value
    value_range: tuple[float, float] = (0.0, 1.0)  # the colour scale's ends

    def cells(self):
        """The values as rows of (cell centre x, cell centre y, value), named as on the chart."""
        import pandas as pd

        ny, nx = self.values.shape
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
        ys = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
        yy, xx = np.meshgrid(ys, xs, indexing="ij")
        x_title, y_title, value_title = self.titles
        return pd.DataFrame({x_title: xx.ravel(), y_title: yy.ravel(), value_title: self.values.ravel()})


class Heatmap(NamedTuple):
    """What :func:`heatmap` returns: the chart, and the image to pass to ``ui.charts.vega_lite(images=...)``."""

    chart: alt.LayerChart
    image: Image  # cells whose value is not finite (drawn grey; the caller says why in prose)


def cell_centres(lo: float, hi: float, cells: int) -> np.ndarray:
    """The centres of ``cells`` equal cells from ``lo`` to ``hi``: where a surface of that many cells an axis is
    computed, and what a click on cell ``i`` stands for. Returns (cells,)."""
    half = (hi - lo) / (2 * cells)
    return np.linspace(lo + half, hi - half, cells)


def colours(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """RGB colours of ``values`` on the viridis scale from ``lo`` to ``hi`` (clamped), as Vega draws them.

    Args:
        values: any shape. Returns: ``values.shape + (3,)`` uint8.
    """
    stops = np.array([[int(h[k : k + 2], 16) for k in (1, 3, 5)] for h in VIRIDIS], dtype=float)  # (9, 3)
    finite = np.isfinite(values)
    span = hi - lo if hi > lo else 1.0
    with np.errstate(invalid="ignore"):
        position = np.clip((np.where(finite, values, lo) - lo) / span, 0.0, 1.0) * (len(stops) - 1)
    left = np.minimum(np.floor(position).astype(int), len(stops) - 2)
    frac = (position - left)[..., None]
    rgb = stops[left] * (1 - frac) + stops[left + 1] * frac
    rgb[~finite] = MISSING
    return np.rint(rgb).astype(np.uint8)


def png(rgb: np.ndarray) -> bytes:
    """A PNG file of an ``(height, width, 3)`` uint8 image (row 0 at the top); zlib is all it needs."""
    height, width, _ = rgb.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, width * 3)], axis=1)  # filter 0

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
        + chunk(b"IEND", b"")
    )


def image_url(data: bytes, slot: str) -> str:
    """A URL the browser can fetch ``data`` (a PNG) from.

    Inside a running app, Streamlit's media endpoint serves it once per content at ``/media/<hash>.png`` for as
    long as a session shows it (``slot`` names the place on the page; see :mod:`ui.media`). Outside a server
    (AppTest, scripts) it is a data URL.
    """
    return media.url(data, "image/png", f"surface.{slot}") or (
        "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    )


def heatmap(
    values: np.ndarray,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    *,
    slot: str,
    x_title: str,
    y_title: str,
    value_title: str,
    value_range: tuple[float, float] | None = None,
    selection: str | None = None,
    size: int = 430,
) -> Heatmap:
    """A heatmap of ``values`` over a rectangle, optionally clickable cell by cell.

    Args:
        values: (ny, nx), row ``j`` at height ``y`` (row 0 at the bottom), column ``i`` along x.
        x_range, y_range: the outer edges of the grid (cells are equal).
        slot: a name for this surface's place on the page (see :func:`image_url`).
        value_range: the colour scale's ends; by default the finite values' extremes.
        selection: when given, the name of a point selection on the cell indices ``i``, ``j``.
    Returns:
        The layered chart on quantitative ``x``/``y`` axes (further layers, paths and markers, share them)
        and its image, which ``ui.charts.vega_lite(chart, images=(image,))`` carries for ``ui.charts.show``.
    """
    titles = (x_title, y_title, value_title)
    image = heatmap_image(values, x_range, y_range, slot=slot, titles=titles, value_range=value_range)
    fill = heatmap_fill(image)
    chart = heatmap_chart(fill, values.shape[::-1], selection=selection, size=size, titles=titles)
    return Heatmap(chart, image)


def heatmap_image(
    values: np.ndarray,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    *,
    slot: str,
    titles: tuple[str, str, str],
    value_range: tuple[float, float] | None = None,
) -> Image:
    """:func:`heatmap`'s image of ``values`` (arguments as there; ``titles``: x, y, value), with no chart."""
    finite = values[np.isfinite(values)]
    lo, hi = value_range or ((float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0))
    if hi <= lo:
        hi = lo + 1.0
    kept = np.array(values, dtype=float)
    kept.setflags(write=False)
    png_bytes = png(colours(values[::-1], lo, hi))  # image rows: top first
    return Image(png_bytes, slot, kept, tuple(x_range), tuple(y_range), titles, (lo, hi))


def heatmap_fill(image: Image) -> dict:
    """What a heatmap's chart holds of its image: the picture's row (its URL, registered for this session), the two
    rows that carry the colour legend, the colour scale's stops and the rectangle's edges. A template's draw
    (``ui.charts.drawn``) puts these in its shape (:func:`heatmap_chart` with no fill)."""
    (x0, x1), (y0, y1), (lo, hi) = image.x_range, image.y_range, image.value_range
    return {
        "picture": [
            {"url": image_url(image.png, image.slot), "slot": image.slot, "x": x0, "x2": x1, "y": y1, "y2": y0}
        ],
        "legend": [{"v": lo, "x": x0, "y": y0}, {"v": hi, "x": x0, "y": y0}],
        **{f"stop{k}": stop for k, stop in enumerate(np.linspace(lo, hi, len(VIRIDIS)).tolist())},
        **{"x0": x0, "x1": x1, "y0": y0, "y1": y1},
    }


def heatmap_chart(
    fill: dict | None,
    cells: tuple[int, int],
    *,
    titles: tuple[str, str, str],
    selection: str | None = None,
    size: int = 430,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    fit_width: bool = False,
) -> alt.LayerChart:
    """:func:`heatmap`'s chart of :func:`heatmap_fill`'s values; with ``fill`` None, a template's shape whose
    values are placeholders (``ui.charts.place``) that ``ui.charts.drawn`` puts in, so that one shape serves every
    surface of the same rectangle (``x_range``, ``y_range``: given then, as a clickable grid needs), grid
    (``cells``: nx, ny) and titles. ``size`` in pixels, square; with ``fit_width``, its height only (the width is
    its container's)."""
    from ui import charts  # ui.charts draws surfaces' images: it imports this module

    x_title, y_title, value_title = titles
    edges = [charts.place(fill, key) for key in ("x0", "x1", "y0", "y1")] if x_range is None else [*x_range, *y_range]
    (x0, x1, y0, y1) = edges
    x_scale = alt.Scale(domain=[x0, x1], nice=False, zero=False)
    y_scale = alt.Scale(domain=[y0, y1], nice=False, zero=False)
    x_axis, y_axis = alt.X("x:Q", title=x_title, scale=x_scale), alt.Y("y:Q", title=y_title, scale=y_scale)
    picture = (
        alt.Chart(alt.Data(values=charts.place(fill, "picture")))
        .mark_image(
            aspect=False,
            smooth=False,
        )
        .encode(x=x_axis, x2=alt.X2("x2:Q"), y=y_axis, y2=alt.Y2("y2:Q"), url=alt.Url("url:N"))
    )
    stops = [charts.place(fill, f"stop{k}") for k in range(len(VIRIDIS))]
    legend = (
        alt.Chart(alt.Data(values=charts.place(fill, "legend")))
        .mark_point(
            opacity=0,
            size=0,
        )
        .encode(
            x=x_axis,
            y=y_axis,
            color=alt.Color(
                "v:Q", title=value_title, scale=alt.Scale(domain=stops, range=list(VIRIDIS), interpolate="rgb")
            ),
        )
    )
    layers = [picture, legend]
    if selection:
        grid = click_grid((x0, x1), (y0, y1), *cells, x_axis, y_axis, (x_title, y_title), selection)
        layers.append(grid)
    chart = alt.layer(*layers)
    return chart.properties(height=size) if fit_width else chart.properties(width=size, height=size)


def click_grid(
    xs: tuple[float, float], ys: tuple[float, float], nx: int, ny: int, x_axis, y_axis, titles: tuple, selection: str
) -> alt.Chart:
    """An invisible ``nx`` × ``ny`` grid of cells over ``xs`` × ``ys``, generated in the browser (no rows sent),
    whose click selects a cell (``selection``: its ``i``, ``j``) and whose tooltip gives the cell's centre, named
    by ``titles`` (x, y) and rounded to two decimals."""
    (x0, x1), (y0, y1) = xs, ys
    dx, dy = (x1 - x0) / nx, (y1 - y0) / ny
    grid = alt.Chart(alt.SequenceGenerator(sequence=alt.SequenceParams(start=0, stop=nx * ny, **{"as": "n"})))
    return (
        grid.transform_calculate(
            i=f"datum.n % {nx}",
            j=f"floor(datum.n / {nx})",
        )
        .transform_calculate(
            x=f"{x0} + datum.i * {dx}",
            x2=f"{x0} + (datum.i + 1) * {dx}",
            y=f"{y0} + datum.j * {dy}",
            y2=f"{y0} + (datum.j + 1) * {dy}",
            cx=f"round(100 * ({x0} + (datum.i + 0.5) * {dx})) / 100",
            cy=f"round(100 * ({y0} + (datum.j + 0.5) * {dy})) / 100",
        )
        .mark_rect(opacity=0.001, color="black")
        .encode(
            x=x_axis,
            x2=alt.X2("x2:Q"),
            y=y_axis,
            y2=alt.Y2("y2:Q"),
            tooltip=[alt.Tooltip("cx:Q", title=titles[0]), alt.Tooltip("cy:Q", title=titles[1])],
        )
        .add_params(alt.selection_point(name=selection, fields=["i", "j"], on="click", clear=False))
    )
