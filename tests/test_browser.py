"""A real browser (Playwright driving Chromium) loads every listed page against a live server, in English by its
deep link, then in Korean by the sidebar's language switch: no exception element, no error or warning in the
browser console, a frame on every deep link, and everything fits at a phone's, a laptop's and a projector's width.

Screenshots of every page are saved (``RNN_LAB_SCREENSHOTS=DIR``, default ``screenshots/`` in the repository,
ignored by git) so that a person can look at what the run saw."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_helpers import load, wait_until_drawn, watch_console
from servers import ROOT

from lessons import PAGES
from ui import present
from ui.i18n import LANGUAGE_NAMES, catalog

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def context(chromium):
    """One browser context for the page sweep: its pages share the HTTP and compiled-script caches (Streamlit's
    scripts are parsed and compiled once, not on every page), as a student's browser does."""
    made = chromium.new_context(locale="en-US")
    yield made
    made.close()


def shots_dir() -> Path:
    folder = Path(os.environ.get("RNN_LAB_SCREENSHOTS") or ROOT / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


WIDTHS = (1280, 390, 1920)  # a laptop (where a page opens), a phone, a classroom projector
# Everything that must fit its container: charts, tables, display formulas, diagrams, metrics.
OVERFLOW_JS = r"""() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const right = main.getBoundingClientRect().right;
  const bad = [];
  const sel = '[data-testid="stVegaLiteChart"], [data-testid="stDataFrame"], .katex-display, '
            + '[data-testid="stGraphVizChart"], [data-testid="stMetric"], [data-testid="stMarkdownContainer"] table';
  for (const e of document.querySelectorAll(sel)) {
    if (!e.offsetParent || e.closest('[class*="st-key-rnnlab-hidden-section-"]')
        || e.closest('details:not([open])')) continue;  // not shown (a closed expander lays out when opened)
    const r = e.getBoundingClientRect();
    // A data frame scrolls inside itself (its resize handle adds a few pixels), as a wide diagram does on a phone
    // (ui/present.py): only their boxes must fit.
    const scrolls = !e.matches('[data-testid="stDataFrame"], [data-testid="stGraphVizChart"]')
                    && e.scrollWidth > e.clientWidth + 2;
    if (scrolls || r.right > right + 2) {
      const what = (e.textContent || '').replace(/\s+/g, ' ').slice(0, 50);
      bad.push((e.getAttribute('data-testid') || e.className) + ': ' + what);
    }
  }
  if (main.scrollWidth > main.clientWidth + 2 || document.documentElement.scrollWidth > innerWidth + 2) {
    bad.push('the page itself scrolls sideways');
  }
  return bad;
}"""

# The smallest text on show: every text node of the main area at its computed size, an SVG text (a chart's axis,
# a Graphviz diagram) at the size it is drawn (its font size times the scale its SVG is shown at). Icons are
# glyphs, not text; a formula's parts are sized relative to the formula; a canvas chart's text cannot be read,
# so it must at least be drawn at its own size (not shrunk to fit).
SMALL_TEXT_JS = r"""(minimum) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const skip = e => e.closest('[class*="st-key-rnnlab-hidden-section-"], details:not([open]), '
                            + '[data-testid="stTooltipContent"], [data-testid="stIconMaterial"], .katex');
  const bad = [], seen = new Set();
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement, text = n.textContent.replace(/\s+/g, ' ').trim();
    if (!text || !e || seen.has(e) || skip(e)) continue;
    seen.add(e);
    const style = getComputedStyle(e), r = e.getBoundingClientRect();
    if (style.visibility === 'hidden' || parseFloat(style.opacity) === 0 || !r.width || !r.height) continue;
    const m = e instanceof SVGElement && e.getScreenCTM();
    const size = parseFloat(style.fontSize) * (m ? Math.hypot(m.a, m.b) : 1);
    if (size < minimum - 0.05) {
      const where = e.closest('[data-testid]');
      bad.push(`${size.toFixed(1)} px ${where ? where.getAttribute('data-testid') : e.tagName}: ${text.slice(0, 40)}`);
    }
  }
  for (const c of main.querySelectorAll('[data-testid="stVegaLiteChart"] canvas')) {
    if (c.offsetParent && !skip(c) && c.width / devicePixelRatio > c.clientWidth * 1.02) {
      bad.push(`a canvas chart drawn ${c.width} px wide is shown at ${c.clientWidth} px`);
    }
  }
  return bad;
}"""
# A chart's legend or axis title cut: Vega ends a text it shortens to fit with "…", and a text outside its chart's
# box is cut by the box.
CLIPPED_JS = r"""() => {
  const bad = [];
  const sel = '.role-legend-label text, .role-legend-title text, .role-axis-title text, .role-title-text text';
  for (const chart of document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')) {
    if (!chart.offsetParent || chart.closest('[class*="st-key-rnnlab-hidden-section-"], details:not([open])')) continue;
    const box = chart.getBoundingClientRect();
    for (const e of chart.querySelectorAll(sel)) {
      const r = e.getBoundingClientRect(), text = e.textContent;
      if (text.endsWith('…') || r.left < box.left - 4 || r.right > box.right + 4 || r.top < box.top - 4
          || r.bottom > box.bottom + 4) bad.push(`${e.closest('[class*="role-"]').getAttribute('class')}: ${text}`);
    }
  }
  return bad;
}"""
PRESENT_MIN_PX, PHONE_MIN_PX = present.PRESENT_MIN_PX, 12  # px: on the projector, on a phone
PHONE_WIDTH, PROJECTOR_WIDTH = 390, 1920


# axe-core's whole rule set (1.5-3.5 s on a long lesson) runs once per page, on the English page at the laptop width,
# where the sidebar is open too. The Korean page is the same page with other words: there, at that width, only the
# rules whose outcome can change with the words run (names and labels read from the text, alternative texts, the
# document's title and language); the i18n tests already fail on an empty text. The rules whose outcome depends
# on the layout (a box that scrolls sideways, tap targets that crowd each other) run again in both languages at
# the phone width, where the layout is tightest. At 1920 px every column is at least as wide as at 1280 px, so
# nothing axe checks gets tighter there; the overflow check runs at all three widths.
FULL_AXE_WIDTH = 1280
FULL_AXE_LANGUAGE = "en"
TEXT_RULES = (
    "button-name",
    "link-name",
    "label",
    "input-button-name",
    "select-name",
    "summary-name",
    "aria-command-name",
    "aria-input-field-name",
    "aria-toggle-field-name",
    "aria-meter-name",
    "aria-progressbar-name",
    "aria-tooltip-name",
    "aria-dialog-name",
    "aria-treeitem-name",
    "image-alt",
    "svg-img-alt",
    "role-img-alt",
    "input-image-alt",
    "object-alt",
    "area-alt",
    "document-title",
    "frame-title",
    "html-has-lang",
    "html-lang-valid",
    "valid-lang",
)
LAYOUT_RULES = ("scrollable-region-focusable", "target-size")
LAYOUT_AXE_WIDTH = 390


def serious_axe_violations(page, rules: tuple[str, ...] | None = None) -> list[str]:
    """axe-core's serious and critical findings on the page as it stands (axe-playwright-python bundles axe);
    only ``rules`` if given."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": list(rules)}
    found = Axe().run(page, options=options).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def check_every_width(page, path: str, lang: str, widths: tuple[int, ...]) -> dict:
    """Overflow, axe and a screenshot at each of ``widths`` in turn (the first is the page's width now)."""
    found = {}
    for width in widths:
        if width != page.viewport_size["width"]:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(400)  # let Streamlit and Vega lay the page out for the new width
            wait_until_drawn(page)
        page.screenshot(path=str(shots_dir() / f"{path}-{lang}-{width}.png"), full_page=True)
        found[f"overflow {lang} {width}"] = page.evaluate(OVERFLOW_JS)
        found[f"clipped {lang} {width}"] = page.evaluate(CLIPPED_JS)
        if width == PHONE_WIDTH:
            found[f"small text {lang} {width}"] = page.evaluate(SMALL_TEXT_JS, PHONE_MIN_PX)
        if width == FULL_AXE_WIDTH:
            found[f"axe {lang} {width}"] = serious_axe_violations(
                page, None if lang == FULL_AXE_LANGUAGE else TEXT_RULES
            )
        elif width == LAYOUT_AXE_WIDTH:
            found[f"axe {lang} {width}"] = serious_axe_violations(page, LAYOUT_RULES)
    return found


def assert_the_frame(page, lang: str) -> None:
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stSidebar").count() == 1  # the frame is there, even on a deep link
    if len(PAGES) > 1:
        assert page.get_by_test_id("stSidebarNav").count() == 1
    assert page.locator("h1").first.inner_text().strip() != ""
    assert f"lang={lang}" in page.url
    assert page.evaluate("document.documentElement.lang") == lang  # a screen reader reads Korean as Korean


@pytest.mark.parametrize("path", [known.name for known in PAGES])
def test_every_page_loads_cleanly_and_fits_every_screen_in_both_languages(context, app_server, path):
    """A deep link in English, checked at the laptop, phone and projector widths; then the sidebar's language
    switch, as a student uses it (the same session reruns in Korean), checked at the three widths back."""
    page = context.new_page()
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    problems = watch_console(page)
    load(page, f"{app_server}/{'' if path == PAGES[0].name else path}?lang=en")  # the first lesson is the root
    assert_the_frame(page, "en")
    english_title = page.locator("h1").first.inner_text()
    found = check_every_width(page, path, "en", WIDTHS)

    page.get_by_test_id("stSidebar").get_by_role("radio", name=LANGUAGE_NAMES["ko"]).click()
    page.wait_for_function("() => document.documentElement.lang === 'ko'", timeout=30_000)
    wait_until_drawn(page)
    assert page.locator("h1").first.inner_text() != english_title
    assert_the_frame(page, "ko")
    found |= check_every_width(page, path, "ko", WIDTHS[::-1])
    page.wait_for_timeout(300)  # a warning logged while the last chart settles still counts
    assert problems == []
    assert all(not bad for bad in found.values()), {what: bad for what, bad in found.items() if bad}
    page.close()


def test_a_shared_link_restores_the_view_a_move_updates_the_links_and_the_code_comes_when_asked(chromium, app_server):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    load(page, f"{app_server}/counting?lang=ko&w=0.5&seq=1,1,1")
    assert page.get_by_test_id("stException").count() == 0
    metrics = page.get_by_test_id("stMetricValue").all_inner_texts()
    assert metrics[0].strip() == "1.75"  # 1·0.25 + 1·0.5 + 1 with W = 0.5
    assert "w=0.5" in page.url and "lang=ko" in page.url
    # One step of section 1's W slider (a fragment rerun): the address bar and the sidebar's share link follow.
    slider = page.get_by_role("slider").nth(1)
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"[?&]w=0\.55(&|$)"), timeout=30_000)
    page.get_by_test_id("stSidebar").get_by_text(catalog("ko")["common.share_title"]).click()
    share = page.get_by_test_id("stSidebar").locator("code").filter(has_text="http").first
    page.wait_for_function("el => el.innerText.includes('w=0.55')", arg=share.element_handle(), timeout=30_000)
    assert "seq=1%2C1%2C1" in page.url or "seq=1,1,1" in page.url  # the other settings stay in the link
    # The code under the hood is not sent with the page: it arrives when the panel is opened.
    hood = page.get_by_test_id("stExpander").filter(has_text=catalog("ko")["common.under_the_hood"])
    assert hood.get_by_test_id("stCode").count() == 0
    hood.locator("summary").click()
    hood.get_by_test_id("stCode").first.wait_for(timeout=30_000)
    assert "def step(" in hood.inner_text()
    # Switching the language while reading it: the panel, relabelled, stays open.
    page.get_by_test_id("stSidebar").get_by_role("radio", name=LANGUAGE_NAMES["en"]).click()
    page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=30_000)
    wait_until_drawn(page)
    hood = page.get_by_test_id("stExpander").filter(has_text=catalog("en")["common.under_the_hood"])
    hood.get_by_test_id("stCode").first.wait_for(timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0
    page.close()


def test_presenter_mode_hidden_controls_and_chosen_sections(chromium, app_server):
    page = chromium.new_page(viewport={"width": 1920, "height": 1080})
    load(page, f"{app_server}/counting?lang=en&present=1&hide=w,u&sections=1,2")
    assert page.get_by_test_id("stException").count() == 0
    # Body text readable from the back of a room: at least 22 px on screen.
    size = page.evaluate("""() => parseFloat(getComputedStyle(
        document.querySelector('[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')).fontSize)""")
    assert size >= 22
    assert page.evaluate(OVERFLOW_JS) == []  # larger type, and still nothing runs off the projector
    assert page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "true"
    labels = page.get_by_test_id("stSlider").all_inner_texts()
    assert not any(label.strip().startswith(("W", "U")) for label in labels)  # hidden controls are not drawn
    visible = [h for h in page.locator("h2").all_inner_texts() if h.strip()]
    assert visible and all(h.strip()[0] in "12" for h in visible), visible
    # A hidden section takes no room: its layout wrapper is not laid out either (else a 16 px gap each).
    assert (
        page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-rnnlab-hidden-section-"]')]
        .map(e => getComputedStyle(e.parentElement).display)""")
        == ["none"] * 4
    )
    assert page.get_by_test_id("stExpander").filter(has_text="Under the hood").count() == 0  # the code is folded away
    for option in ("present=1", "hide=w%2Cu", "sections=1%2C2"):  # kept in the link to share
        assert option in page.url
    page.close()


@pytest.mark.parametrize("path", [known.name for known in PAGES if known.is_lesson])
def test_presenter_mode_text_is_readable_from_the_back_and_no_legend_or_axis_title_is_cut(context, app_server, path):
    """Presenter mode on a projector: every text of the lesson (paragraphs, tables, code, captions, widgets,
    chart axes and legends, diagrams) at least PRESENT_MIN_PX on screen, nothing cut, nothing running off; in
    English, then in Korean (other words, other lengths)."""
    page = context.new_page()
    page.set_viewport_size({"width": PROJECTOR_WIDTH, "height": 1080})
    found = {}
    for lang in ("en", "ko"):
        load(page, f"{app_server}/{'' if path == PAGES[0].name else path}?lang={lang}&present=1")
        assert page.get_by_test_id("stException").count() == 0
        page.screenshot(path=str(shots_dir() / f"{path}-{lang}-present-{PROJECTOR_WIDTH}.png"), full_page=True)
        found[f"small text {lang}"] = page.evaluate(SMALL_TEXT_JS, PRESENT_MIN_PX)
        found[f"clipped {lang}"] = page.evaluate(CLIPPED_JS)
        found[f"overflow {lang}"] = page.evaluate(OVERFLOW_JS)
    assert all(not bad for bad in found.values()), {what: bad for what, bad in found.items() if bad}
    page.close()
