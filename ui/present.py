"""How a view is shown, beyond its settings: presenter mode for a projector, hidden controls, chosen sections.

- ``?present=1`` (or the sidebar switch): large type readable from the back of a room, the content width capped
  for reading, the sidebar collapsed, "under the hood" and long prose folded away, charts' text enlarged.
- ``?hide=w,u``: the named controls are not drawn (their values stay as the link set them), so a projected view
  cannot drift when someone touches it.
- ``?sections=2,4``: only those sections of the lesson are shown.

All three are kept in share links (:func:`ui.urlstate.publish`). They live in ``st.session_state`` per student.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection

import streamlit as st

PRESENT, HIDE, SECTIONS = "present", "hide", "sections"
LANGUAGE_SCRIPT_KEY = "rnnlab-document-language"  # the container of document_language's script
MAX_NAMES = 40  # at most this many names in ?hide (a link is not a place for more)


def read_from_link(entering: bool, names: Collection[str], section_count: int) -> list[tuple[str, str]]:
    """On entering a page, take ``hide`` and ``sections`` from the link; return what they name that the page
    does not have, as ``(parameter, value)`` pairs for the URL notice (:func:`ui.urlstate.show_notices`).

    ``names`` are the page's controls, ``section_count`` its number of sections. An unknown part is ignored and
    the rest kept: ``?sections=9`` on a lesson of six sections shows every section (not a blank lesson), and
    says so.
    """
    if not entering:
        return []
    rejected = []
    hide = [part.strip()[:40] for part in (st.query_params.get(HIDE) or "").split(",") if part.strip()][:MAX_NAMES]
    rejected += [(HIDE, name) for name in hide if name not in names]
    st.session_state["_hide"] = tuple(dict.fromkeys(name for name in hide if name in names))
    chosen = []
    for part in (st.query_params.get(SECTIONS) or "").split(",")[:MAX_NAMES]:
        if part.strip().isdigit() and 0 < int(part) <= section_count:
            chosen.append(int(part))
        elif part.strip():
            rejected.append((SECTIONS, part.strip()))
    st.session_state["_sections"] = tuple(sorted(set(chosen)))
    return rejected


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT, False))


def hidden(name: str) -> bool:
    return name in st.session_state.get("_hide", ())


def sets_hidden(*names: str) -> bool:
    """Whether a button that sets the controls ``names`` must be hidden with them: a projected view whose
    control is hidden must not change it by another way (a preset button, "set c to the average")."""
    return any(hidden(name) for name in names)


def section_shown(number: int | None) -> bool:
    chosen = st.session_state.get("_sections", ())
    return not chosen or number is None or number in chosen


def link_values() -> dict[str, str]:
    """The view options as URL parameters (only those that are set)."""
    values = {}
    if presenting():
        values[PRESENT] = "1"
    if st.session_state.get("_hide"):
        values[HIDE] = ",".join(st.session_state["_hide"])
    if st.session_state.get("_sections"):
        values[SECTIONS] = ",".join(str(n) for n in st.session_state["_sections"])
    joined = st.session_state.get("_class.joined")
    if joined:  # a student in a class stays in it, as themselves, across reloads, new tabs and replicas
        values["join"] = joined["code"]  # (ui.exercise_box.join_from_link)
        values["me"] = joined["me"]
    return values


# Presenter mode sets sizes rather than zooming: a CSS zoom makes Streamlit and Vega measure containers in two
# scales, and full-width charts then overflow. Body text 23 px, readable from the back of a room.
#
# Our own styles (no user text is ever placed in them). Korean wraps between words, never inside one
# (keep-all), which Streamlit's default (break anywhere) does not do.
BASE_CSS = """
<style>
[data-testid="stMarkdownContainer"], [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p, h1, h2, h3, label,
[data-testid="stMetricLabel"], [data-testid="stExpander"] summary, [data-testid="stAlertContainer"] p {
  word-break: keep-all !important; overflow-wrap: break-word !important;
}
.katex-display { overflow-x: auto; overflow-y: hidden; padding: 0 0.25em; }  /* no 2 px scroll from italics */
[data-testid="stMainBlockContainer"] { max-width: 1500px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { max-width: 78ch; }
/* A hidden section, and the language script: their layout wrappers too, or each leaves a 16 px flex gap. */
[class*="st-key-rnnlab-hidden-section-"], .st-key-rnnlab-document-language,
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-rnnlab-hidden-section-"]),
[data-testid="stLayoutWrapper"]:has(> .st-key-rnnlab-document-language) { display: none; }
[data-testid="stSidebar"] [data-testid="stMarkdownContainer"] code { word-break: break-all; white-space: normal; }
/* A label with LaTeX drawn above its widget (ui.urlstate._labelled): a widget label's size, and no gap. */
[class*="st-key-rnnlab-label-"] [data-testid="stMarkdownContainer"] p { font-size: 0.875rem; margin-bottom: 0.25rem; }
/* A diagram's text at the size Graphviz laid it out for (its fontsize), not Streamlit's 0.6rem over all of it. */
[data-testid="stGraphVizChart"] svg text { font-size: revert-layer !important; }
/* On a phone a wide diagram (the LSTM cell) keeps its own size and scrolls sideways in its box, rather than
   shrinking its text to 6 px; a caption's code at least 12 px. */
@media (max-width: 640px) {
  [data-testid="stGraphVizChart"] { overflow-x: auto; }
  [data-testid="stGraphVizChart"] svg { max-width: none !important; }
}
[data-testid="stCaptionContainer"] code { font-size: max(12px, 0.75em); }
/* Captions: Streamlit draws them at 60 % opacity, 3.9:1 on white; axe asks for 4.5:1. */
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #505260 !important; }
</style>
"""
PRESENT_CSS = """
<style>
[data-testid="stMainBlockContainer"] { max-width: 1500px; }
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li,
[data-testid="stMain"] [data-testid="stAlertContainer"] p, [data-testid="stMain"] label p,
[data-testid="stMain"] [data-testid="stTable"] td, [data-testid="stMain"] [data-testid="stTable"] th {
  font-size: 23px !important; line-height: 1.5 !important;
}
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li {
  max-width: 62ch;
}
[data-testid="stMain"] h1 { font-size: 52px !important; }
[data-testid="stMain"] h2 { font-size: 40px !important; }
[data-testid="stMain"] h3 { font-size: 30px !important; }
[data-testid="stMain"] [data-testid="stMetricValue"], [data-testid="stMain"] [data-testid="stMetricValue"] * {
  font-size: 46px !important;
}
[data-testid="stMain"] [data-testid="stMetricLabel"] * { font-size: 21px !important; }
[data-testid="stMain"] .katex { font-size: 1.35em !important; }
/* Nothing on the projector under 20 px (tables, code, captions, buttons, a widget's options and values): each
   element's own size, or 20 px where Streamlit set it smaller. Not inside a formula, whose parts are sized
   relative to it, nor inside a chart or diagram, whose text sizes are laid out by Vega and Graphviz (their own
   larger sizes: PRESENT_CHART_CONFIG, ui.diagrams), nor inside our own markup that sets its sizes for the
   projector itself (class rnnlab-own-size: the join screen's code is 200 px). :where() keeps it the weakest rule
   here: headings and the sizes above win. */
[data-testid="stMain"] :where(:not(.katex, .katex *, svg, svg *, .rnnlab-own-size, .rnnlab-own-size *)) {
  font-size: max(20px, 1em) !important;
}
[data-testid="stMain"] [data-testid="stMarkdownContainer"] table td,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] table th { font-size: 22px !important; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 20px !important; }
</style>
"""
# Charts in presenter mode: the same specs, with larger text (ui.charts.show merges this into their config, and
# raises a mark's or a title's own smaller size to PRESENT_MIN_PX).
PRESENT_MIN_PX = 20  # no text on the projector is smaller (tests/test_browser.py measures it)
PRESENT_CHART_CONFIG = {
    "axis": {"labelFontSize": 20, "titleFontSize": 22},
    # A left axis's title, set upright above the axis: at 22 px a title written up the side ran past a short
    # chart's height and was cut ("‖g‖ before clipp"); across the top it has the chart's width.
    "axisLeft": {"titleAngle": 0, "titleAlign": "left", "titleAnchor": "end", "titleBaseline": "bottom", "titleY": -10},
    "legend": {"labelFontSize": 20, "titleFontSize": 21, "labelLimit": 480},  # a name whole, not "…"
    "header": {"labelFontSize": 20, "titleFontSize": 22},
    "title": {"fontSize": 24},
    "text": {"fontSize": 20},
}


def diagram(dot: str) -> str:
    """A Graphviz diagram's source, its text enlarged for the projector in presenter mode (Graphviz lays the
    diagram out around the larger text, so nothing overlaps). Every ``fontsize`` at least DIAGRAM_PRESENT_PT."""
    if not presenting():
        return dot
    return re.sub(
        r"fontsize\s*=\s*\"?(\d+(?:\.\d+)?)\"?", lambda m: f"fontsize={max(float(m[1]), DIAGRAM_PRESENT_PT):g}", dot
    )


# Graphviz's points (4/3 px each in a diagram shown at its own size): 21 px.
DIAGRAM_PRESENT_PT = 16


def styles() -> str:
    return BASE_CSS + (PRESENT_CSS if presenting() else "")


def document_language(lang: str) -> str:
    """A script that sets ``<html lang>`` to the page's language: Streamlit's page always says "en", so a screen
    reader read the Korean pages with English rules (WCAG 3.1.1). ``lang`` is one of ui.i18n.LANGUAGES (the
    sidebar switch's options), never typed text. It also installs, once, :data:`SCROLLER_SCRIPT`."""
    return f"<script>document.documentElement.lang = {json.dumps(lang)};{SCROLLER_SCRIPT}</script>"


# A diagram that scrolls sideways (a phone, BASE_CSS) takes the keyboard's focus, so it can be scrolled without a
# mouse (WCAG 2.1.1; axe's scrollable-region-focusable). Installed once per browser tab; it follows the page's
# changes and the window's width. A diagram that fits is no tab stop.
SCROLLER_SCRIPT = """
if (!window.rnnlabScrollers) {
  const mark = () => {
    for (const e of document.querySelectorAll('[data-testid="stGraphVizChart"]')) {
      const scrolls = e.scrollWidth > e.clientWidth + 1;
      if (scrolls && e.tabIndex !== 0) e.tabIndex = 0;
      if (!scrolls && e.hasAttribute('tabindex')) e.removeAttribute('tabindex');
    }
  };
  window.rnnlabScrollers = new MutationObserver(mark);
  window.rnnlabScrollers.observe(document.body, {childList: true, subtree: true});
  window.addEventListener('resize', mark);
}
"""
