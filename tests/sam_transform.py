"""Transform template.yaml to CloudFormation offline; print the JSON.

Run by tests/test_template.py with the SAM tool venv's interpreter (.venv-sam/bin/python,
which has samtranslator; the project venv does not, its pins differ). No AWS call: the
managed policies the template names are resolved from a fixed table.
"""

from __future__ import annotations

import json
import os
import sys

MANAGED = {
    name: f"arn:aws:iam::aws:policy/service-role/{name}"
    for name in ("AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole")
}


class OfflinePolicies:
    """Stands in for samtranslator's IAM-backed ManagedPolicyLoader."""

    def load(self) -> dict[str, str]:
        return MANAGED


def main(path: str) -> None:
    # Imported here: pytest's doctest collection imports this module in the project venv.
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in resource["Properties"]:
            resource["Properties"]["CodeUri"] = "s3://placeholder-bucket/connector.zip"
    print(json.dumps(transform(template, {}, OfflinePolicies())))


if __name__ == "__main__":
    main(sys.argv[1])
