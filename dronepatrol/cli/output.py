"""Where output goes: human text on stderr (rich), machine output (``--json``) on stdout."""

from __future__ import annotations

import json
import logging
import math
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from rich.console import Console

#: Human output. Never stdout: stdout is for ``--json`` so it can be piped.
console = Console(stderr=True, highlight=False)

log = logging.getLogger("dronepatrol")


class Verbosity:
    """Set once from -v/-q by the entry point."""

    level: int = 0  # -1 quiet, 0 normal, 1+ verbose


def info(message: str) -> None:
    """A human message on stderr, unless -q."""
    if Verbosity.level >= 0:
        console.print(message)


def status(text: str) -> AbstractContextManager:
    """A spinner on stderr while long work runs (nothing with -q, or when stderr is not a terminal)."""
    return console.status(text, spinner="dots") if Verbosity.level >= 0 else nullcontext()


def _clean(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def emit_json(data: Any) -> None:
    """Machine output on stdout: one JSON document (NaN and infinities become null)."""
    sys.stdout.write(json.dumps(_clean(data), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def configure_logging(level: int) -> None:
    """Configure logging once: warnings by default, info with -v, debug with -vv."""
    Verbosity.level = level
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if level >= 2 else logging.INFO if level == 1 else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
