"""`sam build` without Docker or a local python3.12, and what the artifact holds.

The Lambda artifact is for arm64; this machine may not be. So the recipe behind
`sam build` (mk/deploy.mk, build-ConnectorFunction) is also run for this machine's
platform and Python, into a second directory; the tests prove both hold the same files
(compiled extensions aside), that every compiled extension of the Lambda artifact is for
aarch64, and then import the handler from the local twin alone in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import platform
import re
import socket
import struct
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

from connector.database import RDS_CA_BUNDLE
from tests.sam_tools import ROOT, tool

MAX_UNZIPPED_BYTES = 20 * 1024 * 1024
NOT_SHIPPED = {"devkit", "tests", "bench", "events", "mk", ".venv", ".venv-sam", ".git", "template.yaml"}
# Heavy imports no DescribeConnectorConfiguration needs.
OFF_THE_COLD_PATH = ("boto3", "botocore", "antlr4", "custom_connector_queryfilter")
# What the Lambda Python runtime provides (/var/runtime), stood in for by the project venv's copies.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")


def _make(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _runtime_requirements() -> set[str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[=<>!~\[ ;]", dep, maxsplit=1)[0].lower().replace("-", "_") for dep in deps}
    return names - {"boto3", "botocore"}


@pytest.fixture(scope="session")
def pyc_python() -> str:
    """The python3.12 make compiles bytecode with ("" when this machine has none)."""
    return _make("-s", "pyc-python").stdout.strip()


@pytest.fixture(scope="session")
def sam_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    started = time.monotonic()
    run = subprocess.run(
        [tool("sam"), "build", "--build-in-source", "--build-dir", str(build_dir), "--template-file",
         str(ROOT / "template.yaml")],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return {"dir": build_dir / "ConnectorFunction", "template": build_dir / "template.yaml",
            "output": run.stdout + run.stderr, "seconds": time.monotonic() - started}


@pytest.fixture(scope="session")
def local_twin(tmp_path_factory: pytest.TempPathFactory, pyc_python: str) -> dict[str, Any]:
    """The same recipe for this machine's platform and for the interpreter that will import it."""
    python = pyc_python or sys.executable
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    target = tmp_path_factory.mktemp("local") / "ConnectorFunction"
    run = _make("build-ConnectorFunction", f"ARTIFACTS_DIR={target}",
                f"LAMBDA_PLATFORM=manylinux2014_{platform.machine()}", f"LAMBDA_PYTHON_VERSION={version}")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return {"dir": target, "python": python}


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _normalised(files: set[str]) -> set[str]:
    """File names with interpreter and platform tags removed (the only intended differences)."""
    out = set()
    for name in files:
        name = re.sub(r"\.cpython-\d+(-[\w-]+)?\.(so|pyc)$", r".\2", name)
        name = re.sub(r"\.abi3\.so$", ".so", name)
        out.add(name)
    return out


def _elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int(struct.unpack_from("<H", header, 18)[0])


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def test_sam_build_makes_an_arm64_artifact_with_every_runtime_dependency(sam_build: dict[str, Any]) -> None:
    art: Path = sam_build["dir"]
    top = {p.name for p in art.iterdir()}
    assert {"connector", "handlers"} <= top
    assert not top & NOT_SHIPPED
    assert (art / "handlers" / "app.py").is_file() and (art / "handlers" / "lambda_entry.py").is_file()
    # the CA bundle the default TLS mode trusts, byte for byte
    assert (art / "connector" / "certs" / "rds-global-bundle.pem").read_bytes() == RDS_CA_BUNDLE.read_bytes()
    shipped = {p.name.split("-")[0].lower() for p in art.glob("*.dist-info")}
    assert _runtime_requirements() <= shipped, f"missing: {_runtime_requirements() - shipped}"
    # boto3 and botocore are the Lambda runtime's (BUNDLE_BOTO3=1 ships them).
    assert not {"boto3", "botocore"} & (top | shipped)
    built = (sam_build["template"]).read_text()
    assert "CodeUri: ConnectorFunction" in built and "Runtime: python3.12" in built


def test_every_compiled_extension_in_the_artifact_is_for_lambda_arm64(sam_build: dict[str, Any]) -> None:
    extensions = list(sam_build["dir"].rglob("*.so"))
    for ext in extensions:
        assert _elf_machine(ext) == 183, f"{ext.name} is not aarch64"  # EM_AARCH64
        assert re.search(r"(cpython-312-aarch64-linux-gnu|abi3)\.so$", ext.name), ext.name


def test_artifact_fits_the_size_budget(sam_build: dict[str, Any]) -> None:
    size = _size(sam_build["dir"])
    print(f"\nartifact: {size / 1e6:.1f} MB unzipped, sam build took {sam_build['seconds']:.1f} s")
    assert size <= MAX_UNZIPPED_BYTES


def test_artifact_ships_python312_bytecode_that_a_zip_cannot_make_stale(
    sam_build: dict[str, Any], pyc_python: str
) -> None:
    art: Path = sam_build["dir"]
    sources = [p for p in art.rglob("*.py")]
    pycs = list(art.rglob("*.pyc"))
    if not pyc_python:  # what a machine without python3.12 gets: a warning, no bytecode
        assert "no python3.12 found" in sam_build["output"]
        assert not pycs
        return
    missing = [p for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.cpython-312.pyc").is_file()]
    assert not missing, missing[:5]
    assert all(".cpython-312." in p.name for p in pycs)
    for pyc in pycs:
        # PEP 552 flags: 0b01 = hash-based, source not checked (the zip's 1980 mtimes do not matter).
        assert struct.unpack_from("<I", pyc.read_bytes(), 4)[0] == 0b01, pyc


def test_the_local_twin_is_the_same_recipe(sam_build: dict[str, Any], local_twin: dict[str, Any]) -> None:
    lambda_files = _normalised(_files(sam_build["dir"]))
    local_files = _normalised(_files(local_twin["dir"]))
    # dist-info RECORD/WHEEL files differ in content only; names, modules and data are equal.
    only = (sorted(lambda_files - local_files)[:10], sorted(local_files - lambda_files)[:10])
    assert lambda_files == local_files, only


def _fresh_interpreter(python: str, path: list[Path], code: str, env: dict[str, str] | None = None) -> Any:
    """Run ``code`` in a new interpreter that sees only the stdlib and ``path`` (no site-packages)."""
    prelude = f"import sys; sys.path[:0] = {[str(p) for p in path]!r}\n"
    run = subprocess.run([python, "-S", "-s", "-E", "-B", "-c", prelude + code], capture_output=True, text=True,
                         timeout=120, check=False, cwd=path[0],
                         env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", **(env or {})})
    assert run.returncode == 0, run.stderr[-4000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


# The module template.yaml's Handler names, called as Lambda calls it (with a context).
ANSWER = """
import gc, json, time
from types import SimpleNamespace
t0 = time.perf_counter()
import handlers.lambda_entry
t1 = time.perf_counter()
event = json.load(open({event!r}))
context = SimpleNamespace(function_name="conn-ConnectorFunction-AbC", memory_limit_in_mb=1024, aws_request_id="r-1",
                          invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:conn-ConnectorFunction-AbC",
                          get_remaining_time_in_millis=lambda: 30000)
response = handlers.lambda_entry.lambda_handler(event, context)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print(json.dumps({{"response": response, "heavy": heavy, "import_ms": (t1 - t0) * 1000,
                  "frozen": gc.get_freeze_count()}}))
"""


def test_the_artifact_alone_answers_describe_connector_configuration(local_twin: dict[str, Any]) -> None:
    code = ANSWER.format(event=str(ROOT / "events" / "describe_connector_configuration.json"),
                         heavy=OFF_THE_COLD_PATH)
    result = _fresh_interpreter(local_twin["python"], [local_twin["dir"]], code)
    response = result["response"]
    assert response["isSuccess"] is True, response
    assert response["connectorName"] == "MySQL"
    assert response["connectorModes"] == ["SOURCE", "DESTINATION"]
    # No boto3 in the artifact, and none needed for this call; nor the filter parser.
    assert result["heavy"] == [], f"imported on the cold path of DescribeConnectorConfiguration: {result['heavy']}"
    assert result["frozen"] > 0  # the entry froze what its imports built


def test_the_artifact_with_the_runtimes_boto3_reaches_secrets_manager(
    local_twin: dict[str, Any], tmp_path: Path
) -> None:
    """ValidateCredentials needs boto3: from the runtime (here the project venv's copy), nothing else."""
    runtime = tmp_path / "var-runtime"
    runtime.mkdir()
    import importlib

    for name in RUNTIME_PACKAGES:
        origin = Path(importlib.import_module(name).__file__ or "")
        source = origin.parent if origin.name == "__init__.py" else origin
        (runtime / source.name).symlink_to(source)
    with socket.socket() as s:  # a port that refuses: Secrets Manager unreachable, answered fast
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    event = json.loads((ROOT / "events" / "validate_credentials.json").read_text())
    event["credentials"]["secretArn"] = (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow!123456789012-mysql-connector-p-AbCdEf")
    (tmp_path / "event.json").write_text(json.dumps(event))
    code = ANSWER.format(event=str(tmp_path / "event.json"), heavy=("boto3",))
    env = {"AWS_ENDPOINT_URL_SECRETS_MANAGER": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
    result = _fresh_interpreter(local_twin["python"], [local_twin["dir"], runtime], code, env)
    response = result["response"]
    assert response["isSuccess"] is False
    assert response["errorDetails"]["errorCode"] not in ("UnknownError", "InvalidArgument"), response
    assert f"127.0.0.1:{port}" in response["errorDetails"]["errorMessage"]
    assert "boto3" in result["heavy"]  # the runtime's, the only place it can come from here
