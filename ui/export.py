"""Take a chart away: PNG and SVG rendered on the server from the very spec the page shows, and its data as CSV.

The figures are drawn by ``vl-convert`` (the Vega project's own converter, which runs Vega-Lite without a browser),
so a saved figure is the chart on screen: same spec, same language, same numbers. Nothing is computed until the
student clicks (Streamlit's deferred downloads), so a chart costs nothing extra to show.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import math
from pathlib import Path

import pandas as pd

IMAGES = "_rnnlab_images"  # as in ui.charts: the surfaces' PNGs carried beside a spec
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))
# One family for every text of a saved figure, Latin and Korean alike (CI installs fonts-noto-cjk; the browser
# draws Korean with it too). Without it vl-convert took a serif Korean font beside its sans-serif Latin.
FONT = "Noto Sans CJK KR"


@functools.cache
def _converter():
    """vl-convert, with the machine's fonts registered once per process (Korean needs a CJK font)."""
    import vl_convert

    for folder in FONT_DIRS:
        if Path(folder).is_dir():
            vl_convert.register_font_directory(folder)
    return vl_convert


def standalone(spec: dict, url_data: dict[str, bytes] | None = None) -> dict:
    """The spec as plain JSON a converter can draw on its own.

    Data frames become rows (non-finite numbers become nulls), a surface's image URL (served by this server)
    becomes a data URL of the same PNG, and what only matters on screen goes: the clickable grid of a surface,
    its selection and Streamlit's embed options. Every text is set in :data:`FONT`. ``url_data`` maps a URL
    the chart reads CSV from (served by this server, :mod:`ui.media`) to that CSV, which is inlined as rows.
    """
    images = {image.slot: image.png for image in spec.get(IMAGES, ())}
    out = {k: v for k, v in spec.items() if k not in (IMAGES, "usermeta", "params")}
    out["config"] = {**spec.get("config", {}), "font": FONT}
    out["datasets"] = {name: _records(df) for name, df in spec.get("datasets", {}).items()}
    if "layer" in out:
        out["layer"] = [_without_grid(layer, images) for layer in out["layer"] if not _is_click_grid(layer)]
    return _inline_urls(out, url_data or {})


def _inline_urls(node, url_data: dict[str, bytes]):
    """Replace every ``{"url": U, ...}`` data whose U is in ``url_data`` by the CSV's rows."""
    if isinstance(node, list):
        return [_inline_urls(item, url_data) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("url"), str) and node["url"] in url_data:
        frame = pd.read_csv(io.BytesIO(url_data[node["url"]]))
        return {"values": _records(frame)}
    return {k: _inline_urls(v, url_data) for k, v in node.items()}


def _records(df) -> list[dict]:
    if not isinstance(df, pd.DataFrame):
        return df
    rows = df.to_dict(orient="records")
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()} for row in rows]


def _is_click_grid(layer: dict) -> bool:
    return "sequence" in (layer.get("data") or {})


def _without_grid(layer: dict, images: dict[str, bytes]) -> dict:
    layer = dict(layer)
    if "layer" in layer:
        layer["layer"] = [_without_grid(inner, images) for inner in layer["layer"] if not _is_click_grid(inner)]
    layer.pop("params", None)
    values = (layer.get("data") or {}).get("values")
    if isinstance(values, list) and values and isinstance(values[0], dict) and "url" in values[0]:
        png = images.get(values[0].get("slot"))
        if png is not None:
            url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            layer["data"] = {"values": [{**values[0], "url": url}]}
    return layer


def png(spec: dict, scale: float = 2.0, url_data: dict[str, bytes] | None = None) -> bytes:
    """The chart as a PNG (``scale`` 2: sharp on a slide or in a report)."""
    return _converter().vegalite_to_png(standalone(spec, url_data), scale=scale)


def svg(spec: dict, url_data: dict[str, bytes] | None = None) -> str:
    """The chart as SVG (vector: any size)."""
    return _converter().vegalite_to_svg(standalone(spec, url_data))


def titles(spec: dict) -> dict[str, str]:
    """``{field: title}`` for every encoding channel in the spec that names its field's title."""
    found: dict[str, str] = {}

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("field"), str) and isinstance(node.get("title"), str) and node["title"]:
                found.setdefault(node["field"], node["title"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in spec.items() if k != "datasets"})
    return found


def csv(spec: dict, url_data: dict[str, bytes] | None = None, layer_title: str = "layer") -> str:
    """The chart's data as CSV: every data set a layer draws (:func:`drawn_data`), once, its columns named as
    that layer names them on the chart, or else as another layer names the same field; a surface's grid and the
    rows of a CSV read by URL included. Several data sets are stacked, their columns aligned by name, with a
    first column, ``layer_title``, saying which set (1, 2, ...) each row comes from."""
    anywhere = titles(spec)  # a field a layer draws untitled takes the title another layer gives it
    frames = [_named(frame, {**anywhere, **names}) for frame, names in drawn_data(spec, url_data)]
    frames += [image.cells() for image in spec.get(IMAGES, ())]  # a surface's values travel as a picture
    frames = [frame for frame in frames if len(frame.columns)]
    if not frames:
        return ""
    if len(frames) == 1:
        return frames[0].to_csv(index=False)
    while any(layer_title in frame.columns for frame in frames):  # a chart's own column keeps its name
        layer_title += "*"
    stacked = pd.concat(frames, keys=range(1, len(frames) + 1), names=[layer_title, None]).reset_index(level=0)
    return stacked.to_csv(index=False)


# The parts of a Vega-Lite spec that hold further views; data in any other place (a lookup's table) is not drawn.
VIEWS = ("layer", "hconcat", "vconcat", "concat", "spec")


def drawn_data(spec: dict, url_data: dict[str, bytes] | None = None) -> list[tuple[pd.DataFrame, dict[str, str]]]:
    """Each data set a view of the chart draws, once, in the order first drawn, with ``{field: title}`` of the
    fields the views that draw it name (a view inherits its parent's data, transforms and encodings, as in
    Vega-Lite). A field a view looks up in another table (a runner's shown name from its id) is added to the rows
    when the chart names it.

    Data sets are the spec's named ``datasets``, inline ``values`` and CSVs read by URL that ``url_data`` holds;
    a surface's image and its clickable grid are drawn from no table (their values are the image's cells), and
    neither a table a transform only looks names up in nor the rows of invisible marks are drawn.
    """
    datasets, url_data = spec.get("datasets", {}), url_data or {}
    read: dict[object, pd.DataFrame | None] = {}
    found: dict[object, tuple[dict[str, str], list[dict]]] = {}

    def table(data: dict) -> object:
        """The key of a view's data set (None if it is no table), its rows read once into ``read``."""
        if "name" in data:
            key = ("name", data["name"])
            if key not in read:
                rows = datasets.get(data["name"])
                read[key] = rows if isinstance(rows, pd.DataFrame) else _frame(rows)
        elif isinstance(data.get("url"), str):
            key = ("url", data["url"])
            if key not in read:
                raw = url_data.get(data["url"])
                read[key] = None if raw is None else pd.read_csv(io.BytesIO(raw))
        elif isinstance(data.get("values"), list) and not any(
            isinstance(row, dict) and "url" in row for row in data["values"]
        ):
            key = ("values", id(data["values"]))
            read[key] = _frame(data["values"])
        else:
            return None  # an image, a generated sequence, or data this module cannot read
        return key if read[key] is not None else None

    def walk(view: dict, key, named_by: dict[str, str], lookups: tuple) -> None:
        if isinstance(view.get("data"), dict):
            key, lookups = table(view["data"]), ()
        named_by = {**named_by, **_encoding_titles(view.get("encoding", {}))}
        lookups += tuple(step for step in view.get("transform", ()) if isinstance(step.get("from"), dict))
        mark = view.get("mark")
        hidden = isinstance(mark, dict) and mark.get("opacity") == 0  # e.g. the points that carry a surface's legend
        if key is not None and not hidden:
            named, looked_up = found.setdefault(key, ({}, []))
            for field, title in named_by.items():
                named.setdefault(field, title)
            looked_up += [step for step in lookups if step not in looked_up]
        for part in VIEWS:
            children = view.get(part)
            for child in children if isinstance(children, list) else [children]:
                if isinstance(child, dict):
                    walk(child, key, named_by, lookups)

    walk(spec, None, {}, ())
    drawn = []
    for key, (named, lookups) in found.items():
        frame = read[key]
        for step in lookups:  # {"lookup": field, "from": {"data": ..., "key": field there, "fields": [...]}}
            source = step["from"]
            fields = [f for f in source.get("fields", ()) if f in named and f not in frame.columns]
            there = read.get(table(source.get("data") or {}))
            if fields and step.get("lookup") in frame.columns and there is not None and source.get("key") in there:
                names = there.drop_duplicates(source["key"]).set_index(source["key"])
                frame = frame.assign(**{f: frame[step["lookup"]].map(names[f]) for f in fields if f in names})
        drawn.append((frame, named))
    return drawn


def _frame(rows) -> pd.DataFrame | None:
    if isinstance(rows, list) and all(isinstance(row, dict) for row in rows):
        return pd.DataFrame(rows)
    return None


def _encoding_titles(encoding: dict) -> dict[str, str]:
    """``{field: title}`` of a view's own encoding channels (tooltips included) that title their field."""
    titles: dict[str, str] = {}
    for channel in encoding.values():
        for item in channel if isinstance(channel, list) else [channel]:
            if isinstance(item, dict) and isinstance(item.get("field"), str) and isinstance(item.get("title"), str):
                if item["title"]:
                    titles.setdefault(item["field"], item["title"])
    return titles


def _named(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """``frame`` with its columns named as on the chart, every name once.

    A number's text form for a tooltip (``u_shown`` beside ``u``, as ``ui.numbers.num`` writes it) is left out,
    the number taking its title if it has none of its own. Where two columns would still share a title, a
    number keeps it and the other is told apart by its field, as in "‖g‖ (label)".
    """
    numeric = {column: pd.api.types.is_numeric_dtype(frame[column]) for column in frame.columns}
    by_lower = {str(column).lower(): column for column in frame.columns if numeric[column]}
    own = {column: names[column] for column in frame.columns if column in names}
    dropped = set()
    for column in frame.columns:
        twin = by_lower.get(str(column).lower().removesuffix("_shown")) if str(column).endswith("_shown") else None
        if twin is not None and not numeric[column]:
            dropped.add(column)
            if column in own:
                own.setdefault(twin, own[column])
    kept = [position for position, column in enumerate(frame.columns) if column not in dropped]
    wanted = [own.get(frame.columns[p], str(frame.columns[p])) for p in kept]
    owner = {}  # each title goes to the first number that wants it, else to the first column
    for position, title in zip(kept, wanted, strict=True):
        if title not in owner or (numeric[frame.columns[position]] and not numeric[frame.columns[owner[title]]]):
            owner[title] = position
    given: list[str] = []
    for position, title in zip(kept, wanted, strict=True):
        name = title if owner[title] == position else f"{title} ({frame.columns[position]})"
        while name in given or (name != title and name in owner):  # "U (x)" may itself be another's name
            name += "*"
        given.append(name)
    return frame.iloc[:, kept].set_axis(given, axis=1)


def json_spec(spec: dict) -> str:
    """The standalone Vega-Lite spec, for anyone who wants to open it in the Vega editor."""
    return json.dumps(standalone(spec), ensure_ascii=False, default=str)
