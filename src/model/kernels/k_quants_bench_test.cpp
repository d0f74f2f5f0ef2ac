// Throughput of the K-quant dot products in a matrix-vector product (decode), in GB/s of weight
// bytes, one thread. Disabled: a test asserts behaviour, not speed. Run with
//   openbook_model_kernels_tests --gtest_filter='KQuantsBench.*' --gtest_also_run_disabled_tests
// 4096 x 4096 is the size of a 7B model's attention matrices; 16384 x 4096 does not fit in the
// last-level cache, so it measures streaming from memory.
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "model/kernels/kernels.h"

namespace openbook::kernels {
namespace {

// CPU time of this thread: on a shared machine, wall time would measure the other processes.
double thread_seconds() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// GB/s of a plain streaming read of the same bytes: what the memory system gives one thread.
double read_bandwidth(const std::vector<unsigned char>& w, double min_seconds) {
    uint64_t sum = 0;
    int passes = 0;
    const double start = thread_seconds();
    double elapsed = 0;
    do {
        const auto* p = reinterpret_cast<const uint64_t*>(w.data());
        for (size_t i = 0; i < w.size() / 8; ++i) sum += p[i];
        ++passes;
        elapsed = thread_seconds() - start;
    } while (elapsed < min_seconds);
    volatile uint64_t sink = sum;
    (void)sink;
    return static_cast<double>(w.size()) * passes / elapsed / 1e9;
}

// GB/s of weight bytes for y = W x, rows x k of `type`, over at least `min_seconds`.
double bandwidth(const TypeOps& op, const std::vector<unsigned char>& w, size_t w_row,
                 const std::vector<unsigned char>& x, int64_t rows, int64_t k, double min_seconds) {
    std::vector<float> y(static_cast<size_t>(rows));
    matmul_rows(op, w.data(), w_row, x.data(), x.size(), k, 1, y.data(), rows, 0, rows);  // warm
    int passes = 0;
    const double start = thread_seconds();
    double elapsed = 0;
    do {
        matmul_rows(op, w.data(), w_row, x.data(), x.size(), k, 1, y.data(), rows, 0, rows);
        ++passes;
        elapsed = thread_seconds() - start;
    } while (elapsed < min_seconds);
    volatile float sink = y[static_cast<size_t>(rows) / 2];
    (void)sink;
    return static_cast<double>(w.size()) * passes / elapsed / 1e9;
}

TEST(KQuantsBench, DISABLED_MatVecWeightBandwidth) {
    const int64_t k = 4096;
    std::mt19937 rng(1);
    std::normal_distribution<float> dist(0.0f, 0.02f);
    std::vector<float> xf(static_cast<size_t>(k));
    for (float& v : xf) v = dist(rng);
    std::vector<unsigned char> x(row_bytes(GgmlType::kQ8_K, k));
    ops(GgmlType::kQ8_K)->from_float(xf.data(), x.data(), k);

    for (GgmlType type :
         {GgmlType::kQ4_K, GgmlType::kQ6_K, GgmlType::kQ2_K, GgmlType::kQ3_K, GgmlType::kQ5_K}) {
        const size_t w_row = row_bytes(type, k);
        // 64 distinct quantized rows, repeated: the kernels have no data-dependent branches.
        const int64_t distinct = 64;
        std::vector<unsigned char> pattern(w_row * distinct);
        std::vector<float> row(static_cast<size_t>(k));
        for (int64_t r = 0; r < distinct; ++r) {
            for (float& v : row) v = dist(rng);
            ops(type, Isa::kScalar)->from_float(row.data(), pattern.data() + r * w_row, k);
        }
        for (int64_t rows : {int64_t{4096}, int64_t{16384}}) {
            std::vector<unsigned char> w(w_row * rows);
            for (int64_t r = 0; r < rows; r += distinct) {
                std::memcpy(w.data() + r * w_row, pattern.data(), pattern.size());
            }
            const double avx2 = bandwidth(*ops(type, Isa::kAvx2), w, w_row, x, rows, k, 1.0);
            const double scalar = bandwidth(*ops(type, Isa::kScalar), w, w_row, x, rows, k, 0.3);
            const double read = read_bandwidth(w, 0.5);
            std::printf(
                "%-5s %5lld x %lld (%5.1f MB): AVX2 %5.2f GB/s, scalar %5.2f GB/s, "
                "plain read %5.2f GB/s\n",
                gguf::ggml_type_name(static_cast<uint32_t>(type)).c_str(),
                static_cast<long long>(rows), static_cast<long long>(k),
                static_cast<double>(w.size()) / 1e6, avx2, scalar, read);
        }
    }
}

}  // namespace
}  // namespace openbook::kernels
