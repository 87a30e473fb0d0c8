"""template.yaml, transformed to CloudFormation offline (samtranslator) and resolved per parameter set.

The transform runs in the SAM tool venv (tests/sam_transform.py). A small resolver then
evaluates Conditions, Rules, Fn::If/And/Or/Not/Equals/Join/Split, Ref, Fn::Sub and AWS::NoValue for
given parameter values, so each test sees the stack CloudFormation would create (or the parameter
set it would refuse): which resources exist and the exact security group rules, IAM statements,
registration wiring and alarm.
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

import connector
from connector.credentials import DATABASE_SECRETS_ENV, allowed_database_secrets
from connector.limits import BUDGET_SECONDS, LAMBDA_TIMEOUT_SECONDS
from handlers import metrics
from handlers.events import check_event
from tests.sam_tools import checkov, tool

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT, REGION = "123456789012", "eu-west-1"
NETWORK = {"VpcId": "vpc-0abc", "SubnetIds": ["subnet-0a", "subnet-0b"]}
DB_SG = "sg-0123456789abcdef0"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DB_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/99999999-12ab-34cd-56ef-1234567890ab"
# An RDS-managed master user secret: the name rds!cluster-<uuid>, then Secrets Manager's 6 characters.
DB_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!cluster-0f1e2d3c-aaaa-bbbb-cccc-0123456789ab-Xy12Zw"
# A secret of one's own, for a flow-only user.
DB_SECRET_2 = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/appflow_reader-AbC123"
DB_KEY_2 = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/88888888-12ab-34cd-56ef-1234567890ab"
CLUSTER_ID = "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1"
CLIENT_SG, ENDPOINT_SG = "sg-0aaaaaaaaaaaaaaaa", "sg-0bbbbbbbbbbbbbbbb"
PROFILE_SECRETS = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:appflow!{ACCOUNT}-mysql-connector-*-??????"
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
        unknown = set(params) - set(declared)
        assert not unknown, f"the template has no parameter {unknown}"
        values = {name: p.get("Default") for name, p in declared.items()} | params
        self.params = {name: self._parameter_value(declared[name]["Type"], value) for name, value in values.items()}
        self._conditions: dict[str, bool] = {}
        self.conditions = {name: self._condition(name) for name in self.template.get("Conditions", {})}
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

    @staticmethod
    def _parameter_value(type_: str, value: Any) -> Any:
        """As CloudFormation hands it to Ref: lists for list types (an empty string is [""]), else text."""
        if type_.startswith("List<") or type_ == "CommaDelimitedList":
            return value if isinstance(value, list) else str(value).split(",")
        return str(value)

    def _condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = bool(self._resolve(self.template["Conditions"][name]))
        return self._conditions[name]

    def refusals(self) -> list[str]:
        """AssertDescriptions of the template's Rules that this parameter set breaks (CloudFormation refuses it)."""
        refused = []
        for rule in self.template.get("Rules", {}).values():
            if "RuleCondition" in rule and not self._resolve(rule["RuleCondition"]):
                continue
            refused += [a["AssertDescription"] for a in rule["Assertions"] if not self._resolve(a["Assert"])]
        return refused

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
                return self._condition(arg)
            if key == "Fn::Equals":
                left, right = (self._resolve(a) for a in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self._resolve(arg[0])
            if key == "Fn::And":
                return all(self._resolve(a) for a in arg)
            if key == "Fn::Or":
                return any(self._resolve(a) for a in arg)
            if key == "Fn::Contains":
                choices, value = (self._resolve(a) for a in arg)
                return str(value) in [str(c) for c in choices]
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(item) for item in self._resolve(items))
            if key == "Fn::Split":
                separator, text = arg
                return str(self._resolve(text)).split(separator)
            if key == "Fn::If":
                name, then, otherwise = arg
                return self._resolve(then if self._condition(name) else otherwise)
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
ENDPOINT_SG_ATT = "<SecretsManagerEndpointSecurityGroup.GroupId>"
CREATE = {"CreateSecretsManagerEndpoint": "Create"}


def _ingress_into(stack: Stack, group: str) -> set[tuple[Any, ...]]:
    """Every standalone ingress rule the stack adds to ``group``."""
    return _rules([r["Properties"] for r in stack.of_type("AWS::EC2::SecurityGroupIngress").values()
                   if r["Properties"]["GroupId"] == group])


def test_function_is_a_python312_arm64_vpc_lambda() -> None:
    fn = Stack(**NETWORK).props("ConnectorFunction")
    assert fn["Handler"] == "handlers.lambda_entry.lambda_handler"
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


# --- what sam deploy --guided asks ---------------------------------------------------------------

EVERY_DEPLOY = ["VpcId", "SubnetIds", "DbSecurityGroupId", "ConnectorLabel"]


def test_guided_deploy_asks_the_four_every_deploy_needs_first_and_each_other_has_a_default() -> None:
    """sam deploy --guided asks in the order of Parameters (samcli get_template_parameters), with no descriptions."""
    declared = transformed()["Parameters"]
    assert list(declared)[:4] == EVERY_DEPLOY
    assert [name for name, p in declared.items() if "Default" not in p] == ["VpcId", "SubnetIds"]
    # Enter for everything after the four: a stack CloudFormation accepts, which creates no endpoint and
    # changes no security group but the database's.
    defaults = Stack(**NETWORK, DbSecurityGroupId=DB_SG)
    assert defaults.refusals() == []
    assert not defaults.of_type("AWS::EC2::VPCEndpoint")
    assert {r["Properties"]["GroupId"] for r in defaults.of_type("AWS::EC2::SecurityGroupIngress").values()} == {DB_SG}


def test_the_console_groups_follow_the_guided_order_and_label_every_parameter() -> None:
    interface = transformed()["Metadata"]["AWS::CloudFormation::Interface"]
    groups = interface["ParameterGroups"]
    assert groups[0]["Parameters"] == EVERY_DEPLOY and "Every deploy" in groups[0]["Label"]["default"]
    assert all("(optional" in group["Label"]["default"] for group in groups[1:])
    in_groups = [name for group in groups for name in group["Parameters"]]
    assert in_groups == list(transformed()["Parameters"])  # each once, in the order sam asks
    labels = interface["ParameterLabels"]
    assert set(labels) == set(in_groups) and all(label["default"] for label in labels.values())


# --- the function's security group ---------------------------------------------------------------

@pytest.mark.parametrize("mode", ["Create", "true"])
def test_lambda_security_group_has_no_ingress_and_egress_443_to_the_created_endpoint_only(mode: str) -> None:
    sg = Stack(**NETWORK, DbSecurityGroupId=DB_SG, CreateSecretsManagerEndpoint=mode).props("LambdaSecurityGroup")
    assert "SecurityGroupIngress" not in sg
    assert _rules(sg["SecurityGroupEgress"]) == {
        ("tcp", 443, 443, f"DestinationSecurityGroupId={ENDPOINT_SG_ATT}"),
        ("tcp", 3306, 3306, f"DestinationSecurityGroupId={DB_SG}"),
    }
    # Without a DB security group the database may be anywhere: the port, to any address.
    sg = Stack(**NETWORK, DbPort=3307, CreateSecretsManagerEndpoint=mode).props("LambdaSecurityGroup")
    assert _rules(sg["SecurityGroupEgress"]) == {("tcp", 443, 443, f"DestinationSecurityGroupId={ENDPOINT_SG_ATT}"),
                                                 ("tcp", 3307, 3307, "CidrIp=0.0.0.0/0")}


def test_every_egress_rule_has_its_description_whatever_the_parameters() -> None:
    """One rule per purpose, only its peer conditional: a security scan (checkov CKV_AWS_23) sees each description."""
    raw = transformed()["Resources"]["LambdaSecurityGroup"]["Properties"]["SecurityGroupEgress"]
    assert len(raw) == 2 and all("Description" in rule for rule in raw)
    for params in ({}, CREATE, {"CreateSecretsManagerEndpoint": "None"}, {"DbSecurityGroupId": DB_SG},
                   {"CreateSecretsManagerEndpoint": "Reuse", "ExistingEndpointSecurityGroupId": ENDPOINT_SG}):
        egress = Stack(**NETWORK, **params).props("LambdaSecurityGroup")["SecurityGroupEgress"]
        assert len(egress) == len(_rules(egress)) == 2 and all(rule["Description"] for rule in egress), params


@pytest.mark.parametrize("mode", ["Auto", "None", "false", "Reuse"])
def test_lambda_egress_443_goes_anywhere_only_when_the_endpoints_security_group_is_not_given(mode: str) -> None:
    """Auto decides at deploy time (NetworkLookup), after the rules are written: 443 egress cannot name its group."""
    nat = Stack(**NETWORK, CreateSecretsManagerEndpoint=mode).props("LambdaSecurityGroup")
    assert ("tcp", 443, 443, "CidrIp=0.0.0.0/0") in _rules(nat["SecurityGroupEgress"])
    if mode == "Auto":
        return
    existing = Stack(**NETWORK, CreateSecretsManagerEndpoint=mode, ExistingEndpointSecurityGroupId=ENDPOINT_SG)
    egress = _rules(existing.props("LambdaSecurityGroup")["SecurityGroupEgress"])
    assert ("tcp", 443, 443, f"DestinationSecurityGroupId={ENDPOINT_SG}") in egress
    assert ("tcp", 443, 443, "CidrIp=0.0.0.0/0") not in egress


def test_db_security_group_admits_the_db_port_from_the_lambda_sg_only_when_given() -> None:
    stack = Stack(**NETWORK, DbSecurityGroupId=DB_SG, CreateSecretsManagerEndpoint="false")
    (rule,) = stack.of_type("AWS::EC2::SecurityGroupIngress").values()
    assert rule["Properties"]["GroupId"] == DB_SG
    assert _rules([rule["Properties"]]) == {("tcp", 3306, 3306, f"SourceSecurityGroupId={LAMBDA_SG}")}
    assert not Stack(**NETWORK, CreateSecretsManagerEndpoint="false").of_type("AWS::EC2::SecurityGroupIngress")


# --- the Secrets Manager endpoint ----------------------------------------------------------------

def test_the_default_creates_no_endpoint_and_changes_no_security_group_it_did_not_create() -> None:
    """Auto: a shared VPC keeps its endpoint and DNS; the stack only looks (NetworkLookup) and says what it found."""
    stack = Stack(**NETWORK, DbSecurityGroupId=DB_SG)
    assert transformed()["Parameters"]["CreateSecretsManagerEndpoint"]["Default"] == "Auto"
    assert not stack.of_type("AWS::EC2::VPCEndpoint")
    assert list(stack.of_type("AWS::EC2::SecurityGroup")) == ["LambdaSecurityGroup"]
    assert [r["Properties"]["GroupId"] for r in stack.of_type("AWS::EC2::SecurityGroupIngress").values()] == [DB_SG]
    assert stack.props("NetworkLookup") == {
        "ServiceToken": "<NetworkLookupFunction.Arn>", "ServiceTimeout": 120, "VpcId": NETWORK["VpcId"],
        "Mode": "Auto", "SubnetIds": NETWORK["SubnetIds"], "EndpointSubnetIds": [""],
        "ExistingEndpointSecurityGroupId": "", "FunctionSecurityGroupId": LAMBDA_SG,
        "OwnEndpointName": "conn-secretsmanager"}
    assert stack.outputs["SecretsManagerEndpointChoice"] == "<NetworkLookup.Endpoint>"
    assert stack.outputs["SecretsManagerEndpointNote"] == "<NetworkLookup.Note>"


@pytest.mark.parametrize("mode", ["Create", "true"])
def test_secrets_manager_endpoint_with_private_dns_in_the_subnets_the_lookup_chose(mode: str) -> None:
    stack = Stack(**NETWORK, CreateSecretsManagerEndpoint=mode)
    (endpoint,) = [r["Properties"] for r in stack.of_type("AWS::EC2::VPCEndpoint").values()]
    assert endpoint["VpcEndpointType"] == "Interface"
    assert endpoint["ServiceName"] == f"com.amazonaws.{REGION}.secretsmanager"
    assert endpoint["PrivateDnsEnabled"] is True
    assert endpoint["VpcId"] == NETWORK["VpcId"]
    # One per zone, picked from SubnetIds by the lookup (tests/test_vpc_cidr_lookup.py): two in a zone fail.
    assert endpoint["SubnetIds"] == ["<NetworkLookup.EndpointSubnetIds>"]
    lookup = stack.props("NetworkLookup")
    assert (lookup["Mode"], lookup["SubnetIds"], lookup["EndpointSubnetIds"]) == ("Create", NETWORK["SubnetIds"], [""])
    assert endpoint["SecurityGroupIds"] == [ENDPOINT_SG_ATT]
    # Its security group has no inline rules: they would point back at the function's group, a cycle.
    assert "SecurityGroupIngress" not in stack.props("SecretsManagerEndpointSecurityGroup")
    assert stack.outputs["SecretsManagerEndpointChoice"] == "created <ref SecretsManagerEndpoint>"
    note = stack.outputs["SecretsManagerEndpointNote"]
    assert "every workload in vpc-0abc" in note and "deleting this stack deletes it" in note


def test_endpoint_subnets_can_differ_from_the_function_subnets() -> None:
    stack = Stack(**NETWORK, **CREATE, EndpointSubnetIds="subnet-0c,subnet-0d,subnet-0e")
    assert stack.props("NetworkLookup")["EndpointSubnetIds"] == ["subnet-0c", "subnet-0d", "subnet-0e"]
    assert stack.props("SecretsManagerEndpoint")["SubnetIds"] == ["<NetworkLookup.EndpointSubnetIds>"]
    assert stack.props("ConnectorFunction")["VpcConfig"]["SubnetIds"] == NETWORK["SubnetIds"]


def test_the_created_endpoint_admits_the_whole_vpc_by_default_through_the_lookup() -> None:
    """Private DNS sends every Secrets Manager client in the VPC to the endpoint: all of them must get in."""
    stack = Stack(**NETWORK, **CREATE)
    assert _ingress_into(stack, ENDPOINT_SG_ATT) == {
        ("tcp", 443, 443, f"SourceSecurityGroupId={LAMBDA_SG}"),
        ("tcp", 443, 443, "CidrIp=<NetworkLookup.CidrBlock>"),
    }
    assert stack.resources["NetworkLookup"]["Type"] == "Custom::NetworkLookup"
    # The lookup function runs outside the VPC and may only describe the network.
    fn = stack.props("NetworkLookupFunction")
    assert "VpcConfig" not in fn and fn["Code"]["ZipFile"]
    assert [(s["Action"], s["Resource"]) for s in _role_statements(stack, "NetworkLookupFunctionRole")] == [
        (["ec2:DescribeVpcs", "ec2:DescribeVpcEndpoints", "ec2:DescribeVpcEndpointServices", "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups"], "*")]


def test_the_endpoint_clients_can_be_a_given_cidr_a_security_group_or_the_function_only() -> None:
    given = Stack(**NETWORK, **CREATE, EndpointClientCidr="10.20.0.0/16", EndpointClientSecurityGroupId=CLIENT_SG)
    assert _ingress_into(given, ENDPOINT_SG_ATT) == {
        ("tcp", 443, 443, f"SourceSecurityGroupId={LAMBDA_SG}"),
        ("tcp", 443, 443, "CidrIp=10.20.0.0/16"),
        ("tcp", 443, 443, f"SourceSecurityGroupId={CLIENT_SG}"),
    }
    alone = Stack(**NETWORK, **CREATE, EndpointClientCidr="none")
    assert _ingress_into(alone, ENDPOINT_SG_ATT) == {("tcp", 443, 443, f"SourceSecurityGroupId={LAMBDA_SG}")}
    # Only a created endpoint has clients to admit.
    assert not _ingress_into(Stack(**NETWORK, EndpointClientSecurityGroupId=CLIENT_SG), ENDPOINT_SG_ATT)


@pytest.mark.parametrize("mode", ["None", "false"])
def test_no_endpoint_and_no_lookup_when_told_the_vpc_has_a_path(mode: str) -> None:
    stack = Stack(**NETWORK, CreateSecretsManagerEndpoint=mode)
    assert not stack.of_type("AWS::EC2::VPCEndpoint")
    assert list(stack.of_type("AWS::EC2::SecurityGroup")) == ["LambdaSecurityGroup"]
    assert not stack.of_type("Custom::NetworkLookup") and "NetworkLookupFunction" not in stack.resources
    assert "SecretsManagerEndpointId" not in stack.outputs
    assert stack.outputs["SecretsManagerEndpointChoice"] == "none (not looked up)"
    assert "nothing was looked up or created" in stack.outputs["SecretsManagerEndpointNote"]


@pytest.mark.parametrize("mode", ["Reuse", "None", "false"])
def test_an_existing_endpoints_security_group_gets_the_443_rule_from_the_function_only_when_given(mode: str) -> None:
    """Reuse with the group named: the one change to a shared resource, asked for, and removed with the stack."""
    stack = Stack(**NETWORK, CreateSecretsManagerEndpoint=mode, ExistingEndpointSecurityGroupId=ENDPOINT_SG)
    assert _ingress_into(stack, ENDPOINT_SG) == {("tcp", 443, 443, f"SourceSecurityGroupId={LAMBDA_SG}")}
    assert not stack.of_type("AWS::EC2::VPCEndpoint")
    assert not Stack(**NETWORK, CreateSecretsManagerEndpoint=mode).of_type("AWS::EC2::SecurityGroupIngress")
    if mode == "Reuse":  # the lookup checks that the group is the endpoint's
        assert stack.props("NetworkLookup")["ExistingEndpointSecurityGroupId"] == ENDPOINT_SG
        assert stack.outputs["SecretsManagerEndpointChoice"] == "<NetworkLookup.Endpoint>"
    else:
        assert stack.outputs["SecretsManagerEndpointChoice"] == (
            f"existing endpoint behind {ENDPOINT_SG} (not looked up)")


def test_name_tags_on_the_security_groups_and_the_endpoint() -> None:
    stack = Stack(**NETWORK, **CREATE)
    names = {name: {t["Key"]: t["Value"] for t in stack.props(name)["Tags"]}["Name"]
             for name in ("LambdaSecurityGroup", "SecretsManagerEndpointSecurityGroup", "SecretsManagerEndpoint")}
    assert names == {"LambdaSecurityGroup": "conn-connector-lambda",
                     "SecretsManagerEndpointSecurityGroup": "conn-secretsmanager-endpoint",
                     "SecretsManagerEndpoint": "conn-secretsmanager"}


# --- parameter sets CloudFormation refuses -------------------------------------------------------

def test_consistent_parameter_sets_pass_the_rules() -> None:
    for params in ({}, {"CreateSecretsManagerEndpoint": "false", "ExistingEndpointSecurityGroupId": ENDPOINT_SG},
                   {"CreateSecretsManagerEndpoint": "Reuse", "ExistingEndpointSecurityGroupId": ENDPOINT_SG},
                   {"CreateSecretsManagerEndpoint": "None", "ExistingEndpointSecurityGroupId": ENDPOINT_SG},
                   {"DatabaseSecretArn": DB_SECRET, "DatabaseSecretKmsKeyArn": DB_KEY},
                   {"IamDbClusterResourceId": CLUSTER_ID, "IamDbUsername": "appflow"}):
        assert Stack(**NETWORK, **params).refusals() == [], params


@pytest.mark.parametrize(("params", "says"), [
    ({"ExistingEndpointSecurityGroupId": ENDPOINT_SG}, "CreateSecretsManagerEndpoint=Reuse"),
    ({"ExistingEndpointSecurityGroupId": ENDPOINT_SG, **CREATE}, "CreateSecretsManagerEndpoint=Reuse"),
    ({"ExistingEndpointSecurityGroupId": ENDPOINT_SG, "CreateSecretsManagerEndpoint": "true"},
     "CreateSecretsManagerEndpoint=Reuse"),
    ({"DatabaseSecretKmsKeyArn": DB_KEY}, "needs DatabaseSecretArn"),
    ({"IamDbClusterResourceId": CLUSTER_ID}, "both IamDbClusterResourceId and IamDbUsername"),
    ({"IamDbUsername": "appflow"}, "both IamDbClusterResourceId and IamDbUsername"),
])
def test_inconsistent_parameter_sets_are_refused(params: dict[str, str], says: str) -> None:
    (refusal,) = Stack(**NETWORK, **params).refusals()
    assert says in refusal


# --- the function's role -------------------------------------------------------------------------

def _role_statements(stack: Stack, role: str = "ConnectorFunctionRole") -> list[dict[str, Any]]:
    props = stack.props(role)
    return [s for policy in props["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def _grants(stack: Stack) -> list[tuple[str, str, Any]]:
    return [(s["Sid"], s["Action"], s["Resource"]) for s in _role_statements(stack)]


def test_role_reads_only_this_connectors_profile_secrets_and_may_manage_enis() -> None:
    stack = Stack(**NETWORK, ConnectorLabel="JDBCConnector")
    role = stack.props("ConnectorFunctionRole")
    vpc_access = ":policy/service-role/AWSLambdaVPCAccessExecutionRole"
    assert any(arn.endswith(vpc_access) for arn in role["ManagedPolicyArns"])
    assert [(s["Effect"], s["Action"], s["Resource"]) for s in _role_statements(stack)] == [
        ("Allow", "secretsmanager:GetSecretValue",
         f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:appflow!{ACCOUNT}-JDBCConnector-*-??????"),
    ]


def test_the_profile_secret_pattern_needs_a_profile_and_the_secrets_manager_suffix() -> None:
    """IAM's * and ? on real AppFlow-style ARNs: what the grant matches and what it does not."""
    pattern = _grants(Stack(**NETWORK))[0][2]
    regex = re.compile("^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$")
    base = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:appflow!{ACCOUNT}"
    assert regex.match(f"{base}-mysql-connector-prod-profile-7Hx1-AbC123")
    assert not regex.match(f"{base}-mysql-connector-AbC123")          # no profile part
    assert not regex.match(f"{base}-other-connector-prod-AbC123")      # another label
    assert not regex.match(f"{base}-mysql-connectorX-prod-AbC123")     # a label that merely starts the same
    assert not regex.match(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!cluster-1-AbC123")
    # Not closable by a pattern (README, "What the function may read"): label mysql-connector-prod, profile p.
    assert regex.match(f"{base}-mysql-connector-prod-p-AbC123")


def test_kms_decrypt_only_with_a_customer_key_via_secrets_manager_for_this_connectors_secrets() -> None:
    statements = _role_statements(Stack(**NETWORK, ProfileKmsKeyArn=KMS_KEY))
    (kms,) = [s for s in statements if s["Action"] == "kms:Decrypt"]
    assert kms["Resource"] == KMS_KEY
    assert kms["Condition"] == {
        "StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:SecretARN": PROFILE_SECRETS},
    }
    assert not [s for s in _role_statements(Stack(**NETWORK)) if "kms" in str(s["Action"])]


def test_a_database_secret_grants_exactly_that_secret_and_its_key_only_for_it() -> None:
    secret_only = Stack(**NETWORK, DatabaseSecretArn=DB_SECRET)
    assert _grants(secret_only) == [
        ("ReadAppFlowProfileSecrets", "secretsmanager:GetSecretValue", PROFILE_SECRETS),
        ("ReadDatabaseSecret", "secretsmanager:GetSecretValue", [DB_SECRET]),
    ]
    with_key = _role_statements(Stack(**NETWORK, DatabaseSecretArn=DB_SECRET, DatabaseSecretKmsKeyArn=DB_KEY))
    (kms,) = [s for s in with_key if s["Action"] == "kms:Decrypt"]
    assert (kms["Sid"], kms["Resource"]) == ("DecryptDatabaseSecretViaSecretsManager", [DB_KEY])
    assert kms["Condition"] == {"StringEquals": {
        "kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com",
        "kms:EncryptionContext:SecretARN": [DB_SECRET],
    }}
    # A key without its secret grants nothing (and the Rules refuse the set).
    assert not [s for s in _role_statements(Stack(**NETWORK, DatabaseSecretKmsKeyArn=DB_KEY)) if "kms" in s["Action"]]


def test_several_database_secrets_grant_exactly_those_and_their_keys_only_for_them() -> None:
    stack = Stack(**NETWORK, DatabaseSecretArn=f"{DB_SECRET},{DB_SECRET_2}",
                  DatabaseSecretKmsKeyArn=f"{DB_KEY},{DB_KEY_2}")
    assert stack.refusals() == []
    statements = {s["Sid"]: s for s in _role_statements(stack)}
    assert statements["ReadDatabaseSecret"]["Resource"] == [DB_SECRET, DB_SECRET_2]
    kms = statements["DecryptDatabaseSecretViaSecretsManager"]
    assert kms["Resource"] == [DB_KEY, DB_KEY_2]
    assert kms["Condition"]["StringEquals"]["kms:EncryptionContext:SecretARN"] == [DB_SECRET, DB_SECRET_2]


@pytest.mark.parametrize("listed", ["", DB_SECRET, f"{DB_SECRET},{DB_SECRET_2}"])
def test_the_function_reads_the_database_secrets_the_role_may_read(listed: str) -> None:
    """The connector's allow list (connector/credentials.py) is the parameter the grant is made of, verbatim."""
    stack = Stack(**NETWORK, DatabaseSecretArn=listed)
    env = stack.props("ConnectorFunction")["Environment"]["Variables"]
    assert env[DATABASE_SECRETS_ENV] == listed
    granted = {sid: resource for sid, _, resource in _grants(stack)}.get("ReadDatabaseSecret", [])
    assert sorted(allowed_database_secrets(env)) == sorted(granted)


def test_iam_database_authentication_grants_connect_as_one_user_of_one_cluster() -> None:
    stack = Stack(**NETWORK, IamDbClusterResourceId=CLUSTER_ID, IamDbUsername="appflow")
    assert _grants(stack)[1:] == [
        ("ConnectWithIamDatabaseAuthentication", "rds-db:connect",
         f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:{CLUSTER_ID}/appflow"),
    ]
    for half in ({"IamDbClusterResourceId": CLUSTER_ID}, {"IamDbUsername": "appflow"}):
        assert not [s for s in _role_statements(Stack(**NETWORK, **half)) if "rds-db" in s["Action"]]


def test_everything_at_once_is_the_union_and_nothing_more() -> None:
    stack = Stack(**NETWORK, ProfileKmsKeyArn=KMS_KEY, DatabaseSecretArn=DB_SECRET, DatabaseSecretKmsKeyArn=DB_KEY,
                  IamDbClusterResourceId=CLUSTER_ID, IamDbUsername="appflow")
    assert [(sid, action) for sid, action, _ in _grants(stack)] == [
        ("ReadAppFlowProfileSecrets", "secretsmanager:GetSecretValue"),
        ("DecryptProfileSecretsViaSecretsManager", "kms:Decrypt"),
        ("ReadDatabaseSecret", "secretsmanager:GetSecretValue"),
        ("DecryptDatabaseSecretViaSecretsManager", "kms:Decrypt"),
        ("ConnectWithIamDatabaseAuthentication", "rds-db:connect"),
    ]
    assert all(s["Effect"] == "Allow" for s in _role_statements(stack))


def test_the_database_credential_parameters_accept_real_ids_and_refuse_names() -> None:
    declared = transformed()["Parameters"]

    def accepts(name: str, value: str) -> bool:
        return re.fullmatch(declared[name]["AllowedPattern"], value) is not None

    assert accepts("DatabaseSecretArn", DB_SECRET) and accepts("DatabaseSecretArn", "")
    assert accepts("DatabaseSecretArn", f"{DB_SECRET},{DB_SECRET_2}")
    assert not accepts("DatabaseSecretArn", DB_SECRET[:-7])  # the name without Secrets Manager's suffix
    assert not accepts("DatabaseSecretArn", "rds!cluster-0f1e2d3c-aaaa-bbbb-cccc-0123456789ab-Xy12Zw")  # a name
    for listed in (f"{DB_SECRET}, {DB_SECRET_2}", f"{DB_SECRET},", f",{DB_SECRET}", f"{DB_SECRET},,{DB_SECRET_2}",
                   f" {DB_SECRET}", f"{DB_SECRET};{DB_SECRET_2}", f"{DB_SECRET}*"):
        assert not accepts("DatabaseSecretArn", listed), listed  # spaces, empty items, other separators
    assert accepts("DatabaseSecretKmsKeyArn", f"{DB_KEY},{DB_KEY_2}") and not accepts("DatabaseSecretKmsKeyArn",
                                                                                         f"{DB_KEY}, {DB_KEY_2}")
    assert accepts("IamDbClusterResourceId", CLUSTER_ID) and accepts("IamDbClusterResourceId", "prx-0123abcd")
    assert not accepts("IamDbClusterResourceId", "my-aurora-cluster")  # the cluster's name, not its resource id
    assert accepts("IamDbUsername", "appflow") and not accepts("IamDbUsername", "app/flow")


def test_permissions_boundary_on_every_role_when_given() -> None:
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/DeveloperBoundary"
    stack = Stack(**NETWORK, PermissionsBoundary=boundary)
    roles = stack.of_type("AWS::IAM::Role")
    assert set(roles) == {"ConnectorFunctionRole", "NetworkLookupFunctionRole"}
    assert {name: r["Properties"].get("PermissionsBoundary") for name, r in roles.items()} == dict.fromkeys(
        roles, boundary)
    assert not [r for r in Stack(**NETWORK).of_type("AWS::IAM::Role").values()
                if "PermissionsBoundary" in r["Properties"]]


# --- AppFlow: invocation, registration, keep-active ----------------------------------------------

def test_appflow_may_invoke_from_this_account_only() -> None:
    perm = Stack(**NETWORK, KeepActiveSchedule="").props("AppFlowInvokePermission")
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
    assert "AppFlowInvokePermission" in unregistered.resources  # still needed to register by hand


def test_a_new_connector_version_changes_the_registration_so_cloudformation_re_registers() -> None:
    """AppFlow re-reads the configuration only on UpdateConnectorRegistration, which CloudFormation calls only
    when a property of AWS::AppFlow::Connector changes: the version in Description is that property."""
    description = Stack(**NETWORK).props("AppFlowConnector")["Description"]
    assert description.endswith(f" - version {connector.__version__}"), (
        f"template.yaml's AppFlowConnector Description must end with ' - version {connector.__version__}' "
        "(connector/__init__.py): otherwise a deploy of the new version does not re-register it")
    assert "source and destination" in description
    assert "source connector" not in transformed()["Description"]


def test_the_label_is_set_once_and_a_stack_policy_refuses_its_replacement() -> None:
    label = transformed()["Parameters"]["ConnectorLabel"]["Description"]
    assert "Set it once" in label and "lose access" in label
    policy = json.loads((ROOT / "mk" / "stack-policy.json").read_text())
    deny = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny == [{"Effect": "Deny", "Principal": "*", "Action": ["Update:Replace", "Update:Delete"],
                     "Resource": "LogicalResourceId/AppFlowConnector"}]
    assert {"Effect": "Allow", "Principal": "*", "Action": "Update:*", "Resource": "*"} in policy["Statement"]


def test_keep_active_invokes_a_no_network_call_weekly_and_can_be_switched_off() -> None:
    stack = Stack(**NETWORK)
    rule = stack.props("KeepActiveRule")
    assert (rule["ScheduleExpression"], rule["State"]) == ("rate(7 days)", "ENABLED")
    (target,) = rule["Targets"]
    assert target["Arn"] == "<ConnectorFunction.Arn>"
    event = json.loads(target["Input"])
    assert check_event(event) == "DescribeConnectorConfigurationRequest"  # the function accepts it
    assert stack.props("KeepActivePermission") == {
        "Action": "lambda:InvokeFunction", "FunctionName": "<ConnectorFunction.Arn>",
        "Principal": "events.amazonaws.com", "SourceArn": "<KeepActiveRule.Arn>"}
    off = Stack(**NETWORK, KeepActiveSchedule="")
    assert "KeepActiveRule" not in off.resources and "KeepActivePermission" not in off.resources


# --- function settings, alarm, outputs -----------------------------------------------------------

def test_reserved_concurrency_is_off_by_default_and_log_retention() -> None:
    """A positive default would fail the deploy in accounts with under 100 + N unreserved concurrency."""
    assert transformed()["Parameters"]["ReservedConcurrency"]["Default"] == 0
    stack = Stack(**NETWORK, ReservedConcurrency=5, LogRetentionInDays=90)
    assert stack.props("ConnectorFunction")["ReservedConcurrentExecutions"] == "5"
    assert stack.props("ConnectorLogGroup")["RetentionInDays"] == "90"


def test_the_function_emits_metrics_under_the_names_the_alarm_watches() -> None:
    env = Stack(**NETWORK, ConnectorLabel="JDBCConnector").props("ConnectorFunction")["Environment"]["Variables"]
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == metrics.NAMESPACE
    assert env["POWERTOOLS_SERVICE_NAME"] == metrics.SERVICE
    assert env[metrics.LABEL_VARIABLE] == "JDBCConnector"


def test_failure_alarm_only_when_asked_on_the_connectors_own_failures_and_the_functions() -> None:
    assert not Stack(**NETWORK).of_type("AWS::CloudWatch::Alarm")
    stack = Stack(**NETWORK, ConnectorLabel="JDBCConnector", FailureAlarmThreshold=3)
    alarm = stack.props("FailureAlarm")
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["ComparisonOperator"], alarm["TreatMissingData"]) \
        == ("3", 1, "GreaterThanOrEqualToThreshold", "notBreaching")
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    assert [q["Id"] for q in alarm["Metrics"] if q["ReturnData"]] == ["total"]
    assert queries["total"]["Expression"] == "FILL(answered, 0) + FILL(errors, 0) + FILL(throttles, 0)"
    answered = queries["answered"]["MetricStat"]
    assert answered["Metric"] == {
        "Namespace": metrics.NAMESPACE, "MetricName": metrics.FAILURES,
        "Dimensions": [{"Name": "service", "Value": metrics.SERVICE},
                       {"Name": metrics.CONNECTOR_DIMENSION, "Value": "JDBCConnector"}]}
    for query, name in (("errors", "Errors"), ("throttles", "Throttles")):
        stat = queries[query]["MetricStat"]
        assert stat["Metric"] == {"Namespace": "AWS/Lambda", "MetricName": name,
                                  "Dimensions": [{"Name": "FunctionName", "Value": "<ref ConnectorFunction>"}]}
    assert all(q["MetricStat"]["Period"] == 300 and q["MetricStat"]["Stat"] == "Sum"
               for q in alarm["Metrics"] if "MetricStat" in q)
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:oncall"
    notified = Stack(**NETWORK, FailureAlarmThreshold=1, AlarmTopicArn=topic).props("FailureAlarm")
    assert (notified["AlarmActions"], notified["OKActions"]) == ([topic], [topic])
    assert stack.outputs["FailureAlarmName"] == "<ref FailureAlarm>"


# EC2 accepts only these characters in security group and rule descriptions (botocore's EC2 model).
_EC2_DESCRIPTION = re.compile(r"[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]*")
# AppFlow RegisterConnector / UpdateConnectorRegistration: description pattern, matched in full.
_APPFLOW_DESCRIPTION = re.compile(r"[\s\w/!@#+=.-]*")


@pytest.mark.parametrize("params", [
    {}, {"DbSecurityGroupId": DB_SG}, {"CreateSecretsManagerEndpoint": "false"}, CREATE,
    {"EndpointClientCidr": "10.1.0.0/16", **CREATE}, {"EndpointClientCidr": "none", **CREATE},
    {"CreateSecretsManagerEndpoint": "Reuse", "ExistingEndpointSecurityGroupId": ENDPOINT_SG},
], ids=["default", "db-sg", "no-endpoint", "create", "cidr", "no-clients", "reuse"])
def test_every_description_uses_only_what_ec2_and_appflow_accept(params: dict[str, str]) -> None:
    """An apostrophe in a rule description fails the create; a comma fails the connector's registration."""
    stack = Stack(**NETWORK, **params)
    texts = []
    for name in stack.of_type("AWS::EC2::SecurityGroup"):
        group = stack.props(name)
        texts.append(group["GroupDescription"])
        texts += [rule.get("Description", "") for key in ("SecurityGroupIngress", "SecurityGroupEgress")
                  for rule in group.get(key, [])]
    for kind in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        texts += [stack.props(name).get("Description", "") for name in stack.of_type(kind)]
    assert texts and all(_EC2_DESCRIPTION.fullmatch(t) for t in texts), [t for t in texts
                                                                          if not _EC2_DESCRIPTION.fullmatch(t)]
    for name in stack.of_type("AWS::AppFlow::Connector"):
        assert _APPFLOW_DESCRIPTION.fullmatch(stack.props(name)["Description"])


def test_outputs_name_the_function_log_group_connector_and_security_groups() -> None:
    common = {
        "FunctionArn": "<ConnectorFunction.Arn>",
        "FunctionName": "<ref ConnectorFunction>",
        "LogGroupName": "<ref ConnectorLogGroup>",
        "ConnectorArn": "<AppFlowConnector.ConnectorArn>",
        "ConnectorLabel": "mysql-connector",
        "LambdaSecurityGroupId": LAMBDA_SG,
    }
    assert Stack(**NETWORK).outputs == {**common, "SecretsManagerEndpointChoice": "<NetworkLookup.Endpoint>",
                                        "SecretsManagerEndpointNote": "<NetworkLookup.Note>"}
    created = Stack(**NETWORK, **CREATE).outputs
    assert created == {**common, "SecretsManagerEndpointChoice": "created <ref SecretsManagerEndpoint>",
                       "SecretsManagerEndpointNote": created["SecretsManagerEndpointNote"],
                       "SecretsManagerEndpointSecurityGroupId": ENDPOINT_SG_ATT,
                       "SecretsManagerEndpointId": "<ref SecretsManagerEndpoint>"}
    assert created["SecretsManagerEndpointNote"].startswith(
        "created <ref SecretsManagerEndpoint> with private DNS <NetworkLookup.Note>: ")


def test_minimal_stack_creates_only_the_essentials() -> None:
    stack = Stack(**NETWORK, CreateSecretsManagerEndpoint="false", RegisterConnector="false", KeepActiveSchedule="")
    assert sorted(stack.resources) == [
        "AppFlowInvokePermission", "ConnectorFunction", "ConnectorFunctionRole", "ConnectorLogGroup",
        "LambdaSecurityGroup",
    ]


def test_cfn_lint_applies_the_serverless_rules(tmp_path: Path) -> None:
    """The lint in `make lint` is not vacuous: without the documented ignores, each ignored rule fires."""
    text = (ROOT / "template.yaml").read_text()
    ignored = set(re.findall(r"^ +- ((?:WS|ES)\d{4})$", text, flags=re.MULTILINE))
    assert {"WS1004", "WS1000"} <= ignored
    stripped = re.sub(r"    Metadata:\n      cfn-lint:\n(        .*\n|\s*#.*\n)+(?=    [A-Za-z])", "", text)
    stripped = re.sub(r"      cfn-lint:\n(        .*\n|\s*#.*\n)+", "", stripped)
    assert "ignore_checks" not in stripped
    (tmp_path / "template.yaml").write_text(stripped)
    (tmp_path / ".cfnlintrc.yaml").write_text((ROOT / ".cfnlintrc.yaml").read_text())
    run = subprocess.run([tool("cfn-lint"), "template.yaml"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode != 0
    fired = set(re.findall(r"^((?:WS|ES)\d{4}) ", run.stdout, flags=re.MULTILINE))
    assert ignored <= fired, run.stdout + run.stderr



# --- the security scan (checkov), and the findings it made fixed ---------------------------------

# What checkov reports that does not apply, each skipped in the resource's Metadata with its reason.
CHECKOV_SKIPS = {("CKV_AWS_116", "AWS::Serverless::Function.ConnectorFunction"),
                 ("CKV_AWS_116", "AWS::Serverless::Function.NetworkLookupFunction"),
                 ("CKV_AWS_117", "AWS::Serverless::Function.NetworkLookupFunction"),
                 ("CKV_AWS_115", "AWS::Serverless::Function.NetworkLookupFunction")}
# checkov drops the resources whose Condition the parameters' defaults make false: so it also scans the
# template with defaults that switch every optional resource on.
FULLEST_DEFAULTS = {"CreateSecretsManagerEndpoint": "Create", "DbSecurityGroupId": DB_SG,
                    "EndpointClientSecurityGroupId": CLIENT_SG, "ProfileKmsKeyArn": KMS_KEY,
                    "DatabaseSecretArn": DB_SECRET, "DatabaseSecretKmsKeyArn": DB_KEY,
                    "IamDbClusterResourceId": CLUSTER_ID, "IamDbUsername": "appflow", "ReservedConcurrency": "5",
                    "PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/b", "LogKmsKeyArn": KMS_KEY,
                    "FunctionKmsKeyArn": KMS_KEY, "FailureAlarmThreshold": "1",
                    "AlarmTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:oncall"}
REUSE_DEFAULTS = {"CreateSecretsManagerEndpoint": "Reuse", "ExistingEndpointSecurityGroupId": ENDPOINT_SG}


def with_defaults(text: str, **defaults: str) -> str:
    """template.yaml's text with these parameters' Default lines changed."""
    for name, value in defaults.items():
        pattern = re.compile(rf"(^  {name}:\n(?:    .*\n)*?    Default: ).*$", re.MULTILINE)
        text, found = pattern.subn(r"\g<1>" + json.dumps(value).replace("\\", "\\\\"), text, count=1)
        assert found == 1, name
    return text


def _checkov(directory: Path, text: str) -> dict[str, Any]:
    """checkov's JSON report on ``text`` as template.yaml, with the project's .checkov.yaml (offline)."""
    (directory / "template.yaml").write_text(text)
    (directory / ".checkov.yaml").write_text((ROOT / ".checkov.yaml").read_text())
    run = subprocess.run([checkov(), "--file", "template.yaml", "--output", "json"], cwd=directory,
                         capture_output=True, text=True, timeout=300)
    report: dict[str, Any] = json.loads(run.stdout)
    assert report["check_type"] == "cloudformation" and report["summary"]["parsing_errors"] == 0, run.stderr[-2000:]
    return report


def _findings(report: dict[str, Any], kind: str) -> set[tuple[str, str]]:
    return {(check["check_id"], check["resource"]) for check in report["results"][kind]}


@pytest.mark.parametrize("defaults", [{}, FULLEST_DEFAULTS, REUSE_DEFAULTS], ids=["defaults", "fullest", "reuse"])
def test_checkov_finds_nothing_but_what_is_skipped_with_its_reason(defaults: dict[str, str], tmp_path: Path) -> None:
    report = _checkov(tmp_path, with_defaults((ROOT / "template.yaml").read_text(), **defaults))
    assert report["summary"]["failed"] == 0, sorted(_findings(report, "failed_checks"))
    assert _findings(report, "skipped_checks") == CHECKOV_SKIPS
    for check in report["results"]["skipped_checks"]:
        assert len(check["check_result"]["suppress_comment"]) > 80, check["check_id"]  # a reason, not a shrug
    scanned = {resource for _, resource in _findings(report, "passed_checks")}
    if defaults is FULLEST_DEFAULTS:  # the conditional resources were scanned, not dropped
        assert {"AWS::EC2::SecurityGroup.SecretsManagerEndpointSecurityGroup",
                "AWS::EC2::SecurityGroupIngress.EndpointIngressFromClientSecurityGroup",
                "AWS::EC2::SecurityGroupIngress.DbIngressFromLambda"} <= scanned
    if defaults is REUSE_DEFAULTS:
        assert "AWS::EC2::SecurityGroupIngress.ExistingEndpointIngressFromLambda" in scanned
    assert "AWS::Logs::LogGroup.ConnectorLogGroup" in scanned


def test_each_checkov_skip_hides_a_finding_checkov_would_report(tmp_path: Path) -> None:
    """The scan in `make lint` is not vacuous: without the skips, exactly the skipped checks fail."""
    text = (ROOT / "template.yaml").read_text()
    stripped = re.sub(r"      checkov:\n        skip:\n(          .*\n|\s*#.*\n)+", "", text)
    assert "checkov:" not in stripped
    assert _findings(_checkov(tmp_path, stripped), "failed_checks") == CHECKOV_SKIPS


def test_customer_managed_keys_for_the_log_groups_and_the_functions_environment_when_given() -> None:
    """checkov CKV_AWS_158 and CKV_AWS_173, fixed by optional keys: none by default, on every log group when given."""
    plain = Stack(**NETWORK)
    assert not [name for name in plain.of_type("AWS::Logs::LogGroup") if "KmsKeyId" in plain.props(name)]
    assert "KmsKeyArn" not in plain.props("ConnectorFunction")
    keyed = Stack(**NETWORK, LogKmsKeyArn=KMS_KEY, FunctionKmsKeyArn=DB_KEY)
    assert {name: keyed.props(name)["KmsKeyId"] for name in keyed.of_type("AWS::Logs::LogGroup")} == {
        "ConnectorLogGroup": KMS_KEY, "NetworkLookupLogGroup": KMS_KEY}
    assert keyed.props("ConnectorFunction")["KmsKeyArn"] == DB_KEY
    # Lambda's grant on the key decrypts the environment: the role needs no kms statement of its own.
    assert not [s for s in _role_statements(keyed) if "kms" in str(s["Action"])]


def test_the_deploy_guide_names_every_parameter_and_every_skipped_check() -> None:
    """docs/deploy.md is the parameters' reference and the scan's record: a new one without its line fails."""
    guide = (ROOT / "docs" / "deploy.md").read_text()
    missing = [name for name in transformed()["Parameters"] if f"`{name}`" not in guide]
    assert not missing, f"docs/deploy.md does not describe {missing}"
    for check_id, resource in CHECKOV_SKIPS:
        name = resource.split(".")[1]
        assert re.search(rf"^\| {check_id} [^|]*\| `{name}` \|", guide, re.MULTILINE), (check_id, name)
    for value in ("Auto", "Create", "Reuse", "None"):
        assert f"`{value}`" in guide

if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
