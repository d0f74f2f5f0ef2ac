#include "model/arch/matmul.h"

#include <algorithm>

namespace openbook::arch {
namespace {

// A block of weight rows small enough to stay in L1/L2 while a tile of tokens passes over it,
// and a token tile whose converted activations fit in L2.
constexpr size_t kWeightBlockBytes = 32 * 1024;
constexpr size_t kTokenTileBytes = 256 * 1024;
// Fewest output rows worth handing to a thread.
constexpr int64_t kRowGrain = 16;

void multiply_rows(const Weight& w, const ActivationRows& x, float* y, int64_t ldy, int64_t begin,
                   int64_t end) {
    const int64_t rows_per_block = std::max<int64_t>(
        1, static_cast<int64_t>(kWeightBlockBytes / std::max<size_t>(w.row_bytes, 1)));
    const int64_t tokens_per_tile = std::max<int64_t>(
        1, static_cast<int64_t>(kTokenTileBytes / std::max<size_t>(x.row_bytes, 1)));
    for (int64_t r0 = begin; r0 < end; r0 += rows_per_block) {
        const int64_t r1 = std::min(end, r0 + rows_per_block);
        for (int64_t t0 = 0; t0 < x.n_tokens; t0 += tokens_per_tile) {
            const int64_t nt = std::min(x.n_tokens - t0, tokens_per_tile);
            kernels::matmul_rows(*w.ops, w.data, w.row_bytes,
                                 x.data + static_cast<size_t>(t0) * x.row_bytes, x.row_bytes,
                                 w.cols, nt, y + t0 * ldy, ldy, r0, r1);
        }
    }
}

}  // namespace

void ActivationScratch::reserve(int64_t n_tokens, int64_t cols) {
    // The widest activation types (F16, BF16) take 2 bytes per element; the block formats
    // (Q8_0, Q8_1, Q8_K) take less but round up to whole blocks. F32 is used in place.
    const size_t need = static_cast<size_t>(n_tokens) * (2 * static_cast<size_t>(cols) + 320);
    if (need <= size_) return;
    data_ = std::make_unique<unsigned char[]>(need);
    size_ = need;
}

ActivationRows convert_activations(core::ThreadPool& pool, gguf::GgmlType type, const float* x,
                                   int64_t n_tokens, int64_t cols, ActivationScratch& scratch) {
    ActivationRows rows;
    rows.type = type;
    rows.n_tokens = n_tokens;
    rows.cols = cols;
    rows.row_bytes = kernels::row_bytes(type, cols);
    if (type == gguf::GgmlType::kF32) {
        rows.data = reinterpret_cast<const unsigned char*>(x);
        return rows;
    }
    const kernels::TypeOps* ops = kernels::ops(type);
    unsigned char* out = scratch.data();
    const size_t row_bytes = rows.row_bytes;
    pool.parallel_for(
        n_tokens,
        [&](int64_t begin, int64_t end) {
            for (int64_t t = begin; t < end; ++t) {
                ops->from_float(x + t * cols, out + static_cast<size_t>(t) * row_bytes, cols);
            }
        },
        4);
    rows.data = out;
    return rows;
}

void matmul(core::ThreadPool& pool, const ActivationRows& x,
            std::initializer_list<MatmulTask> tasks) {
    int64_t total = 0;
    for (const MatmulTask& task : tasks) total += task.w->rows;
    const MatmulTask* first = tasks.begin();
    const size_t n_tasks = tasks.size();
    // The tasks' rows are numbered one after another; a chunk may span a task boundary.
    pool.parallel_for(
        total,
        [&](int64_t begin, int64_t end) {
            int64_t base = 0;
            for (size_t i = 0; i < n_tasks && begin < end; ++i) {
                const MatmulTask& task = first[i];
                const int64_t rows = task.w->rows;
                if (begin < base + rows) {
                    const int64_t r0 = begin - base;
                    const int64_t r1 = std::min(end - base, rows);
                    multiply_rows(*task.w, x, task.y, task.ldy != 0 ? task.ldy : rows, r0, r1);
                    begin = base + r1;
                }
                base += rows;
            }
        },
        kRowGrain);
}

void linear(core::ThreadPool& pool, const Weight& w, const float* x, int64_t n_tokens, float* y,
            ActivationScratch& scratch) {
    const ActivationRows rows =
        convert_activations(pool, w.ops->activation_type, x, n_tokens, w.cols, scratch);
    matmul(pool, rows, {MatmulTask{&w, y, 0}});
}

}  // namespace openbook::arch
