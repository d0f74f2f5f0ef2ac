// Synthetic models for benchmarks: a GGUF file with the exact shapes, metadata and per-tensor
// quantization mix of a real model (Qwen2.5-0.5B, Llama-3.2-1B, …) but random weights, so speed
// can be measured on real shapes without downloading anything.
//
// The quantization mix follows llama-quantize's default rules for the named file type
// ("Q4_K_M": output/tied embeddings Q6_K, attn_v and ffn_down of the "more bits" layers Q6_K,
// the rest Q4_K; a row length that is not a multiple of the type's block falls back: Q4_K →
// Q5_0, Q5_K → Q5_1, Q6_K → Q8_0, Q2_K/Q3_K → Q4_0 (llama-quantize would use IQ4_NL, which
// openbook does not run)). Norms and biases stay F32. Weights are N(0, 1/sqrt(fan_in)),
// norms 1 + N(0, 0.1), from a seeded generator: the same options give the same file.
//
// The vocabulary is copied from `vocab_from` (a GGUF whose tokenizer.* keys are taken) when
// given, else a synthetic one of the right size is made (byte tokens + filler), which is enough
// for `openbook bench` (it feeds random token ids).
//
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "openbook/status.h"

namespace openbook::runtime {

struct SynthSpec {
    std::string preset;     // see synth_presets()
    std::string file_type;  // "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
                            // "Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K"
    std::filesystem::path output;
    std::filesystem::path vocab_from;  // optional
    uint64_t seed = 1;
};

struct SynthReport {
    uint64_t parameters = 0;
    uint64_t file_bytes = 0;
    std::vector<std::pair<std::string, uint64_t>> tensor_types;  // type → tensor count
};

std::vector<std::string> synth_presets();
std::vector<std::string> synth_file_types();

Result<SynthReport> synthesize_model(const SynthSpec& spec);

}  // namespace openbook::runtime
