"""Divergence as a lesson: turn a Trajectory's ``diverged_at``/``reason`` into sentences in the chosen language."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui.i18n import t

# One message per DIVERGENCE_REASONS entry of rnn_core.counting; written out so the i18n test sees each key.
_REASON_KEYS = {
    "state": "divergence.state",
    "cost": "divergence.cost",
    "gradient": "divergence.gradient",
    "parameters": "divergence.parameters",
    "hessian": "divergence.hessian",
}


def fmt(x: float) -> str:
    """A number for prose: 3 significant digits, scientific notation when large or small."""
    return f"{x:.3g}"


def fmt_power(x: float) -> str:
    """A large or small number for prose as mantissa·10 to a superscript power: ``1.8·10³⁰⁸``."""
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa}·10{str(int(exponent)).translate(_SUPERSCRIPT)}"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
FLOAT64_MAX = fmt_power(float(np.finfo(np.float64).max))  # what "overflow" means here, computed


def describe(trajectory) -> str:
    """Why a run diverged, in words: what overflowed, from where, and its last finite cost (no headline)."""
    d = trajectory.detail
    values = {k: fmt(v) for k, v in d.items() if isinstance(v, float)}
    values["t"] = d.get("t", "")
    values["fmax"] = FLOAT64_MAX
    reason = t(_REASON_KEYS[trajectory.reason], **values)
    last = ""
    if "cost" in d:
        last = " " + t("divergence.last_finite", cost=fmt(d["cost"]), grad_norm=fmt(d.get("grad_norm", float("nan"))))
    return reason + last


def explain(trajectory, advice_key: str = "divergence.advice") -> None:
    """Show where and why a run diverged (nothing when it did not)."""
    if trajectory.diverged_at is None:
        return
    headline = t("divergence.headline", iteration=trajectory.diverged_at)
    st.error(f"**{headline}** {describe(trajectory)}\n\n{t(advice_key)}", icon="💥")
