#!/usr/bin/env python3
"""Helpers for compare.sh: parse timings, score outputs, print the report.

  report.py timing HYPERFINE_JSON
      -> "mean stddev min runs" (seconds) for the first command.
  report.py times SECONDS...
      -> the same four fields from plain wall-clock samples (fallback path).
  report.py rss TIME_V_FILE
      -> peak RSS in KiB from a `/usr/bin/time -v` log.
  report.py score LABELS INPUTS OURS_JSONL PEER_JSONL
      -> markdown table: per input category, how often each tool gave the
         expected answer (see EXPECT below). Either JSONL may be "-" (absent).
  report.py hits SCAN_JSONL
      -> hit count, split by "kind" (and "valid") when the records have one.
  report.py table RESULTS_TSV
      -> markdown tables from the rows compare.sh collected.

Standard library only.
"""

from __future__ import annotations

import json
import re
import statistics
import sys

# What a good identifier should say for each generated category
# (labels come from gen_inputs.py).
#   tracking: a recognised, checksum-valid (or checksum-less) tracking number
#   invalid:  shaped like a tracking number but must not be reported valid
#   order:    an AliExpress order number; anything but "valid tracking" is
#             acceptable for a tool without that notion, "order" is best
#   none:     no tracking number
EXPECT = {
    "s10_valid": "tracking", "s10_private": "tracking", "s10_messy": "tracking",
    "s10_cyrillic": "tracking", "ups": "tracking", "fedex12": "tracking", "dhl10": "tracking",
    "usps20": "tracking", "usps22": "tracking", "ru14": "tracking", "cainiao_lp": "tracking",
    "yunexpress": "tracking", "s10_bad_check": "invalid", "ali_order": "order",
    "junk": "none", "blank": "none",
}


def timing_from_hyperfine(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        r = json.load(f)["results"][0]
    times = r["times"]
    sd = r.get("stddev") or 0.0
    print(f"{r['mean']:.6f} {sd:.6f} {r['min']:.6f} {len(times)}")


def timing_from_samples(samples: list[str]) -> None:
    xs = [float(s) for s in samples]
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    print(f"{statistics.mean(xs):.6f} {sd:.6f} {min(xs):.6f} {len(xs)}")


def rss_from_time_v(path: str) -> None:
    with open(path, encoding="utf-8", errors="replace") as f:
        m = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", f.read())
    print(m.group(1) if m else "0")


def outcome_ours(rec: dict) -> str:
    kind = rec.get("kind")
    if kind == "order_number":
        return "order"
    if kind == "tracking" and rec.get("valid") is True:
        return "tracking"
    if kind == "tracking":
        return "invalid"
    return "none"


def outcome_peer(rec: dict) -> str:
    return "tracking" if rec.get("valid") is True else "none"


def good(expected: str, got: str) -> bool:
    if expected == "tracking":
        return got == "tracking"
    return got != "tracking"


def load_aligned(path: str, inputs: list[str], ours: bool) -> list[str] | str:
    """One outcome per input line, or an error string.

    Records match inputs one to one; if there are fewer, the tool is assumed
    to skip blank lines, which then count as "none".
    """
    outcome = outcome_ours if ours else outcome_peer
    with open(path, encoding="utf-8") as f:
        recs = [json.loads(line) for line in f if line.strip()]
    if len(recs) == len(inputs):
        return [outcome(r) for r in recs]
    non_blank = [i for i, line in enumerate(inputs) if line.strip()]
    if len(recs) != len(non_blank):
        return f"{len(recs)} records for {len(inputs)} inputs ({len(non_blank)} non-blank); cannot align"
    out = ["none"] * len(inputs)
    for i, r in zip(non_blank, recs):
        out[i] = outcome(r)
    return out


def score(labels_path: str, inputs_path: str, ours_path: str, peer_path: str) -> None:
    with open(labels_path, encoding="utf-8") as f:
        labels = [line.rstrip("\n") for line in f]
    with open(inputs_path, encoding="utf-8", newline="\n") as f:
        inputs = [line[:-1] if line.endswith("\n") else line for line in f]
    cols = []
    for name, path, ours in (("posylka", ours_path, True), ("peer", peer_path, False)):
        if path == "-":
            continue
        got = load_aligned(path, inputs, ours)
        if isinstance(got, str):
            print(f"> {name}: {got}\n")
            continue
        cols.append((name, got))
    if not cols:
        return
    cats = sorted(set(labels), key=lambda c: (list(EXPECT).index(c) if c in EXPECT else 99, c))
    print("| category | lines | expected | " + " | ".join(f"{n} as expected" for n, _ in cols) + " |")
    print("|---|---:|---|" + "---:|" * len(cols))
    totals = [0] * len(cols)
    for cat in cats:
        idx = [i for i, lab in enumerate(labels) if lab == cat]
        exp = EXPECT.get(cat, "?")
        cells = []
        for k, (_n, got) in enumerate(cols):
            ok = sum(1 for i in idx if good(exp, got[i]))
            totals[k] += ok
            cells.append(f"{100.0 * ok / len(idx):.1f}%")
        print(f"| {cat} | {len(idx)} | {exp} | " + " | ".join(cells) + " |")
    print(f"| **all** | {len(labels)} | | "
          + " | ".join(f"**{100.0 * t / len(labels):.1f}%**" for t in totals) + " |")


def hits(path: str) -> None:
    kinds: dict[str, int] = {}
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            n += 1
            if "kind" in rec:
                k = rec["kind"] + ("" if rec.get("valid", True) or rec["kind"] != "tracking" else " (invalid)")
                kinds[k] = kinds.get(k, 0) + 1
    split = ", ".join(f"{v} {k}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
    print(f"{n} ({split})" if split else str(n))


def human_rate(x: float, unit: str) -> str:
    if unit == "B/s":
        return f"{x / 1e6:,.2f} MB/s"
    return f"{x:,.0f} {unit}"


def table(path: str) -> None:
    """RESULTS_TSV rows: section tool input_desc work unit mean sd min runs rss_kib."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(line.rstrip("\n").split("\t"))
    sections: dict[str, list[list[str]]] = {}
    for r in rows:
        sections.setdefault(r[0], []).append(r)
    for sec, rs in sections.items():
        print(f"### {sec}\n")
        print("| tool | input | mean wall s (±sd, min, runs) | throughput (mean) | peak RSS |")
        print("|---|---|---|---:|---:|")
        rate: dict[str, float] = {}
        for _s, tool, desc, work, unit, mean, sd, mn, runs, rss in rs:
            r = float(work) / float(mean) if float(mean) > 0 else 0.0
            rate[tool] = r
            rss_txt = f"{int(rss) / 1024:,.1f} MiB" if int(rss) > 0 else "n/a"
            print(f"| {tool} | {desc} | {float(mean):.3f} (±{float(sd):.3f}, {float(mn):.3f}, {runs}) "
                  f"| {human_rate(r, unit)} | {rss_txt} |")
        if "posylka" in rate and "peer" in rate and rate["peer"] > 0:
            print(f"\nRatio posylka/peer (same input, same run): **{rate['posylka'] / rate['peer']:.1f}x**")
        print()


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "timing":
        timing_from_hyperfine(args[0])
    elif cmd == "times":
        timing_from_samples(args)
    elif cmd == "rss":
        rss_from_time_v(args[0])
    elif cmd == "score":
        score(*args)
    elif cmd == "hits":
        hits(args[0])
    elif cmd == "table":
        table(args[0])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
