#include "core/thread_pool.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace openbook::core {
namespace {

TEST(ThreadPool, PhysicalCoreCountIsPositive) { EXPECT_GE(physical_core_count(), 1); }

TEST(ThreadPool, DefaultSizeIsThePhysicalCoreCount) {
    ThreadPool pool;
    EXPECT_EQ(pool.size(), physical_core_count());
}

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
    for (int threads : {1, 2, 3, 5}) {
        ThreadPool pool(threads);
        for (int64_t n : {0, 1, 2, 7, 64, 1000, 4097}) {
            std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
            pool.parallel_for(n, [&](int64_t begin, int64_t end) {
                ASSERT_LE(0, begin);
                ASSERT_LT(begin, end);
                ASSERT_LE(end, n);
                for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
            });
            for (int64_t i = 0; i < n; ++i) {
                ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1)
                    << "threads " << threads << " n " << n << " i " << i;
            }
        }
    }
}

TEST(ThreadPool, GrainLimitsTheNumberOfChunks) {
    ThreadPool pool(4);
    std::atomic<int> chunks{0};
    pool.parallel_for(
        100,
        [&](int64_t begin, int64_t end) {
            EXPECT_GE(end - begin, 50);
            chunks++;
        },
        50);
    EXPECT_EQ(chunks.load(), 2);
}

TEST(ThreadPool, UsesMoreThanOneThread) {
    ThreadPool pool(2);
    std::set<std::thread::id> ids;
    std::mutex mu;
    // Chunks that take a moment each, so both threads get some.
    for (int round = 0; round < 50 && ids.size() < 2; ++round) {
        pool.parallel_for(8, [&](int64_t, int64_t) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            std::lock_guard<std::mutex> lock(mu);
            ids.insert(std::this_thread::get_id());
        });
    }
    EXPECT_EQ(ids.size(), 2u);
}

TEST(ThreadPool, ThreadIndexIsStablePerThread) {
    ThreadPool pool(3);
    EXPECT_EQ(pool.thread_index(), 0);
    std::mutex mu;
    std::map<std::thread::id, std::set<int>> seen;
    for (int round = 0; round < 20; ++round) {
        pool.parallel_for(12, [&](int64_t, int64_t) {
            const int index = pool.thread_index();
            EXPECT_GE(index, 0);
            EXPECT_LT(index, 3);
            std::this_thread::sleep_for(std::chrono::microseconds(50));
            std::lock_guard<std::mutex> lock(mu);
            seen[std::this_thread::get_id()].insert(index);
        });
    }
    std::set<int> all;
    for (const auto& [id, indices] : seen) {
        EXPECT_EQ(indices.size(), 1u);  // one index per thread
        all.insert(*indices.begin());
    }
    EXPECT_EQ(all.size(), seen.size());  // distinct threads, distinct indices
    ThreadPool other(2);
    other.parallel_for(4, [&](int64_t, int64_t) { EXPECT_EQ(pool.thread_index(), 0); });
}

TEST(ThreadPool, ManySmallCallsInARow) {
    ThreadPool pool(2);
    std::vector<int64_t> out(256, 0);
    for (int call = 0; call < 20000; ++call) {
        pool.parallel_for(256, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) out[static_cast<size_t>(i)] += i;
        });
    }
    for (int64_t i = 0; i < 256; ++i) ASSERT_EQ(out[static_cast<size_t>(i)], 20000 * i);
}

TEST(ThreadPool, WorkersSleepAndWakeUp) {
    ThreadPool pool(3);
    std::atomic<int64_t> sum{0};
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // long enough to sleep
        pool.parallel_for(100, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) sum += i;
        });
    }
    EXPECT_EQ(sum.load(), 3 * 4950);
}

TEST(ThreadPool, NestedCallsRunInline) {
    ThreadPool pool(2);
    std::atomic<int64_t> total{0};
    pool.parallel_for(4, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            pool.parallel_for(10, [&](int64_t b, int64_t e) { total += e - b; });
        }
    });
    EXPECT_EQ(total.load(), 40);
}

TEST(ThreadPool, CallsFromSeveralThreadsAreSerialized) {
    ThreadPool pool(2);
    std::atomic<int64_t> total{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < 3; ++c) {
        callers.emplace_back([&] {
            for (int k = 0; k < 500; ++k) {
                pool.parallel_for(64, [&](int64_t b, int64_t e) { total += e - b; });
            }
        });
    }
    for (auto& t : callers) t.join();
    EXPECT_EQ(total.load(), 3 * 500 * 64);
}

}  // namespace
}  // namespace openbook::core
