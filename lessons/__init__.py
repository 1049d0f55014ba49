"""The lessons, in teaching order, then the Class page. Importing this package registers them all
(:mod:`ui.registry`): app.py does it first, so the frame, the exercise box and the Class page find every lesson
and its exercises without importing one.

A lesson is one folder, ``lessons/<name>/`` (docs/ARCHITECTURE.md says how to add one).
"""

from lessons import classroom, counting, gradients, home, lstm, mappings, optimizers
from ui import registry

PAGES = (
    home.LESSON,
    mappings.LESSON,
    counting.LESSON,
    gradients.LESSON,
    optimizers.LESSON,
    lstm.LESSON,
    classroom.LESSON,
)

registry.register(*PAGES)
