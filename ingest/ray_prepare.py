"""Loading and chunking on a Ray cluster: each changed file is prepared by a Ray task.

The driver keeps the store and its single transaction (fingerprints, sync); workers only run
``prepare_file`` (parse, check, redact, chunk), which needs the files at the same paths (a
shared folder or the same checkout). At most ``window`` files are in flight, and results come
back in order, so memory stays bounded and the ingest is the same as the local one.

Example:
    >>> report = ingest_paths(store, ["exports/"], preparer=RayPreparer(address="auto"))
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from kotae.ingest.errors import IngestError
from kotae.ingest.loaders import Defaults
from kotae.ingest.prepare import Job, PreparedFile, prepare_file


class RayPreparer:
    """A ``Preparer`` that runs ``prepare_file`` as Ray tasks (``pip install 'kotae[ray]'``)."""

    def __init__(self, address: str | None = None, window: int = 64) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        self.address = address
        self.window = window

    def _ray(self) -> Any:
        try:
            import ray
        except ImportError as exc:
            raise IngestError(f"Ray is not installed ({exc}); install it with: "
                              "pip install 'kotae[ray]'") from exc
        if not ray.is_initialized():
            if self.address:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(include_dashboard=False, log_to_driver=False,
                         _node_ip_address="127.0.0.1")
        return ray

    def __call__(self, jobs: Sequence[Job],
                 defaults: Defaults) -> Iterator[tuple[Job, PreparedFile]]:
        if not jobs:
            return
        ray = self._ray()
        task = ray.remote(num_cpus=1)(prepare_file)
        pending: deque[tuple[Job, Any]] = deque()
        for job in jobs:
            pending.append((job, task.remote(job.path, defaults, dict(job.known), job.name)))
            if len(pending) >= self.window:
                done, ref = pending.popleft()
                yield done, ray.get(ref)
        while pending:
            done, ref = pending.popleft()
            yield done, ray.get(ref)
