"""RNN Lab, LSTM: recompute what the page shows, with rnn_core alone.

Page: {link}

rnn_core, the lab's own numpy package, comes with RNN Lab's source: clone the repository of the app this script
came from, then, in the clone (with this script saved there):
    pip install .        # installs rnn_core (numpy is all it needs)
    python {file}
Run from the clone's root, it reads the shipped models and the lag sweep from data/lstm/ there.
At a lag the app does not ship, it trains both models as the page does (seed 0, the sweep's settings): that
takes a while, and another BLAS build may round the last digits differently.
"""

from pathlib import Path

import numpy as np

import rnn_core
from rnn_core import lstm, sweep, tasks, typed_inputs

# The page's settings (its URL parameters). The app writes them here when you download the script (their
# defaults are in lessons/lstm/params.py).
PARAMS = {}

# The fixed values the page reads beside them, written here by the app from lessons/lstm/params.py: the steps of
# sections 1 and 2, section 4's test sequences and forget-gate clamps, the book's story, the default sequence.
CONSTANTS = {}

P, C = PARAMS, CONSTANTS
DATA = Path("data") / "lstm"  # the clone's data/lstm when run from the clone's root ...
if not DATA.is_dir():  # ... else the one beside rnn_core, when rnn_core is the clone's (PYTHONPATH, pip install -e)
    DATA = Path(rnn_core.__file__).resolve().parent.parent / "data" / "lstm"

# 1. One cell by hand.
params = lstm.one_unit_params({g: (P[f"w{g}"], P[f"u{g}"], P[f"b{g}"]) for g in lstm.GATES})
cell = lstm.cell_values(P["x"], P["h"], P["c"], params)
for name in ("f", "i", "a", "o", "c", "h"):
    print(f"cell {name}:", cell[name])
grown, _ = lstm.keep_writing(P["x"], P["h"], P["c"], params, C["write_steps"])
print(f"cell after {C['write_steps']} steps of writing with f = i = 1:", grown[-1])

# 2. Operating modes: the chosen mode with ideal gates and with gates saturating at sat; the book's story.
ideal = lstm.cell_values(P["x"], P["h"], P["c"], params, lstm.mode_clamp(P["mode"], P["out"]))
real = lstm.cell_values(P["x"], P["h"], P["c"], params, lstm.mode_clamp(P["mode"], P["out"], P["sat"]))
for name in ("f", "i", "o", "c", "h"):
    print(f"mode {name}, ideal:", ideal[name])
    print(f"mode {name}, real:", real[name])
high = lstm.gate_value(1.0, P["sat"])
print(f"left after {C['keep_steps']} steps of keep:", lstm.memory_after(high, C["keep_steps"]))
print("story h_4, ideal gates:", lstm.story(C["story"])["h"][-1])
print("story c_4, real gates:", lstm.story(C["story"], P["sat"])["c"][-1])

# 3. The trained LSTM and tanh RNN: shipped for the sweep's lags, trained here otherwise.
task, lag = P["task"], P["lag"]
stored = sweep.load_sweep(DATA / f"{task}.npz")
s = stored.settings
if lag in stored.lags:
    j, k = list(stored.lags).index(lag), list(stored.seeds).index(s["keep_seed"])
    runs = {m: stored.results[(m, lag)] for m in stored.models}
    rates = {m: stored.rates[n, j, k] for n, m in enumerate(stored.models)}
else:
    how = {k: s[k] for k in tasks.TRAIN_SETTINGS}  # every setting the shipped models were trained with
    runs = {m: tasks.train(m, task, lag, seed=s["keep_seed"], **how) for m in tasks.MODELS}
    rates = {m: tasks.success_rate(run, s["n_test"], s["test_seed"]) for m, run in runs.items()}
for m in tasks.MODELS:
    print(f"{m} success rate:", rates[m])
if task == "first_symbol" and P["src"] == "typed":
    try:
        symbols = typed_inputs.parse_symbols(P["seq"])
    except typed_inputs.SequenceError:
        symbols = typed_inputs.parse_symbols(C["seq_default"])  # the page shows the default instead
    X, targets = tasks.first_symbol_inputs(symbols), symbols[:1]
else:
    X, targets = tasks.make_batch(task, 1, lag, np.random.default_rng(P["ex"]))
for m in tasks.MODELS:
    y = tasks.predict(runs[m], X)[0]
    answer = tasks.SYMBOLS[int(np.argmax(y))] if task == "first_symbol" else y[0]
    print(f"{m} answer:", answer)
print("right answer:", tasks.SYMBOLS[targets[0]] if task == "first_symbol" else targets[0])
_, _, cache = tasks.lstm_insides(runs["lstm"], X)
marked = int(tasks.marked_steps(X[0])[0])
hold = tasks.forget_hold(cache["f"][0], cache["i"][0], marked)
unit = int(np.argmax(hold["product"]))
print("the LSTM's gates along the example, one line per step and gate, one number per unit (the heatmaps)")
for step in range(X.shape[1]):
    for gate in ("f", "i", "o"):
        print(f"  step {step + 1:3d}  {gate} =", " ".join(f"{g:.3f}" for g in cache[gate][0, step]))
print("unit keeping the most:", unit + 1)
print("its smallest forget gate after the mark:", hold["min"][unit])
print("share of the cell it keeps along the cell path:", hold["product"][unit])

# 4. The gradient highway: a gradient of size 1 sent back from the last output of each test sequence.
Xb, _ = tasks.make_batch(task, C["flow_batch"], lag, np.random.default_rng(C["flow_seed"]))
lstm_flow = tasks.gradient_flow(runs["lstm"], Xb, C["clamps"][P["clamp"]])
rnn_flow = tasks.gradient_flow(runs["rnn"], Xb)
print("gradient at k = 1, tanh RNN h:", rnn_flow["dh"][0])
print("gradient at k = 1, LSTM c (all paths):", lstm_flow["dc"][0])
print("gradient at k = 1, LSTM h (all paths):", lstm_flow["dh"][0])
print("gradient at k = 1, LSTM c (cell path alone):", lstm_flow["cell_path"][0])
print("gradient flow by step k (tanh RNN h, LSTM c, LSTM h, cell path alone):")
for k in range(Xb.shape[1]):
    print(
        f"  k {k + 1}  {rnn_flow['dh'][k]:.3e}  {lstm_flow['dc'][k]:.3e}  {lstm_flow['dh'][k]:.3e}  "
        f"{lstm_flow['cell_path'][k]:.3e}"
    )

# 5. The stored sweep.
facts = sweep.sweep_facts(stored)
for m in stored.models:
    print(f"{m} runs solved:", facts[m]["solved"], "of", facts[m]["runs"])
