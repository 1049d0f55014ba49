"""A real browser: a teacher starts a class, three students in their own browser contexts join it and answer an
exercise, and the teacher's live table shows their counts within its refresh interval; the teacher's browser
comes back to its running class after a reload or in a new tab, and another browser does not.

The server runs a two-page app written here, so that the test is about the class and not a lesson's layout: an
exercise page with one real box (``counting_output``, as the counting lesson shows it) and the real Class page
(lessons/classroom/page.py), on a temporary SQLite file of its own.
"""

from __future__ import annotations

import re
import time

import pytest
from browser_helpers import wait_until_run
from servers import ROOT, streamlit_server

from classroom import codes
from ui import registry

EXERCISE = "counting_output"
REFRESH_SECONDS = 3
pytestmark = pytest.mark.browser

APP = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
import lessons  # registers the lessons and their exercises, as app.py does
if "lang" not in st.session_state:
    st.session_state["lang"] = st.query_params.get("lang", "en")
here = Path(__file__).parent
st.navigation([st.Page(here / "box_page.py", title="Exercise", url_path="exercise", default=True),
               st.Page({str(ROOT / "lessons" / "classroom" / "page.py")!r}, title="Class", url_path="class")]).run()
"""
BOX_PAGE = f"""
import streamlit as st
from ui.exercise_box import class_params, exercise_box, join_from_link
join_from_link()  # what a lesson's frame does: a link with join= and me= brings the student back
st.query_params.update(class_params())  # and the address bar carries them (ui.present.link_values)
exercise_box("counting", {EXERCISE!r})
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class_app")
    (folder / "app.py").write_text(APP)
    (folder / "box_page.py").write_text(BOX_PAGE)
    with streamlit_server(
        str(folder / "app.py"), env={"RNNLAB_DATABASE_URL": f"sqlite:///{folder / 'classroom.sqlite3'}"}
    ) as url:
        yield url


def results_row(teacher, exercise_id: str) -> list[str]:
    """The cells of one exercise's row in the teacher's table (the data grid's accessible table). Rows are one per
    exercise in catalogue order; the row's name (section and place in the section) is checked too."""
    ids = [i for lesson_ids in registry.catalogue().values() for i in lesson_ids]
    ex = registry.make(exercise_id, 0)
    same_section = [i for i in registry.catalogue()[ex.lesson] if registry.make(i, 0).section == ex.section]
    lesson = list(registry.catalogue()).index(ex.lesson) + 1
    name = f"Lesson {lesson} · section {ex.section} · {same_section.index(exercise_id) + 1}"
    wanted = str(ids.index(exercise_id) + 2)  # aria-rowindex counts from 1, and the header row is 1
    for row in teacher.locator('[data-testid="stDataFrame"] [role=row]').all():
        cells = [c.inner_text() for c in row.locator("[role=gridcell]").all()]
        if row.get_attribute("aria-rowindex") == wanted and name in cells:
            return cells
    return []


def test_three_students_answers_reach_the_teachers_live_table(chromium, server):
    contexts = []
    try:
        teacher_ctx = chromium.new_context(viewport={"width": 1920, "height": 1080})  # a projector
        contexts.append(teacher_ctx)
        teacher = teacher_ctx.new_page()
        teacher.goto(f"{server}/class?lang=en")
        wait_until_run(teacher)
        teacher.get_by_role("button", name="Start a class").click()
        teacher.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
        code = teacher.get_by_test_id("stCode").first.inner_text().strip()
        assert codes.normalise(code) is not None
        teacher.wait_for_function(
            "() => document.querySelectorAll('[data-testid=stDataFrame] [role=row]').length > 5", timeout=30_000
        )
        assert results_row(teacher, EXERCISE)[1:4] == ["0", "0", "0"]

        outcomes = []
        for k in range(3):
            ctx = chromium.new_context(viewport={"width": 1024, "height": 900})  # the sidebar docked, not a drawer
            contexts.append(ctx)
            student = ctx.new_page()
            student.goto(f"{server}/class?lang=en&join={code}")
            wait_until_run(student)
            student.get_by_text(f"You are in class {code}").wait_for(timeout=30_000)
            student.get_by_test_id("stSidebarNav").get_by_text("Exercise").click()
            box_title = student.get_by_text(re.compile(r"variant [0-9A-Z]{4}"))
            box_title.wait_for(timeout=30_000)
            variant = re.search(r"variant ([0-9A-Z]{4})", box_title.inner_text()).group(1)
            right = registry.make(EXERCISE, codes.variant_seed(variant)).answer
            typed = f"{right:.10g}" if k == 0 else "123456"
            student.get_by_label("Your answer (a number)").fill(typed)
            student.get_by_role("button", name="Check").click()
            feedback = student.get_by_test_id("stAlertContentSuccess" if k == 0 else "stAlertContentError")
            feedback.first.wait_for(timeout=30_000)
            student.get_by_text(f"Your answers are counted for class {code}").wait_for(timeout=30_000)
            assert student.get_by_test_id("stException").count() == 0
            if k == 1:  # a reload: the same student, the same variant, the try kept (and counted once)
                student.wait_for_function("() => location.search.includes('me=')", timeout=30_000)
                student.reload()
                wait_until_run(student)
                student.get_by_text("Your 1 earlier tries at this variant in the class are kept.").wait_for(
                    timeout=30_000
                )
                assert f"variant {variant}" in student.get_by_text(re.compile(r"variant [0-9A-Z]{4}")).inner_text()
                student.get_by_label("Your answer (a number)").fill("654321")  # the second try, after the reload
                student.get_by_role("button", name="Check").click()
                student.get_by_test_id("stAlertContentError").first.wait_for(timeout=30_000)
                assert student.get_by_test_id("stException").count() == 0
            outcomes.append(typed)
        answered = time.monotonic()

        # The teacher did nothing: the table refreshes itself every REFRESH_SECONDS.
        deadline = answered + REFRESH_SECONDS + 5
        row = []
        while time.monotonic() < deadline:
            row = results_row(teacher, EXERCISE)
            if row[1:4] == ["3", "1", "1"]:
                break
            teacher.wait_for_timeout(250)
        assert row[1:4] == ["3", "1", "1"], row
        # what went wrong, in students: the reloaded student's two wrong tries (neither a mistake the exercise
        # knows) count once, beside the other wrong student's
        assert row[4] == "other ×2", row
        # below the table, the one exercise with wrong answers, its spread drawn as a bar chart
        teacher.get_by_text("Students with a wrong answer: 2 (of 3 who tried).").wait_for(timeout=30_000)
        teacher.wait_for_selector('[data-testid="stVegaLiteChart"] svg.marks, [data-testid="stVegaLiteChart"] canvas')
        assert time.monotonic() - answered <= REFRESH_SECONDS + 5
        assert teacher.get_by_test_id("stException").count() == 0
    finally:
        for ctx in contexts:
            ctx.close()


def class_code_shown(page) -> str | None:
    """The class code on the teacher's view, or None when the page offers to start a class instead."""
    page.wait_for_selector('[data-testid="stCode"], button:has-text("Start a class")', timeout=30_000)
    if page.get_by_role("button", name="Start a class").count():
        return None
    return page.get_by_test_id("stCode").first.inner_text().strip()


def test_the_teachers_browser_comes_back_to_its_running_class(chromium, server):
    """A reload of the Class page, and a new tab in the same browser, show the running class (no code or key
    typed, nothing secret in the address); another browser does not; closing the view makes this one forget."""
    contexts = []
    try:
        ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(ctx)
        teacher = ctx.new_page()
        teacher.goto(f"{server}/class?lang=en")
        wait_until_run(teacher)
        teacher.get_by_role("button", name="Start a class").click()
        teacher.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
        code = teacher.get_by_test_id("stCode").first.inner_text().strip()
        key = teacher.get_by_test_id("stCode").nth(1).text_content().strip()
        assert codes.normalise(code) is not None and len(key) > 20
        # the cookie is set by the page's script, on the app's origin, and holds a token, not the key
        teacher.wait_for_function("() => document.cookie.includes('rnnlab_teacher=')", timeout=30_000)
        (cookie,) = [c for c in ctx.cookies() if c["name"] == "rnnlab_teacher"]
        assert cookie["value"] and key not in cookie["value"] and cookie["path"] == "/"
        assert cookie["expires"] > time.time() + 6 * 86400  # until the class ends (7 days)

        teacher.reload()
        wait_until_run(teacher)
        assert class_code_shown(teacher) == code
        assert "key=" not in teacher.url and key not in teacher.url
        again = ctx.new_page()  # a new tab of the same browser
        again.goto(f"{server}/class?lang=en")
        wait_until_run(again)
        assert class_code_shown(again) == code
        assert again.get_by_test_id("stException").count() == 0

        other = chromium.new_context(viewport={"width": 1280, "height": 900})  # another device
        contexts.append(other)
        stranger = other.new_page()
        stranger.goto(f"{server}/class?lang=en")
        wait_until_run(stranger)
        assert class_code_shown(stranger) is None

        teacher.get_by_role("button", name="Close the teacher view").click()
        teacher.get_by_role("button", name="Start a class").wait_for(timeout=30_000)
        teacher.wait_for_function("() => !document.cookie.includes('rnnlab_teacher=')", timeout=30_000)
        teacher.reload()
        wait_until_run(teacher)
        assert class_code_shown(teacher) is None  # forgotten: the class runs on, its code and key reopen it
        assert teacher.get_by_test_id("stException").count() == 0
    finally:
        for c in contexts:
            c.close()
