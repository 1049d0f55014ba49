"""Every page survives a hostile link: each of its URL parameters set to garbage at once.

For every lesson, every parameter the page writes to its URL gets the same bad value. The page must run
without an exception; a parameter that falls back to its default must be named in a notice; a parameter that
accepts the text (free text inputs) must be handled by the page itself (an error message, not a crash). A value
longer than any setting takes is refused before it is read, and a notice quotes only its start.
"""

import pytest
from apptest_helpers import assert_clean, open_app, url_of

from lessons import PAGES

BAD_VALUES = ["abc", "1e999", "-99999999", "", "<script>alert(1)</script>", "nan", "0x10", "1,2,3,,", "∞"]
# Longer than any setting takes: refused unread, and quoted only in part. (Streamlit 1.67 itself ignores a whole
# query string over 524,288 characters; this one stays under that with every parameter of a page set to it.)
HUGE = "9" * 10_000


@pytest.mark.parametrize("page", [known.name for known in PAGES if known.is_lesson])
def test_every_parameter_garbage_at_once(page):
    defaults = url_of(open_app(page))
    names = [k for k in defaults if k != "lang"]
    assert names, f"{page} mirrors no widget in its URL"
    for bad in [*BAD_VALUES, HUGE]:
        at = open_app(page, params={name: bad for name in names})
        assert_clean(at)
        shown = url_of(at)
        notices = " ".join(w.value for w in at.warning)
        assert all(len(w.value) < 400 * len(names) for w in at.warning), (page, bad[:20])
        if bad == HUGE:
            assert all(shown[name] != HUGE for name in names), page
        for name in names:
            if shown.get(name) == defaults[name] and bad != defaults[name]:
                assert f"`{name}`" in notices, (page, name, bad)
