"""Short links for the projector: ``/?s=K7M-3QX`` opens a lesson at exactly the view a teacher chose, with a QR
code drawn on the server (segno, no network), so students can type or scan it instead of a 600-character URL.

The links live in the class store's database (``classroom.store.ClassStore.shorten``/``expand``), which the
replicas share, and expire after a month. A short link that opens nothing costs the client's address a guess
(:func:`client`, the store's per-address limit), so codes cannot be tried at speed from many sessions. A link
carries a class (``join=``) only when that class's teacher made it: a student's link would otherwise put whoever
opens it, for a month, into the class.

A link a teacher gives students opens the *student's* view: the lesson at the teacher's settings, but not the
projector's setup (``lang``, presenter mode, hidden controls, chosen sections: :data:`TEACHER_SETUP`). The
student's browser language then decides (app.py reads ``st.context.locale`` when the URL names none). A teacher who
wants the setup in the link ticks a box (``keep_setup``).

The address in a link is the one students can reach (:func:`public_root`): ``RNNLAB_PUBLIC_URL`` when set, else
what the teacher's browser shows. Started as ``streamlit run app.py`` on a laptop that is ``localhost``, which
no phone can open; the dialog and the Class page then say how to start the server for a room (:func:`local_notice`).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from urllib.parse import parse_qs, urlencode, urlsplit

import streamlit as st

from classroom import codes
from classroom.ratelimit import client_address, seconds_text
from classroom.store import StoreUnavailable, TooManyGuesses
from ui import registry
from ui.i18n import t

PARAM = "s"
PUBLIC_URL_ENV = "RNNLAB_PUBLIC_URL"
MAX_PUBLIC_URL = 300  # a root address; anything longer is a mistake, not an address
FALLBACK_ROOT = "http://localhost:8501/"  # where neither the request nor the setting names one (AppTest)
# A host as a Host or X-Forwarded-Host header may carry it: a name, an IPv4 or a bracketed IPv6, and a port.
HOST_HEADER = re.compile(r"^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$")
# What a teacher's projector shows that a student's phone should not inherit from a link (ui.present, app.py).
TEACHER_SETUP = ("lang", "present", "hide", "sections")
KEEP_SETUP_KEY = "short_keep_setup"


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


def configured_root(value: str | None) -> str | None:
    """``RNNLAB_PUBLIC_URL`` as a root address ending in ``/``, or None when unset or not an http(s) URL of at most
    :data:`MAX_PUBLIC_URL` characters with a host and nothing after its path (no query, fragment or password)."""
    value = (value or "").strip()
    if not value or len(value) > MAX_PUBLIC_URL or any(c.isspace() or not c.isprintable() for c in value):
        return None
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0..65535
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/"


def request_root(url: str | None, headers: Mapping[str, str], pages: tuple[str, ...] = ()) -> str | None:
    """The app's root address as the request shows it, ending in ``/``; None when the request names none.

    The browser's own address (``st.context.url``) first: it is what the teacher typed, behind any proxy; its last
    part is cut off where it is one of ``pages`` (Streamlit gives the address of the page being run, and only the
    default page is served at the root). Without it, the headers: ``X-Forwarded-Host``/``-Proto`` from a proxy,
    else ``Host`` (our nginx passes the browser's ``Host`` on and sets ``X-Forwarded-Proto``).
    """
    if url:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            path = parts.path.rstrip("/")
            head, _, last = path.rpartition("/")
            return f"{parts.scheme}://{parts.netloc}{head if last in pages else path}/"
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    host = lowered.get("x-forwarded-host", "").split(",")[0].strip() or lowered.get("host", "").strip()
    scheme = lowered.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    if host and HOST_HEADER.match(host):
        return f"{scheme if scheme in ('http', 'https') else 'http'}://{host}/"
    return None


def known_root() -> str | None:
    """The root address students should use: ``RNNLAB_PUBLIC_URL`` when set and valid, else the request's; None
    when neither names one (no browser behind the session, as in a test)."""
    configured = configured_root(os.environ.get(PUBLIC_URL_ENV))
    if configured is not None:
        return configured
    return request_root(st.context.url, st.context.headers, tuple(known.name for known in registry.pages()))


def public_root() -> str:
    """:func:`known_root`, or :data:`FALLBACK_ROOT` where it is unknown."""
    return known_root() or FALLBACK_ROOT


def is_local(root: str) -> bool:
    """Whether ``root`` names this machine only (``localhost``, ``127.x.x.x``, ``::1``, ``0.0.0.0``): a phone that
    opens it reaches itself, not the teacher's server."""
    host = (urlsplit(root).hostname or "").lower()
    return host in ("localhost", "::1", "0.0.0.0") or host.endswith(".localhost") or host.startswith("127.")


def local_notice() -> None:
    """Say so where the links given to students name this machine only, and how to start the server for a room;
    also when ``RNNLAB_PUBLIC_URL`` is set but unusable (the request's address is used instead)."""
    setting = os.environ.get(PUBLIC_URL_ENV)
    if setting and configured_root(setting) is None:
        st.warning(t("app.public_url_invalid", name=f"`{PUBLIC_URL_ENV}`"), icon=":material/warning:")
    root = known_root()
    if root is not None and is_local(root):
        st.warning(
            t(
                "app.local_address",
                command="`streamlit run app.py --server.address 0.0.0.0`",
                example="`http://192.168.1.20:8501`",
                name=f"`{PUBLIC_URL_ENV}`",
            ),
            icon=":material/wifi_off:",
        )


def qr_png(text: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=10, border=2)
    return buffer.getvalue()


def show(short_url: str, code: str, kept_setup: bool = False) -> None:
    """The short link's dialog: the link, its code and its QR code. The dialog is made at each call, so that its
    title (the name a screen reader gives it) is in the page's current language."""
    st.dialog(t("app.short_title"), width="large")(_dialog_body)(short_url, code, kept_setup)


def _dialog_body(short_url: str, code: str, kept_setup: bool) -> None:
    local_notice()
    left, right = st.columns([3, 2])
    left.code(short_url, language=None, wrap_lines=True)
    left.markdown(t("app.short_code", code=f"`{code}`"))
    left.caption(t("app.short_caption"))
    left.caption(t("app.short_setup_kept" if kept_setup else "app.short_student_view"))
    right.image(qr_png(short_url), caption=t("app.short_qr"), width="stretch", alt=t("app.short_qr_alt"))


def shared_params(params: dict[str, str], keep_setup: bool = False) -> dict[str, str]:
    """The view's URL values a short link stores: all but ``me`` and ``join``; ``join`` stays only if this session
    is the teacher of that very class (a teacher may put the class in a link for the projector; a student may not).
    The projector's setup (:data:`TEACHER_SETUP`) stays only with ``keep_setup``: students get their own view."""
    params = dict(params)
    if not keep_setup:
        for name in TEACHER_SETUP:
            params.pop(name, None)
    params.pop("me", None)  # a student's token is theirs alone: whoever opened the link would answer as them
    joining = params.pop("join", None)
    teacher = st.session_state.get("_class.teacher")
    if joining is not None and teacher is not None and codes.normalise(joining) == teacher["code"]:
        params["join"] = teacher["code"]
    return params


def button() -> None:
    """The sidebar's "short link and QR code" button: stores the current view and shows its short link; the box
    beside it keeps the teacher's language and presenter settings in the link (off: the students' own view)."""
    keep_setup = st.checkbox(t("app.short_keep_setup"), key=KEEP_SETUP_KEY, help=t("app.short_keep_setup_help"))
    if not st.button(t("app.short_button"), icon=":material/qr_code_2:", key="short_link_button"):
        return
    from ui.exercise_box import class_store

    target = f"{page_path()}?{urlencode(shared_params(st.query_params.to_dict(), keep_setup))}"
    store = class_store()
    try:
        code = store.shorten(target) if store else None
    except (StoreUnavailable, ValueError):
        code = None
    if code is None:
        st.warning(t("app.short_failed"), icon=":material/link_off:")
        return
    pretty = f"{code[:3]}-{code[3:]}"
    show(f"{public_root()}?{PARAM}={pretty}", pretty, keep_setup)
