"""A real browser, a whole class: a teacher at 1920 px in presenter mode and three students, two on phones (390 px,
one of them with a Korean browser), on the real app and its home lesson (the lightest: the test stays near a
minute).

- The students join by the join screen's link (what its QR code opens): each gets the student's view in their own
  language, without the projector's presenter settings.
- They answer the lesson's first exercise: one right, one with a sign error, one with a known mistake, then, after
  a reload, with something else; that student then opens the exercise's "exact setting" link (a new tab) and
  answers another exercise there, still as the same student.
- The teacher's counts stay exact: students, not tries (the reload and the new tab make no new student), and the
  wrong answers counted per student under what went wrong.
- The teacher reloads and gets the running class back, then takes the class to a section of another lesson: a
  student's banner says so within one refresh; one opts in to follow and is taken there, one clicks to go; when
  the teacher moves on to another section, the follower's page is there within one refresh; the table shows that
  lesson only, the section's exercises first, each with its question.
"""

from __future__ import annotations

import re
import time

import pytest
from browser_helpers import wait_until_run, watch_console
from servers import streamlit_server

from classroom import codes
from lessons.classroom.mistakes import MISTAKE_LABELS
from ui import pacing, registry
from ui.i18n import catalog

pytestmark = pytest.mark.browser
REFRESH_SECONDS = 3  # the teacher's table and the students' banner (ui.pacing.REFRESH_SECONDS)
LESSON, FIRST, SECOND = "home", "home_tanh_state", "home_state_count"  # the lightest lesson: §1 and §2
PACE = "mappings"  # where the teacher takes the class: its section 3, then its section 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class_flow")
    with streamlit_server(env={"RNNLAB_DATABASE_URL": f"sqlite:///{folder / 'classroom.sqlite3'}"}) as url:
        yield url


def tr(lang: str, key: str, **fields) -> str:
    text = catalog(lang)[key]
    return text.format(**fields) if fields else text


def font_px(locator) -> float:
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def open_lesson(page, lang: str, lesson: str) -> None:
    """Open a lesson from the menu, as a student does (a phone's menu is a drawer, opened first and closed after)."""
    phone = page.viewport_size["width"] < 500
    if phone:
        page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_test_id("stSidebarNav").get_by_text(tr(lang, registry.page(lesson).title_key)).click()
    page.wait_for_function("() => !location.pathname.endsWith('/class')")
    if phone:
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()


def exercise(page, exercise_id: str):
    """One exercise's box, and the variant it shows (its seed)."""
    box = page.locator(f".st-key-exbox_{exercise_id}")
    box.wait_for(timeout=60_000)
    box.scroll_into_view_if_needed()
    return box, codes.variant_seed(box.locator("code").first.inner_text().strip())


def answer(page, lang: str, exercise_id: str, typed: str, verdict: str) -> None:
    """Type an answer in a box, check it, and wait for the verdict (``stAlertContentSuccess`` or ``...Error``)."""
    box, _ = exercise(page, exercise_id)
    before = box.get_by_test_id(verdict).count()
    box.get_by_label(tr(lang, "exercise_box.number_label")).fill(typed)
    box.get_by_role("button", name=tr(lang, "exercise_box.check"), exact=True).click()
    page.wait_for_function(
        "([sel, id, n]) => document.querySelectorAll(`${sel} [data-testid=${id}]`).length > n",
        arg=[f".st-key-exbox_{exercise_id}", verdict, before],
        timeout=30_000,
    )


def mistaken(exercise_id: str, seed: int, skip: tuple[str, ...] = ()) -> tuple[str, float]:
    """A mistake the exercise recognises in this variant (not one in ``skip``), and the number that makes it."""
    ex = registry.make(exercise_id, seed)
    for key, value in ex.mistakes:
        # the box calls a number the first mistake it matches: take one that is this mistake and no other
        if key not in skip and key in MISTAKE_LABELS and ex.check(f"{value:.10g}").hint_key == key:
            return key, float(value)
    raise AssertionError(f"{exercise_id} {seed}: no recognised mistake to make")


def table_rows(teacher) -> list[list[str]]:
    """The teacher's table as the data grid's accessible table shows it: the header's cells, then each row's."""
    grid = teacher.locator('[data-testid="stDataFrame"]').first
    header = [c.inner_text().strip() for c in grid.locator("[role=columnheader]").all()]
    rows = [
        [c.inner_text().strip() for c in row.locator("[role=gridcell]").all()]
        for row in grid.locator("[role=row]").all()
    ]
    return [header, *[r for r in rows if r]]


def row_of(teacher, name: str) -> dict[str, str]:
    header, *rows = table_rows(teacher)
    for cells in rows:
        if cells and cells[0] == name:
            return dict(zip(header, cells, strict=False))
    return {}


def exercise_name(exercise_id: str) -> str:
    """The row's name in the table of every lesson: "Lesson 3 · section 2 · 1"."""
    ex = registry.make(exercise_id, 0)
    lesson = [known.name for known in registry.lessons()].index(ex.lesson) + 1
    same = [i for i in registry.catalogue()[ex.lesson] if registry.make(i, 0).section == ex.section]
    return tr("en", "classroom.exercise_name", lesson=lesson, section=ex.section, n=same.index(exercise_id) + 1)


def wait_for_row(teacher, name: str, want: dict[str, str], seconds: float) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    row = {}
    while time.monotonic() < deadline:
        row = row_of(teacher, name)
        if all(row.get(k) == v for k, v in want.items()):
            break
        teacher.wait_for_timeout(250)
    return row


def pick(page, css: str, option: str) -> None:
    """Choose ``option`` in a select box (its list opens on a click; a click during a rerun may be lost: again)."""
    for _ in range(5):
        page.locator(f"{css} input").first.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=3_000)
            break
        except Exception:  # noqa: BLE001 - the list did not open: close whatever opened and click again
            page.keyboard.press("Escape")
    wait_until_run(page)


def test_a_class_from_joining_to_pacing_counts_students_exactly(chromium, server):
    contexts, problems = [], []
    try:
        # --- the teacher, at the projector: a class, and its join screen ---
        teacher_ctx = chromium.new_context(viewport={"width": 1920, "height": 1080}, locale="en-US")
        contexts.append(teacher_ctx)
        teacher = teacher_ctx.new_page()
        problems += watch_console(teacher)
        teacher.goto(f"{server}/class?lang=en&present=1")
        wait_until_run(teacher)
        teacher.locator(".st-key-class_start button").click()
        wait_until_run(teacher)
        teacher.get_by_text(tr("en", "join.toggle")).click()
        teacher.locator(".rnnlab-join-url").wait_for()
        join_link = teacher.locator(".rnnlab-join-url").inner_text().strip()
        code = teacher.locator(".rnnlab-join-code").inner_text().strip()
        assert join_link == f"{server}/class?join={code}"

        # --- three students open that link together: each joins, in their own language and the student's view ---
        students = []
        for lang, width in (("en", 390), ("ko", 390), ("en", 1280)):
            ctx = chromium.new_context(
                viewport={"width": width, "height": 844},
                locale="ko-KR" if lang == "ko" else "en-US",
                is_mobile=width < 500,
            )
            contexts.append(ctx)
            page = ctx.new_page()
            problems += watch_console(page)
            page.goto(join_link)
            students.append((page, lang))
        for page, lang in students:
            wait_until_run(page)
            page.locator(".st-key-class_leave").wait_for(timeout=30_000)  # joined
            assert page.locator("h1").first.inner_text().strip() == tr(lang, "classroom.title")
            assert page.evaluate("document.documentElement.lang") == lang
            assert font_px(page.locator("h1").first) < 50  # not the projector's presenter type
            assert "present=" not in page.url and f"lang={lang}" in page.url and "me=" in page.url
            open_lesson(page, lang, LESSON)
        (one, _), (two, _), (three, _) = students

        # --- their answers to the first exercise: right, a sign error, a known mistake then something else ---
        _, seed_one = exercise(one, FIRST)
        answer(one, "en", FIRST, f"{registry.make(FIRST, seed_one).answer:.10g}", "stAlertContentSuccess")
        _, seed_two = exercise(two, FIRST)
        sign, value = mistaken(FIRST, seed_two)
        assert sign == "exercises.hint_sign"
        answer(two, "ko", FIRST, f"{value:.10g}", "stAlertContentError")
        _, seed_three = exercise(three, FIRST)
        known, value = mistaken(FIRST, seed_three, skip=(sign,))
        answer(three, "en", FIRST, f"{value:.10g}", "stAlertContentError")
        three.reload()  # a reload between answers: the same student, variant and try
        wait_until_run(three)
        box, again = exercise(three, FIRST)
        assert again == seed_three
        box.get_by_text(tr("en", "exercise_box.restored", tries=1)).wait_for(timeout=30_000)
        answer(three, "en", FIRST, "654321", "stAlertContentError")  # the second try, and the last
        with three.context.expect_page() as opened:  # the exact-setting link, in a new tab
            box.get_by_role("link", name=tr("en", "exercise_box.open_setting")).click()
        tab = opened.value
        problems += watch_console(tab)
        wait_until_run(tab)
        assert "join=" in tab.url and "me=" in tab.url
        _, seed_tab = exercise(tab, SECOND)
        answer(tab, "en", SECOND, f"{registry.make(SECOND, seed_tab).answer:.10g}", "stAlertContentSuccess")
        answered = time.monotonic()

        # --- the teacher's counts: students, not tries; wrong answers per student, under what went wrong ---
        # the last answer (the new tab's) is in the table within one refresh, and with it every earlier one
        second = wait_for_row(teacher, exercise_name(SECOND), {"Tried": "1"}, REFRESH_SECONDS + 5)
        assert (second["Tried"], second["Right first time"]) == ("1", "1"), second  # the new tab's student
        first = row_of(teacher, exercise_name(FIRST))
        assert (first["Tried"], first["Right first time"], first["Right by now"]) == ("3", "1", "1"), first
        assert time.monotonic() - answered <= REFRESH_SECONDS + 5
        # one student each: a sign error; a known mistake; and, from that same student, "654321" (other)
        labels = {tr("en", MISTAKE_LABELS[sign]), tr("en", MISTAKE_LABELS[known])}
        parts = first["What went wrong (students)"].split("; ")
        assert set(parts[:-1]) == {f"{label} ×1" for label in labels} and parts[-1] == "other ×1", parts
        teacher.get_by_text(re.compile(r"Students who have joined: 3\b")).wait_for(timeout=10_000)

        # --- the teacher reloads: the running class comes back ---
        teacher.reload()
        wait_until_run(teacher)
        teacher.locator(".st-key-class_pace_set").wait_for(timeout=30_000)
        assert teacher.get_by_test_id("stCode").first.inner_text().strip() == code

        # --- pacing: the teacher takes the class to a section ---
        pace_title = tr("en", registry.page(PACE).title_key)

        def take_the_class_to(section: int) -> float:
            pick(teacher, ".st-key-class_pace_lesson", pace_title)
            name = tr("en", "pacing.section", n=section, title=tr("en", pacing.sections(PACE)[section - 1]))
            pick(teacher, f".st-key-class_pace_section-{PACE}", name)
            teacher.locator(".st-key-class_pace_set button").click()
            return time.monotonic()

        def banner_says(page, lang: str, section: int) -> None:
            name = tr(lang, "pacing.section", n=section, title=tr(lang, pacing.sections(PACE)[section - 1]))
            page.locator(".st-key-rnnlab-pacing").filter(has_text=name).wait_for(timeout=(REFRESH_SECONDS + 3) * 1000)

        paced = take_the_class_to(3)
        banner_says(one, "en", 3)  # told, within one refresh, without doing anything
        assert time.monotonic() - paced <= REFRESH_SECONDS + 3
        assert pace_title in one.locator(".st-key-rnnlab-pacing [data-testid=stAlertContentInfo]").inner_text()
        assert f"/{PACE}" not in one.url  # told, not moved
        banner_says(two, "ko", 3)
        two.locator(f".st-key-{pacing.FOLLOW_KEY}").get_by_text(tr("ko", "pacing.follow")).click()  # opting in
        two.wait_for_url(re.compile(rf"/{PACE}\?.*me="), timeout=30_000)  # taken there, as the same student
        wait_until_run(two)
        assert two.locator("h1").first.inner_text().strip() == tr("ko", f"{PACE}.title")
        three.get_by_role("button", name=tr("en", "pacing.go")).click()  # one click
        three.wait_for_url(re.compile(rf"/{PACE}\?.*me="), timeout=30_000)

        # the teacher moves on to another section: the follower is taken there within one refresh
        two.mouse.wheel(0, 2000)  # the student has scrolled elsewhere meanwhile
        paced = take_the_class_to(2)
        two.wait_for_function(
            "id => { const r = document.getElementById(id)?.getBoundingClientRect(); return !!r && r.top >= 0 && "
            "r.top < window.innerHeight / 3; }",
            arg=pacing.anchor(2),
            timeout=(REFRESH_SECONDS + 3) * 1000,
        )
        assert time.monotonic() - paced <= REFRESH_SECONDS + 3
        banner_says(one, "en", 2)
        assert f"/{PACE}" not in one.url  # not following: still where they were

        # --- the teacher's table: that lesson only, the section's exercises first, each with its question ---
        teacher.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=stDataFrame] [role=columnheader]')]"
            ".every(h => h.innerText.trim() !== 'Lesson')",
            timeout=(REFRESH_SECONDS + 5) * 1000,
        )
        header, *rows = table_rows(teacher)
        assert header[:2] == ["Exercise", "Question"] and "Lesson" not in header
        assert len(rows) == len(registry.catalogue()[PACE])
        assert rows[0][0] == tr("en", "classroom.exercise_short", section=2, n=1)
        for page in (teacher, one, two, three, tab):
            assert page.get_by_test_id("stException").count() == 0
        assert problems == []
    finally:
        for ctx in contexts:
            ctx.close()
