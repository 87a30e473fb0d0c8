"""Cold start of the built artifact: import the Lambda entry in a fresh interpreter, then one call.

The entry is handlers.lambda_entry (template.yaml's Handler): handlers.app, plus gc.freeze().

    .venv/bin/python bench/cold_start.py [--runs 9] [--python /path/to/python3.12]

Builds the artifact with the same recipe as `sam build` (mk/deploy.mk, build-ConnectorFunction)
for this machine's platform, packs it the way `sam deploy` does (a zip whose entries all carry
1980-01-01 timestamps), unpacks it with those timestamps as Lambda does into /var/task, and
times, in a fresh interpreter that cannot write bytecode (Lambda's /var/task is read-only):

* shipped        - the artifact as built: python3.12 bytecode, unchecked-hash .pyc
* no-pyc         - the same without __pycache__ (what a build without python3.12 ships)
* timestamp-pyc  - default (timestamp) .pyc: stale after the zip, so no better than none

Also reports the Lambda (arm64) artifact's size, unzipped and zipped. Results go to
bench/results/cold_start.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVENT = ROOT / "events" / "describe_connector_configuration.json"
TARGET_MS = 250
PROBE = """
import sys, time
from types import SimpleNamespace
t0 = time.perf_counter()
import handlers.lambda_entry
t1 = time.perf_counter()
import json
context = SimpleNamespace(function_name="bench", memory_limit_in_mb=1024, invoked_function_arn="arn:aws:lambda:::bench",
                          aws_request_id="bench", get_remaining_time_in_millis=lambda: 30000)
handlers.lambda_entry.lambda_handler(json.load(open(sys.argv[1])), context)
t2 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1000, "first_call_ms": (t2 - t1) * 1000}))
"""


def make(*args: str) -> str:
    run = subprocess.run(["make", "--no-print-directory", "-s", *args], cwd=ROOT, capture_output=True, text=True,
                         check=False)
    if run.returncode:
        sys.exit(f"make {' '.join(args)} failed:\n{run.stdout}{run.stderr}")
    return run.stdout.strip()


def build(target: Path, platform_tag: str, python_version: str) -> None:
    make("build-ConnectorFunction", f"ARTIFACTS_DIR={target}", f"LAMBDA_PLATFORM={platform_tag}",
         f"LAMBDA_PYTHON_VERSION={python_version}")


def sam_zip(source: Path, zip_path: Path) -> None:
    """Like samcli's make_zip: deflated, every entry dated 1980-01-01 00:00:00."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(str(path.relative_to(source)))
                info.external_attr = 0o100755 << 16
                zf.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)


def unzip_like_lambda(zip_path: Path, target: Path) -> None:
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            out = Path(zf.extract(info, target))
            stamp = __import__("time").mktime((*info.date_time, 0, 0, -1))
            os.utime(out, (stamp, stamp))


def tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def probe(python: str, task: Path) -> dict[str, float]:
    run = subprocess.run([python, "-S", "-s", "-E", "-B", "-c", f"import sys; sys.path[:0] = [{str(task)!r}]\n"
                          + PROBE, str(EVENT)], cwd=task, capture_output=True, text=True, check=True,
                         env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"})
    return dict(json.loads(run.stdout.strip().splitlines()[-1]))


def summary(samples: list[dict[str, float]]) -> dict[str, float]:
    imports = [s["import_ms"] for s in samples]
    return {"import_ms_median": round(statistics.median(imports), 1), "import_ms_min": round(min(imports), 1),
            "first_call_ms_median": round(statistics.median(s["first_call_ms"] for s in samples), 1)}


def bytecode_use(python: str, task: Path) -> dict[str, int]:
    """Of the artifact's modules imported by the Lambda entry: how many loaded .pyc, how many compiled."""
    run = subprocess.run([python, "-S", "-s", "-E", "-B", "-v", "-c",
                          f"import sys; sys.path[:0] = [{str(task)!r}]; import handlers.lambda_entry"],
                         cwd=task, capture_output=True, text=True, check=True, env={"PATH": os.environ.get("PATH", "")})
    lines = [line for line in run.stderr.splitlines() if str(task) in line]
    loaded = sum(1 for line in lines if line.startswith("# code object from") and ".pyc" in line)
    compiled = sum(1 for line in lines if line.startswith("# code object from") and ".pyc" not in line)
    return {"modules_from_pyc": loaded, "modules_compiled": compiled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--python", help="interpreter to import with (default: the python3.12 the build uses)")
    args = parser.parse_args()
    python = args.python or make("pyc-python") or sys.executable
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    results: dict[str, object] = {"python": python, "python_version": version, "machine": platform.machine(),
                                  "runs": args.runs, "target_import_ms": TARGET_MS}
    if version != "3.12":
        print(f"note: importing with Python {version}, not the runtime's 3.12", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        lambda_art = tmp / "lambda" / "ConnectorFunction"
        build(lambda_art, "manylinux2014_aarch64", "3.12")
        sam_zip(lambda_art, tmp / "lambda.zip")
        results["lambda_artifact"] = {"unzipped_mb": round(tree_size(lambda_art) / 1e6, 2),
                                      "zipped_mb": round((tmp / "lambda.zip").stat().st_size / 1e6, 2),
                                      "pyc_files": sum(1 for _ in lambda_art.rglob("*.pyc"))}

        twin = tmp / "twin" / "ConnectorFunction"
        build(twin, f"manylinux2014_{platform.machine()}", version)
        variants = {"shipped": twin, "no-pyc": tmp / "no-pyc", "timestamp-pyc": tmp / "timestamp-pyc"}
        shutil.copytree(twin, variants["no-pyc"], ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(twin, variants["timestamp-pyc"], ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run([python, "-m", "compileall", "-q", "-j", "0", str(variants["timestamp-pyc"])],
                       check=True, capture_output=True)
        tasks = {}
        for name, source in variants.items():
            tasks[name] = tmp / f"task-{name}"
            sam_zip(source, tmp / f"{name}.zip")
            unzip_like_lambda(tmp / f"{name}.zip", tasks[name])
            probe(python, tasks[name])  # warm the OS file cache, as a provisioned sandbox would be
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in tasks}
        for _ in range(args.runs):  # interleaved, so that load from elsewhere hits every variant alike
            for name, task in tasks.items():
                samples[name].append(probe(python, task))
        timings = {name: summary(samples[name]) | bytecode_use(python, task) for name, task in tasks.items()}
        results["cold_import"] = timings

    out = ROOT / "bench" / "results" / "cold_start.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    art = results["lambda_artifact"]
    assert isinstance(art, dict)
    print(f"Lambda artifact (arm64): {art['unzipped_mb']} MB unzipped, {art['zipped_mb']} MB zipped, "
          f"{art['pyc_files']} .pyc")
    print(f"cold import of handlers.lambda_entry, Python {version} on {platform.machine()}, median of {args.runs}:")
    for name, t in timings.items():
        verdict = "ok" if t["import_ms_median"] <= TARGET_MS else f"over {TARGET_MS} ms"
        print(f"  {name:14} {t['import_ms_median']:7.1f} ms  (min {t['import_ms_min']:.1f}; first "
              f"call {t['first_call_ms_median']:.1f} ms; {t['modules_from_pyc']} modules from .pyc, "
              f"{t['modules_compiled']} compiled)  {verdict}")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
