"""RNN Lab, counting RNN & BPTT: recompute what the page shows, with rnn_core alone.

Page: {link}

Run it from a clone of the repository (`pip install .` there installs rnn_core; numpy is all it needs):
    python counting.py
"""

import numpy as np

from rnn_core import counting, optim

# The page's settings (these are the page's URL parameters).
PARAMS = {"seq": "0,0,0,0,1,0,1,0,1,0", "u": 1.0, "w": 1.0, "data": "book", "n": 50, "len": 10, "seed": 1,
          "u0": -2.0, "w0": 0.0, "lr": 0.0005, "iters": 500, "at": "run", "it": 5000}

# 1-3. One sequence by hand: forward, then backpropagation through time.
x = counting.parse_sequence(PARAMS["seq"])[None, :]  # (1, T)
U, W = PARAMS["u"], PARAMS["w"]
S = counting.forward(x, U, W)  # (1, T + 1): S_0 = 0, S_t = S_{t-1} W + X_t U
target = np.array([x.sum()])
gU, gW = counting.backward(x, S, target, W)
print("output y:", S[0, -1])
print("target:", target[0])
print("cost:", counting.cost(S, target))
print("dcost/dU:", gU)
print("dcost/dW:", gW)

# 4. Training by gradient descent from (u0, w0).
if PARAMS["data"] == "book":
    X, targets = counting.book_dataset()
else:
    X, targets = counting.make_dataset(PARAMS["n"], PARAMS["len"], PARAMS["seed"])
run = counting.fit(X, targets, (PARAMS["u0"], PARAMS["w0"]), optim.sgd(PARAMS["lr"]), PARAMS["iters"])
print("updates done:", len(run.params) - 1)
print("final U:", run.params[-1, 0])
print("final W:", run.params[-1, 1])
print("final cost:", run.costs[-1] if len(run.costs) else float("nan"))
print("diverged at iteration:", run.diverged_at)
if run.diverged_at is not None:
    print("what overflowed:", run.reason, run.detail)
