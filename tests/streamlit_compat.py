"""The one place the tests reach past Streamlit's public API, where it offers no public way, for the Streamlit
releases this was checked against. Another release fails loudly at import (so the suite says what to re-check)
instead of testing something else in silence. Importing this module changes nothing: each function below acts
only when it is called, and says which private names it relies on.

- :func:`open_page`: AppTest can open a page before the first run only by its file name
  (``AppTest.switch_page`` hashes the file's stem, which ``st.Page`` uses as its URL path by default). Every
  lesson's script is ``lessons/<name>/page.py`` with ``url_path=<name>``, so a deep link is opened here by the
  hash ``st.Page`` itself gives its URL path, as a browser opening ``/<name>`` does.
- :func:`build_once_per_process`: AppTest builds anew, for every session or run, two things a Streamlit server
  builds once per process; the page tests (some 700 sessions) build them once instead. tests/conftest.py applies
  it once, for the whole test session, and undoes it at the end. (AppTest's millisecond polling of its script
  thread is left as it is: polling every 5 ms instead saved no CPU time we could measure.)
- :func:`chart_frames`: a chart element's rows (AppTest gives the spec, not the Arrow data beside it).
- :func:`keep_media_managers`, :func:`download`, :func:`served`: what a download button gives on a click, from
  the very function the server would run.
"""

from __future__ import annotations

import functools

import streamlit
from streamlit.util import calc_hash

CHECKED = ("1.67",)  # major.minor releases whose private names below were read and tested


def _check_version() -> None:
    release = ".".join(streamlit.__version__.split(".")[:2])
    if release not in CHECKED:
        raise RuntimeError(
            f"tests/streamlit_compat.py was checked against Streamlit {', '.join(CHECKED)}, not "
            f"{streamlit.__version__}: re-read the private names it uses, then add the release"
        )


_check_version()


def open_page(at, url_path: str):
    """Open ``url_path`` (a page's ``st.Page(url_path=...)``) on the AppTest's next run, as a deep link does.

    ``st.Page._script_hash`` is ``calc_hash(url_path)``; AppTest keeps the page to run in ``_page_hash``.
    """
    at._page_hash = calc_hash(url_path)
    return at


def build_once_per_process(monkeypatch) -> None:
    """Make AppTest build, once per test process, what a Streamlit server builds once per process.

    - The components scan: each new ``AppTest`` scans the metadata of every installed package for custom
      components (``streamlit.components.v2.manifest_scanner.scan_component_manifests``, called by
      ``BidiComponentManager.discover_and_register_components``): 80 ms a session on the machine this was measured
      on, a third of a short page test. The installed packages do not change during a test run: scan once.
    - The compiled scripts: each ``AppTest`` run compiles the app's page scripts into a fresh bytecode cache
      (``streamlit.testing.v1.app_test.ScriptCache``, handed to the run's ``PagesManager``): 10-20 ms a rerun.
      The scripts do not change during a test run: share one cache, as a server's sessions share its one.

    Both are patched through ``monkeypatch`` (a ``pytest.MonkeyPatch``), which fails if a name has gone and
    undoes the patches when its owner ends. Measured on tests/test_app_home.py (``-n0``, 2 cores): 7.4-8.6 s of
    CPU time with both, 10.9-13.5 s without.
    """
    from streamlit.components.v2 import manifest_scanner
    from streamlit.testing.v1 import app_test

    monkeypatch.setattr(
        manifest_scanner, "scan_component_manifests", functools.cache(manifest_scanner.scan_component_manifests)
    )
    shared = app_test.ScriptCache()
    monkeypatch.setattr(app_test, "ScriptCache", lambda: shared)


def chart_frames(element) -> list:
    """The data sets a chart element carries beside its spec (``element.proto.datasets``: Arrow bytes), as pandas
    data frames, read with Streamlit's own decoder (``streamlit.dataframe_util``): AppTest gives a chart's spec
    but no public way to its rows."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    proto = getattr(element, "proto", element)
    return [convert_arrow_bytes_to_pandas_df(d.data.data) for d in proto.datasets]


def keep_media_managers(monkeypatch) -> list:
    """Keep the media file manager each AppTest run makes (``streamlit.testing.v1.app_test.MediaFileManager``),
    in a list, the last run's last. AppTest drops it after each run, and with it the deferred function a download
    button runs on a click (``MediaFileManager.execute_deferred``, what the server's media endpoint calls): a test
    that checks what a Save button gives calls that very function."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    made: list[MediaFileManager] = []

    class Kept(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Kept)
    return made


def download(manager, button) -> bytes:
    """What clicking a download ``button`` sends: the server runs its deferred callable
    (``MediaFileManager.execute_deferred``, from the button's ``deferred_file_id``) and serves the result."""
    file_id = button.proto.deferred_file_id
    assert file_id, f"{button.key} holds no file to make on a click"
    return served(manager, manager.execute_deferred(file_id))


def served(manager, url: str) -> bytes:
    """The bytes a media URL (``/media/<id>.<ext>``) serves, read from the run's media file manager."""
    stored = manager.read_file(url.rsplit("/", 1)[1].split(".", 1)[0])
    assert stored is not None, url
    return stored.content
