"""Altair chart builders shared by the lessons. Titles and axis names arrive translated."""

from __future__ import annotations

import hashlib
import json

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from ui import surfaces
from ui.numbers import number_expr

# Speed: channels are always given as objects (alt.X(...), never the "U:Q" shorthand string). Altair validates
# each shorthand against the whole Vega-Lite schema as it is built (about 5 ms a channel, every rerun), while
# channel objects skip that; the full spec is still validated once when Streamlit serialises it.

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


# What the Save menu offers: the kind (the file's extension and the ui.export function that draws it from the
# spec on screen), its label, its MIME type and its icon.
SAVE_FORMATS = (
    ("png", "common.save_png", "image/png", ":material/image:"),
    ("svg", "common.save_svg", "image/svg+xml", ":material/draw:"),
    ("csv", "common.save_csv", "text/csv", ":material/table:"),
)


def log_lines(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    x_title: str,
    y_title: str,
    color: str | None = None,
    color_title: str = "",
    log_y: bool = True,
    symlog_y: bool = False,
    height: int = 260,
    points: bool = False,
    integer_x: bool = False,
    y_domain: tuple[float, float] | None = None,
) -> alt.Chart:
    """Lines of ``y`` against ``x`` (log y by default, or symlog for values that change sign and size), one per
    value of ``color``; rows with y ≤ 0 are dropped on a log axis (the caller says so in prose where it matters)."""
    if log_y:
        df = df[df[y] > 0]
    enc = {
        "x": alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format="d", tickMinStep=1) if integer_x else alt.Undefined),
        "y": alt.Y(
            f"{y}:Q",
            title=y_title,
            scale=alt.Scale(
                type="log" if log_y else "symlog" if symlog_y else "linear",
                domain=list(y_domain) if y_domain else alt.Undefined,
            ),
        ),
        "tooltip": [alt.Tooltip(f"{x}:Q", title=x_title), alt.Tooltip("shown:N", title=y_title)],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color_title, scale=alt.Scale(range=list(PALETTE)))
        enc["tooltip"].append(alt.Tooltip(f"{color}:N", title=color_title))
    chart = alt.Chart(df).transform_calculate(shown=number_expr(f"datum['{y}']"))  # written as num() writes it
    return chart.mark_line(point=points, clip=True).encode(**enc).properties(height=height)


def path_overlay(path: pd.DataFrame, *, step_title: str, color: str = "series", color_title: str = "") -> alt.Chart:
    """Optimizer paths over a surface: ``U``, ``W``, ``step`` and ``series`` columns, points joined in step order."""
    return (
        alt.Chart(path)
        .mark_line(point=alt.OverlayMarkDef(size=18), clip=True, strokeWidth=1.6)
        .encode(
            x=alt.X("U:Q"),
            y=alt.Y("W:Q"),
            order=alt.Order("step:Q"),
            color=alt.Color(
                f"{color}:N",
                title=color_title,
                scale=alt.Scale(range=list(PALETTE)),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip(f"{color}:N", title=color_title),
                alt.Tooltip("step:Q", title=step_title),
                alt.Tooltip("U:Q", title="U", format=".4f"),
                alt.Tooltip("W:Q", title="W", format=".4f"),
            ],
        )
    )


def spec_cache(max_entries: int):
    """The one chart-spec cache: decorate a function of small, hashable arguments (the language first) that
    returns :func:`vega_lite` of a chart. The spec is built and validated once per distinct input and shared
    by every session (``st.cache_resource``: no copy per hit); :func:`show` never mutates it."""
    return st.cache_resource(max_entries=max_entries, show_spinner=False)


def show(spec: dict, where=st, name: str = "rnn-lab-chart", save: bool = True, url_data: dict | None = None, **kwargs):
    """Draw a cached spec (``where``: ``st``, a column or a container); returns the selection event, if any.

    Surfaces' images (:mod:`ui.surfaces`) are registered with this session's media files on every draw, so
    their URL stays valid for as long as the chart is on the page. With ``save``, a small "Save" menu under
    the chart offers the figure as PNG and SVG and its data as CSV (``name`` is the files' name), rendered only
    when clicked (:mod:`ui.export`). ``url_data`` maps the URL of each CSV the chart reads (served with
    :mod:`ui.media`) to its bytes, so that the saved files hold those rows too.
    """
    from ui import present

    shown = spec
    if IMAGES in spec or present.presenting():
        shown = dict(spec)  # a shallow copy: the cached spec is shared by every session
        for image in shown.pop(IMAGES, ()):
            surfaces.image_url(image.png, image.slot)
    if present.presenting():  # larger text for a projector, merged over the chart's own config
        config = dict(shown.get("config", {}))
        for part, sizes in present.PRESENT_CHART_CONFIG.items():
            config[part] = {**config.get(part, {}), **sizes}
        shown["config"] = config
        shown = _projector_text(shown, present.PRESENT_MIN_PX)
        # Streamlit's chart theme sets its own font sizes over a spec's config: the projector gets Vega's own look
        # with the larger sizes above.
        kwargs.setdefault("theme", None)
    event = where.vega_lite_chart(shown, **kwargs)
    if save:
        save_menu(spec, where, name, url_data, chart_key=kwargs.get("key"))
    return event


def _projector_text(view: dict, minimum: int) -> dict:
    """A chart's view (or a layer of it) whose own text sizes (a mark's or its title's ``fontSize``, which win over
    the config) are at least ``minimum``, and whose legends' own ``labelLimit`` is doubled (their names, about
    twice as large, stay whole); a copy where one changes, for the cached spec is shared."""
    changed = {}
    for part in ("mark", "title"):
        value = view.get(part)
        if isinstance(value, dict) and isinstance(value.get("fontSize"), int | float) and value["fontSize"] < minimum:
            changed[part] = {**value, "fontSize": minimum}
    encoding = view.get("encoding")
    if isinstance(encoding, dict):  # a legend's own label width, set for its usual size: as much wider as the text
        legends = {
            channel: {**spec, "legend": {**spec["legend"], "labelLimit": spec["legend"]["labelLimit"] * 2}}
            for channel, spec in encoding.items()
            if isinstance(spec, dict) and isinstance(spec.get("legend"), dict) and "labelLimit" in spec["legend"]
        }
        if legends:
            changed["encoding"] = {**encoding, **legends}
    for part in ("layer", "vconcat", "hconcat", "concat"):
        if isinstance(view.get(part), list):
            children = [_projector_text(child, minimum) for child in view[part]]
            if any(new is not old for new, old in zip(children, view[part], strict=True)):
                changed[part] = children
    return {**view, **changed} if changed else view


def data_table(spec: dict, url_data: dict | None = None, layer_title: str = "layer") -> pd.DataFrame:
    """The chart's data as one table, columns named as on the chart (what "show as table" shows): the very rows
    of the CSV the Save menu offers, read back."""
    import io

    from ui import export

    text = export.csv(spec, url_data, layer_title=layer_title)
    return pd.read_csv(io.StringIO(text)) if text else pd.DataFrame()


def save_menu(spec: dict, where, name: str, url_data: dict | None = None, chart_key: str | None = None) -> None:
    """PNG, SVG and CSV of one chart, each computed on the server only when its button is clicked, and a toggle
    that shows its data as a table under it (``chart_key``: the chart's own key, when it has one)."""
    from ui import export
    from ui.i18n import t

    # Keyed by the chart's name and key, not by its spec: a table a student opened stays open while the chart
    # changes under it (a spec rebuilt at each step would otherwise make a new, closed toggle every run). The
    # chart's key tells apart two drawings of one chart (a wide and a narrow layout).
    key = f"save.{name}" + (f".{chart_key}" if chart_key else "")
    layer_title = t("common.save_layer")  # read now: the files are made outside this run, on the click
    options = {"csv": {"layer_title": layer_title}}
    with where.popover(t("common.save_chart"), icon=":material/download:", type="tertiary"):
        as_table = st.toggle(t("common.show_table"), key=key + ".table", help=t("common.show_table_help"))
        st.caption(t("common.save_caption"))
        for kind, label_key, mime, icon in SAVE_FORMATS:
            st.download_button(
                t(label_key),
                lambda kind=kind: getattr(export, kind)(spec, url_data=url_data, **options.get(kind, {})),
                file_name=f"{name}.{kind}",
                mime=mime,
                on_click="ignore",
                key=f"{key}.{kind}",
                icon=icon,
            )
    if as_table:
        where.caption(spec.get("description", ""))
        where.dataframe(data_table(spec, url_data, layer_title), hide_index=True, height=300)


IMAGES = "_rnnlab_images"  # the key under which a spec carries its surfaces' images for show(); never sent


def vega_lite(chart: alt.TopLevelMixin, fixed_size: bool = False, images: tuple = ()) -> dict:
    """The chart as a Vega-Lite dict for ``st.vega_lite_chart``, its data frames carried as named datasets.

    Why: ``st.altair_chart`` converts and schema-validates the spec on every rerun (10–40 ms for a layered or
    stacked chart); a page caches this dict with ``st.cache_data`` keyed on the chart's small inputs, so a rerun
    only ships it. ``chart.to_dict()`` still validates the spec once, when it is built. Altair's default theme
    (a 300-pixel view) is dropped, as ``st.altair_chart`` drops it. With ``fixed_size`` the plot keeps its
    width and height and the axes and legends go around it (Streamlit would otherwise fit everything into the
    width, squeezing a square plot, which arrows need). ``images`` are the :class:`ui.surfaces.Image` the chart
    draws (see :func:`show`).
    """
    datasets = {}

    def name_data(node) -> None:  # every data frame becomes a reference to a named dataset
        if isinstance(getattr(node, "data", None), pd.DataFrame):
            # The browser keeps datasets by name across the whole page: name each by its content.
            content = pd.util.hash_pandas_object(node.data).to_numpy().tobytes() + str(list(node.data)).encode()
            name = "data_" + hashlib.blake2b(content, digest_size=12).hexdigest()
            datasets[name] = node.data
            node.data = alt.NamedData(name=name)
        for part in ("layer", "vconcat", "hconcat"):
            for child in getattr(node, part, None) or ():
                name_data(child)

    name_data(chart)
    spec = chart.to_dict()
    if spec.get("config", {}).get("view") == {"continuousWidth": 300, "continuousHeight": 300}:
        del spec["config"]["view"]
        if not spec["config"]:
            del spec["config"]
    if fixed_size:
        spec["autosize"] = {"type": "pad", "contains": "padding"}
    # Vega writes a text mark at 11 px unless told otherwise: 12 px, the least a phone shows (tests/test_browser.py).
    spec["config"] = {**spec.get("config", {}), "text": {"fontSize": 12, **spec.get("config", {}).get("text", {})}}
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}  # keep datasets Altair consolidated itself
    if images:  # the surfaces' PNGs (ui.surfaces.Image), for show() to register on every draw
        spec[IMAGES] = tuple(images)
    if '"sequence"' in json.dumps(spec.get("layer", []), default=str):
        # A clickable surface's grid is 10,000 marks generated in the browser: canvas draws them without
        # 10,000 SVG elements (Streamlit picks canvas only by the rows it sent, and sent none).
        spec.setdefault("usermeta", {})["embedOptions"] = {"renderer": "canvas"}
    spec["description"] = describe(spec)
    return spec


def describe(spec: dict) -> str:
    """A short text alternative computed from the chart's data: what it shows and each quantity's extremes
    (Vega puts it on the chart as its accessible name, for screen readers)."""
    from ui import export
    from ui.i18n import t
    from ui.numbers import num

    names = export.titles(spec)  # only quantities the chart names on an axis, legend or tooltip
    frames = [
        df.rename(columns=names)[[names[c] for c in df.columns if c in names]]
        for df in spec.get("datasets", {}).values()
        if isinstance(df, pd.DataFrame)
    ]
    frames += [image.cells() for image in spec.get(IMAGES, ())]  # a surface's grid, named as on the chart
    ranges = {}
    for df in frames:
        for position, title in enumerate(df.columns):  # two columns may share a title (a number and its label)
            values = pd.to_numeric(df.iloc[:, position], errors="coerce").to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            if values.size and title not in ranges:
                ranges[title] = (values.min(), values.max())
    parts = [t("common.chart_range", name=name, low=num(lo), high=num(hi)) for name, (lo, hi) in ranges.items()]
    return t("common.chart_alt", quantities=", ".join(ranges) or "—") + " " + "; ".join(parts[:6])
