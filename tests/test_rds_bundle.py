"""The Amazon RDS CA bundle the default TLS mode trusts: the file recorded in connector/certs/SOURCE.md.

Every certificate is parsed: a self-signed Amazon RDS root, valid today and for years to come,
one per region and key type, as the provenance file says.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from connector.database import RDS_CA_BUNDLE

SOURCE = RDS_CA_BUNDLE.parent / "SOURCE.md"
SUBJECT = re.compile(r"Amazon RDS (?P<region>(?:Beta |Preview )?[a-z]{2}(?:-[a-z]+)+-\d) Root CA "
                     r"(?P<kind>RSA2048|RSA4096|ECC384) G1")


def _certificates() -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(RDS_CA_BUNDLE.read_bytes())


def _name(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    return str(cert.subject.get_attributes_for_oid(oid)[0].value)


def test_the_file_is_the_one_whose_provenance_is_recorded() -> None:
    recorded = re.search(r"sha256: `([0-9a-f]{64})`", SOURCE.read_text())
    assert recorded and hashlib.sha256(RDS_CA_BUNDLE.read_bytes()).hexdigest() == recorded.group(1)


def test_every_certificate_is_a_self_signed_amazon_rds_root() -> None:
    certs = _certificates()
    assert len(certs) == 102
    for cert in certs:
        assert cert.subject == cert.issuer
        assert _name(cert, NameOID.ORGANIZATION_NAME) == "Amazon Web Services, Inc."
        assert _name(cert, NameOID.ORGANIZATIONAL_UNIT_NAME) == "Amazon RDS"
        assert SUBJECT.fullmatch(_name(cert, NameOID.COMMON_NAME)), _name(cert, NameOID.COMMON_NAME)
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        cert.verify_directly_issued_by(cert)  # the self-signature holds


def test_every_certificate_is_valid_now_and_for_decades() -> None:
    now = datetime.datetime.now(datetime.UTC)
    for cert in _certificates():
        assert cert.not_valid_before_utc < now
        assert cert.not_valid_after_utc > now + datetime.timedelta(days=365 * 30), _name(cert, NameOID.COMMON_NAME)


def test_three_key_types_per_region() -> None:
    kinds: Counter[str] = Counter()
    for cert in _certificates():
        found = SUBJECT.fullmatch(_name(cert, NameOID.COMMON_NAME))
        assert found
        kinds[found["region"]] += 1
        key = cert.public_key()
        expected = {"RSA2048": (rsa.RSAPublicKey, 2048), "RSA4096": (rsa.RSAPublicKey, 4096),
                    "ECC384": (ec.EllipticCurvePublicKey, 384)}[found["kind"]]
        assert isinstance(key, expected[0]) and key.key_size == expected[1]
    assert set(kinds.values()) == {3} and {"us-east-1", "eu-west-1", "ap-southeast-2"} <= set(kinds)
