"""A class moves one slider: the server reruns and resends that section only (Streamlit's websocket protocol,
spoken by bench/wsclient.py as the browser speaks it). AppTest cannot show this: it reruns the whole script
for a widget inside a fragment."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

import pytest
from servers import streamlit_server

from bench.wsclient import StreamlitClient

# page -> (a widget inside one section, a new value for it, a widget of ANOTHER section that must not be resent)
MOVES = {
    "counting": ("counting.w", 0.5, "counting.u0"),
    "gradients": ("gradients.w", 1.2, "gradients.count_u"),
}


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as url:
        yield url


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 180))


@pytest.mark.parametrize("path", sorted(MOVES))
def test_moving_a_control_reruns_only_its_section(server, path):
    key, value, elsewhere = MOVES[path]

    async def scenario():
        async with StreamlitClient(server, timeout=120) as client:
            first = await client.open_page(path, "lang=en")
            assert first.exceptions == []
            moved, other = client.find_widget(key), client.find_widget(elsewhere)
            assert moved.fragment_id, f"{key} is not drawn inside a fragment"
            assert other.fragment_id and other.fragment_id != moved.fragment_id
            other_paths = {p for p, rec in client.elements.items() if rec.fragment_id == other.fragment_id}
            result = await client.move(moved, value)
            return first, result, other_paths, client.query_string

    first, result, other_paths, query = run(scenario())
    assert result.status == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"
    assert result.exceptions == []
    main = [d for d in result.deltas if d.delta_path[:1] == (0,)]
    assert main, "the moved section drew nothing"
    # Every element the move sent belongs to the moved section; none of the other section's was resent.
    assert all(d.fragment_id == result.fragment_id for d in main)
    assert not {d.delta_path for d in main} & other_paths
    assert result.bytes < first.bytes / 2
    # The URL follows the fragment's value (the share link is rewritten from the same values).
    assert parse_qs(query)[key.split(".")[1]] == [repr(float(value))]
