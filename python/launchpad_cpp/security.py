"""How a client proves it belongs to the launch: the launch's secret and mutual TLS.

The secret. Every CourierNode of a launch refuses calls that do not carry the launch's
secret in gRPC metadata 'lp-secret' (docs/courier.md, "Limits and security"). Workers
(Python nodes included) find it in LP_COURIER_SECRET; a client outside the program gets
it by the user starting the launcher with LP_COURIER_SECRET set to a value of their own
choice (16 to 1024 printable ASCII characters, no spaces) and giving the client the same
variable.

TLS. A launch with --lp_tls_cert/--lp_tls_key/--lp_tls_ca serves mutual TLS only. The C++
side reads those flags from its command line; a Python client is given the same three
files explicitly (TlsOptions) or in LP_TLS_CERT, LP_TLS_KEY, LP_TLS_CA and optionally
LP_TLS_SERVER_NAME (the --lp_tls_server_name), which TlsOptions.from_environment reads.
"""

import dataclasses
import os

import grpc

SECRET_ENV = "LP_COURIER_SECRET"
SECRET_METADATA_KEY = "lp-secret"
TLS_ENV = ("LP_TLS_CERT", "LP_TLS_KEY", "LP_TLS_CA")
TLS_SERVER_NAME_ENV = "LP_TLS_SERVER_NAME"


def secret_from_environment():
    """LP_COURIER_SECRET, or None when it is unset or empty."""
    return os.environ.get(SECRET_ENV) or None


def check_secret(secret, origin):
    """Raises ValueError (never echoing the secret) if it cannot travel in gRPC metadata."""
    if not 16 <= len(secret) <= 1024 or not all("!" <= c <= "~" for c in secret):
        raise ValueError(f"the Courier secret from {origin} must be 16 to 1024 printable "
                         f"ASCII characters without spaces (it has {len(secret)} characters)")


@dataclasses.dataclass(frozen=True)
class TlsOptions:
    """Mutual TLS, as lp::TlsOptions: PEM files of the certificate this client presents,
    its unencrypted private key and the CAs the server's certificate must chain to."""

    certificate_file: str
    private_key_file: str
    ca_file: str
    # The name to check the server's certificate against; "" means the address's host.
    server_name: str = ""

    @classmethod
    def from_environment(cls):
        """From LP_TLS_CERT, LP_TLS_KEY, LP_TLS_CA (and LP_TLS_SERVER_NAME); None when
        none of the three is set, ValueError when only some are."""
        values = [os.environ.get(name, "") for name in TLS_ENV]
        if not any(values):
            return None
        missing = [name for name, value in zip(TLS_ENV, values) if not value]
        if missing:
            raise ValueError(f"TLS needs all of {', '.join(TLS_ENV)}; "
                             f"{', '.join(missing)} not set")
        return cls(*values, server_name=os.environ.get(TLS_SERVER_NAME_ENV, ""))

    def credentials(self):
        """(grpc.ChannelCredentials, extra channel options)."""
        def read(path, what):
            try:
                with open(path, "rb") as f:
                    return f.read()
            except OSError as e:
                raise ValueError(f"cannot read the TLS {what} file '{path}': "
                                 f"{e.strerror}") from None
        credentials = grpc.ssl_channel_credentials(
            root_certificates=read(self.ca_file, "CA"),
            private_key=read(self.private_key_file, "private key"),
            certificate_chain=read(self.certificate_file, "certificate"))
        options = []
        if self.server_name:
            options.append(("grpc.ssl_target_name_override", self.server_name))
        return credentials, options
