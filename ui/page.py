"""What every lesson page does around its content: URL notices, the link to share, and sections that rerun alone.

A class of forty moves the same slider within seconds on one server process, so each lesson section that owns
its controls is an ``st.fragment`` (:func:`fragment`): moving a control reruns and resends that section only.
A fragment run does not rerun the page's top, so the fragment itself mirrors the page's values into the URL and
refreshes the sidebar's share link when it ends (:func:`sync`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from ui import media, present, reproduce, shortlinks, urlstate
from ui.exercise_box import exercise_box
from ui.i18n import t


def frame(
    title_key: str,
    intro_key: str,
    page_id: str | None = None,
    params: Iterable | None = None,
    sections: Sequence[str] = (),
) -> None:
    """Title, the notices about rejected URL values, the introduction, and the share link in the sidebar.

    ``page_id`` and ``params`` (the page's :class:`ui.urlstate.Param` specs) let the page's fragments keep the
    URL and the share link current (:func:`sync`). ``sections`` are the title keys of the page's sections in
    the order the lesson reads: a section's number is its position there (:func:`section`).

    With a ``page_id``, the page's values are first synced with the URL (:func:`ui.urlstate.bind_page`: a link's
    values on arrival, a notice for each it rejects), so the frame's notices and every section see them.
    """
    params = tuple(params or ())
    st.session_state["_page_sections"] = tuple(sections)  # before the notices, which name how many there are
    if page_id is not None:
        urlstate.bind_page(page_id, params, section_count=len(sections))
    st.title(t(title_key))
    urlstate.show_notices()
    prose(intro_key)
    contents(sections)
    with st.sidebar, st.expander(t("common.share_title"), icon=":material/share:"):
        st.caption(t("common.share_caption"))
        box = st.empty()  # filled at the end of the run (finish), and rewritten at the end of each fragment run
        shortlinks.button()
    # Per session, not module globals: every student's page has its own placeholder and values.
    st.session_state["_page_sync"] = (page_id, params, box)
    st.session_state["_frame_this_run"] = True  # finish() fills the box at the end of this run


SHARE_TEXT = "_share_text"  # the share box's last text, per session
TOC_MIN_SECTIONS = 4  # a lesson this long (optimizers, LSTM: about 19 phone screens) gets its contents on top


def contents(sections: Sequence[str]) -> None:
    """A long lesson's contents: one line of links to its sections' headers (:func:`section` anchors them), so a
    student on a phone can jump. Not in presenter mode, where the teacher leads; only the sections on show."""
    shown = [(n, key) for n, key in enumerate(sections, 1) if present.section_shown(n)]
    if len(shown) < TOC_MIN_SECTIONS or present.presenting():
        return
    links = " · ".join(f"[{n} {t(key)}](#{anchor(n)})" for n, key in shown)
    st.markdown(f":material/toc: **{t('common.contents')}:** {links}")


def anchor(number: int) -> str:
    """The id of a section's header, the target of its link in :func:`contents`."""
    return f"section-{number}"


def sync() -> None:
    """The end of a fragment's run: mirror the page's values into the URL and rewrite the share box.

    The box is one element (:func:`_draw_share_box`), so the several writes of a full run are safe; :func:`finish`
    writes it last, with the values the whole run ended with.
    """
    page_id, params, box = st.session_state.get("_page_sync", (None, (), None))
    if page_id is None:
        return
    if not fragment_run():
        # A full run: finish() writes the URL and the box at its end, with the values the run ends with. The
        # fragment still writes to the box once, since Streamlit lets a fragment write to an outside container at
        # its own reruns only if it wrote there in the last full run: the text the box shows, which costs nothing
        # (the link and the Reproduce script, made at every fragment of a first view, were 8 % of it).
        box.markdown(st.session_state.get(SHARE_TEXT, ""))
        return
    urlstate.publish_current(page_id, params)
    _draw_share_box(page_id, params, box)


def fragment_run() -> bool:
    """Whether this run is a fragment's own rerun (not the page's full run, which runs every fragment too)."""
    # Streamlit 1.67 lists the fragments a fragment rerun runs (empty or None in a full run). Where that cannot be
    # read, say yes: a fragment's run syncs in full, which is always right, only slower in a full run.
    return bool(getattr(get_script_run_ctx(), "fragment_ids_this_run", True))


def finish() -> None:
    """The end of a full run (app.py calls it after the page): the URL and the share box with the final values."""
    if not st.session_state.pop("_frame_this_run", False):  # a page without the lesson frame (the Class page)
        urlstate.keep_language()
        return
    page_id, params, box = st.session_state.get("_page_sync", (None, (), None))
    if page_id is not None:
        urlstate.publish_current(page_id, params)
    _draw_share_box(page_id, params, box)


def _draw_share_box(page_id: str | None, params, box) -> None:
    """The link to this view and, where the lesson has one, its 'Reproduce in Python' script at these settings.

    One Markdown element, never a container: the box is rewritten by several fragments within one full run, and
    replacing a single element is safe where replacing a container with children could leave a child pointing
    at a replaced parent ("Cannot set a node at a delta path" in the browser).
    """
    link = urlstate.share_link()  # URL-encoded: no backtick can end the code span
    text = f"`{link}`"
    if page_id is not None:
        values = {p.name: st.session_state.get(urlstate.key(page_id, p.name), p.default) for p in params}
        script = reproduce.script(page_id, values, link)
        url = script and media.download_url(
            script.encode("utf-8"), "text/x-python", reproduce.file_name(page_id), slot=f"reproduce.{page_id}"
        )
        if url:
            text += f"\n\n:material/terminal: [{t('common.reproduce')}]({url})  \n{t('common.reproduce_caption')}"
    st.session_state[SHARE_TEXT] = text
    box.markdown(text)


def fragment(body: Callable) -> Callable:
    """A lesson section that reruns alone when one of its own controls moves, then syncs the URL (:func:`sync`).

    Use it as a decorator on the function that draws the section, and call that function where the section
    belongs in the lesson. Whatever a section reads from another section's controls is read from
    ``st.session_state`` and is current at the section's own reruns; where a control must redraw a *later*
    section too, the view groups them into one fragment and says why in a comment.
    """

    @functools.wraps(body)
    def run(*args, **kwargs):
        body(*args, **kwargs)
        sync()

    return st.fragment(run)


def section(title_key: str):
    """A lesson section: its numbered header, and a container for its content (use ``with page.section(...):``).

    Its number is its position in the ``sections`` the page gave :func:`frame`. With ``?sections=2,4`` in the
    link, a section not listed is drawn into a container that is never shown, so the lesson's code runs unchanged.
    """
    number = section_number(title_key)
    if not present.section_shown(number):
        return st.container(key=f"rnnlab-hidden-section-{number}")  # hidden by present.BASE_CSS
    st.header(
        f"{number} · {t(title_key)}" if number else t(title_key),
        divider="gray",
        anchor=anchor(number) if number else None,
    )
    return st.container()


def places(lesson: str, *sections: Sequence) -> list:
    """Sections whose content a fragment draws: for each ``(title_key, box, ...)``, the section (:func:`section`),
    an empty place for its content, then its exercise boxes. A box is an exercise id, a tuple of exercise ids for
    boxes side by side in columns (stacked on a phone), or a dict of tab title keys to exercise ids for boxes in
    tabs. Returns the places, in order.

    Pass the places to the fragment, which draws each section's content into its own (Streamlit keeps a
    fragment's writes to a container made outside it in place, and redraws only them at the fragment's reruns).
    The boxes are the page's, not the fragment's: a move does not redraw them. An exercise box is about fifteen
    elements and a nested fragment, which made a quarter of a move's server time while the sections drew them.
    """
    made = []
    for title_key, *boxes in sections:
        with section(title_key):
            # Keyed "<lesson>-body-<section>", for a lesson's CSS (a container query on the section's width).
            made.append(st.container(key=f"{lesson}-body-{title_key.split('.')[-1].removesuffix('_header')}"))
            for box in boxes:
                if isinstance(box, str):
                    exercise_box(lesson, box)
                    continue
                ids = list(box.values()) if isinstance(box, dict) else list(box)
                holders = st.tabs([t(key) for key in box]) if isinstance(box, dict) else st.columns(len(ids))
                for holder, exercise_id in zip(holders, ids, strict=True):
                    with holder:
                        exercise_box(lesson, exercise_id)
    return made


def section_number(title_key: str) -> int | None:
    """The position (from 1) of a section among the page's sections, or None for one the page did not list."""
    sections = st.session_state.get("_page_sections", ())
    return sections.index(title_key) + 1 if title_key in sections else None


def values() -> dict[str, Any]:
    """The current page's settings by name, as :func:`frame` was given them (:func:`ui.urlstate.values`). Every
    section reads them here, in the fragment's own run too, so each sees what the others last set."""
    page_id, params, _ = st.session_state["_page_sync"]
    return urlstate.values(page_id, params)


def prose(key: str, **values) -> None:
    """A long paragraph of the lesson: in presenter mode folded into an expander, so the projector shows the
    figures and the teacher talks."""
    if present.presenting():
        with st.expander(t("app.read_more"), icon=":material/notes:"):
            st.markdown(t(key, **values))
    else:
        st.markdown(t(key, **values))
