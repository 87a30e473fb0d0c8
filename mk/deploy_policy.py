"""The deploying principal's IAM policy for one stack: mk/deploy-policy.json with its placeholders filled.

    python3 mk/deploy_policy.py [--stack-name NAME] [--partition aws] [--output-dir DIR]
    make deploy-policy STACK_NAME=NAME          (writes out/deploy-policy-NAME.json)

mk/deploy-policy.json names the stack as ${StackName} and the partition as ${Partition}: the writes it
allows (the stack, its roles, functions, log groups, schedule and alarm) are held to names that begin
with the stack's. Without --stack-name, the stack `make deploy` uses: samconfig.local.toml's
stack_name, else samconfig.toml's. Any python3 >= 3.11 runs it (standard library only).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "mk" / "deploy-policy.json"
# CloudFormation's rule for stack names: neither IAM wildcard (* ?) nor any other ARN separator can occur.
STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
# Names CloudFormation generates: <stack>-<logical id>-<12 or 13 random characters>, at most 64 in all.
GENERATED_NAME_LIMIT, RANDOM_SUFFIX = 64, 13


def configured_stack_name(root: Path = ROOT) -> str:
    """The stack_name `make deploy` uses: samconfig.local.toml's (deploy over global), else samconfig.toml's."""
    for name in ("samconfig.local.toml", "samconfig.toml"):
        path = root / name
        if path.is_file():
            config = tomllib.loads(path.read_text()).get("default", {})
            for section in ("deploy", "global"):
                stack = config.get(section, {}).get("parameters", {}).get("stack_name")
                if stack:
                    return str(stack)
    msg = "no stack_name in samconfig.local.toml or samconfig.toml: give --stack-name"
    raise SystemExit(msg)


def generated_logical_ids(template: Path = ROOT / "template.yaml") -> list[str]:
    """Logical ids whose physical names CloudFormation generates from the stack name: functions and their roles."""
    functions = re.findall(r"^  (\w+):\n    Type: AWS::Serverless::Function$", template.read_text(), re.MULTILINE)
    return sorted(functions + [f"{name}Role" for name in functions], key=len)


def name_warning(stack_name: str, logical_ids: list[str]) -> str | None:
    """Why the policy may not fit the names CloudFormation generates for this stack (None: it fits)."""
    longest = logical_ids[-1] if logical_ids else ""
    length = len(stack_name) + 1 + len(longest) + 1 + RANDOM_SUFFIX
    if length <= GENERATED_NAME_LIMIT:
        return None
    return (f"stack name {stack_name!r} ({len(stack_name)} characters) may be shortened in the names CloudFormation "
            f"generates (e.g. {stack_name}-{longest}-<random>: {length} > {GENERATED_NAME_LIMIT} characters); the "
            f"policy's {stack_name}-* patterns would then not match. A name of at most "
            f"{GENERATED_NAME_LIMIT - len(longest) - 2 - RANDOM_SUFFIX} characters fits.")


def render(stack_name: str, partition: str = "aws", template: Path = TEMPLATE) -> dict[str, Any]:
    """The policy for ``stack_name``; ValueError for a name CloudFormation would refuse, or an unknown partition."""
    if not STACK_NAME.fullmatch(stack_name):
        msg = (f"{stack_name!r} is not a CloudFormation stack name (a letter, then letters, digits and hyphens; "
               "at most 128)")
        raise ValueError(msg)
    if partition not in PARTITIONS:
        msg = f"{partition!r} is not an AWS partition ({', '.join(PARTITIONS)})"
        raise ValueError(msg)
    text = template.read_text().replace("${StackName}", stack_name).replace("${Partition}", partition)
    left = sorted(set(re.findall(r"\$\{\w+\}", text)))
    if left:
        msg = f"{template.name} has placeholders this script does not fill: {left}"
        raise ValueError(msg)
    policy: dict[str, Any] = json.loads(text)
    return policy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack-name", help="default: the stack_name of samconfig.local.toml, else samconfig.toml")
    parser.add_argument("--partition", default="aws", help="aws (default), aws-cn, aws-us-gov, ...")
    parser.add_argument("--output-dir", type=Path,
                        help="write DIR/deploy-policy-<stack name>.json (default: standard output)")
    args = parser.parse_args(argv)
    stack_name = args.stack_name or configured_stack_name()
    try:
        policy = render(stack_name, args.partition)
    except ValueError as exc:
        print(f"deploy_policy: {exc}", file=sys.stderr)
        return 2
    warning = name_warning(stack_name, generated_logical_ids())
    if warning:
        print(f"deploy_policy: WARNING: {warning}", file=sys.stderr)
    text = json.dumps(policy, indent=2) + "\n"
    if args.output_dir:
        out = args.output_dir / f"deploy-policy-{stack_name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        print(f"{out}: the deploy policy for stack {stack_name} ({args.partition}). Create it with:\n"
              f"  aws iam create-policy --policy-name {stack_name}-deploy --policy-document file://{out}",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
