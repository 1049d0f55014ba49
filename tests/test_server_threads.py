"""The server runs numpy's BLAS on one thread: app.py says so before anything imports numpy (a class's sessions
keep every core busy; BLAS threads that wait spinning only add CPU)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a server process does: Streamlit's CLI is loaded, then app.py's statements run in order up to the first
# import of the app's own code (which imports numpy); then a BLAS product, and the process's thread count.
PROBE = """
import ast, os, sys
import streamlit.web.cli  # the server's own imports: numpy is not among them
assert "numpy" not in sys.modules
tree = ast.parse(open(sys.argv[1]).read())
for node in tree.body:
    names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
    if "lessons" in names or isinstance(node, ast.ImportFrom) and node.module == "ui":
        break
    exec(compile(ast.Module([node], []), sys.argv[1], "exec"))
import numpy as np
a = np.random.default_rng(0).standard_normal((2000, 300))
for _ in range(5):
    a.T @ a
print(len(os.listdir("/proc/self/task")))
"""


def threads_after_app_top(env: dict) -> int:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "app.py")], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return int(run.stdout.split()[-1])


def test_the_server_runs_blas_on_one_thread():
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    assert threads_after_app_top(env) == 1
    # The probe can see BLAS threads: told two, OpenBLAS makes them where there are two cores.
    if (os.cpu_count() or 1) >= 2:
        assert threads_after_app_top({**env, "OPENBLAS_NUM_THREADS": "2"}) >= 2


def test_app_sets_it_before_importing_anything_but_os():
    body = ast.parse((ROOT / "app.py").read_text(encoding="utf-8")).body
    first_import = next(
        i
        for i, node in enumerate(body)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and not (isinstance(node, ast.Import) and [a.name for a in node.names] == ["os"])
    )
    before = ast.unparse(ast.Module(body[:first_import], []))
    assert 'os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")' in before.replace("'", '"')
