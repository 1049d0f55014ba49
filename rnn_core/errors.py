"""One error family for everything a student types: a code the page turns into a sentence, and where.

Every parser in rnn_core (the counting sequence, the home page's numbers, the mappings' symbols, the typed 2×2
matrix, the first-symbol sequence) raises a subclass of :class:`InputError`; one renderer in ``ui/errors.py``
shows any of them in the student's language.
"""

from __future__ import annotations


class InputError(ValueError):
    """Typed input that cannot be read.

    Attributes:
        code: what is wrong (``"empty"``, ``"symbol"``, ``"too_long"``...), documented by each parser.
        position: the 1-based place of the offending token, or the length for ``"too_long"``/``"too_short"``.
        token: the offending text as typed (shortened by the parser), or ``""``.
        details: further fields a message may name (e.g. ``row`` and ``column`` for a matrix).
    """

    def __init__(self, code: str, position: int = 0, token: str = "", **details):
        where = f" at {position}" if position else ""
        super().__init__(f"{code}{where}: {token!r}" if token else f"{code}{where}")
        self.code, self.position, self.token, self.details = code, position, token, details
