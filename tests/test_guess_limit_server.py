"""A real Streamlit server, guessed at over its websocket protocol as a script would: failed look-ups of class
codes and short links are limited per client address, across sessions (a new session per guess gains nothing),
and the address is the one our nginx puts last in ``X-Forwarded-For`` (entries a client adds before it do not
count). Another address is not affected, and a hit costs nothing.

The server has no proxy in front here: the connection comes from this machine, which is how Streamlit sees our
nginx (``st.context.ip_address`` is None), so the header is read as the proxy's. Each session is a new websocket:
a new Streamlit session with empty session state, as a reload or a script's new connection is.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import websockets
from servers import run_async, streamlit_server

from bench.wsclient import StreamlitClient
from classroom import codes
from classroom.store import ClassStore
from ui.i18n import catalog

BURST = 12  # misses an address gets before it must wait; none earned back while the test runs
RUN_TIMEOUT = 60


class ForwardedClient(StreamlitClient):
    """bench/wsclient.py's client with an ``X-Forwarded-For`` header on its websocket handshake, as our nginx
    sends it (the client's own value, if any, then the address nginx saw)."""

    def __init__(self, base_url: str, forwarded: str):
        super().__init__(base_url, timeout=RUN_TIMEOUT)
        self.forwarded = forwarded

    async def connect(self) -> None:
        self.ws = await asyncio.wait_for(
            websockets.connect(
                self.ws_url,
                subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],
                additional_headers={"X-Forwarded-For": self.forwarded},
                max_size=None,
                open_timeout=self.timeout,
                close_timeout=5,
                ping_interval=None,
            ),
            self.timeout,
        )


async def alerts(base: str, forwarded: str, page: str, query: str) -> list[str]:
    """The error and warning texts of one new session's first view of ``/<page>?<query>``."""
    async with ForwardedClient(base, forwarded) as client:
        result = await client.open_page(page, query)
        assert result.exceptions == []
        return [r.msg.delta.new_element.alert.body for r in client.elements.values() if r.element_type == "alert"]


def guess(base: str, forwarded: str, page: str, query: str) -> list[str]:
    return run_async(alerts(base, forwarded, page, query))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('guesses') / 'classroom.sqlite3'}"
    store = ClassStore(url)
    store.ensure_schema()
    env = {"RNNLAB_DATABASE_URL": url, "RNNLAB_GUESS_BURST": str(BURST), "RNNLAB_GUESS_RATE": "0.0001"}
    with streamlit_server(env=env) as base:
        yield base, store
    store.dispose()


def test_guesses_from_one_address_are_limited_across_sessions_and_other_addresses_are_not(server):
    base, store = server
    en = catalog("en")
    real = codes.display(store.create_class().info.code)
    guesser = "203.0.113.7"
    started = time.monotonic()
    for n in range(BURST):  # each a new session; some spoof an address before the proxy's entry
        forwarded = f"198.51.100.{n}, {guesser}" if n % 2 else guesser
        if n % 3 == 2:
            shown = guess(base, forwarded, "", f"s=ZZZ-{n:03d}")  # a short link
            assert en["app.short_unknown"] in shown
        else:
            shown = guess(base, forwarded, "class", f"lang=en&join=ZZZ-{n:03d}")  # a class code
            assert shown == [en["classroom.not_found"]]
    assert time.monotonic() - started < 3 * 60
    # the guesser is out of guesses: the right teacher key and a live short link are refused too, in new sessions
    too_many = en["classroom.too_many"].split("{")[0]
    new = store.create_class()
    refused = guess(base, guesser, "class", f"lang=en&code={new.info.code}&key={new.teacher_secret}")
    assert len(refused) == 1 and refused[0].startswith(too_many)
    link = store.shorten("counting?lang=en")
    refused = guess(base, f"10.9.9.9, {guesser}", "", f"s={link}")  # (the start page, with its own notes)
    assert [text for text in refused if text.startswith(too_many)] != []
    # another address (a spoofed first entry is not it) joins at once
    assert guess(base, "203.0.113.8", "class", f"lang=en&join={real}") == [en["classroom.joined"].format(code=real)]
    assert guess(base, f"{guesser}, 203.0.113.9", "class", "lang=en&join=ZZZ-999") == [en["classroom.not_found"]]
