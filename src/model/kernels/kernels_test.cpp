// matmul_rows (the row-range matrix product every mat-mul is split into) and row_bytes, plus a
// disabled measurement of how fast dot() streams weight bytes.
#include "model/kernels/kernels.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "model/kernels/fp16.h"

namespace openbook::kernels {
namespace {

using T = GgmlType;

const T kLegacyWeightTypes[] = {T::kF32,  T::kF16,  T::kBF16, T::kQ4_0,
                                T::kQ4_1, T::kQ5_0, T::kQ5_1, T::kQ8_0};

std::string name_of(T type) { return gguf::ggml_type_name(static_cast<uint32_t>(type)); }

int64_t block_elements(T type) {
    return gguf::ggml_type_traits(static_cast<uint32_t>(type))->block_elements;
}

std::vector<float> normal_row(int64_t n, uint32_t seed, float scale) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> row(static_cast<size_t>(n));
    for (float& v : row) v = dist(rng);
    return row;
}

// A rows × k matrix of `op.type` (row after row) made from normals.
std::vector<unsigned char> make_matrix(const TypeOps& op, int64_t rows, int64_t k, uint32_t seed) {
    const size_t stride = row_bytes(op.type, k);
    std::vector<unsigned char> out(stride * static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
        const auto row = normal_row(k, seed + static_cast<uint32_t>(r), 0.1f);
        op.from_float(row.data(), out.data() + static_cast<size_t>(r) * stride, k);
    }
    return out;
}

TEST(KernelsTest, RowBytesFollowTheBlockLayout) {
    EXPECT_EQ(row_bytes(T::kF32, 7), 28u);
    EXPECT_EQ(row_bytes(T::kF16, 7), 14u);
    EXPECT_EQ(row_bytes(T::kBF16, 4864), 9728u);
    EXPECT_EQ(row_bytes(T::kQ4_0, 64), 36u);
    EXPECT_EQ(row_bytes(T::kQ4_1, 64), 40u);
    EXPECT_EQ(row_bytes(T::kQ5_0, 64), 44u);
    EXPECT_EQ(row_bytes(T::kQ5_1, 64), 48u);
    EXPECT_EQ(row_bytes(T::kQ8_0, 4096), 4352u);
    EXPECT_EQ(row_bytes(T::kQ8_1, 4096), 4608u);
}

TEST(KernelsTest, MatmulRowsComputesEachRequestedRowForEveryToken) {
    const int64_t rows = 13;
    const int64_t k = 96;
    const int64_t n_tokens = 3;
    const int64_t ldy = rows + 2;  // padding between tokens must be left alone
    const float sentinel = -12345.0f;
    for (Isa isa : {Isa::kScalar, Isa::kAvx2}) {
        for (T type : kLegacyWeightTypes) {
            const TypeOps& op = *ops(type, isa);
            const TypeOps& act = *ops(op.activation_type, isa);
            const auto w = make_matrix(op, rows, k, 1);
            const size_t w_stride = row_bytes(type, k);
            const size_t x_stride = row_bytes(act.type, k) + 8;  // rows need not be packed
            std::vector<unsigned char> x(x_stride * n_tokens);
            std::vector<std::vector<float>> x_floats;
            for (int64_t t = 0; t < n_tokens; ++t) {
                x_floats.push_back(normal_row(k, 100 + static_cast<uint32_t>(t), 1.0f));
                act.from_float(x_floats.back().data(), x.data() + t * x_stride, k);
            }

            std::vector<float> y(static_cast<size_t>(ldy * n_tokens), sentinel);
            const int64_t begin = 2;
            const int64_t end = 11;
            matmul_rows(op, w.data(), w_stride, x.data(), x_stride, k, n_tokens, y.data(), ldy,
                        begin, end);
            for (int64_t t = 0; t < n_tokens; ++t) {
                std::vector<float> xf(static_cast<size_t>(k));
                act.to_float(x.data() + t * x_stride, xf.data(), k);
                for (int64_t r = 0; r < ldy; ++r) {
                    const float got = y[static_cast<size_t>(t * ldy + r)];
                    if (r < begin || r >= end) {
                        EXPECT_EQ(got, sentinel) << name_of(type) << " row " << r;
                        continue;
                    }
                    const unsigned char* wr = w.data() + static_cast<size_t>(r) * w_stride;
                    EXPECT_EQ(got, op.dot(wr, x.data() + t * x_stride, k));
                    // And it is the product of this weight row with this token, not another.
                    std::vector<float> wf(static_cast<size_t>(k));
                    op.to_float(wr, wf.data(), k);
                    double want = 0.0;
                    double magnitude = 0.0;
                    for (int64_t j = 0; j < k; ++j) {
                        want += static_cast<double>(wf[j]) * xf[j];
                        magnitude += std::fabs(static_cast<double>(wf[j]) * xf[j]);
                    }
                    // Q4_1/Q5_1 add m_w * s_x, whose fp16 s is not exactly d_x * sum(q_x).
                    const bool with_min = type == T::kQ4_1 || type == T::kQ5_1;
                    EXPECT_NEAR(got, want, (with_min ? 2e-3 : 1e-5) * magnitude)
                        << name_of(type) << " row " << r << " token " << t;
                }
            }

            // Splitting the rows between callers gives the same result.
            std::vector<float> y_split(y.size(), sentinel);
            matmul_rows(op, w.data(), w_stride, x.data(), x_stride, k, n_tokens, y_split.data(),
                        ldy, begin, 6);
            matmul_rows(op, w.data(), w_stride, x.data(), x_stride, k, n_tokens, y_split.data(),
                        ldy, 6, end);
            EXPECT_EQ(std::memcmp(y.data(), y_split.data(), y.size() * sizeof(float)), 0)
                << name_of(type);
        }
    }
}

// Sum of the bytes as 64-bit words: a plain read of the matrix, the memory-speed baseline.
uint64_t read_all(const std::vector<unsigned char>& bytes) {
    uint64_t sum = 0;
    for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
        uint64_t word;
        std::memcpy(&word, &bytes[i], 8);
        sum += word;
    }
    return sum;
}

// Shortest of repeated runs of `pass` over at least 0.3 s: other processes on the machine
// only ever make a pass slower.
template <typename Pass>
double best_seconds(Pass pass) {
    pass();  // warm up (page faults, caches)
    double best = 1e30;
    const auto start = std::chrono::steady_clock::now();
    int reps = 0;
    while (reps < 5 || std::chrono::steady_clock::now() - start < std::chrono::milliseconds(300)) {
        const auto t0 = std::chrono::steady_clock::now();
        pass();
        best = std::min(
            best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        ++reps;
    }
    return best;
}

// Decode is a matrix-vector product: dot() must stream weight bytes at memory speed. Prints GB/s
// of weight bytes through matmul_rows for a 4096 x 4096 matrix (fits this machine's 32 MB L3 for
// Q4_0/Q8_0) and a 16384 x 4096 one (does not), on 1 and 2 threads, next to a plain read of the
// same bytes. Run with:
//   openbook_model_kernels_tests --gtest_also_run_disabled_tests
//   --gtest_filter='KernelsTest.*Bandwidth*'
TEST(KernelsTest, DISABLED_LegacyWeightBandwidth) {
    const int64_t k = 4096;
    std::printf("ISA: %s\n", detected_isa() == Isa::kAvx2 ? "AVX2" : "scalar");
    for (T type : {T::kQ4_0, T::kQ8_0, T::kQ4_1, T::kQ5_0, T::kQ5_1, T::kF16, T::kBF16, T::kF32}) {
        const TypeOps& op = *ops(type);
        const TypeOps& act = *ops(op.activation_type);
        const size_t w_stride = row_bytes(type, k);
        for (int64_t rows : {4096, 16384}) {
            // Random bytes with a fixed small scale: the kernels do not branch on values.
            std::vector<unsigned char> w(w_stride * static_cast<size_t>(rows));
            std::mt19937 rng(5);
            for (auto& byte : w) byte = static_cast<unsigned char>(rng());
            if (block_elements(type) > 1) {
                const size_t block =
                    gguf::ggml_type_traits(static_cast<uint32_t>(type))->block_bytes;
                const uint16_t d = f32_to_f16(0.01f);
                for (size_t off = 0; off < w.size(); off += block) std::memcpy(&w[off], &d, 2);
            } else {
                const auto row = normal_row(k, 3, 0.1f);  // random halves would hold NaN
                for (int64_t r = 0; r < rows; ++r) {
                    op.from_float(row.data(), w.data() + static_cast<size_t>(r) * w_stride, k);
                }
            }
            std::vector<unsigned char> x(row_bytes(act.type, k));
            act.from_float(normal_row(k, 9, 1.0f).data(), x.data(), k);
            std::vector<float> y(static_cast<size_t>(rows));

            volatile uint64_t sink = 0;
            const double read = best_seconds([&] { sink = sink + read_all(w); });
            double per_threads[2] = {0, 0};
            for (int threads : {1, 2}) {
                per_threads[threads - 1] = best_seconds([&] {
                    std::vector<std::thread> pool;
                    for (int t = 0; t < threads; ++t) {
                        pool.emplace_back([&, t] {
                            const int64_t begin = rows * t / threads;
                            const int64_t end = rows * (t + 1) / threads;
                            matmul_rows(op, w.data(), w_stride, x.data(), 0, k, 1, y.data(), rows,
                                        begin, end);
                        });
                    }
                    for (auto& th : pool) th.join();
                });
            }
            const double mb = static_cast<double>(w.size()) / 1e6;
            std::printf(
                "%-5s %5lld x %lld (%6.1f MB): 1 thread %6.2f GB/s, 2 threads %6.2f GB/s;"
                " plain read %6.2f GB/s\n",
                name_of(type).c_str(), static_cast<long long>(rows), static_cast<long long>(k), mb,
                mb / 1e3 / per_threads[0], mb / 1e3 / per_threads[1], mb / 1e3 / read);
        }
    }
}

}  // namespace
}  // namespace openbook::kernels
