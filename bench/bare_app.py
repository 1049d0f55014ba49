"""The framework's floor for bench/classroom.py: one keyed slider and nothing else.

Whatever a page costs beyond this app's rerun is the page's own work; comparing the two in the same run shares
the machine's noise. Run by itself with ``streamlit run bench/bare_app.py``.
"""

import streamlit as st

st.slider("x", 0, 100, 50, key="x")
