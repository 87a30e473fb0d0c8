"""``make local-db``: the sample database and Secrets Manager, kept running until Ctrl-C, with ready credentials.

Starts a throwaway MariaDB with the sample schema of ``make demo`` (appdb.customers,
appdb.orders, the empty appdb.orders_copy, the view appdb.paid_orders) and moto's Secrets
Manager holding the profile secret, then writes into DIR (default: the current folder):

    local.json     the profile secret, for --credentials-file local.json
    local-ca.pem   the throwaway CA that signed the server's certificate, for --setting tlsCaBundle=local-ca.pem
    local.env      moto's endpoint, fake AWS credentials and LOCAL_SECRET_ARN, for --secret-arn

prints them with commands to try, and waits. Ctrl-C (or SIGTERM, or closing the terminal)
stops the server and moto and removes the files and the server's folder; exit status 0.
Existing files of those names are never overwritten (exit status 2). Always a private
server: ``MYSQL_TEST_URL`` is not used (nothing would remove the schema from that server).

    python -m devkit.local_db [--dir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["FILES", "main"]

FILES = ("local.json", "local-ca.pem", "local.env")
READY = "Ready."


def _stop_on_signals() -> None:
    """Ctrl-C, SIGTERM and SIGHUP (the terminal closed) stop it, cleaning up (SIGINT too, as a shell's
    background job starts with it ignored)."""

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


@contextmanager
def _files_removed(paths: list[Path]) -> Iterator[None]:
    try:
        yield
    finally:
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _shown(path: Path) -> str:
    """The path as the user would type it from the current folder."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _env_lines(endpoint: str, secret_arn: str) -> list[str]:
    from appflow_mysql.local_secrets import ENDPOINT_ENV, FAKE_AWS_ENV

    values = {ENDPOINT_ENV: endpoint, **FAKE_AWS_ENV, "LOCAL_SECRET_ARN": secret_arn}
    return [f"export {key}={shlex.quote(value)}" for key, value in values.items()]


def serve(directory: Path) -> int:
    from appflow_mysql.local_secrets import ENDPOINT_ENV
    from devkit.sample import local_profile

    paths = [directory / name for name in FILES]
    credentials, ca, env = paths
    print("Starting a throwaway MariaDB with the sample schema (appdb) and moto's Secrets Manager ...", flush=True)
    with local_profile(use_url=False) as profile, _files_removed(paths):
        assert profile.ca_file is not None
        secret = {"customAuthenticationType": "MySQL", "host": profile.host, "port": str(profile.port),
                  "database": profile.database, "username": profile.username, "password": profile.password}
        text = json.dumps(secret)
        for path, content in ((credentials, text + "\n"), (ca, Path(profile.ca_file).read_text()),
                              (env, "\n".join(_env_lines(os.environ[ENDPOINT_ENV], profile.secret_arn)) + "\n")):
            path.write_text(content, encoding="utf-8")
        credentials.chmod(0o600)
        env.chmod(0o600)
        print(f"  MariaDB          {profile.host}:{profile.port}, database {profile.database}, user "
              f"{profile.username} (TLS with a certificate from a throwaway CA)")
        print(f"  server folder    {profile.server_dir} (removed at the end)")
        print(f"  Secrets Manager  {os.environ[ENDPOINT_ENV]} (moto), profile secret {profile.secret_arn}")
        print("Wrote:")
        print(f"  {_shown(credentials):<14} the profile secret:  {text}")
        print(f"  {_shown(ca):<14} the server's CA:     --setting tlsCaBundle={_shown(ca)}")
        print(f"  {_shown(env):<14} moto's endpoint, fake AWS credentials and LOCAL_SECRET_ARN, for --secret-arn")
        here = "" if directory.resolve() == Path.cwd().resolve() else f" (in {_shown(directory)})"
        tls = f"--setting tlsCaBundle={FILES[1]}"
        print(f"Try, in another terminal{here}:")
        print(f"  appflow-mysql doctor --credentials-file {FILES[0]} {tls}")
        print(f"  appflow-mysql flow appdb.orders --credentials-file {FILES[0]} {tls} --page-size 50")
        print(f"  (. ./{FILES[2]} && appflow-mysql doctor --secret-arn \"$LOCAL_SECRET_ARN\" {tls})")
        print(f"{READY} Ctrl-C stops the server and Secrets Manager and removes these files.", flush=True)
        try:
            while True:
                signal.pause()
        except KeyboardInterrupt:
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second Ctrl-C must not cut the clean-up
                signal.signal(signum, signal.SIG_IGN)
            print("Stopping ...", flush=True)
    print("Stopped: the server, its folder, Secrets Manager and the files are gone.", flush=True)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m devkit.local_db", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path(), help="where to write local.json, local-ca.pem, "
                        "local.env (default: the current folder)")
    args = parser.parse_args(argv)
    directory: Path = args.dir
    if not directory.is_dir():
        print(f"Error: --dir {directory} is not a folder", file=sys.stderr)
        return 2
    existing = [directory / name for name in FILES if (directory / name).exists()]
    if existing:
        print(f"Error: {existing[0]} exists; local-db never overwrites it (it may be your own credentials): move "
              f"it away, or give --dir DIR", file=sys.stderr)
        return 2
    from devkit.mariadb import find_server_binary

    if find_server_binary() is None:
        print("Error: no MariaDB/MySQL server binary (mariadbd or mysqld) on PATH or in /usr/sbin: install one, e.g. "
              "sudo apt-get install -y mariadb-server (the service need not run)", file=sys.stderr)
        return 1
    _stop_on_signals()
    try:
        return serve(directory)
    except KeyboardInterrupt:  # during start-up: local_profile stopped what it had started
        print("Interrupted while starting; nothing is left running.", file=sys.stderr)
        return 130
    except (OSError, RuntimeError) as exc:  # the server would not start, a file could not be written
        print(f"Error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
