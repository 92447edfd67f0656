"""Running a dronepatrol process that a test interrupts with Ctrl-C (SIGINT).

A job started in the background by a shell without job control (a CI runner's script, ``cmd &``)
has SIGINT ignored, and its children inherit that; Python then installs no KeyboardInterrupt
handler, and a test's SIGINT would do nothing. The child restores the terminal's behaviour first.
"""

from __future__ import annotations

import sys

#: Python code that makes SIGINT raise KeyboardInterrupt, as at a terminal.
AS_AT_A_TERMINAL = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"


def dronepatrol_argv(*args: str) -> list[str]:
    """``python -m dronepatrol ARGS...`` with Ctrl-C acting as at a terminal."""
    code = AS_AT_A_TERMINAL + "from dronepatrol.cli.main import run; run()"
    return [sys.executable, "-c", code, *args]


def python_argv(code: str, *args: str) -> list[str]:
    """``python -c CODE ARGS...`` with Ctrl-C acting as at a terminal."""
    return [sys.executable, "-c", AS_AT_A_TERMINAL + code, *args]
