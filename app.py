"""RNN Lab: the frame and router. Page config, language, the list of lessons; each lesson lives in lessons/<name>/."""

import os

# One BLAS thread per server process, set before the lessons import numpy (its OpenBLAS reads this once). A class
# shares one process whose sessions already keep every core busy; OpenBLAS's own threads then wait spinning, and a
# least-squares fit of the gradients lesson cost 20 ms of CPU where one thread takes 2.8 ms.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from pathlib import Path

import streamlit as st

import lessons  # noqa: F401  (registers every lesson, ui.registry, before anything asks for one)
from ui import exercise_box, pacing, page, present, registry, shortlinks
from ui.i18n import LANGUAGE_NAMES, LANGUAGES, language_from_locale, t, verbatim

# Presenter mode comes from the link (?present=1) on arrival; then the sidebar switch owns it.
if present.PRESENT not in st.session_state:
    st.session_state[present.PRESENT] = st.query_params.get(present.PRESENT) == "1"
st.set_page_config(
    page_title="RNN Lab",
    page_icon=str(Path(__file__).parent / "assets" / "favicon.png"),
    layout="wide",
    initial_sidebar_state="collapsed" if present.presenting() else "auto",
)
st.html(present.styles())

shortlinks.arrival()  # ?s=CODE: a short link from a projector sets the language and presenter mode first

# The language: from the link (?lang=ko) on arrival, else the browser's locale; then the sidebar switch owns it.
if "lang" not in st.session_state:
    asked = st.query_params.get("lang")
    st.session_state["lang"] = asked if asked in LANGUAGES else language_from_locale(st.context.locale)
    st.session_state["_lang_rejected"] = asked if asked is not None and asked not in LANGUAGES else None

with st.sidebar:
    st.segmented_control(t("app.language"), LANGUAGES, format_func=LANGUAGE_NAMES.get, key="lang", required=True)
    st.toggle(t("app.present"), key=present.PRESENT, help=t("app.present_help"))
    with st.container(key=present.LANGUAGE_SCRIPT_KEY):  # hidden by present.BASE_CSS: it takes no room
        st.html(present.document_language(st.session_state["lang"]), unsafe_allow_javascript=True)
if st.session_state.get("_lang_rejected"):
    st.warning(
        t("app.lang_rejected", value=verbatim(st.session_state["_lang_rejected"][:20])), icon=":material/warning:"
    )

# The pages in teaching order (lessons/__init__.py); the first is the default page. Titles are rebuilt every
# run, so they follow the language.
pages = [
    st.Page(known.script, title=t(known.title_key), icon=known.icon, url_path=known.name, default=(i == 0))
    for i, known in enumerate(registry.pages())
]
exercise_box.join_from_link()  # ?join=CODE: a student's link keeps them in their class
navigation = st.navigation(pages)
pacing.banner(navigation)  # a joined student: where the teacher has taken the class (above the page)
shortlinks.redirect()  # a short link opens its lesson (after the pages are registered)
navigation.run()
page.finish()  # the share box and the URL with the values the lesson ended its run with
