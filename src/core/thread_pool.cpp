#include "core/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace openbook::core {
namespace {

// True on the pool's workers, and on a caller while it runs a job: a parallel_for from there
// runs inline instead of waiting for threads that are busy with the outer call.
thread_local bool t_inside_job = false;
// The pool a worker thread belongs to and its index there (workers are 1..size()-1).
thread_local const ThreadPool* t_pool = nullptr;
thread_local int t_index = 0;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// How long a worker keeps polling for the next job before it sleeps. A decode step issues its
// calls a few microseconds apart, so this covers the gaps between them, yet an idle pool goes
// to sleep within about a tenth of a millisecond.
constexpr int kSpinIterations = 1 << 12;

bool read_int(const std::string& path, int* out) {
    std::ifstream in(path);
    return static_cast<bool>(in >> *out);
}

}  // namespace

int physical_core_count() {
    cpu_set_t set;
    CPU_ZERO(&set);
    int logical = 0;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) logical = CPU_COUNT(&set);
    if (logical <= 0) logical = std::max(1u, std::thread::hardware_concurrency());

    // SMT siblings share (package, core) in sysfs; count each pair once.
    std::set<std::pair<int, int>> cores;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (!CPU_ISSET(cpu, &set)) continue;
        const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
        int package = 0, core = 0;
        if (!read_int(dir + "physical_package_id", &package) || !read_int(dir + "core_id", &core)) {
            return logical;  // no topology information: assume no SMT
        }
        cores.insert({package, core});
    }
    return cores.empty() ? logical : static_cast<int>(cores.size());
}

ThreadPool::ThreadPool(int threads) {
    if (threads <= 0) threads = physical_core_count();
    workers_.reserve(static_cast<size_t>(threads - 1));
    for (int i = 1; i < threads; ++i) {
        workers_.emplace_back([this, i] {
            t_pool = this;
            t_index = i;
            worker_loop();
        });
    }
}

int ThreadPool::thread_index() const { return t_pool == this ? t_index : 0; }

ThreadPool::~ThreadPool() {
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_seq_cst);
    generation_.notify_all();
    for (std::thread& t : workers_) t.join();
}

void ThreadPool::run(int64_t n, int64_t grain, Body body, void* ctx) {
    if (n <= 0) return;
    grain = std::max<int64_t>(grain, 1);
    // A few chunks per thread, claimed dynamically, so a thread that was descheduled for a
    // moment does not hold everyone up.
    const int64_t max_chunks = std::min<int64_t>((n + grain - 1) / grain, int64_t{size()} * 4);
    if (workers_.empty() || max_chunks <= 1 || t_inside_job) {
        body(ctx, 0, n);
        return;
    }
    std::lock_guard<std::mutex> lock(call_mutex_);
    body_ = body;
    ctx_ = ctx;
    n_ = n;
    chunk_ = (n + max_chunks - 1) / max_chunks;
    n_chunks_ = (n + chunk_ - 1) / chunk_;
    next_chunk_.store(0, std::memory_order_relaxed);
    workers_busy_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    // seq_cst on both sides (here and in worker_loop) orders this increment against a worker
    // announcing that it goes to sleep: either we see the sleeper and wake it, or it sees the
    // new generation and does not sleep.
    generation_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) generation_.notify_all();

    t_inside_job = true;
    work_on_current_job();
    t_inside_job = false;
    // The job lives on the caller's stack: wait until every worker has let go of it.
    for (int spins = 0; workers_busy_.load(std::memory_order_acquire) != 0; ++spins) {
        if (spins < kSpinIterations) {
            cpu_relax();
        } else {
            std::this_thread::yield();
        }
    }
}

void ThreadPool::work_on_current_job() {
    for (;;) {
        const int64_t c = next_chunk_.fetch_add(1, std::memory_order_relaxed);
        if (c >= n_chunks_) return;
        const int64_t begin = c * chunk_;
        body_(ctx_, begin, std::min(n_, begin + chunk_));
    }
}

void ThreadPool::worker_loop() {
    t_inside_job = true;
    uint64_t seen = 0;
    for (;;) {
        uint64_t current = generation_.load(std::memory_order_acquire);
        for (int spins = 0; current == seen;) {
            if (++spins < kSpinIterations) {
                cpu_relax();
            } else {
                sleepers_.fetch_add(1, std::memory_order_seq_cst);
                generation_.wait(seen, std::memory_order_seq_cst);
                sleepers_.fetch_sub(1, std::memory_order_relaxed);
                spins = 0;
            }
            current = generation_.load(std::memory_order_acquire);
        }
        seen = current;
        if (stop_.load(std::memory_order_relaxed)) return;
        work_on_current_job();
        workers_busy_.fetch_sub(1, std::memory_order_release);
    }
}

}  // namespace openbook::core
