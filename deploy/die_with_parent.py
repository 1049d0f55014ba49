"""Run a command that the kernel signals when the process that started it dies, whatever kills it.

deploy/local.sh starts supervisord through this, and supervisord starts each replica and nginx through it, so a
SIGKILL anywhere up the tree (the script, or supervisord itself) leaves no orphan serving a port. Linux only
(prctl PR_SET_PDEATHSIG, which survives exec)::

    python deploy/die_with_parent.py [--signal TERM] [--own-group] [--parent PID] -- COMMAND [ARG ...]

--signal is the signal sent (default TERM, a clean stop). A replica gets KILL: once supervisord is gone, so is the
pipe its output went to, and Streamlit's graceful stop hangs writing its log there.

--own-group puts the command in a process group of its own (a terminal's Ctrl-C then reaches only the caller);
--parent PID exits at once if the parent is no longer PID (it died before the signal was armed).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signal", default="TERM", type=lambda name: signal.Signals[f"SIG{name.upper()}"])
    parser.add_argument("--own-group", action="store_true")
    parser.add_argument("--parent", type=int, default=None)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    parent = args.parent if args.parent is not None else os.getppid()
    if args.own_group:
        os.setpgrp()
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(args.signal)) != 0:
        sys.exit(f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(ctypes.get_errno())}")
    if os.getppid() != parent:  # the parent died before the signal was armed: nobody would stop us
        sys.exit(1)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
