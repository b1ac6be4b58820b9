"""Evaluate many projects against several packs: streaming, in order, on every core.

`evaluate_many` reads its input lazily and keeps a bounded number of projects in flight, so a
million-record JSON Lines file is evaluated in constant memory. One bad record yields an error
result for that record; every other record is still evaluated, and there is exactly one result
per input record, in input order.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from multiprocessing.pool import AsyncResult
from typing import Any

from .errors import PolicyEngineError, ProjectError
from .evaluator import evaluate
from .loader import CompiledPack
from .project import Project
from .verdict import Verdict
from .vocabulary import Stage

Record = tuple[str, Project | Mapping[str, Any] | str | PolicyEngineError]
"""(where the record came from; the project, a mapping, a JSON text, or the error met reading
it). JSON texts are parsed where they are evaluated, so that workers share the parsing."""


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome for one input record: verdicts (one per pack, as JSON) or an error."""

    index: int
    source: str
    verdicts_json: tuple[str, ...] = ()
    error_code: str | None = None
    error_message: str | None = None

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
        if self.ok:
            return (
                f'{{"index":{self.index},"source":{json.dumps(self.source, ensure_ascii=False)}'
                f',"verdicts":[{",".join(self.verdicts_json)}]}}'
            )
        return json.dumps(
            {
                "index": self.index,
                "source": self.source,
                "error": {"code": self.error_code, "message": self.error_message},
            },
            ensure_ascii=False,
        )


# Each worker process keeps its own packs, set once by the pool initializer.
_WORKER_PACKS: Sequence[CompiledPack] = ()


def _init_worker(packs: Sequence[CompiledPack]) -> None:
    global _WORKER_PACKS
    _WORKER_PACKS = packs


def _evaluate_chunk(
    chunk: list[tuple[int, str, Any]], stage: Stage | None, as_of: dt.date | None
) -> list[BatchResult]:
    return [
        _evaluate_one(i, source, item, _WORKER_PACKS, stage, as_of) for i, source, item in chunk
    ]


def _evaluate_one(
    index: int,
    source: str,
    item: Project | Mapping[str, Any] | str | PolicyEngineError,
    packs: Sequence[CompiledPack],
    stage: Stage | None,
    as_of: dt.date | None,
) -> BatchResult:
    if isinstance(item, PolicyEngineError):
        return BatchResult(index, source, error_code=item.code, error_message=str(item))
    if isinstance(item, str):
        try:
            item = json.loads(item, parse_float=Decimal)
        except ValueError as exc:
            return BatchResult(index, source, error_code="json.syntax", error_message=str(exc))
        if not isinstance(item, Mapping):
            return BatchResult(
                index,
                source,
                error_code="project.invalid",
                error_message="a project record must be a JSON object",
            )
    try:
        project = item if isinstance(item, Project) else Project.from_mapping(item, source=source)
        texts = tuple(evaluate(project, pack, stage=stage, as_of=as_of).to_json() for pack in packs)
    except ProjectError as exc:
        return BatchResult(index, source, error_code=exc.code, error_message=str(exc))
    except Exception as exc:
        return BatchResult(
            index,
            source,
            error_code="evaluation.error",
            error_message=f"{type(exc).__name__}: {exc}",
        )
    return BatchResult(index, source, verdicts_json=texts)


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
    """
    stage_value = Stage(stage) if isinstance(stage, str) else stage
    day = as_of if as_of is not None else dt.date.today()
    numbered = ((i, source, item) for i, (source, item) in enumerate(records) if i not in skip)
    if workers <= 1:
        for i, source, item in numbered:
            yield _evaluate_one(i, source, item, packs, stage_value, day)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(tuple(packs),)) as pool:
        pending: deque[AsyncResult[list[BatchResult]]] = deque()
        for chunk in _chunks(numbered, chunk_size):
            pending.append(pool.apply_async(_evaluate_chunk, (chunk, stage_value, day)))
            if len(pending) >= 4 * workers:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


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
