"""Evaluate many projects against several packs: streaming, in order, on every core.

`evaluate_many` reads its input lazily and keeps a bounded number of projects in flight, so a
million-record JSON Lines file is evaluated in constant memory. One bad record yields an error
result for that record; every other record is still evaluated, and there is exactly one result
per input record, in input order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import io
import json
import os
import shutil
import signal
import stat
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Final, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict

from ._json import loads
from .compact import CompactVerdict
from .errors import EvaluationError, PackError, PolicyEngineError, ProjectError, ProjectIssue
from .evaluator import _stage, evaluate
from .loader import CompiledPack
from .project import Project
from .verdict import OverallStatus, Verdict
from .vocabulary import Stage


class JsonLine(NamedTuple):
    """One JSON Lines record, not yet parsed: it is parsed where it is evaluated."""

    name: str
    """The file it was read from, for error locations."""
    line: int
    """Its line number in that file (from 1)."""
    text: str
    """The record's JSON text."""


Record = tuple[str, Project | Mapping[str, Any] | JsonLine | str | PolicyEngineError]
"""(where the record came from; the project, a mapping, a JSON text, or the error met reading
it). JSON texts are parsed where they are evaluated, so that workers share the parsing; a
`JsonLine` also says where the text is, so that a JSON error points at its line and column."""

MAX_ERROR_CHARS = 2_000
"""Longest message kept for an unexpected failure (a library error bounds its own)."""

RECORD_FORMAT: Final = "policyengine.batch.record"
FORMAT_VERSION: Final = 1
"""The version of a JSON Lines record (`batch-record` schema) and of an `evaluation`."""
COMPACT_EVALUATION_VERSION: Final = 2
"""The version of an `evaluation-compact` document: 2 since its verdicts are compact verdicts
of format 2."""

_DATA = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class RecordIssue(BaseModel):
    """One invalid field of a rejected project: its path, the message and the error type."""

    model_config = _DATA
    loc: list[str | int]
    msg: str
    type: str


class RecordError(BaseModel):
    """Why a record was rejected: the error's code and message and, for an invalid project,
    the per-field issues (at most `errors.MAX_ISSUES`; `issue_count` counts them all)."""

    model_config = _DATA
    code: str
    message: str
    issues: list[RecordIssue] = []
    issue_count: int | None = None


class VerdictsRecord(BaseModel):
    """A JSON Lines record that was evaluated: its verdicts, one per pack, in pack order."""

    model_config = _DATA
    index: int
    format: Literal["policyengine.batch.record"]
    format_version: Literal[1]
    source: str
    verdicts: list[Verdict]


class ErrorRecord(BaseModel):
    """A JSON Lines record that was rejected, with the reason; the other records go on."""

    model_config = _DATA
    index: int
    format: Literal["policyengine.batch.record"]
    format_version: Literal[1]
    source: str
    error: RecordError


BatchRecord = VerdictsRecord | ErrorRecord
"""One line of `evaluate --format jsonl` (`BatchResult.to_json()`)."""


class Evaluation(BaseModel):
    """What `evaluate --format json` writes: every verdict (one per project and pack) and the
    rejected records, in input order."""

    model_config = _DATA
    format: Literal["policyengine.evaluation"]
    format_version: Literal[1]
    results: list[Verdict | ErrorRecord]


class CompactEvaluation(BaseModel):
    """What `evaluate --format compact` writes: compact verdicts and rejected records."""

    model_config = _DATA
    format: Literal["policyengine.evaluation.compact"]
    format_version: Literal[2]
    results: list[CompactVerdict | ErrorRecord]


def evaluation_document(results: list[Any], *, compact: bool = False) -> dict[str, Any]:
    """The `Evaluation` (or `CompactEvaluation`) of `results`, already JSON data."""
    if compact:  # its results are compact verdicts of format 2
        name, version = "policyengine.evaluation.compact", COMPACT_EVALUATION_VERSION
    else:
        name, version = "policyengine.evaluation", FORMAT_VERSION
    return {"format": name, "format_version": version, "results": results}


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome for one input record: verdicts (one per pack, as UTF-8 JSON) or an error.

    The JSON is made where the record was evaluated and travels as bytes, so the process that
    writes the results neither serialises nor encodes them again.
    """

    index: int
    source: str
    verdicts_json: tuple[bytes, ...] = ()
    statuses: tuple[OverallStatus, ...] = ()
    warned: bool = False  # some finding of some verdict failed (a warning rule included)
    error_code: str | None = None
    error_message: str | None = None
    error_issues: tuple[ProjectIssue, ...] = ()
    """For an invalid project: the first issues (field path, message, type), without inputs."""
    error_issue_count: int = 0
    """For an invalid project: how many issues there were in all (`error_issues` is capped)."""

    @property
    def ok(self) -> bool:
        """Whether the record was evaluated."""
        return self.error_code is None

    @property
    def verdicts(self) -> list[Verdict]:
        """The verdicts as objects (parsed on demand; the JSON is what travels)."""
        return [Verdict.model_validate_json(text) for text in self.verdicts_json]

    def to_json(self) -> str:
        """One JSON Lines record: source and verdicts, or source and error."""
        return self.to_json_bytes().decode("utf-8")

    def to_json_bytes(self) -> bytes:
        """`to_json()` as UTF-8 bytes, joined without re-encoding the verdicts.

        `index` comes first, so that a reader can find it without parsing the line. A lone
        surrogate (a file name that is not UTF-8) is written as its JSON escape, so the line
        stays valid UTF-8 and reads back as the same string.
        """
        if self.ok:
            head = (
                f'{{"index":{self.index},{_FORMAT_FIELDS},'
                f'"source":{json.dumps(self.source, ensure_ascii=False)}'
            )
            return b"".join((_utf8(head), b',"verdicts":[', b",".join(self.verdicts_json), b"]}"))
        return _utf8(json.dumps(self.error_record(), ensure_ascii=False))

    def error_record(self) -> dict[str, Any]:
        """A rejected record as JSON data (an `ErrorRecord`); also an item of the `evaluation`
        documents, in the place of the verdicts the record did not get."""
        error: dict[str, Any] = {"code": self.error_code, "message": self.error_message}
        if self.error_issues:
            error["issues"] = [
                {"loc": list(issue.loc), "msg": issue.msg, "type": issue.type}
                for issue in self.error_issues
            ]
            error["issue_count"] = self.error_issue_count
        return {
            "index": self.index,
            "format": RECORD_FORMAT,
            "format_version": FORMAT_VERSION,
            "source": self.source,
            "error": error,
        }


_FORMAT_FIELDS = f'"format":"{RECORD_FORMAT}","format_version":{FORMAT_VERSION}'


def _utf8(text: str) -> bytes:
    # Only surrogates cannot be encoded, and inside a JSON string "\udcff" is their escape.
    return text.encode("utf-8", "backslashreplace")


# Each worker process keeps its own packs, set once by the pool initializer.
_WORKER_PACKS: Sequence[CompiledPack] = ()


def _init_worker(packs: Any) -> None:
    """Take the packs from the shared buffer the parent filled (see `_shared_packs`)."""
    global _WORKER_PACKS
    import pickle

    _WORKER_PACKS = pickle.loads(memoryview(packs).cast("B"))
    # Ctrl-C reaches the whole process group. The parent stops the batch and shuts the pool
    # down; a worker interrupted as well would die mid-protocol and leave that shutdown waiting.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The packs, their programs and the imported modules live as long as the worker: moved out
    # of the collector's generations, they are not traversed again by every collection that
    # the many short-lived findings of a batch trigger.
    gc.freeze()


def _evaluate_chunk(
    chunk: list[tuple[int, str, Any]], stage: Stage | None, as_of: dt.date | None
) -> list[BatchResult]:
    return [
        _evaluate_one(i, source, item, _WORKER_PACKS, stage, as_of) for i, source, item in chunk
    ]


def _evaluate_one(
    index: int,
    source: str,
    item: Project | Mapping[str, Any] | JsonLine | str | PolicyEngineError,
    packs: Sequence[CompiledPack],
    stage: Stage | None,
    as_of: dt.date | None,
) -> BatchResult:
    """One record's result, whatever the record holds: no exception leaves this function."""
    try:
        if isinstance(item, PolicyEngineError):
            return _error_result(index, source, item)
        data = _parsed(item, source)
        if isinstance(data, Project):
            project = data
        elif isinstance(data, Mapping):
            project = Project.from_mapping(data, source=source)
        else:
            return BatchResult(
                index,
                source,
                error_code="project.invalid",
                error_message="a project record must be a JSON object",
            )
        verdicts = [evaluate(project, pack, stage=stage, as_of=as_of) for pack in packs]
        return BatchResult(
            index,
            source,
            verdicts_json=tuple(verdict.to_json().encode() for verdict in verdicts),
            statuses=tuple(verdict.status for verdict in verdicts),
            warned=any(verdict.failed for verdict in verdicts),
        )
    except (ProjectError, PackError) as exc:
        return _error_result(index, source, exc)
    except Exception as exc:  # one record's failure, of any kind, is that record's result
        return BatchResult(
            index,
            source,
            error_code="evaluation.error",
            error_message=_bounded(f"{type(exc).__name__}: {_text(exc)}"),
        )


def _parsed(
    item: Project | Mapping[str, Any] | JsonLine | str, source: str
) -> Project | Mapping[str, Any] | Any:
    if isinstance(item, JsonLine):
        return loads(item.text, item.name, item.line)
    if isinstance(item, str):
        return loads(item, source)
    return item


def _error_result(index: int, source: str, exc: PolicyEngineError) -> BatchResult:
    if not isinstance(exc, ProjectError):
        return BatchResult(index, source, error_code=exc.code, error_message=_bounded(str(exc)))
    return BatchResult(
        index,
        source,
        error_code=exc.code,
        error_message=str(exc),
        # The inputs stay behind: they can be large, and the message already shows them short.
        error_issues=tuple(dataclasses.replace(issue, input=None) for issue in exc.issues),
        error_issue_count=exc.issue_count,
    )


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # an exception whose message cannot be rendered is still reported
        return "(no message)"


def _bounded(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def evaluate_many(
    records: Iterable[Record],
    packs: Sequence[CompiledPack],
    *,
    stage: Stage | str | None = None,
    as_of: dt.date | None = None,
    workers: int = 1,
    chunk_size: int = 64,
    skip: frozenset[int] = frozenset(),
) -> Iterator[BatchResult]:
    """Evaluate every record against every pack; yield one result per record, in order.

    `workers` > 1 evaluates in that many processes (each loads the packs once, from a pickle);
    at most `4 * workers` chunks are in flight, so memory does not grow with the input.
    `skip` holds record indexes already done (to resume an interrupted run): they are read but
    neither evaluated nor yielded.

    Raises:
        EvaluationError: at the call, for an unknown `stage` (`evaluation.unknown_stage`);
            while iterating, if the worker processes cannot start or die
            (`batch.workers_failed`; see docs/scale.md on the `__main__` guard).
    """
    stage_value, day, numbered = _prepare(records, stage, as_of, skip)
    return _evaluate_numbered(numbered, packs, stage_value, day, workers, chunk_size)


def _evaluate_numbered(
    numbered: _Numbered,
    packs: Sequence[CompiledPack],
    stage: Stage | None,
    day: dt.date,
    workers: int,
    chunk_size: int,
) -> Iterator[BatchResult]:
    if workers <= 1:
        for i, source, item in numbered:
            yield _evaluate_one(i, source, item, packs, stage, day)
        return
    for results in _in_pool(numbered, packs, workers, chunk_size, _evaluate_chunk, (stage, day)):
        yield from results


def write_json_lines(
    records: Iterable[Record],
    packs: Sequence[CompiledPack],
    output: BinaryIO,
    *,
    stage: Stage | str | None = None,
    as_of: dt.date | None = None,
    workers: int = 1,
    chunk_size: int = 64,
    skip: frozenset[int] = frozenset(),
) -> Iterator[BatchResult]:
    """`evaluate_many`, writing each record's JSON Lines line to `output` in input order.

    Yields each record's result once its line is written, without the verdicts' JSON (statuses
    and errors only). With several workers, each worker writes its chunk's lines to a spool file
    that the kernel then copies to `output` (os.sendfile), so the verdicts never pass through
    this process: on two cores, two workers then do nearly twice the work of one.

    Raises:
        EvaluationError: as `evaluate_many`.
    """
    stage_value, day, numbered = _prepare(records, stage, as_of, skip)
    return _write_numbered(numbered, packs, output, stage_value, day, workers, chunk_size)


def _write_numbered(
    numbered: _Numbered,
    packs: Sequence[CompiledPack],
    output: BinaryIO,
    stage: Stage | None,
    day: dt.date,
    workers: int,
    chunk_size: int,
) -> Iterator[BatchResult]:
    if workers <= 1:
        for i, source, item in numbered:
            result = _evaluate_one(i, source, item, packs, stage, day)
            output.write(result.to_json_bytes() + b"\n")
            yield _without_verdicts(result)
        return
    spool = _new_spool()
    try:
        chunks = _in_pool(numbered, packs, workers, chunk_size, _spool_chunk, (stage, day, spool))
        for path, results in chunks:
            _append(output, path)
            os.unlink(path)
            yield from results
    finally:
        shutil.rmtree(spool, ignore_errors=True)


SPOOL_PREFIX = "policyengine-spool-"
"""Spool directories are named `policyengine-spool-<pid>-<random>` in the temporary directory."""
STALE_SPOOL_SECONDS = 3600
"""A spool directory untouched this long, whose process is gone, is left over from a killed run."""


def _new_spool() -> str:
    """A private spool directory, after removing those that killed runs left behind.

    A run killed with SIGKILL cannot remove its spool directory; the next run does, when the
    directory is the same user's, its process no longer exists and nothing has touched it for
    an hour (a live run writes into it every chunk).
    """
    directory = tempfile.gettempdir()
    _remove_stale_spools(directory)
    return tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-", dir=directory)


def _remove_stale_spools(directory: str) -> None:
    if not hasattr(os, "getuid"):  # ownership and process checks are POSIX ones
        return
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        pid = _spool_pid(entry.name)
        if pid is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if (
            stat.S_ISDIR(info.st_mode)
            and info.st_uid == os.getuid()
            and now - info.st_mtime > STALE_SPOOL_SECONDS
            and not _running(pid)
        ):
            shutil.rmtree(entry.path, ignore_errors=True)


def _spool_pid(name: str) -> int | None:
    if not name.startswith(SPOOL_PREFIX):
        return None
    pid, _, _ = name[len(SPOOL_PREFIX) :].partition("-")
    return int(pid) if pid.isascii() and pid.isdigit() and len(pid) <= 10 else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process, or not a pid at all
        return True
    return True


_Numbered = Iterator[tuple[int, str, Any]]
_T = TypeVar("_T")


def _prepare(
    records: Iterable[Record],
    stage: Stage | str | None,
    as_of: dt.date | None,
    skip: frozenset[int],
) -> tuple[Stage | None, dt.date, _Numbered]:
    stage_value = _stage(stage)  # an unknown stage is refused now, not at the first record
    day = as_of if as_of is not None else dt.date.today()
    numbered = ((i, source, item) for i, (source, item) in enumerate(records) if i not in skip)
    return stage_value, day, numbered


def _in_pool(
    numbered: _Numbered,
    packs: Sequence[CompiledPack],
    workers: int,
    chunk_size: int,
    function: Callable[..., _T],
    args: tuple[Any, ...],
) -> Iterator[_T]:
    """`function(chunk, *args)` for each chunk, in worker processes; results in input order.

    A process pool executor, unlike `multiprocessing.Pool`, notices a worker that dies (while
    starting, or killed later) and fails instead of replacing it for ever. The commonest cause
    is a script without an `if __name__ == "__main__":` guard: each spawned worker imports the
    script, which starts another batch, which multiprocessing refuses, and the worker exits.
    """
    import multiprocessing  # only batches with workers need these
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(_shared_packs(context, packs),),
    )
    pending: deque[Future[_T]] = deque()  # in submission order
    try:
        for chunk in _chunks(numbered, chunk_size):
            pending.append(executor.submit(function, chunk, *args))
            if len(pending) >= 4 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool:
        raise EvaluationError(
            "the worker processes stopped before finishing the batch",
            code="batch.workers_failed",
            hint=(
                "a script that evaluates with workers > 1 must start the batch under "
                '`if __name__ == "__main__":` (each worker imports the script); otherwise '
                "a worker ran out of memory or was killed. Run with workers=1 to see the cause"
            ),
        ) from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _shared_packs(context: Any, packs: Sequence[CompiledPack]) -> Any:
    """The pickled packs in anonymous shared memory, which a worker receives as a file descriptor.

    Passed as themselves, the packs (about 1 MB for the five bundled ones) would be written into
    the pipe that starts each worker, after the data the worker reads first. A worker that dies
    while starting (a script without a `__main__` guard) then never reads the rest, and the
    parent, which keeps its own copy of the pipe's read end until the write ends, blocks on the
    full pipe for ever, before the pool can notice the dead worker. A buffer's descriptor keeps
    that write a few hundred bytes.
    """
    import ctypes
    import pickle

    data = pickle.dumps(tuple(packs), protocol=pickle.HIGHEST_PROTOCOL)
    shared = context.RawArray(ctypes.c_ubyte, len(data))
    memoryview(shared).cast("B")[:] = data
    return shared


def _spool_chunk(
    chunk: list[tuple[int, str, Any]], stage: Stage | None, as_of: dt.date, directory: str
) -> tuple[str, list[BatchResult]]:
    results = _evaluate_chunk(chunk, stage, as_of)
    handle, path = tempfile.mkstemp(dir=directory, suffix=".jsonl")
    with os.fdopen(handle, "wb") as spool:
        spool.writelines(result.to_json_bytes() + b"\n" for result in results)
    return path, [_without_verdicts(result) for result in results]


def _without_verdicts(result: BatchResult) -> BatchResult:
    return dataclasses.replace(result, verdicts_json=())


def _append(output: BinaryIO, path: str) -> None:
    """Copy the file at `path` to the end of `output`, in the kernel where it can."""
    output.flush()
    with open(path, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        offset = 0
        try:
            target = output.fileno()
            while offset < size:
                sent = os.sendfile(target, source.fileno(), offset, size - offset)
                if sent == 0:
                    raise OSError("sendfile made no progress")
                offset += sent
        except (OSError, AttributeError, io.UnsupportedOperation):
            # No file descriptor (an in-memory stream), or a platform without sendfile to it.
            source.seek(offset)
            shutil.copyfileobj(source, output)


def _chunks(
    items: Iterator[tuple[int, str, Any]], size: int
) -> Iterator[list[tuple[int, str, Any]]]:
    chunk: list[tuple[int, str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
