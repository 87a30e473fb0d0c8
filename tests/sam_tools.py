"""Where the tool venvs are: `make` exports SAM_CLI and CHECKOV (mk/deploy.mk); else .venv-sam/, .venv-checkov/ here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _present(path: Path, make_target: str) -> str:
    if not path.exists():
        msg = f"{path} is missing: run `make {make_target}` (make test does)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return str(path)


def tool(name: str) -> str:
    """Path of ``name`` (sam, cfn-lint, python) in the SAM tool venv; fail on CI when it is missing."""
    sam = os.environ.get("SAM_CLI")
    bin_dir = Path(sam).parent if sam else ROOT / ".venv-sam" / "bin"
    return _present(bin_dir / name, "sam-tools")


def checkov() -> str:
    """Path of checkov in its own tool venv (its boto3 pin contradicts SAM CLI's); fail on CI when it is missing."""
    return _present(Path(os.environ.get("CHECKOV") or ROOT / ".venv-checkov" / "bin" / "checkov"), "checkov-tools")
