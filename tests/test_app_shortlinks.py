"""Short links: /?s=CODE opens the lesson at exactly the stored view, in its language; an unknown code says so."""

from __future__ import annotations

import pytest
from apptest_helpers import APP, assert_clean, by_key, open_app, texts
from streamlit.testing.v1 import AppTest
from streamlit_compat import open_page

from classroom.store import ClassStore
from ui.i18n import catalog

ROOM = "http://192.168.1.20:8501/gradients"  # a lesson's address on the room's network


@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'links.sqlite3'}"
    monkeypatch.setenv("RNNLAB_DATABASE_URL", url)
    s = ClassStore(url)
    s.ensure_schema()
    yield s
    s.dispose()


def test_a_short_link_opens_its_lesson_at_its_settings_in_its_language(store):
    code = store.shorten("counting?lang=ko&w=0.5&seq=1%2C1%2C1")
    at = open_app(None, lang=None, params={"s": f"{code[:3]}-{code[3:]}"})
    assert_clean(at)
    assert at.title[0].value == catalog("ko")["counting.title"]
    assert by_key(at, "slider", "counting.w").value == 0.5
    assert by_key(at, "text_input", "counting.seq").value == "1,1,1"


def test_an_unknown_short_link_says_so_and_shows_the_start_page(store):
    at = open_app(None, lang="en", params={"s": "ZZZ-999"})
    assert_clean(at)
    assert catalog("en")["app.short_unknown"] in texts(at)
    assert at.title[0].value == catalog("en")["home.title"]


def test_the_share_box_makes_a_short_link_for_the_current_view(store):
    at = open_app("gradients", params={"w": "0.9"})
    at.button(key="short_link_button").click().run()
    assert_clean(at)
    shown = [c.value for c in at.code if "?s=" in c.value]
    assert shown, "no short link shown"
    code = shown[0].rsplit("=", 1)[1]
    target = store.expand(code)
    assert target.startswith("gradients?") and "w=0.9" in target
    again = open_app(None, lang=None, params={"s": code})
    assert by_key(again, "slider", "gradients.w").value == 0.9


def test_a_student_in_a_class_stays_in_it_through_their_links(store):
    new = store.create_class()
    at = open_app("gradients", params={"join": new.info.code})
    assert_clean(at)
    assert at.session_state["_class.joined"]["code"] == new.info.code
    assert at.query_params["join"] in (new.info.code, [new.info.code])  # kept in the page's URL, so a reload keeps it
    stranger = open_app("gradients", params={"join": "ZZZ999"})
    assert "_class.joined" not in stranger.session_state


def test_a_students_short_link_leaves_their_class_out(store):
    """A student in a class has ``join=CODE`` in every link (so a reload keeps them in it); the short link they
    make stores the view without it, so whoever opens it is not put into the class."""
    new = store.create_class()
    at = open_app("gradients", params={"join": new.info.code, "w": "0.9"})
    assert at.session_state["_class.joined"]["code"] == new.info.code
    at.button(key="short_link_button").click().run()
    assert_clean(at)
    code = next(c.value for c in at.code if "?s=" in c.value).rsplit("=", 1)[1]
    target = store.expand(code)
    assert "w=0.9" in target and "join" not in target
    opened = open_app(None, lang=None, params={"s": code})
    assert_clean(opened)
    assert "_class.joined" not in opened.session_state


def test_the_teachers_short_link_may_carry_their_class(store):
    new = store.create_class()
    at = open_app("gradients", params={"join": new.info.code})
    at.session_state["_class.teacher"] = {"code": new.info.code}  # this session is the class's teacher
    at.button(key="short_link_button").click().run()
    assert_clean(at)
    code = next(c.value for c in at.code if "?s=" in c.value).rsplit("=", 1)[1]
    assert f"join={new.info.code}" in store.expand(code)
    opened = open_app(None, lang=None, params={"s": code})
    assert_clean(opened)
    assert opened.session_state["_class.joined"]["code"] == new.info.code
    other = store.create_class()  # a teacher of another class: their link does not carry this one
    at = open_app("gradients", params={"join": new.info.code, "w": "0.8"})
    at.session_state["_class.teacher"] = {"code": other.info.code}
    at.button(key="short_link_button").click().run()
    code = next(c.value for c in at.code if "?s=" in c.value).rsplit("=", 1)[1]
    assert "join" not in store.expand(code)


# --- what a teacher's short link gives a student --------------------------------------------------------------
PROJECTOR = {"lang": "ko", "present": "1", "hide": "w", "sections": "2", "w": "0.9"}


def short_link_of(at, keep_setup: bool = False) -> str:
    """Press the share box's short-link button (with the "keep my setup" box as given); the link's code."""
    if keep_setup:
        at.checkbox(key="short_keep_setup").check().run()
    at.button(key="short_link_button").click().run()
    assert_clean(at)
    return next(c.value for c in at.code if "?s=" in c.value).rsplit("=", 1)[1]


def open_short(code: str, locale: str):
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["locale"] = locale
    at.query_params["s"] = code
    at.run()
    assert_clean(at)
    return at


def test_a_projectors_short_link_opens_the_students_own_view_in_their_language(store):
    """The teacher projects the lesson in Korean, in presenter mode, one control hidden, one section shown; the QR
    code gives a phone the lesson at the same setting, in the phone's language, with nothing hidden."""
    teacher = open_app("gradients", lang=None, params=PROJECTOR)
    assert teacher.session_state["present"] is True and teacher.session_state["lang"] == "ko"
    code = short_link_of(teacher)
    target = store.expand(code)
    assert target.startswith("gradients?") and "w=0.9" in target
    assert not {"lang", "present", "hide", "sections"} & {
        part.split("=")[0] for part in target.split("?")[1].split("&")
    }
    assert catalog("ko")["app.short_student_view"] in texts(teacher)
    phone = open_short(code, "en-US")
    assert phone.title[0].value == catalog("en")["gradients.title"]
    assert phone.session_state["present"] is False
    assert by_key(phone, "slider", "gradients.w").value == 0.9  # the teacher's setting, and the control is there
    assert phone.session_state["_sections"] == () and phone.session_state["_hide"] == ()
    korean_phone = open_short(code, "ko-KR")
    assert korean_phone.title[0].value == catalog("ko")["gradients.title"]


def test_a_teacher_may_keep_their_setup_in_the_link(store):
    teacher = open_app("gradients", lang=None, params=PROJECTOR)
    code = short_link_of(teacher, keep_setup=True)
    for part in ("lang=ko", "present=1", "hide=w", "sections=2", "w=0.9"):
        assert part in store.expand(code)
    assert catalog("ko")["app.short_setup_kept"] in texts(teacher)
    second_projector = open_short(code, "en-US")
    assert second_projector.title[0].value == catalog("ko")["gradients.title"]
    assert second_projector.session_state["present"] is True
    assert second_projector.session_state["_hide"] == ("w",)
    assert not [s for s in second_projector.slider if s.key == "gradients.w"]


@pytest.mark.parametrize(("address", "warned"), [("http://localhost:8501/gradients", True), (ROOM, False)])
def test_the_short_link_dialog_says_when_its_address_is_this_machine_only(store, address, warned):
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["url"] = address
    at.query_params["lang"] = "en"
    open_page(at, "gradients")
    at.run()
    short_link_of(at)
    link = next(c.value for c in at.code if "?s=" in c.value)
    assert link.startswith(address.rsplit("/", 1)[0] + "/?s=")  # the app's root, not the lesson's path
    notice = catalog("en")["app.local_address"].split("{")[0]
    assert any(w.value.startswith(notice) for w in at.warning) is warned
