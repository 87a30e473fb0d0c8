"""Where the SAM CLI tool venv is: `make` exports SAM_CLI (mk/deploy.mk); else .venv-sam/ here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tool(name: str) -> str:
    """Path of ``name`` (sam, cfn-lint, python) in the SAM tool venv; fail on CI when it is missing."""
    sam = os.environ.get("SAM_CLI")
    bin_dir = Path(sam).parent if sam else ROOT / ".venv-sam" / "bin"
    path = bin_dir / name
    if not path.exists():
        msg = f"{path} is missing: run `make sam-tools` (make test does)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return str(path)
