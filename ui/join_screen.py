"""The join screen for the projector: the class code in type readable from the back of a room, its QR code, the
address to type, and how many students have joined, refreshed live.

The link behind the code and the QR code opens the student's view of the Class page (``class?join=CODE``): no
language, presenter mode, hidden controls or chosen sections of the teacher's (a student's browser language
decides, see app.py), at the address students can reach (:func:`ui.shortlinks.public_root`). It is a direct link,
not a short link: a class outlives no short link (a class lasts days, a short link a month), and the store need not
keep a row for it.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

import streamlit as st

from classroom import codes
from classroom.store import ClassGone, StoreUnavailable
from ui.i18n import t
from ui.shortlinks import local_notice, public_root, qr_png

REFRESH_SECONDS = 3  # as the Class page's results table
TOGGLE_KEY = "class_join_screen"
QR_PX = 420  # at most (a narrower column shrinks it): code, QR code and count fit one 1080 px high projector

# Our own markup; every text placed in it is ours (locale files, the generated class code, the address) and
# escaped; colours are the theme's (a dark theme too). Sizes follow the width of the box they are in (container
# units, so an open sidebar counts): the code is 19 % of the main column, at most 200 px (200 px at 1920, 62 px on a
# 390 px phone), whole on one line. Presenter mode leaves them alone (class rnnlab-own-size: ui/present.py).
STYLE = """
<style>
.rnnlab-join { text-align: center; margin: 0; container-type: inline-size; }
.rnnlab-join-label { font-size: clamp(20px, 2.6cqi, 40px); margin: 0; }
.rnnlab-join-code {
  font-family: "Source Code Pro", ui-monospace, monospace; font-weight: 700; letter-spacing: 0.04em;
  font-size: clamp(44px, 19cqi, 200px); line-height: 1.05; margin: 0; white-space: nowrap;
}
.rnnlab-join-url {
  font-family: "Source Code Pro", ui-monospace, monospace; font-size: clamp(18px, 3.8cqi, 40px);
  overflow-wrap: anywhere; margin: 0 0 0.4em 0;
}
.rnnlab-join-count { font-size: clamp(26px, 8cqi, 64px); font-weight: 600; margin: 0.3em 0 0 0; }
.rnnlab-join-hint { font-size: clamp(18px, 3cqi, 30px); margin: 0; }
</style>
"""


def join_url(code: str) -> str:
    """The address that puts a student into the class ``code``: the Class page with ``join=`` and nothing else."""
    return f"{public_root()}class?{urlencode({'join': codes.display(code)})}"


def student_link(code: str) -> None:
    """The teacher's "or send students this link" line, and the notice when the address names this machine only."""
    url = join_url(code)
    st.caption(t("classroom.student_link", link=url))
    local_notice()


def shown() -> bool:
    """The teacher's switch for the join screen (it stays as set while the teacher stays on the page)."""
    return st.toggle(t("join.toggle"), key=TOGGLE_KEY, help=t("join.toggle_help"))


def join_screen(store, class_id: int, code: str) -> None:
    """Draw the join screen of the class ``class_id`` whose code is ``code`` (normalised, as the store keeps it)."""
    url = join_url(code)
    with st.container(border=True, key="rnnlab-join-screen"):
        st.html(
            STYLE
            + '<div class="rnnlab-join rnnlab-own-size">'
            + f'<p class="rnnlab-join-label">{html.escape(t("join.code_label"))}</p>'
            + f'<p class="rnnlab-join-code">{html.escape(codes.display(code))}</p>'
            + "</div>"
        )
        qr, words = st.columns([2, 3], gap="large", vertical_alignment="center")
        qr.image(qr_png(url), width=QR_PX, alt=t("join.qr_alt"))
        with words:
            st.html(
                STYLE
                + '<div class="rnnlab-join rnnlab-own-size">'
                + f'<p class="rnnlab-join-hint">{html.escape(t("join.scan_or_type"))}</p>'
                + f'<p class="rnnlab-join-url">{html.escape(url)}</p>'
                + f'<p class="rnnlab-join-hint">{html.escape(t("join.or_code"))}</p>'
                + "</div>"
            )
            joined_count(store, class_id)
    local_notice()  # for the teacher, below the screen: the code comes first on the projector


@st.fragment(run_every=REFRESH_SECONDS)
def joined_count(store, class_id: int) -> None:
    """How many students have joined, read again every few seconds (as the results table is)."""
    try:
        n = store.student_count(class_id) if store else None
    except (StoreUnavailable, ClassGone):
        n = None
    text = t("join.count_unknown") if n is None else t("join.count_one" if n == 1 else "join.count_many", n=n)
    st.html(
        STYLE
        + '<div class="rnnlab-join rnnlab-own-size">'
        + f'<p class="rnnlab-join-count" aria-live="polite">{html.escape(text)}</p></div>'
    )
