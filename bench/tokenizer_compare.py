#!/usr/bin/env python3
"""Tokenizer speed side by side with llama.cpp, and a whole-corpus exactness check.

For each vocabulary and corpus, encodes the same text with openbook (build/bin/tokenizer_bench)
and with llama.cpp's tokenizer test program (`test-tokenizer-0 VOCAB TEXT`, which times one
encode of TEXT and writes the ids to TEXT.tokcpp), with the same settings: no BOS, special
tokens not parsed. Each side runs RUNS times and its best time counts (the machine is shared).
Prints tokens/s of both, the ratio, and whether the ids are identical.

llama.cpp is not part of openbook: build it yourself outside this repository and pass the
program with --llama (e.g. ../peer/llama.cpp/build/bin/test-tokenizer-0). Without --llama only
openbook's numbers are printed.

Usage: bench/tokenizer_compare.py [--bench build-bench/bin/tokenizer_bench] [--llama PATH]
                                  [--runs 3]
"""
import argparse
import glob
import json
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")

VOCABS = {
    "qwen2": "llamacpp-fixtures/vocab/ggml-vocab-qwen2.gguf",
    "llama-bpe": "llamacpp-fixtures/vocab/ggml-vocab-llama-bpe.gguf",
    "llama-spm": "llamacpp-vocab-tests/ggml-vocab-llama-spm.gguf",
    "bert-bge": "llamacpp-vocab-tests/ggml-vocab-bert-bge.gguf",
}


def corpora(tmp):
    """war-and-peace as is; d2l-zh as its Chinese chapters concatenated in path order."""
    wp = os.path.join(DATA, "ollama-testdata", "war-and-peace.txt")
    zh_files = sorted(f for f in glob.glob(os.path.join(DATA, "d2l-zh", "**", "*.md"), recursive=True)
                      if not f.endswith("_origin.md"))
    zh = os.path.join(tmp, "d2l-zh.md")
    with open(zh, "wb") as out:
        for f in zh_files:
            with open(f, "rb") as inp:
                out.write(inp.read())
    wp_copy = os.path.join(tmp, "war-and-peace.txt")  # llama.cpp writes TEXT.tokcpp beside it
    with open(wp, "rb") as inp, open(wp_copy, "wb") as out:
        out.write(inp.read())
    return {"war-and-peace": wp_copy, "d2l-zh": zh}


def run_openbook(bench, vocab, text, runs, ids_out):
    out = subprocess.run([bench, vocab, text, "--runs", str(runs), "--ids", ids_out],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def run_llama(llama, vocab, text, runs):
    best = None
    for _ in range(runs):
        proc = subprocess.run([llama, vocab, text], capture_output=True, text=True)
        m = re.search(r"tokenized in ([0-9.]+) ms", proc.stderr)
        if not m:
            raise SystemExit(f"llama.cpp run failed:\n{proc.stderr[-2000:]}")
        ms = float(m.group(1))
        best = ms if best is None else min(best, ms)
    with open(text + ".tokcpp") as f:
        ids = [line.strip() for line in f if line.strip()]
    return best / 1000.0, ids


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", default=os.path.join(ROOT, "build-bench/bin/tokenizer_bench"))
    ap.add_argument("--llama", help="llama.cpp's test-tokenizer-0, built outside this repo")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--vocabs", default="qwen2,llama-bpe,llama-spm,bert-bge")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="openbook-tok-") as tmp:
        texts = corpora(tmp)
        print("| vocab | text | MB | tokens | openbook tok/s | llama.cpp tok/s | ratio | ids identical |")
        print("|---|---|---|---|---|---|---|---|")
        for name in args.vocabs.split(","):
            vocab = os.path.join(DATA, VOCABS[name])
            for corpus, path in texts.items():
                ids_out = os.path.join(tmp, "ids.txt")
                ours = run_openbook(args.bench, vocab, path, args.runs, ids_out)
                row = [name, corpus, f"{ours['bytes'] / 1e6:.2f}", str(ours["tokens"]),
                       f"{ours['tokens_per_s'] / 1e6:.2f} M"]
                if args.llama:
                    seconds, llama_ids = run_llama(args.llama, vocab, path, args.runs)
                    with open(ids_out) as f:
                        our_ids = [line.strip() for line in f if line.strip()]
                    theirs = len(llama_ids) / seconds
                    row += [f"{theirs / 1e6:.2f} M", f"{ours['tokens_per_s'] / theirs:.2f}x",
                            "yes" if our_ids == llama_ids else
                            f"NO ({sum(a != b for a, b in zip(our_ids, llama_ids))} differ, "
                            f"{len(our_ids)} vs {len(llama_ids)})"]
                else:
                    row += ["-", "-", "-"]
                print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
