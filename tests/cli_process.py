"""The ``appflow-mysql`` console script in a child process, as a user runs it.

The installed script is used, with this checkout first on ``PYTHONPATH`` so that its
code (not another checkout's editable install) answers. The child inherits the test
session's environment: moto's endpoint (``AWS_ENDPOINT_URL_SECRETS_MANAGER``) and the
trust store holding the throwaway server's CA (``SSL_CERT_FILE``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "appflow-mysql"
T = TypeVar("T")


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The session's environment with this checkout first on the import path."""
    env = {**os.environ, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("POWERTOOLS_LOG_LEVEL", None)  # the command's own default
    return env


def cli_argv(*args: str) -> list[str]:
    """The console script when installed next to this interpreter, else the module."""
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "appflow_mysql.main"]
    return [*command, *args]


def run_cli(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``appflow-mysql ARGS`` to its end; stdout and stderr captured as text."""
    return subprocess.run(cli_argv(*args), capture_output=True, text=True, timeout=timeout, check=False,
                          cwd=cwd, env=cli_env(env))


def run_module(module: str, *args: str, cwd: Path = ROOT, env: Mapping[str, str] | None = None,
               timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` from this checkout (devkit's commands)."""
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=timeout,
                          check=False, cwd=cwd, env=cli_env(env))


def wait_until(found: Callable[[], T | None], process: subprocess.Popen[str] | None = None,
               timeout: float = 90, what: str = "the condition") -> T:
    """Poll ``found`` until it returns something; fail at once if ``process`` ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value is not None and value is not False:
            return value
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            msg = f"the process ended (status {process.returncode}) before {what}:\n{out}\n{err}"
            raise AssertionError(msg)
        time.sleep(0.02)  # a poll interval, not a wait for something to have happened
    msg = f"no {what} within {timeout} s"
    raise AssertionError(msg)


def one_error_line(stderr: str) -> str:
    """The failure message of a command that failed as expected: no traceback, and it ends with one line."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "nothing on stderr"
    assert not lines[-1].startswith((" ", "\t")), stderr  # a message, not the tail of a listing
    return lines[-1]
