#!/usr/bin/env python3
"""Ingest throughput and peak memory of `openbook ingest` on real corpora from ../shared/data.

Each corpus is ingested into a fresh collection RUNS times. Prints the megabytes of files read,
the best MB/s and chunks/s over the runs (the machine is shared: the best run is the least
disturbed one), and the largest peak resident set size (from wait4's rusage).

Usage: bench/ingest_throughput.py [--bin build/bin/openbook] [--runs 3]
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def ingest_once(binary, corpus):
    tmp = tempfile.mkdtemp(prefix="openbook-bench-")
    try:
        proc = subprocess.Popen([binary, "ingest", corpus, "--index", os.path.join(tmp, "idx"),
                                 "--json", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = proc.stdout.read()
        proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) not in (0, 3):
            raise SystemExit(f"ingest of {corpus} failed")
        report = json.loads(out)
        return report, usage.ru_maxrss / 1024.0  # ru_maxrss is in KiB on Linux
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/bin/openbook"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", default=os.environ.get("OPENBOOK_SHARED_DATA",
                                                      os.path.join(ROOT, "../shared/data")))
    args = ap.parse_args()
    corpora = [("d2l-zh", "d2l-zh"), ("d2l-en", "d2l-en"),
               ("war-and-peace", "ollama-testdata/war-and-peace.txt"),
               ("scifact corpus", "scifact/beir/corpus.jsonl")]
    print(f"{'corpus':<16}{'MB':>7}{'files':>7}{'docs':>7}{'chunks':>8}{'MB/s':>8}"
          f"{'chunks/s':>10}{'peak RSS MB':>13}")
    for name, rel in corpora:
        best_mbps = best_cps = peak = 0.0
        report = None
        for _ in range(args.runs):
            report, rss = ingest_once(args.bin, os.path.join(args.data, rel))
            seconds = max(report["seconds"], 1e-9)
            best_mbps = max(best_mbps, report["bytes"] / 1e6 / seconds)
            best_cps = max(best_cps, report["chunks"] / seconds)
            peak = max(peak, rss)
        print(f"{name:<16}{report['bytes'] / 1e6:>7.2f}{report['added']:>7}"
              f"{report['documents']:>7}{report['chunks']:>8}{best_mbps:>8.1f}{best_cps:>10.0f}"
              f"{peak:>13.0f}")


if __name__ == "__main__":
    main()
