#!/usr/bin/env python3
"""Chooses BM25's k1 and b by measurement: runs `openbook eval beir` over a grid of (k1, b) on
SciFact, DRCD and CMRC 2018 (converted from SQuAD format) and prints nDCG@10 and Recall@1 for
each. Each dataset's collection is built once (--index) and reused across the grid.

Usage: bench/bm25_sweep.py [--bin build/bin/openbook] [--data ../shared/data]
"""
import argparse
import json
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/bin/openbook"))
    ap.add_argument("--data", default=os.environ.get("OPENBOOK_SHARED_DATA",
                                                      os.path.join(ROOT, "../shared/data")))
    ap.add_argument("--k1", default="0.6,0.9,1.2,1.5")
    ap.add_argument("--b", default="0.3,0.4,0.5,0.75")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="openbook-sweep-")
    datasets = {"scifact": os.path.join(args.data, "scifact/beir")}
    for name, rel in [("drcd", "drcd/DRCD_dev.json"),
                      ("cmrc2018", "cmrc2018/cmrc2018_dev.squad.json")]:
        out = os.path.join(work, name)
        run([args.bin, "eval", "squad", os.path.join(args.data, rel), out])
        datasets[name] = out
    print(f"{'k1':>5}{'b':>6}" + "".join(f"{n + ' nDCG@10':>18}{n + ' R@1':>14}" for n in datasets))
    for k1 in args.k1.split(","):
        for b in args.b.split(","):
            row = f"{k1:>5}{b:>6}"
            for name, path in datasets.items():
                r = json.loads(run([args.bin, "eval", "beir", path, "--k1", k1, "--b", b, "--json",
                                    "--index", os.path.join(work, name + "-index")]))
                row += f"{r['ndcg@10']:>18.4f}{r['recall@1']:>14.4f}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
