#!/usr/bin/env python3
"""Time to first token of `openbook ask --model` and its parts, with and without prefix reuse.

Runs `openbook ask --questions FILE --json -k K -m MODEL` over a collection twice in one
session: once as it runs by default (the system prompt and few-shot examples evaluated once per
process, their K/V kept and restored for every later question) and once with --no-prefix-cache
(every prompt evaluated from an empty cache). The first question of a run pays for loading
pages of the model and for the prefix either way, so the table reports the median over the
questions after the first: retrieval, prompt building, prefill (and how many prompt tokens
were reused), and the time from the question to the first generated token.

Usage: bench/ask_ttft.py --model FILE.gguf [--index DIR] [--examples FILE] [-k 5] [-t 2]
                         [--bin build/bin/openbook] [--repeat 2] [--count 7]
The default collection is the bundled examples/ folder, ingested into a temporary index.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

QUESTIONS = [
    "What happens when I ingest an encrypted PDF?",
    "How do I remove a document from the collection?",
    "加密的 PDF 會怎麼樣？",
    "Which file formats can openbook ingest?",
    "How are documents cut into chunks?",
    "What does the search index store?",
    "如何刪除集合中的文件？",
]


def run(binary, index, model, questions_file, k, threads, examples, no_prefix_cache):
    args = [binary, "ask", "--questions", questions_file, "--index", index, "-m", model,
            "-k", str(k), "-t", str(threads), "-n", "8", "--temp", "0", "--json"]
    if examples:
        args += ["--examples", examples]
    if no_prefix_cache:
        args.append("--no-prefix-cache")
    env = dict(os.environ, OPENBOOK_CONFIG="/dev/null")
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def summary(answers):
    later = [a for a in answers[1:] if a["found"]]
    med = lambda f: statistics.median(f(a) for a in later)
    return {
        "n": len(later),
        "sources": med(lambda a: len(a["sources"])),
        "prompt_tokens": med(lambda a: a["generation"]["prompt_tokens"]),
        "reused": med(lambda a: a["generation"]["reused_prompt_tokens"]),
        "retrieval_ms": med(lambda a: a["timings"]["retrieval_ms"]),
        "prompt_ms": med(lambda a: a["timings"]["prompt_ms"]),
        "prefill_ms": med(lambda a: a["timings"]["prefill_ms"]),
        "ttft_ms": med(lambda a: a["timings"]["first_token_ms"]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--index")
    ap.add_argument("--examples", default="")
    ap.add_argument("-k", type=int, default=5)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2, help="alternating runs of each mode")
    ap.add_argument("--count", type=int, default=len(QUESTIONS), help="questions per run (>= 2)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin", "openbook"))
    a = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        index = a.index
        if not index:
            index = os.path.join(tmp, "index")
            subprocess.run([a.bin, "ingest", os.path.join(ROOT, "examples"), "--index", index,
                            "-q"], check=True)
        questions = os.path.join(tmp, "questions.txt")
        with open(questions, "w") as f:
            f.write("\n".join(QUESTIONS[:max(2, a.count)]) + "\n")
        rows = {False: [], True: []}
        for _ in range(a.repeat):  # alternate, so drift on a shared machine hits both alike
            for mode in (False, True):
                rows[mode] += run(a.bin, index, a.model, questions, a.k, a.t, a.examples, mode)
        print(f"model {os.path.basename(a.model)}, k={a.k}, threads={a.t}, "
              f"examples={os.path.basename(a.examples) or 'none'}; medians over questions 2..N")
        print("| prefix | sources | prompt tokens | reused | retrieval ms | prompt ms | "
              "prefill ms | time to first token ms |")
        print("|---|---|---|---|---|---|---|---|")
        for mode, name in ((False, "kept (default)"), (True, "--no-prefix-cache")):
            s = summary(rows[mode])
            print(f"| {name} | {s['sources']:.0f} | {s['prompt_tokens']:.0f} | {s['reused']:.0f} | "
                  f"{s['retrieval_ms']:.1f} | {s['prompt_ms']:.1f} | {s['prefill_ms']:.0f} | "
                  f"{s['ttft_ms']:.0f} |")


if __name__ == "__main__":
    main()
