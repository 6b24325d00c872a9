"""The directory prometheus-client's multi-process mode shares between `chirp serve`'s workers.

One private directory (0700, from `mkdtemp`) per server run: created empty before the workers
fork, removed when the server exits. A run that was killed (no exit handler ran) leaves its
directory behind; the next start removes those whose server process is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import multiprocess, values

from chirp.observability.metrics import MULTIPROC_ENV

PREFIX = "chirp-metrics-"


@contextlib.contextmanager
def multiprocess_dir() -> Iterator[Path]:
    """Set `PROMETHEUS_MULTIPROC_DIR` to a fresh private directory while the server runs."""
    _remove_abandoned()
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    previous = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = str(path)
    # prometheus-client picks its value class (in memory or in these files) when imported,
    # which the server's modules did before this ran: pick again, now that the directory is set.
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = previous
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        shutil.rmtree(path, ignore_errors=True)


def worker_exited(pid: int) -> None:
    """Drop a dead worker's live gauges (in-flight requests, connections) from the sums."""
    if MULTIPROC_ENV in os.environ:
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def _remove_abandoned() -> None:
    for path in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        owner = path.name.removeprefix(PREFIX).split("-", 1)[0]
        if not owner.isdigit() or not path.is_dir() or path.stat().st_uid != os.getuid():
            continue
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass  # alive, someone else's
