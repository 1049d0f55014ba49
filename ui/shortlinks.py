"""Short links for the projector: ``/?s=K7M-3QX`` opens a lesson at exactly the view a teacher chose, with a QR
code drawn on the server (segno, no network), so students can type or scan it instead of a 600-character URL.

The links live in the class store's database (``classroom.store.ClassStore.shorten``/``expand``), which the
replicas share, and expire after a month. A short link that opens nothing costs the client's address a guess
(:func:`client`, the store's per-address limit), so codes cannot be tried at speed from many sessions. A link
carries a class (``join=``) only when that class's teacher made it: a student's link would otherwise put whoever
opens it, for a month, into the class.
"""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlencode, urlsplit

import streamlit as st

from classroom import codes
from classroom.ratelimit import client_address, seconds_text
from classroom.store import StoreUnavailable, TooManyGuesses
from ui import registry
from ui.i18n import t

PARAM = "s"


def client() -> str:
    """This session's client address, as the store's guess limit counts it (see
    :func:`classroom.ratelimit.client_address`: ``X-Forwarded-For`` from our nginx, else the connection's)."""
    return client_address(st.context.headers, st.context.ip_address)


def arrival() -> None:
    """On a session's first run with ``?s=CODE``: remember where the link leads, and take its language and
    presenter mode now (before the sidebar's widgets are drawn). :func:`redirect` then opens the page."""
    code = st.query_params.get(PARAM)
    if code is None or "_short_seen" in st.session_state:
        return
    st.session_state["_short_seen"] = True
    from ui.exercise_box import class_store

    store = class_store()
    try:
        target = store.expand(code[:20], client()) if store else None
    except StoreUnavailable:
        target = None
    except TooManyGuesses as refused:
        st.session_state["_short_unknown"] = refused.wait
        return
    if target is None:
        st.session_state["_short_unknown"] = True
        return
    path, _, query = target.partition("?")
    params = {k: v[-1] for k, v in parse_qs(query).items()}
    if params.get("lang") in ("en", "ko"):
        st.session_state["lang"] = params["lang"]
    st.session_state["present"] = params.get("present") == "1"
    st.session_state["_short_target"] = (path, params)


def redirect() -> None:
    """Open the page a short link leads to (after ``st.navigation`` has registered the pages)."""
    unknown = st.session_state.pop("_short_unknown", False)
    if unknown is True:
        st.warning(t("app.short_unknown"), icon=":material/link_off:")
    elif unknown:  # refused: too many guesses from this address
        st.warning(t("classroom.too_many", seconds=seconds_text(unknown)), icon=":material/hourglass_top:")
    target = st.session_state.pop("_short_target", None)
    if target is None:
        return
    path, params = target
    pages = registry.pages()
    script = next((known.script for known in pages if known.name == path), pages[0].script)
    st.switch_page(script, query_params=params)


def page_path() -> str:
    """The current lesson's URL path (its page id, which ui.urlstate.bind_page records)."""
    return st.session_state.get("_url_page", "")


def app_root() -> str:
    """The app's root URL, as the browser sees it."""
    url = st.context.url or "http://localhost:8501/"
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    current = page_path()
    if current and path.endswith("/" + current):  # the default page is served at the root, others below it
        path = path[: -len(current) - 1]
    return f"{parts.scheme}://{parts.netloc}{path}/"


def qr_png(text: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=10, border=2)
    return buffer.getvalue()


@st.dialog(" ", width="large")
def show(short_url: str, code: str) -> None:
    st.markdown(f"### {t('app.short_title')}")
    left, right = st.columns([3, 2])
    left.code(short_url, language=None, wrap_lines=True)
    left.markdown(t("app.short_code", code=f"`{code}`"))
    left.caption(t("app.short_caption"))
    right.image(qr_png(short_url), caption=t("app.short_qr"), width="stretch")


def shared_params(params: dict[str, str]) -> dict[str, str]:
    """The view's URL values a short link stores: all but ``me`` and ``join``; ``join`` stays only if this session
    is the teacher of that very class (a teacher may put the class in a link for the projector; a student may not)."""
    params = dict(params)
    params.pop("me", None)  # a student's token is theirs alone: whoever opened the link would answer as them
    joining = params.pop("join", None)
    teacher = st.session_state.get("_class.teacher")
    if joining is not None and teacher is not None and codes.normalise(joining) == teacher["code"]:
        params["join"] = teacher["code"]
    return params


def button() -> None:
    """The sidebar's "short link and QR code" button: stores the current view and shows its short link."""
    if not st.button(t("app.short_button"), icon=":material/qr_code_2:", key="short_link_button"):
        return
    from ui.exercise_box import class_store

    target = f"{page_path()}?{urlencode(shared_params(st.query_params.to_dict()))}"
    store = class_store()
    try:
        code = store.shorten(target) if store else None
    except (StoreUnavailable, ValueError):
        code = None
    if code is None:
        st.warning(t("app.short_failed"), icon=":material/link_off:")
        return
    pretty = f"{code[:3]}-{code[3:]}"
    show(f"{app_root()}?{PARAM}={pretty}", pretty)
