"""Reading a small square matrix a student types (the 2×2 W of the gradients lesson), and writing one as typed.

Nothing typed is evaluated: the text is split into rows and entries, and each entry must look like a decimal
number. What cannot be read raises :class:`MatrixError`, a :class:`rnn_core.errors.InputError` with a code the
page turns into a sentence.
"""

from __future__ import annotations

import re

import numpy as np

from rnn_core.errors import InputError
from rnn_core.typed_inputs import MAX_TEXT


class MatrixError(InputError):
    """A typed matrix that cannot be read.

    Codes: ``"empty"``; ``"number"``, ``"non_finite"`` and ``"too_large"`` (with 1-based ``row``, ``column``
    and the ``token``); ``"shape"`` (``found`` holds the number of entries in each row read); ``"too_many_chars"``
    (the text is longer than ``chars`` characters and was not read).
    """

    def __init__(self, code: str, row: int = 0, column: int = 0, token: str = "", found: tuple = (), **details):
        super().__init__(code, 0, token, row=row, column=column, found=found, **details)
        self.row, self.column, self.found = row, column, found


NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
NON_FINITE = re.compile(r"[+-]?(inf|infinity|nan)", re.IGNORECASE)


def read_entry(token: str, row: int, column: int, max_abs: float | None) -> float:
    """One typed entry as a float, or the :class:`MatrixError` that says why it cannot be one."""
    if NON_FINITE.fullmatch(token):
        raise MatrixError("non_finite", row, column, token[:12])
    if not NUMBER.fullmatch(token):
        raise MatrixError("number", row, column, token[:12])
    value = float(token)
    if not np.isfinite(value):  # e.g. 1e400
        raise MatrixError("non_finite", row, column, token[:12])
    if max_abs is not None and abs(value) > max_abs:
        raise MatrixError("too_large", row, column, token[:12])
    return value


def parse_matrix(text: str, size: int = 2, max_abs: float | None = None, max_chars: int = MAX_TEXT) -> np.ndarray:
    """Read a typed square matrix, rows separated by ``;`` or new lines, entries by commas or spaces.

    Accepted: ``"0.9, 0.5; 0, 0.9"``, ``"[[0.9, 0.5], [0, 0.9]]"``, two lines, or ``size**2`` numbers on one
    line (read row by row). The typographic minus sign is accepted. Nothing is evaluated. With ``max_abs``,
    an entry larger than that in magnitude is refused (``"too_large"``).

    Returns:
        (size, size) float64.
    Raises:
        MatrixError: see its ``code``.
    """
    if len(text) > max_chars:  # before anything is read
        raise MatrixError("too_many_chars", chars=max_chars)
    cleaned = text.replace("\u2212", "-")
    cleaned = re.sub(r"\]\s*,?\s*\[", ";", cleaned).replace("[", " ").replace("]", " ")  # [[a, b], [c, d]]
    lines = [line for line in re.split(r"[;\n]", cleaned) if line.strip()]
    if not lines:
        raise MatrixError("empty")
    rows = [
        [read_entry(token, i, j, max_abs) for j, token in enumerate(line.replace(",", " ").split(), start=1)]
        for i, line in enumerate(lines, start=1)
    ]
    if len(rows) == 1 and len(rows[0]) == size * size:
        rows = [rows[0][k * size : (k + 1) * size] for k in range(size)]  # all entries on one line
    if len(rows) != size or any(len(row) != size for row in rows):
        raise MatrixError("shape", found=tuple(len(row) for row in rows))
    return np.array(rows, dtype=np.float64)


def format_matrix(W: np.ndarray) -> str:
    """A matrix as a student types it, the text :func:`parse_matrix` reads back: ``"0.9, 4; 0, 0.9"``.

    Entries are written with ``%g`` (six significant digits): exact for the short decimals a lesson types.
    """
    return "; ".join(", ".join(f"{float(x):g}" for x in row) for row in np.asarray(W, dtype=np.float64))
