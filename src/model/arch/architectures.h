// The architectures openbook runs, by their GGUF name (general.architecture, as llama.cpp names
// them), and the entry points that load a model of each kind from an opened file.
//
// load_causal_lm() accepts the decoder-only language models (llama, qwen2, qwen3);
// load_encoder() the embedding encoders (bert). Either refuses the other kind with
// kInvalidArgument, and an unknown architecture with kUnsupported listing what is supported.
// The returned model points into `file`, which must outlive it.
//
// Thread-safety: plain functions; the models they return are immutable.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "model/arch/bert.h"
#include "model/arch/causal_lm.h"
#include "model/gguf/gguf_file.h"
#include "openbook/status.h"

namespace openbook::arch {

// "llama", "qwen2", "qwen3", "bert".
std::span<const std::string_view> supported_architectures();

// general.architecture; kCorrupt when missing, kUnsupported when not supported.
Result<std::string> architecture_of(const gguf::File& file);

Result<std::unique_ptr<CausalLm>> load_causal_lm(const gguf::File& file);
Result<std::unique_ptr<BertModel>> load_encoder(const gguf::File& file);

// One per architecture file.
Result<std::unique_ptr<CausalLm>> load_llama(const gguf::File& file);
Result<std::unique_ptr<CausalLm>> load_qwen2(const gguf::File& file);
Result<std::unique_ptr<CausalLm>> load_qwen3(const gguf::File& file);

}  // namespace openbook::arch
