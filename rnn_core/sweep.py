"""The lag sweep: a tanh RNN and an LSTM trained at every lag with several seeds, stored, and what it shows.

``scripts/train_lstm_models.py`` runs :func:`lag_sweep` and writes ``data/lstm/<task>.npz`` with
:func:`save_sweep`; the lesson reads it back with :func:`load_sweep` and says in words what :func:`sweep_facts`
finds in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnn_core.tasks import MODELS, TRAIN_SETTINGS, TrainResult, success_rate, train

SOLVED_RUN = 0.95  # a training run "solves" the task when it solves this fraction of fresh test sequences
# Hochreiter & Schmidhuber 1997, on their long-lag task (remember a symbol over p steps): BPTT and RTRL failed
# on lags beyond about this many steps.
BPTT_FAILED_BEYOND = 10


@dataclass(frozen=True)
class Sweep:
    """Success rate against lag, for each model, over several seeds.

    Attributes:
        task: one of :data:`rnn_core.tasks.TASKS`. lags (L,), seeds (S,): what was run.
        models: e.g. ``("lstm", "rnn")``.
        rates: (M, L, S) the success rate of each run on ``n_test`` fresh sequences (:func:`success_rate`).
        steps: (M, L, S) updates each run took; seconds: (M, L, S) its wall time.
        settings: how the runs were made: ``n_steps``, ``stop_at_solved``, ``n_test``, ``test_seed``,
            ``hidden``, ``batch_size``, ``lr``, ``clip``, ``forget_bias``, ``keep_seed``.
        results: ``{(model, lag): TrainResult}`` of the runs with seed ``keep_seed``, weights included.
    """

    task: str
    lags: np.ndarray
    seeds: np.ndarray
    models: tuple[str, ...]
    rates: np.ndarray
    steps: np.ndarray
    seconds: np.ndarray
    settings: dict
    results: dict


def lag_sweep(
    task: str,
    lags,
    seeds,
    settings: dict,
    models: tuple[str, ...] = MODELS,
    *,
    report: Callable[[str, int, int, TrainResult, float], None] | None = None,
) -> Sweep:
    """Train every model at every lag with every seed and test each run.

    Args:
        settings: the keywords of :func:`rnn_core.tasks.train` named in :data:`rnn_core.tasks.TRAIN_SETTINGS`,
            ``n_test`` and ``test_seed`` (the test sequences, :func:`success_rate`), and ``keep_seed``, the seed
            whose runs are kept, weights and all. Stored with the sweep.
        report: ``report(model, lag, seed, result, rate)`` follows progress.
    Deterministic: each run's randomness comes from its seed, the test sequences from ``test_seed`` (the same
    sequences for every model at a lag).
    """
    settings = {k: settings[k] for k in (*TRAIN_SETTINGS, "n_test", "test_seed", "keep_seed")}
    how = {k: settings[k] for k in TRAIN_SETTINGS}
    lags, seeds = np.array(lags, dtype=int), np.array(seeds, dtype=int)
    shape = (len(models), len(lags), len(seeds))
    rates, steps, seconds = np.zeros(shape), np.zeros(shape, dtype=int), np.zeros(shape)
    kept = {}
    for m, model in enumerate(models):
        for j, lag in enumerate(lags):
            for s, seed in enumerate(seeds):
                result = train(model, task, int(lag), seed=int(seed), **how)
                rate = success_rate(result, settings["n_test"], settings["test_seed"])
                rates[m, j, s], steps[m, j, s], seconds[m, j, s] = rate, len(result.losses), result.elapsed_s
                if seed == settings["keep_seed"]:
                    kept[(model, int(lag))] = result
                if report is not None:
                    report(model, int(lag), int(seed), result, rate)
    return Sweep(task, lags, seeds, tuple(models), rates, steps, seconds, settings, kept)


def summarise_sweep(sweep: Sweep) -> dict[str, np.ndarray]:
    """Per model and lag (M, L): ``mean``, ``min`` and ``max`` success rate over the seeds, and ``solved``, the
    number of runs reaching :data:`SOLVED_RUN`."""
    return {
        "mean": sweep.rates.mean(axis=2),
        "min": sweep.rates.min(axis=2),
        "max": sweep.rates.max(axis=2),
        "solved": (sweep.rates >= SOLVED_RUN).sum(axis=2),
    }


def block_means(x: np.ndarray, every: int) -> np.ndarray:
    """Means over consecutive blocks of ``every`` entries (the last block may be shorter)."""
    return np.array([x[k : k + every].mean() for k in range(0, len(x), every)])


def save_sweep(sweep: Sweep, path, every: int = 10) -> None:
    """Write a sweep and its kept runs to one ``.npz`` of plain arrays (readable with ``allow_pickle=False``).

    The kept runs' weights are stored exactly; their loss and solved curves as means over blocks of ``every``
    steps (they are only drawn).
    """
    arrays = {
        "task": np.array(sweep.task),
        "models": np.array(sweep.models),
        "lags": sweep.lags,
        "seeds": sweep.seeds,
        "rates": sweep.rates,
        "steps": sweep.steps,
        "seconds": sweep.seconds,
        "every": np.array(every),
    }
    arrays.update({f"setting__{k}": np.array(v, dtype=np.float64) for k, v in sweep.settings.items()})
    for (model, lag), r in sweep.results.items():
        prefix = f"run__{model}__{lag}__"
        arrays.update({prefix + k: v for k, v in r.params.items()})
        arrays[prefix + "losses"] = block_means(r.losses, every)
        arrays[prefix + "solved"] = block_means(r.solved, every)
        arrays[prefix + "meta"] = np.array([r.hidden, r.seed, r.elapsed_s, len(r.losses)], dtype=np.float64)
        arrays[prefix + "stopped"] = np.array(r.stopped)
    np.savez_compressed(path, **arrays)


def load_sweep(path) -> Sweep:
    """Read a file written by :func:`save_sweep` (no pickles)."""
    with np.load(path, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    every = int(data["every"])
    settings = {k.split("__", 1)[1]: float(v) for k, v in data.items() if k.startswith("setting__")}
    for k in ("n_steps", "n_test", "test_seed", "keep_seed", "hidden", "batch_size"):
        settings[k] = int(settings[k])
    runs: dict[tuple[str, int], dict] = {}
    for key, value in data.items():
        if key.startswith("run__"):
            _, model, lag, name = key.split("__", 3)
            runs.setdefault((model, int(lag)), {})[name] = value
    task = str(data["task"])
    results = {}
    for (model, lag), run in runs.items():
        hidden, seed, elapsed, _ = run.pop("meta")  # the steps taken are also in Sweep.steps
        stopped, losses, solved = str(run.pop("stopped")), run.pop("losses"), run.pop("solved")
        results[(model, lag)] = TrainResult(
            model, task, lag, int(hidden), int(seed), run, losses, solved, float(elapsed), stopped, None, every
        )
    return Sweep(
        task,
        data["lags"],
        data["seeds"],
        tuple(str(m) for m in data["models"]),
        data["rates"],
        data["steps"],
        data["seconds"],
        settings,
        results,
    )


def sweep_facts(sweep: Sweep) -> dict[str, dict]:
    """What the sweep shows, per model, for the page to say in words.

    Returns:
        ``{model: {...}}`` with ``solved`` runs (success rate >= :data:`SOLVED_RUN`) of ``runs``; ``longest``, the
        largest lag at which at least one run solved the task (None if none did); ``mixed``, the lags at which
        some seeds solved it and others did not (there the outcome depends on the seed alone); ``spread``, at the
        mixed lag whose seeds differ most, ``{"lag", "low", "high", "solved"}``: the lowest and highest success
        rate over the seeds and how many solved (None when no lag is mixed); ``first_mean`` and ``last_mean``,
        the mean success over the seeds at the shortest and the longest lag.
    """
    solved = sweep.rates >= SOLVED_RUN  # (M, L, S)
    n_seeds = solved.shape[2]
    facts = {}
    for m, model in enumerate(sweep.models):
        per_lag = solved[m].sum(axis=1)  # (L,) runs solved at each lag
        lags = [int(lag) for lag, count in zip(sweep.lags, per_lag, strict=True) if count > 0]
        mixed = [j for j, count in enumerate(per_lag) if 0 < count < n_seeds]
        spread = None
        if mixed:
            ranges = sweep.rates[m].max(axis=1) - sweep.rates[m].min(axis=1)
            j = max(mixed, key=lambda k: ranges[k])
            spread = {
                "lag": int(sweep.lags[j]),
                "low": float(sweep.rates[m, j].min()),
                "high": float(sweep.rates[m, j].max()),
                "solved": int(per_lag[j]),
            }
        facts[model] = {
            "solved": int(solved[m].sum()),
            "runs": int(solved[m].size),
            "longest": max(lags) if lags else None,
            "mixed": [int(sweep.lags[j]) for j in mixed],
            "spread": spread,
            "first_mean": float(sweep.rates[m, 0].mean()),
            "last_mean": float(sweep.rates[m, -1].mean()),
        }
    return facts
