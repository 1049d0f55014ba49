"""What every exercise shares: the :class:`Exercise` and its :class:`Verdict`, reading a typed answer, and checking it.

Three kinds of exercise:

- ``"number"``: a value to predict. Right when ``|response - answer| <= max(tolerance * |answer|, floor)``
  (``tolerance`` relative, ``floor`` absolute; integers use 0 and 0, so only the exact count is right, though
  ``"12.0"`` reads as 12). A wrong number that equals what a known mistake gives (a sign error, one step too
  many, ...) gets that mistake's hint.
- ``"choice"``: one of ``choices`` (language-neutral keys; :data:`CHOICE_LABELS` names their text).
- ``"setting"``: a dict of the lesson page's widget values, named as the page's URL parameters; a ``judge``
  computes with ``rnn_core`` whether they reach the goal.

``check`` never raises: malformed input is a :class:`Verdict` with a ``message_key``.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rnn_core import intro
from rnn_core.errors import InputError
from rnn_core.numfmt import MINUS, PLAIN_RANGE, num  # noqa: F401 (the pages' style)

MAX_RESPONSE = 200  # longest typed answer accepted (characters), as the class view stores it

MALFORMED_NUMBER = "exercises.malformed_number"
UNKNOWN_CHOICE = "exercises.unknown_choice"
TOO_LONG = "exercises.too_long"
MALFORMED_SETTING = "exercises.malformed_setting"
HINT_SIGN = "exercises.hint_sign"
HINT_SETTINGS_CHANGED = "exercises.hint_settings_changed"
# A percentage as the page's language writes it, "{value} %" in English and "{value}%" in Korean: a prompt is made
# before its language is known, so its percentages are texts to translate (:func:`percentage`); ui.numbers.percent
# reads the same text, so a page and its exercises place the sign alike.
PERCENT_KEY = "common.percent"

# The text of the choice keys that several lessons offer; a lesson adds its own (its exercises' CHOICE_LABELS).
CHOICE_LABELS = {
    "vanishing": "exercises.choice_vanishing",
    "exploding": "exercises.choice_exploding",
    "neither": "exercises.choice_neither",
    "bounded": "exercises.choice_bounded",
    "unbounded": "exercises.choice_unbounded",
    "bowl": "exercises.choice_bowl",
    "saddle": "exercises.choice_saddle",
}


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: right or not, the hint that fits the mistake (None when right or when the input
    could not be read), and the message for input that could not be read (None otherwise)."""

    correct: bool
    hint_key: str | None = None
    message_key: str | None = None


@dataclass(frozen=True)
class Exercise:
    """One variant of one exercise. Everything but ``judge`` is plain data; ``answer`` was computed by ``rnn_core``
    from ``params`` when the variant was made.

    Attributes (beyond the documented API): ``hint_key`` the generic hint; ``mistakes`` pairs
    ``(hint key, what that mistake answers)``, a number or a choice key, tried in order; ``floor`` the absolute
    tolerance for numbers; ``fields`` the widget values a setting reads, ``(name, "float" | "int" | "text")``;
    ``judge`` a setting's test: the widget values in, None when the goal is reached, else the hint key.
    """

    id: str
    lesson: str
    kind: str
    section: int
    params: dict
    answer: float | str | dict
    tolerance: float | None
    choices: tuple[str, ...]
    prompt_key: str
    prompt_values: dict
    explain_key: str
    explain_values: dict
    page_params: dict
    hint_key: str
    mistakes: tuple = ()
    floor: float = 0.0
    fields: tuple = ()
    judge: Callable[[dict], str | None] | None = field(default=None, repr=False, compare=False)

    def check(self, response) -> Verdict:
        """Judge a response: a typed string or a number (``"number"``), a choice key (``"choice"``), or a dict of
        the page's widget values (``"setting"``). Never raises."""
        if isinstance(response, str) and len(response) > MAX_RESPONSE:
            return Verdict(False, message_key=TOO_LONG)
        if self.kind == "number":
            return self._check_number(response)
        if self.kind == "choice":
            return self._check_choice(response)
        return self._check_setting(response)

    def close(self, value: float, target: float) -> bool:
        """Whether ``value`` is within this exercise's tolerance of ``target``, or (for a tolerance above 0) reads
        the same as ``target`` written the pages' way, 3 significant digits: a student who types the number as
        the page would show it is right, even where the tolerance is tighter than 3 digits."""
        if abs(value - target) <= max(self.tolerance * abs(target), self.floor):
            return True
        return self.tolerance > 0 and num(value) == num(target)

    def _check_number(self, response) -> Verdict:
        value = read_number(response)
        if value is None:
            return Verdict(False, message_key=MALFORMED_NUMBER)
        if self.close(value, self.answer):
            return Verdict(True)
        for hint, mistaken in self.mistakes:
            if math.isfinite(mistaken) and self.close(value, mistaken):
                return Verdict(False, hint_key=hint)
        return Verdict(False, hint_key=self.hint_key)

    def _check_choice(self, response) -> Verdict:
        if not isinstance(response, str) or response.strip() not in self.choices:
            return Verdict(False, message_key=UNKNOWN_CHOICE)
        chosen = response.strip()
        if chosen == self.answer:
            return Verdict(True)
        for hint, mistaken in self.mistakes:
            if chosen == mistaken:
                return Verdict(False, hint_key=hint)
        return Verdict(False, hint_key=self.hint_key)

    def _check_setting(self, response) -> Verdict:
        if not isinstance(response, dict):
            return Verdict(False, message_key=MALFORMED_SETTING)
        values = {}
        for name, kind in self.fields:
            raw = response.get(name)
            if kind == "text":
                if not isinstance(raw, str):
                    return Verdict(False, message_key=MALFORMED_SETTING)
                if len(raw) > MAX_RESPONSE:
                    return Verdict(False, message_key=TOO_LONG)
                values[name] = raw
                continue
            value = read_number(raw)
            if value is None or (kind == "int" and value != int(value)):
                return Verdict(False, message_key=MALFORMED_SETTING)
            values[name] = int(value) if kind == "int" else value
        hint = self.judge(values)
        return Verdict(hint is None, hint_key=hint)


def text(key: str, **values) -> dict:
    """A prompt or explanation value that is itself text to translate: ``{"key": locale key}``, with the text's own
    ``{fields}`` in ``values`` when it has some (filled the same way). Strings and numbers are shown as they are;
    :func:`fill` translates these, and joins a list of values with ", "."""
    return {"key": key, "values": values} if values else {"key": key}


def percentage(p: float, digits: int = 3) -> dict:
    """A fraction in [0, 1] as a prompt or explanation value that :func:`fill` writes as a percentage in the page's
    language: 0.153 reads ``15.3 %`` on an English page, ``15.3%`` on a Korean one (as ui.numbers.percent)."""
    return text(PERCENT_KEY, value=num(100 * float(p), digits))


_FROM_SUPERSCRIPT = str.maketrans("⁻⁺⁰¹²³⁴⁵⁶⁷⁸⁹", "-+0123456789")


def read_number(response) -> float | None:
    """A finite number from a typed answer or a number, or None.

    Typed answers are read as the home lesson reads typed inputs (:func:`rnn_core.intro.parse_numbers`): a dot
    decimal with an optional sign (the typographic minus too) and exponent, spaces around it. A power of ten
    as the pages write it is read too, so a student can type what they read: ``1.23·10⁵``, ``−4.5·10⁻⁶``,
    ``2×10^3``. Anything else is None: a decimal comma (``"1,5"`` reads as two numbers), fractions, words,
    ``inf``, ``nan``, booleans.
    """
    if isinstance(response, str):
        if len(response) > MAX_RESPONSE:
            return None
        try:
            value = float(intro.parse_numbers(_power_of_ten(response), max_steps=1, limit=math.inf)[0])
        except InputError:
            return None
    elif isinstance(response, (int, float, np.integer, np.floating)) and not isinstance(response, (bool, np.bool_)):
        value = float(response)
    else:
        return None
    return value if math.isfinite(value) else None


# "1.23·10⁵", "1.23 × 10^-5", "2*10^3": a mantissa times a power of ten, as the pages write large and small numbers.
_TIMES_TEN = re.compile(r"^\s*(\S+?)\s*[·×*x]\s*10\s*(?:\^\s*([+\-\u2212]?\d+)|([⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))\s*$")


def _power_of_ten(typed: str) -> str:
    """``1.23·10⁵`` → ``1.23e5`` (the mantissa is checked by the parser as any typed number); other text as is."""
    match = _TIMES_TEN.match(typed)
    if match is None:
        return typed
    exponent = match.group(2) or match.group(3).translate(_FROM_SUPERSCRIPT)
    return f"{match.group(1)}e{exponent.replace(MINUS, '-')}"


def shown_numbers(values) -> str:
    """Numbers listed in a prompt or an explanation: ``1, −0.5, 0``."""
    return ", ".join(num(v) for v in values)


def signed_sum(values) -> str:
    """Terms of a sum as the pages write them: ``0.5 − 1.25 + 2`` (a negative term is subtracted)."""
    out = ""
    for k, v in enumerate(values):
        if k == 0:
            out = num(v)
        else:
            out += f" − {num(-v)}" if v < 0 else f" + {num(v)}"
    return out


def grid(rng: np.random.Generator, low: float, high: float, step: float) -> float:
    """A value drawn uniformly from ``low, low + step, ..., high`` (a slider's own grid), rounded to its step."""
    n = int(round((high - low) / step))
    return round(low + step * int(rng.integers(0, n + 1)), 10)


def bits_text(bits) -> str:
    """A 0/1 sequence as a page's text widget takes it: ``"0,1,1"``."""
    return ",".join(str(int(b)) for b in bits)


def numbers_text(values) -> str:
    """Numbers as the home page's input widget takes them: ``"1, 0, -0.5"``."""
    return ", ".join(f"{float(v):g}" for v in values)


def fill(values: dict, translate: Callable[[str], str]) -> dict:
    """A prompt's or explanation's values ready for its text: ``{"key": k}`` becomes ``translate(k)`` (its own
    ``"values"`` filled into it), a list or tuple becomes its filled items joined with ", "."""
    return {name: _filled(value, translate) for name, value in values.items()}


def _filled(value, translate: Callable[[str], str]):
    if isinstance(value, dict):
        inner = value.get("values")
        return translate(value["key"]).format(**fill(inner, translate)) if inner else translate(value["key"])
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_filled(item, translate)) for item in value)
    return value


# --- values made when first read --------------------------------------------------------------------------
def _reading(name: str):
    """A dict's method ``name`` on a :class:`MadeOnRead`'s items, made first."""

    def read(self, *args, **kwargs):
        return getattr(dict, name)(self.made(), *args, **kwargs)

    read.__name__ = name
    return read


class MadeOnRead(dict):
    """A dict whose items are made by ``make()`` when it is first read (once, also when two sessions that share the
    variant read it at once). Why: each new visitor's variants are made when the page opens, while what only a
    check or the answer shows (a setting's sample solution, which may take many training runs to find; the whole
    race behind an explanation) is read by few of them, later.

    Every way to read it goes through :meth:`made`: Python's own (``{**d}``, ``dict(d)``, json) call keys() and
    __getitem__ on a dict subclass that has its own __iter__."""

    def __init__(self, make: Callable[[], dict]):
        super().__init__()
        self._make, self._lock = make, threading.Lock()

    def made(self) -> dict:
        with self._lock:
            if self._make is not None:
                dict.update(self, self._make())
                self._make = None
        return self

    def __reduce__(self):  # a copy or a pickle is the plain dict
        return dict, (dict(self.made()),)

    __getitem__ = _reading("__getitem__")
    __iter__ = _reading("__iter__")
    __len__ = _reading("__len__")
    __contains__ = _reading("__contains__")
    __eq__ = _reading("__eq__")
    __ne__ = _reading("__ne__")
    __repr__ = _reading("__repr__")
    __or__ = _reading("__or__")
    __ror__ = _reading("__ror__")
    __hash__ = None
    keys = _reading("keys")
    items = _reading("items")
    values = _reading("values")
    get = _reading("get")
    copy = _reading("copy")


class MadeOnReadTuple(Sequence):
    """A tuple made by ``make()`` when first read, as :class:`MadeOnRead` (e.g. an exercise's ``mistakes``, read
    by a check)."""

    def __init__(self, make: Callable[[], tuple]):
        self._dict = MadeOnRead(lambda: {"items": tuple(make())})

    def made(self) -> tuple:
        return self._dict["items"]

    def __getitem__(self, index):
        return self.made()[index]

    def __len__(self) -> int:
        return len(self.made())

    def __eq__(self, other) -> bool:
        return self.made() == (other.made() if isinstance(other, MadeOnReadTuple) else other)

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self.made())

    def __reduce__(self):  # a copy or a pickle is the plain tuple
        return tuple, (self.made(),)
