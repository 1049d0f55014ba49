"""RNN Lab, exploding & vanishing gradients: recompute what the page shows, with rnn_core alone.

Page: {link}

rnn_core, the lab's own numpy package, comes with RNN Lab's source: clone the repository of the app this script
came from, then, in the clone (with this script saved there):
    pip install .        # installs rnn_core (numpy is all it needs)
    python {file}
"""

import numpy as np

from rnn_core import cliff, counting, matrix_input, memory_probe, spectral

# The page's settings by their URL names, filled in when the script is downloaded.
PARAMS = {}

# The lesson's own values (lessons/gradients/params.py): the book's two series, how far the page's series runs,
# the typed matrix's limit and default, the b range the cliff's wall is searched in, the probe's task.
CONSTANTS = {}

# 1. The scalar series: a gradient sent back m steps through the weight W is multiplied by W^m.
steps = CONSTANTS["series_steps"]
series = spectral.scalar_series(PARAMS["w"], steps)
print("regime:", spectral.scalar_regime(PARAMS["w"])["regime"])
print(f"|W|^{steps}:", series["magnitude"][steps])
for name in ("book_explode", "book_vanish"):  # the book's two: one explodes, one vanishes
    weight, m = CONSTANTS[name]
    print(f"{weight}^{m}:", spectral.scalar_series(weight, m)["magnitude"][m])

# 2. The gradient going back through the counting RNN at (U, W), over the book's 50 sequences.
X, targets = counting.book_dataset()
flow = spectral.counting_gradient_flow(X, targets, PARAMS["count_u"], PARAMS["count_w"])
print("gradient at the output (k = T):", flow["gradient"][-1])
print("gradient at k = 0:", flow["gradient"][0])

# 3. A recurrent matrix: typed (the default matrix when the text cannot be read), or random with radius rho.
if PARAMS["kind"] == "typed":
    try:
        W = matrix_input.parse_matrix(PARAMS["matrix"], 2, CONSTANTS["max_entry"])
    except matrix_input.MatrixError as err:
        print("the matrix cannot be read:", err)
        W = matrix_input.parse_matrix(CONSTANTS["default_matrix"], 2, CONSTANTS["max_entry"])
else:
    W = spectral.random_recurrent(PARAMS["size"], PARAMS["kind"], PARAMS["rho"], np.random.default_rng(PARAMS["seed"]))
linear = spectral.jacobian_norms(W, PARAMS["steps"], "linear")
driven = spectral.jacobian_norms(
    W, PARAMS["steps"], "tanh", rng=np.random.default_rng([PARAMS["seed"], 1]), input_scale=PARAMS["xs"]
)
print("spectral radius rho:", spectral.spectral_radius(W))
print("largest singular value lambda1:", spectral.largest_singular_value(W))
print("linear regime:", spectral.pascanu_conditions(W, "linear")["regime"])
print("tanh regime:", spectral.pascanu_conditions(W, "tanh")["regime"])
print("linear rate per step:", spectral.norm_summary(linear["log10_norm"])["rate"])
print("tanh rate per step:", spectral.norm_summary(driven["log10_norm"])["rate"])

# 4. The cliff: the wall at w, one plain and one clipped gradient step from it.
wall_b = cliff.wall_point(PARAMS["cliff_w"], *CONSTANTS["cliff_b_range"])
print("wall at b:", wall_b)
if wall_b is not None:
    plain = cliff.gradient_step(PARAMS["cliff_w"], wall_b, PARAMS["lr"])
    clipped = cliff.gradient_step(PARAMS["cliff_w"], wall_b, PARAMS["lr"], clip=PARAMS["clip"])
    print("gradient norm on the wall:", plain["grad_norm"])
    print("plain step length:", plain["step_norm"])
    print("clipped step length:", clipped["step_norm"])

# 5. The running-mean probe: a readout that beats the baseline, a gradient that fades going back.
probe = memory_probe.running_mean_probe(
    PARAMS["mem_rho"],
    PARAMS["mem_len"],
    PARAMS["mem_seed"],
    hidden=CONSTANTS["mem_hidden"],
    n=CONSTANTS["mem_sequences"],
    levels=CONSTANTS["mem_level_range"],
)
print("error at step T (RMS):", probe["rms_error"][-1])
print("error of always answering the average:", probe["constant_error"][-1])
print("gradient reaching step 1:", probe["sensitivity"][0])
print("faded:", probe["share"] < CONSTANTS["faded_share"])  # step 1 gets less than this share of its due
