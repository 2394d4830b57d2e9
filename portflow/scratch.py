"""Private scratch folders for a customer's data (a workbook's sheets, standard input).

They hold the list as given, PINs in a column not yet masked among it, so none may outlive
its run: a folder is removed when its run ends (Ctrl-C and SIGTERM included), and one left
by a run that was killed outright (SIGKILL, a power cut) is removed by the next run that
makes one. The folder's name carries the process ID that made it, to tell the two apart.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PREFIX = "portflow-"
KINDS = ("workbook", "stdin")
# A folder named without a process ID (made before names had one) is removed once it is
# this old: no run takes a day.
UNNAMED_MAX_AGE_SECONDS = 24 * 60 * 60
# A folder whose PID is not running here is left this long all the same: a container that
# shares $TMPDIR has PIDs of its own, and its run may still be reading.
MIN_AGE_SECONDS = 60 * 60


@contextlib.contextmanager
def scratch_folder(kind: str) -> Iterator[Path]:
    """A new folder, 0700, removed on the way out, after removing those of dead runs."""
    sweep()
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}{kind}-{os.getpid()}-") as folder:
        yield Path(folder)


def sweep(root: Path | None = None) -> list[Path]:
    """Removes this user's scratch folders whose run is over; returns them."""
    root = Path(tempfile.gettempdir()) if root is None else root
    removed: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(tuple(f"{PREFIX}{kind}-" for kind in KINDS)):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat().st_uid != os.getuid():
                continue
            if _abandoned(entry):
                shutil.rmtree(entry.path)
                removed.append(Path(entry.path))
        except OSError:  # gone meanwhile, or not ours to remove
            continue
    return removed


def _abandoned(entry: os.DirEntry[str]) -> bool:
    owner = entry.name.split("-")[2]
    age = time.time() - entry.stat().st_mtime
    if not owner.isdigit():
        return age > UNNAMED_MAX_AGE_SECONDS
    if age < MIN_AGE_SECONDS:  # another PID namespace (a container) may share this folder
        return False
    try:
        os.kill(int(owner), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def die_with_parent(sent: signal.Signals = signal.SIGTERM) -> None:
    """In a child process: `sent` when the parent dies (Linux; elsewhere, Ctrl-C and
    SIGTERM still clean up), so that a killed run's reader stops writing its scratch."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sent)  # PR_SET_PDEATHSIG
