"""Teacher pacing: the class store keeps where the teacher has taken the class; the teacher sets it on the Class
page and the table follows (that lesson only, the section's exercises first, each with its question); a joined
student's page says where the teacher is, goes there in one click, and follows by itself only when asked to."""

from __future__ import annotations

import pytest
from apptest_helpers import APP, assert_clean, by_key, give_seeds, open_app, texts, url_of
from streamlit.testing.v1 import AppTest
from streamlit_compat import open_page

from classroom import codes
from classroom.migrations import REVISIONS
from classroom.store import Answer, ClassGone, ClassStore, new_token
from lessons.classroom.questions import QUESTION_CHARS, question_text
from ui import pacing, registry
from ui.i18n import LANGUAGES, catalog

DAY = 86400.0


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def tr(lang: str, key: str, **fields) -> str:
    text = catalog(lang)[key]
    return text.format(**fields) if fields else text


def translator(lang: str):
    return lambda key, **fields: tr(lang, key, **fields)


def section_name(lang: str, lesson: str, section: int) -> str:
    return tr(lang, "pacing.section", n=section, title=tr(lang, pacing.sections(lesson)[section - 1]))


# --- the class store ------------------------------------------------------------------------------------------
def test_a_pace_is_set_read_moved_and_stopped(tmp_path):
    clock = Clock()
    store = ClassStore(f"sqlite:///{tmp_path / 'class.db'}", clock=clock)
    info, other = store.create_class().info, store.create_class().info
    assert store.pace(info.id) is None  # a new class has no pace
    store.set_pace(info.id, "counting", 3)
    assert store.pace(info.id) == ("counting", 3, clock.now)
    set_at = clock.now
    clock.now += 10
    store.set_pace(info.id, "counting", 3)  # the same pace again (a second click): it did not change
    assert store.pace(info.id) == ("counting", 3, set_at)
    store.set_pace(info.id, "counting", 4)
    assert store.pace(info.id) == ("counting", 4, clock.now)
    assert store.pace(other.id) is None  # a class's pace is its own
    store.set_pace(info.id, None, None)
    assert store.pace(info.id) is None
    clock.now += 10
    store.set_pace(info.id, "counting", 4)  # the same place after a stop is a new pace: followers go again
    assert store.pace(info.id) == ("counting", 4, clock.now)
    store.dispose()


@pytest.mark.parametrize(
    "lesson, section", [("counting", None), (None, 3), ("", 1), ("x" * 33, 1), ("counting", 0), ("counting", 100)]
)
def test_a_pace_that_cannot_be_one_is_refused(tmp_path, lesson, section):
    store = ClassStore(f"sqlite:///{tmp_path / 'class.db'}")
    info = store.create_class().info
    with pytest.raises(ValueError):
        store.set_pace(info.id, lesson, section)
    assert store.pace(info.id) is None
    store.dispose()


def test_a_class_that_has_ended_has_no_pace_to_read_or_set(tmp_path):
    clock = Clock()
    store = ClassStore(f"sqlite:///{tmp_path / 'class.db'}", clock=clock, class_days=1)
    info = store.create_class().info
    store.set_pace(info.id, "lstm", 2)
    clock.now += 2 * DAY
    for call in (lambda: store.pace(info.id), lambda: store.set_pace(info.id, "lstm", 3)):
        with pytest.raises(ClassGone):
            call()
    with pytest.raises(ClassGone):
        store.pace(info.id + 1000)  # never existed
    store.dispose()


def test_a_database_of_the_version_before_gains_pacing_when_the_app_starts(tmp_path):
    url = f"sqlite:///{tmp_path / 'class.db'}"
    old_release = ClassStore(url, migrations=REVISIONS[:6])
    old_release.ensure_schema()
    info = old_release.create_class().info
    old_release.dispose()
    store = ClassStore(url)
    store.ensure_schema()
    assert store.pace(info.id) is None  # a class made before pacing has none
    store.set_pace(info.id, "gradients", 2)
    assert store.pace(info.id)[:2] == ("gradients", 2)
    store.dispose()


# --- what a lesson's sections and questions are called ----------------------------------------------------------
def test_each_lessons_sections_are_the_ones_its_page_numbers():
    for known in registry.lessons():
        keys = pacing.sections(known.name)
        at = open_app(known.name, "en")
        assert at.session_state["_page_sections"] == keys  # what ui.page.frame was given: the page's headers
        assert max(registry.make(i, 1).section for i in known.exercises) <= len(keys)
    assert pacing.sections("class") == ()  # the Class page has none


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_question_reads_as_plain_text_on_one_line(lang):
    for ids in registry.catalogue().values():
        for exercise_id in ids:
            ex = registry.make(exercise_id, 7)
            question = question_text(ex, translator(lang))
            assert 20 <= len(question) <= QUESTION_CHARS, question
            assert not any(mark in question for mark in ("**", "`", "$", "\\", "\n")), question
    ex = registry.make("counting_gradient_step1", 7)  # "(y* − y)²": a star that is not emphasis stays
    whole = tr(lang, ex.prompt_key, **{k: str(v) for k, v in ex.prompt_values.items()})
    assert "y*" in whole and question_text(ex, translator(lang)).endswith("…")


# --- the teacher --------------------------------------------------------------------------------------------------
def column(lang: str, name: str) -> str:
    return tr(lang, f"classroom.col_{name}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_teacher_takes_the_class_to_a_section_and_the_table_follows(lang, store):
    at = open_app("class", lang)
    by_key(at, "button", "class_start").click().run()
    assert_clean(at)
    info = store.find_class(at.code[0].value)
    every = len(at.dataframe[0].value)
    assert by_key(at, "button", "class_pace_stop").disabled  # nothing to stop yet
    assert tr(lang, "classroom.pace_none") in texts(at)
    at.selectbox(key="class_pace_lesson").set_value("counting").run()
    at.selectbox(key="class_pace_section.counting").set_value(3).run()
    assert store.pace(info.id) is None  # picking is not yet taking the class there
    by_key(at, "button", "class_pace_set").click().run()
    assert_clean(at)
    assert store.pace(info.id)[:2] == ("counting", 3)
    assert section_name(lang, "counting", 3) in texts(at)

    # a student's answer to the first exercise of §3, so that the row's counts are checked with its place
    ids = registry.catalogue()["counting"]
    sections = [registry.make(i, info.variant_seed).section for i in ids]
    first_of_3 = ids[sections.index(3)]
    store.record(info.id, Answer("s1", "counting", first_of_3, 1, 1, "0", False, new_token()))
    at.run()
    table = at.dataframe[0].value
    numbered = [(i, s, sections[: k + 1].count(s)) for k, (i, s) in enumerate(zip(ids, sections, strict=True))]
    ordered = [row for row in numbered if row[1] == 3] + [row for row in numbered if row[1] != 3]
    assert list(table[column(lang, "exercise")]) == [
        tr(lang, "classroom.exercise_short", section=s, n=n) for _, s, n in ordered
    ]
    assert list(table[column(lang, "question")]) == [
        question_text(registry.make(i, info.variant_seed), translator(lang)) for i, _, _ in ordered
    ]
    assert list(table[column(lang, "tried")]) == [1] + [0] * (len(ids) - 1)
    assert column(lang, "lesson") not in table.columns  # one lesson: its name is above the table

    at.toggle(key="class_show_all").set_value(True).run()
    table = at.dataframe[0].value
    assert len(table) == every and column(lang, "lesson") in table.columns
    at.toggle(key="class_show_all").set_value(False).run()
    assert len(at.dataframe[0].value) == len(ids)

    by_key(at, "button", "class_pace_stop").click().run()
    assert_clean(at)
    assert store.pace(info.id) is None
    assert len(at.dataframe[0].value) == every and not any(w.key == "class_show_all" for w in at.toggle)


# --- the students -------------------------------------------------------------------------------------------------
def teacher_is_on(lang: str, lesson: str, section: int) -> str:
    return tr(
        lang, "pacing.teacher_is_on", lesson=tr(lang, f"nav.{lesson}"), section=section_name(lang, lesson, section)
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_joined_student_sees_where_the_teacher_is_and_goes_there_in_one_click(lang, store):
    info = store.create_class().info
    at = open_app("lstm", lang, {"join": codes.display(info.code)})
    assert_clean(at)
    me = at.session_state["_class.joined"]["me"]
    assert not any(w.key == pacing.FOLLOW_KEY for w in at.toggle)  # no pace: no banner
    store.set_pace(info.id, "counting", 3)
    at.run()  # the banner's next refresh
    assert teacher_is_on(lang, "counting", 3) in [box.value for box in at.info]
    assert at.title[0].value == tr(lang, "lstm.title")  # told, not moved
    by_key(at, "button", pacing.GO_KEY).click().run()
    assert_clean(at)
    assert at.title[0].value == tr(lang, "counting.title")
    assert {k: url_of(at)[k] for k in ("lang", "join", "me")} == {"lang": lang, "join": info.code, "me": me}
    # with the teacher: no banner, only where the section is, as a link to its header
    assert teacher_is_on(lang, "counting", 3) not in [box.value for box in at.info]
    with_teacher = tr(lang, "pacing.with_teacher", section=section_name(lang, "counting", 3), anchor="section-3")
    assert with_teacher in [c.value for c in at.caption]
    assert not any(b.key == pacing.GO_KEY for b in at.button)


def test_a_student_outside_a_class_sees_no_banner(store):
    info = store.create_class().info
    store.set_pace(info.id, "counting", 3)
    at = open_app("lstm", "en")
    assert_clean(at)
    assert not any(w.key == pacing.FOLLOW_KEY for w in at.toggle)
    assert all(tr("en", "pacing.go") != b.label for b in at.button)


def stay_where_the_run_ends(at):
    """Later runs stay on the page the last run ended on, as a browser does after a switch of page (AppTest would
    otherwise run the page it was opened on again: ``streamlit_compat.open_page``)."""
    at._page_hash = ""
    return at


def test_following_is_asked_for_and_moves_a_student_once_per_pace(store):
    info = store.create_class().info
    store.set_pace(info.id, "counting", 3)
    at = stay_where_the_run_ends(open_app("lstm", "en", {"join": codes.display(info.code)}))
    at.run()
    assert at.title[0].value == tr("en", "lstm.title")  # not following: stays
    at.toggle(key=pacing.FOLLOW_KEY).set_value(True).run()  # asked for: goes where the teacher is now
    assert_clean(at)
    assert at.title[0].value == tr("en", "counting.title")

    open_page(at, "lstm").run()  # the student goes elsewhere after following
    stay_where_the_run_ends(at).run()
    assert at.title[0].value == tr("en", "lstm.title")  # and stays there while the pace is the same
    assert teacher_is_on("en", "counting", 3) in [box.value for box in at.info]

    store.set_pace(info.id, "gradients", 2)  # the teacher moves the class: the follower goes too
    at.run()
    assert_clean(at)
    assert at.title[0].value == tr("en", "gradients.title")

    at.toggle(key=pacing.FOLLOW_KEY).set_value(False).run()  # no longer following
    store.set_pace(info.id, "home", 1)
    at.run()
    assert at.title[0].value == tr("en", "gradients.title")
    assert teacher_is_on("en", "home", 1) in [box.value for box in at.info]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_student_who_joins_by_the_class_link_is_told_at_once(lang, store):
    """The join link (the join screen's QR code) opens the Class page, which joins the student after the banner
    above it was drawn: the page runs again, so the banner is there without waiting for the student to move."""
    info = store.create_class().info
    store.set_pace(info.id, "optimizers", 4)
    at = give_seeds(AppTest.from_file(APP, default_timeout=60))
    at.context["url"] = f"http://localhost:8501/class?lang={lang}&join={codes.display(info.code)}"  # as a browser
    at.query_params.update({"lang": lang, "join": codes.display(info.code)})
    open_page(at, "class").run()
    assert_clean(at)
    assert at.session_state["_class.joined"]["id"] == info.id
    assert teacher_is_on(lang, "optimizers", 4) in [box.value for box in at.info]
