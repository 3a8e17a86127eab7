#!/usr/bin/env python3
"""A tiny OIDC issuer for the benchmarks: one RSA key, its JWKS, a discovery document, and
FusionAuth-shaped RS256 access tokens signed with it.

    issuer.py mint DIR --port PORT --audience URL [--audience URL ...]
        Writes into DIR: key.pem (private), discovery.json, jwks.json, and the tokens
        valid.jwt (accepted by a server whose resource is one of the audiences) and
        invalid.jwt (same header and claims, signed with another key: the signature fails).
    issuer.py serve DIR --port PORT
        Serves DIR's discovery at /.well-known/openid-configuration and the JWKS at
        /.well-known/jwks.json on 127.0.0.1:PORT until killed.

Only loopback. Tokens live 24 h, long enough for any run. Needs `cryptography` (FastMCP's venv
has it).
"""

import argparse
import base64
import http.server
import json
import os
import sys
import time
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def sign(key, header: dict, claims: dict) -> str:
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(signature)


def mint(args) -> None:
    os.makedirs(args.dir, exist_ok=True)
    issuer = f"http://127.0.0.1:{args.port}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = str(uuid.uuid4())
    numbers = key.public_key().public_numbers()
    jwks = {
        "keys": [
            {
                "alg": "RS256",
                "e": b64url(int_bytes(numbers.e)),
                "kid": kid,
                "kty": "RSA",
                "n": b64url(int_bytes(numbers.n)),
                "use": "sig",
            }
        ]
    }
    discovery = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth2/authorize",
        "token_endpoint": f"{issuer}/oauth2/token",
        "userinfo_endpoint": f"{issuer}/oauth2/userinfo",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    now = int(time.time())
    application_id = "e9fdb985-9173-4e01-9d73-ac2d60d1dc8e"
    # What FusionAuth 1.69 puts in an access token issued with a resource indicator.
    claims = {
        "aud": [application_id, *args.audience],
        "exp": now + 24 * 3600,
        "iat": now,
        "iss": issuer,
        "sub": "00000000-0000-0000-0000-000000000111",
        "jti": str(uuid.uuid4()),
        "authenticationType": "PASSWORD",
        "email": "test@example.com",
        "email_verified": True,
        "applicationId": application_id,
        "scope": "openid profile email",
        "roles": [],
        "sid": str(uuid.uuid4()),
        "auth_time": now,
        "tid": "d7d09513-a3f5-401c-9685-34ab6c552453",
    }
    header = {"alg": "RS256", "typ": "JWT", "kid": kid}
    files = {
        "discovery.json": json.dumps(discovery),
        "jwks.json": json.dumps(jwks),
        "valid.jwt": sign(key, header, claims),
        "invalid.jwt": sign(other, header, claims),
        "key.pem": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii"),
    }
    for name, text in files.items():
        with open(os.path.join(args.dir, name), "w") as out:
            out.write(text)
    print(issuer)


def serve(args) -> None:
    routes = {
        "/.well-known/openid-configuration": "discovery.json",
        "/.well-known/jwks.json": "jwks.json",
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            name = routes.get(self.path.split("?")[0])
            if name is None:
                self.send_error(404)
                return
            with open(os.path.join(args.dir, name), "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    m = commands.add_parser("mint")
    m.add_argument("dir")
    m.add_argument("--port", type=int, required=True)
    m.add_argument("--audience", action="append", required=True)
    s = commands.add_parser("serve")
    s.add_argument("dir")
    s.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    {"mint": mint, "serve": serve}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
