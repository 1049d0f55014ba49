"""bench/classroom.py's random mode moves what a student can move, to values the control itself offers.

The bench is a script (its figures are never asserted), but which controls it picks and which values it sends
decide what it measures: a value off the control's grid or outside its range would be refused or clamped by
Streamlit, and a value equal to the current one would not be a move at all.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from streamlit.proto.ButtonGroup_pb2 import ButtonGroup
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Radio_pb2 import Radio
from streamlit.proto.Slider_pb2 import Slider

from bench import classroom, proctree
from bench.wsclient import Widget, _initial_state


def widget(kind: str, element, key: str) -> Widget:
    wid = f"$$ID-{'0' * 32}-{key}"
    element.id = wid
    return Widget(wid, kind, key, key, "", element, _initial_state(kind, element, wid))


def slider(key: str, lo, hi, step, default, integer=False) -> Widget:
    data_type = Slider.DataType.INT if integer else Slider.DataType.FLOAT
    return widget("slider", Slider(min=lo, max=hi, step=step, default=[default], data_type=data_type), key)


def test_the_pages_controls_are_its_number_and_choice_settings():
    controls = classroom.page_controls("optimizers")
    assert controls["optimizers.cth"].name == "cth" and controls["optimizers.rp_var"].kind == "choice"
    assert "optimizers.race" not in controls  # a multi-choice holds a set, not a value
    assert "counting.seq" not in classroom.page_controls("counting")  # free text is not a slider move
    assert classroom.page_controls("") is None and classroom.page_controls("no-such-page") is None


@pytest.mark.parametrize(
    "lo, hi, step, default, integer",
    [
        (0.0, 2000.0, 5.0, 50.0, False),
        (1e-7, 1.0, 1e-4, 5e-4, False),
        (-3.0, 3.0, 0.05, -2.0, False),
        (0, 499, 1, 37, True),
    ],
)
def test_a_slider_moves_on_its_own_grid_inside_its_range_and_away_from_its_value(lo, hi, step, default, integer):
    w = slider("page.s", lo, hi, step, default, integer)
    rng = random.Random("0-1")
    values = [classroom.random_value(w, None, rng) for _ in range(300)]
    for v in values:
        assert lo <= v <= hi and v != default
        k = (v - lo) / step
        assert math.isclose(k, round(k), abs_tol=1e-6), v
    assert len(set(values)) > 30  # spread over the grid, not two values
    again = random.Random("0-1")
    assert values == [classroom.random_value(w, None, again) for _ in range(300)]  # a session's seed decides


def test_a_number_input_without_a_bound_takes_the_settings_range():
    element = NumberInput(has_min=True, min=0.0, has_max=False, step=10.0, default=100.0)
    element.data_type = NumberInput.DataType.FLOAT
    w = widget("number_input", element, "optimizers.ndamp")
    param = classroom.page_controls("optimizers")["optimizers.ndamp"]
    rng = random.Random(3)
    values = [classroom.random_value(w, param, rng) for _ in range(200)]
    assert all(0.0 <= v <= param.hi and v % 10.0 == 0 and v != 100.0 for v in values)
    assert max(values) > 1000.0  # the whole range, up to the setting's 1e6


def test_choices_move_to_another_option():
    radio = widget("radio", Radio(options=["norm", "value"], default=0), "optimizers.clip_by")
    assert {classroom.random_value(radio, None, random.Random(s)) for s in range(20)} == {"value"}
    group = ButtonGroup(default=[0], click_mode=ButtonGroup.ClickMode.SINGLE_SELECT)
    for label in ("auto", "1", "5"):
        group.options.add(content=label)
    chosen = {
        tuple(classroom.random_value(widget("button_group", group, "x.speed"), None, random.Random(s)))
        for s in range(40)
    }
    assert chosen == {("1",), ("5",)}


def test_only_the_pages_settings_of_the_moving_kinds_are_candidates():
    multi = ButtonGroup(default=[0], click_mode=ButtonGroup.ClickMode.MULTI_SELECT)
    multi.options.add(content="sgd")
    ws = [
        slider("optimizers.cth", 0.0, 2000.0, 5.0, 50.0),
        slider("optimizers.iters", 1, 5000, 1, 500, integer=True),
        slider("lang_other", 0, 10, 1, 5, integer=True),  # not one of the page's settings
        widget("button_group", multi, "optimizers.race"),
    ]
    client = SimpleNamespace(widgets={w.id: w for w in ws})
    params = classroom.page_controls("optimizers")
    assert [w.key for w in classroom.controls(client, params)] == ["optimizers.cth", "optimizers.iters"]
    assert len(classroom.controls(client, None)) == 3  # the bare app: every control of a moving kind


def test_the_server_is_charged_for_its_child_processes(tmp_path):
    """A server's trainer process runs in a child: the benches count its CPU and memory with the server's."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time; "
            "c = subprocess.Popen([sys.executable, '-c', 'import time\\nt = time.process_time()\\n"
            "while time.process_time() - t < 0.6: pass\\ntime.sleep(30)']); time.sleep(30)",
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while len(proctree.tree(parent.pid)) < 2:
            assert time.monotonic() < deadline, "the child never started"
            time.sleep(0.05)
        child = proctree.tree(parent.pid)[1]
        while proctree.cpu_seconds(child) < 0.5:  # the child's own spin
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert proctree.cpu_seconds(parent.pid) >= proctree.cpu_seconds(child) >= 0.5
    finally:
        for pid in reversed(proctree.tree(parent.pid)):
            subprocess.run(["kill", str(pid)], check=False)
        parent.wait(10)


def test_a_child_that_ended_and_was_reaped_is_still_counted():
    """A trainer process that died and was replaced between two readings: its CPU stays in the server's."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time; "
            "subprocess.run([sys.executable, '-c', 'import time\\nt = time.process_time()\\n"
            "while time.process_time() - t < 0.6: pass']); print('reaped', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout.readline().strip() == "reaped"  # the child spun, ended and was waited for
        assert len(proctree.tree(parent.pid)) == 1  # no live child left
        assert proctree.cpu_seconds(parent.pid) >= 0.5
    finally:
        parent.kill()
        parent.wait(10)


def test_the_ab_comparison_reads_each_servers_settings_and_takes_the_median_of_its_rounds():
    assert [classroom.setting(pair) for pair in ("RNNLAB_SCRIPT_GATE=0", "X= a=b ")] == [
        ("RNNLAB_SCRIPT_GATE", "0"),
        ("X", " a=b "),
    ]
    for bad in (["--env", "RNNLAB_SCRIPT_GATE"], ["--compare-env", "=1"], ["--rounds", "0"]):
        with pytest.raises(SystemExit) as refused:  # a usage error, not a traceback
            classroom.main(bad)
        assert refused.value.code == 2

    def row(name, *values):
        return {"name": name, "page": dict(zip(classroom.COMPARED, values, strict=True))}

    rows_a = [row("home", 3.0, 1, 2, 3), row("home", 1.0, 1, 2, 3), row("home", 2.0, 1, 2, 9), row("lstm", 5, 5, 5, 5)]
    rows_b = [row("home", 4.0, 0, 0, 0), row("home", 6.0, 1, 1, 1), row("home", 5.0, 2, 2, 2), row("lstm", 1, 1, 1, 1)]
    medians = classroom.compare_medians(rows_a, rows_b)
    assert list(medians) == ["home", "lstm"]
    assert medians["home"] == (
        dict(zip(classroom.COMPARED, (2.0, 1, 2, 3), strict=True)),
        dict(zip(classroom.COMPARED, (5.0, 1, 1, 1), strict=True)),
    )


def test_a_bench_server_starts_with_its_own_settings(tmp_path):
    script = tmp_path / "app.py"
    script.write_text("")
    server = classroom.Server(str(script), classroom.free_port(), tmp_path / "log", env={"RNNLAB_X": "seen"})
    server.start()
    try:  # a process's environment is fixed when it starts: read it once
        with open(f"/proc/{server.proc.pid}/environ", "rb") as f:
            env = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
    finally:
        server.stop()
    assert env.get(b"RNNLAB_X") == b"seen"
    assert b"PATH" in env  # on top of this process's environment
