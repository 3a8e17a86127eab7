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


CASES = (("valid", "valid token → 200 + tool result"),
         ("no-token", "no token → 401 with the challenge"),
         ("invalid", "bad signature → 401"),
         ("fusionauth", "`--validation fusionauth` (every request asks the stand-in's /api/jwt/validate) → 200"))
SERVERS = ("mcp-fa", "mcp-fa-before", "ceiling", "fastmcp")


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def pct(share):
    return f"{100 * share:.0f}%" if share is not None else ""


def worst_ms(p99s):
    return f"{max(p99s) / 1000:.1f}" if p99s else ""


def per_run_ratio(rows, a, b):
    """mcp-fa's req/s over another server's, per run (the two ran back to back)."""
    out = []
    for run in sorted({r["run"] for r in rows}):
        pair = {r["server"]: r for r in rows if r["run"] == run}
        if a in pair and b in pair and pair[b]["rps"]:
            out.append(pair[a]["rps"] / pair[b]["rps"])
    return out


def load_section(records, s, splits, targets, p):
    pinned = "wrk pinned to CPU 0, the servers to CPU 1" if s.get("pinned") else "no CPU pinning"
    p(f"### 2. Server: `tools/call whoami`, {s.get('connections', '?')} connections, "
      f"{s.get('duration_s', '?')} s per run, {s.get('runs', '?')} run(s), wrk -t{s.get('threads', '?')}; {pinned}")
    p("")
    p(f"Every server gets the same stateless MCP {s.get('mcp_fa_protocol')} request and the same token; "
      "servers take turns within each run, the order rotating from run to run. `ceiling` is "
      "benches/ceiling.rs (axum, parse the body, answer the same JSON; no token check); "
      "`mcp-fa-before` is the binary given as BENCH_BEFORE. CPU µs/req is the server's own "
      "user+system time over the requests it answered (with `fusionauth`, the stand-in's too).")
    p("")
    summary = []
    for case, title in CASES:
        rows = [r for r in records if r["case"] == case]
        if not rows:
            continue
        p(f"**{title}**")
        p("")
        p("| run | server | req/s | % of ceiling | p50 ms | p99 ms | max ms | errors | RSS mid MiB | VmHWM MiB | CPU µs/req | load 1m |")
        p("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for run in sorted({r["run"] for r in rows}):
            pair = {r["server"]: r for r in rows if r["run"] == run}
            ceiling = pair.get("ceiling")
            for server in SERVERS:
                r = pair.get(server)
                if not r:
                    continue
                share = f"{100 * r['rps'] / ceiling['rps']:.0f}%" if ceiling and ceiling["rps"] else ""
                cpu = f"{r['cpu_us_per_request']:.1f}" if r.get("cpu_us_per_request") else ""
                p(f"| {run} | {server} | {r['rps']:.0f} | {share} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | "
                  f"{ms(r['max_us'])} | {r['errors']} | {mib(r['rss_mid_kib'])} | {mib(r['hwm_kib'])} | {cpu} | "
                  f"{r.get('loadavg_1m', '')} |")
        p("")
        errs = sum(r["errors"] for r in rows)
        if errs:
            p(f"Errors in these runs: {errs} (see wrk.log).")
            p("")
        line = {"case": case}
        for server in SERVERS:
            mine = [r for r in rows if r["server"] == server]
            if mine:
                line[server] = med(r["rps"] for r in mine)
        line["of_ceiling"] = per_run_ratio(rows, "mcp-fa", "ceiling")
        line["before_of_ceiling"] = per_run_ratio(rows, "mcp-fa-before", "ceiling")
        line["vs_fastmcp"] = per_run_ratio(rows, "mcp-fa", "fastmcp")
        line["vs_before"] = per_run_ratio(rows, "mcp-fa", "mcp-fa-before")
        line["p99"] = [r["p99_us"] for r in rows if r["server"] == "mcp-fa"]
        line["before_p99"] = [r["p99_us"] for r in rows if r["server"] == "mcp-fa-before"]
        line["hwm"] = [r["hwm_kib"] for r in rows if r["server"] == "mcp-fa"]
        summary.append(line)

    if summary:
        p("**Summary (medians over the runs; ratios taken per run, then the median)**")
        p("")
        p("| case | mcp-fa req/s | before req/s | after/before | ceiling req/s | mcp-fa % of ceiling | before % of ceiling | mcp-fa / FastMCP | mcp-fa p99 ms (worst) | before p99 ms (worst) |")
        p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        fmt = lambda v, f: f.format(v) if v is not None else ""
        for l in summary:
            p(f"| {l['case']} | {fmt(l.get('mcp-fa'), '{:.0f}')} | {fmt(l.get('mcp-fa-before'), '{:.0f}')} | "
              f"{fmt(med(l['vs_before']), '{:.2f}x')} | {fmt(l.get('ceiling'), '{:.0f}')} | "
              f"{pct(med(l['of_ceiling']))} | {pct(med(l['before_of_ceiling']))} | "
              f"{fmt(med(l['vs_fastmcp']), '{:.1f}x')} | {worst_ms(l['p99'])} | {worst_ms(l['before_p99'])} |")
        p("")
    for l in summary:
        share = med(l["of_ceiling"])
        if l["case"] == "valid":
            if share is not None:
                targets.append(("whoami with a token ≥ 40% of the ceiling (aim 50%)",
                                f"{100 * share:.0f}% (median; runs {', '.join(f'{100 * x:.0f}%' for x in l['of_ceiling'])})",
                                share >= 0.40, ""))
            if l["p99"]:
                worst = max(l["p99"]) / 1000
                targets.append(("p99 under 5 ms at 50 connections", f"{worst:.1f} ms (worst run)", worst < 5, ""))
            if l["hwm"]:
                hwm = max(l["hwm"]) / 1024
                targets.append(("RSS under 25 MiB under that load", f"{hwm:.1f} MiB peak (VmHWM)", hwm < 25, ""))
            ratios = l["vs_fastmcp"]
            if ratios:
                targets.append(("server ≥ 10x FastMCP's req/s", f"{min(ratios):.1f}x (worst run), {med(ratios):.1f}x (median)",
                                min(ratios) >= 10, ""))
        if l["case"] == "no-token" and share is not None:
            targets.append(("401 path ≥ 60% of the ceiling",
                            f"{100 * share:.0f}% (median; runs {', '.join(f'{100 * x:.0f}%' for x in l['of_ceiling'])})",
                            share >= 0.60, ""))

    scale = [r for r in records if r["case"] == "scale"]
    if scale:
        p("**Two `mcp-fa serve` replicas behind haproxy (TCP, round robin) vs one replica behind the same haproxy**")
        p("")
        p("| run | replicas | req/s | p50 ms | p99 ms | errors | served by replica 1 / 2 | load 1m |")
        p("| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |")
        for r in sorted(scale, key=lambda r: (r["run"], r["server"])):
            which = "two" if r["server"] == "two-replicas" else "one"
            split = next((x for x in splits if x["run"] == r["run"] and x["which"] == which), None)
            shares = f"{split['replica1']} / {split['replica2']}" if split else ""
            p(f"| {r['run']} | {which} | {r['rps']:.0f} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | {r['errors']} | "
              f"{shares} | {r.get('loadavg_1m', '')} |")
        ratios = per_run_ratio(scale, "two-replicas", "one-replica")
        if ratios:
            p("")
            p(f"Two replicas / one: {', '.join(f'{x:.2f}x' for x in ratios)} (median {med(ratios):.2f}x).")
        p("")


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
        profile = b.get("profile", "release")
        p(f"mcp-fa built with `cargo build --profile {profile}`, the stand-in with `--release`: "
          f"{b['seconds']:.0f} s (incremental when target/ already had the dependencies).")
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
        named = {r["name"]: r["median_ns"] / 1000 for r in verify}
        fastmcp = [fv["result"]["valid"]["median_us"] for fv in by("fastmcp_verify")]
        if "valid_repeated_token" in named:
            v = named["valid_repeated_token"]
            targets.append(("repeated token verified in under 2 µs (median)", f"{v:.2f} µs", v < 2,
                            "answered from the verified-token cache"))
        new = named.get("valid_new_token", named.get("valid_rs256_cached_jwks"))
        if new is not None:
            note = "the RSA check; " + (f"FastMCP's JWTVerifier {fastmcp[0]:.1f} µs in this run" if fastmcp else "")
            targets.append(("new token verified in under 25 µs (median)", f"{new:.1f} µs", new < 25, note))

    load_records = by("load")
    setup = by("load_setup")
    if load_records:
        load_section(load_records, setup[0] if setup else {}, by("scale_split"), targets, p)

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
        p("Start-up time (hyperfine `-N`, after 3 warm-ups; 30 runs, 10 with --quick):")
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
