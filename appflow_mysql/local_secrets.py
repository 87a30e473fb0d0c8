"""Moto's Secrets Manager over real HTTP: ``--credentials-file`` for the command, and the test rig.

Installed with the ``local`` extra (moto); never part of the Lambda artifact.

The connector reaches it exactly as it reaches AWS: botocore honours the
standard ``AWS_ENDPOINT_URL_SECRETS_MANAGER`` variable.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

__all__ = ["ENDPOINT_ENV", "FAKE_AWS_ENV", "local_secrets_manager", "moto_secrets_manager", "put_secret"]

ENDPOINT_ENV = "AWS_ENDPOINT_URL_SECRETS_MANAGER"
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
# botocore logs request bodies at DEBUG, and CreateSecret's holds the password: never let it (as handlers.app).
logging.getLogger("botocore").setLevel(logging.INFO)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def moto_secrets_manager() -> Iterator[str]:
    """Run moto's HTTP server on a free loopback port; yield its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@contextmanager
def local_secrets_manager() -> Iterator[str]:
    """Moto's server with fake AWS credentials and the endpoint variable set; the environment is restored after.

    Everything that talks to it (the connector included) goes through botocore's
    standard ``AWS_ENDPOINT_URL_SECRETS_MANAGER``.
    """
    saved = {key: os.environ.get(key) for key in (*FAKE_AWS_ENV, ENDPOINT_ENV)}
    os.environ.update(FAKE_AWS_ENV)
    try:
        with moto_secrets_manager() as endpoint:
            os.environ[ENDPOINT_ENV] = endpoint
            yield endpoint
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def put_secret(endpoint: str, name: str, value: dict[str, Any], region: str = "us-east-1") -> str:
    """Create a secret the way AppFlow does for a connection profile; return its ARN."""
    client = boto3.client(
        "secretsmanager",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    )
    return str(client.create_secret(Name=name, SecretString=json.dumps(value))["ARN"])
