#!/usr/bin/env bash
# Fuzzes the GGUF reader with libFuzzer (clang-14, ASan + UBSan) for SECONDS (default 60).
#
#   scripts/fuzz.sh [SECONDS]
#
# Builds tests/fuzz/gguf_reader_fuzz in build-fuzz/, seeds a temporary corpus with small real
# GGUF files from ../shared/data (whole, and cut to their first 4 and 64 KiB so that mutations
# reach the header and metadata quickly) plus one synthetic file with every value type and
# nested arrays, and runs the fuzzer. Exits non-zero on any finding (crash, sanitizer report, leak, an
# allocation over 256 MB, a broken reader invariant); the input is kept in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
data="${OPENBOOK_SHARED_DATA:-../shared/data}"
build=build-fuzz

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DOPENBOOK_FUZZ=ON -DOPENBOOK_SANITIZE=ON > /dev/null
cmake --build "$build" --target gguf_reader_fuzz -j2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
for f in stories260k-gguf/stories260K-q8_0.gguf \
         llamacpp-fixtures/tiny-qwen2-q4_0.gguf \
         llamacpp-fixtures/tiny-llama-q4_k_m.gguf \
         llamacpp-fixtures/tiny-llama-q4_0.gguf \
         llamacpp-fixtures/tiny-bert-q4_0.gguf \
         llamacpp-vocab-tests/ggml-vocab-llama-spm.gguf; do
    name="$(basename "$f")"
    cp "$data/$f" "$work/corpus/$name"
    head -c 4096 "$data/$f" > "$work/corpus/head4k-$name"
    head -c 65536 "$data/$f" > "$work/corpus/head64k-$name"
done

# Real files have no nested arrays and few value types: add a small file that has them all.
python3 - "$work/corpus/synthetic.gguf" <<'PY'
import struct, sys
def s(x): return struct.pack('<Q', len(x)) + x
def kv(key, vtype, payload): return s(key) + struct.pack('<I', vtype) + payload
def arr(etype, items, payload): return struct.pack('<IQ', etype, items) + payload
ints = arr(5, 3, struct.pack('<3i', -1, 2, 3))
kvs = [
    kv(b'general.alignment', 4, struct.pack('<I', 64)),
    kv(b'u8', 0, b'\xff'), kv(b'i8', 1, b'\x80'), kv(b'u16', 2, b'\xff\xff'),
    kv(b'i16', 3, b'\x00\x80'), kv(b'u32', 4, struct.pack('<I', 7)),
    kv(b'i32', 5, struct.pack('<i', -7)), kv(b'f32', 6, struct.pack('<f', 0.5)),
    kv(b'bool', 7, b'\x01'), kv(b'str', 8, s(b'text')),
    kv(b'u64', 10, struct.pack('<Q', 2**64 - 1)), kv(b'i64', 11, struct.pack('<q', -2**63)),
    kv(b'f64', 12, struct.pack('<d', -1.25)),
    kv(b'strs', 9, arr(8, 2, s(b'a') + s(b'bc'))),
    kv(b'nested', 9, arr(9, 2, ints + arr(9, 1, arr(8, 1, s(b'deep'))))),
]
infos = s(b'w') + struct.pack('<I2QIQ', 2, 4, 2, 0, 0)           # F32 4x2 at 0
infos += s(b'q') + struct.pack('<IQIQ', 1, 32, 8, 64)             # Q8_0 32 at 64
head = b'GGUF' + struct.pack('<IQQ', 3, 2, len(kvs)) + b''.join(kvs) + infos
head += b'\0' * (-len(head) % 64)
body = bytes(range(32)) + b'\0' * 32 + bytes(34) + b'\0' * 30
open(sys.argv[1], 'wb').write(head + body)
PY

cat > "$work/gguf.dict" <<'DICT'
"GGUF"
"general.alignment"
"tokenizer.ggml.tokens"
"\x03\x00\x00\x00"
"\x09\x00\x00\x00"
"\x08\x00\x00\x00"
"\x00\x00\x00\x00\x00\x00\x00\x80"
"\xff\xff\xff\xff\xff\xff\xff\xff"
DICT

mkdir -p "$build/artifacts"
UBSAN_OPTIONS=print_stacktrace=1 "$build/tests/fuzz/gguf_reader_fuzz" \
    -max_total_time="$seconds" -max_len=1048576 -rss_limit_mb=2048 -malloc_limit_mb=256 \
    -timeout=10 -dict="$work/gguf.dict" -artifact_prefix="$build/artifacts/" \
    -print_final_stats=1 "$work/corpus"
