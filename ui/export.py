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
    its selection and Streamlit's embed options. ``url_data`` maps a URL the chart reads CSV from (served by
    this server, :mod:`ui.media`) to that CSV, which is inlined as rows.
    """
    images = {image.slot: image.png for image in spec.get(IMAGES, ())}
    out = {k: v for k, v in spec.items() if k not in (IMAGES, "usermeta", "params")}
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


def csv(spec: dict, url_data: dict[str, bytes] | None = None) -> str:
    """The chart's data as CSV, columns named as on the chart (a surface's grid included); several data sets are
    stacked, with a ``layer`` column saying which."""
    names = titles(spec)
    frames = [df.rename(columns=names) for df in spec.get("datasets", {}).values() if isinstance(df, pd.DataFrame)]
    frames += [image.cells() for image in spec.get(IMAGES, ())]  # a surface's values travel as a picture
    frames += [pd.read_csv(io.BytesIO(data)).rename(columns=names) for data in (url_data or {}).values()]
    if not frames:
        return ""
    if len(frames) == 1:
        return frames[0].to_csv(index=False)
    return pd.concat([f.assign(layer=i + 1) for i, f in enumerate(frames)], ignore_index=True).to_csv(index=False)


def json_spec(spec: dict) -> str:
    """The standalone Vega-Lite spec, for anyone who wants to open it in the Vega editor."""
    return json.dumps(standalone(spec), ensure_ascii=False, default=str)
