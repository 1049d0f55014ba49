"""RNN Lab, counting RNN & BPTT: recompute what the page shows, with rnn_core alone.

Page: {link}

rnn_core, the lab's own numpy package, comes with RNN Lab's source: clone the repository of the app this script
came from, then, in the clone (with this script saved there):
    pip install .        # installs rnn_core (numpy is all it needs)
    python {file}
"""

import numpy as np

from rnn_core import counting, optim

# The page's settings, by their URL names: the page writes them here when the script is downloaded.
PARAMS = {}
# The lesson's constants (lessons/counting/params.py), written here with the settings.
CONSTANTS = {}

# 1-3. One sequence by hand: forward, then backpropagation through time.
x = counting.parse_sequence(PARAMS["seq"], CONSTANTS["max_steps"])[None, :]  # (1, T)
U, W = PARAMS["u"], PARAMS["w"]
S = counting.forward(x, U, W)  # (1, T + 1): S_0 = 0, S_t = S_{t-1} W + X_t U
target = np.array([x.sum()])  # y*, the number of ones
gU, gW = counting.backward(x, S, target, W)
print("output y:", S[0, -1])
print("target y*:", target[0])
print("cost:", counting.cost(S, target))
print("dcost/dU:", gU)
print("dcost/dW:", gW)

# 4. Training by gradient descent from (u0, w0).
if PARAMS["data"] == "book":
    X, targets = counting.book_dataset()
else:
    X, targets = counting.make_dataset(PARAMS["n"], PARAMS["len"], PARAMS["seed"])
run = counting.fit(X, targets, (PARAMS["u0"], PARAMS["w0"]), optim.sgd(PARAMS["lr"]), PARAMS["iters"])
print("updates done:", len(run.updates))
last = len(run.costs) - 1  # the last iteration computed in full: its U, W and cost are all finite
if last >= 0:
    print("last full iteration:", last)
    print("U there:", run.params[last, 0])
    print("W there:", run.params[last, 1])
    print("cost there:", run.costs[last])
print("diverged at iteration:", run.diverged_at)
if run.diverged_at is not None:
    print("what overflowed:", run.reason)
    if run.diverged_at < len(run.params):  # the weights the last step reached (not when they became infinite)
        print("U where it overflowed:", run.params[run.diverged_at, 0])
        print("W where it overflowed:", run.params[run.diverged_at, 1])

# 6. The gradient along time: the norm of dxi/dS_k over the batch, for k = 0..T, at an iteration of the run
# (by default the last one whose weights are both within the surface's plot) or at section 1's U and W.
if PARAMS["at"] == "run":
    it = PARAMS["it"]
    if it == CONSTANTS["it_last_on_plot"]:  # the page's default: the last point still on the surface's plot
        limit = CONSTANTS["surface_limit"]  # the plot covers U, W in [-limit, limit]
        on_plot = np.flatnonzero(np.all(np.abs(run.params[: last + 1]) <= limit, axis=1))
        it = int(on_plot[-1]) if len(on_plot) else last
    it = min(it, last)
    Ui, Wi = run.params[it]
    print("gradient read at iteration:", it)
else:
    Ui, Wi = U, W
print("gradient read at U:", Ui)
print("gradient read at W:", Wi)
with np.errstate(over="ignore", invalid="ignore"):
    flow = counting.bptt(X, counting.forward(X, Ui, Wi), targets, Wi)["gS"]  # (N, T + 1)
    norms = np.linalg.norm(flow, axis=0)
for k, norm in enumerate(norms):
    print(f"|dxi/dS_{k}|:", norm)
