"""Class: a teacher starts a class and watches its answers arrive; a student joins with the class's code."""

import time

import pandas as pd
import streamlit as st

from classroom import codes
from classroom.store import StoreUnavailable
from ui import exercise_box as box
from ui import registry
from ui.i18n import current_language, t

LESSON_TITLES = {known.name: known.title_key for known in registry.pages()}
REFRESH_SECONDS = 3


def teacher() -> dict | None:
    return st.session_state.get("_class.teacher")


def class_link(**query) -> str:
    """The absolute URL of this page with ``query`` (the student's and the teacher's links)."""
    from urllib.parse import urlencode

    base = box.lesson_url("class", {}).split("?")[0]
    return f"{base}?{urlencode({'lang': current_language(), **query})}"


def not_found() -> None:
    # One message for a wrong code, an expired class and a wrong secret: nothing tells which.
    st.error(t("classroom.not_found"), icon=":material/block:")


def unavailable() -> None:
    st.error(t("classroom.unavailable"), icon=":material/cloud_off:")


def arrive_by_link(store) -> None:
    """Read a student's (``?join=``) or a teacher's (``?code=&key=``) link once, then drop it from the URL, so the
    secret does not stay in the address bar a projector shows."""
    join_code, code, secret = (st.query_params.get(name) for name in ("join", "code", "key"))
    if join_code is None and secret is None:
        return
    st.query_params.from_dict({"lang": current_language()})
    try:
        if secret is not None:
            info = store.teacher_class(code or "", secret) if store else None
            if store is None:
                unavailable()
            elif info is None:
                not_found()
            else:
                st.session_state["_class.teacher"] = {
                    "id": info.id,
                    "code": info.code,
                    "secret": secret,
                    "seed": info.variant_seed,
                    "expires": info.expires_at,
                }
        elif store is None:
            unavailable()
        else:
            info = store.find_class(join_code)
            if info is None:
                not_found()
            else:
                box.join(info)
    except StoreUnavailable:
        unavailable()


def start_class(store) -> None:
    try:
        new = store.create_class()
    except StoreUnavailable:
        st.session_state["_class.flash"] = "unavailable"
        return
    info = new.info
    st.session_state["_class.teacher"] = {
        "id": info.id,
        "code": info.code,
        "secret": new.teacher_secret,
        "seed": info.variant_seed,
        "expires": info.expires_at,
    }


def join_typed(store) -> None:
    try:
        info = store.find_class(st.session_state.get("class_typed_code", ""))
    except StoreUnavailable:
        st.session_state["_class.flash"] = "unavailable"
        return
    if info is None:
        st.session_state["_class.flash"] = "not_found"
    else:
        box.join(info)


def summary_table(class_id: int, seed: int) -> pd.DataFrame:
    """One row per exercise of every lesson, in teaching order (rows do not jump while the table refreshes), with
    the class's counts and a projector link."""
    by_id = {(s.lesson, s.exercise_id): s for s in box.class_store().summary(class_id)}
    rows = []
    for number, (lesson, ids) in enumerate(registry.catalogue().items(), start=1):
        in_section: dict[int, int] = {}
        for exercise_id in ids:
            s = by_id.get((lesson, exercise_id))
            ex = registry.make(exercise_id, seed)
            section = ex.section
            in_section[section] = in_section.get(section, 0) + 1
            rows.append(
                {
                    # named as a student finds it (lessons numbered in the menu's order; the id is English and means
                    # nothing to a class), so the row says which lesson even where the lesson column is off-screen
                    t("classroom.col_exercise"): t(
                        "classroom.exercise_name", lesson=number, section=section, n=in_section[section]
                    ),
                    t("classroom.col_tried"): s.tried if s else 0,
                    t("classroom.col_right_first"): s.right_first if s else 0,
                    t("classroom.col_right_end"): s.right_end if s else 0,
                    t("classroom.col_wrong"): "; ".join(f"{answer} ×{n}" for answer, n in s.wrong) if s else "",
                    t("classroom.col_open"): box.lesson_url(lesson, ex.page_params),
                    # last: on a phone the counts come first, next to the exercise's name
                    t("classroom.col_lesson"): t(LESSON_TITLES[lesson]) if lesson in LESSON_TITLES else lesson,
                }
            )
    return pd.DataFrame(rows)


@st.fragment(run_every=REFRESH_SECONDS)
def live_results(class_id: int, seed: int) -> None:
    try:
        table = summary_table(class_id, seed)
    except StoreUnavailable:
        unavailable()
        return
    st.dataframe(
        table,
        hide_index=True,
        key="class_results",
        column_config={
            t("classroom.col_open"): st.column_config.LinkColumn(display_text=t("classroom.open_link")),
            t("classroom.col_wrong"): st.column_config.TextColumn(width="large"),
        },
    )
    st.caption(t("classroom.results_caption", seconds=REFRESH_SECONDS, at=time.strftime("%H:%M:%S")))


st.title(t("classroom.title"))
st.markdown(t("classroom.intro"))
store = box.class_store()
arrive_by_link(store)
flash = st.session_state.pop("_class.flash", None)
if flash == "not_found":
    not_found()
elif flash == "unavailable":
    unavailable()

mine = teacher()
if mine is not None:
    # The teacher's view: the code to give out, the private link, and the answers as they come in.
    st.header(t("classroom.teacher_header"), divider="gray")
    st.markdown(t("classroom.code_for_students"))
    st.code(codes.display(mine["code"]), language=None)
    st.caption(t("classroom.student_link", link=class_link(join=codes.display(mine["code"]))))
    st.caption(t("classroom.expires", when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(mine["expires"]))))
    with st.expander(t("classroom.teacher_link_title"), icon=":material/key:"):
        st.caption(t("classroom.teacher_link_caption"))
        st.code(class_link(code=codes.display(mine["code"]), key=mine["secret"]), language=None, wrap_lines=True)
    st.subheader(t("classroom.results_header"))
    st.caption(t("classroom.results_help"))
    live_results(mine["id"], mine["seed"])
    if st.button(t("classroom.close_view"), key="class_close", icon=":material/logout:"):
        del st.session_state["_class.teacher"]
        st.rerun()
else:
    student, start = st.columns(2, gap="large")
    with student:
        st.header(t("classroom.join_header"), divider="gray")
        joined = box.joined_class()
        if joined is None:
            st.text_input(t("classroom.code_label"), max_chars=20, key="class_typed_code", placeholder="K7M-3QX")
            st.button(
                t("classroom.join"),
                key="class_join",
                on_click=join_typed,
                args=(store,),
                disabled=store is None,
                icon=":material/login:",
            )
            st.caption(t("classroom.privacy"))
        else:
            st.success(t("classroom.joined", code=codes.display(joined["code"])), icon=":material/groups:")
            st.markdown(t("classroom.joined_next"))
            st.button(t("classroom.leave"), key="class_leave", on_click=box.leave, icon=":material/logout:")
    with start:
        st.header(t("classroom.start_header"), divider="gray")
        st.markdown(t("classroom.start_text", days=f"{store.class_days:g}" if store else "7"))
        st.button(
            t("classroom.start"),
            key="class_start",
            on_click=start_class,
            args=(store,),
            disabled=store is None,
            type="primary",
            icon=":material/add:",
        )
if store is None:
    unavailable()
