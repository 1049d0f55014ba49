"""rnn_core stays a pure-numpy library: importing all of it in a fresh interpreter loads no UI library, and no
module touches numpy's global random generator."""

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import rnn_core

ROOT = Path(__file__).resolve().parent.parent


def test_rnn_core_imports_no_ui_library():
    modules = [m.name for m in pkgutil.iter_modules(rnn_core.__path__)]
    assert "counting" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module('rnn_core.' + m)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in {'streamlit', 'altair', 'pandas', 'torch'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_code_uses_numpys_global_random_generator():
    pattern = re.compile(r"np\.random\.(seed|rand|randn|randint|random|normal|uniform|choice|shuffle|permutation)\(")
    offenders = []
    for path in [*ROOT.glob("rnn_core/*.py"), *ROOT.glob("ui/*.py"), *ROOT.glob("lessons/**/*.py"), ROOT / "app.py"]:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.name}:{i}")
    assert offenders == []
