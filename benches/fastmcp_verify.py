#!/usr/bin/env python3
"""FastMCP's side of the token-verification bench: `JWTVerifier.verify_token` on the same kind of
token, JWKS fetched once and cached, timed per call (the counterpart of the criterion bench).

    fastmcp_verify.py --issuer URL --audience URL --token FILE [--invalid FILE] [--seconds S]

Prints one JSON line: median and mean microseconds per call, for the valid and invalid token.
"""

import argparse
import asyncio
import json
import statistics
import time

from fastmcp.server.auth.providers.jwt import JWTVerifier


async def timed(verifier, token, seconds, expect_ok):
    result = await verifier.verify_token(token)
    assert (result is not None) == expect_ok, f"unexpected outcome: {result!r}"
    for _ in range(200):  # warm-up
        await verifier.verify_token(token)
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        # Batches of 20 calls, so the timer's own cost stays out of the figure.
        t0 = time.perf_counter()
        for _ in range(20):
            await verifier.verify_token(token)
        samples.append((time.perf_counter() - t0) / 20 * 1e6)
    return {"median_us": statistics.median(samples), "mean_us": statistics.fmean(samples), "batches": len(samples)}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--audience", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--invalid")
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    issuer = args.issuer.rstrip("/")
    verifier = JWTVerifier(
        jwks_uri=f"{issuer}/.well-known/jwks.json",
        issuer=issuer,
        audience=args.audience,
        algorithm="RS256",
    )
    out = {"valid": await timed(verifier, open(args.token).read().strip(), args.seconds, True)}
    if args.invalid:
        out["invalid"] = await timed(verifier, open(args.invalid).read().strip(), args.seconds, False)
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main())
