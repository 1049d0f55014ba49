"""Divergence as a lesson: turn a Trajectory's ``diverged_at``/``reason`` into sentences in the chosen language.

Numbers are written by :mod:`ui.numbers` (``num`` in prose, ``latex`` inside the ``$...$`` maths of the
[divergence] sentences).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui.i18n import t
from ui.numbers import integer, latex, num

# One message per DIVERGENCE_REASONS entry of rnn_core.counting; written out so the i18n test sees each key.
_REASON_KEYS = {
    "state": "divergence.state",
    "cost": "divergence.cost",
    "gradient": "divergence.gradient",
    "parameters": "divergence.parameters",
    "hessian": "divergence.hessian",
}
FLOAT64_MAX = float(np.finfo(np.float64).max)  # what "overflow" means here


def fmt(x: float) -> str:
    """A number for prose (kept for old callers): :func:`ui.numbers.num`."""
    return num(x)


def fmt_power(x: float) -> str:
    """A large or small number for prose (kept for old callers): :func:`ui.numbers.num` with 2 digits."""
    return num(x, 2)


def describe(trajectory) -> str:
    """Why a run diverged, in words: what overflowed, from where, and its last finite cost (no headline).

    The weights go into the sentence's maths (``$W = {W}$``), so they are written for LaTeX; the time step,
    float64's largest number, the cost and the gradient norm are prose.
    """
    d = trajectory.detail
    values = {k: latex(v) for k, v in d.items() if isinstance(v, float) and k in ("U", "W")}
    values["grad_norm"] = num(d.get("grad_norm", float("nan")))
    values["t"] = integer(d["t"]) if "t" in d else ""
    values["fmax"] = num(FLOAT64_MAX, 2)
    reason = t(_REASON_KEYS[trajectory.reason], **values)
    last = ""
    if "cost" in d:
        last = " " + t("divergence.last_finite", cost=num(d["cost"]), grad_norm=num(d.get("grad_norm", float("nan"))))
    return reason + last


def explain(trajectory, advice_key: str = "divergence.advice") -> None:
    """Show where and why a run diverged (nothing when it did not)."""
    if trajectory.diverged_at is None:
        return
    headline = t("divergence.headline", iteration=integer(trajectory.diverged_at))
    st.error(f"**{headline}** {describe(trajectory)}\n\n{t(advice_key)}", icon=":material/error:")
