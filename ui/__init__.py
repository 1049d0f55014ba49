"""Streamlit and Altair pieces that the lesson pages share (translation, URL state, charts, code panel)."""

from ui import streamlit_shims

streamlit_shims.apply()
