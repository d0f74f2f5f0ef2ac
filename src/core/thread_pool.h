// A fixed pool of worker threads for data-parallel loops: parallel_for(n, fn) splits [0, n) into
// contiguous chunks and runs fn(begin, end) on them, with the calling thread working too.
//
// Built for many small calls (a model's decode step makes ~100 of them, each a few microseconds
// of work): a call allocates nothing and wakes the workers through one atomic counter. Between
// calls the workers spin for a short while before they sleep, so back-to-back calls rarely pay
// for a futex wake-up, while an idle pool costs no CPU.
//
// Contract:
// - size() threads work on each call: the caller plus size() - 1 workers. size() == 1 runs
//   everything on the caller.
// - fn must not throw. Chunks are disjoint and together cover [0, n); which thread runs which
//   chunk varies, so fn must not depend on it (results written per index stay deterministic).
// - parallel_for returns when every chunk has finished.
// - A parallel_for issued from inside fn (nested) runs serially on the calling thread, keeping
//   its thread_index().
//
// Thread-safety: parallel_for may be called from several threads; the calls are serialized.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace openbook::core {

// Physical cores this process may run on (SMT siblings counted once), at least 1.
int physical_core_count();

class ThreadPool {
public:
    // threads <= 0 means physical_core_count().
    explicit ThreadPool(int threads = 0);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return static_cast<int>(workers_.size()) + 1; }

    // Inside fn: which of the size() threads runs this chunk, in [0, size()), so that fn can
    // use per-thread scratch space. 0 outside a call (and on the calling thread).
    int thread_index() const;

    // Runs fn(begin, end) over chunks of [0, n); `grain` is the smallest chunk worth a thread.
    template <class Fn>
    void parallel_for(int64_t n, Fn&& fn, int64_t grain = 1) {
        using F = std::remove_reference_t<Fn>;
        run(
            n, grain,
            [](void* ctx, int64_t begin, int64_t end) { (*static_cast<F*>(ctx))(begin, end); },
            const_cast<void*>(static_cast<const void*>(&fn)));
    }

private:
    using Body = void (*)(void* ctx, int64_t begin, int64_t end);

    void run(int64_t n, int64_t grain, Body body, void* ctx);
    void worker_loop();
    void work_on_current_job();

    std::vector<std::thread> workers_;
    std::mutex call_mutex_;  // one job at a time

    // The current job, published by a release increment of generation_.
    Body body_ = nullptr;
    void* ctx_ = nullptr;
    int64_t n_ = 0;
    int64_t chunk_ = 1;
    int64_t n_chunks_ = 0;

    alignas(64) std::atomic<int64_t> next_chunk_{0};
    alignas(64) std::atomic<uint64_t> generation_{0};
    alignas(64) std::atomic<int> workers_busy_{0};  // workers still inside the current job
    std::atomic<int> sleepers_{0};
    std::atomic<bool> stop_{false};
};

}  // namespace openbook::core
