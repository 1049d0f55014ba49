"""What every lesson page does around its content: URL notices and the link to share."""

from __future__ import annotations

import streamlit as st

from ui import urlstate
from ui.i18n import t


def frame(title_key: str, intro_key: str) -> None:
    """Title, the notices about rejected URL values, the introduction, and the share link in the sidebar."""
    st.title(t(title_key))
    urlstate.show_notices()
    st.markdown(t(intro_key))
    with st.sidebar, st.expander(t("common.share_title"), icon="🔗"):
        st.caption(t("common.share_caption"))
        st.code(urlstate.share_link(), language=None, wrap_lines=True)


def section(title_key: str) -> None:
    st.header(t(title_key), divider="gray")
