"""SecretStore on botocore's promises alone: its GetSecretValue errors and a TTL cache of its own.

botocore's Stubber (its public test double) answers for Secrets Manager, so these need no moto.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from connector import errors
from connector.credentials import SecretStore

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:appflow!1-c-p-AbC123"


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SecretStore, Stubber]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", raising=False)
    client = boto3.session.Session().client("secretsmanager", region_name="eu-west-1")
    store = SecretStore(max_age=300)
    monkeypatch.setattr(store, "_client", lambda region, attempts=2: client)
    with Stubber(client) as stubber:
        yield store, stubber
        stubber.assert_no_pending_responses()


def answer(stubber: Stubber, secret: str) -> None:
    stubber.add_response("get_secret_value", {"ARN": ARN, "Name": "n", "SecretString": secret}, {"SecretId": ARN})


def test_a_secret_is_read_once_while_cached_and_again_on_refresh(stubbed: tuple[SecretStore, Stubber]) -> None:
    store, stubber = stubbed
    answer(stubber, '{"v": 1}')
    answer(stubber, '{"v": 2}')
    assert store.read(ARN) == {"v": 1}
    assert store.read(ARN) == {"v": 1}  # the cache: no second call
    assert store.read(ARN, refresh=True) == {"v": 2}
    assert store.read(ARN) == {"v": 2}  # the refreshed value is what is cached now


def test_an_expired_secret_is_read_again(stubbed: tuple[SecretStore, Stubber]) -> None:
    store, stubber = stubbed
    store.max_age = 0
    answer(stubber, '{"v": 1}')
    answer(stubber, '{"v": 2}')
    assert store.read(ARN) == {"v": 1}
    assert store.read(ARN) == {"v": 2}


@pytest.mark.parametrize(
    ("code", "status", "error_class", "words"),
    [
        ("ResourceNotFoundException", 400, errors.ResourceNotFoundError, "has no secret"),
        ("AccessDeniedException", 400, errors.AccessDeniedError, "secretsmanager:GetSecretValue"),
        ("DecryptionFailure", 400, errors.AccessDeniedError, "kms:Decrypt"),
        ("ThrottlingException", 400, errors.RateLimitExceededError, "throttled"),
        ("SomethingNew", 403, errors.AccessDeniedError, "secretsmanager:GetSecretValue"),
        ("SomethingNew", 500, errors.ServerError, "SomethingNew: told so"),
    ],
)
def test_botocore_errors_are_classified_by_their_code(
    stubbed: tuple[SecretStore, Stubber], code: str, status: int, error_class: type[Any], words: str
) -> None:
    store, stubber = stubbed
    stubber.add_client_error("get_secret_value", code, "told so", status, expected_params={"SecretId": ARN})
    with pytest.raises(error_class, match=words) as raised:
        store.read(ARN)
    assert raised.value.__cause__ is not None  # the botocore error stays attached for the log


def test_a_failed_read_is_not_cached(stubbed: tuple[SecretStore, Stubber]) -> None:
    store, stubber = stubbed
    stubber.add_client_error("get_secret_value", "ThrottlingException", "slow down", 400)
    answer(stubber, '{"v": 1}')
    with pytest.raises(errors.RateLimitExceededError):
        store.read(ARN)
    assert store.read(ARN) == {"v": 1}
