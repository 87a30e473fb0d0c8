"""The ``appflow-mysql`` command: the connector's Lambda entry point, run from a shell.

Every subcommand answers through ``handlers.app.lambda_handler`` (in-process), the
function AppFlow invokes, so what runs here is what runs in AWS; ``doctor
--function-name`` asks the deployed function itself.

Exit status: 0 success; 1 a call failed, a link is broken, a record was not written, or the
function could not be asked; 2 the command line or a local file is wrong (found before anything
is called); 130 interrupted (Ctrl-C). A failure ends with one line on stderr, never a traceback
(``-v`` shows the traceback of an unexpected error).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from appflow_mysql.output import FORMATS
from appflow_mysql.runtime import Profile, parse_settings_option
from connector.limits import DEFAULT_MAX_RESULTS

__all__ = ["CliError", "InputError", "cli", "main"]

_SETTING_HELP = ("Connector runtime setting KEY=VALUE, repeatable: tlsCaBundle=/path/ca.pem (the default tlsMode "
                 "VERIFY_IDENTITY checks the server's certificate), tlsMode=PREFERRED (a local server without "
                 "TLS), host=..., port=..., database=... (BasicAuth), sourceTimeZone=Asia/Tokyo, ...")
_CREDENTIALS_HELP = ("Local JSON file with the profile secret, for development: {host, port, database, username, "
                     "password} (the MySQL custom type; customAuthenticationType may say so, or MySQL-IAM) or "
                     "BasicAuth {username, password} with --setting host=... Served from an in-process Secrets "
                     "Manager, so the connector reads it as in Lambda.")
INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


class CliError(click.ClickException):
    """One line on stderr (``Error: ...``), exit status 1: a check or call failed."""


class InputError(CliError):
    """One line on stderr (``Error: ...``), exit status 2: the command line or a local file is wrong."""

    exit_code = 2


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


def _note(text: str) -> None:
    click.echo(f"note: {text}", err=True)


def _note_overrides(source: Path, secret: dict[str, Any], auth_type: str, settings: dict[str, Any],
                    where: str) -> None:
    """Say which runtime settings the file's own values win over (a CustomAuth secret's do, as in AppFlow)."""
    from appflow_mysql.runtime import settings_the_secret_overrides

    won = settings_the_secret_overrides(secret, auth_type, settings)
    if won:
        lost = ", ".join(f"{key}={settings[key]}" for key in won)
        _note(f"{where} {lost} {'is' if len(won) == 1 else 'are'} not used: the credentials file {source} says "
              f"{', '.join(f'{key}={value}' for key, value in won.items())} (a CustomAuth secret's host, port and "
              "database win over the runtime settings, as in AppFlow)")


@contextmanager
def _profile(secret_arn: str | None, credentials_file: Path | None, auth_type: str | None,
             settings: dict[str, str]) -> Iterator[Profile]:
    """The connection profile: a secret ARN as is, or a local file served as a secret."""
    from appflow_mysql.runtime import profile_secret_from_file, secret_from_file

    if (secret_arn is None) == (credentials_file is None):
        msg = "give exactly one of --secret-arn ARN and --credentials-file FILE"
        raise InputError(msg)
    if secret_arn is not None:
        yield Profile(secret_arn, auth_type or "CustomAuth", settings)  # type: ignore[arg-type]
        return
    assert credentials_file is not None
    _require("moto", "local", "--credentials-file")
    try:
        secret, file_auth = profile_secret_from_file(credentials_file)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    auth = auth_type or file_auth
    if auth == "BasicAuth" and not settings.get("host"):
        msg = (f'credentials file {credentials_file} has no host: add "host" (with "port" and "database") to it, '
               "or give --setting host=... (BasicAuth takes them from the runtime settings)")
        raise InputError(msg)
    _note_overrides(credentials_file, secret, auth, settings, "--setting")
    with secret_from_file(credentials_file, secret) as (arn, _secret):
        yield Profile(arn, auth, settings, source=credentials_file)  # type: ignore[arg-type]


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


_VERBOSE = False  # -v: also the traceback of an unexpected error


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", is_flag=True,
              help="Show the connector's JSON log lines (Powertools, INFO, on stderr), and the traceback of an "
                   "unexpected error.")
@click.version_option(package_name="appflow-mysql-connector")
def cli(verbose: bool) -> None:
    """Run the AppFlow MySQL connector locally, through the same entry point Lambda calls.

    \b
    With `make local-db` running (a sample database; local.json and local-ca.pem in its folder):
      appflow-mysql flow appdb.orders --credentials-file local.json --setting tlsCaBundle=local-ca.pem
      appflow-mysql invoke events/list_entities.json --credentials-file local.json --setting tlsCaBundle=local-ca.pem
    Against AWS (your credentials and region):
      appflow-mysql doctor --secret-arn arn:aws:secretsmanager:...:secret:appflow!...
      appflow-mysql doctor --function-name my-connector --secret-arn arn:aws:secretsmanager:...

    Exit status: 0 success, 1 a call or check failed, 2 bad command line or local file,
    130 interrupted. See docs/cli.md.
    """
    global _VERBOSE
    _VERBOSE = verbose
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
    files laid out like AppFlow's S3 destination. Ctrl-C stops after the page in flight
    (exit status 130); a run that did not finish is marked with an _INCOMPLETE file.
    Exit status 1 when a call fails or a record was not written.
    """
    from appflow_mysql.flow import FlowCheckError, FlowFailedError, FlowInterruptedError, FlowOptions, run_flow
    from appflow_mysql.output import check_writable
    from appflow_mysql.progress import FlowReporter

    if fmt == "parquet":
        _require("pyarrow", "parquet", "--format parquet")
    try:
        check_writable(out / flow_name)
    except ValueError as exc:
        msg = f"cannot write the output folder {out / flow_name}: {exc}"
        raise InputError(msg) from None

    options = FlowOptions(
        entity=entity, out=out, flow_name=flow_name, filter=filter_expression,
        fields=[f.strip() for f in fields.split(",") if f.strip()] if fields else None, page_size=page_size,
        format=fmt, aggregate=aggregate, to_table=to_table, write_operation=write_operation)  # type: ignore[arg-type]
    reporter = FlowReporter()
    ctx = click.get_current_context()
    with _profile(secret_arn, credentials_file, auth_type, settings) as profile:
        try:
            result = run_flow(profile, options, reporter)
        except FlowCheckError as exc:
            _print_partial(exc.result, to_table)
            raise CliError(profile.name_secret(exc.message)) from None
        except FlowFailedError as exc:
            click.echo(f"FAILED  {exc.step}: {exc.error_code}: {profile.name_secret(exc.message)}", err=True)
            _print_partial(exc.result, to_table)
            ctx.exit(1)
        except FlowInterruptedError as exc:
            _print_interrupted(exc.result, to_table)
            ctx.exit(INTERRUPTED)
        except KeyboardInterrupt:  # before the first page (a second Ctrl-C during one is FlowInterruptedError)
            click.echo("Interrupted before the first page: nothing was read or written.", err=True)
            ctx.exit(INTERRUPTED)
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
        failures = result.write_failures
        where = f": every failure in {result.failures_file}" if result.failures_file else ""
        click.echo(f"  written: {result.written:,} records into {to_table} ({write_operation}), "
                   f"{len(failures)} failed{where}")
        for failure in failures[:3]:
            click.echo(f"    {failure.label()}: {failure.error}")
        if len(failures) > 3:
            click.echo(f"    ... {len(failures) - 3} more")
        if failures:
            ctx.exit(1)


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


def _print_partial(result: Any, to_table: str | None) -> None:
    """After a failure once pages began: what was written, and where (the last line on stderr)."""
    if result is None:
        return
    if not result.files:
        click.echo("Nothing was written.", err=True)
        return
    written = f"; {result.written:,} written into {to_table}" if to_table else ""
    marked = f", marked incomplete ({result.marker})" if result.marker else ""
    click.echo(f"Incomplete run: {_files(len(result.files))} ({result.records:,} records) in "
               f"{result.directory}/{marked}{written}", err=True)


def _print_interrupted(result: Any, to_table: str | None) -> None:
    if result is None or not result.files:
        pages = result.pages if result is not None else 0
        click.echo(f"Interrupted after {pages} pages: no file was written.", err=True)
        return
    written = f"; {result.written:,} written into {to_table}" if to_table else ""
    marked = f", marked incomplete ({result.marker})" if result.marker else ""
    click.echo(f"Interrupted after page {result.pages}: {_files(len(result.files))} ({result.records:,} records) "
               f"in {result.directory}/{marked}{written}", err=True)


def _load_event(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        msg = f"event file {path} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise InputError(msg) from None
    except (OSError, ValueError) as exc:
        msg = f"event file {path} cannot be read: {exc}"
        raise InputError(msg) from None


@cli.command()
@click.argument("events", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--credentials-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE",
              help="Serve this file as the profile secret and point the events' secretArn (and authenticationType) "
                   "at it.")
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE", callback=_settings,
              help="Override a connector runtime setting in the events, repeatable.")
def invoke(events: tuple[Path, ...], credentials_file: Path | None, settings: dict[str, str]) -> None:
    """Answer raw AppFlow EVENTS (JSON files) through the Lambda entry point.

    The Docker-less twin of `sam local invoke -e EVENT`: each response is printed as
    JSON on stdout, as Lambda returns it (notes and log lines go to stderr, so stdout
    pipes into jq). Without --credentials-file the events' secret ARNs are read from AWS
    as they are (`make invoke` runs them against the local sample database). Exit
    status 1 when a response has isSuccess false.
    """
    from appflow_mysql.runtime import invoke as run_event
    from appflow_mysql.runtime import point_at, profile_secret_from_file, secret_from_file

    loaded = [(path, _load_event(path)) for path in events]
    for path, event in loaded:
        if not isinstance(event, dict):
            msg = f"event file {path} must hold a JSON object (an AppFlow event), not {type(event).__name__}"
            raise InputError(msg)

    def answer_all(secret_arn: str | None, auth: Any, secret: dict[str, Any] | None) -> bool:
        ok = True
        for path, event in loaded:
            if credentials_file is not None and secret is not None:
                _note_event(path, event, credentials_file, secret, auth, settings)
            response = run_event(point_at(event, secret_arn, settings, auth))
            if len(loaded) > 1:
                click.echo(f"# {path}", err=True)
            click.echo(json.dumps(response, indent=2, ensure_ascii=False))
            ok = ok and response.get("isSuccess", True) is not False
        return ok

    if credentials_file:
        _require("moto", "local", "--credentials-file")
        try:
            secret, auth = profile_secret_from_file(credentials_file)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        with secret_from_file(credentials_file, secret) as (arn, _secret):
            ok = answer_all(arn, auth, secret)
    else:
        ok = answer_all(None, None, None)
    click.get_current_context().exit(0 if ok else 1)


def _note_event(path: Path, event: dict[str, Any], source: Path, secret: dict[str, Any], auth: str,
                overrides: dict[str, str]) -> None:
    """Say, on stderr, what of the event gives way to the credentials file, and which host is used."""
    from appflow_mysql.runtime import event_auth_and_settings

    event_auth, event_settings = event_auth_and_settings(event)
    if event_auth is None:
        return  # no credentials in this event (DescribeConnectorConfiguration, settings validation)
    settings = {**event_settings, **overrides}
    if event_auth != auth:
        _note(f"{path.name}: authenticationType {event_auth} -> {auth}, as the credentials file {source} is a "
              f"{auth} secret")
    if auth == "CustomAuth":
        _note_overrides(source, secret, auth, settings, f"{path.name}: connectorRuntimeSettings")
    elif settings.get("host"):
        _note(f"{path.name}: the credentials file {source} has no host, so the event's connectorRuntimeSettings "
              f"host {settings['host']} is used (BasicAuth takes host, port and database from the runtime "
              "settings); give --setting host=... for another")
    else:
        _note(f"{path.name}: the credentials file {source} has no host and the event names none: add \"host\" to "
              "the file, or give --setting host=...")


@cli.command()
@_profile_options
@click.option("--via-lambda", is_flag=True,
              help="Send a DiagnoseRequest event through the Lambda entry point in-process instead of calling the "
                   "checks.")
@click.option("--function-name", metavar="NAME",
              help="Run the checks inside the deployed function (lambda:InvokeFunction with a DiagnoseRequest, "
                   "your AWS credentials): from its subnets, security group and role. NAME or ARN.")
@click.option("--stack-name", metavar="STACK",
              help="Like --function-name, with the function found as the stack's FunctionName output.")
@click.option("--timeout", type=click.FloatRange(1, 900), default=60, show_default=True, metavar="SECONDS",
              help="How long to wait for the deployed function's answer (--function-name, --stack-name).")
@click.option("--json", "as_json", is_flag=True, help="Print the diagnosis as JSON.")
def doctor(secret_arn: str | None, credentials_file: Path | None, auth_type: str | None, settings: dict[str, str],
           via_lambda: bool, function_name: str | None, stack_name: str | None, timeout: float,
           as_json: bool) -> None:
    """Check every link from here to the database, in order, and say how to fix the first broken one.

    Secrets Manager endpoint DNS and TCP, GetSecretValue, database DNS and TCP, TLS,
    login and the SELECT privilege: PASS/FAIL/SKIP with timings, the fix under each
    FAIL, and a summary naming the first broken link. The first line says where the
    checks ran. Exit status 0 when all pass, 1 when a link is broken.
    """
    from appflow_mysql.doctor import run_doctor, run_remote_doctor

    remote = function_name is not None or stack_name is not None
    if function_name is not None and stack_name is not None:
        msg = "give --function-name or --stack-name, not both"
        raise InputError(msg)
    if remote and via_lambda:
        msg = "--via-lambda runs the entry point here, --function-name/--stack-name the deployed function: give one"
        raise InputError(msg)
    if remote and (credentials_file is not None or secret_arn is None):
        msg = ("the deployed function reads the profile secret from Secrets Manager: give its ARN with --secret-arn "
               "(a --credentials-file exists only on this machine)")
        raise InputError(msg)
    with _profile(secret_arn, credentials_file, auth_type, settings) as profile:
        if remote:
            code = run_remote_doctor(profile, function=function_name, stack=stack_name, timeout=timeout,
                                     as_json=as_json)
        else:
            code = run_doctor(profile, via_lambda=via_lambda, as_json=as_json)
    click.get_current_context().exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (``appflow-mysql``): exit statuses as the module says, never a traceback."""
    try:
        code = cli.main(args=argv, prog_name="appflow-mysql", standalone_mode=False)
    except click.exceptions.Abort:  # click's name for Ctrl-C outside a flow's pages
        click.echo("Interrupted.", err=True)
        sys.exit(INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(INTERRUPTED)
    except BrokenPipeError:  # stdout closed early (| head): nothing more to say to it
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the interpreter flushes it at exit
        sys.exit(1)
    except Exception as exc:
        if _VERBOSE:
            traceback.print_exc()
        click.echo(f"Error: internal error: {type(exc).__name__}: {str(exc)[:300]} "
                   f"({'the traceback is above' if _VERBOSE else 'run with -v for the traceback'}; please report it)",
                   err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
