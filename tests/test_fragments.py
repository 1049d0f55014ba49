"""A class moves one slider: the server reruns and resends that section only (Streamlit's websocket protocol,
spoken by bench/wsclient.py as the browser speaks it). AppTest cannot show this: it reruns the whole script
for a widget inside a fragment."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from servers import run_async, streamlit_server

from bench.wsclient import StreamlitClient

# page -> (a widget inside one section, a new value for it, a widget of ANOTHER section that must not be resent)
MOVES = {
    "home": ("home.delta", 0.2, "home.scale"),  # the nudge (section 3) inside sections 1-3
    "counting": ("counting.w", 0.5, "counting.u0"),
    "gradients": ("gradients.w", 1.2, "gradients.count_u"),
    "optimizers": ("optimizers.cth", 2.0, "optimizers.rd0"),
    "lstm": ("lstm.x", 0.5, "lstm.lag"),
}


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as url:
        yield url


def run(coroutine):
    return run_async(coroutine, 180)


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
            boxes = {w.fragment_id for w in client.widgets.values() if w.key.startswith("exercise.")}
            result = await client.move(moved, value)
            return first, result, other_paths, client.query_string, other.fragment_id, boxes

    first, result, other_paths, query, other_fragment, boxes = run(scenario())
    assert result.status == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"
    assert result.exceptions == []
    main = [d for d in result.deltas if d.delta_path[:1] == (0,)]
    assert main, "the moved section drew nothing"
    # Every element the move sent was drawn by a fragment run (the moved section, or a fragment inside it); none
    # of the other section's elements was resent.
    assert all(d.fragment_id for d in main), [d.element_type for d in main if not d.fragment_id]
    assert not {d.delta_path for d in main} & other_paths
    assert other_fragment not in {d.fragment_id for d in main}
    # The section's exercise boxes are the page's, not the section's: a move does not redraw them (each is about
    # fifteen elements; redrawing them was a quarter of a move's server time).
    assert boxes, "the page drew no exercise box"
    assert not boxes & {d.fragment_id for d in main}, "a move redrew exercise boxes"
    assert result.bytes < first.bytes / 2
    # The URL follows the fragment's value, and so does the sidebar's share box, rewritten by the fragment's run.
    name = key.split(".")[1]
    assert parse_qs(query)[name] == [repr(float(value))]
    shared = [
        d.msg.delta.new_element.markdown.body
        for d in result.deltas
        if d.delta_path[:1] == (1,) and d.element_type == "markdown"
    ]
    assert any(f"{name}={float(value)!r}" in body for body in shared), shared
