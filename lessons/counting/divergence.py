"""Where and why a training run of the counting RNN diverged, in words: read off its
:class:`rnn_core.counting.Trajectory` (``diverged_at``, ``reason``, ``detail``) in the chosen language.

The counting lesson tells its one run in full (:func:`story`); the optimizer lesson, which races several, gives
each diverged runner one clause (:func:`why`). Numbers are written by :mod:`ui.numbers`: ``num`` in prose,
``latex`` inside the ``$...$`` maths of the [divergence] sentences.
"""

from __future__ import annotations

import numpy as np

from rnn_core import counting
from ui.i18n import t
from ui.numbers import integer, latex, num

FLOAT64_MAX = float(np.finfo(np.float64).max)  # what "overflow" means here

# One sentence per rnn_core.counting.DIVERGENCE_REASONS entry; written out so the i18n test sees each key.
_STOPPED = {
    "state": "counting.stop_state",
    "cost": "counting.stop_cost",
    "gradient": "counting.stop_gradient",
    "hessian": "counting.stop_hessian",
}  # "parameters" is told with the step that overflowed
_WHY = {
    "state": "divergence.state",
    "cost": "divergence.cost",
    "gradient": "divergence.gradient",
    "parameters": "divergence.parameters",
    "hessian": "divergence.hessian",
}


def last_evaluated(run: counting.Trajectory) -> int | None:
    """The last iteration whose weights, cost and gradient are all finite (None if even the start overflowed)."""
    return len(run.costs) - 1 if len(run.costs) else None


def story(run: counting.Trajectory, lr: float) -> str:
    """Where and why a diverged run stopped, told from the last iterations it computed (Markdown): a headline,
    the step that threw the weights out, what overflowed there, and what to try."""
    stop, last = run.diverged_at, last_evaluated(run)
    values = {"iteration": integer(stop), "fmax": num(FLOAT64_MAX, 2), "lr": num(lr)}
    if run.reason == "state":
        values["t"] = integer(run.detail["t"])
    if last is not None:
        (U, W), (gU, gW) = run.params[last], run.grads[last]
        values.update(last=integer(last), U=num(U), W=num(W), cost=num(run.costs[last]), gU=num(gU), gW=num(gW))
    if run.reason == "parameters":
        what = t("counting.stop_parameters", **values)
    else:
        U2, W2 = run.params[stop]
        values.update(U2=num(U2), W2=num(W2))
        step = t("counting.stop_step", **values) + " " if last is not None else ""
        what = step + t(_STOPPED[run.reason], **values)
        if run.reason == "state" and abs(W2) > 1:
            what += " " + t("counting.stop_state_growth", **values)
    return f"**{t('counting.stop_headline', **values)}** {what}\n\n{t('counting.stop_advice')}"


def why(run: counting.Trajectory) -> str:
    """Why a run diverged, in one or two sentences: what overflowed, from where, and its last finite cost (no
    headline).

    The weights go into the sentence's maths (``$W = {W}$``), so they are written for LaTeX; the time step,
    float64's largest number, the cost and the gradient norm are prose.
    """
    d = run.detail
    values = {k: latex(v) for k, v in d.items() if isinstance(v, float) and k in ("U", "W")}
    values["grad_norm"] = num(d.get("grad_norm", float("nan")))
    values["t"] = integer(d["t"]) if "t" in d else ""
    values["fmax"] = num(FLOAT64_MAX, 2)
    reason = t(_WHY[run.reason], **values)
    last = ""
    if "cost" in d:
        last = " " + t("divergence.last_finite", cost=num(d["cost"]), grad_norm=num(d.get("grad_norm", float("nan"))))
    return reason + last
