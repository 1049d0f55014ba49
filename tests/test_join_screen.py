"""The join screen and the address students are given: the code and its QR code lead to the student's view of the
Class page at an address a phone can reach, the count of joined students follows the class, and an address that
names the teacher's own machine (localhost) is called out with how to start the server for a room."""

from __future__ import annotations

import pytest
from apptest_helpers import APP, assert_clean, give_seeds, texts, url_of
from streamlit.testing.v1 import AppTest
from streamlit_compat import open_page

import ui.join_screen
from classroom import codes
from ui.i18n import LANGUAGES, catalog
from ui.shortlinks import MAX_PUBLIC_URL, PUBLIC_URL_ENV, configured_root, is_local, request_root

ROOM = "http://192.168.1.20:8501/"
PAGES = ("home", "counting", "class")


# Every test here runs on a class store of its own (tests/conftest.py: database, store).
pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
def qr_texts(monkeypatch) -> list[str]:
    """What the join screen's QR codes encode, in drawing order (the real PNG is still made)."""
    seen: list[str] = []
    real = ui.join_screen.qr_png

    def recording(text: str) -> bytes:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(ui.join_screen, "qr_png", recording)
    return seen


def tr(lang: str, key: str, **fields) -> str:
    text = catalog(lang)[key]
    return text.format(**fields) if fields else text


def open_class(params: dict | None = None, url: str | None = ROOM + "class", locale: str | None = None) -> AppTest:
    """The Class page opened at ``url`` (the browser's address, which ``st.context.url`` gives)."""
    at = give_seeds(AppTest.from_file(APP, default_timeout=60))
    if url is not None:
        at.context["url"] = url
    if locale is not None:
        at.context["locale"] = locale
    for k, v in (params or {}).items():
        at.query_params[k] = v
    open_page(at, "class")
    at.run()
    return at


def start_teaching(lang: str, url: str | None = ROOM + "class") -> tuple[AppTest, str]:
    """A teacher who started a class and switched the join screen on; the class's (normalised) code."""
    at = open_class({"lang": lang}, url=url)
    next(b for b in at.button if b.key == "class_start").click().run()
    at.toggle(key=ui.join_screen.TOGGLE_KEY).set_value(True).run()
    assert_clean(at)
    return at, at.session_state["_class.teacher"]["code"]


def html_text(at) -> str:
    return "\n".join(h.proto.body for h in at.html)


# --- the address ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "root"),
    [
        ("https://rnn.example.edu", "https://rnn.example.edu/"),
        ("https://rnn.example.edu/lab/", "https://rnn.example.edu/lab/"),
        ("  http://10.0.0.7:8501  ", "http://10.0.0.7:8501/"),
        ("http://[fe80::1]:8501/", "http://[fe80::1]:8501/"),
    ],
)
def test_a_public_url_setting_is_taken_as_the_root(setting, root):
    assert configured_root(setting) == root


@pytest.mark.parametrize(
    "setting",
    [
        "",
        "rnn.example.edu",  # no scheme
        "ftp://rnn.example.edu/",
        "javascript:alert(1)",
        "https://",
        "https://rnn.example.edu/?s=ABC",  # a query would end up in the middle of every link
        "https://rnn.example.edu/#top",
        "https://user:pw@rnn.example.edu/",
        "https://rnn.example.edu:99999/",
        "https://rnn.example.edu/a b",
        "https://rnn.example.edu/" + "a" * MAX_PUBLIC_URL,
    ],
)
def test_a_public_url_setting_that_is_not_an_address_is_refused(setting):
    assert configured_root(setting) is None


def test_the_request_address_comes_from_the_browser_then_the_proxy_headers_then_host():
    headers = {"Host": "127.0.0.1:8501", "X-Forwarded-Host": "lab.example.edu", "X-Forwarded-Proto": "https"}
    assert request_root("http://192.168.1.20:8501/", headers, PAGES) == ROOM
    assert request_root("http://192.168.1.20:8501/class", headers, PAGES) == ROOM  # a page's address: its root
    assert request_root("https://school.example/rnn/counting", {}, PAGES) == "https://school.example/rnn/"
    assert request_root("https://school.example/rnn/", {}, PAGES) == "https://school.example/rnn/"
    assert request_root(None, headers) == "https://lab.example.edu/"
    assert request_root(None, {"host": "10.1.2.3:8611", "x-forwarded-proto": "https, http"}) == "https://10.1.2.3:8611/"
    assert request_root(None, {"Host": "10.1.2.3:8611", "X-Forwarded-Proto": "gopher"}) == "http://10.1.2.3:8611/"
    assert request_root(None, {"Host": "evil.example/<script>"}) is None  # not a host: no address rather than this
    assert request_root(None, {}) is None


@pytest.mark.parametrize(
    ("root", "local"),
    [
        ("http://localhost:8501/", True),
        ("http://127.0.0.1:8611/", True),
        ("http://127.1.2.3/", True),
        ("http://[::1]:8501/", True),
        ("http://0.0.0.0:8501/", True),
        ("http://app.localhost/", True),
        (ROOM, False),
        ("https://localhost.example.edu/", False),
        ("https://rnn.example.edu/lab/", False),
    ],
)
def test_an_address_of_this_machine_only_is_local(root, local):
    assert is_local(root) is local


# --- the join screen ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_join_screen_shows_the_code_the_student_link_and_its_qr_code(lang, store, qr_texts):
    at, code = start_teaching(lang)
    shown = codes.display(code)
    link = f"{ROOM}class?join={shown}"
    body = html_text(at)
    assert f'class="rnnlab-join-code">{shown}<' in body
    assert tr(lang, "join.code_label") in body and link in body
    assert qr_texts == [link]  # the QR code opens the student's view: no language, no presenter settings
    [qr] = at.get("image")
    assert [img.alt for img in qr.proto.imgs] == [tr(lang, "join.qr_alt")]  # what a screen reader says
    assert tr(lang, "classroom.student_link", link=link) in texts(at)  # the line under the code says the same
    assert tr(lang, "app.local_address", command="x", example="y", name="z")[:20] not in texts(at)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_join_screen_counts_students_as_they_join(lang, store):
    at, code = start_teaching(lang)
    class_id = at.session_state["_class.teacher"]["id"]
    assert tr(lang, "join.count_many", n=0) in html_text(at)
    store.attend(class_id)
    at.run()
    assert tr(lang, "join.count_one", n=1) in html_text(at)
    store.attend(class_id)
    store.attend(class_id)
    at.run()
    assert tr(lang, "join.count_many", n=3) in html_text(at)
    at.toggle(key=ui.join_screen.TOGGLE_KEY).set_value(False).run()
    assert "rnnlab-join-code" not in html_text(at)  # off: the teacher's usual view


def test_the_join_link_opens_the_students_view_in_their_browser_language(store):
    at, code = start_teaching("ko")  # a teacher in Korean ...
    student = open_class({"join": codes.display(code)}, locale="en-US")  # ... and a phone set to English
    assert_clean(student)
    assert student.session_state["_class.joined"]["code"] == code
    assert student.session_state["lang"] == "en"
    assert student.title[0].value == tr("en", "classroom.title")
    assert student.session_state["present"] is False
    assert url_of(student)["lang"] == "en"
    korean = open_class({"join": codes.display(code)}, locale="ko-KR")
    assert korean.title[0].value == tr("ko", "classroom.title")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_localhost_address_is_called_out_with_how_to_start_for_a_room(lang, store):
    at, _ = start_teaching(lang, url="http://localhost:8501/class")
    notice = tr(
        lang,
        "app.local_address",
        command="`streamlit run app.py --server.address 0.0.0.0`",
        example="`http://192.168.1.20:8501`",
        name=f"`{PUBLIC_URL_ENV}`",
    )
    # once on the join screen and once beside the student link
    assert [w.value for w in at.warning].count(notice) == 2
    assert "--server.address 0.0.0.0" in notice


def test_the_public_url_setting_wins_and_a_wrong_one_is_called_out(store, monkeypatch, qr_texts):
    monkeypatch.setenv(PUBLIC_URL_ENV, "https://rnn.example.edu/lab")
    at, code = start_teaching("en", url="http://localhost:8501/class")
    assert qr_texts == [f"https://rnn.example.edu/lab/class?join={codes.display(code)}"]
    assert not at.warning  # the setting names an address students can reach
    monkeypatch.setenv(PUBLIC_URL_ENV, "rnn.example.edu")  # no scheme: not used, and the teacher is told
    at, code = start_teaching("en")
    assert [w.value for w in at.warning] == [tr("en", "app.public_url_invalid", name=f"`{PUBLIC_URL_ENV}`")] * 2
    assert qr_texts[-1] == f"{ROOM}class?join={codes.display(code)}"
