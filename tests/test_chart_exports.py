"""Every chart of every page can be taken away as the page shows it, in both languages: its "Show as a table"
toggle shows a table with rows, and its Save menu's CSV, PNG and SVG buttons give valid files.

The charts are found through the page, not from a list: every ``vega_lite_chart`` element in the order drawn,
each followed by the Save menu that stands for it (a ``save.<name>[.<chart key>].table`` toggle and, once the
menu is open, three download buttons; ``ui.charts.save_menu``). A chart with no menu after it fails. The test
opens every menu as a student does (its popover's state, ``save.<...>.menu``), and checks that a closed menu
holds no button. Small multiples drawn without
their own menu (the race's cost panels) share the one menu that follows them, which must hold the rows of every
CSV they read.

The files come from the download buttons themselves: each button holds a deferred callable, which the server runs
when the button is clicked (``MediaFileManager.execute_deferred``, what Streamlit's media endpoint calls on a
click). AppTest gives each run a media file manager of its own and drops it at the end of the run; the fixture
:func:`kept_media` keeps it (AppTest builds it as ``streamlit.testing.v1.app_test.MediaFileManager``, a name
checked for Streamlit 1.67 by tests/streamlit_compat.py's version check), so the test clicks every button of the
run it looks at, on the very spec and rows that run drew.

Cost: PNG and SVG are drawn by vl-convert (0.05-1.5 s a chart); they are drawn for the Korean page only, whose
specs differ from the English ones only in their text (the Korean one is the harder case: it needs the CJK font).
Tables and CSV are checked in both languages.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pandas as pd
import pytest
from apptest_helpers import assert_clean, open_app, page_values
from streamlit_compat import download, keep_media_managers, served

from lessons import PAGES
from ui import registry
from ui.i18n import catalog

# The optimizers page also at settings away from its defaults that still show every runner and every chart.
OPTIMIZERS_ELSEWHERE = {
    "race": ",".join(("sgd", "clip", "momentum", "rmsprop", "adam", "rprop", "newton")),
    "iters": 1200,
    "u0": -1.5,
    "w0": 2.0,
    "clip_by": "value",
    "rp_var": "irprop-",
    "it": 40,
    "focus": "newton",
    "cth": 20.0,
    "cit": 12,
    "nu": 0.5,
    "nw": 1.6,
}
OPTIMIZERS_CHARTS = {
    "optimizers-race-surface",
    "optimizers-race-costs",
    "optimizers-race-step",
    "optimizers-clipping-norms",
    "optimizers-clipped-by-norm",
    "optimizers-clipped-by-value",
    "optimizers-rprop-delta-U",
    "optimizers-rprop-delta-W",
    "optimizers-newton-step",
}
CASES = [(page.name, None) for page in PAGES] + [("optimizers", OPTIMIZERS_ELSEWHERE)]


@pytest.fixture
def kept_media(monkeypatch):
    """The media file managers AppTest makes, one per run, kept in a list (the last is the last run's)."""
    return keep_media_managers(monkeypatch)


@dataclass
class Menu:
    """A Save menu and what the page drew for it: the charts it stands for, its toggle, buttons and table."""

    charts: list = field(default_factory=list)
    toggle: str = ""
    buttons: dict = field(default_factory=dict)  # kind (png, svg, csv) -> the download button element
    table: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        return self.toggle.split(".")[1]  # save.<name>[.<the chart's key>].table


def in_order(node):
    """Every block and element of the page, in the order drawn."""
    yield node
    for index in sorted(getattr(node, "children", None) or {}):
        yield from in_order(node.children[index])


def menus_of(at) -> list[Menu]:
    """The page's charts, each with the Save menu that follows it; fails on a chart no menu follows."""
    menus, charts, current = [], [], None
    for node in in_order(at.main):
        kind = getattr(node, "type", None)
        if kind == "vega_lite_chart":
            charts.append(node)
            current = None
        elif kind == "popover":
            toggles = [n for n in in_order(node) if getattr(n, "type", None) == "toggle"]
            keys = [n.key for n in toggles if n.key and n.key.startswith("save.") and n.key.endswith(".table")]
            if not keys:
                continue
            assert charts, f"a Save menu {keys[0]} with no chart before it"
            buttons = {
                n.key.rsplit(".", 1)[1]: n for n in in_order(node) if getattr(n, "type", None) == "download_button"
            }
            current = Menu(charts=charts, toggle=keys[0], buttons=buttons)
            menus.append(current)
            charts = []
        elif kind == "dataframe" and current is not None and current.table is None:
            current.table = node.value
    assert not charts, f"{len(charts)} chart(s) at the end of the page with no Save menu after them"
    return menus


def views(spec: dict):
    """Every view of a Vega-Lite spec (the spec, its layers and concatenated panels, at any depth)."""
    yield spec
    for part in ("layer", "hconcat", "vconcat", "concat", "spec"):
        children = spec.get(part)
        for child in children if isinstance(children, list) else [children]:
            if isinstance(child, dict):
                yield from views(child)


def served_csvs(spec: dict) -> set[str]:
    """The URLs of the CSVs the chart's views read from this server."""
    urls = {(view.get("data") or {}).get("url") for view in views(spec)}
    return {url for url in urls if isinstance(url, str) and url.endswith(".csv") and not url.startswith("data:")}


def axis_titles(spec: dict) -> set[str]:
    """The titles of the x and y axes of the chart's views, of fields the data holds (not made by a transform)."""
    made = set()
    for view in views(spec):
        for step in view.get("transform", []):
            made |= {step["as"]} if isinstance(step.get("as"), str) else set(step.get("as") or ())
    titles = set()
    for view in views(spec):
        for channel in ("x", "y"):
            encoding = (view.get("encoding") or {}).get(channel) or {}
            if isinstance(encoding.get("title"), str) and encoding["title"] and encoding.get("field") not in made:
                titles.add(encoding["title"])
    return titles


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(("page", "params"), CASES, ids=[f"{p}{'-elsewhere' if q else ''}" for p, q in CASES])
def test_every_chart_shows_its_table_and_saves_csv_png_and_svg(page, params, lang, kept_media):
    import json

    at = open_app(page, lang=lang, params=params)
    assert_clean(at)
    for name, value in (params or {}).items():  # the settings were taken, none refused
        taken = page_values(at, page)[name]
        assert (",".join(taken) if isinstance(taken, list | tuple) else str(taken)) in (str(value), f"{value}.0"), name
    menus = menus_of(at)
    if page == "optimizers":
        assert {menu.name for menu in menus} == OPTIMIZERS_CHARTS  # every chart, every runner's cost panel
        costs = next(menu for menu in menus if menu.name == "optimizers-race-costs")
        assert len(costs.charts) == len(OPTIMIZERS_ELSEWHERE["race"].split(","))
    if not menus:
        assert not registry.page(page).is_lesson, f"no chart on the {page} lesson"  # the Class page draws none
        return

    for menu in menus:  # open every menu and its "Show as a table", as a student does, and rerun once
        assert not menu.buttons, f"{menu.name}: the files are drawn while the menu is closed"
        at.session_state[menu.toggle.removesuffix(".table") + ".menu"] = True
        at.toggle(key=menu.toggle).set_value(True)
    at.run()
    assert_clean(at)
    manager = kept_media[-1]
    shown = menus_of(at)
    assert [menu.toggle for menu in shown] == [menu.toggle for menu in menus]  # the toggles kept their keys

    layer_title = catalog(lang)["common.save_layer"]
    for menu in shown:
        assert set(menu.buttons) == {"png", "svg", "csv"}, menu.name
        assert menu.table is not None and len(menu.table) > 0, f"{menu.name}: no table shown"
        text = download(manager, menu.buttons["csv"]).decode("utf-8")
        header = next(csv.reader(io.StringIO(text)))
        assert len(header) == len(set(header)), f"{menu.name}: a column name twice in {header}"
        table = pd.read_csv(io.StringIO(text))
        assert len(table) > 0, menu.name
        # The table on the page is the CSV, read back.
        assert list(menu.table.columns) == header and len(menu.table) == len(table), menu.name
        specs = [json.loads(chart.proto.spec) for chart in menu.charts]
        if len(specs) > 1:  # small multiples of one data set: otherwise a chart before this one has no menu
            read = [served_csvs(spec) for spec in specs]
            assert read[0] and all(urls == read[0] for urls in read), f"a chart before {menu.name} has no menu"
        for spec in specs:
            missing = axis_titles(spec) - set(header)
            assert not missing, f"{menu.name}: the axes {missing} are not columns of {header}"
            for url in served_csvs(spec):  # a chart's rows read by URL are in the file
                assert len(table) >= len(pd.read_csv(io.BytesIO(served(manager, url)))), (menu.name, url)
        if layer_title in header:  # rows of several data sets: each says which it comes from, numbered from 1
            layers = table[layer_title]
            assert layers.notna().all() and layers.min() == 1 and layers.nunique() > 1, menu.name

        if lang == "ko":  # the figures: once per chart (the English spec differs only in its text)
            png = download(manager, menu.buttons["png"])
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") > 100, menu.name
            svg = ET.fromstring(download(manager, menu.buttons["svg"]))
            assert svg.tag.endswith("svg") and len(list(svg.iter())) > 10, menu.name


def test_a_table_stays_under_its_chart_after_the_menu_closes():
    """The toggle is drawn while the menu is closed: closing the menu after opening a table keeps the table."""
    at = open_app("counting", lang="en")
    menus = menus_of(at)
    assert menus and not any(menu.buttons for menu in menus)
    first = menus[0]
    menu_key = first.toggle.removesuffix(".table") + ".menu"
    at.session_state[menu_key] = True
    at.toggle(key=first.toggle).set_value(True)
    at.run()
    assert set(menus_of(at)[0].buttons) == {"png", "svg", "csv"}
    at.session_state[menu_key] = False  # the student closes the menu
    at.run()
    assert_clean(at)
    after = menus_of(at)[0]
    assert not after.buttons and after.table is not None and len(after.table) > 0
