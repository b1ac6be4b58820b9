"""Write docs/serve.md from a real server's answers (`python docs/build_serve_doc.py`).

Starts `policyengine serve` on a free port, sends each example request, and writes the page with
the responses it got. `--check` compares instead of writing and exits 1 if the committed page is
stale (the decision log's timestamp aside); the test suite runs that, with the 'serve' extra.
The requests are sent with urllib; the page shows each one as the curl command that sends it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "serve.md"
TEMPLATE = ROOT / "docs" / "serve.template.md"
REQUEST = json.loads((ROOT / "examples" / "request.json").read_text("utf-8"))
JSON_TOOL = " | python3 -m json.tool --no-ensure-ascii"
POST = "curl -s localhost:8000{path} -H 'Content-Type: application/json'"
STATUS = " -w '\\nHTTP %{http_code}\\n'"

# (placeholder in the template, curl command shown, method, path, body, lines to show: 0 = all)
Example = tuple[str, str, str, str, bytes | None, int]


def _file_body(**changes: Any) -> bytes:
    body = {**REQUEST, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not None}, ensure_ascii=False).encode()


EXAMPLES: list[Example] = [
    ("HEALTHZ", "curl -s localhost:8000/healthz" + JSON_TOOL, "GET", "/healthz", None, 0),
    (
        "EVALUATE",
        POST.format(path="/v1/evaluate") + " -d @examples/request.json" + JSON_TOOL,
        "POST",
        "/v1/evaluate",
        (ROOT / "examples" / "request.json").read_bytes(),
        60,
    ),
    (
        "COMPACT",
        "jq '. + {format: \"compact\"}' examples/request.json | "
        + POST.format(path="/v1/evaluate")
        + " -d @-"
        + JSON_TOOL,
        "POST",
        "/v1/evaluate",
        _file_body(format="compact"),
        40,
    ),
    (
        "TEXT",
        'jq \'. + {format: "text", lang: "zh"}\' examples/request.json | '
        + POST.format(path="/v1/evaluate")
        + " -d @-",
        "POST",
        "/v1/evaluate",
        _file_body(format="text", lang="zh"),
        0,
    ),
    (
        "DECIDE",
        POST.format(path="/v1/decide") + " -d @examples/request.json" + JSON_TOOL,
        "POST",
        "/v1/decide",
        (ROOT / "examples" / "request.json").read_bytes(),
        30,
    ),
    (
        "EXPLAIN",
        'jq \'{project, as_of, pack: "wuhan", rule: "wh-12-no-new-infrastructure"}\' '
        "examples/request.json | " + POST.format(path="/v1/explain") + " -d @-" + JSON_TOOL,
        "POST",
        "/v1/explain",
        _file_body(packs=None, stage=None, pack="wuhan", rule="wh-12-no-new-infrastructure"),
        40,
    ),
    (
        "COMPARE",
        "jq 'del(.packs)' examples/request.json | "
        + POST.format(path="/v1/compare")
        + " -d @-"
        + JSON_TOOL,
        "POST",
        "/v1/compare",
        _file_body(packs=None),
        45,
    ),
    ("PACKS", "curl -s localhost:8000/v1/packs" + JSON_TOOL, "GET", "/v1/packs", None, 25),
    (
        "PACK",
        "curl -s localhost:8000/v1/packs/wuhan" + JSON_TOOL,
        "GET",
        "/v1/packs/wuhan",
        None,
        50,
    ),
    ("FACTS", "curl -s localhost:8000/v1/facts" + JSON_TOOL, "GET", "/v1/facts", None, 24),
    (
        "INVALID",
        POST.format(path="/v1/decide")
        + ' -d \'{"project": {"money": {"total_investment": "4,800,000"}, "total_investment": 1}}\''
        + JSON_TOOL,
        "POST",
        "/v1/decide",
        b'{"project": {"money": {"total_investment": "4,800,000"}, "total_investment": 1}}',
        0,
    ),
    (
        "OPTION",
        POST.format(path="/v1/decide") + STATUS + ' -d \'{"project": {}, "stage": "done"}\'',
        "POST",
        "/v1/decide",
        b'{"project": {}, "stage": "done"}',
        0,
    ),
    (
        "NOT_FOUND",
        POST.format(path="/v1/decide") + STATUS + ' -d \'{"project": {}, "packs": ["shanghai"]}\'',
        "POST",
        "/v1/decide",
        b'{"project": {}, "packs": ["shanghai"]}',
        0,
    ),
    (
        "BAD_JSON",
        POST.format(path="/v1/decide") + STATUS + ' -d \'{"project": {}, "project": {}}\'',
        "POST",
        "/v1/decide",
        b'{"project": {}, "project": {}}',
        0,
    ),
    (
        "TOO_LARGE",
        'python3 -c \'print("{" + " " * 2_000_000 + "}")\' | '
        + POST.format(path="/v1/decide")
        + STATUS
        + " -d @-",
        "POST",
        "/v1/decide",
        b"{" + b" " * 2_000_000 + b"}\n",
        0,
    ),
]


def _send(url: str, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", "X-Request-ID": "doc-example"} if body else {}
    request = urllib.request.Request(url + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _shown(command: str, status: int, body: bytes, lines: int) -> str:
    text = body.decode("utf-8")
    if JSON_TOOL in command:
        text = json.dumps(json.loads(text), ensure_ascii=False, indent=4)
    if STATUS in command:
        text = f"{text}\nHTTP {status}"
    shown = text.rstrip("\n").splitlines()
    if lines and len(shown) > lines:
        shown = [*shown[:lines], "…"]
    return "\n".join(["```console", f"$ {command}", *shown, "```"])


def _wait(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 120
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.05)


def page() -> str:
    """The page, from a server started for the purpose."""
    with tempfile.TemporaryDirectory() as work:
        log_path = Path(work) / "server.log"
        decisions = Path(work) / "decisions.jsonl"
        command = [sys.executable, "-m", "policyengine", "serve", "--port", "0"]
        command += ["--decision-log", str(decisions)]
        with log_path.open("wb") as sink:
            server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            output = lambda: log_path.read_text("utf-8")  # noqa: E731
            _wait(lambda: "startup complete" in output() or server.poll() is not None, "the server")
            if server.poll() is not None:
                raise SystemExit(output())
            url = re.search(r"listening on (\S+)", output())
            assert url is not None
            text = TEMPLATE.read_text("utf-8")
            for name, shown, method, path, body, lines in EXAMPLES:
                status, answer = _send(url.group(1), method, path, body)
                text = text.replace(f"{{{{{name}}}}}", _shown(shown, status, answer, lines))
            lines = decisions.read_text("utf-8").splitlines()
            last = next(line for line in reversed(lines) if '"/v1/compare"' in line)
            entry = json.dumps(json.loads(last), ensure_ascii=False, indent=4)
            shown = "grep /v1/compare decisions.jsonl" + JSON_TOOL
            text = text.replace(
                "{{DECISION_LOG}}", "\n".join(["```console", f"$ {shown}", entry, "```"])
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    return text


def _comparable(text: str) -> str:
    return re.sub(r'"time": "[^"]*"', '"time": "…"', text)


def main() -> int:
    text = page()
    if "--check" in sys.argv:
        if _comparable(PAGE.read_text(encoding="utf-8")) != _comparable(text):
            print("docs/serve.md is stale: run python docs/build_serve_doc.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
