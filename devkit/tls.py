"""A throwaway certificate authority for the test and demo servers (not in the Lambda artifact).

The connector verifies server certificates by default, as it must against Aurora. A local
server therefore needs certificates a client can check: one CA made per run, a server
certificate for 127.0.0.1 and localhost, and one for a name no test connects to (so that
VERIFY_IDENTITY has something to refuse while VERIFY_CA accepts it).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["LOCAL_NAMES", "TestCA", "make_test_ca"]

LOCAL_NAMES = ("localhost", "127.0.0.1")
_LIFE = datetime.timedelta(days=2)


@dataclass(frozen=True)
class ServerCertificate:
    """PEM files of one server certificate and its key."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class TestCA:
    """The CA file a client trusts, and server certificates it signed."""

    __test__ = False  # not a pytest test class

    ca_file: Path
    local: ServerCertificate  # 127.0.0.1 and localhost
    wrong_name: ServerCertificate  # db.example.invalid only
    self_signed: ServerCertificate  # 127.0.0.1 and localhost, signed by no CA anyone trusts


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "appflow-mysql test rig"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _alt_names(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _write(directory: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> ServerCertificate:
    cert_file, key_file = directory / f"{stem}.pem", directory / f"{stem}-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return ServerCertificate(cert_file, key_file)


def _server_cert(names: tuple[str, ...], issuer: x509.Name, issuer_key: ec.EllipticCurvePrivateKey | None,
                 key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(issuer if issuer_key else _name(names[0]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + _LIFE)
        .add_extension(_alt_names(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(issuer_key or key, hashes.SHA256())
    )


def make_test_ca(directory: Path) -> TestCA:
    """Write a new CA and its server certificates under ``directory`` (keys readable by the owner only)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_name = _name(f"appflow-mysql throwaway CA {os.urandom(4).hex()}")  # unique: OpenSSL finds issuers by name
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + _LIFE)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    issued = {}
    for stem, names, signer in (("server", LOCAL_NAMES, ca_key), ("wrong-name", ("db.example.invalid",), ca_key),
                                ("self-signed", LOCAL_NAMES, None)):
        key = ec.generate_private_key(ec.SECP256R1())
        issued[stem] = _write(directory, stem, _server_cert(names, ca_name, signer, key), key)
    return TestCA(ca_file, issued["server"], issued["wrong-name"], issued["self-signed"])
