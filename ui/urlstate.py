"""Every lesson widget mirrored in the URL, so a link reproduces the exact view (seed included).

A page declares its parameters once as :class:`Param` specs (name, default, range or choices). At the top of
the page, :func:`bind_page`:

1. on entering the page (first run, or arriving from another page or a link), reads each parameter from
   ``st.query_params``, validates it, and falls back to the default with a notice when it is malformed or out
   of range;
2. restores any value Streamlit dropped (widgets forget their state when not drawn, e.g. after a page switch);
3. writes the page's current values, and the language, back to the URL.

The widget helpers below create widgets *from* the spec: the value always lives in ``st.session_state`` under
the spec's key, which is what lets the URL and chart clicks set it (a slider is also given that value as its
``value=``, which is the same and spares Streamlit a copy of the session state; see :func:`_ranged`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import streamlit as st

from ui import present
from ui.i18n import t
from ui.numbers import integer
from ui.param import MAX_TEXT, Param  # noqa: F401 (pages and tests read them here too)


def key(page: str, name: str) -> str:
    """The ``st.session_state`` key of a page's parameter (pages never share widget keys)."""
    return f"{page}.{name}"


def _shadow(page: str, name: str) -> str:
    return f"_kept.{page}.{name}"


def bind_page(
    page: str, params: Sequence[Param], overrides: dict[str, Any] | None = None, section_count: int = 99
) -> dict[str, Any]:
    """Sync a page's parameters with the URL; call it before drawing the page's widgets.

    Args:
        page: the page id (its URL path).
        params: the page's specs.
        overrides: values set by the page itself this run (e.g. a click on a chart); they win.
        section_count: the page's number of sections (a ``?sections=`` number beyond it gets a notice).
    Returns:
        ``{name: value}`` for every parameter. Notices about rejected URL values are shown by
        :func:`show_notices`.
    """
    entering = st.session_state.get("_url_page") != page
    st.session_state["_url_page"] = page
    notices = present.read_from_link(entering, {p.name for p in params}, section_count)
    for p in params:
        k = key(page, p.name)
        raw = st.query_params.get(p.name) if entering else None
        if raw is not None:
            try:
                st.session_state[k] = p.parse(raw)
            except (ValueError, TypeError):
                notices.append((p.name, raw))
                st.session_state[k] = p.default
        elif k not in st.session_state:
            st.session_state[k] = st.session_state.get(_shadow(page, p.name), p.default)
    if entering:
        st.session_state["_url_notices"] = notices
    for name, value in (overrides or {}).items():
        st.session_state[key(page, name)] = value
    values = {p.name: st.session_state[key(page, p.name)] for p in params}
    for p in params:
        st.session_state[_shadow(page, p.name)] = values[p.name]
    publish({p.name: p.format(values[p.name]) for p in params})
    return values


def values(page: str, params: Sequence[Param]) -> dict[str, Any]:
    """The page's current settings, ``{name: value}``: what every section reads, so a fragment sees what the
    others last set. A value Streamlit dropped with a widget the last run did not draw is put back from its
    kept copy (see :func:`bind_page`), so the section and the URL keep it."""
    for p in params:
        k = key(page, p.name)
        if k not in st.session_state:  # never written while present: the widget may already be drawn this run
            st.session_state[k] = st.session_state.get(_shadow(page, p.name), p.default)
    return {p.name: st.session_state[key(page, p.name)] for p in params}


def publish_current(page: str, params: Sequence[Param]) -> None:
    """Write the page's current widget values to the URL (after a fragment moved one of them), and keep the
    copies that restore a value Streamlit drops (see :func:`bind_page`)."""
    values = {}
    for p in params:
        # A widget not drawn in this run (a conditional input) may have lost its key: its kept copy stands in.
        value = st.session_state.get(key(page, p.name), st.session_state.get(_shadow(page, p.name), p.default))
        st.session_state[_shadow(page, p.name)] = value
        values[p.name] = p.format(value)
    publish(values)


def publish(page_values: dict[str, str]) -> None:
    """Replace the URL's query string with the language, this page's values and the view options (presenter
    mode, hidden controls, chosen sections: :mod:`ui.present`)."""
    st.query_params.from_dict({"lang": st.session_state.get("lang", "en"), **page_values, **present.link_values()})


def keep_language() -> None:
    """Keep ``lang`` in the URL in step with the sidebar's switch on a page with no values of its own (the Class
    page), leaving its other parameters as they are: a link copied from the address bar opens in the language
    the student chose, as on the lessons (:func:`publish`)."""
    lang = st.session_state.get("lang", "en")
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang


def show_notices() -> None:
    """Say which URL values were rejected on entering the page, in the chosen language."""
    notices = st.session_state.get("_url_notices", [])
    if len(notices) == 1:
        name, raw = notices[0]
        if name == present.HIDE:  # a control the page does not have: ignored
            st.warning(t("common.url_unknown_hide", value=_shorten(raw)), icon=":material/warning:")
        elif name == present.SECTIONS:  # a section the page does not have: ignored
            count = integer(len(st.session_state.get("_page_sections", ())))
            st.warning(t("common.url_unknown_sections", value=_shorten(raw), count=count), icon=":material/warning:")
        else:  # a setting's value: its default is used
            st.warning(t("common.url_rejected", name=name, value=_shorten(raw)), icon=":material/warning:")
    elif notices:  # one box for a mangled link, not a wall of them
        lines = "\n".join(f"- `{name}` = `{_shorten(raw)}`" for name, raw in notices)
        st.warning(t("common.url_rejected_many", count=len(notices)) + "\n\n" + lines, icon=":material/warning:")


def _shorten(raw: str) -> str:
    """A URL value as it can be quoted in a notice: short, and without backticks that would end the code span."""
    raw = raw.replace("`", "'")
    return raw if len(raw) <= 40 else raw[:40] + "…"


def share_link() -> str:
    """The URL of the current view (page path and every parameter) for a teacher to send."""
    from urllib.parse import urlencode

    base = st.context.url or ""
    params = {k: v for k, v in st.query_params.to_dict().items() if k != "me"}  # a student's token stays theirs
    return f"{base}?{urlencode(params)}"


# Widgets created from a spec. The label is translated by the caller; the value lives in session_state.
# A control named in ?hide= is not drawn: its value stays what the link set (kept in session_state, where a
# widget that is not drawn would lose it).


# A label with LaTeX ($W_{xh}$) is drawn as such, but Streamlit gives the widget the label's source as its
# accessible name, and a screen reader read out "dollar W underscore brace x h". Such a label is drawn above the
# widget as Markdown, and the widget is named with the plain text (W_xh written Wₓₕ).
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "Delta": "Δ", "epsilon": "ε", "varepsilon": "ε",
    "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "phi": "φ", "omega": "ω", "cdot": "·", "times": "×", "le": "≤", "ge": "≥",
}  # fmt: skip
_SUB = dict(zip("0123456789aehijklmnoprstuvx+-", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ₊₋", strict=True))
_SUP = dict(zip("0123456789n+-*T", "⁰¹²³⁴⁵⁶⁷⁸⁹ⁿ⁺⁻*ᵀ", strict=True))


def plain_label(label: str) -> str:
    """A label's text without LaTeX, as a screen reader should read it: ``$W_{xh}$`` → ``Wₓₕ``, ``$\\rho$`` → ``ρ``
    (a sub- or superscript with no Unicode form stays ``_f``)."""

    def script(match: re.Match) -> str:
        table = _SUB if match[1] == "_" else _SUP
        body = match[2] or match[3]
        return "".join(table[c] for c in body) if all(c in table for c in body) else match[1] + body

    def math(match: re.Match) -> str:
        body = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m[1], m[1]), match[1])
        body = re.sub(r"([_^])(?:\{([^{}]*)\}|([A-Za-z0-9*]))", script, body)
        return re.sub(r"[{}\\]", "", body)

    return re.sub(r"\$([^$]*)\$", math, label)


@contextlib.contextmanager
def _labelled(label: str, widget_key: str, kwargs: dict) -> Iterator[str]:
    """Where a widget with ``label`` goes, and the label to give it: the label itself, or, for a label with LaTeX,
    its plain text, with the label drawn above in Markdown (help included) and the widget's own label collapsed."""
    if "$" not in label or kwargs.get("label_visibility", "visible") != "visible":
        yield label
        return
    with st.container(gap=None, key=f"rnnlab-label-{widget_key}"):  # styled as a label (ui.present.BASE_CSS)
        st.markdown(label, help=kwargs.get("help"))  # the widget keeps it too, unseen with its label collapsed
        kwargs["label_visibility"] = "collapsed"
        yield plain_label(label)


def _persisting(kwargs: dict) -> dict:
    """Widgets keep their value while the page shows them only now and then (a conditional input, a section
    hidden by a choice): ``persist_state="page"``, so a fragment's run never sees the key vanish."""
    kwargs.setdefault("persist_state", "page")
    return kwargs


def _kept(page: str, p: Param) -> Any:
    k = key(page, p.name)
    st.session_state[k] = st.session_state.get(k, st.session_state.get(_shadow(page, p.name), p.default))
    return st.session_state[k]


def slider(page: str, p: Param, label: str, **kwargs) -> Any:
    return _ranged(st.slider, page, p, label, kwargs)


def number(page: str, p: Param, label: str, **kwargs) -> Any:
    return _ranged(st.number_input, page, p, label, kwargs)


def _ranged(widget, page: str, p: Param, label: str, kwargs: dict) -> Any:
    """A slider or number box over ``p``'s range and step, kept when hidden."""
    if present.hidden(p.name):
        return _kept(page, p)
    cast = float if p.kind == "float" else int
    if widget is st.slider:
        # Its value is the session's (the key's), as for every widget here; given too, because a slider without
        # one copies the whole session state to learn whether it is a range (Streamlit 1.67): with a lesson's
        # sixteen sliders, a seventh of a move's CPU. Its identity is its key and range, so it stays the same.
        kwargs.setdefault("value", st.session_state.get(key(page, p.name), cast(p.default)))
    with _labelled(label, key(page, p.name), kwargs) as name:
        return widget(
            name,
            min_value=cast(p.lo),
            max_value=cast(p.hi),
            step=cast(p.step or 1),
            key=key(page, p.name),
            **_persisting(kwargs),
        )


def choice(page: str, p: Param, label: str, format_func: Callable[[Any], str], widget=None, **kwargs) -> Any:
    if present.hidden(p.name):
        return _kept(page, p)
    widget = widget or st.radio
    # Labels are fixed now, in this run's language: Streamlit may call format_func outside the script run.
    labels = {option: format_func(option) for option in p.options}
    with _labelled(label, key(page, p.name), kwargs) as name:
        return widget(
            name, options=list(p.options), format_func=labels.__getitem__, key=key(page, p.name), **_persisting(kwargs)
        )


def text(page: str, p: Param, label: str, **kwargs) -> str:
    if present.hidden(p.name):
        return _kept(page, p)
    with _labelled(label, key(page, p.name), kwargs) as name:
        return bounded_text(name, key(page, p.name), p.max_chars, p.default, **_persisting(kwargs))


def bounded_text(label: str, widget_key: str, limit: int, fallback: str, **kwargs) -> str:
    """A text box whose value the server bounds to ``limit`` characters, whatever a client sends.

    Streamlit (1.67) cuts a text sent for a box to the box's ``max_chars`` on the server, before the app sees it;
    the box takes one character more than ``limit``, so a text that went over is still seen to have done so. Its
    change is then undone, back to the last accepted value (``fallback`` if there was none), and the box says so.
    Parsers check the same limit again before reading anything (:func:`rnn_core.typed_inputs.check_length`).
    """
    value = st.session_state.get(widget_key)
    if isinstance(value, str) and len(value) <= limit:
        st.session_state[_accepted(widget_key)] = value
    typed = st.text_input(
        label,
        key=widget_key,
        max_chars=limit + 1,
        on_change=_undo_too_long,
        args=(widget_key, limit, fallback),
        **kwargs,
    )
    if st.session_state.pop(_refused(widget_key), False):
        st.warning(t("common.text_too_long_kept", chars=integer(limit)), icon=":material/warning:")
    return typed


def _accepted(widget_key: str) -> str:
    return f"_accepted.{widget_key}"


def _refused(widget_key: str) -> str:
    return f"_refused.{widget_key}"


def _undo_too_long(widget_key: str, limit: int, fallback: str) -> None:
    """A text box's change callback: a text over ``limit`` is not kept (see :func:`bounded_text`)."""
    value = st.session_state.get(widget_key)
    if isinstance(value, str) and len(value) > limit:
        st.session_state[widget_key] = st.session_state.get(_accepted(widget_key), fallback)
        st.session_state[_refused(widget_key)] = True


def multichoice(page: str, p: Param, label: str, format_func: Callable[[Any], str], widget=None, **kwargs) -> Any:
    """Several of a ``"multi"`` spec's options: ``st.multiselect`` by default, or e.g. ``st.pills`` (pass
    ``selection_mode="multi"``)."""
    if present.hidden(p.name):
        return _kept(page, p)
    widget = widget or st.multiselect
    labels = {option: format_func(option) for option in p.options}
    with _labelled(label, key(page, p.name), kwargs) as name:
        return widget(
            name, options=list(p.options), format_func=labels.__getitem__, key=key(page, p.name), **_persisting(kwargs)
        )
