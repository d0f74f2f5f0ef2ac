#!/usr/bin/env python3
"""Checks that #include "..." lines respect openbook's module DAG.

Scans src/**/*.h, src/**/*.cpp and include/openbook/*.h. A file's module is the first path
component under src/ (src/ingest/loader.h -> "ingest"), except under src/model/ and src/index/,
whose modules are two levels deep (src/model/gguf/reader.h -> "model/gguf").

Rules for a quoted include in a file of module M:
  - "openbook/..." (the public headers in include/) is allowed everywhere;
  - "support/..." (tests/support, the shared test helpers) only in *_test.cpp files;
  - otherwise the included file's module must be M itself or listed in ALLOWED[M].
System includes (<...>) are not checked. Public headers (include/openbook/*.h) may include only
other public headers.

Usage:
  scripts/check_include_dag.py [--root DIR]   check the tree (default: the repository)
  scripts/check_include_dag.py --self-test    check the checker on a small in-memory tree
Exit status: 0 when clean, 1 on a violation (or a failed self-test), 2 on a usage error.
"""

import argparse
import os
import re
import sys

# The module DAG: module -> modules it may include (besides itself and "openbook/..." headers).
# "index/*" and "model/*" stand for every module under index/ and model/.
# Keep in step with docs/ARCHITECTURE.md and the openbook_module() order in src/CMakeLists.txt.
ALLOWED = {
    "core": [],
    "text": ["core"],
    "ingest": ["text", "core"],
    "store": ["ingest", "text", "core"],
    "index/lexical": ["store", "ingest", "text", "core"],
    "index/vector": ["store", "ingest", "text", "core", "model/kernels"],
    "collection": ["index/*", "store", "ingest", "text", "core"],
    "model/gguf": ["core"],
    # The tensor types (model/gguf/ggml_type.h) are defined by the file format; kernels
    # implement them.
    "model/kernels": ["model/gguf", "core"],
    "model/tokenizer": ["model/gguf", "core", "text"],
    # arch may use every other model/ module except runtime, which runs the architectures
    # (letting both include each other would make a cycle).
    "model/arch": ["model/kernels", "model/gguf", "model/tokenizer", "core", "text"],
    "model/runtime": ["model/*", "core", "text"],
    "hub": ["core"],
    "llm": ["model/*", "hub", "core", "text"],
    "rag": ["collection", "index/*", "store", "ingest", "text", "core", "llm", "model/*", "hub"],
    # api implements the public headers in include/openbook/ on top of everything below it.
    "api": ["rag", "llm", "hub", "collection", "index/*", "model/*", "store", "ingest", "text",
            "core"],
    # The front ends see only the public API ("openbook/...") and their own files.
    "server": [],
    "cli": [],
    "web": [],
}

# Modules whose names are two path components deep.
TWO_LEVEL = ("index", "model")

PUBLIC_PREFIX = "openbook/"
SUPPORT_PREFIX = "support/"
PUBLIC_MODULE = "include/openbook"  # pseudo-module of the public headers

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def expand(entries):
    """Expands "index/*" and "model/*" to the concrete module names in ALLOWED."""
    out = set()
    for entry in entries:
        if entry.endswith("/*"):
            prefix = entry[:-1]
            out.update(m for m in ALLOWED if m.startswith(prefix))
        else:
            out.add(entry)
    return out


def module_of(path):
    """Module of a path relative to src/ ("ingest/loader.h" -> "ingest"); None if unknown."""
    parts = path.replace("\\", "/").split("/")
    if len(parts) < 2:
        return None
    if parts[0] in TWO_LEVEL:
        if len(parts) < 3:
            return None
        name = parts[0] + "/" + parts[1]
    else:
        name = parts[0]
    return name if name in ALLOWED else None


def table_problems():
    """Problems in ALLOWED itself: unknown names and cycles. Empty when the table is sound."""
    problems = []
    for module, entries in ALLOWED.items():
        for entry in entries:
            if entry.endswith("/*"):
                if not any(m.startswith(entry[:-1]) for m in ALLOWED):
                    problems.append(f"{module}: '{entry}' matches no module")
            elif entry not in ALLOWED:
                problems.append(f"{module}: '{entry}' is not a module")
    graph = {m: expand(e) - {m} for m, e in ALLOWED.items()}
    state = {}  # module -> 1 while being visited, 2 when done

    def visit(m, stack):
        state[m] = 1
        for dep in sorted(graph.get(m, ())):
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep]
                problems.append("cycle: " + " -> ".join(cycle))
            elif dep in graph and dep not in state:
                visit(dep, stack + [dep])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return problems


def quoted_includes(text):
    """Yields (line number, include path) for each #include "..." outside block comments."""
    in_comment = False
    for lineno, line in enumerate(text.splitlines(), 1):
        code = ""
        i = 0
        while i < len(line):
            if in_comment:
                end = line.find("*/", i)
                if end < 0:
                    i = len(line)
                else:
                    in_comment = False
                    i = end + 2
            else:
                start = line.find("/*", i)
                if start < 0:
                    code += line[i:]
                    i = len(line)
                else:
                    code += line[i:start] + " "
                    in_comment = True
                    i = start + 2
        m = INCLUDE_RE.match(code)
        if m:
            yield lineno, m.group(1)


def describe_allowed(module):
    if module == PUBLIC_MODULE:
        return 'public headers may include only other "openbook/..." headers'
    others = sorted(expand(ALLOWED[module]) - {module})
    listed = ", ".join(others) if others else "no other module"
    return f'{module} may include: {listed} (plus {module}/..., and "openbook/..." headers)'


class Violation:
    def __init__(self, file, line, include, message, module):
        self.file, self.line, self.include = file, line, include
        self.message, self.module = message, module

    def __str__(self):
        hint = describe_allowed(self.module) if self.module else ""
        text = f'{self.file}:{self.line}: #include "{self.include}": {self.message}'
        return text + (f"\n    {hint}" if hint else "")


def check_file(display_path, rel_path, is_public, text, exists):
    """Checks one file. rel_path is relative to src/ (or to include/ when is_public).

    exists(path_relative_to_src) tells whether a file exists, for includes relative to the
    including file's own directory.
    """
    violations = []
    if is_public:
        module = PUBLIC_MODULE
    else:
        module = module_of(rel_path)
        if module is None:
            return [Violation(display_path, 1, "", "file is not in a known module; add its "
                              "module to ALLOWED in scripts/check_include_dag.py", None)]
    is_test = rel_path.endswith("_test.cpp")
    allowed = set() if is_public else expand(ALLOWED[module]) | {module}

    for lineno, inc in quoted_includes(text):
        if inc.startswith(PUBLIC_PREFIX):
            continue
        if inc.startswith(SUPPORT_PREFIX):
            if not is_test:
                violations.append(Violation(
                    display_path, lineno, inc,
                    "test helpers (tests/support) may be included only by *_test.cpp files",
                    None))
            continue
        if is_public:
            violations.append(Violation(display_path, lineno, inc,
                                        "a public header must not include internal headers",
                                        module))
            continue
        target = module_of(inc)
        if target is None:
            # A path relative to the including file's directory ("foo.h" next to it).
            local = os.path.normpath(os.path.join(os.path.dirname(rel_path), inc))
            local = local.replace("\\", "/")
            if exists(local):
                target = module_of(local)
        if target is None:
            violations.append(Violation(
                display_path, lineno, inc,
                "not a path into a known module; write it relative to src/ "
                '(e.g. "text/utf8.h"), or use <...> for a third-party header',
                module))
        elif target not in allowed:
            violations.append(Violation(
                display_path, lineno, inc,
                f"module '{module}' may not include module '{target}'", module))
    return violations


def check_tree(files, exists):
    """files: iterable of (display path, path relative to src/ or include/, is_public, text)."""
    violations = []
    for display, rel, is_public, text in files:
        violations.extend(check_file(display, rel, is_public, text, exists))
    return violations


def scan_disk(root):
    src = os.path.join(root, "src")
    include = os.path.join(root, "include", "openbook")
    files = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".h", ".cpp")):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, src).replace("\\", "/")
                files.append((os.path.relpath(full, root), rel, False, read_text(full)))
    if os.path.isdir(include):
        for name in sorted(os.listdir(include)):
            if name.endswith(".h"):
                full = os.path.join(include, name)
                files.append((os.path.relpath(full, root), "openbook/" + name, True,
                              read_text(full)))

    def exists(rel):
        return os.path.isfile(os.path.join(src, rel))

    return files, exists


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def self_test():
    """Runs the checker on a fake tree and compares the violations it finds with the expected."""
    tree = {
        # (path under src/ or include/, public?) -> text
        ("core/x.h", False): '#pragma once\n#include <string>\n#include "ingest/y.h"\n',
        ("core/status_util.cpp", False): '#include "core/x.h"\n#include "openbook/status.h"\n',
        ("text/utf8.cpp", False): '#include "text/utf8.h"\n#include "core/x.h"\n',
        ("text/utf8.h", False): "#pragma once\n",
        ("text/local.cpp", False): '#include "utf8.h"\n',  # relative to its own directory
        ("ingest/y.h", False): '#include "text/utf8.h"\n// #include "rag/z.h"\n'
                               '/* old:\n#include "llm/q.h"\n*/\n',
        ("ingest/loader.cpp", False): '#include "support/test_support.h"\n',
        ("ingest/loader_test.cpp", False): '#include "support/test_support.h"\n'
                                           '#include "ingest/y.h"\n',
        ("index/vector/hnsw.cpp", False): '#include "model/kernels/dot.h"\n',
        ("index/lexical/bm25.cpp", False): '#include "model/kernels/dot.h"\n'
                                           '#include "index/vector/hnsw.h"\n',
        ("model/kernels/dot.h", False): '#include "core/x.h"\n',
        ("model/gguf/reader.cpp", False): '#include "model/tokenizer/bpe.h"\n',
        ("model/tokenizer/bpe.cpp", False): '#include "model/gguf/reader.h"\n'
                                            '#include "text/utf8.h"\n',
        ("model/runtime/session.cpp", False): '#include "model/arch/llama.h"\n'
                                              '#include "hub/download.h"\n',
        ("model/arch/llama.cpp", False): '#include "model/kernels/dot.h"\n'
                                         '#include "model/runtime/session.h"\n',
        ("collection/collection.cpp", False): '#include "index/lexical/bm25.h"\n'
                                              '#include "index/vector/hnsw.h"\n',
        ("rag/answer.cpp", False): '#include "llm/generate.h"\n#include "api/engine.h"\n',
        ("api/engine.cpp", False): '#include "rag/answer.h"\n#include "model/runtime/s.h"\n',
        ("cli/main.cpp", False): '#include "openbook/api.h"\n#include "cli/args.h"\n'
                                 '#include "server/http.h"\n',
        ("server/http.cpp", False): '#  include "api/engine.h"\n',
        ("cli/odd.cpp", False): '#include "third_party.h"\n',
        ("mystery/a.cpp", False): "",
        ("openbook/api.h", True): '#include "openbook/status.h"\n#include "core/x.h"\n',
    }
    expected = {
        ("src/core/x.h", 3, "ingest/y.h"),
        ("src/ingest/loader.cpp", 1, "support/test_support.h"),
        ("src/index/lexical/bm25.cpp", 1, "model/kernels/dot.h"),
        ("src/index/lexical/bm25.cpp", 2, "index/vector/hnsw.h"),
        ("src/model/gguf/reader.cpp", 1, "model/tokenizer/bpe.h"),
        ("src/model/runtime/session.cpp", 2, "hub/download.h"),
        ("src/model/arch/llama.cpp", 2, "model/runtime/session.h"),
        ("src/rag/answer.cpp", 2, "api/engine.h"),
        ("src/cli/main.cpp", 3, "server/http.h"),
        ("src/server/http.cpp", 1, "api/engine.h"),
        ("src/cli/odd.cpp", 1, "third_party.h"),
        ("src/mystery/a.cpp", 1, ""),
        ("include/openbook/api.h", 2, "core/x.h"),
    }
    files = [(("include/" if pub else "src/") + path, path, pub, text)
             for (path, pub), text in tree.items()]
    present = {path for (path, pub) in tree if not pub}
    found = {(v.file, v.line, v.include) for v in check_tree(files, present.__contains__)}

    failures = []
    failures += [f"table: {p}" for p in table_problems()]
    failures += [f"missed violation: {e}" for e in sorted(expected - found)]
    failures += [f"false alarm: {f}" for f in sorted(found - expected)]

    # The helpers on their own.
    for path, want in [("core/a.h", "core"), ("model/gguf/r.h", "model/gguf"),
                       ("index/vector/h.cpp", "index/vector"), ("model/x.h", None),
                       ("nowhere/x.h", None), ("x.h", None)]:
        if module_of(path) != want:
            failures.append(f"module_of({path!r}) = {module_of(path)!r}, expected {want!r}")
    if expand(["model/*"]) != {"model/kernels", "model/gguf", "model/tokenizer", "model/arch",
                               "model/runtime"}:
        failures.append("expand('model/*') is wrong")

    # A cycle in the table must be noticed.
    saved = ALLOWED["core"]
    ALLOWED["core"] = ["text"]
    try:
        if not any(p.startswith("cycle:") for p in table_problems()):
            failures.append("a cycle core -> text -> core was not reported")
    finally:
        ALLOWED["core"] = saved

    if failures:
        print("check_include_dag self-test FAILED:")
        for f in failures:
            print("  " + f)
        return 1
    print(f"check_include_dag self-test passed ({len(tree)} fake files, "
          f"{len(expected)} expected violations found, no false alarms)")
    return 0


def main(argv):
    default_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description="Check #include lines against the module DAG.")
    parser.add_argument("--root", default=default_root, help="repository root (default: %(default)s)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the checker on a small in-memory tree")
    args = parser.parse_args(argv)

    if args.self_test:
        return self_test()

    problems = table_problems()
    if problems:
        print("check_include_dag: the ALLOWED table itself is broken:")
        for p in problems:
            print("  " + p)
        return 1
    if not os.path.isdir(os.path.join(args.root, "src")):
        print(f"check_include_dag: no src/ directory under {args.root}", file=sys.stderr)
        return 2

    files, exists = scan_disk(args.root)
    violations = check_tree(files, exists)
    if violations:
        for v in violations:
            print(v)
        print(f"\ncheck_include_dag: {len(violations)} include(s) break the module DAG "
              f"(table: ALLOWED in scripts/check_include_dag.py, docs/ARCHITECTURE.md).")
        return 1
    print(f"check_include_dag: {len(files)} files, all includes respect the module DAG.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
