"""The one renderer for typed input that cannot be read (rnn_core.errors.InputError and its subclasses)."""

from __future__ import annotations

import streamlit as st

from rnn_core.errors import InputError
from ui.i18n import t, verbatim
from ui.numbers import integer


def show_input_error(err: InputError, keys: dict[str, str], fallback_key: str, **fields) -> None:
    """Say what is wrong with what the student typed, and what the page uses instead, in their language.

    Args:
        err: the parser's error.
        keys: ``{code: locale key}`` for every code the parser raises (the page names its keys, so each is a
            literal in the code). The message may use ``{position}``, ``{length}`` (the same number, for
            ``too_long``), ``{token}`` (quoted as typed, never rendered), any field of ``err.details`` and ``fields``.
        fallback_key: the sentence saying what is shown instead (e.g. the default sequence); it may use the
            same fields.

    A text longer than the parser reads at all (code ``"too_many_chars"``, the same for every parser) has one
    sentence for every page, unless the page names its own.
    """
    values = {"position": err.position, "length": err.position, "token": verbatim(err.token), **err.details, **fields}
    if err.code == "too_many_chars":
        values["chars"] = integer(err.details["chars"])
        key = keys.get(err.code, "common.text_too_long")
    else:
        key = keys[err.code]
    st.error(t(key, **values) + " " + t(fallback_key, **values), icon=":material/front_hand:")
