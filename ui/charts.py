"""Altair chart builders shared by the lessons. Titles and axis names arrive translated."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import json
import re

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from altair.utils import schemapi

from ui import surfaces
from ui.lru import SharedLRU
from ui.numbers import number_expr

# Speed: channels are always given as objects (alt.X(...), never the "U:Q" shorthand string). Altair validates
# each shorthand against the whole Vega-Lite schema as it is built (about 5 ms a channel, every rerun), while
# channel objects skip that; the full spec is still validated once when Streamlit serialises it.

# Altair checks every object against the schema as it is made (its "debug mode"), a third of building a chart. A
# spec is checked whole the first time its shape is seen (_validate_once), which catches the same mistakes: the
# per-object checks are switched off for the process (Altair's own switch, set once at import, never per session).
schemapi.disable_debug_mode()

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
    by every session (no copy per hit); :func:`show` never mutates it.

    Arguments that are only strings, numbers, booleans, None and tuples of them are keyed by their ``repr``
    (exact for these: floats print in full, and -0.0 is not 0.0); any other argument (an array, a model) goes
    through ``st.cache_resource``'s own hashing. Why: Streamlit's hasher walks a nested tuple object by object, about
    1 ms for the race's settings, and a move of the optimizers lesson looked three such specs up (7 % of it)."""

    def wrap(fn):
        slow = st.cache_resource(max_entries=max_entries, show_spinner=False)(fn)
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def cached(*args):
            key = repr(args) if _plain(args) else None
            if key is None:
                return slow(*args)
            return _spec_store(name, max_entries).get_or_make(key, lambda: fn(*args))

        def clear() -> None:
            _spec_store(name, max_entries).clear()
            slow.clear()

        cached.clear = clear
        return cached

    return wrap


_PLAIN = (str, int, float, bool, type(None))


def _plain(value) -> bool:
    """Whether ``value`` is made only of str, int, float, bool, None and tuples of them (its repr is then a faithful
    key: no numpy scalar, whose repr may not say its type's precision, nor an object's default repr)."""
    if type(value) is tuple:
        return all(_plain(v) for v in value)
    return type(value) in _PLAIN


@st.cache_resource(show_spinner=False)
def _spec_store(name: str, max_entries: int) -> SharedLRU:
    """The specs of one :func:`spec_cache` function, by their arguments' ``repr``, shared by every session (cleared
    with ``st.cache_resource.clear()``, as the specs Streamlit keeps)."""
    return SharedLRU(max_entries)


def show(spec: dict, where=st, name: str = "rnn-lab-chart", save: bool = True, url_data: dict | None = None, **kwargs):
    """Draw a cached spec (``where``: ``st``, a column or a container); returns the selection event, if any.

    Surfaces' images (:mod:`ui.surfaces`) are registered with this session's media files on every draw, so
    their URL stays valid for as long as the chart is on the page. With ``save``, a small "Save" menu under
    the chart offers the figure as PNG and SVG and its data as CSV (``name`` is the files' name), rendered only
    when clicked (:mod:`ui.export`). ``url_data`` maps the URL of each CSV the chart reads (served with
    :mod:`ui.media`) to its bytes, so that the saved files hold those rows too.
    """
    from ui import present

    shown = dict(spec)  # a shallow copy: the cached spec is shared by every session
    # Each data set travels as Arrow bytes, made once per content (its name) in the process: converting frames was
    # about a fifth of a lesson's first view, and every session draws the same rows at the same setting.
    # Only names made by _dataset_name say their content; a fixed name (a stepping chart's rows) is converted each time.
    shown["datasets"] = {
        name: (_arrow(name, _rows=rows) if CONTENT_NAME.fullmatch(name) else rows)
        if isinstance(rows, pd.DataFrame)
        else rows
        for name, rows in spec.get("datasets", {}).items()
    }
    if not shown["datasets"]:
        del shown["datasets"]
    if IMAGES in spec or present.presenting():
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


@st.cache_resource(max_entries=512, show_spinner=False)
def _arrow(name: str, _rows: pd.DataFrame) -> bytes:
    """The Arrow IPC bytes Streamlit would make of a data set (``name`` is its content: :func:`_dataset_name`)."""
    from streamlit import dataframe_util

    return dataframe_util.convert_anything_to_arrow_bytes(_rows)


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


def save_menu(spec, where, name: str, url_data: dict | None = None, chart_key: str | None = None) -> None:
    """PNG, SVG and CSV of one chart, each computed on the server only when its button is clicked, and a toggle
    that shows its data as a table under it (``chart_key``: the chart's own key, when it has one). ``spec`` is the
    chart's spec, or a function that makes it, for a figure saved but not drawn as such (it is then made only
    on a click).

    The three buttons are drawn only while the menu is open (opening it reruns the chart's section): a page has a
    dozen charts, and their buttons, each with its deferred file, were a tenth of a lesson's first view on the
    server (py-spy, forty students opening the optimizers lesson at once). The toggle is drawn either way, so a
    table a student opened stays under its chart after the menu closes."""
    from ui import export
    from ui.i18n import t

    # Keyed by the chart's name and key, not by its spec: a table a student opened stays open while the chart
    # changes under it (a spec rebuilt at each step would otherwise make a new, closed toggle every run). The
    # chart's key tells apart two drawings of one chart (a wide and a narrow layout).
    key = f"save.{name}" + (f".{chart_key}" if chart_key else "")
    menu = where.popover(
        t("common.save_chart"), icon=":material/download:", type="tertiary", key=key + ".menu", on_change="rerun"
    )
    with menu:
        as_table = st.toggle(t("common.show_table"), key=key + ".table", help=t("common.show_table_help"))
        if menu.open:
            layer_title = t("common.save_layer")  # read now: the files are made outside this run, on the click
            options = {"csv": {"layer_title": layer_title}}
            st.caption(t("common.save_caption"))
            for kind, label_key, mime, icon in SAVE_FORMATS:
                st.download_button(
                    t(label_key),
                    lambda kind=kind: getattr(export, kind)(made(spec), url_data=url_data, **options.get(kind, {})),
                    file_name=f"{name}.{kind}",
                    mime=mime,
                    on_click="ignore",
                    key=f"{key}.{kind}",
                    icon=icon,
                )
    if as_table:
        where.caption(made(spec).get("description", ""))
        where.dataframe(data_table(made(spec), url_data, t("common.save_layer")), hide_index=True, height=300)


def made(spec) -> dict:
    """A spec, or the spec a function makes (see :func:`save_menu`)."""
    return spec() if callable(spec) else spec


IMAGES = "_rnnlab_images"  # the key under which a spec carries its surfaces' images for show(); never sent
SLOT = "rnnlab_slot_"  # how a template names the places its rows go (see slot())
CONTENT_NAME = re.compile(r"data_[0-9a-f]{24}")  # a data set's name that is its content's hash (_dataset_name)


def _dataset_name(df: pd.DataFrame) -> str:
    # The browser keeps datasets by name across the whole page, and _arrow keeps each name's Arrow bytes: name
    # each by all that goes into them (its columns' names, types and values, its index's kind, names and values).
    # Read straight from the arrays: pandas' hash_pandas_object made a Series per column and was an eighth of an
    # optimizers move's CPU under a class's load (py-spy).
    header = [*df.columns, df.columns.names, type(df.index).__name__, df.index.names, len(df)]
    digest = hashlib.blake2b(repr(header).encode(), digest_size=12)
    for values in (df.index.to_numpy(), *_columns(df)):
        digest.update(_content_bytes(values))
    return "data_" + digest.hexdigest()


def _columns(df: pd.DataFrame) -> list:
    """The frame's columns as arrays, without a Series each (``df[name]`` costs 15 times more)."""
    try:
        return [df._get_column_array(i) for i in range(df.shape[1])]
    except AttributeError:  # a pandas without this (2.x has it): the public, slower way
        return [df.iloc[:, i].to_numpy() for i in range(df.shape[1])]


def _content_bytes(values) -> bytes:
    """An array's type and values as bytes: numbers as they are in memory, anything else (text) by its repr. A
    pandas type by its repr, which holds what its name does not (a categorical's categories and their order)."""
    kind = (str(values.dtype) if isinstance(values.dtype, np.dtype) else repr(values.dtype)).encode() + b"\0"
    if isinstance(values, np.ndarray) and values.dtype.kind in "biufcmM":
        return kind + np.ascontiguousarray(values).tobytes()
    return kind + repr(values.tolist()).encode()


def _finish(spec: dict, fixed_size: bool) -> dict:
    """What every spec gets whatever its data: Altair's default 300-pixel view dropped (as ``st.altair_chart``
    drops it), a fixed size where asked, text marks at 12 px, and canvas for a clickable surface's grid."""
    if spec.get("config", {}).get("view") == {"continuousWidth": 300, "continuousHeight": 300}:
        del spec["config"]["view"]
        if not spec["config"]:
            del spec["config"]
    if fixed_size:
        spec["autosize"] = {"type": "pad", "contains": "padding"}
    # Vega writes a text mark at 11 px unless told otherwise: 12 px, the least a phone shows (tests/test_browser.py).
    spec["config"] = {**spec.get("config", {}), "text": {"fontSize": 12, **spec.get("config", {}).get("text", {})}}
    if '"sequence"' in json.dumps(spec.get("layer", []), default=str):
        # A clickable surface's grid is 10,000 marks generated in the browser: canvas draws them without
        # 10,000 SVG elements (Streamlit picks canvas only by the rows it sent, and sent none).
        spec.setdefault("usermeta", {})["embedOptions"] = {"renderer": "canvas"}
    return spec


def _references(node, path=()):
    """``(path, name)`` of every reference to a named dataset in a spec (``{"name": ...}`` under ``data``)."""
    if isinstance(node, dict):
        data = node.get("data")
        if isinstance(data, dict) and set(data) == {"name"}:
            yield (*path, "data"), data["name"]
        for key, value in node.items():
            if key not in ("data", "datasets"):
                yield from _references(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _references(value, (*path, i))


def _replaced(node, path: tuple, value):
    """A copy of ``node`` with ``value`` at ``path``: only the dicts and lists along the path are copied (the rest
    is shared with the cached spec, which is never mutated)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[head] = _replaced(node[head], rest, value)
    return copy


def _validate_once(chart: alt.TopLevelMixin, spec: dict) -> None:
    """Validate a chart against the Vega-Lite schema the first time its shape is seen in this process.

    Why: validation is most of building a spec (jsonschema walks the whole schema), and a student's move changes
    the data, rarely the shape. The shape is the spec with its datasets' names replaced by their places."""
    shape = json.dumps(spec, sort_keys=True, default=str).encode()
    _validated(hashlib.blake2b(shape, digest_size=16).hexdigest(), _chart=chart)


@st.cache_resource(max_entries=2048, show_spinner=False)
def _validated(shape: str, _chart: alt.TopLevelMixin) -> bool:
    _chart.to_dict(validate=True)  # raises on a spec Vega-Lite would reject, as st.altair_chart does
    return True


def vega_lite(chart: alt.TopLevelMixin, fixed_size: bool = False, images: tuple = ()) -> dict:
    """The chart as a Vega-Lite dict for ``st.vega_lite_chart``, its data frames carried as named datasets.

    Why: ``st.altair_chart`` converts and schema-validates the spec on every rerun (10–40 ms for a layered or
    stacked chart); a page caches this dict with ``st.cache_data`` keyed on the chart's small inputs, so a rerun
    only ships it. The spec is validated once per shape (see :func:`_validate_once`). Altair's default theme
    (a 300-pixel view) is dropped, as ``st.altair_chart`` drops it. With ``fixed_size`` the plot keeps its
    width and height and the axes and legends go around it (Streamlit would otherwise fit everything into the
    width, squeezing a square plot, which arrows need). ``images`` are the :class:`ui.surfaces.Image` the chart
    draws (see :func:`show`). A chart drawn again and again with new rows is better made a :func:`template`.
    """
    frames: list[pd.DataFrame] = []

    def name_data(node) -> None:  # every data frame becomes a reference to a named dataset, by place for now
        if isinstance(getattr(node, "data", None), pd.DataFrame):
            frames.append(node.data)
            node.data = alt.NamedData(name=f"{SLOT}{len(frames) - 1}")
        for part in ("layer", "vconcat", "hconcat", "concat"):
            for child in getattr(node, part, None) or ():
                name_data(child)

    name_data(chart)
    spec = chart.to_dict(validate=False)
    _validate_once(chart, spec)
    spec = _finish(spec, fixed_size)
    named = {f"{SLOT}{i}": _dataset_name(df) for i, df in enumerate(frames)}
    for path, name in list(_references(spec)):
        if name in named:
            spec = _replaced(spec, path, {"name": named[name]})
    datasets = {named[f"{SLOT}{i}"]: df for i, df in enumerate(frames)}
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}  # keep datasets Altair consolidated itself
    if images:  # the surfaces' PNGs (ui.surfaces.Image), for show() to register on every draw
        spec[IMAGES] = tuple(images)
    spec["description"] = describe(spec)
    return spec


def slot(name: str) -> alt.NamedData:
    """Where a :func:`template`'s rows go: ``alt.Chart(charts.slot("lanes"))``; :func:`filled` puts them there."""
    return alt.NamedData(name=SLOT + name)


@dataclasses.dataclass(frozen=True)
class Template:
    """A chart's validated spec without its rows: ``slots`` are the places rows go (``(path, slot name)``),
    ``titles`` the quantities it names (for its text alternative)."""

    spec: dict
    slots: tuple[tuple[tuple, str], ...]
    titles: dict


def template(max_entries: int, fixed_size: bool = False):
    """Decorate a function of the language and the few choices that decide a chart's *shape* (its marks,
    encodings, titles), which returns an Altair chart reading its rows from :func:`slot` places; the spec is
    built and validated once per distinct input in the process and shared by every session. Each draw then only
    puts the rows in (:func:`filled`): no Altair object and no schema validation on a student's move. Values
    that move with a control (a rule's position, a threshold) travel as rows too, never as constants."""

    def decorate(builder):
        @st.cache_resource(max_entries=max_entries, show_spinner=False)
        @functools.wraps(builder)
        def cached(*args, **kwargs) -> Template:
            from ui import export

            chart = builder(*args, **kwargs)
            spec = _finish(chart.to_dict(), fixed_size)  # validated: once per shape
            slots = tuple((path, name[len(SLOT) :]) for path, name in _references(spec) if name.startswith(SLOT))
            return Template(spec, slots, export.titles(spec))

        return cached

    return decorate


def filled(shape: Template, rows: dict[str, pd.DataFrame], images: tuple = ()) -> dict:
    """The template's spec with its rows (``{slot name: data frame}``, every slot filled), as :func:`vega_lite`
    gives it: each data set named by its content, and a text alternative computed from the rows."""
    missing = {name for _, name in shape.slots} - set(rows)
    if missing:
        raise KeyError(f"rows missing for slots {sorted(missing)}")
    named = {name: _dataset_name(df) for name, df in rows.items()}
    spec = shape.spec
    for path, name in shape.slots:
        spec = _replaced(spec, path, {"name": named[name]})
    spec = dict(spec)  # top level: its own datasets, images and description
    spec["datasets"] = {**spec.get("datasets", {}), **{named[name]: df for name, df in rows.items()}}
    if images:
        spec[IMAGES] = tuple(images)
    spec["description"] = describe(spec, shape.titles)
    return spec


PLACE = "rnnlab_place_"  # how a template marks a value it holds in its spec, put in at each draw (see place())
_ALTAIR_API = importlib.import_module(alt.Chart.__module__)  # its _dataset_name: how Altair names inline data


def place(fill: dict | None, name: str):
    """A value that moves with the page's settings and sits in a chart's spec, not in its rows (a URL, an axis's
    end, a colour scale's stops, inline rows): ``fill[name]``, or with ``fill`` None (building a
    :func:`template`) a placeholder that :func:`drawn` replaces."""
    return PLACE + name if fill is None else fill[name]


def placed(spec: dict, values: dict) -> dict:
    """``spec`` with every :func:`place` placeholder replaced by its value: in place where it stands (a URL, a
    scale's end), and an inline data set (which Altair moves to the spec's ``datasets``, named by its content)
    under the name Altair gives its real rows. Copies what it changes: the template's spec is shared."""
    datasets, renamed = {}, {}
    for name, data in spec.get("datasets", {}).items():
        if isinstance(data, str) and data.startswith(PLACE):
            data = values[data[len(PLACE) :]]
            renamed[name] = _ALTAIR_API._dataset_name(data)
            name = renamed[name]
        datasets[name] = data

    def put(node):
        if isinstance(node, str):
            return values[node[len(PLACE) :]] if node.startswith(PLACE) else node
        if isinstance(node, dict):
            if len(node) == 1 and node.get("name") in renamed:
                return {"name": renamed[node["name"]]}
            return {key: put(value) for key, value in node.items()}
        if isinstance(node, list):
            return [put(value) for value in node]
        return node

    # The data sets were read above: walking their rows again would copy them for nothing.
    out = {key: (value if key in (IMAGES, "description", "datasets") else put(value)) for key, value in spec.items()}
    out["datasets"] = datasets
    return out


def drawn(shape: Template, fill: dict, images: tuple = ()) -> dict:
    """The spec of a template drawn with ``fill``: its data frames in their slots (:func:`filled`, which writes
    the text alternative from them) and the rest of its values in their places (:func:`placed`)."""
    frames = {name: fill[name] for _, name in shape.slots}
    return placed(filled(shape, frames, images), fill)


def describe(spec: dict, names: dict | None = None) -> str:
    """A short text alternative computed from the chart's data: what it shows and each quantity's extremes
    (Vega puts it on the chart as its accessible name, for screen readers). ``names``: the spec's titles, where
    already known (a template's)."""
    from ui import export
    from ui.i18n import t
    from ui.numbers import num

    # only quantities the chart names on an axis, legend or tooltip
    names = export.titles(spec) if names is None else names
    columns = [  # (title, values) of every named column, read in place: renaming and reindexing frames costs more
        (names[name], df[name])
        for df in spec.get("datasets", {}).values()
        if isinstance(df, pd.DataFrame)
        for name in df.columns
        if name in names
    ]
    for image in spec.get(IMAGES, ()):  # a surface's grid, named as on the chart
        cells = image.cells()
        columns += [(title, cells.iloc[:, position]) for position, title in enumerate(cells.columns)]
    ranges = {}
    for title, column in columns:  # a quantity drawn by several layers spans all of them (a label's text: none)
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            values = column.to_numpy(dtype=float, na_value=np.nan)
        else:
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        values = values[np.isfinite(values)]
        if values.size:
            low, high = ranges.get(title, (values.min(), values.max()))
            ranges[title] = (min(low, values.min()), max(high, values.max()))
    parts = [t("common.chart_range", name=name, low=num(lo), high=num(hi)) for name, (lo, hi) in ranges.items()]
    return t("common.chart_alt", quantities=", ".join(ranges) or "—") + " " + "; ".join(parts[:6])
