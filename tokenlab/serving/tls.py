"""A local certificate authority for one run: a CA certificate and a server certificate for
``127.0.0.1`` and ``localhost``, made with ``cryptography`` in a temporary directory, never
committed and never a real CA.

Clients trust this CA only (``curl --cacert``, ``requests.get(..., verify=path)``,
:func:`client_context`), so the lesson's HTTPS is checked as strictly as on the internet:
the server's name must match the certificate (RFC 9110 §4.3.4, RFC 6125), the chain must end
at a trusted root. Keys are ECDSA P-256; the server certificate lives a day, the CA as long.
"""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["LocalCA", "client_context"]

_LIFETIME = datetime.timedelta(days=1)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tokenlab (demo only)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@dataclass(frozen=True)
class LocalCA:
    """The files of one run: :attr:`ca_cert` (what clients trust), the server's certificate
    chain and key. :meth:`create` makes them; :meth:`remove` deletes the directory."""

    directory: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path

    @classmethod
    def create(cls, directory: Path | None = None) -> LocalCA:
        """A fresh CA and a server certificate for 127.0.0.1 and localhost, signed by it."""
        where = Path(directory) if directory is not None else Path(
            tempfile.mkdtemp(prefix="tokenlab-tls-"))
        now = datetime.datetime.now(datetime.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("tokenlab local CA for one run (demo only)")
        ca = (x509.CertificateBuilder()
              .subject_name(ca_name).issuer_name(ca_name)
              .public_key(ca_key.public_key())
              .serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(minutes=5))
              .not_valid_after(now + _LIFETIME)
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(
                  digital_signature=False, content_commitment=False, key_encipherment=False,
                  data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                  encipher_only=False, decipher_only=False), critical=True)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(_name("127.0.0.1")).issuer_name(ca_name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + _LIFETIME)
                .add_extension(x509.SubjectAlternativeName([
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                    critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        files = cls(where, where / "ca.pem", where / "server.pem", where / "server-key.pem")
        files.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        files.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        files.server_key.touch(mode=0o600)
        files.server_key.write_bytes(_pem_key(key))
        return files

    def server_context(self) -> ssl.SSLContext:
        """The listener's TLS context: TLS 1.2 or newer, this run's certificate."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.server_cert, self.server_key)
        return ctx

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def client_context(ca_cert: str | Path) -> ssl.SSLContext:
    """A client context that trusts ``ca_cert`` and nothing else, names checked."""
    return ssl.create_default_context(cafile=str(ca_cert))
