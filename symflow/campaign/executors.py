"""Where a campaign's cases run: in this process, or on a Dask cluster.

Both executors offer the same two calls, so the campaign does not know which one it has:

``submit(fn, *args)``
    an object with ``result()`` (a Dask future, or the value computed in this process);
``map_unordered(fn, items, on_lost)``
    ``fn(*args)`` for every ``args`` of the iterator ``items``, yielded as they finish. At most
    ``window`` tasks are in flight, so an iterator of 10⁵ cases is never materialized. A task
    that cannot finish (Dask gave up on it: its worker died ``allowed-failures`` times) yields
    ``on_lost(args, exc)`` instead, so no case is dropped.

:class:`DaskExecutor` starts a ``LocalCluster`` (one single-threaded worker process per core,
on 127.0.0.1, no dashboard) unless given the address of a running scheduler. When a worker dies
the scheduler re-runs its tasks elsewhere; a task's result reaches the client once.
``dask.distributed`` is an optional dependency (``pip install "symflow[distributed]"``);
without it :func:`make_executor` raises :class:`~symflow.errors.DataError` saying so.
"""

from __future__ import annotations

import itertools
import logging
import os
from typing import Any, Callable, Iterable, Iterator

from ..errors import DataError
from ..flows.rows import usable_cores

__all__ = ["SerialExecutor", "DaskExecutor", "make_executor"]


class _Done:
    """A computed value with the future's ``result()``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


class SerialExecutor:
    """Every task in this process, one after the other (for debugging, and the reference the
    Dask runs are compared with)."""

    name = "serial"
    workers = 1

    def submit(self, fn: Callable, *args: Any) -> _Done:
        return _Done(fn(*args))

    def map_unordered(self, fn: Callable, items: Iterable[tuple],
                      on_lost: Callable[[tuple, BaseException], Any]) -> Iterator[Any]:
        for args in items:
            yield fn(*args)

    def worker_of(self, result: Any) -> str:
        return "serial"

    def close(self) -> None:
        pass


def _import_distributed():
    try:
        import distributed
    except ModuleNotFoundError as exc:
        if exc.name not in ("distributed", "dask"):
            raise
        raise DataError("the Dask executor needs dask.distributed: pip install "
                        "\"symflow[distributed]\" (or use --executor serial)", "dask") from None
    return distributed


class DaskExecutor:
    """Tasks on a Dask cluster: a new ``LocalCluster`` of ``workers`` processes (default: the
    usable cores), or the running scheduler at ``scheduler`` (``"tcp://host:port"``).
    ``window`` tasks are kept in flight (default: 2 per worker thread, at least 4)."""

    name = "dask"

    def __init__(self, workers: "int | None" = None, scheduler: "str | None" = None,
                 window: "int | None" = None) -> None:
        distributed = _import_distributed()
        self._cluster = None
        if scheduler is None:
            n = workers or usable_cores()
            self._cluster = distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, silence_logs=logging.ERROR)
            self.client = distributed.Client(self._cluster)
        else:
            try:
                self.client = distributed.Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise DataError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}",
                                scheduler) from None
        self._distributed = distributed
        self._token = os.urandom(4).hex()
        self._count = itertools.count()
        threads = sum(self.client.nthreads().values()) or 1
        self.workers = len(self.client.nthreads()) or 1
        self.window = window or max(4, 2 * threads)

    def submit(self, fn: Callable, *args: Any):
        return self.client.submit(fn, *args, pure=False,
                                  key=f"symflow-{fn.__name__}-{self._token}-{next(self._count)}")

    def map_unordered(self, fn: Callable, items: Iterable[tuple],
                      on_lost: Callable[[tuple, BaseException], Any]) -> Iterator[Any]:
        it = iter(items)
        pending = self._distributed.as_completed()
        args_of: dict = {}

        def fill() -> None:
            while pending.count() < self.window:
                args = next(it, None)
                if args is None:
                    return
                fut = self.submit(fn, *args)
                args_of[fut.key] = args
                pending.add(fut)

        fill()
        for fut in pending:
            args = args_of.pop(fut.key)
            try:
                value = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: reported, not dropped
                value = on_lost(args, exc)
            fut.release()
            yield value
            fill()

    def worker_of(self, result: Any) -> str:
        return result.get("worker", "dask") if isinstance(result, dict) else "dask"

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()


def make_executor(kind: str = "dask", workers: "int | None" = None,
                  scheduler: "str | None" = None) -> "SerialExecutor | DaskExecutor":
    """``"serial"`` or ``"dask"`` (a LocalCluster of ``workers``, or ``scheduler``'s cluster)."""
    if kind == "serial":
        if scheduler is not None:
            raise DataError("--scheduler needs the Dask executor, not --executor serial",
                            scheduler)
        return SerialExecutor()
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    raise DataError(f"unknown executor {kind!r}; choose 'dask' or 'serial'", kind)
