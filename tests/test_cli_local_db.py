"""``make local-db`` (``python -m devkit.local_db``): a local database that stays until Ctrl-C.

Started as a user starts it, in a folder of their own; the test waits for its "Ready." line,
runs the commands it prints, those of ``--help`` and those of docs/cli.md with the console
script from a shell, then presses Ctrl-C as a terminal does (SIGINT to the whole process
group) and checks that everything it made is gone. docs/cli.md's options are ``--help``'s.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.cli_process import ROOT, cli_env, run_cli, run_module, wait_until

FILES = ("local.json", "local-ca.pem", "local.env")
DOCS = ROOT / "docs" / "cli.md"
EXAMPLES_MARKER = "<!-- local-db examples"


def docs_examples() -> list[str]:
    """The commands of docs/cli.md's local-db block: continuation lines joined, comments left out."""
    text = DOCS.read_text(encoding="utf-8")
    block = text[text.index(EXAMPLES_MARKER):]
    block = block[block.index("```sh\n") + 6:]
    block = block[:block.index("```")]
    joined = re.sub(r"\\\n\s*", "", block)
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@dataclass
class LocalDb:
    process: subprocess.Popen[str]
    folder: Path
    lines: list[str] = field(default_factory=list)

    def line(self, prefix: str) -> str:
        return next(line for line in self.lines if line.strip().startswith(prefix))

    def shell(self, command: str) -> subprocess.CompletedProcess[str]:
        """``command`` typed in a shell in the folder, with the venv's ``appflow-mysql`` on PATH."""
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        return subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120, check=False,
                              cwd=self.folder, env=cli_env({"PATH": path}))


def _collect(stream: object, into: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.append(line.rstrip("\n"))


@pytest.fixture
def local_db(tmp_path: Path) -> Iterator[LocalDb]:
    (tmp_path / "events").symlink_to(ROOT / "events")  # the docs' examples name events/*.json
    process = subprocess.Popen([sys.executable, "-m", "devkit.local_db"], cwd=tmp_path, env=cli_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    running = LocalDb(process, tmp_path)
    reader = threading.Thread(target=_collect, args=(process.stdout, running.lines), daemon=True)
    reader.start()
    try:
        wait_until(lambda: any(line.startswith("Ready.") for line in running.lines), process, timeout=120,
                   what="local-db's Ready line")
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.needs_local_server("local-db always starts a private server")
def test_local_db_serves_until_ctrl_c_then_leaves_nothing(local_db: LocalDb) -> None:
    folder = local_db.folder
    assert all((folder / name).is_file() for name in FILES)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", local_db.line("MariaDB")).group(1))  # type: ignore[union-attr]
    server_dir = Path(local_db.line("server folder").split()[2])
    moto_port = int(re.search(r"127\.0\.0\.1:(\d+)", local_db.line("Secrets Manager")).group(1))  # type: ignore[union-attr]
    assert server_dir.is_dir() and not refused(port) and not refused(moto_port)

    start = local_db.lines.index(next(line for line in local_db.lines if line.startswith("Try")))
    tries = [line.strip() for line in local_db.lines[start + 1:] if line.startswith("  ")]
    assert len(tries) == 3 and any("--secret-arn" in line for line in tries)
    for command in tries:  # the commands it prints work as printed
        done = local_db.shell(command)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
    assert "All links work" in local_db.shell(tries[0]).stdout
    help_text = local_db.shell("appflow-mysql --help").stdout
    examples = [line.strip() for line in help_text.splitlines() if line.strip().startswith("appflow-mysql ")
                and "local.json" in line]
    assert len(examples) == 2
    for command in examples:  # and so do those of --help
        done = local_db.shell(command)
        assert done.returncode == 0 and "Traceback" not in done.stderr, f"{command}\n{done.stdout}\n{done.stderr}"

    documented = docs_examples()
    assert len(documented) >= 8
    for command in documented:  # docs/cli.md's examples work as written
        done = local_db.shell(f"set -o pipefail; {command}")
        assert done.returncode == 0 and "Traceback" not in done.stderr, f"{command}\n{done.stdout}\n{done.stderr}"
    assert len(list((folder / "out" / "paid-orders").iterdir())) == 1

    again = run_module("devkit.local_db", cwd=folder)  # a second one in the same folder overwrites nothing
    assert again.returncode == 2 and "local.json exists" in again.stderr and "Traceback" not in again.stderr

    os.killpg(local_db.process.pid, signal.SIGINT)  # Ctrl-C in its terminal: the whole foreground group
    local_db.process.wait(timeout=60)
    stderr = local_db.process.stderr.read() if local_db.process.stderr else ""
    assert local_db.process.returncode in (0, 130), stderr
    assert "Traceback" not in stderr, stderr
    wait_until(lambda: local_db.lines and local_db.lines[-1].startswith("Stopped"), what="the Stopped line",
               timeout=10)
    assert not any((folder / name).exists() for name in FILES)
    assert not server_dir.exists() and refused(port) and refused(moto_port)


def test_docs_name_every_option_of_the_help_and_no_other() -> None:
    """docs/cli.md documents each subcommand and long option ``--help`` shows, and nothing else."""
    helps = "".join(run_cli(*command, "--help").stdout for command in ([], ["flow"], ["invoke"], ["doctor"]))
    options = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
    documented = set(options.findall(DOCS.read_text(encoding="utf-8")))
    offered = set(options.findall(helps))
    assert documented == offered and len(offered) > 15
    commands = set(re.findall(r"^  (\w[\w-]*)  ", run_cli("--help").stdout, re.MULTILINE))
    assert commands == {"flow", "invoke", "doctor"}
    assert all(f"## `{command}`" in DOCS.read_text(encoding="utf-8") for command in commands)
