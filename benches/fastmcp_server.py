#!/usr/bin/env python3
"""The FastMCP server mcp-fa is compared with: the tutorial's shape (FastMCP over Streamable
HTTP, JWTVerifier on the issuer's JWKS, audience = this server's resource), stateless with JSON
responses like `mcp-fa serve` answers a stateless request, and the same `whoami` tool.

    fastmcp_server.py --issuer URL --port PORT

Binds 127.0.0.1:PORT; the resource (and required audience) is http://localhost:PORT/mcp.
"""

import argparse

from fastmcp import FastMCP
from fastmcp.server.auth.providers.jwt import JWTVerifier
from fastmcp.server.dependencies import get_access_token


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    issuer = args.issuer.rstrip("/")
    resource = f"http://localhost:{args.port}/mcp"
    verifier = JWTVerifier(
        jwks_uri=f"{issuer}/.well-known/jwks.json",
        issuer=issuer,
        audience=resource,
        algorithm="RS256",
        base_url=f"http://localhost:{args.port}",
    )
    mcp = FastMCP("fastmcp-bench", auth=verifier)

    @mcp.tool(output_schema=None, description="Shows who the token belongs to: subject, client id, scopes and expiry.")
    def whoami() -> str:
        import json

        token = get_access_token()
        claims = token.claims if token else {}
        aud = claims.get("aud")
        return json.dumps(
            {
                "authenticated": token is not None,
                "subject": claims.get("sub"),
                "client_id": aud[0] if isinstance(aud, list) and aud else claims.get("applicationId"),
                "scopes": token.scopes if token else [],
                "expires_at": claims.get("exp"),
                "issuer": claims.get("iss"),
                "audience": aud if isinstance(aud, list) else [aud],
            }
        )

    mcp.run(
        transport="http",
        host="127.0.0.1",
        port=args.port,
        path="/mcp",
        stateless_http=True,
        json_response=True,
        show_banner=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
