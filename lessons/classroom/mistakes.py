"""What went wrong in a class's wrong answers, in words: the teacher's table names each kind of mistake the
exercises recognise (their hints: ``rnn_core.exercise.Verdict.hint_key``) in a few words."""

from __future__ import annotations

from classroom.store import OTHER
from rnn_core.exercise import HINT_SETTINGS_CHANGED, HINT_SIGN
from ui.i18n import t

# What went wrong, by the hint the exercise gave (rnn_core.exercise.Verdict.hint_key), in a few words for the
# teacher's table. A hint key missing here is counted as "other" (tests/test_classroom_mistakes.py checks that every
# hint the lessons give has its words).
MISTAKE_LABELS = {
    HINT_SIGN: "classroom.mistake_sign",
    HINT_SETTINGS_CHANGED: "classroom.mistake_settings_changed",
    "exercises.counting_diverged_at_hint_count": "classroom.mistake_one_iteration_off",
    "exercises.counting_gradient_step1_hint_steps": "classroom.mistake_steps_miscounted",
    "exercises.counting_gradient_step1_hint_two": "classroom.mistake_dropped_two",
    "exercises.counting_gradient_u_hint_w": "classroom.mistake_gave_dw",
    "exercises.counting_output_hint_extra": "classroom.mistake_one_step_too_many",
    "exercises.counting_output_hint_last": "classroom.mistake_one_step_early",
    "exercises.counting_output_hint_swapped": "classroom.mistake_u_w_swapped",
    "exercises.gradients_counting_regime_hint_negative": "classroom.mistake_negative_w",
    "exercises.gradients_matrix_regime_hint_transient": "classroom.mistake_transient",
    "exercises.gradients_spectral_radius_hint_entry": "classroom.mistake_largest_entry",
    "exercises.gradients_spectral_radius_hint_singular": "classroom.mistake_singular_value",
    "exercises.gradients_steps_below_hint_off": "classroom.mistake_one_step_off",
    "exercises.home_nudge_hint_steps": "classroom.mistake_steps_miscounted",
    "exercises.home_nudge_hint_u": "classroom.mistake_forgot_u",
    "exercises.home_state_count_hint_add": "classroom.mistake_added",
    "exercises.home_state_count_hint_initial": "classroom.mistake_counted_h0",
    "exercises.home_tanh_state_hint_last": "classroom.mistake_one_step_early",
    "exercises.home_tanh_state_hint_linear": "classroom.mistake_linear",
    "exercises.lstm_cell_after_hint_forget": "classroom.mistake_forget_gate",
    "exercises.lstm_cell_after_hint_last": "classroom.mistake_one_step_early",
    "exercises.lstm_highway_hint_exploding": "classroom.mistake_said_exploding",
    "exercises.lstm_keep_setting_hint_input": "classroom.mistake_input_gate_open",
    "exercises.lstm_memory_left_hint_ideal": "classroom.mistake_f_one",
    "exercises.lstm_memory_left_hint_percent": "classroom.mistake_percentage",
    "exercises.lstm_memory_left_hint_steps": "classroom.mistake_steps_miscounted",
    "exercises.lstm_readout_hint_cell": "classroom.mistake_cell_state",
    "exercises.lstm_readout_hint_output": "classroom.mistake_output_gate",
    "exercises.mappings_application_hint_outputs": "classroom.mistake_outputs_miscounted",
    "exercises.mappings_light_hint_off": "classroom.mistake_light_off",
    "exercises.mappings_light_hint_presses": "classroom.mistake_presses",
    "exercises.mappings_output_count_hint_end": "classroom.mistake_end_mark",
    "exercises.mappings_review_setting_hint_length": "classroom.mistake_wrong_length",
    "exercises.optimizers_clipped_step_hint_lr": "classroom.mistake_forgot_lr",
    "exercises.optimizers_clipped_step_hint_unclipped": "classroom.mistake_not_clipped",
    "exercises.optimizers_race_winner_hint_diverged": "classroom.mistake_picked_diverging",
    "exercises.optimizers_rprop_first_step_hint_grown": "classroom.mistake_step_grown",
    "exercises.optimizers_rprop_first_step_hint_halved": "classroom.mistake_step_halved",
    "exercises.optimizers_rprop_start_hint_close": "classroom.mistake_start_too_close",
}


def mistake_label(key: str) -> str:
    return t(MISTAKE_LABELS.get(key, "classroom.mistake_other"))


def mistakes_shown(s) -> list[tuple[str, int]]:
    """What went wrong in an exercise, in words: students per kind of mistake, most first, "other" last."""
    named = [(mistake_label(key), n) for key, n in s.mistakes if key in MISTAKE_LABELS]
    other = sum(n for key, n in s.mistakes if key not in MISTAKE_LABELS)  # OTHER, and any hint without words
    return named + ([(mistake_label(OTHER), other)] if other else [])
