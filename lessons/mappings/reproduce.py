"""RNN Lab, sequence mappings: recompute what the page shows, with rnn_core alone.

Page: {link}

rnn_core, the lab's own numpy package, comes with RNN Lab's source: clone the repository of the app this script
came from, then, in the clone (with this script saved there):
    pip install .        # installs rnn_core (numpy is all it needs)
    python {file}
Run from the clone's root, it reads the trained weights from data/mappings/<mapping>.npz there (from another
folder it looks beside the rnn_core it imports).
"""

from pathlib import Path

import numpy as np

from rnn_core import mappings

# The page's settings (its URL parameters): the mapping, and the input typed for each toy task. The app writes
# them here when you download the script (their defaults are in lessons/mappings/params.py).
PARAMS = {}

# Which of those inputs each mapping reads ("input_param", from lessons/mappings/params.py), written here by the
# app beside the settings.
CONSTANTS = {}

INPUT = CONSTANTS["input_param"]
task = PARAMS["m"]
spec = mappings.TASKS[task]
weights = Path("data") / "mappings"  # the shipped weights, relative to the repository root ...
if not weights.is_dir():
    weights = mappings.WEIGHTS_DIR  # ... or beside the rnn_core this script imports, when run from elsewhere
trained = mappings.load(task, weights)

# 3. Feed it: the typed input through the trained network (the page shows its default input if this one
# cannot be read; parse raises rnn_core.errors.InputError then).
x = mappings.parse(task, PARAMS[INPUT[task]])
result = mappings.run(task, trained.params, x)
print("outputs:", " ".join(spec.outputs[k] for k in result.outputs))
print("right answer:", " ".join(spec.outputs[k] for k in result.right))
print("whole output right:", bool(np.array_equal(result.outputs, result.right)))
print("length:", mappings.length_of(task, x))  # shapes in a picture, else steps
print("trained lengths:", f"{spec.lengths[0]}-{spec.lengths[1]}")
for step, p in enumerate(result.probs, start=len(result.states) - len(result.probs) + 1):
    print(f"probabilities at step {step}:", " ".join(f"{spec.outputs[k]}={v:.4f}" for k, v in enumerate(p)))

# 4. How well it learned: accuracy on the held-out inputs, and the sizes of the two sets.
held, n_held = mappings.held_out_accuracy(task, trained.params, trained.seed)
train_set, _ = mappings.split(task, trained.seed)
print("held-out accuracy:", held)
print("held-out inputs:", n_held)
print("training inputs:", sum(len(inputs) for inputs in train_set.values()))
if task != "one_to_one":
    curve = mappings.accuracy_by_length(task, trained.params, trained.seed)
    for length, accuracy in zip(curve["length"], curve["accuracy"], strict=True):
        print(f"accuracy at length {length}:", accuracy)
print("final training loss:", trained.losses[-1])
