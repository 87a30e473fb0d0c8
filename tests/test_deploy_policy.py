"""mk/deploy-policy.json (docs/deploy.md, "The deploy policy") against what CloudFormation's handlers call.

The file names the stack as ${StackName} and the partition as ${Partition}; mk/deploy_policy.py (make
deploy-policy STACK_NAME=...) fills them. The checks run on the policy for the default stack name, and the
placeholders are checked to reach every ARN that must name the stack.

Each resource type's create/update/delete handler permissions come from the resource schemas
cfn-lint ships (in the SAM tool venv, offline). A permission the policy lacks fails the deploy or
the teardown half-way, so every one must be allowed, except those that only features this
template does not use would call (listed with the reason).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.sam_tools import ROOT, tool
from tests.test_template import CLUSTER_ID, DB_KEY, DB_SECRET, KMS_KEY, NETWORK, Stack

_spec = importlib.util.spec_from_file_location("deploy_policy", ROOT / "mk" / "deploy_policy.py")
assert _spec and _spec.loader
deploy_policy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(deploy_policy)
STACK = "appflow-mysql-connector"  # samconfig.toml's stack_name
POLICY = deploy_policy.render(STACK)
# Statements whose writes are held to the stack's names.
STACK_SCOPED = ("TheStacks", "FunctionRoles", "OnlyTheLambdaManagedPolicies", "PassTheRolesToLambdaOnly",
                "FunctionsRegistrationAndCustomResourceInvoke", "LogGroups", "KeepActiveScheduleAndAlarm")

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


def _resources(statement: dict[str, Any]) -> list[str]:
    return statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]


@pytest.mark.parametrize("stack", [STACK, "conn-prod", "Finance-AppFlow-2"])
def test_mutating_statements_name_the_stack_they_were_made_for(stack: str) -> None:
    """Writes to the stack, IAM, Lambda, logs, events and alarms are held to that stack's names, and no other's."""
    policy = deploy_policy.render(stack)
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(STACK_SCOPED) <= set(statements)
    for sid in STACK_SCOPED:
        resources = _resources(statements[sid])
        if sid == "TheStacks":
            assert f"arn:aws:cloudformation:*:*:stack/{stack}/*" in resources
        else:
            assert all(r.endswith(f":{stack}-*") or r.endswith(f"/{stack}-*") for r in resources), (sid, resources)
    text = json.dumps(policy)
    assert "${" not in text
    for other in {STACK, "conn-prod"} - {stack}:
        assert other not in text
    # Everything else needs no ARN of the stack: read-only, the SAM bucket, the endpoint, KMS via Lambda, AppFlow.
    for sid, statement in statements.items():
        if sid not in STACK_SCOPED:
            assert not any(stack in r for r in _resources(statement)), sid


def test_the_policy_file_names_no_stack_and_no_partition_of_its_own() -> None:
    text = (ROOT / "mk" / "deploy-policy.json").read_text()
    assert "appflow-mysql-connector" not in text and "arn:aws:" not in text
    assert text.count("${StackName}") == 8 and "arn:${Partition}:" in text
    china = json.dumps(deploy_policy.render("conn", "aws-cn"))
    assert "arn:aws-cn:iam::*:role/conn-*" in china and "arn:aws:" not in china


@pytest.mark.parametrize("name", ["1conn", "conn_prod", "conn*", "conn/x", "", "c" * 129, "conn prod"])
def test_a_name_cloudformation_would_refuse_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="is not a CloudFormation stack name"):
        deploy_policy.render(name)
    with pytest.raises(ValueError, match="is not an AWS partition"):
        deploy_policy.render("conn", "aws-mars")


def test_the_kms_actions_are_allowed_only_through_lambda() -> None:
    """A key for the function's environment (FunctionKmsKeyArn) is used by Lambda on the deployer's behalf."""
    (kms,) = [s for s in POLICY["Statement"] if any(a.startswith("kms:") for a in s["Action"])]
    assert kms["Condition"] == {"StringLike": {"kms:ViaService": "lambda.*.amazonaws.com"}}


def test_a_stack_name_too_long_for_the_generated_names_is_warned_about() -> None:
    """CloudFormation builds function and role names from <stack>-<logical id>-<random>, 64 characters at most."""
    ids = deploy_policy.generated_logical_ids()
    assert {"ConnectorFunction", "ConnectorFunctionRole", "NetworkLookupFunctionRole"} <= set(ids)
    assert deploy_policy.name_warning(STACK, ids) is None  # the default fits
    warning = deploy_policy.name_warning("a" * 30, ids)
    assert warning and "NetworkLookupFunctionRole" in warning and "at most 24 characters" in warning


def test_make_deploy_policy_writes_the_policy_for_the_stack_it_is_given(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, str(ROOT / "mk" / "deploy_policy.py"), "--stack-name", "conn-prod",
                          "--output-dir", str(tmp_path)], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "deploy-policy-conn-prod.json").read_text()) == deploy_policy.render("conn-prod")
    assert "aws iam create-policy --policy-name conn-prod-deploy" in run.stderr
    refused = subprocess.run([sys.executable, str(ROOT / "mk" / "deploy_policy.py"), "--stack-name", "conn*"],
                             capture_output=True, text=True, timeout=60, check=False)
    assert (refused.returncode, refused.stdout) == (2, "")
    make = subprocess.run(["make", "--no-print-directory", "-n", "deploy-policy", "STACK_NAME=conn-prod",
                           "PARTITION=aws-cn"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert 'mk/deploy_policy.py --stack-name "conn-prod" --partition "aws-cn" --output-dir out' in " ".join(
        make.stdout.replace("\\\n", " ").split())


def test_without_a_stack_name_the_one_make_deploy_uses(tmp_path: Path) -> None:
    (tmp_path / "samconfig.toml").write_text('version = 0.1\n[default.global.parameters]\nstack_name = "base"\n')
    assert deploy_policy.configured_stack_name(tmp_path) == "base"
    (tmp_path / "samconfig.local.toml").write_text(
        'version = 0.1\n[default.global.parameters]\nstack_name = "base"\n'
        '[default.deploy.parameters]\nstack_name = "mine"\n')
    assert deploy_policy.configured_stack_name(tmp_path) == "mine"
    with pytest.raises(SystemExit, match="give --stack-name"):
        deploy_policy.configured_stack_name(tmp_path / "nothing-here")
