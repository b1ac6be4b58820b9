"""`policyengine serve`: the library as a decision service over HTTP (FastAPI on uvicorn).

Approval platforms written in other languages call a rule engine over HTTP, as they call OPA or
OpenFisca. Every endpoint here calls what the library already does (`evaluate`, `decide`,
`explain`, the compact verdict and rule table, the fact vocabulary); nothing in this module
decides anything about a project.

- Request bodies are read by the library's own JSON reader (`_json.loads`): a JSON number such
  as `4800000.10` is the exact Decimal written. FastAPI's default reader (`json.loads`) would
  make it a binary float, which an amount refuses, and pydantic's JSON mode would read it as
  `Decimal('4800000.1')`. The reader's depth, number and duplicate-key limits apply too.
- The OpenAPI document is generated from the models whose JSON Schemas are in `schema/`.
- Packs are loaded once, at start, and again on SIGHUP; a reload that fails keeps the packs
  already loaded and logs why. Requests name packs by id, among those loaded: never a path.
- Limits: a request body larger than `max_body_bytes` is refused (413) before it is parsed (the
  rest of it read and dropped, so that a client still sending reads the 413, not a reset), and
  a request still being evaluated after `timeout` seconds is answered 503.
- Every JSON body is a versioned document (`format`, `format_version`) with a committed schema:
  the library's own (`evaluation`, `explanation`, `facts`, ...) or the service's (`service.py`).
- A decision log (JSON Lines, one line per POST) can be kept with `decision_log`.

This module is imported only by `policyengine serve` and by callers of `create_app`: the library
and the rest of the command line never import FastAPI or uvicorn.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import gc
import hashlib
import json
import logging
import re
import signal
import socket
import threading
import uuid
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import Message as _Header
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, TextIO

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, PlainValidator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__, _json
from .batch import CompactEvaluation, Evaluation, evaluation_document
from .compact import compact_json, rule_table
from .errors import EvaluationError, PackError, PolicyEngineError, ProjectError, ProjectIssue
from .evaluator import decide, evaluate
from .explain import Explanation, explain, render_explanation
from .facts import FactTable, fact_table
from .loader import CompiledPack, load_pack, pack_names
from .project import Project
from .render import cite, render_markdown, render_text
from .service import (
    Comparison,
    ComparisonRow,
    DecisionsList,
    ErrorDetail,
    FailingArticle,
    Health,
    Issue,
    PackDetail,
    Packs,
    PackSummary,
    PackVersion,
    ServiceError,
)
from .verdict import Verdict
from .vocabulary import Stage

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""Largest request body accepted by default, in bytes (1 MiB: a project is a few KB)."""
DEFAULT_TIMEOUT = 10.0
"""Seconds a request may take by default before it is answered 503."""
DISCARDED_BODY_BYTES = 16 * 1024 * 1024
"""Most bytes of a refused body read (and dropped) so that its sender reads the 413."""
MAX_PACKS_PER_REQUEST = 50
"""Most pack ids one request may name."""

log = logging.getLogger("policyengine.serve")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_STATE_KEY = "policyengine"  # where a request's id and log details live in the ASGI scope


# Requests ---------------------------------------------------------------------------------------


def _project(value: Any) -> Project:
    """The request's project, read as the library reads one: `ProjectError` with field paths."""
    if isinstance(value, Project):
        return value
    if not isinstance(value, Mapping):
        raise ProjectError(
            [ProjectIssue(loc=(), msg="a project must be a JSON object", input=None)]
        )
    return Project.from_mapping(value)


# The project's own errors (ProjectError) are not pydantic's: they escape the request model's
# validation as they are and become the 422 response, with the library's field paths.
ProjectField = Annotated[
    Project,
    PlainValidator(_project, json_schema_input_type=Project),
    Field(description="the project (schema/project.schema.json)"),
]
PackId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
PackIds = Annotated[
    list[PackId] | None,
    Field(
        max_length=MAX_PACKS_PER_REQUEST,
        description="ids of loaded packs (GET /v1/packs); default: every loaded pack",
    ),
]
Lang = Literal["en", "zh"]
_REQUEST = ConfigDict(extra="forbid", frozen=True)


class EvaluateRequest(BaseModel):
    """`POST /v1/evaluate`: one project against one or several packs."""

    model_config = _REQUEST
    project: ProjectField
    packs: PackIds = None
    stage: Stage | None = Field(
        None,
        description="check the duties due by this stage (default: the project's stage, else "
        "the latest stage of its steps, else every stage)",
    )
    as_of: dt.date | None = Field(None, description="evaluation date (default: today)")
    format: Literal["full", "compact", "text", "markdown"] = Field(
        "full",
        description="full: the verdicts (schema/verdict.schema.json); compact: compact verdicts "
        "(schema/verdict-compact.schema.json) that refer to GET /v1/packs/{id}; text, markdown: "
        "readable reports in `lang`",
    )
    lang: Lang = Field("en", description="language of the text and markdown reports")


class DecideRequest(BaseModel):
    """`POST /v1/decide`: the decisions of an evaluation without the findings' detail."""

    model_config = _REQUEST
    project: ProjectField
    packs: PackIds = None
    stage: Stage | None = None
    as_of: dt.date | None = None


class ExplainRequest(BaseModel):
    """`POST /v1/explain`: why one rule of one pack gave its answer for a project."""

    model_config = _REQUEST
    project: ProjectField
    pack: PackId
    rule: Annotated[str, Field(min_length=1, max_length=80)]
    as_of: dt.date | None = None
    format: Literal["json", "text"] = "json"
    lang: Lang = Field("en", description="language of the text form")


class CompareRequest(BaseModel):
    """`POST /v1/compare`: one project against several packs, side by side."""

    model_config = _REQUEST
    project: ProjectField
    packs: PackIds = None
    stage: Stage | None = None
    as_of: dt.date | None = None
    lang: Lang = Field("en", description="language of the article labels")


# Packs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    packs: Mapping[str, CompiledPack]
    generation: int


class PackRegistry:
    """The packs a service serves: loaded once, swapped whole on a successful reload.

    A request takes `current` once, so it sees one generation of packs however long it runs.
    """

    def __init__(self, refs: Sequence[str | Path]) -> None:
        self.refs = tuple(refs)
        self._current = _Loaded(_load(self.refs), 1)
        self._lock = threading.Lock()
        self.reload_error: str | None = None

    @property
    def current(self) -> _Loaded:
        """The packs now served."""
        return self._current

    def reload(self) -> bool:
        """Load every pack again; on failure keep the packs served and log the error."""
        with self._lock:
            try:
                packs = _load(self.refs)
            except (PolicyEngineError, OSError) as exc:
                # Logged first: whoever sees `reload_error` finds the line in the log.
                log.error("reload failed; still serving generation %d: %s", self.generation, exc)
                self.reload_error = str(exc)
                return False
            log.info("reloaded packs (generation %d): %s", self.generation + 1, _versions(packs))
            self._current = _Loaded(packs, self._current.generation + 1)
            self.reload_error = None
            if _frozen:
                _freeze()
            return True

    @property
    def generation(self) -> int:
        """1 at start; one more for every successful reload."""
        return self._current.generation


_frozen = False
"""Whether `serve` has frozen what it loaded (see `_freeze`)."""


def _freeze() -> None:
    """Move every object alive now (the packs, their programs, the modules) out of the
    collector's generations, as batch workers do: a full collection no longer traverses them.
    With the five packs served that is some 80,000 objects, a pause of about 17 ms for every
    request in flight at each full collection. For a process that serves only: it is global.

    Again after a reload, for the packs it loaded. Everything is unfrozen and collected first,
    so that nothing a reload replaced stays frozen in a reference cycle (a compiled pack has
    none today: released, it is freed at once, frozen or not)."""
    global _frozen
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    _frozen = True


def _load(refs: Sequence[str | Path]) -> dict[str, CompiledPack]:
    packs: dict[str, CompiledPack] = {}
    for ref in refs:
        pack = load_pack(ref)
        if pack.id in packs:
            raise PackError(
                f"two packs have the id '{pack.id}': {packs[pack.id].path} and {pack.path}",
                code="serve.duplicate_pack",
                hint="serve each pack once; requests name packs by id",
            )
        packs[pack.id] = pack
    return packs


def _versions(packs: Mapping[str, CompiledPack]) -> str:
    return ", ".join(f"{p.id} {p.spec.version}" for p in packs.values())


class UnknownName(PolicyEngineError):
    """A request named a pack or rule the service does not have (404)."""


def _chosen(loaded: _Loaded, ids: Sequence[str] | None) -> list[CompiledPack]:
    if ids is None:
        return list(loaded.packs.values())
    missing = [name for name in ids if name not in loaded.packs]
    if missing:
        raise UnknownName(
            f"no pack '{missing[0]}' is loaded",
            code="pack.not_found",
            hint="loaded packs: " + ", ".join(loaded.packs),
        )
    return [loaded.packs[name] for name in ids]


# Decision log -----------------------------------------------------------------------------------


class DecisionLog:
    """JSON Lines, one line per decision request: time, request id, project hash, packs, status.

    Appended to and flushed line by line; `reopen` (on SIGHUP) lets logrotate move the file.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._handle: TextIO = self._open()

    def _open(self) -> TextIO:
        return self.path.open("a", encoding="utf-8")

    def write(self, entry: Mapping[str, Any]) -> None:
        """Append one entry as a line."""
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            self._handle.write(line)
            self._handle.flush()

    def reopen(self) -> None:
        """Open the file again (after it was moved aside); if that fails, keep the open one."""
        try:
            handle = self._open()
        except OSError as exc:
            log.error("cannot reopen the decision log; still writing the file open before: %s", exc)
            return
        with self._lock:
            self._handle.close()
            self._handle = handle

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._handle.close()


def project_hash(project: Project) -> str:
    """SHA-256 of the project as read: the same facts give the same hash in every process.

    Not of `Project.to_json()`, whose sets (documents, items, ...) come out in an order that
    changes from one process to the next. Sets are sorted, enums are their values and amounts
    their exact value (`"480万"`, `4800000` and `"4800000.00"` hash alike).
    """
    text = json.dumps(
        _canonical(project), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {name: _canonical(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, frozenset | set):
        return sorted((_canonical(member) for member in value), key=json.dumps)
    if isinstance(value, list | tuple):
        return [_canonical(member) for member in value]
    if isinstance(value, Mapping):
        return {str(_canonical(key)): _canonical(member) for key, member in value.items()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass
class _Record:
    """What a request's decision-log line says besides its time, id, endpoint and status."""

    project_sha256: str | None = None
    packs: list[dict[str, Any]] = field(default_factory=list)


# Endpoint work (run in a worker thread) ---------------------------------------------------------

_JSON = "application/json"


@dataclass(frozen=True)
class _Result:
    body: bytes
    media_type: str
    packs: list[dict[str, Any]]


def _pack_entry(pack: CompiledPack, status: str | None = None, **more: str) -> dict[str, Any]:
    return {"id": pack.id, "version": pack.spec.version, "status": status, **more}


def _evaluate(body: EvaluateRequest, packs: Sequence[CompiledPack]) -> _Result:
    verdicts = [evaluate(body.project, p, stage=body.stage, as_of=body.as_of) for p in packs]
    logged = [_pack_entry(p, v.status.value) for p, v in zip(packs, verdicts, strict=True)]
    if body.format in ("text", "markdown"):
        render = render_text if body.format == "text" else render_markdown
        text = "\n".join(render(v, lang=body.lang, style=v.source.citation_style) for v in verdicts)
        media = "text/plain" if body.format == "text" else "text/markdown"
        return _Result(text.encode("utf-8"), f"{media}; charset=utf-8", logged)
    if body.format == "compact":
        parts = [compact_json(v, p) for p, v in zip(packs, verdicts, strict=True)]
    else:
        parts = [v.to_json() for v in verdicts]
    return _Result(_evaluation(parts, compact=body.format == "compact"), _JSON, logged)


def _evaluation(verdicts: Sequence[str], *, compact: bool) -> bytes:
    """The verdicts (JSON text, as the library wrote them) as the document `evaluate --format
    json` (or `compact`) writes: `schema/evaluation.schema.json`."""
    head = json.dumps(evaluation_document([], compact=compact), separators=(",", ":"))
    # `{"format":...,"results":[]}`: the verdicts go between the brackets, byte for byte.
    return (head[:-2] + ",".join(verdicts) + "]}").encode("utf-8")


def _decide(body: DecideRequest, packs: Sequence[CompiledPack]) -> _Result:
    decided = [decide(body.project, p, stage=body.stage, as_of=body.as_of) for p in packs]
    data = DecisionsList(decisions=[d.to_record() for d in decided]).model_dump_json()
    logged = [_pack_entry(p, d.status.value) for p, d in zip(packs, decided, strict=True)]
    return _Result(data.encode("utf-8"), _JSON, logged)


def _explain(body: ExplainRequest, packs: Sequence[CompiledPack]) -> _Result:
    (pack,) = packs
    try:
        explanation = explain(body.project, pack, body.rule, as_of=body.as_of)
    except KeyError as exc:
        raise UnknownName(str(exc.args[0]), code="rule.not_found") from None
    status = explanation.finding.status.value if explanation.finding else "not_due"
    logged = [_pack_entry(pack, status, rule=body.rule)]
    if body.format == "text":
        text = render_explanation(explanation, lang=body.lang)
        return _Result(text.encode("utf-8"), "text/plain; charset=utf-8", logged)
    return _Result(explanation.model_dump_json().encode("utf-8"), _JSON, logged)


def _compare(body: CompareRequest, packs: Sequence[CompiledPack]) -> _Result:
    rows: list[ComparisonRow] = []
    logged: list[dict[str, Any]] = []
    for pack in packs:
        verdict = evaluate(body.project, pack, stage=body.stage, as_of=body.as_of)
        rows.append(_comparison_row(verdict, body.lang))
        logged.append(_pack_entry(pack, verdict.status.value))
    data = Comparison(comparison=rows).model_dump_json()
    return _Result(data.encode("utf-8"), _JSON, logged)


def _comparison_row(verdict: Verdict, lang: str) -> ComparisonRow:
    style = verdict.source.citation_style
    failing: dict[tuple[int, str], list[str]] = {}
    for finding in verdict.failed:
        key = (finding.citation.article, cite(finding.citation, style=style, lang=lang))
        failing.setdefault(key, []).append(finding.rule_id)
    route = verdict.route
    return ComparisonRow(
        pack_id=verdict.pack_id,
        pack_version=verdict.pack_version,
        jurisdiction=verdict.jurisdiction,
        in_scope=verdict.in_scope,
        exclusion_id=verdict.exclusion.id if verdict.exclusion is not None else None,
        status=verdict.status,
        route=route.band_id if route is not None else None,
        route_label=route.label if route is not None else None,
        approver=route.approver if route is not None else None,
        failing=[
            FailingArticle(article=label, rule_ids=ids)
            for (_, label), ids in sorted(failing.items())
        ],
    )


def _summary(pack: CompiledPack) -> PackSummary:
    spec = pack.spec
    return PackSummary(
        id=spec.id,
        version=spec.version,
        jurisdiction=spec.jurisdiction,
        level=spec.level,
        source=pack.source_ref,
        rules=len(pack.rules),
        decision_tables=[t.id for t in spec.decision_tables],
    )


def _detail(pack: CompiledPack) -> PackDetail:
    spec = pack.spec
    return PackDetail(
        id=spec.id,
        version=spec.version,
        jurisdiction=spec.jurisdiction,
        level=spec.level,
        source=pack.source_ref,
        thresholds=dict(spec.thresholds),
        decision_tables=list(spec.decision_tables),
        facts=sorted(pack.reader.names),
        rule_table=rule_table(pack),
    )


# Errors -----------------------------------------------------------------------------------------


def _error(
    status: int,
    code: str,
    message: str,
    hint: str | None = None,
    *,
    issues: list[Issue] | None = None,
    issue_count: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An error response: a `service-error` document (schema/service-error.schema.json)."""
    detail = ErrorDetail(
        code=code, message=message, hint=hint, issues=issues, issue_count=issue_count
    )
    body = ServiceError(error=detail).to_json().encode("utf-8")
    return Response(body, status_code=status, media_type=_JSON, headers=headers)


def _issues(issues: Iterable[ProjectIssue], prefix: tuple[str | int, ...]) -> list[Issue]:
    return [Issue(loc=[*prefix, *issue.loc], msg=issue.msg, type=issue.type) for issue in issues]


def _library_error(exc: PolicyEngineError) -> Response:
    if isinstance(exc, ProjectError):
        return _error(
            422,
            exc.code,
            "invalid project",
            exc.hint,
            issues=_issues(exc.issues, ("project",)),
            issue_count=exc.issue_count,
        )
    if isinstance(exc, UnknownName):
        return _error(404, exc.code, exc.message, exc.hint)
    if isinstance(exc, PackError) and exc.code.startswith("json."):
        # The body is not JSON the library reads: the message locates the fault in the body.
        return _error(400, exc.code, f"{exc.location}: {exc.message}", exc.hint)
    status = 422 if isinstance(exc, EvaluationError) else 500
    return _error(status, exc.code, exc.message, exc.hint)


def _validation_error(exc: RequestValidationError) -> Response:
    issues = [
        Issue(
            loc=[part for part in error["loc"] if part != "body"] or ["<body>"],
            msg=error["msg"],
            type=error["type"],
        )
        for error in exc.errors()
    ]
    return _error(
        422,
        "request.invalid",
        "invalid request",
        "fix the fields listed; see the request schema in /openapi.json",
        issues=issues[:20],
        issue_count=len(issues),
    )


# ASGI plumbing ----------------------------------------------------------------------------------


def _state(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault(_STATE_KEY, {})
    return state


class _RequestIds:
    """Gives every request an id (the caller's `X-Request-ID` if well formed) and echoes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        _state(scope)["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


class _BodyLimit:
    """Refuses a request body over `limit` bytes (413) before any of it is parsed.

    A declared Content-Length over the limit is refused without keeping any of the body; a
    chunked body is read up to the limit and refused as soon as it passes it. The body read
    is then handed on whole.

    A client that sends its body without waiting for `100 Continue` (urllib, requests, most
    clients) is still writing when the refusal is decided. Were the 413 sent at once, the
    server would close the connection with that body unread, and the kernel answers unread
    data with a reset, which can reach the client before it has read the 413: it then sees
    ConnectionResetError or BrokenPipeError instead of the answer (RFC 9112, section 9.6).
    So the rest of a refused body, up to `DISCARDED_BODY_BYTES`, is read and dropped before
    the 413 is sent. A client that asked for `100 Continue` has sent no body yet and is
    answered at once; so is one whose body is too large to read even to drop, with
    `Connection: close`.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            # Unparseable lengths never get here (the HTTP parser answers 400 first).
            read_out = (
                declared.isdigit()
                and int(declared) <= DISCARDED_BODY_BYTES
                and not _expects_continue(scope)
                and await _discard(receive, 0)
            )
            await self._refuse(scope, send, read_out)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                more = message.get("more_body", False)
                await self._refuse(scope, send, not more or await _discard(receive, size))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, read_out: bool) -> None:
        """Send the 413; `read_out`: the whole body was read, else the connection closes."""
        response = _error(
            413,
            "request.too_large",
            f"the request body is larger than {self.limit:,} bytes",
            "a project is a few kilobytes; the limit is set with --max-body-bytes",
            headers=None if read_out else {"connection": "close"},
        )
        await response(scope, _no_body, send)


async def _discard(receive: Receive, size: int) -> bool:
    """Read the rest of a refused body and drop it; False if it ran past
    `DISCARDED_BODY_BYTES` (`size` already read) or the client went away."""
    while size <= DISCARDED_BODY_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return False
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return size <= DISCARDED_BODY_BYTES
    return False


def _expects_continue(scope: Scope) -> bool:
    expect = _header(scope, b"expect")
    return expect is not None and expect.strip().lower() == "100-continue"


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


class _ExactRequest(Request):
    """A request whose JSON body is read by the library: exact Decimals, the reader's limits."""

    async def json(self) -> Any:
        if not hasattr(self, "_exact_json"):
            try:
                text = (await self.body()).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise PackError(
                    f"the body is not UTF-8 (byte {exc.start})",
                    code="json.encoding",
                    hint="send the JSON encoded as UTF-8",
                ) from None
            self._exact_json = _json.loads(text, "request body")
        return self._exact_json


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    header = _Header()
    header["content-type"] = content_type
    subtype = header.get_content_subtype()
    return header.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


class _Service:
    """The state every endpoint shares: packs, limits and the decision log."""

    def __init__(
        self, registry: PackRegistry, timeout: float, decision_log: DecisionLog | None
    ) -> None:
        self.registry = registry
        self.timeout = timeout
        self.decision_log = decision_log

    async def run(self, work: Callable[[], _Result]) -> _Result:
        """Run `work` in a worker thread; give up waiting after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        # A thread cannot be stopped: on timeout the evaluation finishes in the background
        # (every input is bounded) and its result is dropped.
        return await asyncio.wait_for(loop.run_in_executor(None, work), self.timeout)

    def log_decision(self, scope: Scope, status: int) -> None:
        """Append the request's line to the decision log, if one is kept."""
        if self.decision_log is None:
            return
        state = _state(scope)
        record: _Record = state.get("record") or _Record()
        self.decision_log.write(
            {
                "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                "request_id": state.get("request_id"),
                "endpoint": scope["path"],
                "project_sha256": record.project_sha256,
                "packs": record.packs,
                "status": status,
            }
        )

    def reload(self) -> None:
        """Reload the packs and reopen the decision log (SIGHUP)."""
        self.registry.reload()
        if self.decision_log is not None:
            self.decision_log.reopen()


def _route_class(service: _Service) -> type[APIRoute]:
    class ServiceRoute(APIRoute):
        """Reads JSON bodies exactly, turns library errors into responses, logs decisions."""

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            post = "POST" in (self.methods or ())

            async def route(request: Request) -> Response:
                exact = _ExactRequest(request.scope, request.receive)
                try:
                    response = await _respond(handler, exact, post)
                except Exception:
                    # A fault of the service itself: logged as the 500 the client receives.
                    if post:
                        service.log_decision(request.scope, 500)
                    raise
                if post:
                    service.log_decision(request.scope, response.status_code)
                return response

            return route

    return ServiceRoute


async def _respond(
    handler: Callable[[Request], Awaitable[Response]], request: _ExactRequest, post: bool
) -> Response:
    try:
        if post:
            if not _is_json(request.headers.get("content-type")):
                return _error(
                    415,
                    "request.media_type",
                    "the request body must be JSON",
                    "send Content-Type: application/json",
                )
            await request.json()
        return await handler(request)
    except PolicyEngineError as exc:
        return _library_error(exc)
    except RequestValidationError as exc:
        return _validation_error(exc)
    except TimeoutError:
        return _error(
            503,
            "request.timeout",
            "the request took longer than the service's time limit",
            "retry later; the limit is set with --timeout",
        )


def create_app(
    packs: Sequence[str | Path] | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    decision_log: str | Path | None = None,
    reload_on_sighup: bool = True,
) -> FastAPI:
    """The decision service as an ASGI application.

    Args:
        packs: Pack names or files to serve (default: every installed pack, the five
            bundled ones and plugins). Loaded now:
            a bad pack raises `PackError` here, before anything is served.
        max_body_bytes: Largest request body accepted; larger ones get 413.
        timeout: Seconds a request may take; a slower one gets 503.
        decision_log: A JSON Lines file to append one line per POST request to.
        reload_on_sighup: Reload the packs (and reopen the decision log) on SIGHUP, when the
            application runs in the main thread of its process.

    Raises:
        PackError: A pack cannot be loaded, or two packs have the same id.
        ValueError: A limit is not positive.
    """
    if max_body_bytes < 1 or not timeout > 0:
        raise ValueError("max_body_bytes and timeout must be positive")
    registry = PackRegistry(packs if packs is not None else pack_names())
    service = _Service(registry, timeout, DecisionLog(decision_log) if decision_log else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        del app
        loop = asyncio.get_running_loop()
        hooked = reload_on_sighup and threading.current_thread() is threading.main_thread()
        if hooked:
            # Loading packs takes a moment: done in a worker thread, requests go on meanwhile.
            loop.add_signal_handler(
                signal.SIGHUP, lambda: loop.run_in_executor(None, service.reload)
            )
        log.info("serving packs: %s", _versions(registry.current.packs))
        try:
            yield
        finally:
            if hooked:
                loop.remove_signal_handler(signal.SIGHUP)
            if service.decision_log is not None:
                service.decision_log.close()

    app = FastAPI(
        title="policyengine",
        version=__version__,
        summary="Chinese e-government IT project regulations as a decision service",
        description="Every endpoint calls the policyengine library; see docs/serve.md.",
        lifespan=lifespan,
        docs_url=None,  # the interactive pages load scripts from a CDN; /openapi.json stays
        redoc_url=None,
    )
    app.router.route_class = _route_class(service)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _fault)
    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": ServiceError, "description": "the body is not JSON the service reads"},
        404: {"model": ServiceError, "description": "an unknown pack or rule"},
        413: {"model": ServiceError, "description": "the body is over the size limit"},
        415: {"model": ServiceError, "description": "the body is not JSON"},
        422: {"model": ServiceError, "description": "an invalid project or option"},
        500: {"model": ServiceError, "description": "a fault of the service"},
        503: {"model": ServiceError, "description": "the request took too long"},
    }

    async def decision(
        request: Request,
        project: Project,
        ids: Sequence[str] | None,
        work: Callable[[Sequence[CompiledPack]], _Result],
    ) -> Response:
        record = _state(request.scope)["record"] = _Record(project_hash(project))
        chosen = _chosen(registry.current, ids)
        record.packs = [_pack_entry(pack) for pack in chosen]
        result = await service.run(functools.partial(work, chosen))
        record.packs = result.packs
        return Response(result.body, media_type=result.media_type)

    reports: dict[int | str, dict[str, Any]] = {
        200: {"content": {"text/plain": {}, "text/markdown": {}}, "description": "the verdicts"}
    }

    @app.post(
        "/v1/evaluate",
        response_model=Evaluation | CompactEvaluation,
        responses={**errors, **reports},
    )
    async def evaluate_project(body: EvaluateRequest, request: Request) -> Response:
        """Evaluate one project against packs: full or compact verdicts, or a report."""
        return await decision(request, body.project, body.packs, functools.partial(_evaluate, body))

    @app.post("/v1/decide", response_model=DecisionsList, responses=errors)
    async def decide_project(body: DecideRequest, request: Request) -> Response:
        """The decisions of an evaluation without the findings' detail."""
        return await decision(request, body.project, body.packs, functools.partial(_decide, body))

    @app.post("/v1/explain", response_model=Explanation, responses=errors)
    async def explain_rule(body: ExplainRequest, request: Request) -> Response:
        """Why one rule of a pack gave its answer for a project."""
        return await decision(request, body.project, [body.pack], functools.partial(_explain, body))

    @app.post("/v1/compare", response_model=Comparison, responses=errors)
    async def compare_packs(body: CompareRequest, request: Request) -> Response:
        """One project against several packs, side by side."""
        return await decision(request, body.project, body.packs, functools.partial(_compare, body))

    @app.get("/v1/packs", response_model=Packs)
    async def list_packs() -> Response:
        """The loaded packs."""
        return _model(Packs(packs=[_summary(p) for p in registry.current.packs.values()]))

    @app.get("/v1/packs/{pack_id}", response_model=PackDetail, responses=errors)
    async def show_pack(pack_id: str) -> Response:
        """A pack's thresholds, decision tables, the facts it reads and its rule table."""
        (pack,) = _chosen(registry.current, [pack_id])
        return _model(_detail(pack))

    @app.get("/v1/facts", response_model=FactTable)
    async def list_facts() -> Response:
        """The facts pack expressions may read, as `policyengine facts --format json`."""
        return _model(fact_table())

    @app.get("/healthz", response_model=Health)
    async def health() -> Response:
        """The service is up; the packs it serves and how the last reload went."""
        current = registry.current
        return _model(
            Health(
                status="ok",
                version=__version__,
                generation=current.generation,
                packs=[
                    PackVersion(id=p.id, version=p.spec.version) for p in current.packs.values()
                ],
                reload_error=registry.reload_error,
            )
        )

    # The last added runs first: every response, a 413 included, carries the request id.
    app.add_middleware(_BodyLimit, limit=max_body_bytes)
    app.add_middleware(_RequestIds)
    return app


def _model(model: BaseModel) -> Response:
    return Response(model.model_dump_json().encode("utf-8"), media_type=_JSON)


_HTTP_CODES = {404: "request.not_found", 405: "request.method_not_allowed"}


async def _http_error(request: Request, exc: Exception) -> Response:
    """A path the service does not have (404), or a method it does not take there (405)."""
    del request
    assert isinstance(exc, StarletteHTTPException)
    return _error(
        exc.status_code,
        _HTTP_CODES.get(exc.status_code, "request.http"),
        str(exc.detail),
        "the endpoints and their methods are listed in /openapi.json",
        headers=exc.headers,
    )


async def _fault(request: Request, exc: Exception) -> Response:
    """A fault of the service itself: the 500 the client receives (the traceback is logged)."""
    del request, exc
    return _error(
        500,
        "service.fault",
        "the service failed to answer this request",
        "the service's log holds the fault; retrying will not help until it is fixed",
    )


# Running ----------------------------------------------------------------------------------------


def serve(
    packs: Sequence[str | Path] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    decision_log: str | Path | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM; SIGHUP reloads the packs.

    The packs are loaded and the port bound before the server starts, so a bad pack
    (`PackError`) or a port in use (`OSError`) is raised here rather than logged.
    """
    import uvicorn

    app = create_app(
        packs, max_body_bytes=max_body_bytes, timeout=timeout, decision_log=decision_log
    )
    config = uvicorn.Config(app, host=host, port=port, log_config=_log_config())
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family)
    bound = sock.getsockname()[1]
    log.info("listening on http://%s:%d", f"[{host}]" if ":" in host else host, bound)
    _freeze()  # the packs are loaded and the modules imported: they live as long as the server
    uvicorn.Server(config).run(sockets=[sock])


def _log_config() -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = json.loads(json.dumps(LOGGING_CONFIG))
    config["loggers"]["policyengine"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config
