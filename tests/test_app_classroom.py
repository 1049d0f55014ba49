"""AppTest: the Class page with good and bad codes and secrets, and an exercise box answered wrong then right, in
both languages; answers reach the class store, and a database that is away does not stop the exercise."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from apptest_helpers import SEED_POOL, assert_clean, give_seeds, open_app, set_clock, texts, url_of
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

import ui.exercise_box
from classroom import codes
from classroom.store import Answer, ClassStore, new_token
from rnn_core import exercise as base
from rnn_core.exercise import Exercise
from ui import registry
from ui.i18n import LANGUAGES, catalog

DAY = 86400.0


# Every test here runs on a class store of its own (tests/conftest.py: database, store).
pytestmark = pytest.mark.usefixtures("database")


def open_class(lang: str, params: dict | None = None) -> AppTest:
    """The Class page (URL path "class") as a deep link opens it: ``/class?lang=...&...``."""
    return open_app("class", lang, params)


def tr(lang: str, key: str, **fields) -> str:
    text = catalog(lang)[key]
    return text.format(**fields) if fields else text


def in_variant(lang: str, seed: int, answers: str) -> str:
    """A "wrong answers as typed" cell: every wrong answer in variant ``seed``."""
    return tr(lang, "classroom.in_variant", code=codes.variant_code(seed), answers=answers)


# --- the Class page -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_teacher_starts_a_class_and_sees_every_exercise(lang, store):
    at = open_class(lang)
    assert_clean(at)
    next(b for b in at.button if b.key == "class_start").click().run()
    assert_clean(at)
    shown = at.code[0].value
    assert codes.normalise(shown) is not None and "-" in shown
    info = store.find_class(shown)
    assert info is not None
    table = at.dataframe[0].value
    assert len(table) == sum(len(ids) for ids in registry.catalogue().values())
    assert set(table[tr(lang, "classroom.col_tried")]) == {0}
    key = at.code[1].value  # the teacher's key, shown alone: never in a link (an address is kept and logged)
    assert store.teacher_class(shown, key) == info
    everything = [c.value for c in at.code] + [texts(at)] + [str(v) for v in url_of(at).values()]
    assert not any("key=" in text or (key in text and text != key) for text in everything)
    assert url_of(at) == {"lang": lang}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_student_joins_with_a_typed_code(lang, store):
    code = store.create_class().info.code
    at = open_class(lang)
    at.text_input(key="class_typed_code").input(codes.display(code).lower())
    next(b for b in at.button if b.key == "class_join").click().run()
    assert_clean(at)
    assert tr(lang, "classroom.joined", code=codes.display(code)) in texts(at)
    assert at.session_state["_class.joined"]["code"] == code


def test_the_language_switch_on_the_class_page_keeps_the_link_in_step(store):
    at = open_class("en")
    at.segmented_control(key="lang").set_value("ko").run()
    assert_clean(at)
    assert at.query_params["lang"] in ("ko", ["ko"])  # a link copied from the address bar opens in Korean
    assert tr("ko", "classroom.title") in [title.value for title in at.title]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_wrong_and_expired_codes_get_the_same_message(lang, database):
    clock = SimpleNamespace(now=0.0)
    old = ClassStore(database, class_days=7, clock=lambda: clock.now)
    expired = old.create_class().info.code  # created in 1970: long expired
    old.dispose()
    seen = []
    for typed in (expired, "ZZZ-ZZZ", "hello"):
        at = open_class(lang)
        at.text_input(key="class_typed_code").input(typed)
        next(b for b in at.button if b.key == "class_join").click().run()
        assert_clean(at)
        assert "_class.joined" not in at.session_state
        seen.append([e.value for e in at.error])
    assert seen == [[tr(lang, "classroom.not_found")]] * 3


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_class_link_joins_a_student(lang, store):
    code = store.create_class().info.code
    at = open_class(lang, params={"join": codes.display(code)})
    assert_clean(at)
    joined = at.session_state["_class.joined"]
    assert joined["code"] == code
    # the address bar keeps the student in the class, as themselves, through a reload (and nothing else is kept)
    assert url_of(at) == {"lang": lang, "join": codes.display(code), "me": joined["me"]}
    again = open_class(lang, params=url_of(at))
    assert_clean(again)
    assert again.session_state["_class.joined"] == joined
    assert store.student_count(joined["id"]) == 1


def test_a_join_code_in_a_lesson_link_is_a_guess_like_any_other(store, monkeypatch):
    # Sessions here share one client address ("local"); the store's guess limit is read when it is made.
    monkeypatch.setenv("RNNLAB_GUESS_BURST", "3")
    monkeypatch.setenv("RNNLAB_GUESS_RATE", "0.0001")
    code = store.create_class().info.code
    joined = open_app("counting", params={"join": codes.display(code)})
    assert joined.session_state["_class.joined"]["code"] == code  # a live code joins from any lesson's link
    for n in range(3):  # three wrong codes, each in a new session: the address's guesses are spent
        at = open_app("counting", params={"join": f"ZZZ-{n:03d}"})
        assert_clean(at)
        assert "_class.joined" not in at.session_state
    refused = open_app("counting", params={"join": codes.display(code)})
    assert_clean(refused)  # the lesson itself carries on
    assert "_class.joined" not in refused.session_state  # but even the right code is not looked up now


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_teacher_link_opens_results_only_with_the_right_secret(lang, store):
    new = store.create_class()
    code = codes.display(new.info.code)
    store.record(new.info.id, Answer("s1", "counting", "counting_output", 1, 1, "<b>12</b> **x**", False, new_token()))
    store.record(new.info.id, Answer("s1", "counting", "counting_output", 1, 2, "3", True, new_token()))
    store.record(new.info.id, Answer("s2", "counting", "counting_output", 1, 1, "3", True, new_token()))

    at = open_class(lang, params={"code": code, "key": new.teacher_secret})
    assert_clean(at)
    assert url_of(at) == {"lang": lang}  # the secret leaves the address bar at once
    assert [w.value for w in at.warning] == [tr(lang, "classroom.old_link")]  # and the teacher is told why
    at.run()  # the session stays signed in, with nothing secret in the address
    assert_clean(at)
    assert url_of(at) == {"lang": lang} and at.session_state["_class.teacher"]["id"] == new.info.id
    table = at.dataframe[0].value
    mine = (
        table[tr(lang, "classroom.col_exercise")] == tr(lang, "classroom.exercise_name", lesson=3, section=2, n=1)
    ) & (table[tr(lang, "classroom.col_lesson")] == tr(lang, "nav.counting"))  # counting_output: first of §2
    assert mine.sum() == 1
    row = table[mine].iloc[0]
    assert (
        row[tr(lang, "classroom.col_tried")],
        row[tr(lang, "classroom.col_right_first")],
        row[tr(lang, "classroom.col_right_end")],
    ) == (2, 1, 2)
    # free text is counted but hidden until the teacher reveals it for this exercise; then shown as plain text
    assert row[tr(lang, "classroom.col_wrong")] == in_variant(lang, 1, tr(lang, "classroom.hidden_text", n=1))
    at.toggle(key="class_reveal.counting.counting_output").set_value(True).run()
    assert_clean(at)
    table = at.dataframe[0].value
    assert table[mine].iloc[0][tr(lang, "classroom.col_wrong")] == in_variant(lang, 1, "<b>12</b> **x** ×1")  # text
    link = row[tr(lang, "classroom.col_open")]
    assert link.startswith("http") and "/counting?" in link and f"lang={lang}" in link

    for bad_code, secret in ((code, new.teacher_secret[:-1]), ("ZZZ-ZZZ", new.teacher_secret), (code, "")):
        at = open_class(lang, params={"code": bad_code, "key": secret})
        assert_clean(at)
        assert [e.value for e in at.error] == [tr(lang, "classroom.not_found")]
        assert len(at.dataframe) == 0 and "_class.teacher" not in at.session_state


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_teacher_reopens_the_class_with_the_typed_code_and_key(lang, store):
    new = store.create_class()
    for key, opens in (("wrong-key", False), (new.teacher_secret, True)):
        at = open_class(lang)
        at.text_input(key="class_reopen_code").input(codes.display(new.info.code).lower())
        at.text_input(key="class_reopen_key").input(key)
        at.button(key="class_reopen").click().run()
        assert_clean(at)
        assert url_of(at) == {"lang": lang}
        assert ("_class.teacher" in at.session_state) == opens and (len(at.dataframe) == 1) == opens
        assert at.session_state["class_reopen_key"] == ""  # the key does not stay in the box
        if not opens:
            assert [e.value for e in at.error] == [tr(lang, "classroom.not_found")]


def test_numbers_choices_and_numeric_settings_are_shown_and_typed_text_waits_for_a_reveal(store):
    """What a student can only pick or write as a number reaches the table at once; a setting with a text field, a
    choice that is none of the exercise's, or words in a number box is counted and hidden until revealed."""
    new = store.create_class()
    numeric_setting = "x=1, h=0.5, c=0.25"
    answers = {
        ("gradients", "gradients_counting_regime"): ["exploding", "not a choice"],
        ("lstm", "lstm_keep_setting"): [numeric_setting, "x=1, h=rude words"],
        ("home", "home_fading_scale"): ["act=tanh, hidden=3, seed=1, x=1, scale=0.5"],
        ("counting", "counting_output"): ["0.1234", "rude words"],
    }
    for (lesson, exercise_id), responses in answers.items():
        for n, response in enumerate(responses):
            store.record(new.info.id, Answer(f"s{n}", lesson, exercise_id, 1, 1, response, False, new_token()))
    at = open_class("en", params={"code": codes.display(new.info.code), "key": new.teacher_secret})
    assert_clean(at)
    table = at.dataframe[0].value
    cells = list(table[tr("en", "classroom.col_wrong")])
    hidden = tr("en", "classroom.hidden_text", n=1)
    assert in_variant("en", 1, f"exploding ×1; {hidden}") in cells
    assert in_variant("en", 1, f"{numeric_setting} ×1; {hidden}") in cells
    assert in_variant("en", 1, hidden) in cells  # the setting with a text field: counted, not shown
    assert in_variant("en", 1, f"0.123 ×1; {hidden}") in cells
    assert not any("rude" in str(cell) or "not a choice" in str(cell) or "tanh" in str(cell) for cell in cells)
    toggles = {toggle.key for toggle in at.toggle if toggle.key.startswith("class_reveal.")}
    assert toggles == {
        "class_reveal.gradients.gradients_counting_regime",
        "class_reveal.lstm.lstm_keep_setting",
        "class_reveal.home.home_fading_scale",
        "class_reveal.counting.counting_output",
    }
    at.toggle(key="class_reveal.lstm.lstm_keep_setting").set_value(True).run()
    assert_clean(at)
    cells = list(at.dataframe[0].value[tr("en", "classroom.col_wrong")])
    assert any("x=1, h=rude words ×1" in str(cell) for cell in cells)  # revealed: this exercise only
    assert not any("not a choice" in str(cell) or "tanh" in str(cell) for cell in cells)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_open_teacher_view_of_an_expired_class_says_it_has_ended(lang, store):
    from sqlalchemy import update

    from classroom.schema import classes

    new = store.create_class()
    store.record(new.info.id, Answer("s1", "counting", "counting_output", 1, 1, "3", True, new_token()))
    at = open_class(lang, params={"code": codes.display(new.info.code), "key": new.teacher_secret})
    assert len(at.dataframe) == 1
    with store.engine.begin() as conn:  # its time is up now (the view stays open)
        conn.execute(update(classes).where(classes.c.id == new.info.id).values(expires_at=1.0))
    at.run()
    assert_clean(at)
    assert len(at.dataframe) == 0
    assert tr(lang, "classroom.class_ended") in [i.value for i in at.info]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_guessing_codes_is_limited_per_address_across_sessions(lang, store):
    """Every session here comes from one address (AppTest has no client: "local", as a local run): misses by typed
    codes, class links, teacher keys and short links, each in a new session, add up; then even the right code is
    refused, with the wait shown, until the address has earned a guess back."""
    from classroom.ratelimit import AddressLimit

    app_store = ui.exercise_box.class_store()
    app_store.guess_limit = AddressLimit(burst=4, per_second=0.001)  # the app's own store: 4 misses, then wait
    real = store.create_class()
    misses = [
        lambda: typed_join(open_class(lang), "ZZZ-ZZ1"),
        lambda: open_class(lang, params={"join": "ZZZ-ZZ2"}),
        lambda: open_class(lang, params={"code": codes.display(real.info.code), "key": "guess"}),
        lambda: open_app(None, lang=lang, params={"s": "ZZZ-ZZ3"}),
    ]
    for miss in misses:
        assert_clean(miss())
    at = typed_join(open_class(lang), codes.display(real.info.code))
    assert "_class.joined" not in at.session_state
    assert [e.value for e in at.error] == [tr(lang, "classroom.too_many", seconds=1000)]
    link = open_app(None, lang=lang, params={"s": store.shorten("gradients?lang=en")})
    assert tr(lang, "classroom.too_many", seconds=1000) in [w.value for w in link.warning]
    app_store.guess_limit = AddressLimit()  # earned back (a fresh table): the right code joins again
    at = typed_join(open_class(lang), codes.display(real.info.code))
    assert at.session_state["_class.joined"]["code"] == real.info.code


def typed_join(at: AppTest, typed: str) -> AppTest:
    at.text_input(key="class_typed_code").input(typed)
    next(b for b in at.button if b.key == "class_join").click().run()
    assert_clean(at)
    return at


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_class_page_without_a_database_says_so(lang, tmp_path, monkeypatch):
    bad = tmp_path / "corrupt.sqlite3"
    bad.write_bytes(b"not a database" * 300)
    monkeypatch.setenv("RNNLAB_DATABASE_URL", f"sqlite:///{bad}")
    at = open_class(lang)
    assert_clean(at)
    next(b for b in at.button if b.key == "class_start").click().run()
    assert_clean(at)
    assert tr(lang, "classroom.unavailable") in [e.value for e in at.error]


# --- the exercise box -----------------------------------------------------------------------------------------
def _fake_exercises() -> SimpleNamespace:
    """Two exercises with known answers and texts that exist in both languages (the box is what is tested)."""

    def make(exercise_id: str, seed: int) -> Exercise:
        common = dict(
            section=1,
            params={"seed": seed},
            choices=(),
            prompt_key="nav.counting",
            prompt_values={},
            explain_key="nav.lstm",
            explain_values={},
            hint_key="nav.home",
        )
        if exercise_id == "fake_number":
            return Exercise(
                id="fake_number",
                lesson="counting",
                kind="number",
                answer=2.5,
                tolerance=0.01,
                mistakes=(("nav.gradients", -2.5),),
                page_params={"u": 1.0, "w": 2.5},
                **common,
            )
        return Exercise(
            id="fake_setting",
            lesson="counting",
            kind="setting",
            answer={"w": 0.5},
            tolerance=None,
            page_params={"w": 1.0},
            fields=(("w", "float"),),
            judge=lambda v: None if abs(v["w"]) < 1 else "nav.gradients",
            **common,
        )

    return SimpleNamespace(
        catalogue=lambda: {"counting": ["fake_number", "fake_setting"]},
        make=make,
        choice_labels=dict,
        pages=registry.pages,
    )


def use_exercises(monkeypatch, fakes: SimpleNamespace) -> None:
    """The box makes its variants with ``fakes`` (in place of the lessons' registry). Made variants are shared
    by sessions: forget those another test's fakes made under the same ids (the fakes' ids are no real
    exercise's, so real ones stay valid)."""
    monkeypatch.setattr(ui.exercise_box, "registry", fakes)
    ui.exercise_box.made_variant.clear()


BOX = """
import streamlit as st
from ui.exercise_box import exercise_box
exercise_box("counting", "{exercise_id}")
"""


@pytest.fixture
def fake(monkeypatch):
    """The box's registry is the fakes', for this test only (patched here, undone after it)."""
    use_exercises(monkeypatch, _fake_exercises())


def box_app(lang: str, exercise_id: str = "fake_number", joined: dict | None = None, seeds=SEED_POOL) -> AppTest:
    """A page with one box, run once; its variants come from ``seeds``."""
    at = give_seeds(AppTest.from_string(BOX.format(exercise_id=exercise_id), default_timeout=30), seeds)
    at.session_state["lang"] = lang
    if joined:
        at.session_state["_class.joined"] = joined
    at.run()
    assert_clean(at)
    return at


def check_button(at: AppTest):
    """The box form's "Check" button (a form submit button has no key of its own)."""
    return next(b for b in at.button if b.label == tr(at.session_state["lang"], "exercise_box.check"))


def answer_box(at: AppTest, typed: str) -> AppTest:
    at.text_input(key="exercise.fake_number.typed").input(typed)
    check_button(at).click().run()
    assert_clean(at)
    return at


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_box_answered_wrong_then_right(lang, fake):
    at = box_app(lang)
    set_clock(at, 100.0)
    assert tr(lang, "nav.counting") in texts(at)  # the prompt
    answer_box(at, "-2.5")
    assert [e.value for e in at.error] == [tr(lang, "exercise_box.wrong", response="`-2.5`")]
    assert tr(lang, "nav.gradients") in [i.value for i in at.info]  # the sign-error hint
    assert tr(lang, "nav.lstm") not in texts(at)  # no explanation yet
    set_clock(at, 102.0)
    answer_box(at, "2.5")
    assert [s.value for s in at.success] == [tr(lang, "exercise_box.right", tries=2)]
    assert tr(lang, "exercise_box.answer", answer="2.5") in texts(at)
    assert tr(lang, "exercise_box.progress", solved=1, total=2) in texts(at)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_two_wrong_tries_show_the_answer_the_explanation_and_the_link(lang, fake):
    at = box_app(lang)
    set_clock(at, 100.0)
    answer_box(at, "7")
    assert tr(lang, "nav.home") in [i.value for i in at.info]  # the generic hint
    set_clock(at, 102.0)
    answer_box(at, "not a number")  # unreadable: a message, not a try
    assert at.session_state["exercise.fake_number"]["tries"] == 1 and len(at.warning) == 1
    assert tr(lang, "nav.lstm") not in texts(at)
    answer_box(at, "8")
    assert tr(lang, "exercise_box.answer", answer="2.5") in texts(at)
    assert tr(lang, "nav.lstm") in texts(at)
    link = next(e.value for e in at.markdown if tr(lang, "exercise_box.open_setting") in e.value)
    assert "/counting?" in link and "w=2.5" in link and f"lang={lang}" in link
    assert "join=" not in link and "me=" not in link  # no class: nothing to carry
    assert check_button(at).disabled


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_exact_setting_link_keeps_a_student_in_their_class_as_themselves(lang, fake, store):
    """The link a box offers after two tries opens a new tab: a student of a class stays in it, the same student
    (their answers there are recorded, and counted once)."""
    info = store.create_class().info
    first = student_session(lang, {"join": codes.display(info.code)})
    me = first.session_state["_class.joined"]["me"]
    set_clock(first, 100.0)
    answer_box(first, "7")
    set_clock(first, 102.0)
    answer_box(first, "8")
    link = next(e.value for e in first.markdown if tr(lang, "exercise_box.open_setting") in e.value)
    query = parse_qs(urlsplit(re.search(r"\((http[^)]+)\)", link).group(1)).query)
    assert query["join"] == [codes.display(info.code)] and query["me"] == [me]
    tab = student_session(lang, {"join": query["join"][0], "me": query["me"][0]})
    assert tab.session_state["_class.joined"]["me"] == me
    assert store.student_count(info.id) == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_box_writes_numbers_as_the_pages_do_and_reads_them_back(lang, monkeypatch):
    """A large answer is shown 1.23·10⁵ (not 1.23e+05), and typing what the page shows, true minus and power of
    ten included, is right."""
    fakes = _fake_exercises()

    def make(exercise_id: str, seed: int) -> Exercise:
        return Exercise(
            id="fake_number",
            lesson="counting",
            kind="number",
            section=1,
            params={},
            answer=-123456.0,
            tolerance=1e-6,
            choices=(),
            prompt_key="nav.counting",
            prompt_values={},
            explain_key="nav.lstm",
            explain_values={},
            page_params={"u": 1.0},
            hint_key="nav.home",
        )

    fakes.make = make
    use_exercises(monkeypatch, fakes)
    at = box_app(lang)
    set_clock(at, 100.0)
    answer_box(at, "-1")
    set_clock(at, 102.0)
    answer_box(at, "−1.23·10⁵")
    assert tr(lang, "exercise_box.right", tries=2) in texts(at)
    assert tr(lang, "exercise_box.answer", answer="−1.23·10⁵") in texts(at)
    assert "e+05" not in texts(at)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_checks_faster_than_two_a_second_are_refused(lang, fake):
    at = box_app(lang)
    set_clock(at, 100.0)
    answer_box(at, "1")
    answer_box(at, "junk")
    answer_box(at, "2.5")
    assert [w.value for w in at.warning] == [tr(lang, "exercise_box.too_fast")]
    assert at.session_state["exercise.fake_number"]["tries"] == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_setting_is_read_from_the_page_widgets(lang, fake):
    at = give_seeds(AppTest.from_string(BOX.format(exercise_id="fake_setting"), default_timeout=30))
    set_clock(at, 100.0)
    at.session_state["lang"] = lang
    at.session_state["counting.w"] = 2.0
    at.run()
    at.button(key="exercise.fake_setting.check").click().run()
    assert tr(lang, "nav.gradients") in [i.value for i in at.info]
    set_clock(at, 102.0)
    at.session_state["counting.w"] = 0.5
    at.button(key="exercise.fake_setting.check").click().run()
    assert_clean(at)
    assert [s.value for s in at.success] == [tr(lang, "exercise_box.right", tries=2)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_reset_and_a_typed_variant_code_change_the_variant(lang, fake):
    at = box_app(lang, seeds=iter((11, 22)).__next__)  # the session's random draws, known here
    assert at.session_state["exercise.fake_number"]["seed"] == 11
    assert tr(lang, "exercise_box.variant", code=codes.variant_code(11)) in texts(at)
    assert "exercise.fake_number.code" not in [w.key for w in at.text_input]  # drawn once the opener is open
    at.session_state["exercise.fake_number.open"] = True  # the student opens "Open a variant"
    at.run()
    at.text_input(key="exercise.fake_number.code").input(codes.variant_code(4242))
    at.button(key="exercise.fake_number.go").click().run()
    assert at.session_state["exercise.fake_number"]["seed"] == 4242
    assert tr(lang, "exercise_box.variant", code=codes.variant_code(4242)) in texts(at)
    at.text_input(key="exercise.fake_number.code").input("??").run()
    at.button(key="exercise.fake_number.go").click().run()
    assert [e.value for e in at.error] == [tr(lang, "exercise_box.variant_bad")]
    assert at.session_state["exercise.fake_number"]["seed"] == 4242  # a bad code leaves the variant as it was
    set_clock(at, 100.0)
    answer_box(at, "7")
    assert at.session_state["exercise.fake_number"]["tries"] == 1
    at.button(key="exercise.fake_number.reset").click().run()
    assert at.session_state["exercise.fake_number"]["seed"] == 22  # a new draw
    assert tr(lang, "exercise_box.variant", code=codes.variant_code(22)) in texts(at)
    assert at.session_state["exercise.fake_number"]["tries"] == 0  # the wrong try is forgotten with its variant
    assert tr(lang, "exercise_box.wrong", response="`7`") not in [e.value for e in at.error]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_checked_answers_are_recorded_for_the_class(lang, fake, store):
    info = store.create_class().info
    at = box_app(lang, joined={"id": info.id, "code": info.code, "me": store.attend(info.id).token})
    set_clock(at, 100.0)
    assert tr(lang, "exercise_box.recording", code=codes.display(info.code)) in texts(at)
    answer_box(at, "-2.5")
    set_clock(at, 102.0)
    answer_box(at, "2.5")
    (summary,) = store.summary(info.id)
    assert (summary.exercise_id, summary.tried, summary.right_first, summary.right_end) == ("fake_number", 1, 0, 1)
    assert summary.wrong == (("\u22122.5", 1),)
    assert summary.mistakes == (("nav.gradients", 1),)  # the mistake the box recognised (the fake's sign error)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_wrong_answer_no_mistake_explains_is_recorded_as_other(lang, fake, store):
    info = store.create_class().info
    at = box_app(lang, joined={"id": info.id, "code": info.code, "me": store.attend(info.id).token})
    set_clock(at, 100.0)
    answer_box(at, "7")
    (summary,) = store.summary(info.id)
    assert (summary.wrong, summary.mistakes) == (((("7", 1),), (("other", 1),)))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_box_keeps_working_while_the_database_is_away(lang, fake, tmp_path, monkeypatch):
    bad = tmp_path / "corrupt.sqlite3"
    bad.write_bytes(b"not a database" * 300)
    monkeypatch.setenv("RNNLAB_DATABASE_URL", f"sqlite:///{bad}")
    at = box_app(lang, joined={"id": 1, "code": "K7M3QX", "me": codes.new_student_token()})
    set_clock(at, 100.0)
    answer_box(at, "2.5")
    assert [s.value for s in at.success] == [tr(lang, "exercise_box.right", tries=1)]
    assert [w.value for w in at.warning] == [tr(lang, "exercise_box.not_recording", waiting=1)]


BOX_IN_CLASS = """
import streamlit as st
from ui.exercise_box import exercise_box, join_from_link
join_from_link()
exercise_box("counting", "fake_number")
"""


def student_session(lang: str, params: dict, seeds=None) -> AppTest:
    """A new session of one box on a page whose link carries ``params`` (``join``, ``me``), as a reload, a new tab
    or a reconnect to another replica opens it; variants from ``seeds`` if given, else the student's own."""
    at = AppTest.from_string(BOX_IN_CLASS, default_timeout=30)
    if seeds is not None:
        give_seeds(at, seeds)
    at.session_state["lang"] = lang
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert_clean(at)
    return at


@pytest.mark.parametrize("seeds", [None, iter([7, 8, 9]).__next__], ids=["token-variant", "chosen-variant"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_student_coming_back_keeps_variant_and_tries_and_is_counted_once(lang, fake, store, seeds):
    """A reload or a reconnect to another replica is a new session: with the link's ``me`` the student is the same
    student, with the same variant and the tries the class store holds; the teacher counts them once."""
    info = store.create_class().info
    first = student_session(lang, {"join": codes.display(info.code)}, seeds)
    set_clock(first, 100.0)
    me = first.session_state["_class.joined"]["me"]
    seed = first.session_state["exercise.fake_number"]["seed"]
    answer_box(first, "7")  # wrong: one try
    link = {"join": codes.display(info.code), "me": me}

    # a new session would draw other variants (from this source): it does not
    back = student_session(lang, link, iter([11, 12, 13]).__next__)
    state = back.session_state["exercise.fake_number"]
    assert (state["seed"], state["tries"], state["solved"]) == (seed, 1, False)
    assert tr(lang, "exercise_box.restored", tries=1) in texts(back)
    set_clock(back, 200.0)
    answer_box(back, "2.5")  # right at the second try
    (summary,) = store.summary(info.id)
    assert (summary.tried, summary.right_first, summary.right_end, summary.wrong_total) == (1, 0, 1, 1)

    done = student_session(lang, link)  # solved: it stays solved, with the answer shown
    assert done.session_state["exercise.fake_number"]["solved"]
    assert [s.value for s in done.success] == [tr(lang, "exercise_box.right", tries=2)]
    assert check_button(done).disabled

    other = student_session(lang, {"join": codes.display(info.code)}, seeds)  # no token: another student
    assert other.session_state["_class.joined"]["me"] != me
    assert store.student_count(info.id) == 2


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_new_variant_a_student_chose_comes_back_with_them(lang, fake, store):
    info = store.create_class().info
    first = student_session(lang, {"join": codes.display(info.code)})
    me = first.session_state["_class.joined"]["me"]
    give_seeds(first, lambda: 4242)
    next(b for b in first.button if b.key == "exercise.fake_number.reset").click().run()
    assert first.session_state["exercise.fake_number"]["seed"] == 4242
    back = student_session(lang, {"join": codes.display(info.code), "me": me})
    assert back.session_state["exercise.fake_number"]["seed"] == 4242
    assert back.session_state["exercise.fake_number"]["tries"] == 0


def test_a_token_of_another_class_or_a_forged_one_makes_a_new_student(fake, store):
    mine, theirs = store.create_class().info, store.create_class().info
    stranger = student_session("en", {"join": codes.display(theirs.code)})
    their_token = stranger.session_state["_class.joined"]["me"]
    for me in (their_token, "x" * 5000, "<script>"):
        at = student_session("en", {"join": codes.display(mine.code), "me": me})
        assert at.session_state["_class.joined"]["id"] == mine.id
        assert at.session_state["_class.joined"]["me"] != me and codes.is_student_token(
            at.session_state["_class.joined"]["me"]
        )
    assert store.student_count(theirs.id) == 1


def text(lang: str, key: str) -> str:
    """A locale text as ui.i18n.t finds it (English where the language lacks the key), unfilled."""
    return catalog(lang).get(key) or catalog("en")[key]


def prompt(lang: str, ex: Exercise) -> str:
    """The variant's prompt with its values filled in ``lang``."""
    values = base.fill(ex.prompt_values, lambda key: text(lang, key))
    return text(lang, ex.prompt_key).format(**values) if values else text(lang, ex.prompt_key)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("lesson", list(registry.catalogue()))
def test_every_real_exercise_shows_its_variant_its_prompt_and_the_input_its_kind_asks_for(lesson, lang):
    """Each of a lesson's real exercises in a box: the variant's code, its prompt filled with the variant's values
    in the chosen language, and the answer its kind asks for (a number box, the choices by their labels, or a
    Check button that reads the page's settings)."""
    ids = registry.catalogue()[lesson]
    at = give_seeds(
        AppTest.from_string(
            "\n".join(
                ["import streamlit as st", "from ui.exercise_box import exercise_box"]
                + [f"exercise_box({lesson!r}, {ex_id!r})" for ex_id in ids]
            ),
            default_timeout=30,
        )
    )
    at.session_state["lang"] = lang
    at.run()
    assert_clean(at)
    shown = texts(at)
    for ex_id in ids:
        seed = at.session_state[f"exercise.{ex_id}"]["seed"]
        ex = registry.make(ex_id, seed)
        assert tr(lang, "exercise_box.variant", code=codes.variant_code(seed)) in shown, ex_id
        assert prompt(lang, ex) in shown, ex_id
        if ex.kind == "number":
            assert not at.text_input(key=f"exercise.{ex_id}.typed").disabled
        elif ex.kind == "choice":
            labels = [
                text(lang, registry.choice_labels()[c]) if c in registry.choice_labels() else str(c) for c in ex.choices
            ]
            assert at.radio(key=f"exercise.{ex_id}.chosen").options == labels, ex_id
        else:
            assert ex.kind == "setting" and not at.button(key=f"exercise.{ex_id}.check").disabled


@pytest.mark.parametrize("lesson", list(registry.catalogue()))
def test_every_lesson_draws_a_box_for_each_of_its_exercises_in_section_order(lesson):
    """Each box has one "new variant" button keyed by its exercise: the buttons, in the order the page draws them,
    are the lesson's catalogue, which tests/test_exercises.py holds to section order."""
    at = open_app(lesson)
    assert_clean(at)
    boxes = [b.key.split(".")[1] for b in at.button if (b.key or "").endswith(".reset")]
    assert boxes == list(registry.catalogue()[lesson])


# --- what went wrong, counted in students; raw values within one variant -------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_wrong_answers_are_counted_per_student_by_mistake_and_typed_values_shown_per_variant(lang, store):
    """Three students in two variants of counting_output: one made a sign error twice, one once, one typed something
    else. The row counts students per mistake; the typed values are not pooled across variants; the teacher picks
    the exercise (a bar chart of the spread) and a variant (its values alone)."""
    new = store.create_class()
    ex_id, sign = "counting_output", base.HINT_SIGN
    for session, seed, attempt, response, correct, mistake in (
        ("s1", 1, 1, "-0.5", False, sign),
        ("s1", 1, 2, "-0.50", False, sign),  # the same mistake again: s1 still counts once
        ("s2", 1, 1, "-0.5", False, sign),
        ("s3", 2, 1, "12345", False, "other"),
        ("s3", 2, 2, "3", True, None),
    ):
        store.record(
            new.info.id, Answer(session, "counting", ex_id, seed, attempt, response, correct, new_token(), mistake)
        )
    at = open_class(lang, params={"code": codes.display(new.info.code), "key": new.teacher_secret})
    assert_clean(at)
    table = at.dataframe[0].value
    name = tr(lang, "classroom.exercise_name", lesson=3, section=2, n=1)
    row = table[table[tr(lang, "classroom.col_exercise")] == name].iloc[0]
    assert row[tr(lang, "classroom.col_tried")] == 3
    sign_words, other_words = tr(lang, "classroom.mistake_sign"), tr(lang, "classroom.mistake_other")
    assert row[tr(lang, "classroom.col_mistakes")] == f"{sign_words} ×2; {other_words} ×1"
    assert row[tr(lang, "classroom.col_wrong")] == tr(lang, "classroom.many_variants", n=2)  # not "−0.5 ×2; 12345 ×1"

    picked = at.selectbox(key="class_detail")
    assert (picked.options, picked.value) == ([name], name)  # only exercises with wrong answers
    assert tr(lang, "classroom.detail_caption", students=3, tried=3) in texts(at)
    (chart,) = at.get("vega_lite_chart")
    (drawn,) = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
    assert list(zip(drawn["mistake"], drawn["students"], strict=True)) == [(sign_words, 2), (other_words, 1)]
    variant = at.selectbox(key="class_detail_variant.counting.counting_output")
    assert variant.options == [codes.variant_code(1), codes.variant_code(2)]  # most students first
    assert [t.value for t in at.text] == ["\u22120.5 ×2"]
    assert tr(lang, "classroom.variant_students", n=2) in texts(at)
    variant.set_value(codes.variant_code(2)).run()
    assert_clean(at)
    assert [t.value for t in at.text] == ["12345 ×1"]


def test_typed_text_in_a_picked_variant_waits_for_the_reveal(store):
    new = store.create_class()
    for session, seed, response in (("s1", 1, "rude words"), ("s2", 2, "0.5")):
        store.record(new.info.id, Answer(session, "counting", "counting_output", seed, 1, response, False, new_token()))
    at = open_class("en", params={"code": codes.display(new.info.code), "key": new.teacher_secret})
    assert_clean(at)
    assert [t.value for t in at.text] == [tr("en", "classroom.hidden_text", n=1)]  # variant 1: most first, by seed
    at.toggle(key="class_reveal.counting.counting_output").set_value(True).run()
    assert_clean(at)
    assert [t.value for t in at.text] == ["rude words ×1"]  # st.text: shown as typed, never as Markdown


# --- the teacher's browser, and a second class ------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_starting_a_class_gives_the_browser_a_token_and_closing_the_view_ends_it(lang, store):
    at = open_class(lang)
    at.button(key="class_start").click().run()
    assert_clean(at)
    mine = at.session_state["_class.teacher"]
    token = mine["cookie"]
    assert store.teacher_session(token) == store.find_class(mine["code"])
    (script,) = [h.proto.body for h in at.get("html") if "document.cookie" in h.proto.body]
    assert f'"rnnlab_teacher={token}; path=/; max-age=' in script and mine["secret"] not in script
    at.run()  # set once: the next run does not write it again
    assert not [h for h in at.get("html") if "document.cookie" in h.proto.body]
    at.button(key="class_close").click().run()
    assert_clean(at)
    assert "_class.teacher" not in at.session_state and store.teacher_session(token) is None
    (script,) = [h.proto.body for h in at.get("html") if "document.cookie" in h.proto.body]
    assert '"rnnlab_teacher=; path=/; max-age=0; SameSite=Strict"' in script


@pytest.mark.parametrize("lang", LANGUAGES)
def test_starting_a_second_class_while_one_runs_asks_first(lang, store):
    at = open_class(lang)
    at.button(key="class_start").click().run()
    first = at.session_state["_class.teacher"]
    confirm = tr(lang, "classroom.confirm_start", code=codes.display(first["code"]))
    at.button(key="class_start_another").click().run()
    assert_clean(at)
    assert [w.value for w in at.warning] == [confirm]
    assert at.session_state["_class.teacher"] == first  # nothing started yet
    at.button(key="class_start_cancel").click().run()
    assert_clean(at)
    assert confirm not in texts(at) and at.session_state["_class.teacher"] == first
    at.button(key="class_start_another").click().run()
    at.button(key="class_start_confirmed").click().run()
    assert_clean(at)
    second = at.session_state["_class.teacher"]
    assert second["code"] != first["code"] and at.code[0].value == codes.display(second["code"])
    assert store.find_class(first["code"]) is not None  # the first class runs on
    assert store.teacher_session(first["cookie"]) is None and store.teacher_session(second["cookie"]) is not None
    at.button(key="class_close").click().run()  # the view closed, the class still running: still asks
    at.button(key="class_start").click().run()
    assert_clean(at)
    assert [w.value for w in at.warning] == [tr(lang, "classroom.confirm_start", code=codes.display(second["code"]))]
    assert "_class.teacher" not in at.session_state
