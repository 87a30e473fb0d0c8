"""The differential harness (devkit/differential.py) can tell two behaviours apart, and does not invent differences.

On a small corpus (three tables of the peers' matrix, read_db's tables, the credential and doctor events, the key,
write-path and response-budget tables, twenty generated WriteData batches): HEAD against itself reports no
difference, and its ValidateCredentials answers both pass and fail; HEAD against a copy whose base64 read codec
reverses the bytes reports the binary values it changed, as a diff. The part under other server settings runs
HEAD against itself on the session's own server (it sets global variables) and puts them back. ``normalize``
takes out what is particular to a run and nothing else.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.differential import Report, RunSpecifics, normalize, prepare_tree, run_differential
from devkit.differential_corpus import SECRET_VARIANTS, SERVER_SETTINGS, Corpus, build_corpus
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
    return build_corpus(5, peer_tables=3, write_batches=20, write_tables=["w_text", "w_int"], mariadb=mariadb,
                        server_variant=False)


def _run(old: tuple[Path, str], new: tuple[Path, str], corpus: Corpus, server: ServerAddress, endpoint: str,
         tmp_path: Path) -> Report:
    return run_differential(old, new, corpus, server, endpoint, tmp_path)


def _every_write_is_read_back(corpus: Corpus) -> None:
    for i, event in enumerate(corpus.events):
        if event["type"] == "WriteDataRequest":
            after = corpus.events[i + 1]
            assert after["type"] == "QueryDataRequest" and after["entityIdentifier"] == event["entityIdentifier"]


def test_the_corpus_is_deterministic_and_covers_every_request_and_operation() -> None:
    corpus = build_corpus(23)
    again = build_corpus(23)
    assert corpus.events == again.events and corpus.setup == again.setup
    assert [(v.setup, v.events, v.server_settings) for v in corpus.variants] == \
        [(v.setup, v.events, v.server_settings) for v in again.variants]
    assert corpus.events != build_corpus(24).events
    assert 3_000 <= len(corpus.events) <= 6_000
    types = Counter(event["type"] for event in corpus.events)
    assert set(types) == {"DescribeConnectorConfigurationRequest", "ValidateCredentialsRequest",
                          "ValidateConnectorRuntimeSettingsRequest", "ListEntitiesRequest", "DescribeEntityRequest",
                          "QueryDataRequest", "RetrieveDataRequest", "WriteDataRequest", "DiagnoseRequest"}
    assert types["WriteDataRequest"] - Counter(e["type"] for e in build_corpus(23, write_batches=0).events)[
        "WriteDataRequest"] == 1000
    operations = Counter(event["operation"] for event in corpus.events if event["type"] == "WriteDataRequest")
    assert set(operations) == {"INSERT", "UPSERT", "UPDATE", "DELETE"}
    filtered = [event for event in corpus.events if "filterExpression" in event]
    assert len(filtered) >= 1000
    _every_write_is_read_back(corpus)
    # credentials are really validated: every ValidateCredentials carries credentials, for each secret variant
    # (good, wrong password, unknown user, closed port, unresolvable host, no database), and so does the doctor
    validations = [e for e in corpus.events if e["type"] == "ValidateCredentialsRequest"]
    assert all(set(e["credentials"]) == {"secretArn", "authenticationType"} for e in validations)
    named = {e["credentials"]["secretArn"] for e in validations}
    diagnosed = {e["secretArn"] for e in corpus.events if e["type"] == "DiagnoseRequest"}
    assert {f"@SECRET:{name}@" for name in SECRET_VARIANTS} <= named & diagnosed
    assert {"wrongpw", "nouser", "closedport", "nohost", "nodb"} <= set(SECRET_VARIANTS)
    assert SECRET_VARIANTS["nohost"]["host"].endswith(".invalid")
    # key tables: each read by its keys, filtered by them and written by them
    for table in [t for t in corpus.tables if t.startswith("k_") and t not in ("k_comp", "k_autof", "k_autoc")]:
        mine = [e for e in corpus.events if e.get("entityIdentifier") == f"@DB@.{table}"]
        kinds = {(e["type"], e.get("operation")) for e in mine}
        assert {("RetrieveDataRequest", None), ("QueryDataRequest", None), ("WriteDataRequest", "UPDATE"),
                ("WriteDataRequest", "UPSERT"), ("WriteDataRequest", "DELETE"), ("WriteDataRequest", "INSERT")} \
            <= kinds, table
        assert any("filterExpression" in e for e in mine), table
    assert {"k_uuid", "k_inet6"} <= set(corpus.tables)
    assert not {"k_uuid", "k_inet6"} & set(build_corpus(23, mariadb=False).tables)
    assert {"big_rows", "big_kl", "mid_rows", "mid_kl", "w_dup", "w_prefix", "w_myisam", "w_aon"} <= set(corpus.tables)
    # the part under other server settings
    [variant] = corpus.variants
    assert variant.server_settings == SERVER_SETTINGS and not variant.variants
    _every_write_is_read_back(variant)
    assert build_corpus(23, server_variant=False).variants == []


def _answers(report: Report, side: str = "old") -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(event, answer) of one side of a report."""
    return [(report.events[event], json.loads(text)) for event, _, text in getattr(report, side).answers]


def test_head_against_itself_reports_no_difference(trees: tuple[tuple[Path, str], tuple[Path, str]],
                                                   small_corpus: Corpus, mysql_server: ServerAddress, aws_env: str,
                                                   tmp_path: Path) -> None:
    head, _ = trees
    report = _run(head, head, small_corpus, mysql_server, aws_env, tmp_path)
    assert report.differences == [], report.summary()
    assert len(report.old.answers) == len(report.new.answers) > len(small_corpus.events) >= 150
    assert "different: 0" in report.summary()
    # the credentials are validated for real: the good secret passes, the broken ones fail (a ValidateCredentials
    # without credentials fails the same shape check whatever the secret: this holds that bug off)
    validated = {answer["isSuccess"] for event, answer in _answers(report)
                 if event["type"] == "ValidateCredentialsRequest"}
    assert validated == {True, False}
    diagnosed = {event["secretArn"]: answer["isSuccess"] for event, answer in _answers(report)
                 if event["type"] == "DiagnoseRequest" and set(event) == {"type", "secretArn"}
                 and event["secretArn"].startswith("@SECRET:")}
    assert diagnosed == {f"@SECRET:{name}@": name == "good" for name in SECRET_VARIANTS}
    texts = "\n".join(text for _, _, text in report.old.answers)
    for stand_in in ("@DB_PORT@", "@CLOSED_PORT@", "@SM_PORT@", "@USER@", "@SECRET:good@", "(N ms)"):
        assert stand_in in texts


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


@pytest.mark.needs_local_server("SET GLOBAL max_allowed_packet, sql_mode and auto_increment_increment")
def test_the_server_settings_part_runs_under_them_and_puts_them_back(
        trees: tuple[tuple[Path, str], tuple[Path, str]], mysql_server: ServerAddress, aws_env: str,
        tmp_path: Path) -> None:
    head, _ = trees
    corpus = build_corpus(5, read_tables=False, peer_tables=0, write_batches=0, write_tables=[], targeted=False)
    names = ", ".join(f"@@GLOBAL.{name}" for name in SERVER_SETTINGS)
    with mysql_server.connect() as admin, admin.cursor() as cur:
        cur.execute(f"SELECT {names}")
        before = cur.fetchone()
    report = _run(head, head, corpus, mysql_server, aws_env, tmp_path)
    with mysql_server.connect() as admin, admin.cursor() as cur:
        cur.execute(f"SELECT {names}")
        assert cur.fetchone() == before
    assert report.differences == [], report.summary()
    assert not corpus.events and len(report.events) == len(corpus.variants[0].events)
    texts = "\n".join(text for _, _, text in report.old.answers)
    assert "one statement may carry at most 0.06 MiB" in texts  # max_allowed_packet 64 KiB
    auto_ids = [[result["recordId"] for result in answer["writeRecordResults"]] for event, answer in _answers(report)
                if event["type"] == "WriteDataRequest" and event["entityIdentifier"].endswith(".c_auto")]
    assert auto_ids[1] == ["16", "19", "22"]  # auto_increment_increment 3


def test_normalize_takes_out_what_is_particular_to_a_run() -> None:
    run = RunSpecifics.of({"diffdb_abc123": "@DB@", "diff_abc123": "@USER@", "/tmp/work": "@WORKDIR@",
                           "arn:aws:secretsmanager:us-east-1:1:secret:x-good-AbCdEf": "@SECRET:good@"},
                          {41234: "@DB_PORT@", 51000: "@CLOSED_PORT@"})
    answer = {
        "isSuccess": False, "summary": "First broken link: Database TCP 51000.",
        "checks": [{"name": "Database TCP 51000", "seconds": 0.031, "detail": "127.0.0.1:41234 accepts (3 ms)"}],
        "errorDetails": {"errorMessage": "user 'diff_abc123' at 127.0.0.1:41234 on diffdb_abc123 (/tmp/work/new/x.py; "
                                         "arn:aws:secretsmanager:us-east-1:1:secret:x-good-AbCdEf); port 412345"},
        "records": ['{"id": 41234, "t": "diffdb_abc123 (3 ms)"}'],
    }
    text = normalize(answer, run, Path("/tmp/work/new"))
    assert json.loads(text) == {
        "isSuccess": False, "summary": "First broken link: Database TCP @CLOSED_PORT@.",
        "checks": [{"name": "Database TCP @CLOSED_PORT@", "seconds": 0,
                    "detail": "127.0.0.1:@DB_PORT@ accepts (N ms)"}],
        "errorDetails": {"errorMessage": "user '@USER@' at 127.0.0.1:@DB_PORT@ on @DB@ (@TREE@/x.py; @SECRET:good@); "
                                         "port 412345"},
        "records": ['{"id": 41234, "t": "@DB@ (3 ms)"}'],  # the data keeps its numbers; only names are replaced
    }
    assert text == normalize(json.loads(json.dumps(answer)), run, Path("/tmp/work/new"))
    assert list(json.loads(text)) == sorted(json.loads(text))
