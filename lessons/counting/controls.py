"""The counting RNN's data set as controls: the book's 50 × 10, or generated. The counting and optimizer lessons
both train on it."""

from __future__ import annotations

import streamlit as st

from rnn_core import counting
from ui import urlstate
from ui.i18n import t


def data_controls(page_id: str, params: dict) -> None:
    """The counting RNN's data set: the book's 50 × 10, or generated (sequences, length, seed).

    Shared by the lessons that train the counting RNN; ``params`` must hold the ``data``, ``n``, ``len`` and
    ``seed`` specs of ``page_id``.
    """
    data_names = {"book": "common.data_book", "generated": "common.data_generated"}
    d1, d2, d3, d4 = st.columns(4)
    with d1:
        urlstate.choice(page_id, params["data"], t("common.data_label"), lambda o: t(data_names[o]), horizontal=True)
    if st.session_state[urlstate.key(page_id, "data")] == "generated":
        with d2:
            urlstate.number(page_id, params["n"], t("common.n_label"))
        with d3:
            urlstate.number(page_id, params["len"], t("common.len_label"))
        with d4:
            urlstate.number(page_id, params["seed"], t("common.seed_label"))
    else:
        with d2:
            X, targets = counting.book_dataset()
            st.caption(
                t(
                    "common.book_caption",
                    n=X.shape[0],
                    T=X.shape[1],
                    first="".join(str(int(b)) for b in X[0]),
                    target=int(targets[0]),
                )
            )
