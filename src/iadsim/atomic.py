"""Atomic outputs: an interrupted run leaves nothing half-written.

Files are written to a temporary sibling and moved onto their final name with ``os.replace``
(atomic on one filesystem); directories likewise. Final files get the usual permissions
(0666 less the umask), not the 0600 of a temporary file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it onto ``path``.

    ``suffix`` keeps a file extension that writers (GDAL drivers, matplotlib) look at.
    On an exception the temporary file is removed and ``path`` is left as it was.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=suffix, dir=final.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class AtomicDir:
    """Write files into a hidden sibling directory; move it into place only on success.

    An interrupted run leaves no half-written result directory behind (at most a hidden
    ``.tmp-*`` sibling, removed on the next successful run into the same parent).
    """

    def __init__(self, final: str | Path):
        self.final = Path(final)
        self.tmp = self.final.parent / f".tmp-{self.final.name}-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> Path:
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir()
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        old = None
        if self.final.exists():
            old = self.final.parent / f".old-{self.final.name}-{uuid.uuid4().hex[:8]}"
            os.replace(self.final, old)
        os.replace(self.tmp, self.final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        for stale in self.final.parent.glob(f".tmp-{self.final.name}-*"):
            shutil.rmtree(stale, ignore_errors=True)
