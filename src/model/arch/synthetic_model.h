// Random-weight GGUF models of any supported architecture, shape and weight type, written with
// gguf::Writer: for tests (small models whose every tensor and key they control) and benchmarks
// (real-model shapes such as Qwen2.5-0.5B without downloading one).
//
// The layout is what the architecture files expect (llama.cpp tensor names and ggml shapes), with
// a minimal tokenizer (SPM "llama" for decoders, WordPiece "bert" for bert) so that the runtime
// can load the file. Weights are drawn from N(0, 1/sqrt(fan_in)) (embeddings N(0, 0.5)), norm
// weights near 1 and biases near 0, seeded, then stored in `weight_type` with that type's
// from_float. 1-D tensors stay F32.
//
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "model/gguf/ggml_type.h"
#include "model/gguf/gguf_writer.h"
#include "openbook/status.h"

namespace openbook::arch {

struct SyntheticModel {
    std::string architecture = "llama";  // llama, qwen2, qwen3, bert
    int64_t n_vocab = 256;
    int64_t n_embd = 64;
    int64_t n_layer = 2;
    int64_t n_head = 4;
    int64_t n_head_kv = 2;  // bert: = n_head
    int64_t head_dim = 0;   // 0: n_embd / n_head (qwen3 may differ; written as key_length)
    int64_t n_ff = 128;
    int64_t n_ctx = 128;                                // context_length (bert: position rows)
    gguf::GgmlType weight_type = gguf::GgmlType::kF32;  // 2-D weights, token_embd included
    bool tied = true;                                   // no output.weight (decoders)
    bool rope_freqs = false;  // llama: write Llama 3 style rope_freqs.weight
    uint64_t seed = 1;
};

// Called for every tensor before it is written: may change its dims (the data then follows the
// new shape) or return false to leave the tensor out.
using TensorHook = std::function<bool(const std::string& name, std::vector<uint64_t>& dims)>;

// Adds the metadata and tensors of `spec` to `writer`.
Status add_synthetic_model(gguf::Writer& writer, const SyntheticModel& spec,
                           const TensorHook& hook = {});

Status write_synthetic_model(const std::filesystem::path& path, const SyntheticModel& spec,
                             const TensorHook& hook = {});

}  // namespace openbook::arch
