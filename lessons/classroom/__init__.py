"""The Class page, for a teacher: start a class and watch its answers. Not a lesson: no exercises of its own."""

from ui.registry import Lesson

LESSON = Lesson(
    name="class",
    title_key="nav.classroom",
    icon=":material/groups:",
    script="lessons/classroom/page.py",
    is_lesson=False,
)
