// Matrix × batch products on the thread pool: Y[t] = W · X[t] for every token t of a batch.
//
// As llama.cpp does, the float activations are first converted to the weight type's activation
// type (kernels.h: Q8_0, Q8_1, Q8_K, F16, BF16 or F32), once per row, and every dot product then
// runs on the converted rows; that rounding is part of the reference numerics. Weights stay in
// their stored blocks. The output rows are split across threads; within a thread, a block of
// weight rows is kept in cache while every token of the batch passes over it, so each weight
// byte is read from memory once per batch however many tokens it has.
//
// Several products that share their input (Q, K and V; gate and up) convert it once and run as
// one parallel job, which matters in decoding, where each job is only microseconds long.
//
// Contract: X rows are contiguous floats of w.cols elements; Y rows hold w.rows floats and are
// `ldy` apart. The scratch must come from ActivationScratch::reserve() for at least these shapes.
// Thread-safety: one call at a time per scratch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>

#include "core/thread_pool.h"
#include "model/arch/weights.h"

namespace openbook::arch {

// Space for converted activation rows.
class ActivationScratch {
public:
    // Makes room for n_tokens rows of `cols` elements of any activation type.
    void reserve(int64_t n_tokens, int64_t cols);
    unsigned char* data() { return data_.get(); }
    size_t size() const { return size_; }

private:
    std::unique_ptr<unsigned char[]> data_;
    size_t size_ = 0;
};

// X converted to an activation type.
struct ActivationRows {
    gguf::GgmlType type = gguf::GgmlType::kF32;
    const unsigned char* data = nullptr;
    size_t row_bytes = 0;
    int64_t n_tokens = 0;
    int64_t cols = 0;
};

// Converts n_tokens rows of x (cols floats each) to `type`; F32 is used in place.
ActivationRows convert_activations(core::ThreadPool& pool, gguf::GgmlType type, const float* x,
                                   int64_t n_tokens, int64_t cols, ActivationScratch& scratch);

struct MatmulTask {
    const Weight* w = nullptr;
    float* y = nullptr;
    int64_t ldy = 0;  // 0: w->rows
};

// Runs every task on the same converted input (all weights must share its activation type and
// have cols == x.cols) as one parallel job.
void matmul(core::ThreadPool& pool, const ActivationRows& x,
            std::initializer_list<MatmulTask> tasks);

// Y = W · X: converts and multiplies.
void linear(core::ThreadPool& pool, const Weight& w, const float* x, int64_t n_tokens, float* y,
            ActivationScratch& scratch);

}  // namespace openbook::arch
