"""Class: a teacher starts a class and watches its answers arrive; a student joins with the class's code."""

import json
import time

import pandas as pd
import streamlit as st

from classroom import codes
from classroom.ratelimit import seconds_text
from classroom.store import WRONG_SHOWN, ClassGone, StoreUnavailable, TooManyGuesses
from lessons.classroom import figures
from lessons.classroom.mistakes import mistakes_shown
from lessons.classroom.questions import question_text
from rnn_core.exercise import read_number
from ui import charts, pacing, registry
from ui import exercise_box as box
from ui.i18n import current_language, t
from ui.join_screen import join_screen, shown, student_link
from ui.shortlinks import client

LESSON_TITLES = {known.name: known.title_key for known in registry.pages()}
REFRESH_SECONDS = 3
COOKIE = "rnnlab_teacher"  # the teacher token a browser keeps, so that a reload finds the class (never the secret)


def teacher() -> dict | None:
    return st.session_state.get("_class.teacher")


def not_found() -> None:
    # One message for a wrong code, an expired class and a wrong secret: nothing tells which.
    st.error(t("classroom.not_found"), icon=":material/block:")


def unavailable() -> None:
    st.error(t("classroom.unavailable"), icon=":material/cloud_off:")


def too_many(wait: float) -> None:
    st.error(t("classroom.too_many", seconds=seconds_text(wait)), icon=":material/hourglass_top:")


def sign_in(info, secret: str | None, cookie: str | None = None) -> None:
    """This session is the class's teacher until it ends or the teacher closes the view (session state only: the
    secret is never put back in a URL). ``secret`` is None when the browser's teacher token reopened the class
    (``cookie``): the secret is shown only where it was typed or made."""
    st.session_state["_class.teacher"] = {
        "id": info.id,
        "code": info.code,
        "secret": secret,
        "seed": info.variant_seed,
        "expires": info.expires_at,
        "cookie": cookie,
    }
    st.session_state["_class.ran"] = {"code": info.code, "expires": info.expires_at}  # kept after the view closes


def remember_browser(store, info) -> None:
    """Give this browser a teacher token for the class (a cookie, set by the next run: see :func:`cookie_script`),
    so that a reload of the Class page, or a new tab, comes back to the class without the secret. The token this
    session held before reopens nothing any more. If the store is away, the browser simply is not remembered."""
    mine = teacher()
    try:
        token = store.open_teacher_session(info.id)
        if mine and mine.get("cookie"):
            store.close_teacher_session(mine["cookie"])
    except (StoreUnavailable, ClassGone):
        return
    mine["cookie"] = token
    st.session_state["_class.cookie_tried"] = token  # this session's own: not looked up again
    st.session_state["_class.set_cookie"] = (token, info.expires_at)


def cookie_script() -> None:
    """Set or delete the teacher cookie in the browser, once, if this run has one to set or delete.

    A cookie, not the URL: a URL is kept in the browser's history and in a proxy's log. JavaScript writes it on
    the app's own origin (path ``/``, every page of the app, ``SameSite=Strict``), and the server reads it back
    from the next session's request (``st.context.cookies``). It holds a random token, never the teacher secret;
    the store keeps only its hash, with the class's end as its expiry."""
    set_cookie = st.session_state.pop("_class.set_cookie", None)
    if set_cookie is not None:
        token, expires = set_cookie
        cookie = f"{COOKIE}={token}; path=/; max-age={max(int(expires - time.time()), 0)}; SameSite=Strict"
    elif st.session_state.pop("_class.clear_cookie", False):
        cookie = f"{COOKIE}=; path=/; max-age=0; SameSite=Strict"
    else:
        return
    # The token is URL-safe base64 (letters, digits, - and _): nothing in it can end the string or the script.
    secure = " + (location.protocol === 'https:' ? '; Secure' : '')"
    st.html(f"<script>document.cookie = {json.dumps(cookie)}{secure};</script>", unsafe_allow_javascript=True)


def arrive_by_cookie(store) -> None:
    """A browser that holds a teacher token for a running class gets its teacher view back (a reload, a new tab,
    a reconnect). Looked up once per session and token: a token that opens nothing is not asked about again."""
    if teacher() is not None or store is None:
        return
    token = st.context.cookies.get(COOKIE) if st.context.cookies else None
    if not token or st.session_state.get("_class.cookie_tried") == token:
        return
    try:
        info = store.teacher_session(token)
    except StoreUnavailable:
        return  # asked again at the next run
    st.session_state["_class.cookie_tried"] = token
    if info is not None:
        sign_in(info, None, cookie=token)


def close_view(store) -> None:
    """The teacher leaves the view on this device: the browser's token reopens nothing any more, and its cookie goes.
    The class runs on; its code and key reopen it."""
    mine = st.session_state.pop("_class.teacher", None)
    if mine and mine.get("cookie") and store is not None:
        try:
            store.close_teacher_session(mine["cookie"])
        except StoreUnavailable:
            pass  # the cookie still goes; the token ends with the class
    st.session_state["_class.clear_cookie"] = True


def ask_to_start(store) -> None:
    """Start a class, or, while one this session ran is still running, ask first (see :func:`confirm_start`)."""
    ran = st.session_state.get("_class.ran")
    if ran is not None and ran["expires"] > time.time():
        st.session_state["_class.confirm_start"] = True
        return
    start_class(store)


def start_button(store, label_key: str, key: str, **style) -> None:
    """The button that starts a class, or, once pressed while another runs, the question in its place."""
    if st.session_state.get("_class.confirm_start"):
        confirm_start(store)
    else:
        st.button(t(label_key), key=key, on_click=ask_to_start, args=(store,), disabled=store is None, **style)


def confirm_start(store) -> None:
    """The question before a second class: the running one goes on (its students keep answering there)."""
    ran = st.session_state["_class.ran"]
    st.warning(t("classroom.confirm_start", code=codes.display(ran["code"])), icon=":material/warning:")
    yes, no = st.columns(2)
    yes.button(
        t("classroom.confirm_yes"),
        key="class_start_confirmed",
        on_click=start_class,
        args=(store,),
        type="primary",
        icon=":material/add:",
    )
    no.button(
        t("classroom.confirm_no"),
        key="class_start_cancel",
        on_click=st.session_state.pop,
        args=("_class.confirm_start", None),
    )


def arrive_by_link(store) -> None:
    """Read a student's (``?join=``) or an old teacher's (``?code=&key=``) link once, then drop it from the URL.

    The page no longer gives out links with the teacher's key (a URL is kept in the browser's history and in the
    proxy's access log); an old one still opens the class, once per session: the key leaves the address bar at
    once, the teacher stays signed in for the session, and is told to use the code and key from now on.
    """
    join_code, code, secret, me = (st.query_params.get(name) for name in ("join", "code", "key", "me"))
    if join_code is None and secret is None:
        return
    joined = box.joined_class()
    if secret is None and joined and codes.normalise(join_code) == joined["code"] and me in (None, joined["me"]):
        return  # this student's own class (the page puts its link back in the address bar: see the student's view)
    st.query_params.from_dict({"lang": current_language()})
    try:
        if secret is not None:
            info = store.teacher_class(code or "", secret, client()) if store else None
            if store is None:
                unavailable()
            elif info is None:
                not_found()
            else:
                sign_in(info, secret)
                remember_browser(store, info)
                st.session_state["_class.flash"] = "old_link"
        elif store is None:
            unavailable()
        else:
            info = store.find_class(join_code, client())
            if info is None:
                not_found()
            else:
                box.join(info, me)
                if box.joined_class() is not None:
                    st.rerun()  # the frame above this page (the pacing banner: app.py) ran before the join
    except StoreUnavailable:
        unavailable()
    except TooManyGuesses as refused:
        too_many(refused.wait)


def start_class(store) -> None:
    st.session_state.pop("_class.confirm_start", None)
    try:
        new = store.create_class()
    except StoreUnavailable:
        st.session_state["_class.flash"] = "unavailable"
        return
    old = teacher()
    sign_in(new.info, new.teacher_secret, cookie=old.get("cookie") if old else None)
    remember_browser(store, new.info)


def looked_up(look_up):
    """What a typed code (or code and key) names, or None with the reason left for the next run to show: the
    store away, this address out of guesses, or nothing found."""
    try:
        info = look_up()
    except StoreUnavailable:
        st.session_state["_class.flash"] = "unavailable"
        return None
    except TooManyGuesses as refused:
        st.session_state["_class.flash"] = ("too_many", refused.wait)
        return None
    if info is None:
        st.session_state["_class.flash"] = "not_found"
    return info


def join_typed(store) -> None:
    info = looked_up(lambda: store.find_class(st.session_state.get("class_typed_code", ""), client()))
    if info is not None:
        box.join(info)


def reopen_typed(store) -> None:
    """The teacher's typed code and key (the key's box is emptied, whatever happens)."""
    secret = st.session_state.get("class_reopen_key") or ""
    st.session_state["class_reopen_key"] = ""
    code = st.session_state.get("class_reopen_code") or ""
    info = looked_up(lambda: store.teacher_class(code, secret, client()))
    if info is not None:
        sign_in(info, secret)
        remember_browser(store, info)


def shown_plainly(ex, group: str) -> bool:
    """Whether a wrong answer's group may reach the projector before the teacher reveals it: a number, one of the
    exercise's choices, or a setting whose every field is a number. Anything else a student typed is free text."""
    if read_number(group) is not None:
        return True
    if ex.kind == "choice":
        return group in {choice.casefold() for choice in ex.choices}
    if ex.kind == "setting":
        numeric = {name.casefold() for name, kind in ex.fields if kind != "text"}
        parts = [part.split("=", 1) for part in group.split(", ")]
        return all(len(p) == 2 and p[0] in numeric and read_number(p[1]) is not None for p in parts)
    return False


def reveal_key(lesson: str, exercise_id: str) -> str:
    return f"class_reveal.{lesson}.{exercise_id}"


def typed_cell(ex, lesson: str, exercise_id: str, groups) -> tuple[str, int]:
    """Wrong answers of one variant as typed (``groups``: group, students), and how many typed-text answers the
    cell hides (0 once the teacher reveals them)."""
    revealed = st.session_state.get(reveal_key(lesson, exercise_id), False)
    shown = [(group, n) for group, n in groups if revealed or shown_plainly(ex, group)]
    hidden = 0 if revealed else sum(n for group, n in groups if not shown_plainly(ex, group))
    cell = "; ".join(f"{answer} ×{n}" for answer, n in shown[:WRONG_SHOWN])
    if hidden:
        cell = "; ".join(part for part in (cell, t("classroom.hidden_text", n=hidden)) if part)
    return cell, hidden


def wrong_cell(ex, s) -> tuple[str, int]:
    """The "wrong answers as typed" cell: the values, with their variant, when every wrong answer is in one variant;
    else how many variants (a number means something only within its variant: the teacher picks one below)."""
    if s.wrong_seed is None:
        return (t("classroom.many_variants", n=s.wrong_variants) if s.wrong_variants else ""), 0
    cell, hidden = typed_cell(ex, s.lesson, s.exercise_id, s.wrong)
    return t("classroom.in_variant", code=codes.variant_code(s.wrong_seed), answers=cell), hidden


def summary_table(class_id: int, seed: int, pace: tuple | None = None) -> tuple[pd.DataFrame, list[tuple], list[tuple]]:
    """One row per exercise, with its question, the class's counts and a projector link; the exercises with typed
    answers (lesson, id, name, hidden); and the exercises with wrong answers (lesson, id, name, exercise, summary).

    Without a ``pace``, every lesson's exercises in teaching order (rows do not jump while the table refreshes),
    with a lesson column. With one (lesson, section), only that lesson's, the section's exercises first, then the
    others in section order; the lesson column goes, and the names shorten to the section and number.
    """
    by_id = {(s.lesson, s.exercise_id): s for s in box.class_store().summary(class_id)}
    rows = []
    typed = []
    wrong = []
    for number, (lesson, ids) in enumerate(registry.catalogue().items(), start=1):
        if pace is not None and lesson != pace[0]:
            continue
        in_section: dict[int, int] = {}
        for exercise_id in ids:
            s = by_id.get((lesson, exercise_id))
            ex = box.made_variant(exercise_id, seed)  # made once per process and seed, not at every refresh
            section = ex.section
            in_section[section] = in_section.get(section, 0) + 1
            # named as a student finds it (lessons numbered in the menu's order; the id is English and means nothing
            # to a class), so the row says which lesson even where the lesson column is off-screen
            name = t("classroom.exercise_name", lesson=number, section=section, n=in_section[section])
            cell, hidden = wrong_cell(ex, s) if s else ("", 0)
            if s and (hidden or (s.wrong and st.session_state.get(reveal_key(lesson, exercise_id), False))):
                typed.append((lesson, exercise_id, name, hidden))
            if s and s.wrong_students:
                wrong.append((lesson, exercise_id, name, ex, s))
            question = {t("classroom.col_question"): question_text(ex)}
            row = {
                t("classroom.col_exercise"): (
                    name if pace is None else t("classroom.exercise_short", section=section, n=in_section[section])
                ),
                # Today's lesson: the question beside its short name ("§2 · 1" says nothing alone). Every lesson:
                # the counts beside the name, where a narrow screen shows them without scrolling sideways.
                **(question if pace else {}),
                t("classroom.col_tried"): s.tried if s else 0,
                t("classroom.col_right_first"): s.right_first if s else 0,
                t("classroom.col_right_end"): s.right_end if s else 0,
                t("classroom.col_mistakes"): "; ".join(f"{m} ×{n}" for m, n in mistakes_shown(s)) if s else "",
                t("classroom.col_wrong"): cell,
                **({} if pace else question),
                t("classroom.col_open"): box.lesson_url(lesson, ex.page_params),
            }
            if pace is None:  # last: on a phone the counts come first, next to the exercise's name
                row[t("classroom.col_lesson")] = t(LESSON_TITLES[lesson]) if lesson in LESSON_TITLES else lesson
            rows.append((pace is not None and section != pace[1], len(rows), row))
    # the paced section first; otherwise the order they were listed in (a stable sort)
    return pd.DataFrame([row for *_, row in sorted(rows, key=lambda r: r[:2])]), typed, wrong


def one_exercise(class_id: int, wrong: list[tuple], typed: list[tuple]) -> None:
    """The spread of one exercise's mistakes (the teacher picks it), and its wrong answers as typed in one variant
    (the teacher picks the variant when there are several). Adds to ``typed`` the exercise, if its answers hide
    typed text, so that its reveal switch is offered below."""
    st.markdown(f"**{t('classroom.detail_header')}**")
    if not wrong:
        st.caption(t("classroom.detail_none"))
        return
    # Options are the rows' names and the variants' codes (plain strings, stable across refreshes): a choice stays
    # while the counts change under it.
    named = {entry[2]: entry for entry in wrong}
    lesson, exercise_id, name, ex, s = named[st.selectbox(t("classroom.detail_pick"), list(named), key="class_detail")]
    spread = tuple(mistakes_shown(s))
    st.caption(t("classroom.detail_caption", students=s.wrong_students, tried=s.tried))
    charts.show(
        figures.mistakes_chart(spread, t("classroom.chart_students"), t("classroom.chart_mistake")),
        name="class-mistakes",
        save=False,
        width="stretch",
    )
    store = box.class_store()
    seeds = {codes.variant_code(seed): (seed, n) for seed, n in store.wrong_variants(class_id, lesson, exercise_id)}
    if not seeds:
        return
    picked = st.selectbox(t("classroom.variant_pick"), list(seeds), key=f"class_detail_variant.{lesson}.{exercise_id}")
    seed, students = seeds[picked]
    st.caption(t("classroom.variant_students", n=students))
    groups = store.wrong_answers(class_id, lesson, exercise_id, seed)
    cell, hidden = typed_cell(ex, lesson, exercise_id, groups)
    st.text(cell)  # as text: nothing a student typed is read as Markdown or HTML
    if hidden and all(entry[:2] != (lesson, exercise_id) for entry in typed):
        typed.append((lesson, exercise_id, name, hidden))


def set_pace(store, class_id: int, stop: bool = False) -> None:
    """The teacher's button: take the class to the lesson and section picked (or stop pacing)."""
    lesson = None if stop else st.session_state["class_pace_lesson"]
    section = None if stop else st.session_state.get(f"class_pace_section.{lesson}", 1)
    try:
        store.set_pace(class_id, lesson, section)
    except StoreUnavailable:
        st.session_state["_class.flash"] = "unavailable"
    except ClassGone:
        pass  # the table says the class has ended


def pacing_controls(store, class_id: int) -> None:
    """Where the teacher has taken the class: the lesson and section to pick, and the pace students see now."""
    st.subheader(t("classroom.pace_header"))
    st.caption(t("classroom.pace_help"))
    try:
        pace = store.pace(class_id)
    except StoreUnavailable:
        unavailable()
        return
    except ClassGone:
        return  # the table below says the class has ended
    # Labels made here, in this run's language: a widget may format its options later, outside the run.
    titles = {known.name: pacing.lesson_title(known.name) for known in registry.lessons()}
    names = list(titles)
    on = pace is not None and pace[0] in names
    pick_lesson, pick_section = st.columns(2)
    lesson = pick_lesson.selectbox(
        t("classroom.pace_lesson"),
        names,
        index=names.index(pace[0]) if on else 0,
        format_func=titles.__getitem__,
        key="class_pace_lesson",
    )
    headers = {n: pacing.section_title(lesson, n) for n in range(1, len(pacing.sections(lesson)) + 1)}
    numbers = list(headers)
    pick_section.selectbox(
        t("classroom.pace_section"),
        numbers,
        index=numbers.index(pace[1]) if on and pace[0] == lesson and pace[1] in numbers else 0,
        format_func=headers.__getitem__,
        key=f"class_pace_section.{lesson}",
    )
    go, stop = st.columns(2)
    go.button(
        t("classroom.pace_set"),
        key="class_pace_set",
        on_click=set_pace,
        args=(store, class_id),
        type="primary",
        icon=":material/campaign:",
    )
    stop.button(
        t("classroom.pace_stop"),
        key="class_pace_stop",
        on_click=set_pace,
        args=(store, class_id, True),
        disabled=pace is None,
        icon=":material/do_not_disturb_on:",
    )
    if pace is None:
        st.caption(t("classroom.pace_none"))
    else:
        at = time.strftime("%H:%M", time.localtime(pace[2]))
        st.markdown(
            t("classroom.pace_now", lesson=pacing.lesson_title(pace[0]), section=pacing.section_title(*pace[:2]), at=at)
        )


@st.fragment(run_every=REFRESH_SECONDS)
def live_results(class_id: int, seed: int) -> None:
    try:
        store = box.class_store()
        pace = store.pace(class_id)
        if pace is not None and registry.page(pace[0]) is None:
            pace = None  # a lesson this release does not have (another replica's newer release): every lesson
        if pace is not None:
            st.toggle(t("classroom.show_all"), key="class_show_all")
            if st.session_state.get("class_show_all"):
                pace = None
            else:
                lesson, section = pacing.lesson_title(pace[0]), pacing.section_title(*pace[:2])
                st.caption(t("classroom.filtered", lesson=lesson, section=section))
        table, typed, wrong = summary_table(class_id, seed, pace[:2] if pace else None)
        joined = store.student_count(class_id)
    except StoreUnavailable:
        unavailable()
        return
    except ClassGone:  # expired (or deleted): nothing of it is shown any more
        st.info(t("classroom.class_ended"), icon=":material/event_busy:")
        return
    st.markdown(t("classroom.students_joined", n=joined))
    st.dataframe(
        table,
        hide_index=True,
        key="class_results",
        column_config={
            # pinned: the row's name stays in sight while a narrow screen scrolls the table sideways
            t("classroom.col_exercise"): st.column_config.TextColumn(width="small" if pace else "medium", pinned=True),
            t("classroom.col_question"): st.column_config.TextColumn(width="large"),
            t("classroom.col_open"): st.column_config.LinkColumn(display_text=t("classroom.open_link"), width="small"),
            t("classroom.col_mistakes"): st.column_config.TextColumn(width="medium"),
            t("classroom.col_wrong"): st.column_config.TextColumn(width="medium"),
        },
    )
    st.caption(t("classroom.results_caption", seconds=REFRESH_SECONDS, at=time.strftime("%H:%M:%S")))
    try:
        one_exercise(class_id, wrong, typed)
    except StoreUnavailable:
        unavailable()
    except ClassGone:
        st.info(t("classroom.class_ended"), icon=":material/event_busy:")
        return
    if typed:
        st.markdown(f"**{t('classroom.reveal_header')}**")
        st.caption(t("classroom.reveal_help"))
        for lesson, exercise_id, name, _hidden in typed:
            st.toggle(t("classroom.reveal", exercise=name), key=reveal_key(lesson, exercise_id))


st.title(t("classroom.title"))
st.markdown(t("classroom.intro"))
store = box.class_store()
arrive_by_link(store)
arrive_by_cookie(store)
cookie_script()
flash = st.session_state.pop("_class.flash", None)
if flash == "not_found":
    not_found()
elif flash == "unavailable":
    unavailable()
elif flash == "old_link":
    st.warning(t("classroom.old_link"), icon=":material/key:")
elif isinstance(flash, tuple) and flash[0] == "too_many":
    too_many(flash[1])

mine = teacher()
if mine is not None:
    # --- The join screen for the projector (ui/join_screen.py): the code, its QR code, the live count. ---
    if shown():
        join_screen(store, mine["id"], mine["code"])
    # --- end of the join screen ---
    # The teacher's view: the code to give out, the private link, and the answers as they come in.
    st.header(t("classroom.teacher_header"), divider="gray")
    st.markdown(t("classroom.code_for_students"))
    st.code(codes.display(mine["code"]), language=None)
    student_link(mine["code"])  # the student's view, at the address students can reach (ui/join_screen.py)
    st.caption(t("classroom.expires", when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(mine["expires"]))))
    with st.expander(t("classroom.teacher_link_title"), icon=":material/key:"):
        if mine["secret"] is None:  # reopened by this browser's token: the key is not known here
            st.caption(t("classroom.key_not_here"))
        else:
            st.caption(t("classroom.teacher_link_caption"))
            st.code(mine["secret"], language=None, wrap_lines=True)
    if store is not None:
        pacing_controls(store, mine["id"])
    st.subheader(t("classroom.results_header"))
    st.caption(t("classroom.results_help"))
    live_results(mine["id"], mine["seed"])
    close, again = st.columns(2)
    close.button(
        t("classroom.close_view"), key="class_close", on_click=close_view, args=(store,), icon=":material/logout:"
    )
    with again:
        start_button(store, "classroom.start_another", "class_start_another", icon=":material/add:")
else:
    student, start = st.columns(2, gap="large")
    with student:
        st.header(t("classroom.join_header"), divider="gray")
        joined = box.joined_class()
        if joined is None:
            for name in ("join", "me"):  # left the class: the address bar no longer brings the student back
                st.query_params.pop(name, None)
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
            # A reload of this page, or this address in a new tab, keeps the student in the class as themselves.
            st.query_params.update(box.class_params())
            st.success(t("classroom.joined", code=codes.display(joined["code"])), icon=":material/groups:")
            st.markdown(t("classroom.joined_next"))
            st.button(t("classroom.leave"), key="class_leave", on_click=box.leave, icon=":material/logout:")
    with start:
        st.header(t("classroom.start_header"), divider="gray")
        st.markdown(t("classroom.start_text", days=f"{store.class_days:g}" if store else "7"))
        start_button(store, "classroom.start", "class_start", type="primary", icon=":material/add:")
        st.subheader(t("classroom.reopen_header"))
        st.caption(t("classroom.reopen_text"))
        st.text_input(t("classroom.code_label"), max_chars=20, key="class_reopen_code", placeholder="K7M-3QX")
        st.text_input(t("classroom.teacher_key_label"), max_chars=64, key="class_reopen_key", type="password")
        st.button(
            t("classroom.reopen"),
            key="class_reopen",
            on_click=reopen_typed,
            args=(store,),
            disabled=store is None,
            icon=":material/key:",
        )
if store is None:
    unavailable()
