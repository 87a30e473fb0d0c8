"""The ``appflow-mysql`` command: the connector's Lambda entry point, run from a shell.

Every subcommand answers through ``handlers.app.lambda_handler`` (in-process), the
function AppFlow invokes, so what runs here is what runs in AWS.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import click

from appflow_mysql.output import FORMATS
from appflow_mysql.runtime import Profile, auth_type_of, parse_settings_option
from connector.limits import DEFAULT_MAX_RESULTS

__all__ = ["cli", "main"]

_SETTING_HELP = ("Connector runtime setting KEY=VALUE, repeatable: tlsCaBundle=/path/ca.pem (the default tlsMode "
                 "VERIFY_IDENTITY checks the server's certificate), tlsMode=PREFERRED (a local server without "
                 "TLS), host=..., port=..., database=... (BasicAuth), sourceTimeZone=Asia/Tokyo, ...")
_CREDENTIALS_HELP = ("Local JSON file with the profile secret, for development: CustomAuth {customAuthenticationType: "
                     "MySQL, host, port, database, username, password} or BasicAuth {username, password}. Served "
                     "from an in-process Secrets Manager, so the connector reads it as in Lambda.")


def _settings(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> dict[str, str]:
    try:
        return parse_settings_option(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _require(module: str, extra: str, feature: str) -> None:
    """Stop with the install command when an optional dependency of a feature is missing."""
    if importlib.util.find_spec(module) is None:
        msg = f"{feature} needs the '{extra}' extra: pip install 'appflow-mysql-connector[{extra}]'"
        raise click.UsageError(msg)


@contextmanager
def _profile(secret_arn: str | None, credentials_file: Path | None, auth_type: str | None,
             settings: dict[str, str]) -> Iterator[Profile]:
    """The connection profile: a secret ARN as is, or a local file served as a secret."""
    from appflow_mysql.runtime import secret_from_file

    if (secret_arn is None) == (credentials_file is None):
        msg = "give exactly one of --secret-arn ARN and --credentials-file FILE"
        raise click.UsageError(msg)
    if secret_arn is not None:
        yield Profile(secret_arn, auth_type or "CustomAuth", settings)  # type: ignore[arg-type]
        return
    assert credentials_file is not None
    _require("moto", "local", "--credentials-file")
    with ExitStack() as stack:
        try:
            arn, secret = stack.enter_context(secret_from_file(credentials_file))
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        yield Profile(arn, auth_type or auth_type_of(secret), settings)  # type: ignore[arg-type]


def _profile_options(function: Any) -> Any:
    for option in reversed([
        click.option("--secret-arn", metavar="ARN", help="The profile's Secrets Manager secret (any endpoint "
                     "botocore reaches: AWS credentials and region from the environment as usual; "
                     "AWS_ENDPOINT_URL_SECRETS_MANAGER overrides the endpoint). A MySQL-DatabaseSecret profile's "
                     "database secret must be listed in DATABASE_SECRET_ARNS, as in the function."),
        click.option("--credentials-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     metavar="FILE", help=_CREDENTIALS_HELP),
        click.option("--auth-type", type=click.Choice(["CustomAuth", "BasicAuth"]),
                     help="Authentication type of the profile [default: CustomAuth, or from the credentials file]."),
        click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE", callback=_settings,
                     help=_SETTING_HELP),
    ]):
        function = option(function)
    return function


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", is_flag=True, help="Show the connector's JSON log lines (Powertools, INFO).")
@click.version_option(package_name="appflow-mysql-connector")
def cli(verbose: bool) -> None:
    """Run the AppFlow MySQL connector locally, through the same entry point Lambda calls.

    \b
      appflow-mysql flow appdb.orders --credentials-file local.json --setting tlsMode=PREFERRED
      appflow-mysql invoke events/validate_credentials.json --credentials-file local.json
      appflow-mysql doctor --secret-arn arn:aws:secretsmanager:...:secret:appflow!...
    """
    if verbose:
        os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"
    else:  # the JSON log lines would drown the output
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    # CloudWatch metrics lines belong in the Lambda's log, not in this command's output (JSON, files).
    os.environ.pop("POWERTOOLS_METRICS_NAMESPACE", None)


@cli.command()
@click.argument("entity")
@_profile_options
@click.option("--filter", "filter_expression", metavar="EXPR",
              help="AppFlow filter DSL, e.g. \"status = 'paid' and updated_at between 2024-01-01T00:00:00Z and "
                   "2024-02-01T00:00:00Z\".")
@click.option("--fields", metavar="A,B,...", help="Fields to read, comma-separated [default: all].")
@click.option("--page-size", type=click.IntRange(1, 10_000), default=DEFAULT_MAX_RESULTS, show_default=True,
              help="maxResults of each QueryData call.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True,
              help="Output file format.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True,
              help="Local stand-in for the S3 bucket/prefix: files go to OUT/FLOW_NAME/EXECUTION_ID/.")
@click.option("--flow-name", default="local-flow", show_default=True, help="Flow name (a folder under --out).")
@click.option("--aggregate", is_flag=True, help="One file for the whole run instead of one per page.")
@click.option("--to-table", metavar="ENTITY",
              help="Also write every record into this table through WriteData (the connector as destination).")
@click.option("--write-operation", type=click.Choice(["INSERT", "UPSERT", "UPDATE"]), default="INSERT",
              show_default=True, help="WriteData operation for --to-table (UPSERT/UPDATE match on its primary key).")
def flow(entity: str, secret_arn: str | None, credentials_file: Path | None, auth_type: str | None,
         settings: dict[str, str], filter_expression: str | None, fields: str | None, page_size: int, fmt: str,
         out: Path, flow_name: str, aggregate: bool, to_table: str | None, write_operation: str) -> None:
    """Run a flow from ENTITY (schema.table) the way AppFlow does.

    DescribeConnectorConfiguration, ValidateConnectorRuntimeSettings, ValidateCredentials,
    ListEntities, DescribeEntity, then QueryData pages following nextToken, written to
    files laid out like AppFlow's S3 destination. Exit status 1 when a call fails.
    """
    from appflow_mysql.flow import FlowFailedError, FlowOptions, run_flow
    from appflow_mysql.progress import FlowReporter

    if fmt == "parquet":
        _require("pyarrow", "parquet", "--format parquet")

    options = FlowOptions(
        entity=entity, out=out, flow_name=flow_name, filter=filter_expression,
        fields=[f.strip() for f in fields.split(",") if f.strip()] if fields else None, page_size=page_size,
        format=fmt, aggregate=aggregate, to_table=to_table, write_operation=write_operation)  # type: ignore[arg-type]
    reporter = FlowReporter()
    with _profile(secret_arn, credentials_file, auth_type, settings) as profile:
        try:
            result = run_flow(profile, options, reporter)
        except FlowFailedError as exc:
            click.echo(f"FAILED  {exc.step}: {exc.error_code}", err=True)
            click.echo(f"        {exc.message}", err=True)
            click.get_current_context().exit(1)
    size = sum(path.stat().st_size for path in result.files)
    rate = result.records / result.seconds if result.seconds > 0 else 0.0
    click.echo(f"Flow {flow_name}, execution {result.execution_id}: {result.records:,} records from {entity} "
               f"in {result.pages:,} pages, {result.seconds:.1f} s ({rate:,.0f} rows/s)")
    click.echo(f"  output: {result.directory}/  ({len(result.files)} {fmt} files, {size:,} bytes)")
    for path in result.files[:3]:
        click.echo(f"    {path.name}  {path.stat().st_size:,} bytes")
    if len(result.files) > 3:
        click.echo(f"    ... {len(result.files) - 3} more")
    if to_table:
        click.echo(f"  written: {result.written:,} records into {to_table} ({write_operation}), "
                   f"{len(result.write_failures)} failed")
        for message in result.write_failures[:3]:
            click.echo(f"    failed: {message}")
        if result.write_failures:
            click.get_current_context().exit(1)


@cli.command()
@click.argument("events", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--credentials-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE",
              help="Serve this file as the profile secret and point the events' secretArn at it.")
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE", callback=_settings,
              help="Override a connector runtime setting in the events, repeatable.")
def invoke(events: tuple[Path, ...], credentials_file: Path | None, settings: dict[str, str]) -> None:
    """Answer raw AppFlow EVENTS (JSON files) through the Lambda entry point.

    The Docker-less twin of `sam local invoke -e EVENT`: each response is printed as
    JSON on stdout, as Lambda returns it. Without --credentials-file the events' secret
    ARNs are read from AWS as they are (`make invoke` runs them against the local sample
    database). Exit status 1 when a response has isSuccess false.
    """
    from appflow_mysql.runtime import invoke as run_event
    from appflow_mysql.runtime import point_at, secret_from_file

    loaded: list[tuple[Path, dict[str, Any]]] = []
    for path in events:
        try:
            loaded.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except ValueError as exc:
            msg = f"{path} is not JSON: {exc}"
            raise click.BadParameter(msg, param_hint="EVENTS") from exc

    def answer_all(secret_arn: str | None, overrides: dict[str, str]) -> bool:
        ok = True
        for path, event in loaded:
            response = run_event(point_at(event, secret_arn, overrides))
            if len(loaded) > 1:
                click.echo(f"# {path}", err=True)
            click.echo(json.dumps(response, indent=2, ensure_ascii=False))
            ok = ok and response.get("isSuccess", True) is not False
        return ok

    if credentials_file:
        _require("moto", "local", "--credentials-file")
        try:
            with secret_from_file(credentials_file) as (arn, _secret):
                ok = answer_all(arn, settings)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    else:
        ok = answer_all(None, settings)
    click.get_current_context().exit(0 if ok else 1)


@cli.command()
@_profile_options
@click.option("--via-lambda", is_flag=True,
              help="Send a DiagnoseRequest event through the Lambda entry point instead of calling the checks.")
@click.option("--json", "as_json", is_flag=True, help="Print the diagnosis as JSON.")
def doctor(secret_arn: str | None, credentials_file: Path | None, auth_type: str | None, settings: dict[str, str],
           via_lambda: bool, as_json: bool) -> None:
    """Check every link from here to the database, in order, and say how to fix the first broken one.

    Secrets Manager endpoint DNS and TCP, GetSecretValue, database DNS and TCP, TLS,
    login and the SELECT privilege: PASS/FAIL/SKIP with timings, the fix under each
    FAIL, and a summary naming the first broken link. Exit status 0 when all pass.
    """
    from appflow_mysql.doctor import run_doctor

    with _profile(secret_arn, credentials_file, auth_type, settings) as profile:
        code = run_doctor(profile, via_lambda=via_lambda, as_json=as_json)
    click.get_current_context().exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (``appflow-mysql``)."""
    cli.main(args=argv, prog_name="appflow-mysql")


if __name__ == "__main__":
    main()
