"""The doctor inside the deployed function: a ``DiagnoseRequest`` sent with ``lambda:InvokeFunction``.

The function answers from its own subnets, security group and role, which is the path AppFlow's
calls take. The caller's AWS credentials and region are used as botocore finds them (the
standard ``AWS_ENDPOINT_URL_LAMBDA`` and ``AWS_ENDPOINT_URL_CLOUDFORMATION`` name other
endpoints). Every way the invocation can fail is a ``RemoteError`` with one line that says
what to do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "RemoteAnswer", "RemoteError", "diagnose_in_function", "function_of_stack",
           "region_for"]

DEFAULT_TIMEOUT_SECONDS = 60.0  # the doctor answers in ~10 s; a cold start in a VPC adds a few more
STACK_OUTPUT = "FunctionName"  # template.yaml's output naming the connector function


class RemoteError(Exception):
    """The deployed function could not be asked, or did not answer: one line, what to check."""


@dataclass(frozen=True)
class RemoteAnswer:
    diagnosis: dict[str, Any]
    function: str
    region: str
    request_id: str | None


def _arn_region(arn: str, service: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 4 and parts[0] == "arn" and parts[2] == service and parts[3] else None


def region_for(function: str | None, secret_arn: str | None) -> str:
    """The function ARN's region, else the caller's configured one, else the profile secret's (same region)."""
    import boto3

    region = (_arn_region(function or "", "lambda") or boto3.session.Session().region_name
              or _arn_region(secret_arn or "", "secretsmanager"))
    if not region:
        msg = "no AWS region: set AWS_REGION (or AWS_PROFILE with a region), or give the function's ARN"
        raise RemoteError(msg)
    return region


def _client(service: str, region: str, timeout: float) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=10, read_timeout=timeout, retries={"total_max_attempts": 1})
    return boto3.session.Session().client(service, region_name=region, config=config)


def _aws_error(exc: Exception, what: str, endpoint: str) -> RemoteError:
    """One line for a botocore failure that is not the service's answer (credentials, network, timeout)."""
    from botocore import exceptions

    if isinstance(exc, exceptions.NoCredentialsError | exceptions.PartialCredentialsError):
        return RemoteError(f"{what}: no AWS credentials found (set AWS_PROFILE, or run aws sso login / aws configure)")
    if isinstance(exc, exceptions.ReadTimeoutError):
        return RemoteError(f"{what}: no answer within the read timeout (--timeout)")
    if isinstance(exc, exceptions.EndpointConnectionError | exceptions.ConnectTimeoutError):
        return RemoteError(f"{what}: cannot reach {endpoint} ({exc})")
    return RemoteError(f"{what}: {type(exc).__name__}: {exc}")


def function_of_stack(stack: str, region: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> str:
    """The connector function's name from the stack's ``FunctionName`` output."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = _client("cloudformation", region, timeout)
    try:
        stacks = client.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code")), str(error.get("Message"))
        if code == "ValidationError" and "does not exist" in message:
            msg = f"no CloudFormation stack {stack!r} in {region}: check --stack-name and the region (AWS_REGION)"
            raise RemoteError(msg) from None
        if "AccessDenied" in code:
            msg = f"not allowed to read stack {stack!r} (cloudformation:DescribeStacks): {message}"
            raise RemoteError(msg) from None
        msg = f"cloudformation:DescribeStacks {stack!r} failed: {code}: {message}"
        raise RemoteError(msg) from None
    except BotoCoreError as exc:
        raise _aws_error(exc, f"cloudformation:DescribeStacks {stack!r}", client.meta.endpoint_url) from None
    outputs = {o.get("OutputKey"): o.get("OutputValue") for o in (stacks[0].get("Outputs") or [])} if stacks else {}
    name = outputs.get(STACK_OUTPUT)
    if not name:
        msg = (f"stack {stack!r} has no {STACK_OUTPUT} output: is it this connector's stack (template.yaml), and "
               "done deploying? Give --function-name instead")
        raise RemoteError(msg)
    return str(name)


def _function_error(function: str, kind: str, payload: bytes) -> RemoteError:
    try:
        body = json.loads(payload)
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    error_type, message = body.get("errorType") or kind, str(body.get("errorMessage") or "no message")
    hint = ""
    if "Task timed out" in message:
        hint = " (the function ran out of its timeout: a cold start in a VPC, or a check that hung)"
    elif error_type in ("Runtime.ImportModuleError", "Runtime.HandlerNotFound"):
        hint = " (the deployed artifact is broken: build and deploy again)"
    return RemoteError(f"the function {function} failed ({kind}): {error_type}: {message.strip()[:500]}{hint}")


def diagnose_in_function(function: str, event: Mapping[str, Any], region: str,
                         timeout: float = DEFAULT_TIMEOUT_SECONDS) -> RemoteAnswer:
    """Invoke the function with the DiagnoseRequest ``event`` (RequestResponse); its diagnosis dict."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = _client("lambda", region, timeout)
    what = f"lambda:InvokeFunction {function}"
    try:
        response = client.invoke(FunctionName=function, InvocationType="RequestResponse",
                                 Payload=json.dumps(dict(event)).encode())
        payload = response["Payload"].read()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code")), str(error.get("Message"))
        if code == "ResourceNotFoundException":
            msg = (f"no Lambda function {function} in {region}: check --function-name (or --stack-name) and the "
                   "region (AWS_REGION, or give the function's ARN)")
        elif "AccessDenied" in code:
            msg = f"not allowed to invoke {function}: the caller needs lambda:InvokeFunction on it ({message})"
        elif code == "TooManyRequestsException":
            msg = f"{function} is throttled (TooManyRequestsException): try again shortly ({message})"
        else:
            msg = f"{what} failed: {code}: {message}"
        raise RemoteError(msg) from None
    except BotoCoreError as exc:
        if type(exc).__name__ == "ReadTimeoutError":
            msg = (f"no answer from {function} within {timeout:g} s (--timeout): the function may still be "
                   "running; its CloudWatch log tells")
            raise RemoteError(msg) from None
        raise _aws_error(exc, what, client.meta.endpoint_url) from None
    if response.get("FunctionError"):
        raise _function_error(function, str(response["FunctionError"]), payload)
    try:
        diagnosis = json.loads(payload)
    except ValueError:
        msg = f"{function} answered no JSON ({len(payload)} bytes): is it this connector's function?"
        raise RemoteError(msg) from None
    if not isinstance(diagnosis, dict):
        msg = f"{function} answered JSON {type(diagnosis).__name__}, not a diagnosis: is it this connector's function?"
        raise RemoteError(msg)
    request_id = (response.get("ResponseMetadata") or {}).get("RequestId")
    return RemoteAnswer(diagnosis, function, region, request_id)
