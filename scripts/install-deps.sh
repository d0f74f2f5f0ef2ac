#!/usr/bin/env bash
# Installs every Debian 12 package that openbook's build, tests and benchmarks need.
# Idempotent and non-interactive; safe to run again. Needs root (or sudo).
set -euo pipefail

packages=(
    # toolchain
    build-essential g++ cmake ninja-build pkg-config git
    clang-14 libclang-rt-14-dev clang-format clang-tidy
    # libraries
    libsqlite3-dev          # the catalog
    libutf8proc-dev         # Unicode normalization and categories
    libuchardet-dev         # legacy encoding detection (Big5 / GB18030)
    libpoppler-cpp-dev      # PDF text
    libgumbo-dev            # HTML parsing
    libzip-dev libpugixml-dev  # .docx (zip + XML)
    nlohmann-json3-dev      # JSON / JSONL
    libcli11-dev            # command-line parsing
    libfmt-dev              # formatting (no <format> in g++ 12)
    libxxhash-dev           # content hashes
    libopencc-dev libopencc-data  # Traditional/Simplified Chinese folding (data: /usr/share/opencc)
    libstemmer-dev          # Snowball stemmers for the lexical analyzer
    libpcre2-dev            # BPE pre-tokenizer regexes (Unicode properties, JIT)
    libtomlplusplus-dev     # openbook.toml / config.toml settings
    libcurl4-openssl-dev    # Hugging Face Hub downloads (HTTPS, proxies, redirects, ranges)
    libssl-dev              # SHA-256 of downloaded model files (libcrypto)
    libcpp-httplib-dev      # HTTP server: the Hub stand-in the tests start, later `serve`
    # tests and benchmarks
    libgtest-dev libgmock-dev libbenchmark-dev
    libxapian-dev           # bench/lexical_compare: Xapian, one of the engines compared
    qpdf                    # makes encrypted PDFs for the bad-input tests
    python3                 # test helpers and the include-DAG check
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${packages[@]}"
