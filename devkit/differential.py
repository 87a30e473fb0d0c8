"""Differential run: two versions of the connector answer the same AppFlow events; every answer must be the same.

    python -m devkit.differential OLD_REV [NEW_REV_OR_PATH]     # NEW: this working tree by default
    make differential OLD=HEAD~5 [NEW=...]

OLD and NEW are git revisions (exported with ``git archive`` into a temporary directory, removed at the end) or
paths of source trees (used as they are). One throwaway MariaDB (devkit.mariadb; ``MYSQL_TEST_URL`` for an
existing server) and moto's Secrets Manager serve both. The corpus (devkit/differential_corpus.py: the peers'
value matrix read back every way, and seeded-random WriteData batches, each read back) runs once per tree, in a
subprocess whose cwd and PYTHONPATH are that tree (devkit/differential_runner.py), against a freshly built copy
of the same database (same name, same content, same auto-increment counters): writes change state, and the
nextTokens are bound to the entity's name, so both sides see identical databases one after the other.

The answers are compared one by one (every page of a followed nextToken is an answer). The summary says how many
events and answers ran, how long each side took, how many answers are identical, and shows the first differences
as unified diffs of the pretty-printed JSON. Exit status: 0 identical, 1 a difference, 2 the harness failed.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import io
import json
import os
import shutil
import ssl
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymysql

from appflow_mysql.local_secrets import ENDPOINT_ENV, FAKE_AWS_ENV, local_secrets_manager, put_secret
from devkit.differential_corpus import DB, Corpus, build_corpus, iter_lines
from devkit.mariadb import MySQLServer, ServerAddress

__all__ = ["Answer", "Report", "main", "prepare_tree", "run_differential"]

RUNNER = Path(__file__).with_name("differential_runner.py")
RUN_TIMEOUT = 1800.0
_LINE_CHARS = 240


# --- the trees -----------------------------------------------------------------------------------------------

def repo_root(where: Path | None = None) -> Path:
    out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=where, check=True, capture_output=True,
                         text=True)
    return Path(out.stdout.strip()).resolve()


def prepare_tree(spec: str, workdir: Path, label: str, repo: Path | None = None) -> tuple[Path, str]:
    """A source tree for ``spec``: an existing directory as it is, else a git revision exported into
    ``workdir/label``. Returns the tree and how the summary names it."""
    if Path(spec).is_dir():
        path = Path(spec).resolve()
        return path, str(path)
    repo = repo or repo_root()
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{spec}^{{commit}}"], cwd=repo, check=True,
                            capture_output=True, text=True).stdout.strip()
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=repo, check=True,
                             capture_output=True).stdout
    target = workdir / label
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target.resolve(), f"{spec} ({commit[:10]})"


# --- one side ------------------------------------------------------------------------------------------------

@dataclass
class Side:
    label: str
    tree: Path
    answers: list[tuple[int, int, str]] = field(default_factory=list)  # (event, page, canonical JSON)
    seconds: float = 0.0


@dataclass(frozen=True)
class Answer:
    event: int
    page: int
    old: str | None
    new: str | None


@dataclass
class Report:
    events: list[dict[str, Any]]
    old: Side
    new: Side
    differences: list[Answer]
    setup_seconds: float = 0.0

    @property
    def answers(self) -> int:
        return max(len(self.old.answers), len(self.new.answers))

    @property
    def identical(self) -> int:
        return self.answers - len(self.differences)

    def summary(self, show: int = 3) -> str:
        lines = [
            f"events: {len(self.events)}; answers: old {len(self.old.answers)}, new {len(self.new.answers)} "
            f"(nextToken pages followed)",
            f"old: {self.old.label}: {self.old.seconds:.1f} s",
            f"new: {self.new.label}: {self.new.seconds:.1f} s",
            f"identical answers: {self.identical} of {self.answers}; different: {len(self.differences)}",
        ]
        for difference in self.differences[:show]:
            lines += ["", f"--- event {difference.event} page {difference.page}: "
                          f"{describe(self.events[difference.event])}"]
            lines += _diff(difference.old, difference.new)
        if len(self.differences) > show:
            lines.append(f"... and {len(self.differences) - show} more differences")
        return "\n".join(lines)


def describe(event: dict[str, Any]) -> str:
    parts = [str(event.get("type"))]
    for key in ("entityIdentifier", "operation", "idFieldNames", "idFieldName", "filterExpression", "maxResults",
                "selectedFieldNames", "_settings"):
        if key in event:
            parts.append(f"{key}={event[key]!r}")
    if "records" in event:
        parts.append(f"records={len(event['records'])}: {json.dumps(event['records'])[:400]}")
    return " ".join(parts)


def _readable(value: Any) -> Any:
    """An answer for the eye: each record (a JSON string) as the object it holds, one field a line."""
    if isinstance(value, dict):
        return {key: _readable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_readable(item) for item in value]
    if isinstance(value, str) and value.startswith("{"):
        try:
            return {"(record)": json.loads(value)}
        except ValueError:
            return value
    return value


def _shorten(line: str) -> str:
    """A long line as its ends, its length and a digest (two lines that differ past the cut still differ)."""
    if len(line) <= _LINE_CHARS:
        return line
    digest = hashlib.sha256(line.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{line[:_LINE_CHARS // 2]} ... {line[-_LINE_CHARS // 4:]} ({len(line)} chars, sha256 {digest})"


def _pretty(text: str | None) -> list[str]:
    if text is None:
        return ["(no answer)"]
    pretty = json.dumps(_readable(json.loads(text)), indent=1, sort_keys=True, ensure_ascii=False)
    return [_shorten(line) for line in pretty.splitlines()]


def _diff(old: str | None, new: str | None, max_lines: int = 60) -> list[str]:
    lines = list(difflib.unified_diff(_pretty(old), _pretty(new), "old", "new", n=2, lineterm=""))
    return lines[:max_lines] + ([f"... ({len(lines) - max_lines} more diff lines)"] if len(lines) > max_lines else [])


def _canonical(response: Any, database: str) -> str:
    """One answer as comparable text: sorted keys, the run's database name as @DB@."""
    return json.dumps(response, sort_keys=True).replace(database, DB)


def run_side(side: Side, config: Path, env: dict[str, str], database: str, log: Path) -> None:
    """Answer the events with ``side.tree``'s code in a subprocess; load its answers."""
    started = time.monotonic()
    with log.open("w") as out:
        done = subprocess.run([sys.executable, "-c", RUNNER.read_text(encoding="utf-8"), str(config)],
                              cwd=side.tree, env={**env, "PYTHONPATH": str(side.tree)}, stdout=out, stderr=out,
                              timeout=RUN_TIMEOUT, check=False)
    side.seconds = time.monotonic() - started
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        msg = f"the {side.label} tree's runner exited with status {done.returncode}:\n{tail}"
        raise RuntimeError(msg)
    responses = Path(json.loads(config.read_text())["responses"])
    with responses.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            side.answers.append((item["event"], item["page"], _canonical(item["response"], database)))


def compare(old: Side, new: Side) -> list[Answer]:
    olds = {(e, p): text for e, p, text in old.answers}
    news = {(e, p): text for e, p, text in new.answers}
    keys = sorted(set(olds) | set(news))
    return [Answer(e, p, olds.get((e, p)), news.get((e, p))) for e, p in keys if olds.get((e, p)) != news.get((e, p))]


# --- the database ------------------------------------------------------------------------------------------

def build_database(admin: Any, database: str, user: str, corpus: Corpus) -> None:
    """The corpus's tables, from nothing: both sides start from the same content and counters."""
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
        cur.execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        cur.execute(f"USE `{database}`")
        for statement in corpus.setup:
            cur.execute(statement)
        cur.execute("SET SESSION sql_mode = DEFAULT")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.* TO '{user}'@'%'")


def _trust_file(server: ServerAddress, workdir: Path) -> Path | None:
    """The system CAs and the throwaway server's CA, for OpenSSL's SSL_CERT_FILE (as the test session does)."""
    if not server.ca_file:
        return None
    system = ssl.get_default_verify_paths().cafile
    trust = workdir / "system-and-test-ca.pem"
    trust.write_bytes((Path(system).read_bytes() if system else b"") + Path(server.ca_file).read_bytes())
    return trust


def runner_env(endpoint: str, trust: Path | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("POWERTOOLS_METRICS_NAMESPACE", "PYTHONPATH", "PYTHONSAFEPATH", "PYTHONSTARTUP")}
    env.update(FAKE_AWS_ENV)
    env.update({ENDPOINT_ENV: endpoint, "PYTHONHASHSEED": "0", "TZ": "UTC", "POWERTOOLS_LOG_LEVEL": "WARNING",
                "PYTHONDONTWRITEBYTECODE": "1"})
    if trust is not None:
        env["SSL_CERT_FILE"] = str(trust)
    return env


def run_differential(old: tuple[Path, str], new: tuple[Path, str], corpus: Corpus, server: ServerAddress,
                     endpoint: str, workdir: Path, progress: bool = False) -> Report:
    """Answer ``corpus`` with both trees, each on its own fresh build of the database; compare."""
    suffix = uuid.uuid4().hex[:6]
    database, user, password = f"diffdb_{suffix}", f"diff_{suffix}", "diff-" + os.urandom(8).hex()
    events_file = workdir / "events.jsonl"
    events_file.write_text("".join(line + "\n" for line in iter_lines(corpus)), encoding="utf-8")
    arn = put_secret(endpoint, f"appflow!123456789012-mysql-diff-{suffix}", {
        "customAuthenticationType": "MySQL", "host": server.host, "port": str(server.port), "database": database,
        "username": user, "password": password})
    env = runner_env(endpoint, _trust_file(server, workdir))
    sides = [Side(old[1], old[0]), Side(new[1], new[0])]
    admin = server.connect()
    setup_seconds = 0.0
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (password,))
        for name, side in zip(("old", "new"), sides, strict=True):
            started = time.monotonic()
            build_database(admin, database, user, corpus)
            setup_seconds += time.monotonic() - started
            config = workdir / f"{name}.json"
            config.write_text(json.dumps({"events": str(events_file), "responses": str(workdir / f"{name}.jsonl"),
                                          "secretArn": arn, "database": database}))
            if progress:
                print(f"{name}: {side.label}: answering {len(corpus.events)} events ...", flush=True)
            run_side(side, config, env, database, workdir / f"{name}.log")
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
        admin.close()
    return Report(corpus.events, sides[0], sides[1], compare(sides[0], sides[1]), setup_seconds)


def server_is_mariadb(server: ServerAddress) -> bool:
    with server.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT VERSION() LIKE '%%MariaDB%%'")
        row = cur.fetchone()
    return bool(row and row[0])


@contextmanager
def _workdir(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="appflow-differential-"))
    try:
        yield path
    finally:
        if keep:
            print(f"kept {path}", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devkit.differential", description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="git revision or source tree of the old code")
    parser.add_argument("new", nargs="?", help="git revision or source tree of the new code (default: this working "
                                                "tree)")
    parser.add_argument("--seed", type=int, default=23, help="seed of the generated records (default 23)")
    parser.add_argument("--batches", type=int, default=1000, help="generated WriteData batches (default 1000)")
    parser.add_argument("--peer-tables", type=int, default=None, help="only the first N tables of the value matrix")
    parser.add_argument("--show", type=int, default=3, help="differences shown as diffs (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (trees, events, answers)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    repo = repo_root()
    with _workdir(args.keep) as workdir:
        try:
            old = prepare_tree(args.old, workdir, "old", repo)
            new = prepare_tree(args.new, workdir, "new", repo) if args.new else (repo, f"working tree {repo}")
            server = MySQLServer(workdir / "server")
            with server as address, local_secrets_manager() as endpoint:
                corpus = build_corpus(args.seed, peer_tables=args.peer_tables, write_batches=args.batches,
                                      mariadb=server_is_mariadb(address))
                report = run_differential(old, new, corpus, address, endpoint, workdir, progress=True)
        except (RuntimeError, pymysql.err.MySQLError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else ""
            print(f"differential run failed: {exc}\n{detail or ''}", file=sys.stderr)
            return 2
    print(report.summary(args.show))
    print(f"setup of the two databases: {report.setup_seconds:.1f} s; total {time.monotonic() - started:.1f} s")
    print("no difference" if not report.differences else f"{len(report.differences)} answers differ")
    return 1 if report.differences else 0


if __name__ == "__main__":
    sys.exit(main())
