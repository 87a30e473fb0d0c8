"""The network lookup custom resource (template.yaml's NetworkLookupFunction inline code), run as CloudFormation would.

It began as the VPC CIDR lookup; it now also finds the VPC's Secrets Manager endpoint (reused, never
changed) and picks one subnet per Availability Zone for a created one. EC2 is moto's in-process mock, or
botocore's Stubber with DescribeVpcEndpoints / DescribeSubnets / DescribeVpcEndpointServices /
DescribeSecurityGroups answers in the API's shape (the Stubber checks them against the service model).
CloudFormation's pre-signed response URL is a loopback HTTP server that records the PUT. A custom resource
that never answers holds the stack for its ServiceTimeout, so every path must answer, FAILED included.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.sam_tools import ROOT

Handler = Callable[[dict[str, Any], Any], dict[str, str]]
REGION = "eu-west-1"
SERVICE = f"com.amazonaws.{REGION}.secretsmanager"
STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/conn/1"
FUNCTION_SG = "sg-0f0f0f0f0f0f0f0f0"


def inline_code() -> str:
    """The literal block under NetworkLookupFunction's ``InlineCode: |``, dedented as YAML would."""
    lines = (ROOT / "template.yaml").read_text().splitlines()
    start = lines.index("      InlineCode: |") + 1
    block = []
    for line in lines[start:]:
        if line.strip() and not line.startswith(" " * 8):
            break
        block.append(line[8:])
    return "\n".join(block).strip() + "\n"


@pytest.fixture(scope="module")
def code() -> dict[str, Any]:
    text = inline_code()
    assert text.startswith('"""CloudFormation custom resource') and "def handler(event, context):" in text
    namespace: dict[str, Any] = {}
    exec(compile(text, "NetworkLookupFunction", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def handler(code: dict[str, Any]) -> Handler:
    return code["handler"]  # type: ignore[no-any-return]


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
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    # Not `with mock_aws()`: it resets every moto backend of this process on entry, and the session's moto
    # server (conftest's Secrets Manager) shares them: its secrets would vanish for every later test.
    mock = mock_aws()
    mock.start(reset=False)
    try:
        yield boto3.client("ec2", region_name=REGION)
    finally:
        mock.stop(remove_data=False)


def _props(vpc_id: str, subnets: list[str], mode: str = "Auto", **more: Any) -> dict[str, Any]:
    return {"ServiceToken": "arn:aws:lambda:fn", "ServiceTimeout": "120", "VpcId": vpc_id, "Mode": mode,
            "SubnetIds": subnets, "EndpointSubnetIds": [""], "ExistingEndpointSecurityGroupId": "",
            "FunctionSecurityGroupId": FUNCTION_SG, "OwnEndpointName": "conn-secretsmanager", **more}


def _event(request_type: str, url: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"RequestType": request_type, "ResponseURL": url, "StackId": STACK_ID,
            "RequestId": "req-1", "LogicalResourceId": "NetworkLookup", "ResourceType": "Custom::NetworkLookup",
            "ResourceProperties": props}


def _answer(handler: Handler, cloudformation: tuple[str, list[dict[str, Any]]], props: dict[str, Any],
            request_type: str = "Create") -> dict[str, Any]:
    url, received = cloudformation
    handler(_event(request_type, url, props), None)
    answer = received.pop()
    assert not received
    return answer


class Vpc:
    """A moto VPC with subnets by zone, a function security group, and optional Secrets Manager endpoints."""

    def __init__(self, ec2: Any, cidr: str = "10.42.0.0/16") -> None:
        self.ec2 = ec2
        self.id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        self._next = 0

    def subnet(self, zone: str) -> str:
        self._next += 1
        return str(self.ec2.create_subnet(VpcId=self.id, CidrBlock=f"10.42.{self._next}.0/24",
                                          AvailabilityZone=zone)["Subnet"]["SubnetId"])

    def group(self, name: str) -> str:
        return str(self.ec2.create_security_group(GroupName=name, Description=name, VpcId=self.id)["GroupId"])

    def endpoint(self, subnet: str, group: str, private_dns: bool = True, name: str = "shared-sm") -> str:
        return str(self.ec2.create_vpc_endpoint(
            VpcId=self.id, ServiceName=SERVICE, VpcEndpointType="Interface", SubnetIds=[subnet],
            SecurityGroupIds=[group], PrivateDnsEnabled=private_dns,
            TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "Name", "Value": name}]}],
        )["VpcEndpoint"]["VpcEndpointId"])

    def admit_443(self, into: str, **peer: str) -> None:
        rule: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
        if "cidr" in peer:
            rule["IpRanges"] = [{"CidrIp": peer["cidr"]}]
        else:
            rule["UserIdGroupPairs"] = [{"GroupId": peer["group"]}]
        self.ec2.authorize_security_group_ingress(GroupId=into, IpPermissions=[rule])


# --- the VPC's CIDR, failures, delete ------------------------------------------------------------

def test_create_and_update_answer_the_vpcs_primary_cidr(handler: Handler, ec2: Any,
                                                         cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    vpc = Vpc(ec2)
    ec2.associate_vpc_cidr_block(VpcId=vpc.id, CidrBlock="10.43.0.0/16")  # a secondary block: not the answer
    props = _props(vpc.id, [vpc.subnet("eu-west-1a")], mode="Create")
    for request_type in ("Create", "Update"):
        answer = _answer(handler, cloudformation, props, request_type)
        assert (answer["Status"], answer["Data"]["CidrBlock"], answer["PhysicalResourceId"]) == (
            "SUCCESS", "10.42.0.0/16", vpc.id)
        assert {k: answer[k] for k in ("StackId", "RequestId", "LogicalResourceId")} == {
            "StackId": STACK_ID, "RequestId": "req-1", "LogicalResourceId": "NetworkLookup"}


def test_an_unknown_vpc_fails_at_once_with_the_reason(handler: Handler, ec2: Any,
                                                      cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    answer = _answer(handler, cloudformation, _props("vpc-0000000000000dead", ["subnet-0a"]))
    assert answer["Status"] == "FAILED"
    assert "vpc-0000000000000dead" in answer["Reason"] and "InvalidVpcID.NotFound" in answer["Reason"]


def test_delete_succeeds_without_asking_ec2(handler: Handler, cloudformation: tuple[str, list[dict[str, Any]]],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Even with no EC2 reachable (no credentials at all), a delete never holds up the stack."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    answer = _answer(handler, cloudformation, _props("vpc-0abc", ["subnet-0a"]), "Delete")
    assert (answer["Status"], answer["Data"]) == ("SUCCESS", {})


# --- Auto and Reuse: an endpoint the VPC already has ---------------------------------------------

def test_auto_without_an_endpoint_creates_nothing_and_says_the_subnets_need_a_nat(
        handler: Handler, ec2: Any, cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    vpc = Vpc(ec2)
    subnet = vpc.subnet("eu-west-1a")
    vpc.endpoint(subnet, vpc.group("no-dns"), private_dns=False)  # without private DNS it takes no name
    answer = _answer(handler, cloudformation, _props(vpc.id, [subnet]))
    assert answer["Status"] == "SUCCESS"
    data = answer["Data"]
    assert (data["Endpoint"], data["EndpointId"]) == ("none", "none")
    assert data["Note"].startswith(f"none: {vpc.id} has no Secrets Manager interface endpoint with private DNS")
    assert "NAT gateway" in data["Note"] and "CreateSecretsManagerEndpoint=Create" in data["Note"]


def test_auto_reuses_the_vpcs_endpoint_and_says_its_groups_admit_the_function(
        handler: Handler, ec2: Any, cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    vpc = Vpc(ec2)
    subnet, endpoint_sg, function_sg = vpc.subnet("eu-west-1a"), vpc.group("endpoint"), vpc.group("function")
    endpoint_id = vpc.endpoint(subnet, endpoint_sg)
    props = _props(vpc.id, [subnet], FunctionSecurityGroupId=function_sg)
    assert "ACTION NEEDED" in _answer(handler, cloudformation, props)["Data"]["Note"]
    vpc.admit_443(endpoint_sg, group=function_sg)
    answer = _answer(handler, cloudformation, props)
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    data = answer["Data"]
    assert (data["Endpoint"], data["EndpointId"]) == (f"reused {endpoint_id}", endpoint_id)
    assert data["Note"] == (f"reused {endpoint_id} (private DNS): this stack neither created it nor will delete it. "
                            f"Its security groups ({endpoint_sg}) admit TCP 443 from the function.")


def test_a_cidr_rule_admits_the_function_only_when_it_covers_every_one_of_its_subnets(
        handler: Handler, ec2: Any, cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    vpc = Vpc(ec2)
    subnets = [vpc.subnet("eu-west-1a"), vpc.subnet("eu-west-1b")]  # 10.42.1.0/24, 10.42.2.0/24
    endpoint_sg = vpc.group("endpoint")
    vpc.endpoint(subnets[0], endpoint_sg)
    vpc.admit_443(endpoint_sg, cidr="10.42.1.0/24")
    half = _answer(handler, cloudformation, _props(vpc.id, subnets))["Data"]["Note"]
    assert "ACTION NEEDED" in half
    vpc.admit_443(endpoint_sg, cidr="10.42.2.0/25")  # not the whole of the second subnet
    assert "ACTION NEEDED" in _answer(handler, cloudformation, _props(vpc.id, subnets))["Data"]["Note"]
    vpc.admit_443(endpoint_sg, cidr="10.42.0.0/16")
    assert "admit TCP 443 from the function." in _answer(handler, cloudformation, _props(vpc.id, subnets))["Data"][
        "Note"]


def test_auto_never_changes_the_reused_endpoints_groups_but_says_exactly_what_to_run(
        handler: Handler, ec2: Any, cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    vpc = Vpc(ec2)
    subnet, endpoint_sg = vpc.subnet("eu-west-1a"), vpc.group("endpoint")
    vpc.endpoint(subnet, endpoint_sg)
    before = ec2.describe_security_groups(GroupIds=[endpoint_sg])["SecurityGroups"][0]["IpPermissions"]
    note = _answer(handler, cloudformation, _props(vpc.id, [subnet]))["Data"]["Note"]
    assert (f"aws ec2 authorize-security-group-ingress --group-id {endpoint_sg} --protocol tcp --port 443 "
            f"--source-group {FUNCTION_SG}") in note
    assert f"CreateSecretsManagerEndpoint=Reuse ExistingEndpointSecurityGroupId={endpoint_sg}" in note
    assert ec2.describe_security_groups(GroupIds=[endpoint_sg])["SecurityGroups"][0]["IpPermissions"] == before


def test_reuse_needs_an_endpoint_and_the_named_group_must_be_its_own(
        handler: Handler, ec2: Any, cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    vpc = Vpc(ec2)
    subnet, endpoint_sg, other_sg = vpc.subnet("eu-west-1a"), vpc.group("endpoint"), vpc.group("other")
    nothing = _answer(handler, cloudformation, _props(vpc.id, [subnet], mode="Reuse"))
    assert nothing["Status"] == "FAILED"
    assert nothing["Reason"].startswith(f"{vpc.id} has no Secrets Manager interface endpoint with private DNS")
    endpoint_id = vpc.endpoint(subnet, endpoint_sg)
    wrong = _answer(handler, cloudformation, _props(vpc.id, [subnet], mode="Reuse",
                                                    ExistingEndpointSecurityGroupId=other_sg))
    assert (wrong["Status"], wrong["Reason"]) == (
        "FAILED", f"ExistingEndpointSecurityGroupId {other_sg} is not a security group of {endpoint_id} "
                  f"(its groups: {endpoint_sg})")
    named = _answer(handler, cloudformation, _props(vpc.id, [subnet], mode="Reuse",
                                                    ExistingEndpointSecurityGroupId=endpoint_sg))
    assert named["Status"] == "SUCCESS"
    assert named["Data"]["Endpoint"] == f"reused {endpoint_id}"
    assert f"The stack admits TCP 443 from the function ({FUNCTION_SG}) into {endpoint_sg}" in named["Data"]["Note"]


@pytest.mark.parametrize("mode", ["Auto", "Reuse"])
def test_switching_a_stack_that_created_its_endpoint_to_auto_or_reuse_is_refused(
        mode: str, handler: Handler, ec2: Any, cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    """The update would delete the endpoint every workload in the VPC now resolves Secrets Manager to."""
    vpc = Vpc(ec2)
    subnet = vpc.subnet("eu-west-1a")
    own = vpc.endpoint(subnet, vpc.group("endpoint"), name="conn-secretsmanager")
    answer = _answer(handler, cloudformation, _props(vpc.id, [subnet], mode=mode), "Update")
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith(f"{own} was created by this stack")
    assert f"every workload in {vpc.id}" in answer["Reason"] and "Keep CreateSecretsManagerEndpoint=Create" in answer[
        "Reason"]


# --- Create: refuse a second endpoint, one subnet per zone ----------------------------------------

def test_create_is_refused_where_the_vpc_already_has_an_endpoint_with_private_dns(
        handler: Handler, ec2: Any, cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    """What CloudFormation would otherwise fail on later, as 'conflicting DNS domain'."""
    vpc = Vpc(ec2)
    subnet = vpc.subnet("eu-west-1a")
    theirs = vpc.endpoint(subnet, vpc.group("endpoint"))
    answer = _answer(handler, cloudformation, _props(vpc.id, [subnet], mode="Create"))
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (f"{vpc.id} already has a Secrets Manager endpoint with private DNS ({theirs}): "
                                "a second one cannot take the name. Deploy with CreateSecretsManagerEndpoint=Auto to "
                                "reuse it")


def test_create_on_update_does_not_mistake_its_own_endpoint_for_another(
        handler: Handler, ec2: Any, cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    vpc = Vpc(ec2)
    subnet = vpc.subnet("eu-west-1a")
    vpc.endpoint(subnet, vpc.group("endpoint"), name="conn-secretsmanager")
    answer = _answer(handler, cloudformation, _props(vpc.id, [subnet], mode="Create"), "Update")
    assert (answer["Status"], answer["Data"]["EndpointSubnetIds"]) == ("SUCCESS", subnet)


def test_create_takes_the_first_of_the_function_subnets_in_each_zone(
        handler: Handler, ec2: Any, cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    """The usual two private subnets per zone: the endpoint gets one of each zone instead of failing."""
    vpc = Vpc(ec2)
    a1, b1, a2, b2 = (vpc.subnet(zone) for zone in ("eu-west-1a", "eu-west-1b", "eu-west-1a", "eu-west-1b"))
    answer = _answer(handler, cloudformation, _props(vpc.id, [a1, b1, a2, b2], mode="Create"))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"]["EndpointSubnetIds"] == f"{a1},{b1}"
    assert answer["Data"]["Note"] == (f"in {a1}, {b1}; not in {a2} (eu-west-1a: {a1} already there); "
                                      f"{b2} (eu-west-1b: {b1} already there)")


def test_given_endpoint_subnets_sharing_a_zone_are_refused_naming_both(
        handler: Handler, ec2: Any, cloudformation: tuple[str, list[dict[str, Any]]]) -> None:
    vpc = Vpc(ec2)
    a1, a2, b1 = vpc.subnet("eu-west-1a"), vpc.subnet("eu-west-1a"), vpc.subnet("eu-west-1b")
    refused = _answer(handler, cloudformation, _props(vpc.id, [a1], mode="Create", EndpointSubnetIds=[b1, a1, a2]))
    assert refused["Status"] == "FAILED"
    assert refused["Reason"] == (f"EndpointSubnetIds: {a1} and {a2} are both in eu-west-1a; an interface endpoint "
                                 "takes one subnet per Availability Zone (DuplicateSubnetsInSameZone): keep one")
    given = _answer(handler, cloudformation, _props(vpc.id, [a1, a2], mode="Create", EndpointSubnetIds=[b1, a2]))
    assert (given["Status"], given["Data"]["EndpointSubnetIds"]) == ("SUCCESS", f"{b1},{a2}")


# --- recorded answers (botocore's Stubber) --------------------------------------------------------

def _stubbed() -> tuple[Any, Stubber]:
    client = boto3.client("ec2", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def _vpc_answer(stub: Stubber, vpc_id: str = "vpc-0abc1234") -> None:
    stub.add_response("describe_vpcs", {"Vpcs": [{"VpcId": vpc_id, "CidrBlock": "10.8.0.0/16", "State": "available",
                                                  "IsDefault": False}]}, {"VpcIds": [vpc_id]})


FUNCTION_SUBNET = {"SubnetId": "subnet-0f1", "VpcId": "vpc-0abc1234", "CidrBlock": "10.8.1.0/24",
                   "AvailabilityZone": "eu-west-1a", "State": "available"}
ENDPOINT_FILTERS = [{"Name": "vpc-id", "Values": ["vpc-0abc1234"]}, {"Name": "service-name", "Values": [SERVICE]}]


def _endpoint(endpoint_id: str, state: str, private_dns: bool, groups: list[str], **more: Any) -> dict[str, Any]:
    return {"VpcEndpointId": endpoint_id, "VpcEndpointType": "Interface", "VpcId": "vpc-0abc1234",
            "ServiceName": SERVICE, "State": state, "PrivateDnsEnabled": private_dns, "RequesterManaged": False,
            "SubnetIds": ["subnet-0e1"], "Groups": [{"GroupId": g, "GroupName": g} for g in groups],
            "NetworkInterfaceIds": ["eni-0aa"], "OwnerId": "123456789012", "Tags": [],
            "CreationTimestamp": dt.datetime(2025, 3, 1, tzinfo=dt.UTC), **more}


def test_recorded_pages_of_endpoints_only_a_live_one_with_private_dns_counts(code: dict[str, Any]) -> None:
    """Two pages (NextToken); a deleted one and one without private DNS are passed over; its own policy is named."""
    ec2, stub = _stubbed()
    _vpc_answer(stub)
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    stub.add_response("describe_vpc_endpoints", {"VpcEndpoints": [
        _endpoint("vpce-0dead", "deleted", True, ["sg-0old"]),
        _endpoint("vpce-0nodns", "available", False, ["sg-0nodns"]),
    ], "NextToken": "page-2"}, {"Filters": ENDPOINT_FILTERS})
    stub.add_response("describe_vpc_endpoints", {"VpcEndpoints": [
        _endpoint("vpce-0live", "available", True, ["sg-0e1", "sg-0e2"], PolicyDocument=policy),
    ]}, {"Filters": ENDPOINT_FILTERS, "NextToken": "page-2"})
    stub.add_response("describe_subnets", {"Subnets": [FUNCTION_SUBNET]}, {"SubnetIds": ["subnet-0f1"]})
    # Admitted from a managed prefix list only: not something the lookup can vouch for.
    stub.add_response("describe_security_groups", {"SecurityGroups": [
        {"GroupId": "sg-0e1", "GroupName": "sm", "VpcId": "vpc-0abc1234", "OwnerId": "123456789012",
         "Description": "sm", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                                 "PrefixListIds": [{"PrefixListId": "pl-0abc"}]}]},
        {"GroupId": "sg-0e2", "GroupName": "all", "VpcId": "vpc-0abc1234", "OwnerId": "123456789012",
         "Description": "all", "IpPermissions": [{"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535,
                                                  "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
    ]}, {"GroupIds": ["sg-0e1", "sg-0e2"]})
    with stub:
        data = code["look_up"](ec2, _props("vpc-0abc1234", ["subnet-0f1"]), STACK_ID)
        stub.assert_no_pending_responses()
    assert (data["Endpoint"], data["EndpointId"]) == ("reused vpce-0live", "vpce-0live")
    assert "ACTION NEEDED unless done: its security groups (sg-0e1, sg-0e2) must admit TCP 443" in data["Note"]
    assert data["Note"].endswith("vpce-0live has an endpoint policy of its own: it must allow "
                                 "secretsmanager:GetSecretValue on this connector's secrets.")


def test_recorded_groups_the_lookup_may_not_read_leave_the_instruction(code: dict[str, Any]) -> None:
    """A shared VPC whose owner holds the endpoint's group: DescribeSecurityGroups refused, the deploy goes on."""
    ec2, stub = _stubbed()
    _vpc_answer(stub)
    stub.add_response("describe_vpc_endpoints", {"VpcEndpoints": [
        _endpoint("vpce-0live", "pendingAcceptance", True, ["sg-0owner"])]}, {"Filters": ENDPOINT_FILTERS})
    stub.add_response("describe_subnets", {"Subnets": [FUNCTION_SUBNET]}, {"SubnetIds": ["subnet-0f1"]})
    stub.add_client_error("describe_security_groups", "UnauthorizedOperation", "You are not authorized",
                          expected_params={"GroupIds": ["sg-0owner"]})
    with stub:
        data = code["look_up"](ec2, _props("vpc-0abc1234", ["subnet-0f1"]), STACK_ID)
    assert data["Endpoint"] == "reused vpce-0live"
    assert "Its security groups could not be read (ClientError). ACTION NEEDED unless done" in data["Note"]
    assert "--group-id sg-0owner --protocol tcp --port 443 --source-group sg-0f0f0f0f0f0f0f0f0" in data["Note"]


def test_recorded_zones_a_subnet_where_the_service_has_no_endpoint_is_passed_over_or_refused(
        code: dict[str, Any]) -> None:
    def stubbed(subnets: list[str]) -> tuple[Any, Stubber]:
        ec2, stub = _stubbed()
        _vpc_answer(stub)
        stub.add_response("describe_vpc_endpoints", {"VpcEndpoints": []}, {"Filters": ENDPOINT_FILTERS})
        stub.add_response("describe_vpc_endpoint_services", {"ServiceDetails": [
            {"ServiceName": SERVICE, "AvailabilityZones": ["eu-west-1a", "eu-west-1b"]}]},
            {"ServiceNames": [SERVICE]})
        zones = {"subnet-0a1": "eu-west-1a", "subnet-0a2": "eu-west-1a", "subnet-0c1": "eu-west-1c"}
        stub.add_response("describe_subnets", {"Subnets": [  # EC2 answers in an order of its own
            {"SubnetId": s, "VpcId": "vpc-0abc1234", "CidrBlock": f"10.8.{i}.0/24", "AvailabilityZone": zones[s],
             "State": "available"} for i, s in enumerate(sorted(subnets))]}, {"SubnetIds": subnets})
        return ec2, stub

    ec2, stub = stubbed(["subnet-0c1", "subnet-0a2", "subnet-0a1"])
    with stub:
        data = code["look_up"](ec2, _props("vpc-0abc1234", ["subnet-0c1", "subnet-0a2", "subnet-0a1"], mode="Create"),
                               STACK_ID)
    assert (data["Endpoint"], data["EndpointSubnetIds"]) == ("create", "subnet-0a2")
    assert data["Note"] == ("in subnet-0a2; not in subnet-0c1 (eu-west-1c: no Secrets Manager endpoint there); "
                            "subnet-0a1 (eu-west-1a: subnet-0a2 already there)")
    ec2, stub = stubbed(["subnet-0c1"])
    with stub, pytest.raises(code["Refusal"], match=r"^None of SubnetIds is in a zone Secrets Manager supports "
                                                    r"\(eu-west-1a, eu-west-1b\)"):
        code["look_up"](ec2, _props("vpc-0abc1234", ["subnet-0c1"], mode="Create"), STACK_ID)
    ec2, stub = stubbed(["subnet-0c1"])
    with stub, pytest.raises(code["Refusal"], match=r"^EndpointSubnetIds: subnet-0c1 is in eu-west-1c, where "):
        code["look_up"](ec2, _props("vpc-0abc1234", ["subnet-0a1"], mode="Create", EndpointSubnetIds=["subnet-0c1"]),
                        STACK_ID)


@pytest.mark.parametrize(("rules", "admitted"), [
    ([{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": FUNCTION_SG}]}], True),
    ([{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 1024, "UserIdGroupPairs": [{"GroupId": FUNCTION_SG}]}], True),
    ([{"IpProtocol": "tcp", "FromPort": 444, "ToPort": 1024, "UserIdGroupPairs": [{"GroupId": FUNCTION_SG}]}], False),
    ([{"IpProtocol": "udp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": FUNCTION_SG}]}], False),
    ([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": "sg-0other"}]}], False),
    ([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.1.0/24"}]},
      {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.2.0/23"}]}], True),
    ([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.1.0/24"}]}], False),
])
def test_what_counts_as_admitting_the_function(code: dict[str, Any], rules: list[dict[str, Any]],
                                               admitted: bool) -> None:
    groups = [{"GroupId": "sg-0e", "IpPermissions": rules}]
    assert code["admits"](groups, FUNCTION_SG, ["10.0.1.0/24", "10.0.2.0/24"]) is admitted


def test_the_inline_code_passes_the_projects_lint(tmp_path: Path) -> None:
    """ruff with pyproject.toml's rules: the template's Python is held to the same bar as the package's."""
    source = tmp_path / "network_lookup.py"
    source.write_text(inline_code())
    ruff = Path(sys.executable).parent / "ruff"
    run = subprocess.run([str(ruff), "check", "--config", str(ROOT / "pyproject.toml"), str(source)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture
def earlier_secret(make_secret: Any) -> str:
    return str(make_secret({"username": "u", "password": "p"}))


def test_the_ec2_mock_leaves_the_sessions_secrets_alone(earlier_secret: str, ec2: Any, aws_env: str) -> None:
    """A secret created before the EC2 mock started is still there for the tests that run after it."""
    client = boto3.client("secretsmanager", region_name=earlier_secret.split(":")[3], endpoint_url=aws_env)
    assert client.get_secret_value(SecretId=earlier_secret)["SecretString"]
