"""The LSTM lesson's settings: how its shipped models were trained.

The one source read by the page (through the sweep file, which stores them), ``scripts/train_lstm_models.py`` and
the tests. Pure: no Streamlit, so each of them can import it. The tasks themselves (symbols, tolerance, what
"solved" means) are the maths, in :mod:`rnn_core.tasks`.
"""

# How the shipped models were trained and tested (scripts/train_lstm_models.py; the sweep file stores these and
# the page reads them back from it). Settings measured to train: lr 0.01 is faster when it works but stalls on
# some seeds. Every run: fresh random batches, at most n_steps updates, or until the last batches were
# stop_at_solved solved; then n_test fresh test sequences drawn from test_seed. keep_seed's runs keep their weights.
TRAINING = {"hidden": 16, "batch_size": 32, "lr": 0.003, "clip": 1.0, "forget_bias": 3.0}
SWEEP = {"n_steps": 3000, "stop_at_solved": 0.99, "n_test": 1000, "test_seed": 12345, "keep_seed": 0}
SWEEP_LAGS = (5, 10, 15, 20, 30, 40, 50, 60)
SWEEP_SEEDS = (0, 1, 2, 3, 4)
