"""Files the browser fetches over HTTP from Streamlit's media endpoint (``/media/<content hash>.<ext>``) instead
of inside a websocket message: surface images (ui/surfaces.py) and downloads written into the sidebar."""

from __future__ import annotations


def _manager():
    """Streamlit's media file manager, or None outside a running server (AppTest, scripts)."""
    try:
        from streamlit.runtime import Runtime

        return Runtime.instance().media_file_mgr if Runtime.exists() else None
    except Exception:  # noqa: BLE001 -- no runtime: the caller falls back
        return None


def _prefixed(url: str) -> str:
    from ui.streamlit_shims import option  # read at every image a chart draws: without the config's lock

    base = (option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{url}" if base else url


def url(data: bytes, mimetype: str, slot: str) -> str | None:
    """Serve ``data`` to this session at a content-hashed URL for as long as the session shows it (``slot`` names
    its place on the page: a newer file at the same place replaces the older). None outside a server."""
    manager = _manager()
    if manager is None:
        return None
    return _prefixed(manager.add(data, mimetype, f"rnnlab.{slot}"))


def download_url(data: bytes, mimetype: str, file_name: str, slot: str) -> str | None:
    """Like :func:`url`, served as an attachment named ``file_name`` (a link to it downloads the file)."""
    manager = _manager()
    if manager is None:
        return None
    return _prefixed(manager.add(data, mimetype, f"rnnlab.{slot}", file_name=file_name, is_for_static_download=True))
