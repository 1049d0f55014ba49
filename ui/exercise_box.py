"""The exercise box at the end of a lesson section, and the class a session may have joined.

``exercise_box(lesson, exercise_id)`` is a fragment: checking an answer reruns the box only. Each box holds its
own variant (a seed shown as a four-symbol code, so a teacher can open the same numbers), the number of tries,
and whether it is solved, all in ``st.session_state``. When the session has joined a class (the Class page),
each checked answer is also sent to the class store, anonymously, through the session's
:class:`classroom.recorder.Recorder`; if the database is away the box says so and the lesson carries on.

Two session-state entries let a caller (the tests) choose what is otherwise left to chance or to the wall clock:
``st.session_state[SEED_SOURCE]``, if set, is a function of no arguments that returns each new variant's seed (an
int in ``range(codes.VARIANT_SEEDS)``) in place of a random one; ``st.session_state[RATE_LIMIT]``, if set, is the
session's :class:`classroom.ratelimit.RateLimit`, which may read a clock of the caller's.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

import streamlit as st

from classroom import codes
from classroom.ratelimit import RateLimit
from classroom.recorder import Recorder
from classroom.store import (
    OTHER,
    Answer,
    ClassGone,
    ClassInfo,
    ClassStore,
    Progress,
    StoreUnavailable,
    TooManyGuesses,
    class_days_from_env,
    default_url,
    new_token,
)
from rnn_core import exercise
from ui import numbers, registry, script_gate, shortlinks, urlstate
from ui.i18n import current_language, t, verbatim

TRIES_BEFORE_ANSWER = 2
MAX_TYPED = exercise.MAX_RESPONSE  # the longest answer read; the box takes one character more (see _on_check)
FALLBACK_BASE = "http://localhost:8501"  # where st.context.url is unknown (AppTest)
CHECKS_PER_SECOND = 2
SEED_SOURCE = "exercise.seed_source"
RATE_LIMIT = "_class.rate"


# --- the class store, one per process ---------------------------------------------------------------------
@st.cache_resource(max_entries=2, show_spinner=False)
def _store(url: str, class_days: float) -> ClassStore:
    store = ClassStore(url, class_days=class_days, waiting=script_gate.aside)
    try:
        store.ensure_schema()  # on start: create or migrate, drop expired classes
    except StoreUnavailable:
        pass  # retried by the store's next call; the lessons do not wait for it
    return store


def class_store() -> ClassStore | None:
    """The process's store for ``RNNLAB_DATABASE_URL`` (or the default SQLite file); None if the URL is unusable
    (a malformed URL, a driver that is not installed)."""
    try:
        return _store(default_url(), class_days_from_env())
    except Exception:  # noqa: BLE001 - any failure to build an engine means: no recording, lessons go on
        return None


# --- this session's class ---------------------------------------------------------------------------------
def session_id() -> str:
    """Who this session's answers are filed under: the student's token in the class they joined (the same after a
    reload or a reconnect), else a random id for this browser session. It ties one student's answers together,
    and nothing else."""
    joined = joined_class()
    if joined is not None:
        return joined["me"]
    return st.session_state.setdefault("_class.session", secrets.token_hex(8))


def joined_class() -> dict | None:
    """``{"id", "code", "me"}`` of the class this session joined (``me``: the student's token), or None."""
    return st.session_state.get("_class.joined")


def join(info: ClassInfo, me: str | None = None) -> None:
    """Join ``info``'s class as the student ``me`` (the token of a link this student was given: their variants and
    tries in the class come back with them) or, without one, as a new student.

    The exercises this session did before joining were practice: they start again in the class's variants. If the
    store is away, the session makes its own token; the store takes it as this student's when it is back.
    """
    store = class_store()
    try:
        progress = store.attend(info.id, me) if store else None
    except ClassGone:
        return
    except StoreUnavailable:
        progress = None
    if progress is None:
        token = me if codes.is_student_token(me) else codes.new_student_token()
        progress = Progress(token, {}, {})
    for name in [name for name in st.session_state if str(name).startswith("exercise.") and name.count(".") == 1]:
        if name != "exercise.solved":
            del st.session_state[name]
    _solved().clear()
    st.session_state["_class.joined"] = {"id": info.id, "code": info.code, "me": progress.token}
    st.session_state["_class.progress"] = progress
    recorder().status = "recorded"


def leave() -> None:
    st.session_state.pop("_class.joined", None)
    st.session_state.pop("_class.progress", None)


def join_from_link() -> None:
    """A lesson link that carries ``?join=CODE&me=TOKEN`` (every link of a student who joined a class does: see
    ui.present.link_values) keeps the student in the class, as the same student, after a reload, in a new tab, or
    on another replica after theirs went away. A code that is not a live class is ignored here; the Class page is
    where a student is told so."""
    code = st.query_params.get("join")
    me = st.query_params.get("me")
    joined = joined_class()
    if not code or st.session_state.get("_class.tried") == (code, me):
        return
    if joined and codes.normalise(code) == joined["code"] and (me is None or me == joined["me"]):
        return
    if urlsplit(st.context.url or "").path.rstrip("/").endswith("/class"):
        return  # the Class page reads its own ?join= (and says why a code failed): one look-up, one guess
    st.session_state["_class.tried"] = (code, me)
    store = class_store()
    try:  # a guess like any other: counted against this client's address (classroom.store.find_class)
        info = store.find_class(code[:20], shortlinks.client()) if store else None
    except (StoreUnavailable, TooManyGuesses):
        info = None
    if info is not None:
        join(info, me if codes.is_student_token(me) else None)


def recorder() -> Recorder:
    return st.session_state.setdefault("_class.recorder", Recorder())


def rate_limit() -> RateLimit:
    """At most CHECKS_PER_SECOND checks a second per session, over all its boxes."""
    return st.session_state.setdefault(RATE_LIMIT, RateLimit(per_second=CHECKS_PER_SECOND))


def mistake_of(ex, verdict) -> str | None:
    """What went wrong in a wrong answer, as the teacher's table counts it: the hint key of a mistake the exercise
    recognised (one of its ``mistakes``, or a setting's judge naming what is off), else ``OTHER`` (the exercise's
    generic hint says nothing about what went wrong). None for a right answer."""
    if verdict.correct:
        return None
    known = {key for key, _ in ex.mistakes}
    if verdict.hint_key in known or (ex.kind == "setting" and verdict.hint_key not in (None, ex.hint_key)):
        return verdict.hint_key
    return OTHER


def _record(
    exercise_id: str, lesson: str, seed: int, attempt: int, response: str, correct: bool, mistake: str | None = None
) -> None:
    joined = joined_class()
    if joined is None:
        return
    answer = Answer(
        session_id(), lesson, exercise_id, seed, attempt, response[:MAX_TYPED], correct, new_token(), mistake
    )
    store = class_store()
    if store is None:
        recorder().pending.append((joined["id"], answer))
        recorder().status = "waiting"
        return
    if recorder().submit(store, joined["id"], answer) == "class_gone":
        leave()


# --- links ------------------------------------------------------------------------------------------------
def lesson_url(lesson: str, page_params: dict) -> str:
    """The absolute URL that opens ``lesson`` at ``page_params`` in a fresh session (a new tab reads its URL)."""
    paths = [known.name for known in registry.pages()]
    base = (st.context.url or FALLBACK_BASE).split("?")[0].rstrip("/")
    head, _, last = base.rpartition("/")
    if last in paths or last == "class":
        base = head
    path = "" if paths and lesson == paths[0] else lesson  # the first lesson is the default page, at "/"
    query = urlencode({"lang": current_language(), **{k: str(v) for k, v in page_params.items()}, **class_params()})
    return f"{base}/{path}?{query}" if path else f"{base}/?{query}"


def class_params() -> dict[str, str]:
    """What a link of this student's carries to stay in their class as themselves (``join`` and ``me``); nothing
    outside a class. Only links the student opens go with it: a short link or a shared link never does."""
    joined = joined_class()
    return {"join": codes.display(joined["code"]), "me": joined["me"]} if joined else {}


# --- the box ----------------------------------------------------------------------------------------------
def _state(exercise_id: str) -> dict:
    if f"exercise.{exercise_id}" not in st.session_state:
        st.session_state[f"exercise.{exercise_id}"] = _first_state(exercise_id)
    return st.session_state[f"exercise.{exercise_id}"]


def _first_state(exercise_id: str) -> dict:
    """A box's state when this session first shows it. In a class it is the student's: the variant they chose
    (kept in the class store) or the one their token gives, with the tries the store holds for it, so a reload or
    a reconnect to another replica changes neither. Outside a class: a new variant."""
    joined = joined_class()
    if joined is None:
        return _fresh(_new_seed())
    progress = st.session_state.get("_class.progress") or Progress(joined["me"], {}, {})
    seed = progress.chosen.get(exercise_id)
    if seed is None and SEED_SOURCE in st.session_state:
        seed = _new_seed()
        _keep_variant(exercise_id, seed)
    elif seed is None:
        seed = codes.student_variant_seed(joined["me"], exercise_id)
    tries, right = progress.answered.get((exercise_id, seed), (0, False))
    state = {**_fresh(seed), "tries": tries, "solved": right}
    if right:
        _solved().add(exercise_id)
    return state


def _keep_variant(exercise_id: str, seed: int) -> None:
    """In a class, the class store keeps the variant the student chose, for their next session."""
    joined, store = joined_class(), class_store()
    if joined is None or store is None:
        return
    try:
        store.choose_variant(joined["id"], joined["me"], exercise_id, seed)
    except StoreUnavailable:
        pass  # the variant is still this session's; only a reconnect before the store is back would lose it


def _new_seed() -> int:
    """A new variant: from the session's seed source if it has one (see the module docstring), else at random."""
    return st.session_state.get(SEED_SOURCE, codes.new_variant_seed)()


def _fresh(seed: int) -> dict:
    return {"seed": seed, "tries": 0, "solved": False, "feedback": None}


def _solved() -> set:
    return st.session_state.setdefault("exercise.solved", set())


def _variant(exercise_id: str, seed: int):
    """This session's Exercise object for ``seed`` (made once per variant: make computes the answer)."""
    made = st.session_state.get(f"exercise.{exercise_id}.made")
    if made is None or made[0] != seed:
        made = (seed, made_variant(exercise_id, seed))
        st.session_state[f"exercise.{exercise_id}.made"] = made
    return made[1]


@st.cache_resource(max_entries=256, show_spinner=False)
def made_variant(exercise_id: str, seed: int):
    """One variant, shared by the sessions that open the same one (a teacher opening a student's variant code):
    making some trains a model (the optimizer race: 0.1 s). Exercises are frozen, so sharing one is safe; the
    session keeps its own reference, so eviction never makes a student's variant twice."""
    return registry.make(exercise_id, seed)


def _filled(values: dict) -> dict:
    """A prompt's values with the ones that are text to translate (``{"key": ...}``) translated."""
    return exercise.fill(values, t)


def _choice_label(choice: str) -> str:
    label_key = registry.choice_labels().get(choice)
    return t(label_key) if label_key else str(choice)


def _setting_names(ex) -> list[str]:
    """The page widgets a setting exercise reads: its ``fields`` when it names them, else its URL parameters."""
    return [name for name, *_ in ex.fields] if ex.fields else [n for n in ex.page_params if n != "lang"]


def _shown_value(value) -> str:
    """A number as the pages write it (``numbers.num``; whole counts in full); text as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return numbers.integer(value) if isinstance(value, int) else numbers.num(value)


def _shown_answer(ex) -> str:
    if ex.kind == "number":
        return _shown_value(ex.answer)
    if ex.kind == "choice":
        return _choice_label(ex.answer)
    if isinstance(ex.answer, dict):
        return ", ".join(
            f"{name} = {verbatim(value) if isinstance(value, str) else _shown_value(value)}"
            for name, value in ex.answer.items()
        )
    return str(ex.answer)


def _check(ex, state: dict, response, response_text: str) -> None:
    """Judge one response, update the box's state, and record it for the class."""
    if not rate_limit().allow():
        state["feedback"] = {"kind": "slow"}
        return
    if len(response_text) > MAX_TYPED:
        state["feedback"] = {"kind": "too_long"}
        return
    verdict = ex.check(response)
    if verdict.message_key:  # could not be read: neither a try nor recorded
        state["feedback"] = {"kind": "unread", "key": verdict.message_key}
        return
    state["tries"] += 1
    state["solved"] = bool(verdict.correct)
    if verdict.correct:
        _solved().add(ex.id)
    state["feedback"] = {
        "kind": "right" if verdict.correct else "wrong",
        "hint": verdict.hint_key,
        "response": response_text,
    }
    _record(
        ex.id, ex.lesson, state["seed"], state["tries"], response_text, bool(verdict.correct), mistake_of(ex, verdict)
    )


def _on_check(lesson: str, exercise_id: str) -> None:
    """The Check button's callback: it runs before the box is drawn, so the box shows the outcome at once."""
    state = _state(exercise_id)
    ex = _variant(exercise_id, state["seed"])
    if state["solved"] or state["tries"] >= TRIES_BEFORE_ANSWER:
        return
    if ex.kind == "setting":
        values = {name: st.session_state.get(urlstate.key(lesson, name)) for name in _setting_names(ex)}
        _check(ex, state, values, ", ".join(f"{name}={value}" for name, value in values.items()))
        return
    typed_key = f"exercise.{exercise_id}.typed" if ex.kind == "number" else f"exercise.{exercise_id}.chosen"
    typed = st.session_state.get(typed_key)
    if typed is None or typed == "":
        state["feedback"] = {"kind": "empty"}
    elif isinstance(typed, str) and len(typed) > MAX_TYPED:
        # Streamlit cuts a sent text to the box's max_chars, one more than MAX_TYPED: the extra character says the
        # answer was too long. It is neither read nor kept.
        state["feedback"] = {"kind": "too_long"}
        st.session_state[typed_key] = ""
    else:
        _check(ex, state, typed, str(typed))


def _new_variant(exercise_id: str, seed: int | None = None) -> None:
    state = _fresh(_new_seed() if seed is None else seed)
    st.session_state[f"exercise.{exercise_id}"] = state
    _solved().discard(exercise_id)
    _keep_variant(exercise_id, state["seed"])


def _open_variant(exercise_id: str) -> None:
    seed = codes.variant_seed(st.session_state.get(f"exercise.{exercise_id}.code", ""))
    if seed is None:
        st.session_state[f"exercise.{exercise_id}.bad_code"] = True
    else:
        st.session_state.pop(f"exercise.{exercise_id}.bad_code", None)
        _new_variant(exercise_id, seed)


@st.fragment
def exercise_box(lesson: str, exercise_id: str) -> None:
    """An exercise of ``lesson``: prompt, answer, feedback, the answer after two tries, a new variant on demand."""
    state = _state(exercise_id)
    ex = _variant(exercise_id, state["seed"])
    done = state["solved"] or state["tries"] >= TRIES_BEFORE_ANSWER
    with st.container(border=True, key=f"exbox_{exercise_id}"):
        st.markdown(
            f"**{t('exercise_box.title')}** · " + t("exercise_box.variant", code=codes.variant_code(state["seed"]))
        )
        st.markdown(t(ex.prompt_key, **_filled(ex.prompt_values)))
        if ex.kind == "setting":
            st.caption(t("exercise_box.setting_caption"))
            st.button(
                t("exercise_box.check_setting"),
                key=f"exercise.{exercise_id}.check",
                disabled=done,
                on_click=_on_check,
                args=(lesson, exercise_id),
            )
        else:
            with st.form(f"exercise.{exercise_id}.form", border=False):
                if ex.kind == "number":
                    st.text_input(
                        t("exercise_box.number_label"),
                        max_chars=MAX_TYPED + 1,
                        key=f"exercise.{exercise_id}.typed",
                        disabled=done,
                    )
                else:
                    labels = {choice: _choice_label(choice) for choice in ex.choices}
                    st.radio(
                        t("exercise_box.choice_label"),
                        list(ex.choices),
                        index=None,
                        format_func=labels.__getitem__,
                        key=f"exercise.{exercise_id}.chosen",
                        disabled=done,
                    )
                st.form_submit_button(
                    t("exercise_box.check"), disabled=done, on_click=_on_check, args=(lesson, exercise_id)
                )
        _feedback(ex, state)
        # One flex row (a phone wraps it), not two columns: three blocks fewer in every box of every first view.
        row = st.container(horizontal=True, vertical_alignment="top", gap="medium")
        row.button(
            t("exercise_box.reset"),
            key=f"exercise.{exercise_id}.reset",
            on_click=_new_variant,
            args=(exercise_id,),
            icon=":material/refresh:",
        )
        # Its code box and button are drawn only while it is open (opening it reruns this box): every box of a
        # lesson is drawn at each first view, and few students open a variant by its code.
        opener = row.expander(t("exercise_box.variant_open"), key=f"exercise.{exercise_id}.open", on_change="rerun")
        with opener:
            if opener.open:
                st.text_input(t("exercise_box.variant_label"), max_chars=12, key=f"exercise.{exercise_id}.code")
                st.button(
                    t("exercise_box.variant_go"),
                    key=f"exercise.{exercise_id}.go",
                    on_click=_open_variant,
                    args=(exercise_id,),
                )
                if st.session_state.get(f"exercise.{exercise_id}.bad_code"):
                    st.error(t("exercise_box.variant_bad"))
        _progress(lesson)
        _class_status()


def _feedback(ex, state: dict) -> None:
    feedback = state["feedback"] or {"kind": "restored"}  # a box whose tries came back from the class store
    kind = feedback["kind"]
    if kind == "slow":
        st.warning(t("exercise_box.too_fast"), icon=":material/hourglass_top:")
    elif kind == "too_long":
        st.warning(t("exercise_box.too_long", limit=MAX_TYPED), icon=":material/warning:")
    elif kind == "empty":
        st.warning(t("exercise_box.empty"), icon=":material/warning:")
    elif kind == "unread":
        st.warning(t(feedback["key"]), icon=":material/warning:")
    elif kind == "restored" and state["solved"]:
        st.success(t("exercise_box.right", tries=state["tries"]), icon=":material/check_circle:")
    elif kind == "restored":
        if state["tries"]:
            st.caption(t("exercise_box.restored", tries=state["tries"]))
    elif kind == "right":
        st.success(t("exercise_box.right", tries=state["tries"]), icon=":material/check_circle:")
    else:
        st.error(t("exercise_box.wrong", response=verbatim(feedback["response"][:60])), icon=":material/cancel:")
        if feedback.get("hint") and state["tries"] < TRIES_BEFORE_ANSWER:
            st.info(t(feedback["hint"]), icon=":material/lightbulb:")
    if state["solved"] or state["tries"] >= TRIES_BEFORE_ANSWER:
        st.markdown(t("exercise_box.answer", answer=_shown_answer(ex)))
        st.markdown(t(ex.explain_key, **_filled(ex.explain_values)))
        # A Markdown link, not st.page_link: its label wraps on a phone and in presenter mode instead of being cut.
        url = lesson_url(ex.lesson, ex.page_params)
        st.markdown(f":material/open_in_new: [{t('exercise_box.open_setting')}]({url})")


def _progress(lesson: str) -> None:
    ids = registry.catalogue().get(lesson, [])
    solved = len(_solved() & set(ids))
    st.caption(t("exercise_box.progress", solved=solved, total=len(ids)))


def _class_status() -> None:
    joined = joined_class()
    if recorder().pending and recorder().clock() >= recorder().retry_at and class_store() is not None:
        if recorder().flush(class_store()) == "class_gone":  # the back-off is over: send what waited
            leave()
    status = recorder().status
    if status == "class_gone":
        st.info(t("exercise_box.class_gone"), icon=":material/event_busy:")
        recorder().status = "recorded"
    elif joined is not None and status == "waiting":
        st.warning(t("exercise_box.not_recording", waiting=len(recorder().pending)), icon=":material/cloud_off:")
    elif joined is not None:
        st.caption(t("exercise_box.recording", code=codes.display(joined["code"])))
