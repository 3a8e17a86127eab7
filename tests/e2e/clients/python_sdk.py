"""The Python MCP SDK (`mcp` from PyPI, pinned in requirements.txt) with its OAuth client:
discovery from the 401, the pre-registered client id from `mcp-fa clients add` (or, with
`--register`, no client id at all: the SDK registers itself at the authorization server's
registration endpoint, RFC 7591), authorization code + PKCE with `resource`, the login in
Chromium (lib/browser.mjs), a loopback callback, tools/list and get_name."""

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx2
from mcp import ClientSession
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

E2E = Path(__file__).resolve().parent.parent


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)
    print(f"ok - {message}", flush=True)


class Storage:
    """Keeps tokens in memory; the client id is the pre-registered one, or none yet."""

    def __init__(self, client_id: str | None, redirect_uri: str):
        self.tokens: OAuthToken | None = None
        self.client = (
            OAuthClientInformationFull(client_id=client_id, redirect_uris=[redirect_uri]) if client_id else None
        )

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Callback:
    """A loopback HTTP server that receives one OAuth redirect."""

    def __init__(self, port: int):
        self.port = port
        self.result: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_line = (await reader.readline()).decode()
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        target = request_line.split(" ")[1] if " " in request_line else "/"
        query = {k: v[0] for k, v in parse_qs(urlparse(target).query).items()}
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nLogged in.\n")
        await writer.drain()
        writer.close()
        if urlparse(target).path == "/callback" and not self.result.done():
            self.result.set_result(query)

    def close(self) -> None:
        if self.server:
            self.server.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client-id")
    parser.add_argument("--register", action="store_true", help="no client id: let the SDK register itself")
    parser.add_argument("--callback-port", type=int, required=True)
    opts = parser.parse_args()
    if bool(opts.client_id) == opts.register:
        parser.error("give --client-id or --register")
    server_url = os.environ["E2E_SERVER_URL"]
    redirect_uri = f"http://localhost:{opts.callback_port}/callback"
    callback = Callback(opts.callback_port)
    await callback.start()
    authorize_urls: list[str] = []

    async def redirect_handler(url: str) -> None:
        authorize_urls.append(url)
        browser = await asyncio.create_subprocess_exec(
            "node", str(E2E / "lib" / "browser.mjs"), url, "python-sdk", stdout=asyncio.subprocess.PIPE
        )
        out, _ = await browser.communicate()
        if browser.returncode != 0:
            raise RuntimeError("the browser login failed (screenshots in tests/e2e/artifacts)")

    async def callback_handler() -> AuthorizationCodeResult:
        query = await asyncio.wait_for(callback.result, 60)
        if "error" in query:
            raise RuntimeError(f"authorization failed: {query}")
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))

    storage = Storage(opts.client_id, redirect_uri)
    provider = OAuthClientProvider(
        server_url=server_url,
        client_metadata=OAuthClientMetadata(
            client_name="mcp-fa e2e (Python SDK)",
            redirect_uris=[redirect_uri],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )
    try:
        async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
            async with streamable_http_client(server_url, http_client=http) as streams:
                read, write = streams[0], streams[1]
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    check(len(authorize_urls) == 1, "one browser login")
                    authorize = urlparse(authorize_urls[0])
                    params = {k: v[0] for k, v in parse_qs(authorize.query).items()}
                    fusionauth = os.environ.get("E2E_FUSIONAUTH", os.environ["E2E_ISSUER"])
                    check(
                        f"{authorize.scheme}://{authorize.netloc}" == fusionauth,
                        f"authorize URL from the issuer's metadata: {authorize.scheme}://{authorize.netloc}{authorize.path}",
                    )
                    check(params.get("resource") == server_url, f"resource={params.get('resource')}")
                    if opts.register:
                        registered = storage.client
                        check(
                            registered is not None and params.get("client_id") == registered.client_id,
                            f"it registered itself: client id {params.get('client_id')}",
                        )
                        check(not registered.client_secret, "a public client: no secret")
                    else:
                        check(params.get("client_id") == opts.client_id, "the client id from `mcp-fa clients add`")
                    print(f"scope requested: {params.get('scope')}")
                    tools = await session.list_tools()
                    names = [t.name for t in tools.tools]
                    check("get_name" in names, f"tools/list: {', '.join(names)}")
                    result = await session.call_tool("get_name", {})
                    text = json.dumps([c.model_dump() for c in result.content])
                    check(not result.is_error and "Test User" in text, f"get_name -> {text}")
    finally:
        callback.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except BaseException as error:  # noqa: BLE001 - report anything, including exception groups
        import traceback

        traceback.print_exception(error)
        sys.exit(1)
