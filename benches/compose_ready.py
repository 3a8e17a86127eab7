#!/usr/bin/env python3
"""The docker-compose side's kickstart and readiness poll, standard library only.

    compose_ready.py render TEMPLATE OUT --issuer URL
        Fills the kickstart template's variables (fresh API key, ids, demo passwords) as
        `mcp-fa up` does, writes OUT (mode 0644, for the container's uid 1001) and prints
        `<api key> <demo user id>`.
    compose_ready.py wait URL API_KEY USER_ID [--timeout S]
        Polls every 200 ms (as `mcp-fa up` does) until GET URL/api/status answers 200 with a
        JSON body, then until GET URL/api/user/USER_ID with the API key answers 200: the
        kickstart's last request has run. Exits 1 on timeout.
"""

import argparse
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
import uuid

POLL = 0.2


def render(args) -> None:
    with open(args.template) as f:
        document = json.load(f)
    api_key = secrets.token_urlsafe(48)[:48]
    demo_user_id = str(uuid.uuid4())
    document["variables"].update(
        {
            "apiKey": api_key,
            "issuer": args.issuer,
            "signingKeyId": str(uuid.uuid4()),
            "adminUserId": str(uuid.uuid4()),
            "adminPassword": "password",
            "demoUserId": demo_user_id,
            "demoPassword": "password",
        }
    )
    with open(args.out, "w") as f:
        json.dump(document, f, indent=2)
    os.chmod(args.out, 0o644)
    print(api_key, demo_user_id)


def get(url: str, api_key: str | None = None):
    request = urllib.request.Request(url)
    if api_key:
        request.add_header("Authorization", api_key)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None, b""


def wait(args) -> int:
    deadline = time.monotonic() + args.timeout
    base = args.url.rstrip("/")
    while True:
        status, body = get(f"{base}/api/status")
        if status == 200:
            try:
                json.loads(body)
                break
            except ValueError:
                pass
        if time.monotonic() > deadline:
            print("timed out waiting for /api/status", file=sys.stderr)
            return 1
        time.sleep(POLL)
    while True:
        status, _ = get(f"{base}/api/user/{args.user_id}", args.api_key)
        if status == 200:
            return 0
        if time.monotonic() > deadline:
            print("timed out waiting for the kickstart", file=sys.stderr)
            return 1
        time.sleep(POLL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    r = commands.add_parser("render")
    r.add_argument("template")
    r.add_argument("out")
    r.add_argument("--issuer", required=True)
    w = commands.add_parser("wait")
    w.add_argument("url")
    w.add_argument("api_key")
    w.add_argument("user_id")
    w.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    if args.command == "render":
        render(args)
        return 0
    return wait(args)


if __name__ == "__main__":
    sys.exit(main())
