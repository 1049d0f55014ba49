"""The layout the code promises (docs/ARCHITECTURE.md): dependencies point one way, frame -> lessons -> core, and
each lesson's settings are defined once, in its ``params.py``.

Read from the source (imports and assignments as Python's own parser sees them), so a test fails the day a file
breaks the layout, whether or not that code path runs in another test.
"""

from __future__ import annotations

import ast
import importlib
import numbers
import re
from pathlib import Path

import pytest

from ui import registry

ROOT = Path(__file__).resolve().parent.parent
LESSON_DIRS = sorted(p.parent for p in ROOT.glob("lessons/*/__init__.py"))


def sources(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code (an import inside a function counts too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("rnn_core", ("ui", "lessons", "classroom", "app")),
        ("classroom", ("ui", "lessons", "app")),
        ("ui", ("lessons", "app")),
    ],
)
def test_dependencies_point_one_way(layer, forbidden):
    wrong = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sources(layer)
        for module in imported_modules(path)
        if module.split(".")[0] in forbidden
    }
    assert not wrong, sorted(wrong)


def test_views_is_gone_and_ui_holds_no_file_named_after_a_lesson():
    assert not (ROOT / "views").exists()
    names = {p.name for p in LESSON_DIRS}
    assert names >= {"home", "mappings", "counting", "gradients", "optimizers", "lstm"}
    named = [p.name for p in (ROOT / "ui").glob("*.py") if any(p.stem.startswith(name) for name in names)]
    assert named == []


def test_every_lesson_folder_holds_its_page_params_figures_exercises_and_reproduce_template():
    for lesson in registry.lessons():
        folder = ROOT / "lessons" / lesson.name
        missing = [
            f
            for f in ("page.py", "params.py", "figures.py", "exercises.py", "reproduce.py")
            if not (folder / f).is_file()
        ]
        assert not missing, (lesson.name, missing)
        assert lesson.script == f"lessons/{lesson.name}/page.py"
        assert lesson.reproduce == folder / "reproduce.py"


def test_params_are_pure_so_exercises_and_scripts_read_them_without_streamlit():
    for folder in LESSON_DIRS:
        params = folder / "params.py"
        if params.is_file():
            heavy = {m for m in imported_modules(params) if m.split(".")[0] in {"streamlit", "altair", "pandas"}}
            assert not heavy, (params.relative_to(ROOT), heavy)


# --- each setting is defined once ---------------------------------------------------------------------------
SETTING_NAME = re.compile(r"(^|_)(BOOK|DEFAULTS?|PRESETS?|RANGES?)(_|$)")


def _defines_params(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "Param"
    ]


def _setting_names(tree: ast.Module) -> list[str]:
    """Module-level names that, by their name, hold settings (BOOK, DEFAULT_*, *_PRESETS, *_RANGE ...) and are
    given numbers typed there. A name bound to what params.py defines (``BOOK = params.BOOK``, defaults read
    off the specs) is a reference, not a second definition."""
    names = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        else:
            targets = [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else []
        if not targets or not _literals(node.value):
            continue
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and SETTING_NAME.search(name.id):
                    names.append(name.id)
    return names


def test_param_specs_are_made_only_in_a_lessons_params():
    wrong = []
    for path in [ROOT / "app.py", *sources("lessons", "ui", "rnn_core", "classroom")]:
        if path.name == "params.py" and path.parent.parent.name == "lessons" or path == ROOT / "ui" / "param.py":
            continue
        wrong += [f"{path.relative_to(ROOT)}:{line}" for line in _defines_params(ast.parse(path.read_text()))]
    assert not wrong, wrong


def test_book_values_defaults_presets_and_ranges_are_named_only_in_a_lessons_params():
    wrong = []
    for path in sources("lessons", "ui"):
        if path.name == "params.py":
            continue
        wrong += [f"{path.relative_to(ROOT)}: {name}" for name in _setting_names(ast.parse(path.read_text()))]
    assert not wrong, wrong


def _numbers_of(value) -> set[float]:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return set()
    if isinstance(value, numbers.Real):
        return {float(value)}
    if isinstance(value, dict):
        return set().union(*map(_numbers_of, value.values()), set())
    if isinstance(value, (list, tuple, set, frozenset)):
        return set().union(*map(_numbers_of, value), set())
    return set()


# Numbers too common to mean "this setting" when they appear in code: counts, halves, unit steps, powers of ten.
COMMON = {0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 20.0, 50.0, 100.0, 1000.0, 0.5, 0.1, 0.01, 0.001, 0.25}


def _distinctive_settings(lesson) -> set[float]:
    """The numbers that stand for this lesson's settings: its params' defaults and bounds, and its constants
    (the book's values), less the common ones."""
    values = set()
    for p in lesson.params:
        values |= _numbers_of(p.default) | _numbers_of(p.lo) | _numbers_of(p.hi)
    values |= _numbers_of(dict(lesson.constants))
    return {v for v in values if abs(v) not in COMMON}


# Keyword arguments whose numbers say how a thing is drawn or cached, or how closely an answer is checked,
# never what a lesson computes.
PRESENTATION = {
    "max_entries",
    "ttl",
    "size",
    "width",
    "height",
    "strokeWidth",
    "strokeDash",
    "opacity",
    "fontSize",
    "labelFontSize",
    "titleFontSize",
    "padding",
    "cornerRadius",
    "thickness",
    "tickCount",
    "labelLimit",
    "columns",
    "digits",
    "values",
    "y_domain",
    "tolerance",
    "floor",
}


def _literals(tree: ast.AST) -> dict[float, int]:
    """Numeric literals of a file's code (docstrings and other strings are not code), signed where written so;
    the values of presentation keywords (:data:`PRESENTATION`) left out."""
    found, skipped = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in PRESENTATION:
            skipped |= {id(inner) for inner in ast.walk(node.value)}
        if id(node) in skipped:
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            skipped.add(id(node.operand))
            if _is_number(node.operand.value):
                found.setdefault(-float(node.operand.value), node.lineno)
        elif isinstance(node, ast.Constant) and _is_number(node.value):
            found.setdefault(float(node.value), node.lineno)
    return found


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _core_modules_read_by(folder: Path) -> list[Path]:
    """The rnn_core modules a lesson's files import (``from rnn_core import counting``, ``import rnn_core.x``):
    where a copy of its settings would be a page default hidden in the maths. Other modules' numbers mean
    something else."""
    names = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "rnn_core":
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnn_core."):
                names.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                names |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("rnn_core.")}
    return sorted(p for p in (ROOT / "rnn_core" / f"{name}.py" for name in names) if p.is_file())


@pytest.mark.parametrize("lesson", registry.lessons(), ids=lambda lesson: lesson.name)
def test_a_lessons_settings_are_not_typed_again_outside_its_params(lesson):
    """A default, a range bound or a book value typed again as a literal in the lesson's other files is a copy
    that can drift from the page; so is a book value typed into the maths it reads. They read ``params``."""
    assert lesson.params, f"{lesson.name} registers no params"
    settings = _distinctive_settings(lesson)
    params = importlib.import_module(f"lessons.{lesson.name}.params")
    book = {v for name in dir(params) if name.startswith("BOOK") for v in _numbers_of(getattr(params, name))}
    book = {v for v in book if abs(v) not in COMMON}
    folder = ROOT / "lessons" / lesson.name
    own = [path for path in folder.glob("*.py") if path.name not in ("params.py", "__init__.py")]
    wrong = []
    for path, looked_for in [
        *((path, settings) for path in own),
        *((path, book) for path in _core_modules_read_by(folder)),
    ]:
        for value, line in _literals(ast.parse(path.read_text(encoding="utf-8"))).items():
            if value in looked_for:
                wrong.append(f"{path.relative_to(ROOT)}:{line} {value:g}")
    assert not wrong, wrong


def bare_expressions(tree: ast.AST) -> list[int]:
    """Lines of expression statements that Streamlit's "magic" would have drawn: anything but a call, an await, a
    yield, or a docstring (the first statement of a module, function or class body)."""
    found = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody", "handlers"):
            statements = getattr(node, field, None)
            for i, statement in enumerate(statements if isinstance(statements, list) else ()):  # a lambda's is not
                if not isinstance(statement, ast.Expr):
                    continue
                value = statement.value
                docstring = (
                    i == 0 and field == "body" and isinstance(value, ast.Constant) and isinstance(value.value, str)
                )
                if not docstring and not isinstance(value, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)):
                    found.append(statement.lineno)
    return found


def test_bare_expressions_are_found():
    assert bare_expressions(ast.parse('"""doc"""\nx = 1\nx\nprint(x)\ndef f():\n    "doc"\n    "drawn"\n')) == [3, 7]


@pytest.mark.parametrize(
    "script", ["app.py", *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("lessons/*/page.py"))]
)
def test_pages_draw_nothing_by_magic_which_the_config_turns_off(script):
    """.streamlit/config.toml turns Streamlit's magic off (rewriting a page for it cost 24-36 ms at each compile), so
    a bare expression in a page would silently draw nothing."""
    assert bare_expressions(ast.parse((ROOT / script).read_text(encoding="utf-8"))) == []
