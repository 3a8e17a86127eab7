#!/usr/bin/env python3
"""Turns benches/run.sh's results.jsonl into the Markdown report (tables, ratios, targets).

    report.py RESULTS.jsonl
"""

import json
import statistics
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def ms(us):
    return f"{us / 1000:.1f}"


def mib(kib):
    return f"{kib / 1024:.1f}"


def verdict(ok):
    return "met" if ok else "**missed**"


def stack_phases(results_path, stack):
    """Per tool, per step: the seconds from each run's start to Docker's event for that step."""
    import os

    path = os.path.join(os.path.dirname(results_path), "docker-events.log")
    if not os.path.exists(path):
        return {}
    events = []
    for line in open(path):
        parts = line.split()
        if len(parts) < 4 or not parts[0].isdigit():
            continue
        events.append((int(parts[0]) / 1e9, parts[1], " ".join(parts[2:-1]), parts[-1]))
    wanted = [("network created", "network", "create", ""), ("db created", "container", "create", "db"),
              ("db started", "container", "start", "db"), ("db healthy", "container", "health_status: healthy", "db"),
              ("fusionauth created", "container", "create", "fusionauth"),
              ("fusionauth started", "container", "start", "fusionauth")]
    phases = {}
    for r in stack:
        if "start" not in r:
            continue
        t0, t1 = r["start"], r["start"] + r["up_s"]
        steps = phases.setdefault(r["tool"], {})
        for name, kind, action, who in wanted:
            for t, k, a, n in events:
                if t0 <= t <= t1 and k == kind and a == action and (not who or who in n):
                    steps.setdefault(name, []).append(t - t0)
                    break
        steps.setdefault("ready", []).append(r["up_s"])
    return phases


def main() -> None:
    records = load(sys.argv[1])
    by = lambda kind: [r for r in records if r["kind"] == kind]
    out = []
    p = out.append

    machine = by("machine")[0] if by("machine") else None
    versions = by("versions")[0] if by("versions") else {}
    end = by("end")[0] if by("end") else {}
    if machine:
        p(f"Run {machine['start_utc']} – {end.get('end_utc', '?')} UTC on {machine['nproc']} × "
          f"{machine['cpu']}, {machine['mem_gib']} GiB, Linux {machine['kernel']}; load average "
          f"{' '.join(machine['loadavg_at_start'])} at start, "
          f"{' '.join(end.get('loadavg_at_end', ['?']))} at end.")
        p("")
        busy = []
        lines = machine.get("top_at_start", [])
        header = next((i for i, l in enumerate(lines) if l.strip().startswith("PID")), None)
        for line in lines[header + 1:] if header is not None else []:
            cols = line.split()
            if len(cols) >= 12 and float(cols[8]) >= 5.0:
                busy.append(f"{cols[11]} {cols[8]}% CPU")
        cpu_line = next((l for l in lines if l.startswith("%Cpu")), "")
        p("`top -bn1` at start: " + (cpu_line.strip() or "?") + "; busiest: " + (", ".join(busy) or "nothing over 5% CPU") + ".")
        p("")
    if versions:
        p("Tools: " + "; ".join(str(v) if str(v).lower().startswith(k.split("_")[0]) else f"{k} {v}" for k, v in versions.items() if k != "kind") + ".")
        p("")
    for src in by("source"):
        p(f"Source: {src['rev']}.")
        p("")
    for b in by("build"):
        p(f"`cargo build --release --workspace --bin mcp-fa --bin fusionauth-sim`: {b['seconds']:.0f} s "
          "(incremental when target/ already had the dependencies).")
        p("")

    targets = []

    verify = by("verify")
    if verify:
        p("### 1. Token verification (criterion, median per `TokenVerifier::verify`)")
        p("")
        p("| case | median | 95% CI of the median | mean |")
        p("| --- | ---: | ---: | ---: |")
        for r in verify:
            p(f"| {r['name']} | {r['median_ns'] / 1000:.1f} µs | {r['median_lo_ns'] / 1000:.1f}–"
              f"{r['median_hi_ns'] / 1000:.1f} µs | {r['mean_ns'] / 1000:.1f} µs |")
        for fv in by("fastmcp_verify"):
            v, i = fv["result"]["valid"], fv["result"].get("invalid")
            p(f"| FastMCP `JWTVerifier.verify_token`, valid (timed in the load step) | "
              f"{v['median_us']:.1f} µs | | {v['mean_us']:.1f} µs |")
            if i:
                p(f"| FastMCP `JWTVerifier.verify_token`, bad signature | {i['median_us']:.1f} µs | | "
                  f"{i['mean_us']:.1f} µs |")
        p("")
        valid = [r for r in verify if r["name"].startswith("valid")]
        if valid:
            v = valid[0]["median_ns"] / 1000
            note = f"{50 / v:.1f}x under" if v < 50 else f"{v / 50:.2f}x over"
            for fv in by("fastmcp_verify"):
                f = fv["result"]["valid"]["median_us"]
                note += f"; FastMCP's JWTVerifier {f:.1f} µs in this run (ratio {v / f:.2f})"
            targets.append(("valid token verified in under 50 µs (median)", f"{v:.1f} µs", v < 50, note))

    load_records = by("load")
    setup = by("load_setup")
    if load_records:
        s = setup[0] if setup else {}
        p(f"### 2. Server: `tools/call whoami`, {s.get('connections', '?')} connections, "
          f"{s.get('duration_s', '?')} s per run, wrk -t{s.get('threads', '?')} on the same 2 cores")
        p("")
        p(f"mcp-fa: stateless MCP {s.get('mcp_fa_protocol')} request; FastMCP: stateless HTTP, "
          f"MCP {s.get('fastmcp_protocol')} request, JSON responses. Same token, same JWKS.")
        p("")
        for case, title in (("valid", "valid token → 200 + tool result"),
                            ("invalid", "invalid signature → 401")):
            rows = [r for r in load_records if r["case"] == case]
            if not rows:
                continue
            p(f"**{title}**")
            p("")
            p("| run | server | req/s | p50 ms | p99 ms | max ms | errors | RSS mid-run MiB | peak RSS (VmHWM) MiB |")
            p("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            runs = sorted({r["run"] for r in rows})
            ratios = []
            for run in runs:
                pair = {r["server"]: r for r in rows if r["run"] == run}
                for server in ("mcp-fa", "fastmcp"):
                    r = pair.get(server)
                    if r:
                        p(f"| {run} | {server} | {r['rps']:.0f} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | "
                          f"{ms(r['max_us'])} | {r['errors']} | {mib(r['rss_mid_kib'])} | {mib(r['hwm_kib'])} |")
                if "mcp-fa" in pair and "fastmcp" in pair:
                    a, b = pair["mcp-fa"], pair["fastmcp"]
                    ratio = a["rps"] / b["rps"] if b["rps"] else float("inf")
                    ratios.append((run, ratio, a, b))
                    p(f"| {run} | **ratio a/b** | **{ratio:.1f}x** | {a['p50_us'] / b['p50_us']:.3f} | "
                      f"{a['p99_us'] / b['p99_us']:.3f} | | | | |")
            p("")
            if case == "valid" and ratios:
                worst = min(r for _, r, _, _ in ratios)
                med = statistics.median(r for _, r, _, _ in ratios)
                p99_ok = all(a["p99_us"] <= b["p99_us"] for _, _, a, b in ratios)
                targets.append(("server ≥ 10x FastMCP's req/s", f"{worst:.1f}x (worst run), {med:.1f}x (median)",
                                worst >= 10, "aim 25x: " + ("reached" if worst >= 25 else "not reached")))
                targets.append(("server p99 ≤ FastMCP's p99", "; ".join(
                    f"run {run}: {ms(a['p99_us'])} vs {ms(b['p99_us'])} ms" for run, _, a, b in ratios), p99_ok, ""))
                hwm = max(a["hwm_kib"] for _, _, a, _ in ratios)
                targets.append(("server under 30 MB RSS under load", f"{hwm / 1024:.1f} MiB peak (VmHWM)",
                                hwm * 1024 < 30e6, ""))
                errs = sum(a["errors"] + b["errors"] for _, _, a, b in ratios)
                if errs:
                    p(f"Errors in the valid-token runs: {errs} (see wrk.log).")
                    p("")

    stack = by("stack")
    if stack:
        p("### 3. Stack time with the stand-in images (seconds)")
        p("")
        p("| run | `mcp-fa up` to ready | `docker-compose up -d` + poll | ratio | `mcp-fa down --volumes` | "
          "`docker-compose down -v` | ratio | no-op `mcp-fa up` | no-op `docker-compose up -d` + poll | "
          "peak RSS `mcp-fa up` MiB |")
        p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        runs = sorted({r["run"] for r in stack})
        up_ratios, downs, noops = [], [], []
        for run in runs:
            pair = {r["tool"]: r for r in stack if r["run"] == run}
            a, b = pair.get("mcp-fa"), pair.get("docker-compose")
            if not (a and b):
                continue
            up_ratios.append(a["up_s"] / b["up_s"])
            downs.append(a["down_s"])
            noops.append(a["noop_up_s"])
            p(f"| {run} | {a['up_s']:.2f} | {b['up_s']:.2f} | {a['up_s'] / b['up_s']:.2f} | {a['down_s']:.2f} | "
              f"{b['down_s']:.2f} | {a['down_s'] / b['down_s']:.2f} | {a['noop_up_s']:.2f} | {b['noop_up_s']:.2f} | "
              f"{mib(a['up_peak_rss_kib'])} |")
        p("")
        if up_ratios:
            med = statistics.median(up_ratios)
            targets.append(("`up` to ready no slower than docker-compose",
                            f"ratio mcp-fa/compose median {med:.2f} (range {min(up_ratios):.2f}–{max(up_ratios):.2f})",
                            med <= 1.0, ""))
            targets.append(("no-op `up` under 0.5 s", f"max {max(noops):.2f} s", max(noops) < 0.5, ""))
            targets.append(("`down` under 5 s", f"max {max(downs):.2f} s", max(downs) < 5, ""))
        phases = stack_phases(sys.argv[1], stack)
        if phases:
            p("Where the seconds go (median over the runs, seconds from the command's start, from "
              "`docker events`):")
            p("")
            names = ["network created", "db created", "db started", "db healthy", "fusionauth created",
                     "fusionauth started", "ready"]
            p("| step | " + " | ".join(names) + " |")
            p("| --- | " + " | ".join("---:" for _ in names) + " |")
            for tool, steps in phases.items():
                p(f"| {tool} | " + " | ".join(
                    f"{statistics.median(steps[n]):.2f}" if steps.get(n) else "–" for n in names) + " |")
            p("")
    startup = by("startup")
    if startup:
        p("Start-up time (hyperfine, 30 runs after 3 warm-ups):")
        p("")
        for r in startup:
            p(f"- `{r['command']}`: median {r['median_s'] * 1000:.1f} ms (mean {r['mean_s'] * 1000:.1f} ± "
              f"{r['stddev_s'] * 1000:.1f} ms)")
        p("")

    if targets:
        p("### Targets")
        p("")
        p("| target | measured | verdict | note |")
        p("| --- | --- | --- | --- |")
        for name, measured, ok, note in targets:
            p(f"| {name} | {measured} | {verdict(ok)} | {note} |")
        p("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
