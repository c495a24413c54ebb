// SPDX-License-Identifier: MIT
// tern-bench: what a job and a copy cost through the runtime, next to a
// baseline measured in the same process and run.
//
//  (a) round trip of the smallest job, submit -> completion seen by the
//      submitter, p50/p99; baseline: a two-thread ping-pong with the mock's
//      wait mechanism (spin briefly, then futex), plus pure-futex and
//      condvar ping-pongs for reference.
//  (b) enqueue cost per job and pipelined throughput; baseline: the same
//      ping-pong (its round-trip time and its rate).
//  (c) H2D/D2H bandwidth, pinned and pageable, 4 KiB .. 256 MiB; baseline:
//      memcpy of the same size between two pre-faulted host buffers.
//
// The C ABI has no NOP/marker call, so the "empty job" is the smallest real
// job: a 4-byte device-to-device tern_copy_async.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <tern/tern.h>
#include <unistd.h>
#include "bench_util.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using tern::bench::median;
using tern::bench::percentile;
using tern::bench::verdict;

using Clock = std::chrono::steady_clock;

double ns_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

// ---- machine -----------------------------------------------------------------

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            const size_t c = line.find(':');
            return c == std::string::npos ? line : line.substr(c + 2);
        }
    }
    return "unknown";
}

// ---- baselines -----------------------------------------------------------------

long futex(std::atomic<uint32_t>* w, int op, uint32_t val) {
    return syscall(SYS_futex, reinterpret_cast<uint32_t*>(w), op | FUTEX_PRIVATE_FLAG, val, nullptr,
                   nullptr, 0);
}

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// A counter one thread advances and another waits on. The waiter spins for
// up to `spin_ns`, then sleeps in FUTEX_WAIT; the advancing thread makes the
// FUTEX_WAKE system call only when someone sleeps. This is the mock's wait:
// the device model's queue engine spins 50 us for the next doorbell, a
// syncobj waiter 10 us (TERN_MOCK_SPIN_NS), and both wake sleepers only.
struct Signal {
    std::atomic<uint32_t> value{0};
    std::atomic<uint32_t> sleepers{0};

    void advance(uint32_t v) {
        value.store(v, std::memory_order_seq_cst);
        if (sleepers.load(std::memory_order_seq_cst) != 0) {
            futex(&value, FUTEX_WAKE, 1);
        }
    }
    void wait_at_least(uint32_t target, double spin_ns) {
        const auto t0 = Clock::now();
        for (unsigned i = 1; value.load(std::memory_order_acquire) < target; ++i) {
            if (spin_ns <= 0 || (i % 64 == 0 && ns_since(t0) >= spin_ns)) {
                sleepers.fetch_add(1, std::memory_order_seq_cst);
                uint32_t v;
                while ((v = value.load(std::memory_order_seq_cst)) < target) {
                    futex(&value, FUTEX_WAIT, v);
                }
                sleepers.fetch_sub(1, std::memory_order_seq_cst);
                return;
            }
            cpu_relax();
        }
    }
};

// Two threads hand a counter back and forth, `n` times. Returns each round
// trip in ns.
std::vector<double> futex_ping_pong(int n, double main_spin_ns, double peer_spin_ns) {
    Signal ping, pong;
    std::thread peer([&] {
        for (uint32_t i = 1; i <= static_cast<uint32_t>(n); ++i) {
            ping.wait_at_least(i, peer_spin_ns);
            pong.advance(i);
        }
    });
    std::vector<double> rtt;
    rtt.reserve(n);
    for (uint32_t i = 1; i <= static_cast<uint32_t>(n); ++i) {
        const auto t0 = Clock::now();
        ping.advance(i);
        pong.wait_at_least(i, main_spin_ns);
        rtt.push_back(ns_since(t0));
    }
    peer.join();
    return rtt;
}

// The same with a mutex and condition variables.
std::vector<double> condvar_ping_pong(int n) {
    std::mutex mu;
    std::condition_variable to_peer, to_main;
    int ping = 0, pong = 0;
    std::thread peer([&] {
        for (int i = 1; i <= n; ++i) {
            std::unique_lock<std::mutex> lock(mu);
            to_peer.wait(lock, [&] { return ping >= i; });
            pong = i;
            to_main.notify_one();
        }
    });
    std::vector<double> rtt;
    rtt.reserve(n);
    for (int i = 1; i <= n; ++i) {
        const auto t0 = Clock::now();
        std::unique_lock<std::mutex> lock(mu);
        ping = i;
        to_peer.notify_one();
        to_main.wait(lock, [&] { return pong >= i; });
        lock.unlock();
        rtt.push_back(ns_since(t0));
    }
    peer.join();
    return rtt;
}

// ---- runtime helpers -------------------------------------------------------------

struct Rt {
    tern_device dev = nullptr;
    tern_context ctx = nullptr;
    tern_queue q = nullptr;
};

tern_tensor tensor(tern_context ctx, uint64_t bytes, tern_memory mem) {
    tern_tensor_desc d{};
    d.struct_size = sizeof(d);
    d.dtype = TERN_DTYPE_INT32;
    d.rank = 1;
    d.shape[0] = (bytes + 3) / 4;
    d.memory = mem;
    tern_tensor t = nullptr;
    CHECK(tern_tensor_create(ctx, &d, &t));
    return t;
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one;
    in >> one;
    return one.empty() ? "unknown" : one;
}

std::string human(uint64_t bytes) {
    char buf[32];
    if (bytes >= (1u << 20)) {
        std::snprintf(buf, sizeof(buf), "%llu MiB", static_cast<unsigned long long>(bytes >> 20));
    } else {
        std::snprintf(buf, sizeof(buf), "%llu KiB", static_cast<unsigned long long>(bytes >> 10));
    }
    return buf;
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    setenv("TERN_BACKEND", "mock", 0);
    // Room for the 256 MiB copies next to the runtime's own buffers.
    setenv("TERN_MOCK_MEMORY", "1G", 0);

    tern_init_info init{};
    init.struct_size = sizeof(init);
    init.api_version = TERN_API_VERSION;
    CHECK(tern_init(&init));
    Rt rt;
    CHECK(tern_device_open(0, &rt.dev));
    tern_device_info info{};
    info.struct_size = sizeof(info);
    CHECK(tern_device_get_info(rt.dev, &info));
    CHECK(tern_context_create(rt.dev, &rt.ctx));
    tern_queue_desc qd{};
    qd.struct_size = sizeof(qd);
    qd.priority = TERN_PRIORITY_NORMAL;
    CHECK(tern_queue_create(rt.ctx, &qd, &rt.q));

    utsname un{};
    uname(&un);
    std::printf("tern-bench — %s, %ld online CPUs (nproc), Linux %s, load average %s\n",
                cpu_model().c_str(), sysconf(_SC_NPROCESSORS_ONLN), un.release,
                load_average().c_str());
    if (std::strtod(load_average().c_str(), nullptr) > sysconf(_SC_NPROCESSORS_ONLN)) {
        std::printf(
            "warning: the machine is busier than it has CPUs; latency figures "
            "include waiting for a CPU\n");
    }
    std::printf("device: %s via %s backend (%s), %u cores, %llu MiB device memory\n", info.name,
                info.backend, info.node, info.num_cores,
                static_cast<unsigned long long>(info.memory_total >> 20));
    std::printf("build: %s%s; TERN_LOG_LEVEL=%s\n", TERN_BENCH_BUILD_TYPE,
#ifdef TERN_BENCH_SANITIZED
                " + ASan/UBSan (figures are not representative)",
#else
                "",
#endif
                std::getenv("TERN_LOG_LEVEL") ? std::getenv("TERN_LOG_LEVEL") : "(unset)");
    std::printf("empty job = 4-byte device-to-device tern_copy_async (the C ABI has no NOP)\n\n");

    // ---- (a) round trip ----------------------------------------------------------
    const int n_rtt = quick ? 2000 : 20000;
    double waiter_spin = 10e3;  // the mock's default TERN_MOCK_SPIN_NS
    if (const char* v = std::getenv("TERN_MOCK_SPIN_NS")) {
        waiter_spin = std::strtod(v, nullptr);
    }
    tern_tensor a = tensor(rt.ctx, 4096, TERN_MEMORY_DEVICE);
    tern_tensor b = tensor(rt.ctx, 4096, TERN_MEMORY_DEVICE);
    for (int i = 0; i < n_rtt / 10; ++i) {  // warm-up
        CHECK(tern_copy_async(rt.q, b, 0, a, 0, 4));
        CHECK(tern_queue_synchronize(rt.q, -1));
    }
    // Baselines and tern alternate in chunks, so that load from elsewhere on
    // the machine hits both alike.
    std::vector<double> pp, pure, cv, rtt;
    const int chunks = 10, chunk = n_rtt / chunks;
    for (int c = 0; c < chunks; ++c) {
        const auto p1 = futex_ping_pong(chunk, waiter_spin, 50e3);
        const auto p2 = futex_ping_pong(chunk, 0, 0);
        const auto p3 = condvar_ping_pong(chunk);
        pp.insert(pp.end(), p1.begin(), p1.end());
        pure.insert(pure.end(), p2.begin(), p2.end());
        cv.insert(cv.end(), p3.begin(), p3.end());
        for (int i = 0; i < chunk; ++i) {
            const auto t0 = Clock::now();
            CHECK(tern_copy_async(rt.q, b, 0, a, 0, 4));
            CHECK(tern_queue_synchronize(rt.q, -1));
            rtt.push_back(ns_since(t0));
        }
    }
    const double pp50 = percentile(pp, 0.5), pp99 = percentile(pp, 0.99);
    const double pure50 = percentile(pure, 0.5), cv50 = percentile(cv, 0.5);
    const double r50 = percentile(rtt, 0.5), r99 = percentile(rtt, 0.99);
    std::printf("(a) round trip, submit -> completion (%d jobs)\n", n_rtt);
    std::printf(
        "    baseline ping-pong         p50 %8.2f us  p99 %8.2f us   (spin %.0f/50 us, "
        "then futex: the mock's wait)\n",
        pp50 / 1e3, pp99 / 1e3, waiter_spin / 1e3);
    std::printf("    for reference              pure futex p50 %.2f us, condvar p50 %.2f us\n",
                pure50 / 1e3, cv50 / 1e3);
    std::printf("    tern                       p50 %8.2f us  p99 %8.2f us\n", r50 / 1e3,
                r99 / 1e3);
    std::printf("    ratio to ping-pong         p50 %8.2fx     p99 %8.2fx\n", r50 / pp50,
                r99 / pp99);
    std::printf("    budget p50 <= 10 us: %s\n\n", verdict(r50 <= 10e3));

    // ---- (b) enqueue cost and throughput --------------------------------------------
    const int batch = 128, batches = quick ? 20 : 200;
    std::vector<double> per_job;
    for (int k = 0; k < batches; ++k) {
        const auto t0 = Clock::now();
        for (int i = 0; i < batch; ++i) {
            CHECK(tern_copy_async(rt.q, b, 0, a, 0, 4));
        }
        per_job.push_back(ns_since(t0) / batch);
        CHECK(tern_queue_synchronize(rt.q, -1));
    }
    const double enq = median(per_job);
    const int n_tp = quick ? 20000 : 200000;
    const auto t_tp = Clock::now();
    for (int i = 0; i < n_tp; ++i) {
        CHECK(tern_copy_async(rt.q, b, 0, a, 0, 4));
    }
    CHECK(tern_queue_synchronize(rt.q, -1));
    const double tp = n_tp / (ns_since(t_tp) / 1e9);
    const double pp_rate = 1e9 / pp50;
    std::printf("(b) enqueue and pipelined throughput\n");
    std::printf("    enqueue cost               %8.3f us/job (median of %d batches of %d)\n",
                enq / 1e3, batches, batch);
    std::printf(
        "    ratio to ping-pong p50     %8.3fx   (a job costs this fraction of one "
        "thread hand-off)\n",
        enq / pp50);
    std::printf(
        "    throughput                 %8.0f jobs/s (%d jobs, enqueue all then "
        "synchronize)\n",
        tp, n_tp);
    std::printf("    ratio to ping-pong rate    %8.2fx   (ping-pong: %.0f round trips/s)\n",
                tp / pp_rate, pp_rate);
    std::printf("    budget enqueue <= 2 us/job: %s; throughput >= 250k jobs/s: %s\n\n",
                verdict(enq <= 2e3), verdict(tp >= 250e3));
    CHECK(tern_tensor_destroy(a));
    CHECK(tern_tensor_destroy(b));

    // ---- (c) bandwidth ---------------------------------------------------------------
    const uint64_t max_size = quick ? (16ull << 20) : (256ull << 20);
    const uint64_t dev_size = std::min<uint64_t>(max_size, info.memory_total / 2);
    tern_tensor dev = tensor(rt.ctx, dev_size, TERN_MEMORY_DEVICE);
    tern_tensor pinned = tensor(rt.ctx, max_size, TERN_MEMORY_HOST_PINNED);
    std::vector<uint8_t> src(max_size, 1), dst(max_size, 2);  // pre-faulted by the fill
    void* pinned_ptr = nullptr;
    CHECK(tern_tensor_host_pointer(pinned, &pinned_ptr));
    std::memset(pinned_ptr, 3, max_size);

    std::printf(
        "(c) copy bandwidth, GB/s (median of repetitions); ratio = / memcpy of the "
        "same size\n");
    std::printf("    %-8s %8s | %8s %6s | %8s %6s | %8s %6s | %8s %6s\n", "size", "memcpy",
                "H2D pin", "ratio", "D2H pin", "ratio", "H2D page", "ratio", "D2H page", "ratio");
    bool pinned_budget = true;
    bool pinned_checked = false;
    for (uint64_t size = 4096; size <= max_size; size *= 4) {
        if (size > dev_size) {
            std::printf("    %-8s skipped: device memory is %llu MiB\n", human(size).c_str(),
                        static_cast<unsigned long long>(info.memory_total >> 20));
            continue;
        }
        const int reps = static_cast<int>(
            std::clamp<uint64_t>((quick ? 64ull << 20 : 512ull << 20) / size, 5, 200));
        // One repetition runs memcpy and the four copies back to back, so
        // that the baseline sees the same machine as the copies.
        auto h2d_pin_op = [&] {
            CHECK(tern_copy_async(rt.q, dev, 0, pinned, 0, size));
            CHECK(tern_queue_synchronize(rt.q, -1));
        };
        auto d2h_pin_op = [&] {
            CHECK(tern_copy_async(rt.q, pinned, 0, dev, 0, size));
            CHECK(tern_queue_synchronize(rt.q, -1));
        };
        auto h2d_page_op = [&] {
            CHECK(tern_write_async(rt.q, dev, 0, src.data(), size));
            CHECK(tern_queue_synchronize(rt.q, -1));
        };
        auto d2h_page_op = [&] {
            CHECK(tern_read_async(rt.q, dst.data(), dev, 0, size));
            CHECK(tern_queue_synchronize(rt.q, -1));
        };
        auto memcpy_op = [&] { std::memcpy(dst.data(), src.data(), size); };
        const std::function<void()> ops[5] = {memcpy_op, h2d_pin_op, d2h_pin_op, h2d_page_op,
                                              d2h_page_op};
        std::vector<double> g[5];
        for (int r = -1; r < reps; ++r) {  // r = -1: warm-up
            for (int k = 0; k < 5; ++k) {
                const auto t0 = Clock::now();
                ops[k]();
                const double gbps = size / ns_since(t0);
                if (r >= 0) {
                    g[k].push_back(gbps);
                }
            }
        }
        const double mc = median(g[0]), h2d_pin = median(g[1]), d2h_pin = median(g[2]),
                     h2d_page = median(g[3]), d2h_page = median(g[4]);
        std::printf(
            "    %-8s %8.2f | %8.2f %5.0f%% | %8.2f %5.0f%% | %8.2f %5.0f%% | %8.2f %5.0f%%\n",
            human(size).c_str(), mc, h2d_pin, 100 * h2d_pin / mc, d2h_pin, 100 * d2h_pin / mc,
            h2d_page, 100 * h2d_page / mc, d2h_page, 100 * d2h_page / mc);
        if (size >= (64ull << 20)) {
            pinned_checked = true;
            pinned_budget = pinned_budget && h2d_pin >= 0.7 * mc && d2h_pin >= 0.7 * mc;
        }
    }
    if (pinned_checked) {
        std::printf("    budget pinned >= 70%% of memcpy at >= 64 MiB (H2D and D2H): %s\n",
                    verdict(pinned_budget));
    } else {
        std::printf(
            "    budget pinned >= 70%% of memcpy at >= 64 MiB: not measured (sizes "
            "too small in this run)\n");
    }

    CHECK(tern_tensor_destroy(pinned));
    CHECK(tern_tensor_destroy(dev));
    CHECK(tern_queue_destroy(rt.q));
    CHECK(tern_context_destroy(rt.ctx));
    CHECK(tern_device_close(rt.dev));
    CHECK(tern_shutdown());
    return 0;
}
