"""RNN Lab, taming the explosion (optimizers): recompute what the page shows, with rnn_core alone.

Page: {link}

rnn_core, the lab's own numpy package, comes with RNN Lab's source: clone the repository of the app this script
came from, then, in the clone (with this script saved there):
    pip install .        # installs rnn_core (numpy is all it needs)
    python {file}
"""

import numpy as np

from rnn_core import counting, optim, race

# The page's settings, by their URL names: the page writes them here when the script is downloaded.
PARAMS = {}
# The book's runs that sections 3 and 4 start from (lessons/counting/params.py), written here with the settings.
CONSTANTS = {}

if PARAMS["data"] == "book":
    X, targets = counting.book_dataset()
else:
    X, targets = counting.make_dataset(PARAMS["n"], PARAMS["len"], PARAMS["seed"])

# 1. The race: every chosen optimizer from the same start, full batch, each stopping if it diverges.
settings = {
    "sgd": {"lr": PARAMS["lr_sgd"]},
    "clip": {"lr": PARAMS["lr_clip"], "threshold": PARAMS["clip"], "by": PARAMS["clip_by"]},
    "momentum": {"lr": PARAMS["lr_mom"], "mu": PARAMS["mu"]},
    "rmsprop": {"lr": PARAMS["lr_rms"], "decay": PARAMS["decay"]},
    "adam": {"lr": PARAMS["lr_adam"]},
    "rprop": {"step0": PARAMS["rp_d0"], "variant": PARAMS["rp_var"]},
    "newton": {"damping": PARAMS["damp"]},
}
entries = {runner: settings[runner] for runner in race.RUNNERS if runner in PARAMS["race"]}
lanes = race.race(X, targets, (PARAMS["u0"], PARAMS["w0"]), entries, PARAMS["iters"])
for runner, lane in lanes.items():
    row = race.standing(lane, PARAMS["goal"])
    print(f"{runner} final U:", row["U"])
    print(f"{runner} final W:", row["W"])
    print(f"{runner} final cost:", row["cost"])
    print(f"{runner} first iteration with cost <= goal:", row["reached"])  # None: never
    print(f"{runner} diverged at iteration:", row["diverged_at"])  # None: ran all its updates
    if row["diverged_at"] is not None:
        print(f"{runner} what overflowed:", row["reason"])
first = race.summary(lanes, PARAMS["goal"])
print("first to reach the goal:", ",".join(first["first"]) or None)
print("first reached at iteration:", first["at"])

# 3. Clipping: the book's gradient descent without clipping, and clipped by norm and by value at c = cth.
plain = race.run_lane(X, targets, CONSTANTS["start"], "sgd", CONSTANTS["iters"], lr=CONSTANTS["lr"])
clipped = {
    by: race.run_lane(
        X, targets, CONSTANTS["start"], "clip", CONSTANTS["iters"], lr=CONSTANTS["lr"], threshold=PARAMS["cth"], by=by
    )
    for by in race.CLIP_KINDS
}
print("without clipping, diverged at iteration:", plain.run.diverged_at)
print("final cost clipped by norm:", clipped["norm"].run.costs[-1])
print("final cost clipped by value:", clipped["value"].run.costs[-1])
print("average gradient norm before clipping:", race.average_gradient_norm(clipped["norm"].run.grads))

# 4. Rprop: the book's run (Rprop-, no bounds), then the three variants from its start with delta0 = rd0.
book = race.run_lane(
    *counting.book_dataset(),
    CONSTANTS["rprop_start"],
    "rprop",
    CONSTANTS["iters"],
    step0=CONSTANTS["rprop_step0"],
    variant="rprop-",
)
print("book's Rprop final U:", book.run.params[-1, 0])
print("book's Rprop final W:", book.run.params[-1, 1])
print("book's Rprop final cost:", book.run.costs[-1])
for variant in optim.RPROP_VARIANTS:  # Rprop+ and iRprop- keep delta in race.RPROP_BOUNDS, [1e-6, 50]
    lane = race.run_lane(
        X, targets, CONSTANTS["rprop_start"], "rprop", CONSTANTS["iters"], step0=PARAMS["rd0"], variant=variant
    )
    print(f"{variant} final U:", lane.run.params[-1, 0])
    print(f"{variant} final W:", lane.run.params[-1, 1])
    print(f"{variant} final cost:", lane.run.costs[-1])

# 5. Newton's step at (nu, nw): the Hessian, its eigenvalues, and where each step lands.
here = race.steps_at(X, targets, PARAMS["nu"], PARAMS["nw"], PARAMS["lr_sgd"], PARAMS["ndamp"])
print("cost at the point:", here["cost"])
print("eigenvalue 1 of H:", here["eigenvalues"][0])
print("eigenvalue 2 of H:", here["eigenvalues"][1])
for step in ("gradient_step", "newton_plain", "newton_damped"):  # newton_*: saddle-free, |H| (+ damping)
    print(f"{step} length:", float(np.hypot(*here[step])))
    print(f"{step} cost after:", here[f"{step}_cost"])  # inf: the step overshot into overflow
