"""Sequences a student types on the LSTM page, read into network inputs. No evaluation: every character is a
separator, a letter or part of a plain decimal number, or the text is refused with an
:class:`~rnn_core.errors.InputError` whose code the page translates.

- :func:`parse_symbols`: a first-symbol sequence of the letters A-D (the shipped models' task);
- :func:`parse_steps`: inputs of any size D for a student's own LSTM: numbers taken D at a time (one number per
  step when D = 1; ``;`` or a new line may end a step, which must then hold exactly D numbers), or letters,
  each a step shown one-hot (A is the first of the D inputs, B the second, ...).

Every parser of typed text in ``rnn_core`` (these, the home page's numbers, the counting sequence, the typed
matrix) first refuses a text longer than its ``max_chars`` with :func:`check_length`: :data:`MAX_TEXT` unless
it says otherwise, the same limit the page's text box and its URL parameter state.
"""

from __future__ import annotations

import re

import numpy as np

from rnn_core.errors import InputError
from rnn_core.tasks import SYMBOLS

MIN_TYPED_STEPS = 2  # a typed first-symbol sequence: the symbol and at least one step after it ...
MAX_TYPED_STEPS = 121  # ... and at most 120 steps after it
MAX_STEPS = 200  # a sequence for a student's own LSTM: at most this many steps ...
MAX_VALUE = 1000.0  # ... of numbers no larger than this
# The longest texts read, in characters: checked before anything is parsed, so a huge paste (or a value sent past
# the browser) costs no more than a short one. MAX_TEXT bounds every text a lesson mirrors in its URL (200
# numbers of a few digits); MAX_OWN_TEXT a sequence for a student's own LSTM (200 steps of several numbers).
MAX_TEXT = 2400
MAX_OWN_TEXT = 16_000
SEPARATORS = " ,\t"  # between symbols or numbers; ";" and new lines also end a step
NUMBER = re.compile(r"[+\-\u2212]?(\d+\.?\d*|\.\d+)([eE][+\-]?\d+)?", re.ASCII)  # ASCII digits only
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class SequenceError(InputError):
    """A typed sequence that cannot be read. Codes: ``"empty"``; ``"symbol"`` (``position``: the 1-based place of
    the first token that is not allowed, ``token``: it); ``"too_short"``, ``"too_long"`` (``position``: the
    length); for :func:`parse_steps` also ``"row_size"`` (step ``position`` holds ``count`` numbers, not
    ``size``), ``"count"`` (``position`` numbers is not a multiple of ``size``), ``"letter"`` (letter ``token``
    at ``position`` is beyond the ``size`` inputs), ``"too_large"`` (number ``token`` at ``position`` exceeds
    ``limit``) and ``"mixed"`` (letters and numbers together). Text longer than the parser's ``max_chars`` is not read:
    ``"too_many_chars"`` (``chars``: the limit)."""


def check_length(text: str, max_chars: int, error: type[InputError] = InputError) -> None:
    """Refuse ``text`` longer than ``max_chars`` before any parsing: ``error("too_many_chars", chars=max_chars)``.

    Every typed-input parser calls this first (its ``max_chars`` is the limit its widget states)."""
    if len(text) > max_chars:
        raise error("too_many_chars", chars=max_chars)


def parse_symbols(text: str, max_steps: int = MAX_TYPED_STEPS, max_chars: int = MAX_TEXT) -> np.ndarray:
    """Read a typed first-symbol sequence of the letters A-D (any case; spaces, commas or nothing between).

    Returns:
        (T,) int symbols 0..3 (the first is the one to remember), ``MIN_TYPED_STEPS`` <= T <= ``max_steps``.
    Raises:
        SequenceError: see its docstring.
    """
    check_length(text, max_chars, SequenceError)
    symbols = []
    for char in text:
        if char in SEPARATORS + ";\n":
            continue
        k = SYMBOLS.find(char.upper()) if len(char.upper()) == 1 else -1
        if k < 0:
            raise SequenceError("symbol", len(symbols) + 1, char)
        symbols.append(k)
    if not symbols:
        raise SequenceError("empty")
    if len(symbols) < MIN_TYPED_STEPS:
        raise SequenceError("too_short", len(symbols))
    if len(symbols) > max_steps:
        raise SequenceError("too_long", len(symbols))
    return np.array(symbols)


def split_steps(text: str) -> list[list[str]]:
    """The tokens of each typed row (rows end at ``;`` or a new line), empty rows dropped."""
    rows = [re.split(r"[ ,\t]+", row.strip(" ,\t")) for row in re.split(r"[;\n]", text)]
    return [row for row in rows if row != [""]]


def parse_steps(text: str, size: int, max_steps: int = MAX_STEPS, max_chars: int = MAX_OWN_TEXT) -> np.ndarray:
    """Read a typed sequence into the inputs of a network with ``size`` inputs: (T, size) float64.

    Numbers: taken ``size`` at a time, each group a step (``0.5 -1 2`` is three steps for size 1); a row ended by
    ``;`` or a new line is one step of exactly ``size`` numbers. Letters: each letter one step, one-hot (A sets
    the first input, B the second, ...), so ``size`` letters can be used.

    Raises:
        SequenceError: see its docstring.
    """
    check_length(text, max_chars, SequenceError)
    rows = split_steps(text)
    tokens = [token for row in rows for token in row]
    if not tokens:
        raise SequenceError("empty")
    if all(token.isascii() and token.isalpha() for token in tokens):
        return one_hot_steps("".join(tokens), size, max_steps)
    typed_steps = len(rows) if len(rows) > 1 else -(-len(tokens) // size)  # known before any number is read
    if typed_steps > max_steps:
        raise SequenceError("too_long", typed_steps, limit=max_steps)
    values = []
    for k, token in enumerate(tokens, start=1):
        if NUMBER.fullmatch(token) is None:
            code = "mixed" if token.isascii() and token.isalpha() else "symbol"
            raise SequenceError(code, k, token[:12])
        value = float(token.replace("\u2212", "-"))
        if abs(value) > MAX_VALUE:
            raise SequenceError("too_large", k, token[:12], limit=int(MAX_VALUE))
        values.append(value)
    if len(rows) > 1:  # one step per row
        for k, row in enumerate(rows, start=1):
            if len(row) != size:
                raise SequenceError("row_size", k, count=len(row), size=size)
    elif len(values) % size:
        raise SequenceError("count", len(values), size=size)
    return np.array(values).reshape(-1, size)


def one_hot_steps(letters: str, size: int, max_steps: int = MAX_STEPS) -> np.ndarray:
    """Letters as one-hot steps: (T, size), letter k of the alphabet sets input k."""
    if len(letters) > max_steps:
        raise SequenceError("too_long", len(letters), limit=max_steps)
    steps = np.zeros((len(letters), size))
    for t, letter in enumerate(letters.upper()):
        k = LETTERS.index(letter)
        if k >= size:
            raise SequenceError("letter", t + 1, letter, size=size)
        steps[t, k] = 1.0
    return steps
