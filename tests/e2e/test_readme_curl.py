"""The README's curl examples run, as written, against a live server, so they cannot rot.

Every ```sh block of README.md that calls curl is run in one bash script, in order (the
content workflow builds on the draft it creates), with `localhost:8000` pointed at the
test's server. A `curl` shell function records each call's status and body: every call
must answer 2xx, and every JSON answer must parse (a conditional request may answer 304).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.clients.tools import require_tool
from tests.e2e.conftest import ROOT, LiveServer

README = ROOT / "README.md"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.DOTALL | re.MULTILINE)
CALLS_CURL = re.compile(r"(?:^\s*|\$\()curl\s", re.MULTILINE)  # also `draft=$(curl ...)`
DEFAULT_ADDRESS = re.compile(r"\b(?:localhost|127\.0\.0\.1):8000\b")
README_ADMIN_KEY = "change-me"  # the key the README's content workflow exports
MAX_PRINTED_LINE = 20_000  # an assessment with five causes and explanations, with room

# Records each call as N.cmd, N.meta ("status content-type") and N.body, and still prints
# the body and a line break (a reader's prompt comes next), so pipes in the examples
# (| grep ...) work as a reader would see them. The count
# lives in a file: a call inside `$(...)` runs in a subshell.
PRELUDE = """\
set -euo pipefail
echo 0 > "$OUT/count"
curl() {
  local calls=$(($(cat "$OUT/count") + 1))
  echo "$calls" > "$OUT/count"
  printf '%s\\n' "$*" > "$OUT/$calls.cmd"
  command curl --show-error --max-time 10 -o "$OUT/$calls.body" \\
    -w '%{http_code} %{content_type}' "$@" > "$OUT/$calls.meta"
  cat "$OUT/$calls.body"
  echo
}
"""


def curl_blocks() -> list[str]:
    return [
        block for block in SH_BLOCK.findall(README.read_text("utf-8")) if CALLS_CURL.search(block)
    ]


def test_the_readme_has_curl_examples() -> None:
    blocks = curl_blocks()
    assert len(blocks) >= 3, "the Try it, Content workflow and Running at scale examples"
    assert sum(len(CALLS_CURL.findall(block)) for block in blocks) >= 10


@pytest.mark.e2e
def test_readme_curl_examples_work_against_a_live_server(
    start_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    require_tool(shutil.which("curl") is not None, "curl is not installed")
    server = start_server(ADMIN_API_KEY=README_ADMIN_KEY)
    address = f"127.0.0.1:{server.port}"
    script = PRELUDE + "\n".join(DEFAULT_ADDRESS.sub(address, block) for block in curl_blocks())
    out = tmp_path / "calls"
    out.mkdir()
    result = subprocess.run(
        ["bash", "-c", script],
        # A clean environment: no proxy variables, no ~/.curlrc.
        env={
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "OUT": str(out),
            "PORT": str(server.port),  # the examples read $PORT, as the README tells
        },
        cwd=tmp_path,  # files an example writes (the plan and its headers) stay out of the tree
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    calls = sorted(out.glob("*.cmd"), key=lambda path: int(path.stem))
    last = calls[-1].read_text() if calls else "(none)"
    assert result.returncode == 0, f"stopped at: {last}\n{result.stdout}\n{result.stderr}"
    # What a reader sees stays readable: no example prints a whole bundle (a PATCH answer,
    # about 200 KB) or pages of empty statistics (a diff of fresh versions, about 30 KB).
    longest = max(result.stdout.splitlines(), key=len)
    assert len(longest) <= MAX_PRINTED_LINE, f"{len(longest)} characters: {longest[:300]}"
    assert len(calls) == sum(len(CALLS_CURL.findall(block)) for block in curl_blocks())

    for command in calls:
        status, _, content_type = (out / f"{command.stem}.meta").read_text().partition(" ")
        body = (out / f"{command.stem}.body").read_text("utf-8")
        where = command.read_text().strip()
        # a conditional request's point is its 304: the client's copy is current
        expected = ("2", "304") if "If-None-Match" in where else ("2",)
        assert status.startswith(expected), f"{where}\n-> {status}: {body}"
        if "json" in content_type:
            json.loads(body)  # a JSON answer that does not parse fails here
