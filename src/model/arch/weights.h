// Views of a model's tensors where they lie in the mapped GGUF file: the weights are used in
// their stored (quantized) form and never copied or dequantized as a whole, so a loaded model
// costs its file's pages plus the KV cache.
//
// TensorLoader hands out those views by name and checks each against what the metadata implies:
// a missing tensor or a shape that disagrees is kCorrupt, a type openbook has no kernel for is
// kUnsupported, both naming the tensor. check_all_used() then refuses a file with tensors the
// architecture does not know (a variant such as mixture-of-experts that would otherwise be
// silently computed wrong).
//
// Thread-safety: the views are immutable and valid while the gguf::File lives. A TensorLoader
// belongs to one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>

#include "model/gguf/gguf_file.h"
#include "model/kernels/kernels.h"
#include "openbook/status.h"

namespace openbook::arch {

// A 2-D tensor of `rows` rows of `cols` elements (ggml's ne0 = cols), e.g. a projection W that
// computes y = W x for x of size cols. An absent optional tensor has data == nullptr.
struct Weight {
    std::string_view name;
    gguf::GgmlType type = gguf::GgmlType::kF32;
    const kernels::TypeOps* ops = nullptr;
    int64_t cols = 0;
    int64_t rows = 0;
    size_t row_bytes = 0;
    const unsigned char* data = nullptr;

    bool present() const { return data != nullptr; }
    const unsigned char* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};

class TensorLoader {
public:
    // `architecture` only names the model in messages.
    TensorLoader(const gguf::File& file, std::string architecture);

    // A weight that multiplies activations: shape [cols, rows], a type with a dot kernel, and a
    // row length that its activation type can hold.
    Result<Weight> matrix(const std::string& name, int64_t cols, int64_t rows);
    Result<Weight> optional_matrix(const std::string& name, int64_t cols, int64_t rows);
    // A table whose rows are looked up and converted to floats (token embeddings, positions);
    // `multiplied` also asks for a dot kernel (an embedding tied to the output projection).
    Result<Weight> table(const std::string& name, int64_t cols, int64_t rows, bool multiplied);
    // A 1-D F32 tensor of n elements (norm weights, biases).
    Result<std::span<const float>> vector(const std::string& name, int64_t n);
    // Empty span when absent.
    Result<std::span<const float>> optional_vector(const std::string& name, int64_t n);

    bool has(const std::string& name) const;
    // Rows of a present 2-D tensor (dims[1]), or -1; for shapes that metadata does not give.
    int64_t rows_of(const std::string& name) const;

    // kUnsupported naming the first tensor of the file that no call above asked for.
    Status check_all_used() const;

private:
    Result<const gguf::TensorInfo*> find(const std::string& name,
                                         std::initializer_list<int64_t> dims);

    const gguf::File& file_;
    std::string architecture_;
    std::unordered_set<std::string_view> used_;
};

// "[64, 32]" for messages.
std::string shape_string(std::span<const uint64_t> dims);

}  // namespace openbook::arch
