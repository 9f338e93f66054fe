"""The results document: machine description, figures, targets met or missed; JSON and Markdown."""

from __future__ import annotations

import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["machine", "targets", "markdown", "write", "update_readme"]

_PACKAGES = ("uvicorn", "httptools", "uvloop", "hec-conformance")
_README_START, _README_END = "<!-- results:start -->", "<!-- results:end -->"


def _command_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else "unknown"


def fsync_ms(samples: int = 20) -> dict[str, float]:
    """Latency of a 4 KB write + fsync in the temporary folder (where the servers keep their data):
    the floor of a durable commit, so of a group-commit cycle."""
    times = []
    with tempfile.NamedTemporaryFile() as handle:
        for _ in range(samples):
            handle.write(b"x" * 4096)
            handle.flush()
            started = time.perf_counter()
            os.fsync(handle.fileno())
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": round(times[len(times) // 2], 2), "max": round(times[-1], 2)}


def machine() -> dict[str, Any]:
    """What the figures were measured on: CPU, cores, memory, load, versions, commit, date."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        memory_gb = round(int(info.readline().split()[1]) / 1024 / 1024, 1)
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "fsync_ms": fsync_ms(),
        "wrk": _command_line(["wrk", "-v"]).split(" Copyright")[0],
        "packages": versions,
        "commit": _command_line(["git", "-C", str(Path(__file__).parent), "rev-parse", "--short", "HEAD"]),
    }


def _target(number: str, text: str, measured: str, met: bool, gap: str = "") -> dict[str, Any]:
    return {"benchmark": number, "target": text, "measured": measured, "met": met, "gap": "" if met else gap}


def targets(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 7 with its measured value, met or missed, and by how much."""
    out = []
    ingest = doc.get("ingest")
    if ingest:
        worst = min(ingest, key=lambda m: m["ratio_events"])
        out.append(
            _target(
                "1",
                ">= 25 % of the bare app's events/s",
                f"{worst['ratio_events']:.1%} ({worst['name']}, lowest)",
                worst["ratio_events"] >= 0.25,
                f"x{0.25 / max(worst['ratio_events'], 1e-9):.1f} needed",
            )
        )
        kv = next(m for m in ingest if m["name"] == "kv x100 plain c64")
        events = kv["reference"]["events_per_s"]
        out.append(
            _target(
                "1",
                ">= 150k events/s at 100-event bodies",
                f"{events:,.0f}/s (kv x100 plain c64)",
                events >= 150_000,
                f"x{150_000 / max(events, 1):.1f} needed",
            )
        )
        p99 = max(m["reference"]["p99_ms"] for m in ingest)
        out.append(
            _target(
                "1",
                "p99 < 50 ms at 64 connections",
                f"{p99:.1f} ms (worst scenario)",
                p99 < 50,
                f"{p99 - 50:.0f} ms over",
            )
        )
    peers = [m for m in [*(ingest or []), *doc.get("workers", [])] if "ratio_peer" in m]
    if peers:
        worst = min(peers, key=lambda m: m["ratio_peer"])
        out.append(
            _target(
                "1",
                ">= 1.0 x Fluent Bit's events/s (goal)",
                f"{worst['ratio_peer']:.2f} x ({worst['name']}, lowest)",
                worst["ratio_peer"] >= 1.0,
                f"x{1 / max(worst['ratio_peer'], 1e-9):.1f} needed",
            )
        )
    single = next((m for m in doc.get("scaling", []) if m["scenario"]["events"] == 1), None)
    if single:
        rps = single["reference"]["requests_per_s"]
        out.append(
            _target(
                "1",
                ">= 24k requests/s at 1-event bodies",
                f"{rps:,.0f}/s",
                rps >= 24_000,
                f"x{24_000 / max(rps, 1):.1f} needed",
            )
        )
    for side, result in (doc.get("replay_throughput") or {}).items():
        out.append(
            _target(
                "2",
                f"replay >= 80 % of wrk ({side})",
                f"{result['ratio']:.1%}",
                result["ratio"] >= 0.8,
                f"x{0.8 / max(result['ratio'], 1e-9):.2f} needed",
            )
        )
    fid = doc.get("replay_fidelity")
    if fid and fid.get("lag_ms"):
        p99 = fid["lag_ms"]["p99"]
        out.append(
            _target(
                "3",
                "replay timing p99 <= 5 ms",
                f"p50 {fid['lag_ms']['p50']:.2f} ms, p99 {p99:.2f} ms",
                p99 <= 5,
                f"{p99 - 5:.1f} ms over",
            )
        )
    suite = doc.get("suite")
    if suite:
        out.append(
            _target(
                "4",
                "hecc run <= 30 s",
                f"{suite['wall_s']:.1f} s ({suite['items_per_s']:.0f} items/s)",
                suite["wall_s"] <= 30 and suite["exit_code"] == 0,
                f"{suite['wall_s'] - 30:.1f} s over"
                if suite["wall_s"] > 30
                else f"exit {suite['exit_code']}: the corpus fails the reference server",
            )
        )
    mem = doc.get("replay_memory")
    if mem:
        out.append(
            _target(
                "5",
                f"hecc replay < 200 MB RSS ({mem['capture_mb']:.0f} MB capture)",
                f"{mem['peak_rss_mb']:.0f} MB peak",
                mem["peak_rss_mb"] < 200,
                f"{mem['peak_rss_mb'] - 200:.0f} MB over",
            )
        )
    soak = doc.get("server_soak")
    if soak:
        swing = max(soak["rss_max_mb"] - soak["rss_first_mb"], soak["rss_first_mb"] - soak["rss_min_mb"])
        share = swing / soak["rss_first_mb"]
        out.append(
            _target(
                "5",
                f"server RSS flat ±10 % over {soak['seconds']:.0f} s",
                f"{soak['rss_first_mb']:.0f} -> {soak['rss_last_mb']:.0f} MB (max swing {share:.1%})",
                share <= 0.10,
                f"{share - 0.10:.1%} over",
            )
        )
    return out


def _n(value: float) -> str:
    return f"{value:,.0f}"


def markdown(doc: dict[str, Any]) -> str:
    """The results table(s) in Markdown."""
    m = doc["machine"]
    lines = [
        f"Measured {m['date']} on {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, load at start "
        f"{m['load_average_at_start'][0]}, 4 KB fsync p50 {m['fsync_ms']['p50']} ms; Python {m['python']}, "
        f"SQLite {m['sqlite']}, uvicorn {m['packages']['uvicorn']}, {m['wrk']}; commit {m['commit']}; "
        f"mode {doc['mode']}.",
        "",
    ]
    rows = [*doc.get("ingest", []), *doc.get("workers", []), *doc.get("scaling", [])]
    if rows:
        peer = any("peer" in row for row in rows)
        lines += [
            "| load (kind, events/request, encoding, connections) | reference events/s | requests/s "
            "| MB/s sent | p50 ms | p99 ms | CPU µs/event | bare app events/s | ratio |"
            + (" Fluent Bit events/s | ratio to it |" if peer else ""),
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if peer else ""),
        ]
        for row in rows:
            r, b = row["reference"], row["baseline"]
            bad = f" ({r['non_2xx']} non-2xx, {r['errors']} errors)" if r["non_2xx"] or r["errors"] else ""
            line = (
                f"| {row['name']}{bad} | {_n(r['events_per_s'])} | {_n(r['requests_per_s'])} | "
                f"{r['mb_per_s']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                f"{r.get('cpu_us_per_event', 0):.1f} | {_n(b['events_per_s'])} | {row['ratio_events']:.1%} |"
            )
            if peer:
                line += (
                    f" {_n(row['peer']['events_per_s'])} | {row['ratio_peer']:.2f} |"
                    if "peer" in row
                    else " | |"
                )
            lines.append(line)
        lines.append("")
    for row in doc.get("workers", []):
        one = next(
            (m for m in doc.get("ingest", []) if m["name"] == row["name"].rsplit(" workers", 1)[0]), None
        )
        if one:
            gain = row["reference"]["events_per_s"] / max(one["reference"]["events_per_s"], 1e-9)
            lines.append(
                f"- `--workers {row['scenario']['workers']}` ({row['scenario']['kind']} x100 plain c64, wrk "
                f"on the same {doc['machine']['cores']} cores): {gain:.2f} x one process's events/s."
            )
    for side, t in (doc.get("replay_throughput") or {}).items():
        lines.append(
            f"- Replay `--speed max` against the {side}: {_n(t['replay_rps'])} requests/s vs wrk "
            f"{_n(t['wrk_rps'])} ({t['ratio']:.1%}), {t['requests']} requests of 100 events, 64 connections."
        )
    fid = doc.get("replay_fidelity")
    if fid and fid.get("lag_ms"):
        lag = fid["lag_ms"]
        lines.append(
            f"- Replay `--speed 1` timing, {fid['requests']} requests over {fid['spread_s']:.0f} s: "
            f"|sent - offset| p50 {lag['p50']:.2f} ms, p99 {lag['p99']:.2f} ms, max {lag['max']:.2f} ms."
        )
    suite = doc.get("suite")
    if suite:
        s = suite["split"]
        lines.append(
            f"- `hecc run`: {suite['wall_s']:.1f} s wall, {suite['items']} case variants "
            f"({suite['items_per_s']:.0f}/s), exit {suite['exit_code']}; split (a second run with the "
            f"probe plugin, {suite['split_run_wall_s']:.1f} s): start-up {s['start_up_s']:.1f} s, "
            f"{suite['requests']} requests {s['requests_s']:.1f} s, read-back and checks "
            f"{s['readback_and_checks_s']:.1f} s ({suite['readback_polls']} read-back polls), collection "
            f"and pytest between cases {s['between_cases_s']:.1f} s, shutdown {s['after_last_case_s']:.1f} s."
        )
    mem = doc.get("replay_memory")
    if mem:
        lines.append(
            f"- `hecc replay` of a {mem['capture_mb']:.0f} MB capture ({mem['requests']} requests of 1,000 "
            f"events) at --speed max: peak RSS {mem['peak_rss_mb']:.0f} MB, {mem['wall_s']:.0f} s."
        )
    soak = doc.get("server_soak")
    if soak:
        lines.append(
            f"- Reference server RSS over {soak['seconds']:.0f} s of load after {soak['warmup_s']:.0f} s "
            f"warm-up: {soak['rss_first_mb']:.0f} MB first, {soak['rss_min_mb']:.0f}–"
            f"{soak['rss_max_mb']:.0f} MB range, {soak['rss_last_mb']:.0f} MB last "
            f"({soak['events_per_s'] and _n(soak['events_per_s'])} events/s)."
        )
    prof = doc.get("profile")
    if prof and "self" in prof:
        own = ", ".join(f"{name} {share:.0%}" for name, share in prof["self"][:8])
        calls = ", ".join(f"{name} {share:.0%}" for name, share in prof["inclusive"][:10])
        lines.append(
            f"- Profile (py-spy --gil, {prof['kind']} x100 at 64 connections, "
            f"{_n(prof['events_per_s_while_profiled'])} events/s, share of GIL-holding samples): "
            f"own time {own}; including callees {calls}."
        )
    lines += ["", "| # | target | measured | met | gap |", "|---|---|---|---|---|"]
    for t in doc["targets"]:
        lines.append(
            f"| {t['benchmark']} | {t['target']} | {t['measured']} | {'yes' if t['met'] else 'no'} | "
            f"{t['gap']} |"
        )
    return "\n".join(lines) + "\n"


def write(doc: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """results/<date>.json and .md, named by the measurement time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^0-9T]", "", doc["machine"]["date"]) + ("-quick" if doc["mode"] == "quick" else "")
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(doc, indent=1) + "\n")
    md_path.write_text(f"# Benchmark results {doc['machine']['date']}\n\n{markdown(doc)}")
    return json_path, md_path


def update_readme(readme: Path, table: str) -> None:
    """Put ``table`` between the results markers of benchmarks/README.md."""
    text = readme.read_text()
    start, end = text.index(_README_START) + len(_README_START), text.index(_README_END)
    readme.write_text(text[:start] + "\n" + table + text[end:])
