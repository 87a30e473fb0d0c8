"""The differential harness (devkit/differential.py) can tell two behaviours apart, and does not invent differences.

On a small corpus (three tables of the peers' matrix, read_db's tables, twenty generated WriteData batches):
HEAD against itself reports no difference; HEAD against a copy whose base64 read codec reverses the bytes
reports the binary values it changed, as a diff.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.differential import Report, prepare_tree, run_differential
from devkit.differential_corpus import Corpus, build_corpus
from devkit.mariadb import ServerAddress
from tests.conftest import server_is_mariadb

ROOT = Path(__file__).resolve().parent.parent
# the read codec of binary values, wherever a refactor puts it (paging's urlsafe_b64encode is the nextToken)
BASE64_CALL = re.compile(r"(?<!urlsafe_)b64encode\((\w+)\)")


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[tuple[Path, str], tuple[Path, str]]]:
    """HEAD exported, and a copy of it with one deliberate change in a read codec."""
    workdir = tmp_path_factory.mktemp("differential")
    head = prepare_tree("HEAD", workdir, "head", ROOT)
    changed = workdir / "changed"
    shutil.copytree(head[0], changed)
    patched = 0
    for path in sorted((changed / "connector").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        new, count = BASE64_CALL.subn(r"b64encode(\1[::-1])", text)
        if count:
            path.write_text(new, encoding="utf-8")
            patched += count
    assert patched, "no base64 read codec found under connector/ to change: update BASE64_CALL"
    yield head, (changed, "HEAD with reversed base64")
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def small_corpus(mysql_server: ServerAddress) -> Corpus:
    with mysql_server.connect() as admin:
        mariadb = server_is_mariadb(admin)
    return build_corpus(5, peer_tables=3, write_batches=20, write_tables=["w_text", "w_int"], mariadb=mariadb)


def _run(old: tuple[Path, str], new: tuple[Path, str], corpus: Corpus, server: ServerAddress, endpoint: str,
         tmp_path: Path) -> Report:
    return run_differential(old, new, corpus, server, endpoint, tmp_path)


def test_the_corpus_is_deterministic_and_covers_every_request_and_operation() -> None:
    corpus = build_corpus(23)
    assert corpus.events == build_corpus(23).events and corpus.setup == build_corpus(23).setup
    assert corpus.events != build_corpus(24).events
    assert 2_000 <= len(corpus.events) <= 6_000
    types = Counter(event["type"] for event in corpus.events)
    assert set(types) == {"DescribeConnectorConfigurationRequest", "ValidateCredentialsRequest",
                          "ValidateConnectorRuntimeSettingsRequest", "ListEntitiesRequest", "DescribeEntityRequest",
                          "QueryDataRequest", "RetrieveDataRequest", "WriteDataRequest"}
    assert types["WriteDataRequest"] == 1000
    operations = Counter(event["operation"] for event in corpus.events if event["type"] == "WriteDataRequest")
    assert set(operations) == {"INSERT", "UPSERT", "UPDATE", "DELETE"}
    filtered = [event for event in corpus.events if "filterExpression" in event]
    assert len(filtered) >= 1000
    # every write is read back
    for i, event in enumerate(corpus.events):
        if event["type"] == "WriteDataRequest":
            after = corpus.events[i + 1]
            assert after["type"] == "QueryDataRequest" and after["entityIdentifier"] == event["entityIdentifier"]


def test_head_against_itself_reports_no_difference(trees: tuple[tuple[Path, str], tuple[Path, str]],
                                                   small_corpus: Corpus, mysql_server: ServerAddress, aws_env: str,
                                                   tmp_path: Path) -> None:
    head, _ = trees
    report = _run(head, head, small_corpus, mysql_server, aws_env, tmp_path)
    assert report.differences == [], report.summary()
    assert len(report.old.answers) == len(report.new.answers) > len(small_corpus.events) >= 150
    assert "different: 0" in report.summary()


def test_a_changed_codec_is_reported_as_a_difference(trees: tuple[tuple[Path, str], tuple[Path, str]],
                                                     small_corpus: Corpus, mysql_server: ServerAddress, aws_env: str,
                                                     tmp_path: Path) -> None:
    head, changed = trees
    report = _run(head, changed, small_corpus, mysql_server, aws_env, tmp_path)
    assert report.differences, report.summary()
    assert report.identical > len(report.differences)  # only the answers that hold binary values change
    changed_events = {small_corpus.events[d.event]["entityIdentifier"].split(".", 1)[1]
                      for d in report.differences}
    assert "all_types" in changed_events
    summary = report.summary(show=1)
    assert f"different: {len(report.differences)}" in summary
    assert "\n--- old\n+++ new\n" in summary and "\n-" in summary and "\n+" in summary
