"""Pure-numpy core of RNN Lab: models, gradients, optimizers and datasets.

Nothing here imports a UI library (streamlit, altair, pandas); ``tests/test_core_is_pure.py`` proves it.
All arithmetic is float64. Overflow is part of the lessons, so functions compute under ``np.errstate`` and
report non-finite values instead of warning.
"""
