"""The VPC CIDR lookup custom resource (template.yaml's inline code), run here as CloudFormation would.

EC2 is moto's in-process mock; CloudFormation's pre-signed response URL is a loopback HTTP server
that records the PUT. A custom resource that never answers holds the stack for its ServiceTimeout,
so every path must answer, FAILED included.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from moto import mock_aws

from tests.sam_tools import ROOT

Handler = Callable[[dict[str, Any], Any], dict[str, str]]


def inline_code() -> str:
    """The literal block under VpcCidrLookupFunction's ``InlineCode: |``, dedented as YAML would."""
    lines = (ROOT / "template.yaml").read_text().splitlines()
    start = lines.index("      InlineCode: |") + 1
    block = []
    for line in lines[start:]:
        if line.strip() and not line.startswith(" " * 8):
            break
        block.append(line[8:])
    return "\n".join(block).strip() + "\n"


@pytest.fixture(scope="module")
def handler() -> Handler:
    code = inline_code()
    assert code.startswith('"""CloudFormation custom resource') and "def handler(event, context):" in code
    namespace: dict[str, Any] = {}
    exec(compile(code, "VpcCidrLookupFunction", "exec"), namespace)
    return namespace["handler"]  # type: ignore[no-any-return]


@pytest.fixture
def cloudformation() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A response URL and the bodies PUT to it."""
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:  # noqa: N802 (http.server's name)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/presigned?X-Amz-Signature=abc", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def ec2(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    with mock_aws():
        import boto3

        yield boto3.client("ec2", region_name="eu-west-1")


def _event(request_type: str, url: str, vpc_id: str) -> dict[str, Any]:
    return {"RequestType": request_type, "ResponseURL": url, "StackId": "arn:aws:cloudformation:stack/conn/1",
            "RequestId": "req-1", "LogicalResourceId": "VpcCidr", "ResourceType": "Custom::VpcCidr",
            "ResourceProperties": {"ServiceToken": "arn:aws:lambda:fn", "VpcId": vpc_id}}


def test_create_and_update_answer_the_vpcs_primary_cidr(handler: Handler, ec2: Any,
                                                         cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = cloudformation
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.43.0.0/16")  # a secondary block: not the answer
    for request_type in ("Create", "Update"):
        handler(_event(request_type, url, vpc_id), None)
    assert [(r["Status"], r["Data"], r["PhysicalResourceId"]) for r in received] == [
        ("SUCCESS", {"CidrBlock": "10.42.0.0/16"}, vpc_id)] * 2
    assert {k: received[0][k] for k in ("StackId", "RequestId", "LogicalResourceId")} == {
        "StackId": "arn:aws:cloudformation:stack/conn/1", "RequestId": "req-1", "LogicalResourceId": "VpcCidr"}


def test_an_unknown_vpc_fails_at_once_with_the_reason(handler: Handler, ec2: Any,
                                                      cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = cloudformation
    handler(_event("Create", url, "vpc-0000000000000dead"), None)
    (answer,) = received
    assert answer["Status"] == "FAILED"
    assert "vpc-0000000000000dead" in answer["Reason"] and "InvalidVpcID.NotFound" in answer["Reason"]


def test_delete_succeeds_without_asking_ec2(handler: Handler, cloudformation: tuple[str, list[dict[str, Any]]],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Even with no EC2 reachable (no credentials at all), a delete never holds up the stack."""
    url, received = cloudformation
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    handler(_event("Delete", url, "vpc-0abc"), None)
    assert [(r["Status"], r["Data"]) for r in received] == [("SUCCESS", {})]
