"""The README's webhook steps work as written from a second shell: the key goes in `.env`,
the server started in that folder and the CLI run from another shell there both read it, so
the CLI's webhook is one the server can sign. Only the receiver's URL is replaced (this
test's own receiver on 127.0.0.1, which WEBHOOK_ALLOW_PRIVATE_TARGETS lets through)."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ROOT, free_port
from tests.webhooks.conftest import wait_until
from tests.webhooks.receiver import Receiver
from tests.webhooks.reference import verify

WEBHOOKS = re.compile(r"^## Webhooks\n(.*?)^## ", re.DOTALL | re.MULTILINE)
BLOCK = re.compile(r"^```\n(.*?)^```", re.DOTALL | re.MULTILINE)
README_URL = "https://hooks.example.com/tremor"
README_ADMIN_KEY = "change-me"


def readme_blocks() -> tuple[str, str]:
    """The block that makes the key and starts the server, and the CLI's block."""
    section = WEBHOOKS.search((ROOT / "README.md").read_text("utf-8"))
    assert section, "the README has a Webhooks section"
    blocks = BLOCK.findall(section.group(1))
    [start] = [b for b in blocks if "WEBHOOK_SECRET_KEY" in b and "make run" in b]
    [cli] = [b for b in blocks if "tremor-guide webhooks add" in b]
    return start, cli


def shell_env(home: Path) -> dict[str, str]:
    """A new shell's environment: nothing of this one's (no WEBHOOK_SECRET_KEY, no
    DATABASE_URL), the receiver allowed on loopback."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A checkout's folder as the README's commands see it: `.venv` there, no `.env` yet."""
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    return tmp_path


@pytest.fixture
def server(folder: Path) -> Iterator[str]:
    """What the README's start block does, the server run by hand in `folder` instead of
    `make run` (the same command and options, another port)."""
    start, _ = readme_blocks()
    key_line, run_line = start.strip().splitlines()
    assert run_line == f"ADMIN_API_KEY={README_ADMIN_KEY} make run"
    subprocess.run(["bash", "-c", key_line], cwd=folder, env=shell_env(folder), check=True)
    port = free_port()
    env = {
        **shell_env(folder),
        "ADMIN_API_KEY": README_ADMIN_KEY,
        "LOG_LEVEL": "WARNING",
        "WEBHOOK_POLL_INTERVAL_S": "0.1",
    }
    with open(folder / "server.log", "ab") as log:
        process = subprocess.Popen(
            [".venv/bin/tremor-guide", "serve", "--port", str(port), "--workers", "1"],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (folder / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not become ready"
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(15)


@pytest.mark.e2e
def test_the_readme_webhook_steps_from_a_second_shell(
    folder: Path, server: str, receiver: Receiver
) -> None:
    assert "WEBHOOK_SECRET_KEY=" in (folder / ".env").read_text()
    _, cli = readme_blocks()
    script = cli.replace(README_URL, receiver.url)
    second_shell = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=folder,
        env=shell_env(folder),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second_shell.returncode == 0, second_shell.stderr
    added, secret, listed = second_shell.stdout.splitlines()
    hook_id = added.split("\t")[0]
    assert listed.startswith(hook_id) and listed.endswith("\tactive")

    # The server signs the CLI's webhook: it unseals the secret with the same key.
    http = httpx.Client(
        base_url=server, headers={"Authorization": f"Bearer {README_ADMIN_KEY}"}, timeout=30
    )
    draft = http.post("/v1/admin/content/versions", json={})
    assert draft.status_code == 201, draft.text
    version = draft.json()["version"]
    assert http.post(f"/v1/admin/content/versions/{version}/publish", json={}).status_code == 200
    wait_until(lambda: len(receiver.delivered()) == 1, timeout=30)
    got = receiver.delivered()[0]
    verify(secret, got.headers, got.body)
    [hook] = http.get("/v1/admin/webhooks").json()["items"]
    assert (hook["id"], hook["status"], hook["failure_reason"]) == (hook_id, "active", None)
