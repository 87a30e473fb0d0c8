"""template.yaml, transformed to CloudFormation offline (samtranslator) and resolved per parameter set.

The transform runs in the SAM tool venv (tests/sam_transform.py). A small resolver then
evaluates Conditions, Fn::If, Ref, Fn::Sub and AWS::NoValue for given parameter values, so
each test sees the stack CloudFormation would create: which resources exist and the exact
security group rules, IAM statements and registration wiring.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from connector.limits import BUDGET_SECONDS, LAMBDA_TIMEOUT_SECONDS
from tests.sam_tools import tool

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT, REGION = "123456789012", "eu-west-1"
NETWORK = {"VpcId": "vpc-0abc", "SubnetIds": ["subnet-0a", "subnet-0b"]}
DB_SG = "sg-0123456789abcdef0"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
_NO_VALUE = object()


@cache
def transformed() -> dict[str, Any]:
    python = tool("python")
    out = subprocess.run(
        [python, str(ROOT / "tests" / "sam_transform.py"), str(ROOT / "template.yaml")],
        check=True, capture_output=True, text=True, env={**os.environ, "AWS_DEFAULT_REGION": REGION}, timeout=120,
    )
    return dict(json.loads(out.stdout))


class Stack:
    """The transformed template with parameters applied: resources, conditions, outputs."""

    def __init__(self, **params: Any) -> None:
        self.template = transformed()
        declared = self.template["Parameters"]
        missing = [name for name, p in declared.items() if "Default" not in p and name not in params]
        assert not missing, f"test gives no value for {missing}"
        self.params = {name: p.get("Default") for name, p in declared.items()} | params
        self.params = {k: (str(v) if not isinstance(v, list) else v) for k, v in self.params.items()}
        self.conditions = {name: self._resolve(expr) for name, expr in self.template.get("Conditions", {}).items()}
        self.resources = {
            name: self._resolve({k: v for k, v in res.items() if k != "Condition"})
            for name, res in self.template["Resources"].items()
            if self.conditions.get(res.get("Condition", ""), True)
        }
        self.outputs = {
            name: self._resolve(out["Value"])
            for name, out in self.template.get("Outputs", {}).items()
            if self.conditions.get(out.get("Condition", ""), True)
        }

    def props(self, logical_id: str) -> dict[str, Any]:
        return dict(self.resources[logical_id]["Properties"])

    def of_type(self, type_: str) -> dict[str, dict[str, Any]]:
        return {name: res for name, res in self.resources.items() if res["Type"] == type_}

    def _ref(self, name: str) -> Any:
        pseudo = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": "aws",
                  "AWS::StackName": "conn", "AWS::NoValue": _NO_VALUE}
        if name in pseudo:
            return pseudo[name]
        if name in self.params:
            return self.params[name]
        assert name in self.template["Resources"], f"Ref to unknown {name}"
        return f"<ref {name}>"

    def _resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self._resolve(item) for item in node]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Condition":
                return self.conditions[arg]
            if key == "Fn::Equals":
                left, right = (self._resolve(a) for a in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self._resolve(arg[0])
            if key == "Fn::If":
                name, then, otherwise = arg
                return self._resolve(then if self.conditions[name] else otherwise)
            if key == "Fn::GetAtt":
                return f"<{'.'.join(arg) if isinstance(arg, list) else arg}>"
            if key == "Fn::Sub":
                assert isinstance(arg, str), "Fn::Sub with a variable map: extend the resolver"
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._resolve_sub(m.group(1))), arg)
        resolved = {k: self._resolve(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _resolve_sub(self, name: str) -> Any:
        if "." in name:
            return f"<{name}>"
        return self._ref(name)


def _rules(rules: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """Security group rules as (protocol, from, to, peer) with the peer whichever kind is given."""
    peers = ("CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "SourceSecurityGroupId", "DestinationPrefixListId")
    out = set()
    for rule in rules:
        (peer,) = [f"{key}={rule[key]}" for key in peers if key in rule]
        out.add((rule["IpProtocol"], int(rule["FromPort"]), int(rule["ToPort"]), peer))
    return out


LAMBDA_SG = "<LambdaSecurityGroup.GroupId>"


def test_function_is_a_python312_arm64_vpc_lambda() -> None:
    fn = Stack(**NETWORK).props("ConnectorFunction")
    assert fn["Handler"] == "handlers.app.lambda_handler"
    assert (fn["Runtime"], fn["Architectures"]) == ("python3.12", ["arm64"])


def test_the_function_timeout_is_appflows_longest_budget() -> None:
    """template.yaml's Timeout and connector/limits.py say the same: a longer one only hides a Lambda timeout."""
    fn = Stack(**NETWORK).props("ConnectorFunction")
    assert fn["Timeout"] == LAMBDA_TIMEOUT_SECONDS == max(BUDGET_SECONDS.values())
    assert fn["VpcConfig"] == {"SecurityGroupIds": [LAMBDA_SG], "SubnetIds": NETWORK["SubnetIds"]}
    assert fn["LoggingConfig"] == {"LogGroup": "<ref ConnectorLogGroup>"}
    assert "ReservedConcurrentExecutions" not in fn  # 0 = none reserved


def test_build_metadata_is_makefile() -> None:
    assert transformed()["Resources"]["ConnectorFunction"]["Metadata"]["BuildMethod"] == "makefile"


def test_lambda_security_group_has_no_ingress_and_egress_443_and_db_port_only() -> None:
    sg = Stack(**NETWORK, DbSecurityGroupId=DB_SG).props("LambdaSecurityGroup")
    assert "SecurityGroupIngress" not in sg
    assert _rules(sg["SecurityGroupEgress"]) == {
        ("tcp", 443, 443, "CidrIp=0.0.0.0/0"),
        ("tcp", 3306, 3306, f"DestinationSecurityGroupId={DB_SG}"),
    }
    # Without a DB security group the database may be anywhere: the port, to any address.
    sg = Stack(**NETWORK).props("LambdaSecurityGroup")
    assert _rules(sg["SecurityGroupEgress"]) == {("tcp", 443, 443, "CidrIp=0.0.0.0/0"),
                                                 ("tcp", 3306, 3306, "CidrIp=0.0.0.0/0")}
    sg = Stack(**NETWORK, DbPort=3307).props("LambdaSecurityGroup")
    assert ("tcp", 3307, 3307, "CidrIp=0.0.0.0/0") in _rules(sg["SecurityGroupEgress"])


def test_db_security_group_admits_the_db_port_from_the_lambda_sg_only_when_given() -> None:
    stack = Stack(**NETWORK, DbSecurityGroupId=DB_SG)
    (rule,) = stack.of_type("AWS::EC2::SecurityGroupIngress").values()
    assert rule["Properties"]["GroupId"] == DB_SG
    assert _rules([rule["Properties"]]) == {("tcp", 3306, 3306, f"SourceSecurityGroupId={LAMBDA_SG}")}
    assert not Stack(**NETWORK).of_type("AWS::EC2::SecurityGroupIngress")


def test_secrets_manager_endpoint_with_private_dns_admitting_443_from_the_lambda_sg() -> None:
    stack = Stack(**NETWORK)
    (endpoint,) = [r["Properties"] for r in stack.of_type("AWS::EC2::VPCEndpoint").values()]
    assert endpoint["VpcEndpointType"] == "Interface"
    assert endpoint["ServiceName"] == f"com.amazonaws.{REGION}.secretsmanager"
    assert endpoint["PrivateDnsEnabled"] is True
    assert endpoint["VpcId"] == NETWORK["VpcId"]
    assert endpoint["SubnetIds"] == NETWORK["SubnetIds"]
    assert endpoint["SecurityGroupIds"] == ["<SecretsManagerEndpointSecurityGroup.GroupId>"]
    sg = stack.props("SecretsManagerEndpointSecurityGroup")
    assert _rules(sg["SecurityGroupIngress"]) == {("tcp", 443, 443, f"SourceSecurityGroupId={LAMBDA_SG}")}


def test_no_endpoint_when_the_vpc_already_has_a_path() -> None:
    stack = Stack(**NETWORK, CreateSecretsManagerEndpoint="false")
    assert not stack.of_type("AWS::EC2::VPCEndpoint")
    assert list(stack.of_type("AWS::EC2::SecurityGroup")) == ["LambdaSecurityGroup"]
    assert "SecretsManagerEndpointId" not in stack.outputs


def _role_statements(stack: Stack) -> list[dict[str, Any]]:
    role = stack.props("ConnectorFunctionRole")
    return [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def test_role_reads_only_this_connectors_profile_secrets_and_may_manage_enis() -> None:
    stack = Stack(**NETWORK, ConnectorLabel="JDBCConnector")
    role = stack.props("ConnectorFunctionRole")
    vpc_access = ":policy/service-role/AWSLambdaVPCAccessExecutionRole"
    assert any(arn.endswith(vpc_access) for arn in role["ManagedPolicyArns"])
    assert [(s["Effect"], s["Action"], s["Resource"]) for s in _role_statements(stack)] == [
        ("Allow", "secretsmanager:GetSecretValue",
         f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:appflow!{ACCOUNT}-JDBCConnector-*"),
    ]


def test_kms_decrypt_only_with_a_customer_key_and_only_via_secrets_manager() -> None:
    statements = _role_statements(Stack(**NETWORK, ProfileKmsKeyArn=KMS_KEY))
    (kms,) = [s for s in statements if s["Action"] == "kms:Decrypt"]
    assert kms["Resource"] == KMS_KEY
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}}
    assert not [s for s in _role_statements(Stack(**NETWORK)) if "kms" in str(s["Action"])]


def test_appflow_may_invoke_from_this_account_only() -> None:
    (perm,) = [r["Properties"] for r in Stack(**NETWORK).of_type("AWS::Lambda::Permission").values()]
    assert perm == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": "<ConnectorFunction.Arn>",
        "Principal": "appflow.amazonaws.com",
        "SourceAccount": ACCOUNT,
        "SourceArn": f"arn:aws:appflow:{REGION}:{ACCOUNT}:*",
    }


def test_registration_depends_on_the_permission_and_can_be_left_out() -> None:
    stack = Stack(**NETWORK, ConnectorLabel="JDBCConnector")
    connector = stack.resources["AppFlowConnector"]
    depends = connector["DependsOn"]
    assert "AppFlowInvokePermission" in ([depends] if isinstance(depends, str) else depends)
    assert connector["Properties"] == {
        "ConnectorLabel": "JDBCConnector",
        "Description": connector["Properties"]["Description"],
        "ConnectorProvisioningType": "LAMBDA",
        "ConnectorProvisioningConfig": {"Lambda": {"LambdaArn": "<ConnectorFunction.Arn>"}},
    }
    assert stack.outputs["ConnectorArn"] == "<AppFlowConnector.ConnectorArn>"
    unregistered = Stack(**NETWORK, RegisterConnector="false")
    assert not unregistered.of_type("AWS::AppFlow::Connector")
    assert "ConnectorArn" not in unregistered.outputs
    assert unregistered.of_type("AWS::Lambda::Permission")  # still needed to register by hand


def test_reserved_concurrency_and_log_retention() -> None:
    stack = Stack(**NETWORK, ReservedConcurrency=5, LogRetentionInDays=90)
    assert stack.props("ConnectorFunction")["ReservedConcurrentExecutions"] == "5"
    assert stack.props("ConnectorLogGroup")["RetentionInDays"] == "90"


def test_outputs_name_the_function_connector_and_security_groups() -> None:
    assert Stack(**NETWORK).outputs == {
        "FunctionArn": "<ConnectorFunction.Arn>",
        "ConnectorArn": "<AppFlowConnector.ConnectorArn>",
        "ConnectorLabel": "mysql-connector",
        "LambdaSecurityGroupId": LAMBDA_SG,
        "SecretsManagerEndpointSecurityGroupId": "<SecretsManagerEndpointSecurityGroup.GroupId>",
        "SecretsManagerEndpointId": "<ref SecretsManagerEndpoint>",
    }


def test_minimal_stack_creates_only_the_essentials() -> None:
    stack = Stack(**NETWORK, CreateSecretsManagerEndpoint="false", RegisterConnector="false")
    assert sorted(stack.resources) == [
        "AppFlowInvokePermission", "ConnectorFunction", "ConnectorFunctionRole", "ConnectorLogGroup",
        "LambdaSecurityGroup",
    ]


def test_cfn_lint_applies_the_serverless_rules(tmp_path: Path) -> None:
    """The lint in `make lint` is not vacuous: without the documented ignores, the serverless rules fire."""
    text = (ROOT / "template.yaml").read_text()
    stripped = re.sub(r"      cfn-lint:\n(        .*\n|\s*#.*\n)+", "", text)
    assert stripped != text
    (tmp_path / "template.yaml").write_text(stripped)
    (tmp_path / ".cfnlintrc.yaml").write_text((ROOT / ".cfnlintrc.yaml").read_text())
    run = subprocess.run([tool("cfn-lint"), "template.yaml"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode != 0
    assert "WS1004" in run.stdout and "WS1000" in run.stdout, run.stdout + run.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
