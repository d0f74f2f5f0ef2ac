#!/usr/bin/env python3
"""Prompt processing and generation speed side by side with llama.cpp's llama-bench.

For each GGUF file, runs `openbook bench -m FILE -p P -n N -t T -r R --json` and
`llama-bench -m FILE -p P -n N -t T -r R -o json`, one after the other, and prints tokens/s of
both and their ratio. The files are usually made with `openbook model synth` (real shapes,
random weights); llama.cpp loads them too. llama.cpp is not part of openbook: build it outside
this repository and pass its llama-bench with --llama.

Usage: bench/engine_compare.py --llama PATH FILE.gguf... [--bin build/bin/openbook]
                               [-p 512] [-n 128] [-t 2] [-r 3]
"""
import argparse
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def openbook(binary, path, p, n, t, r):
    out = subprocess.run([binary, "bench", "-m", path, "-p", str(p), "-n", str(n), "-t", str(t),
                          "-r", str(r), "--json"], check=True, capture_output=True, text=True)
    j = json.loads(out.stdout)
    return j["pp_tokens_per_s"], j["tg_tokens_per_s"]


def llama(binary, path, p, n, t, r):
    out = subprocess.run([binary, "-m", path, "-p", str(p), "-n", str(n), "-t", str(t),
                          "-r", str(r), "-o", "json"], check=True, capture_output=True, text=True)
    pp = tg = None
    for row in json.loads(out.stdout):
        if row["n_prompt"] > 0 and row["n_gen"] == 0:
            pp = row["avg_ts"]
        if row["n_gen"] > 0 and row["n_prompt"] == 0:
            tg = row["avg_ts"]
    return pp, tg


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/bin/openbook"))
    ap.add_argument("--llama", required=True, help="llama.cpp's llama-bench, built outside this repo")
    ap.add_argument("-p", type=int, default=512)
    ap.add_argument("-n", type=int, default=128)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("-r", type=int, default=3)
    args = ap.parse_args()

    print(f"| model | openbook pp{args.p} | llama.cpp pp{args.p} | ratio | openbook tg{args.n} | "
          f"llama.cpp tg{args.n} | ratio |")
    print("|---|---|---|---|---|---|---|")
    for path in args.files:
        o_pp, o_tg = openbook(args.bin, path, args.p, args.n, args.t, args.r)
        l_pp, l_tg = llama(args.llama, path, args.p, args.n, args.t, args.r)
        print(f"| {os.path.basename(path)} | {o_pp:.1f} | {l_pp:.1f} | {o_pp / l_pp:.2f}× | "
              f"{o_tg:.1f} | {l_tg:.1f} | {o_tg / l_tg:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
