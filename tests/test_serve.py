"""`policyengine serve`, end to end: a real uvicorn process on a free port, spoken to over HTTP.

The server is started once for the module; every answer is compared with what the library
itself gives for the same project. Without the 'serve' extra only the first tests run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from policyengine import Project, decide, evaluate, load_pack
from policyengine.compact import compact_json, rule_table
from policyengine.explain import explain
from policyengine.facts import FACTS
from policyengine.render import render_text

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = "2026-11-23"
BODY_LIMIT = 64 * 1024
EXAMPLE: dict[str, Any] = json.loads(
    json.dumps(yaml.safe_load((ROOT / "examples" / "project.yaml").read_text("utf-8")), default=str)
)


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=ROOT,
    )


# Without the server -------------------------------------------------------------------------


def test_serve_without_the_extra_exits_2_with_a_one_line_hint() -> None:
    result = _python(
        "import sys; sys.modules['fastapi'] = None\n"  # as if the extra were not installed
        "from policyengine.cli import main; raise SystemExit(main(['serve']))"
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "policyengine: serve needs fastapi, from the 'serve' extra: "
        "pip install 'egov-policyengine[serve]'"
    ]


def test_the_library_and_the_other_commands_never_import_the_serve_stack() -> None:
    result = _python(
        "import sys\n"
        "from policyengine import evaluate, load_pack\n"
        "from policyengine.cli import main\n"
        "main(['facts']); main(['rules', 'wuhan'])\n"
        "main(['evaluate', 'examples/project.yaml', '--pack', 'wuhan', '-o', '/dev/null'])\n"
        "evaluate({}, load_pack('wuhan'))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'uvicorn', 'starlette')))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_decisions_have_a_json_form_that_states_every_decision() -> None:
    pack = load_pack("wuhan")
    verdict = evaluate(EXAMPLE, pack, stage="application", as_of=dt.date(2026, 11, 23))
    data = decide(EXAMPLE, pack, stage="application", as_of=dt.date(2026, 11, 23)).to_dict()
    assert json.loads(json.dumps(data)) == {
        "pack_id": "wuhan",
        "in_scope": True,
        "status": "non_compliant",
        "route": "approval",
        "statuses": {f.rule_id: f.status.value for f in verdict.findings},
        "missing_documents": [d.value for d in verdict.missing_documents],
    }


# The server ---------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    output: Path
    decision_log: Path
    mini: Path  # a copy of the mini pack, edited by the reload test

    def log_text(self) -> str:
        return self.output.read_text("utf-8", errors="replace")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _wait_for(predicate: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Poll until `predicate` holds; fail after `seconds` (a bound, not a measurement)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    work = tmp_path_factory.mktemp("serve")
    mini = work / "mini.yaml"
    shutil.copyfile(FIXTURES / "mini.yaml", mini)
    output = work / "server.log"
    decisions = work / "decisions.jsonl"
    command = [
        *(sys.executable, "-m", "policyengine", "serve", "--port", "0"),
        *("--pack", "wuhan", "--pack", "mengyin", "--pack", str(mini)),
        *("--max-body-bytes", str(BODY_LIMIT), "--decision-log", str(decisions)),
    ]
    with output.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)
    served = Server("", process, output, decisions, mini)
    try:
        _wait_for(
            lambda: (
                "Application startup complete" in served.log_text() or process.poll() is not None
            ),
            "the server to start",
        )
        assert process.poll() is None, served.log_text()
        line = next(x for x in served.log_text().splitlines() if "listening on " in x)
        served.url = line.split("listening on ", 1)[1].strip()
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def request(
    server: Server,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} if data is not None else {}
    sent.update(headers or {})
    req = urllib.request.Request(server.url + path, data=data, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def _asked(**options: Any) -> dict[str, Any]:
    return {"project": EXAMPLE, "as_of": AS_OF, **options}


def test_healthz_names_the_packs_served(server: Server) -> None:
    reply = request(server, "/healthz")
    assert reply.status == 200
    data = reply.json()
    assert data["status"] == "ok"
    assert [p["id"] for p in data["packs"]] == ["wuhan", "mengyin", "mini"]
    assert data["packs"][0]["version"] == load_pack("wuhan").spec.version


def test_evaluate_answers_the_library_s_verdicts_byte_for_byte(server: Server) -> None:
    reply = request(server, "/v1/evaluate", _asked(packs=["wuhan", "mengyin"], stage="application"))
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    verdicts = [
        evaluate(EXAMPLE, load_pack(name), stage="application", as_of=dt.date(2026, 11, 23))
        for name in ("wuhan", "mengyin")
    ]
    expected = (
        '{"format":"policyengine.evaluation","format_version":1,"results":['
        + ",".join(v.to_json() for v in verdicts)
        + "]}"
    )
    assert reply.body == expected.encode()


def test_evaluate_compact_and_text(server: Server) -> None:
    pack = load_pack("wuhan")
    verdict = evaluate(EXAMPLE, pack, stage="application", as_of=dt.date(2026, 11, 23))
    compact = request(
        server, "/v1/evaluate", _asked(packs=["wuhan"], stage="application", format="compact")
    )
    assert (
        compact.body
        == (
            '{"format":"policyengine.evaluation.compact","format_version":2,"results":['
            + compact_json(verdict, pack)
            + "]}"
        ).encode()
    )
    text = request(
        server,
        "/v1/evaluate",
        _asked(packs=["wuhan"], stage="application", format="text", lang="zh"),
    )
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.body.decode() == render_text(verdict, lang="zh")


def test_every_loaded_pack_is_evaluated_when_none_is_named(server: Server) -> None:
    reply = request(server, "/v1/evaluate", _asked())
    assert [v["pack_id"] for v in reply.json()["results"]] == ["wuhan", "mengyin", "mini"]


def _with_amount(literal: str) -> bytes:
    """The example as JSON text, its investment and funding written as `literal` exactly."""
    project = json.loads(json.dumps(EXAMPLE))
    project["money"]["total_investment"] = "@AMOUNT@"
    project["money"]["funding"][0]["amount"] = "@AMOUNT@"
    body = {"project": project, "packs": ["wuhan"], "stage": "application", "as_of": AS_OF}
    return json.dumps(body).replace('"@AMOUNT@"', literal).encode()


def test_json_numbers_are_read_as_the_exact_decimals_written(server: Server) -> None:
    as_number = request(server, "/v1/evaluate", raw=_with_amount("4800000.10"))
    as_string = request(server, "/v1/evaluate", raw=_with_amount('"4800000.10"'))
    assert as_number.status == 200, as_number.body
    assert as_number.body == as_string.body
    route = as_number.json()["results"][0]["route"]
    assert route["input"] == "4800000.10"  # never through a float: not 4800000.1, not 4800000.0999
    third_decimal = request(server, "/v1/evaluate", raw=_with_amount("4800000.105"))
    assert third_decimal.status == 422
    assert third_decimal.json()["error"]["issues"][0]["loc"] == [
        "project",
        "money",
        "total_investment",
    ]


def test_decide_answers_the_library_s_decisions(server: Server) -> None:
    reply = request(server, "/v1/decide", _asked(packs=["mengyin", "wuhan"]))
    assert reply.status == 200
    expected = [
        json.loads(decide(EXAMPLE, load_pack(name), as_of=dt.date(2026, 11, 23)).to_json())
        for name in ("mengyin", "wuhan")
    ]
    assert reply.json() == {
        "format": "policyengine.decisions.list",
        "format_version": 1,
        "decisions": expected,
    }


def test_explain_answers_the_library_s_explanation(server: Server) -> None:
    rule = "wh-12-no-new-infrastructure"
    reply = request(server, "/v1/explain", _asked(pack="wuhan", rule=rule))
    assert reply.status == 200
    expected = explain(EXAMPLE, load_pack("wuhan"), rule, as_of=dt.date(2026, 11, 23))
    assert reply.body == expected.model_dump_json().encode()
    unknown = request(server, "/v1/explain", _asked(pack="wuhan", rule=rule[:-1]))
    assert unknown.status == 404
    error = unknown.json()["error"]
    assert error["code"] == "rule.not_found"
    assert f"did you mean '{rule}'?" in error["message"]


def test_compare_shows_each_pack_side_by_side(server: Server) -> None:
    reply = request(server, "/v1/compare", _asked(packs=["wuhan", "mengyin"], stage="application"))
    assert reply.status == 200
    rows = reply.json()["comparison"]
    for row, name in zip(rows, ("wuhan", "mengyin"), strict=True):
        verdict = evaluate(
            EXAMPLE, load_pack(name), stage="application", as_of=dt.date(2026, 11, 23)
        )
        assert row["pack_id"] == name
        assert row["status"] == verdict.status.value
        assert row["route"] == (verdict.route.band_id if verdict.route else None)
        assert sorted(i for f in row["failing"] for i in f["rule_ids"]) == sorted(
            f.rule_id for f in verdict.failed
        )
    assert rows[0]["failing"][0]["article"].startswith("art. ")
    zh = request(server, "/v1/compare", _asked(packs=["wuhan"], stage="application", lang="zh"))
    assert zh.json()["comparison"][0]["failing"][0]["article"].startswith("第")


def test_packs_are_listed_and_shown(server: Server) -> None:
    listed = request(server, "/v1/packs").json()["packs"]
    assert [(p["id"], p["rules"]) for p in listed[:2]] == [
        ("wuhan", len(load_pack("wuhan").rules)),
        ("mengyin", len(load_pack("mengyin").rules)),
    ]
    shown = request(server, "/v1/packs/wuhan").json()
    pack = load_pack("wuhan")
    assert set(shown["thresholds"]) == set(pack.spec.thresholds)
    assert [t["id"] for t in shown["decision_tables"]] == [t.id for t in pack.spec.decision_tables]
    assert shown["facts"] == sorted(pack.reader.names)
    assert shown["rule_table"] == json.loads(rule_table(pack).model_dump_json())


def test_facts_lists_the_vocabulary(server: Server) -> None:
    facts = request(server, "/v1/facts").json()["facts"]
    assert [f["name"] for f in facts] == list(FACTS)
    investment = next(f for f in facts if f["name"] == "total_investment")
    assert investment["place"] == "money"
    assert investment["kind"] == "decimal"


def test_an_unknown_pack_is_404_with_the_loaded_ones(server: Server) -> None:
    for reply in (
        request(server, "/v1/packs/shanghai"),
        request(server, "/v1/evaluate", _asked(packs=["wuhan", "shanghai"])),
    ):
        assert reply.status == 404
        assert reply.json()["error"] == {
            "code": "pack.not_found",
            "message": "no pack 'shanghai' is loaded",
            "hint": "loaded packs: wuhan, mengyin, mini",
        }


def test_an_invalid_project_is_422_with_the_library_s_field_paths(server: Server) -> None:
    project = {"money": {"total_investment": "4,8"}, "total_investment": "1", "stage": "done"}
    reply = request(server, "/v1/evaluate", {"project": project})
    assert reply.status == 422
    error = reply.json()["error"]
    assert error["code"] == "project.invalid"
    assert error["issue_count"] == 3
    by_path = {tuple(issue["loc"]): issue for issue in error["issues"]}
    assert set(by_path) == {
        ("project", "money", "total_investment"),
        ("project", "total_investment"),
        ("project", "stage"),
    }
    assert "separators" in by_path["project", "money", "total_investment"]["msg"]
    assert "belongs at money.total_investment" in by_path["project", "total_investment"]["msg"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"packs": ["wuhan"]}, ["project"]),
        ({"project": {}, "stage": "finished"}, ["stage"]),
        ({"project": {}, "format": "pdf"}, ["format"]),
        ({"project": {}, "pack": "wuhan"}, ["pack"]),
        ({"project": {}, "packs": ["../etc/passwd"]}, ["packs", 0]),
    ],
)
def test_an_invalid_option_is_422_with_its_path(server: Server, body: Any, loc: list[Any]) -> None:
    reply = request(server, "/v1/evaluate", body)
    assert reply.status == 422
    error = reply.json()["error"]
    assert error["code"] == "request.invalid"
    assert [issue["loc"] for issue in error["issues"]] == [loc]


def test_a_project_that_is_not_an_object_is_422(server: Server) -> None:
    reply = request(server, "/v1/decide", {"project": [1, 2]})
    assert reply.status == 422
    assert reply.json()["error"]["issues"] == [
        {"loc": ["project"], "msg": "a project must be a JSON object", "type": "value_error"}
    ]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"project": {}, ', "json.syntax"),
        (b'{"project": {}, "project": {}}', "json.duplicate_key"),
        (b'{"project": {"money": {"total_investment": 1e999}}}', "json.bad_number"),
        (b'{"project": {"name": "\xff"}}', "json.encoding"),
    ],
)
def test_a_body_the_json_reader_refuses_is_400_located(
    server: Server, raw: bytes, code: str
) -> None:
    reply = request(server, "/v1/evaluate", raw=raw)
    assert reply.status == 400
    assert reply.json()["error"]["code"] == code


def test_a_body_that_is_not_json_is_415(server: Server) -> None:
    reply = request(server, "/v1/evaluate", raw=b"{}", headers={"Content-Type": "text/plain"})
    assert reply.status == 415
    assert reply.json()["error"]["code"] == "request.media_type"


# Every body is a versioned document -----------------------------------------------------------


def _valid(reply: Reply, schema: str) -> dict[str, Any]:
    """The reply's body, which states the format `schema` and meets its committed schema."""
    from policyengine.schemas import BY_NAME, validate

    document: dict[str, Any] = reply.json()
    fmt = BY_NAME[schema]
    assert (document["format"], document["format_version"]) == (fmt.format, fmt.version)
    assert validate(document) == []
    assert validate(document, schema) == []
    return document


@pytest.mark.parametrize(
    ("path", "body", "schema"),
    [
        ("/healthz", None, "health"),
        ("/v1/packs", None, "packs"),
        ("/v1/packs/wuhan", None, "pack-detail"),
        ("/v1/packs/mini", None, "pack-detail"),
        ("/v1/facts", None, "facts"),
        ("/v1/evaluate", _asked(), "evaluation"),
        ("/v1/evaluate", _asked(format="compact"), "evaluation-compact"),
        ("/v1/decide", _asked(), "decisions-list"),
        ("/v1/compare", _asked(lang="zh"), "comparison"),
        ("/v1/explain", _asked(pack="wuhan", rule="wh-12-no-new-infrastructure"), "explanation"),
    ],
)
def test_every_endpoint_answers_a_document_of_its_committed_schema(
    server: Server, path: str, body: Any, schema: str
) -> None:
    reply = request(server, path, body)
    assert reply.status == 200, reply.body
    document = _valid(reply, schema)
    # The verdicts of an evaluation and the decisions of each pack are documents too.
    from policyengine.schemas import validate

    for inner in [*document.get("results", []), *document.get("decisions", [])]:
        assert validate(inner) == [], inner["format"]


@pytest.mark.parametrize(
    ("method", "path", "raw", "headers", "status", "code"),
    [
        ("POST", "/v1/decide", b'{"project": {}, ', None, 400, "json.syntax"),
        ("GET", "/v1/packs/shanghai", None, None, 404, "pack.not_found"),
        ("POST", "/v1/decide", b'{"project": {}, "packs": ["x"]}', None, 404, "pack.not_found"),
        ("GET", "/v2/packs", None, None, 404, "request.not_found"),
        ("DELETE", "/v1/packs/wuhan", None, None, 405, "request.method_not_allowed"),
        ("POST", "/v1/decide", b" " * (BODY_LIMIT + 1), None, 413, "request.too_large"),
        ("POST", "/v1/decide", b"{}", {"Content-Type": "text/plain"}, 415, "request.media_type"),
        ("POST", "/v1/decide", b'{"project": {"stage": "x"}}', None, 422, "project.invalid"),
        ("POST", "/v1/decide", b'{"project": {}, "lang": 1}', None, 422, "request.invalid"),
    ],
)
def test_every_error_is_a_service_error_document(
    server: Server,
    method: str,
    path: str,
    raw: bytes | None,
    headers: dict[str, str] | None,
    status: int,
    code: str,
) -> None:
    sent = {"Content-Type": "application/json", **(headers or {})} if raw is not None else {}
    req = urllib.request.Request(server.url + path, data=raw, headers=sent, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            reply = Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        reply = Reply(error.code, dict(error.headers), error.read())
    assert reply.status == status
    assert reply.headers["content-type"] == "application/json"
    assert _valid(reply, "service-error")["error"]["code"] == code


def _padded(size: int) -> bytes:
    body = json.dumps({"project": {}, "packs": ["mini"], "as_of": AS_OF}).encode()
    return body + b" " * (size - len(body))


def test_a_body_over_the_limit_is_413_whether_declared_or_chunked(server: Server) -> None:
    assert request(server, "/v1/evaluate", raw=_padded(BODY_LIMIT)).status == 200
    declared = request(server, "/v1/evaluate", raw=_padded(BODY_LIMIT + 1))
    assert declared.status == 413
    assert declared.json()["error"]["code"] == "request.too_large"
    # Without a Content-Length the body arrives in chunks; it is refused once past the limit.
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        body = _padded(3 * BODY_LIMIT)
        chunks = (body[i : i + 8192] for i in range(0, len(body), 8192))
        connection.request(
            "POST",
            "/v1/evaluate",
            body=chunks,
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["error"]["code"] == "request.too_large"
    finally:
        connection.close()


def test_a_client_still_sending_a_refused_body_reads_the_413_not_a_reset(server: Server) -> None:
    # urllib sends `Connection: close` and its whole body without waiting for `100 Continue`.
    # Were the 413 sent with the body unread, closing the connection would reset it, often
    # before the client read the answer (ConnectionResetError, BrokenPipeError): the server
    # reads the rest of the body and drops it first. Repeated, as the reset was a race.
    body = _padded(32 * BODY_LIMIT)
    for _ in range(20):
        reply = request(server, "/v1/decide", raw=body)
        assert reply.status == 413
        assert _valid(reply, "service-error")["error"]["code"] == "request.too_large"


def _raw_exchange(server: Server, head: str) -> bytes:
    """Send only a request's head (no body) and read the answer until the server closes."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(head.encode("ascii"))
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize(
    ("too_large_to_drop", "expect"),
    [
        (False, "Expect: 100-continue\r\n"),  # the body waits for a go-ahead
        (True, ""),  # too large to read even to drop
    ],
)
def test_a_body_the_server_will_not_read_is_refused_at_once_and_the_connection_closed(
    server: Server, too_large_to_drop: bool, expect: str
) -> None:
    # No body is sent: the answer comes without it, and the server closes the connection.
    from policyengine.serve import DISCARDED_BODY_BYTES
    from policyengine.service import ServiceError

    length = DISCARDED_BODY_BYTES + 1 if too_large_to_drop else 2 * BODY_LIMIT
    answer = _raw_exchange(
        server,
        f"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n{expect}\r\n",
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in head
    assert b"\r\nconnection: close" in head.lower()
    assert ServiceError.model_validate_json(body).error.code == "request.too_large"


def test_concurrent_requests_give_the_bytes_serial_ones_do(server: Server) -> None:
    asks = [
        ("/v1/evaluate", _asked(packs=["wuhan"], stage=stage))
        for stage in ("application", "approval", "acceptance")
    ] + [
        ("/v1/decide", _asked()),
        ("/v1/compare", _asked()),
        ("/v1/evaluate", _asked(format="compact")),
        ("/v1/explain", _asked(pack="mengyin", rule=load_pack("mengyin").rules[0].id)),
    ]
    serial = [request(server, path, body).body for path, body in asks]
    jobs = [asks[i % len(asks)] for i in range(4 * len(asks))]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(lambda job: request(server, *job).body, jobs))
    assert concurrent == [serial[i % len(asks)] for i in range(len(jobs))]


def test_every_response_carries_a_request_id(server: Server) -> None:
    given = request(server, "/healthz", headers={"X-Request-ID": "platform-42"})
    assert given.headers["x-request-id"] == "platform-42"
    odd = request(server, "/healthz", headers={"X-Request-ID": "bad id\t"})
    assert len(odd.headers["x-request-id"]) == 32  # replaced by a fresh one


def _log_lines(server: Server) -> list[dict[str, Any]]:
    text = server.decision_log.read_text("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_the_decision_log_has_a_line_per_decision_request(server: Server) -> None:
    ok = request(server, "/v1/decide", _asked(packs=["wuhan"]), headers={"X-Request-ID": "log-ok"})
    bad = request(
        server,
        "/v1/evaluate",
        {"project": {"money": {"total_investment": -1}}},
        headers={"X-Request-ID": "log-bad"},
    )
    assert (ok.status, bad.status) == (200, 422)
    lines = {line["request_id"]: line for line in _log_lines(server)}
    line = lines["log-ok"]
    assert set(line) == {"time", "request_id", "endpoint", "project_sha256", "packs", "status"}
    assert dt.datetime.fromisoformat(line["time"]).tzinfo is not None
    assert line["endpoint"] == "/v1/decide"
    # The hash of the project as read: equal projects hash alike, in any process.
    from policyengine.serve import project_hash

    assert line["project_sha256"] == project_hash(Project.from_mapping(EXAMPLE))
    wuhan = load_pack("wuhan")
    status = decide(EXAMPLE, wuhan, as_of=dt.date(2026, 11, 23)).status.value
    assert line["packs"] == [{"id": "wuhan", "version": wuhan.spec.version, "status": status}]
    assert line["status"] == 200
    assert lines["log-bad"]["status"] == 422
    assert lines["log-bad"]["project_sha256"] is None
    assert all(line["endpoint"].startswith("/v1/") for line in lines.values())


def _health(server: Server) -> dict[str, Any]:
    data: dict[str, Any] = request(server, "/healthz").json()
    return data


def test_sighup_reloads_the_packs_and_keeps_them_when_a_pack_is_broken(server: Server) -> None:
    original = server.mini.read_text("utf-8")
    start = _health(server)["generation"]
    server.mini.write_text(original.replace('version: "1"', 'version: "2"', 1), "utf-8")
    server.process.send_signal(signal.SIGHUP)
    _wait_for(lambda: _health(server)["generation"] == start + 1, "the reload")
    assert request(server, "/v1/packs/mini").json()["version"] == "2"

    server.mini.write_text(original + "\nrules: [\n", "utf-8")
    server.process.send_signal(signal.SIGHUP)
    _wait_for(lambda: _health(server)["reload_error"] is not None, "the failed reload")
    health = _health(server)
    assert health["generation"] == start + 1
    assert "mini.yaml" in health["reload_error"]
    assert "reload failed; still serving generation" in server.log_text()
    still = request(server, "/v1/evaluate", {"project": {}, "packs": ["mini"], "as_of": AS_OF})
    assert still.status == 200
    assert still.json()["results"][0]["pack_version"] == "2"

    server.mini.write_text(original, "utf-8")
    server.process.send_signal(signal.SIGHUP)
    _wait_for(lambda: _health(server)["generation"] == start + 2, "the reload after the fix")
    assert _health(server)["reload_error"] is None
    assert request(server, "/v1/packs/mini").json()["version"] == "1"


def test_the_server_freezes_what_it_loaded_before_it_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("fastapi")
    uvicorn = pytest.importorskip("uvicorn")
    import gc

    from policyengine import serve

    seen: list[tuple[bool, bool]] = []

    def run(self: Any, sockets: Any) -> None:  # instead of serving: what it would serve with
        seen.append((serve._frozen, gc.get_freeze_count() > 0))
        for sock in sockets:
            sock.close()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setattr(serve, "_frozen", False)  # restored when the test ends
    try:
        serve.serve([FIXTURES / "mini.yaml"], port=0)
    finally:
        gc.unfreeze()
    assert seen == [(True, True)]


def test_a_reload_freezes_the_new_packs_and_lets_the_old_go_after_the_server_froze(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("fastapi")
    import gc
    import weakref

    from policyengine import loader, serve

    mini = tmp_path / "mini.yaml"
    original = (FIXTURES / "mini.yaml").read_text("utf-8")
    mini.write_text(original, "utf-8")
    monkeypatch.setattr(loader, "_COMPILED_CACHE_SIZE", 0)  # no cache keeps the old pack
    monkeypatch.setattr(serve, "_frozen", False)  # restored when the test ends
    registry = serve.PackRegistry([mini])
    served = weakref.ref(registry.current.packs["mini"])
    try:
        serve._freeze()
        assert serve._frozen
        assert gc.get_freeze_count() > 0
        mini.write_text(original.replace('version: "1"', 'version: "2"', 1), "utf-8")
        assert registry.reload()
        gc.collect()
        assert served() is None
        new = registry.current.packs["mini"]
        assert new.spec.version == "2"
        # Frozen objects are out of the collector's generations, which `get_objects` lists.
        assert gc.is_tracked(new)
        assert not any(each is new for each in gc.get_objects())
    finally:
        gc.unfreeze()


def test_sighup_reopens_the_decision_log_moved_aside(server: Server) -> None:
    rotated = server.decision_log.with_suffix(".jsonl.1")
    server.decision_log.rename(rotated)
    start = _health(server)["generation"]
    server.process.send_signal(signal.SIGHUP)
    _wait_for(lambda: _health(server)["generation"] == start + 1, "the reload")
    request(server, "/v1/decide", _asked(packs=["mini"]), headers={"X-Request-ID": "rotated"})
    assert [line["request_id"] for line in _log_lines(server)] == ["rotated"]
    assert "rotated" not in rotated.read_text("utf-8")


def _inlined(node: Any, definitions: dict[str, Any], prefix: str) -> Any:
    """A schema with every reference replaced by what it refers to (no model here recurses)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inlined(definitions[node["$ref"].removeprefix(prefix)], definitions, prefix)
        return {
            key: _inlined(value, definitions, prefix)
            for key, value in node.items()
            # FastAPI leaves out `"default": null`, which says nothing a reader needs.
            if key not in ("$defs", "$schema") and not (key == "default" and value is None)
        }
    if isinstance(node, list):
        return [_inlined(value, definitions, prefix) for value in node]
    return node


def _shape(schema: dict[str, Any]) -> Any:
    """What a schema says of a document's shape, without what only the published file states:
    its `$id` and description, which objects stay open to later fields (schemas.py), and the
    order of `required`."""
    top = {key: value for key, value in schema.items() if key not in ("$id", "description")}

    def shape(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: sorted(value) if key == "required" else shape(value)
                for key, value in node.items()
                if not (key == "additionalProperties" and value is False)
            }
        if isinstance(node, list):
            return [shape(value) for value in node]
        return node

    return shape(top)


@pytest.mark.parametrize(
    ("schema", "component"),
    [
        ("project", "Project"),
        ("verdict", "Verdict"),
        ("verdict-compact", "CompactVerdict"),
        ("rules", "RuleTable"),
        ("evaluation", "Evaluation"),
        ("evaluation-compact", "CompactEvaluation"),
        ("decisions-list", "DecisionsList"),
        ("explanation", "Explanation"),
        ("comparison", "Comparison"),
        ("packs", "Packs"),
        ("pack-detail", "PackDetail"),
        ("facts", "FactTable"),
        ("health", "Health"),
        ("service-error", "ServiceError"),
    ],
)
def test_the_openapi_document_uses_the_committed_schemas(
    server: Server, schema: str, component: str
) -> None:
    document = request(server, "/openapi.json").json()
    components = document["components"]["schemas"]
    committed = json.loads((ROOT / "schema" / f"{schema}.schema.json").read_text("utf-8"))
    assert _shape(_inlined(components[component], components, "#/components/schemas/")) == _shape(
        _inlined(committed, committed.get("$defs", {}), "#/$defs/")
    )
    body = document["paths"]["/v1/evaluate"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EvaluateRequest"
    }


# The command line ---------------------------------------------------------------------------


def _serve_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policyengine", "serve", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pack", "shanghai"], "pack.not_found: no bundled or installed pack named 'shanghai'"),
        (["--pack", "wuhan", "--pack", "wuhan"], "serve.duplicate_pack"),
        (["--timeout", "0"], "expected a positive number of seconds, not '0'"),
        (["--port", "70000"], "expected a port from 0 to 65535, not '70000'"),
        (["--max-body-bytes", "0"], "expected a whole number of at least 1, not '0'"),
    ],
)
def test_bad_serve_options_exit_2_before_serving(args: list[str], message: str) -> None:
    pytest.importorskip("fastapi")
    result = _serve_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_exits_2(server: Server) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = _serve_cli(
            "--pack", str(FIXTURES / "mini.yaml"), "--port", str(taken.getsockname()[1])
        )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "in use" in result.stderr


# In process: an evaluation that cannot finish until the test lets it, or that fails -----------


@contextlib.contextmanager
def in_process(app: Any) -> Iterator[Server]:
    """Run `app` under uvicorn in a thread of this process (so that the test can patch it)."""
    uvicorn = pytest.importorskip("uvicorn")
    runner = uvicorn.Server(uvicorn.Config(app, log_level="critical"))
    sock = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_for(lambda: runner.started, "the in-process server")
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        yield Server(url, None, Path(), Path(), Path())  # type: ignore[arg-type]
    finally:
        runner.should_exit = True
        thread.join(30)
        sock.close()


def test_a_request_over_the_time_limit_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("fastapi")
    from policyengine import serve

    release = threading.Event()

    def stuck(*args: Any, **kwargs: Any) -> Any:
        release.wait(60)
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(serve, "evaluate", stuck)
    with in_process(serve.create_app([FIXTURES / "mini.yaml"], timeout=0.2)) as local:
        try:
            reply = request(local, "/v1/evaluate", {"project": {}, "as_of": AS_OF})
            assert reply.status == 503
            assert _valid(reply, "service-error")["error"]["code"] == "request.timeout"
            assert request(local, "/healthz").status == 200  # the service itself still answers
        finally:
            release.set()  # before the server stops: it waits for its worker threads


def test_a_fault_of_the_service_is_500_and_logged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("fastapi")
    from policyengine import serve

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a fault in the service")

    monkeypatch.setattr(serve, "decide", broken)
    log = tmp_path / "decisions.jsonl"
    app = serve.create_app([FIXTURES / "mini.yaml"], decision_log=log)
    with in_process(app) as local:
        reply = request(local, "/v1/decide", {"project": {}}, headers={"X-Request-ID": "fault"})
    assert reply.status == 500
    assert _valid(reply, "service-error")["error"]["code"] == "service.fault"
    (line,) = [json.loads(text) for text in log.read_text("utf-8").splitlines()]
    assert (line["request_id"], line["status"]) == ("fault", 500)
    assert line["packs"] == [{"id": "mini", "version": "1", "status": None}]


def test_the_project_hash_is_the_same_in_every_process_and_for_every_way_of_writing() -> None:
    pytest.importorskip("fastapi")
    code = (
        "from policyengine import Project\n"
        "from policyengine.serve import project_hash\n"
        "print(project_hash(Project.from_file('examples/project.yaml')))"
    )
    hashes = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(hashes) == 1
    from policyengine.serve import project_hash

    (expected,) = hashes
    assert project_hash(Project.from_mapping(EXAMPLE)) == expected
    written = json.loads(json.dumps(EXAMPLE))
    written["money"]["total_investment"] = "480万"
    written["documents"].reverse()
    assert project_hash(Project.from_mapping(written)) == expected
    written["money"]["total_investment"] = "4800000.01"
    assert project_hash(Project.from_mapping(written)) != expected


def test_the_serve_page_shows_the_server_s_current_answers() -> None:
    pytest.importorskip("fastapi")
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "build_serve_doc.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr + "\n(regenerate: python docs/build_serve_doc.py)"
