"""Teacher pacing: where the teacher has taken the class, on every page of a student who joined it.

The teacher picks a lesson and a section on the Class page (``ClassStore.set_pace``). A joined student's pages
show a banner above the lesson, "Your teacher is on <lesson> §3", with one button that goes there, and a switch,
"Follow my teacher", that goes there by itself each time the teacher moves the class. The banner is a fragment
that reruns every :data:`REFRESH_SECONDS` (as the teacher's table does), so it follows the teacher without the
student doing anything; each run is one read of the class's row by its key, since forty students ask at once.

A student is "with the teacher" on the paced lesson's page: the banner then only names the section, with a link to
its header (``ui.page.anchor``). Following moves a student once per pace: one who followed and then went elsewhere
stays there until the teacher moves the class again. Nobody is moved who did not switch "Follow my teacher" on.
"""

from __future__ import annotations

import json

import streamlit as st

from classroom.store import ClassGone, StoreUnavailable
from ui import exercise_box as box
from ui import registry
from ui.i18n import current_language, t
from ui.page import anchor

REFRESH_SECONDS = 3  # the teacher's table refreshes as often
FOLLOW = "_pace.follow"  # the student's choice, kept while the switch is not drawn (a page without a pace)
FOLLOWED = "_pace.followed"  # the time of the last pace this session was taken to (or asked for)
SCROLL_TO = "_pace.scroll"  # a section whose header the next run scrolls to (after a switch of page)
GO_KEY, FOLLOW_KEY = "pacing_go", "pacing_follow"  # the banner's button and switch (their CSS classes too)


def sections(lesson: str) -> tuple[str, ...]:
    """The title keys of a lesson's sections in the order it reads (its ``Lesson.sections``); empty for a page
    with none or an unknown one."""
    known = registry.page(lesson)
    return known.sections if known else ()


def lesson_title(lesson: str) -> str:
    known = registry.page(lesson)
    return t(known.title_key) if known else lesson


def section_title(lesson: str, section: int) -> str:
    """``§3 Training`` (``3절 학습``) in the page's language; the number alone for a section it lacks."""
    keys = sections(lesson)
    return t("pacing.section", n=section, title=t(keys[section - 1]) if 0 < section <= len(keys) else "").strip()


def _remember_follow() -> None:
    st.session_state[FOLLOW] = st.session_state[FOLLOW_KEY]
    if st.session_state[FOLLOW]:
        st.session_state.pop(FOLLOWED, None)  # switched on: go where the teacher is now, once


def _go(lesson: str, section: int, here: str, paced_at: float) -> None:
    """Take the student to the lesson's section: on another page, switch to it (keeping the student's class, as
    themselves, and the language); its header is scrolled to once the page is drawn."""
    st.session_state[FOLLOWED] = paced_at
    st.session_state[SCROLL_TO] = section
    if lesson != here:
        st.switch_page(registry.page(lesson).script, query_params={"lang": current_language(), **box.class_params()})


def _scroll_script(section: int) -> str:
    """Scroll to a section's header once the page has drawn it, and again while the content above it is still
    being drawn (charts take their height late), for a few seconds or until the student scrolls or types. The
    id is ``ui.page.anchor``'s, made of a number: nothing a student typed."""
    target = json.dumps(anchor(section))
    return (
        "<script>(() => { let tries = 0, moved = false; const stop = () => { moved = true; };"
        " for (const kind of ['wheel', 'touchstart', 'keydown']) window.addEventListener(kind, stop, {once: true});"
        f" const find = () => {{ const el = document.getElementById({target});"
        " if (el && !moved) el.scrollIntoView({block: 'start'});"
        " if (++tries < 40 && !moved) setTimeout(find, 150); };"
        " find(); })();</script>"
    )


def banner(page) -> None:
    """The pacing banner on the page ``page`` (what ``st.navigation`` returned), for a student in a class."""
    if box.joined_class() is None:
        return
    here = page.url_path or registry.pages()[0].name  # the default page is served at "/"
    _banner(here)


@st.fragment(run_every=REFRESH_SECONDS)
def _banner(here: str) -> None:
    """Where the teacher is, read again every refresh; ``here`` is the page the student is on (a page name)."""
    joined, store = box.joined_class(), box.class_store()
    if joined is None or store is None:
        return
    try:
        pace = store.pace(joined["id"])
    except (StoreUnavailable, ClassGone):  # the exercise box says so; the lesson goes on without a banner
        return
    if pace is None or registry.page(pace[0]) is None:
        return
    lesson, section, paced_at = pace
    if st.session_state.get(FOLLOW) and st.session_state.get(FOLLOWED) != paced_at:
        _go(lesson, section, here, paced_at)
    scroll = st.session_state.pop(SCROLL_TO, None)
    with st.container(key="rnnlab-pacing"):
        if lesson == here:
            st.caption(
                t("pacing.with_teacher", section=section_title(lesson, section), anchor=anchor(section)),
            )
        else:
            st.info(
                t("pacing.teacher_is_on", lesson=lesson_title(lesson), section=section_title(lesson, section)),
                icon=":material/campaign:",
            )
        with st.container(horizontal=True, vertical_alignment="center"):  # one row where it fits, else two
            if lesson != here and st.button(
                t("pacing.go"), key=GO_KEY, icon=":material/arrow_forward:", type="primary"
            ):
                _go(lesson, section, here, paced_at)
            st.session_state[FOLLOW_KEY] = bool(st.session_state.get(FOLLOW))
            st.toggle(t("pacing.follow"), key=FOLLOW_KEY, on_change=_remember_follow, help=t("pacing.follow_help"))
        if scroll is not None and lesson == here:
            st.html(_scroll_script(scroll), unsafe_allow_javascript=True)
