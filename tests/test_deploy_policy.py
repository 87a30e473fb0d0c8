"""mk/deploy-policy.json (README, "What you need") against what CloudFormation's handlers call.

Each resource type's create/update/delete handler permissions come from the resource schemas
cfn-lint ships (in the SAM tool venv, offline). A permission the policy lacks fails the deploy or
the teardown half-way, so every one must be allowed, except those that only features this
template does not use would call (listed with the reason).
"""

from __future__ import annotations

import json
import re
import subprocess
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.sam_tools import ROOT, tool
from tests.test_template import CLUSTER_ID, DB_KEY, DB_SECRET, KMS_KEY, NETWORK, Stack

POLICY = json.loads((ROOT / "mk" / "deploy-policy.json").read_text())

# Called only for features the template does not use.
NOT_USED = {
    "elasticfilesystem:DescribeMountTargets": "no EFS on the function",
    "s3files:ListMountTargets": "no S3 Files mount",
    "lambda:PutFunctionCodeSigningConfig": "no code signing",
    "lambda:DeleteFunctionCodeSigningConfig": "no code signing",
    "lambda:PutRuntimeManagementConfig": "no RuntimeManagementConfig",
    "lambda:PutFunctionScalingConfig": "no capacity provider",
    "lambda:PassCapacityProvider": "no capacity provider",
    "lambda:AssociateRuntimeAlias": "no runtime alias",
    "lambda:PublishVersion": "no AutoPublishAlias",
    "logs:PutDataProtectionPolicy": "no data protection policy",
    "logs:DeleteDataProtectionPolicy": "no data protection policy",
    "logs:PutIndexPolicy": "no field index policy",
    "logs:DeleteIndexPolicy": "no field index policy",
    "logs:PutResourcePolicy": "no log resource policy",
    "logs:DeleteResourcePolicy": "no log resource policy",
    "logs:CreateLogDelivery": "no log delivery",
    "logs:PutBearerTokenAuthentication": "no bearer token",
    "logs:PutLogGroupDeletionProtection": "no deletion protection",
    "s3:REST.PUT.OBJECT": "not an IAM action (log delivery to S3)",
    "firehose:TagDeliveryStream": "no Firehose delivery",
    "vpc-lattice:CreateServiceNetworkVpcEndpointAssociation": "an Interface endpoint, not a service network one",
    "vpc-lattice:DescribeServiceNetworkVpcEndpointAssociation": "an Interface endpoint, not a service network one",
    "vpce:AllowMultiRegion": "the endpoint is for this region's service",
}


def allowed(action: str) -> bool:
    """Whether some Allow statement names the action (IAM action names are case-insensitive)."""
    for statement in POLICY["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Allow" and any(fnmatchcase(action.lower(), a.lower()) for a in actions):
            return True
    return False


@cache
def handler_permissions() -> dict[str, set[str]]:
    """Per resource type of the fullest stack: its create, update and delete handlers' permissions."""
    stack = Stack(**NETWORK, CreateSecretsManagerEndpoint="Create", ProfileKmsKeyArn=KMS_KEY,
                  DatabaseSecretArn=DB_SECRET, DatabaseSecretKmsKeyArn=DB_KEY, IamDbClusterResourceId=CLUSTER_ID,
                  IamDbUsername="appflow", DbSecurityGroupId="sg-0123456789abcdef0",
                  EndpointClientSecurityGroupId="sg-0aaaaaaaaaaaaaaaa", ReservedConcurrency=5,
                  PermissionsBoundary="arn:aws:iam::123456789012:policy/b", FailureAlarmThreshold=1,
                  LogKmsKeyArn=KMS_KEY, FunctionKmsKeyArn=KMS_KEY)
    types = {r["Type"] for r in stack.resources.values() if not r["Type"].startswith("Custom::")}
    out = subprocess.run([tool("python"), "-c", "import cfnlint, os; print(os.path.dirname(cfnlint.__file__))"],
                         check=True, capture_output=True, text=True, timeout=60)
    schemas = Path(out.stdout.strip()) / "data" / "schemas"
    providers = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    permissions: dict[str, set[str]] = {}
    for type_ in sorted(types):
        schema: dict[str, Any] = json.loads((schemas / "resources" / f"{providers[type_]}.json").read_text())
        handlers = schema.get("handlers", {})
        permissions[type_] = {p for h in ("create", "update", "delete")
                              for p in handlers.get(h, {}).get("permissions", [])}
    return permissions


# Named here, not derived at collection: without the SAM tool venv the tests skip instead of erroring.
RESOURCE_TYPES = ("AWS::AppFlow::Connector", "AWS::CloudWatch::Alarm", "AWS::EC2::SecurityGroup",
                  "AWS::EC2::SecurityGroupIngress", "AWS::EC2::VPCEndpoint", "AWS::Events::Rule", "AWS::IAM::Role",
                  "AWS::Lambda::Function", "AWS::Lambda::Permission", "AWS::Logs::LogGroup")


def test_the_fullest_stack_has_every_resource_type_the_policy_was_written_for() -> None:
    assert set(handler_permissions()) == set(RESOURCE_TYPES)


@pytest.mark.parametrize("type_", RESOURCE_TYPES)
def test_the_policy_allows_what_each_resource_handler_calls(type_: str) -> None:
    missing = sorted(p for p in handler_permissions()[type_] if p not in NOT_USED and not allowed(p))
    assert not missing, f"{type_}: mk/deploy-policy.json lacks {missing}"


def test_registration_and_teardown_permissions_are_named() -> None:
    """The ones the issue names: registration invokes the function; the stack policy; sam deploy's change sets."""
    for action in ("appflow:RegisterConnector", "appflow:UnregisterConnector", "appflow:UpdateConnectorRegistration",
                   "lambda:InvokeFunction", "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet",
                   "cloudformation:DeleteStack", "cloudformation:SetStackPolicy", "iam:PassRole"):
        assert allowed(action), action
    assert not allowed("iam:CreateUser") and not allowed("ec2:RunInstances") and not allowed("s3:DeleteBucket")


def test_mutating_statements_name_the_stack_or_need_no_arn() -> None:
    """Writes to IAM, Lambda, logs, events and alarms are held to the stack's name prefix."""
    for statement in POLICY["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if statement["Sid"] in ("FunctionRoles", "PassTheRolesToLambdaOnly", "LogGroups", "KeepActiveScheduleAndAlarm",
                                "FunctionsRegistrationAndCustomResourceInvoke"):
            assert all(re.search(r"appflow-mysql-connector-\*$", r) for r in resources), statement["Sid"]
