"""The counting lesson draws on a move only rows (issue 23, items 3-5).

- Its charts are templates (lessons/counting/figures.py): at settings drawn at random from the page's own Param
  specs, each filled template is the spec the same chart gives with its rows inline (``charts.vega_lite``, how the
  lesson built its charts before), and filling builds no Altair object.
- The page trains on the race's engine (``readings._train``): the run is ``counting.fit``'s, to the bit, at those
  settings (``counting.fit`` stays the definition the page shows under the hood).
- A run too long for a student's own rerun goes through the server's work queue: the page shows the waiting box,
  then the run the queue computed.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
from altair.utils import schemapi
from apptest_helpers import assert_clean, by_key, open_app
from chart_helpers import assert_same_spec
from hypothesis import given, settings
from strategies import settings_of

from lessons.counting import figures
from lessons.counting import readings as lesson
from lessons.counting.params import PARAMS, TRAIN_INLINE_WORK, TRAIN_SECONDS_PER_UNIT
from rnn_core import counting, optim
from ui import charts, work_queue
from ui.i18n import catalog
from ui.numbers import integer, num

# Settings of section 4 (the data set, the start, the rate), at most 300 iterations: counting.fit, which each
# example runs beside the engine, costs up to 0.6 ms an iteration on the largest generated set.
TRAINING = settings_of([p for p in PARAMS if p.name in ("data", "n", "len", "seed", "u0", "w0", "lr", "iters")]).map(
    lambda v: {**v, "iters": min(v["iters"], 300)}
)


def assert_same_run(engine: counting.Trajectory, fit: counting.Trajectory) -> None:
    """Every field equal to the bit (values and signs of zeros)."""
    for field in dataclasses.fields(counting.Trajectory):
        a, b = getattr(engine, field.name), getattr(fit, field.name)
        if isinstance(a, np.ndarray):
            assert a.shape == b.shape, field.name
            np.testing.assert_array_equal(a, b, err_msg=field.name)
            np.testing.assert_array_equal(np.signbit(a), np.signbit(b), err_msg=field.name)
        else:
            assert a == b, field.name


@given(TRAINING)
@settings(max_examples=30)
def test_the_page_run_is_fits_run_to_the_bit(v):
    data = lesson.data_args(v)
    X, targets = lesson.dataset(*data)
    start = (v["u0"], v["w0"])
    engine = lesson._train((X, targets), start, v["lr"], v["iters"])
    assert_same_run(engine, counting.fit(X, targets, start, optim.sgd(v["lr"]), v["iters"]))


@pytest.mark.parametrize(
    "data, start, lr",
    [
        (("book", 50, 10, 1), (-2.0, 0.0), 1e-5),
        (("book", 50, 10, 1), (0.3, 1.1), 1e-5),
        (("generated", 120, 30, 9), (1.2, 0.9), 3e-7),
        (("generated", 7, 3, 2), (-3.0, 3.0), 1e-3),
    ],
)
def test_a_run_that_goes_on_is_fits_run_to_the_bit(data, start, lr):
    """Random settings mostly diverge within a few updates: these go on for every one of 400."""
    X, targets = lesson.dataset(*data)
    fit = counting.fit(X, targets, start, optim.sgd(lr), 400)
    assert fit.diverged_at is None and len(fit.updates) == 400
    assert_same_run(lesson._train((X, targets), start, lr, 400), fit)


@given(TRAINING)
@settings(max_examples=20)
def test_each_chart_filled_is_the_chart_with_its_rows_inline(v):
    lang, data, start, lr, iters = "en", lesson.data_args(v), (v["u0"], v["w0"]), v["lr"], v["iters"]
    run = lesson.training(*data, start, lr, iters)
    rows = figures.history_rows(run)
    cost, weights = figures.history_charts(lang, data, start, lr, iters)
    assert_same_spec(cost, charts.vega_lite(figures.cost_lines(rows["cost"])))
    assert_same_spec(weights, charts.vega_lite(figures.weight_lines(rows["weights"])))
    over = figures.surface_rows(run, start)
    # The picture's URL depends on where it was made (a media URL under a running app, as an earlier AppTest
    # leaves; a data URL outside): made afresh here, as the inline build below is.
    figures.surface_image.clear()
    for narrow in (False, True):
        heat = figures.surface_heatmap(lang, data, narrow)
        inline = figures.surface_layers(heat.chart, over["path"], over["points"], narrow)
        expected = charts.vega_lite(inline, fixed_size=True, images=(heat.image,))
        assert_same_spec(figures.surface_chart(lang, data, start, lr, iters, narrow), expected)
    U, W = (float(w) for w in run.params[-1])
    norms = lesson.gradient_norms(data, U, W)
    expected = charts.vega_lite(figures.gradient_lines(figures.gradient_rows(norms)))
    assert_same_spec(figures.gradient_chart(lang, data, U, W), expected)


def test_a_new_run_is_drawn_without_building_an_altair_object(monkeypatch):
    data, lang = lesson.data_args({"data": "book"}), "en"
    figures.history_charts(lang, data, (-2.0, 0.0), 5e-4, 10)  # every template built once
    for narrow in (False, True):
        figures.surface_chart(lang, data, (-2.0, 0.0), 5e-4, 10, narrow)
    figures.gradient_chart(lang, data, -2.0, 0.0)
    built = []
    original = schemapi.SchemaBase.__init__
    monkeypatch.setattr(schemapi.SchemaBase, "__init__", lambda s, *a, **k: built.append(1) or original(s, *a, **k))
    rng = np.random.default_rng(5)
    for _ in range(3):
        start, lr = tuple(np.round(rng.uniform(-3, 3, 2), 1)), float(rng.uniform(1e-5, 1e-3))
        cost, _ = figures.history_charts(lang, data, start, lr, 50)
        figures.surface_chart(lang, data, start, lr, 50)
        figures.gradient_chart(lang, data, *start)
        assert len(cost["datasets"]) == 1
    for seed in (3, 4):  # a new generated data set: its surface goes into the same shape
        generated = lesson.data_args({"data": "generated", "n": 20, "len": 6, "seed": seed})
        for narrow in (False, True):
            spec = figures.surface_chart(lang, generated, (-2.0, 0.0), 5e-4, 20, narrow)
            assert spec["_rnnlab_images"][0].values.shape == (lesson.GRID, lesson.GRID)
    assert built == []


@pytest.mark.parametrize("start", [(0.9, 1.0), (0.0, -0.5), (2.0, -0.9)])
def test_a_long_run_that_diverges_early_is_computed_at_once_and_whole(start):
    """Too long to run inline at worst, but it diverges within its first stretch: that stretch is the run."""
    data, lr, iters = ("generated", 500, 50, 17), 1e-6, 5000
    assert lesson.training_work((500, 50), iters) > TRAIN_INLINE_WORK
    whole = lesson._train(lesson.dataset(*data), start, lr, iters)
    assert whole.diverged_at is not None
    assert_same_run(lesson.training_run(data, start, lr, iters), whole)  # no queue: it draws no waiting box


def test_a_long_run_waits_in_the_queue_then_the_page_draws_it():
    # From the optimum the run goes on for every update (the largest sets' other runs diverge within the probe).
    v = {"data": "generated", "n": 500, "len": 50, "seed": 17, "u0": 1.0, "w0": 1.0, "lr": 1e-6, "iters": 3500}
    data, start = lesson.data_args(v), (v["u0"], v["w0"])
    assert lesson.training_work((v["n"], v["len"]), v["iters"]) > TRAIN_INLINE_WORK
    at = open_app("counting", params=v)
    assert_clean(at)
    what = catalog("en")["counting.train_job"].format(iters=integer(3500), n=integer(500), length=integer(50))
    # Offered, not run: what it is and about how long it takes; nothing is queued until the student asks.
    seconds = lesson.training_work((v["n"], v["len"]), v["iters"]) * TRAIN_SECONDS_PER_UNIT
    offer = catalog("en")["work.offer"].format(what=what, seconds=num(seconds, 2))
    assert offer in [i.value for i in at.info]
    key = lesson._training_job_key(data, start, v["lr"], v["iters"])
    assert work_queue.work_queue()._find(key) is None
    assert catalog("en")["counting.run_waits"] in [c.value for c in at.caption]
    by_key(at, "button", "work_run_training").click().run()
    assert_clean(at)  # the run went to the server's work queue: this run shows where it is, and no run
    assert offer not in [i.value for i in at.info]
    queued = catalog("en")["work.queued"].split("{what}")[1].split("{place}")[0]
    assert any(catalog("en")["work.running"].format(what=what) == m.value or queued in m.value for m in at.markdown)
    assert not any(m.label == catalog("en")["counting.updates_done"] for m in at.metric)
    assert catalog("en")["counting.run_waits"] in [c.value for c in at.caption]
    deadline = time.monotonic() + 120
    while work_queue.ready(key) is None:
        assert time.monotonic() < deadline, "the queued run did not finish in two minutes"
        time.sleep(0.2)
    at.run()
    assert_clean(at)
    run = work_queue.ready(key)
    assert_same_run(run, lesson._train(lesson.dataset(*data), start, v["lr"], v["iters"]))
    updates = next(m.value for m in at.metric if m.label == catalog("en")["counting.updates_done"])
    assert updates == f"{integer(len(run.updates))} / {integer(v['iters'])}"
    assert catalog("en")["counting.run_waits"] not in [c.value for c in at.caption]
    assert len(at.get("vega_lite_chart")) == 5  # cost, weights, the surface's two layouts, the gradient
