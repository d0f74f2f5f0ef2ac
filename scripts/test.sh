#!/usr/bin/env bash
# Installs the dependencies, builds openbook (Release) and runs every test suite:
# unit, golden, e2e and slow. This is the README's test command, and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
ctest --test-dir build --output-on-failure -j2
