"""The one place the tests reach past Streamlit's public API, where it offers no public way, for the Streamlit
releases this was checked against. Another release fails loudly at import (so the suite says what to re-check)
instead of testing something else in silence.

- :func:`open_page`: AppTest can open a page before the first run only by its file name
  (``AppTest.switch_page`` hashes the file's stem, which ``st.Page`` uses as its URL path by default). Every
  lesson's script is ``lessons/<name>/page.py`` with ``url_path=<name>``, so a deep link is opened here by the
  hash ``st.Page`` itself gives its URL path, as a browser opening ``/<name>`` does.
"""

from __future__ import annotations

import streamlit
from streamlit.util import calc_hash

CHECKED = ("1.67",)  # major.minor releases whose private names below were read and tested


def _check_version() -> None:
    release = ".".join(streamlit.__version__.split(".")[:2])
    if release not in CHECKED:
        raise RuntimeError(f"tests/streamlit_compat.py was checked against Streamlit {', '.join(CHECKED)}, not "
                           f"{streamlit.__version__}: re-read the private names it uses, then add the release")


_check_version()


def open_page(at, url_path: str):
    """Open ``url_path`` (a page's ``st.Page(url_path=...)``) on the AppTest's next run, as a deep link does.

    ``st.Page._script_hash`` is ``calc_hash(url_path)``; AppTest keeps the page to run in ``_page_hash``.
    """
    at._page_hash = calc_hash(url_path)
    return at
