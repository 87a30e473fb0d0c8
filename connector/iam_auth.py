"""IAM database authentication tokens for Aurora MySQL and RDS Proxy.

A token is a SigV4-presigned ``connect`` request for ``host:port`` and the database user,
signed locally with the function's role (no network call) by botocore's own
``generate_db_auth_token``. It is valid for 15 minutes; a warm container reuses one for
``IAM_TOKEN_REUSE_SECONDS`` so that a connection opened near the end of a reuse still logs
in with several minutes of validity left.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from connector.errors import InvalidArgumentError, InvalidCredentialsError
from connector.limits import IAM_TOKEN_REUSE_SECONDS

__all__ = ["IamTokens", "region_of_endpoint"]

# name.cluster-xxxx.eu-west-1.rds.amazonaws.com, name.proxy-xxxx.us-east-1.rds.amazonaws.com, .com.cn
_RDS_ENDPOINT = re.compile(r".+\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.rds\.amazonaws\.com(?:\.cn)?\.?", re.I)


def region_of_endpoint(host: str) -> str | None:
    """The region in an RDS endpoint name, else None (a custom DNS name, an IP address).

    >>> region_of_endpoint("db.cluster-abc123.eu-west-1.rds.amazonaws.com")
    'eu-west-1'
    >>> region_of_endpoint("mysql.internal.example.com") is None
    True
    """
    found = _RDS_ENDPOINT.fullmatch(host.strip())
    return found.group("region").lower() if found else None


class IamTokens:
    """Makes and reuses tokens; one botocore RDS client per region for the container's life."""

    def __init__(self, reuse_seconds: float = IAM_TOKEN_REUSE_SECONDS) -> None:
        self.reuse_seconds = reuse_seconds
        self._clients: dict[str, Any] = {}
        self._tokens: dict[tuple[str, int, str, str], tuple[float, str]] = {}

    def _client(self, region: str) -> Any:
        if region not in self._clients:
            import boto3

            self._clients[region] = boto3.session.Session().client("rds", region_name=region)
        return self._clients[region]

    def token(self, host: str, port: int, user: str, *, fresh: bool = False) -> str:
        """A token for ``user`` at ``host:port``; ``fresh`` makes a new one (after a rejected login)."""
        region = region_of_endpoint(host) or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region:
            msg = (f"Cannot tell the AWS region to sign an IAM database token for {host}: use the RDS endpoint "
                   "name (it holds the region), or set AWS_REGION.")
            raise InvalidArgumentError(msg)
        key = (host, port, user, region)
        made = self._tokens.get(key)
        if made is not None and not fresh and time.monotonic() - made[0] < self.reuse_seconds:
            return made[1]
        from botocore.exceptions import BotoCoreError

        try:
            token = str(self._client(region).generate_db_auth_token(
                DBHostname=host, Port=port, DBUsername=user, Region=region))
        except BotoCoreError as exc:  # NoCredentialsError and kin: the role gave the function no credentials
            msg = (f"Cannot sign an IAM database token for user '{user}' at {host}:{port}: {exc}. The function "
                   "needs AWS credentials (its execution role).")
            raise InvalidCredentialsError(msg) from None
        self._tokens[key] = (time.monotonic(), token)
        return token
