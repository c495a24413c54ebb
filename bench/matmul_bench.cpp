// SPDX-License-Identifier: MIT
// tern-matmul-bench: a 1024 x 1024 x 1024 fp32 matmul through the device
// (a model built with the model builder, loaded and run with the model API
// on the mock backend) against Eigen called directly on the host in the
// same process, same thread count. Prints both, their ratio and the budget
// (device >= 50% of the host's throughput).
//
// The mock runs the device's MATMUL with Eigen on one of its threads, so
// the ratio measures what the stack adds on top of the GEMM: model launch,
// binding, the device's operand fetch into dense buffers and the result
// write-back, and completion.
#include <unistd.h>
#include <tern/model_builder.hpp>
#include <tern/tern_model.hpp>

#include "bench_util.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr uint64_t kN = 1024;
constexpr int kRuns = 7;  // timed runs per side, after one warm-up
constexpr double kBudget = 0.5;

std::vector<float> uniform(size_t n, uint64_t seed) {
    std::vector<float> v(n);
    uint64_t s = seed;
    for (float& x : v) {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        x = static_cast<float>(double(z >> 11) / double(uint64_t{1} << 53)) * 2.0f - 1.0f;
    }
    return v;
}

using tern::bench::median;

double seconds(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

}  // namespace

int main() {
    setenv("TERN_BACKEND", "mock", 0);
    // Ample timeout for unoptimised builds; the Release GEMM takes ~0.1 s.
    setenv("TERN_MOCK_JOB_TIMEOUT_MS", "120000", 0);
    try {
        const std::vector<float> a = uniform(kN * kN, 1);
        const std::vector<float> b = uniform(kN * kN, 2);

        // The model: y = x @ W with W a 4 MiB weight of the model.
        tern::builder::ModelBuilder mb("matmul-1024");
        const tern::builder::Tensor x = mb.input("x", tern::builder::DType::kFp32, {kN, kN});
        const tern::builder::Tensor w = mb.constant("w", tern::builder::DType::kFp32, {kN, kN}, b);
        mb.output("y", mb.matmul(x, w));
        const std::filesystem::path path =
            std::filesystem::temp_directory_path() /
            ("tern-matmul-bench-" + std::to_string(getpid()) + ".tmodel");
        mb.save(path.string());

        tern::Runtime runtime;
        tern::Device device(0);
        const tern_device_info info = device.info();
        tern::Context ctx(device);
        tern::Queue queue(ctx);
        tern::Model model(ctx, path.string());
        std::filesystem::remove(path);
        tern::Tensor tx(ctx, tern::DType::f32, {kN, kN});
        tern::Tensor ty(ctx, tern::DType::f32, {kN, kN});
        tx.write(std::span<const float>(a));

        std::printf("tern-matmul-bench: %llu x %llu x %llu fp32 matmul, median of %d runs\n",
                    static_cast<unsigned long long>(kN), static_cast<unsigned long long>(kN),
                    static_cast<unsigned long long>(kN), kRuns);
        std::printf("device: %s via %s backend; build: %s%s; Eigen %d.%d.%d, %d thread(s)\n",
                    info.name, info.backend, TERN_BENCH_BUILD_TYPE,
#ifdef TERN_BENCH_SANITIZED
                    " + ASan/UBSan (figures are not representative)",
#else
                    "",
#endif
                    EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION,
                    Eigen::nbThreads());

        // Device: execute + synchronize per run (warm-up first).
        std::vector<double> dev_times;
        for (int r = 0; r <= kRuns; ++r) {
            const auto t0 = Clock::now();
            model.execute(queue, {&tx}, {&ty});
            queue.synchronize();
            if (r > 0) {
                dev_times.push_back(seconds(Clock::now() - t0));
            }
        }
        std::vector<float> y(kN * kN);
        ty.read(std::span<float>(y));

        // Host: Eigen directly on the same data.
        const Eigen::Map<const RowMajor> am(a.data(), kN, kN);
        const Eigen::Map<const RowMajor> bm(b.data(), kN, kN);
        RowMajor cm(kN, kN);
        std::vector<double> host_times;
        for (int r = 0; r <= kRuns; ++r) {
            const auto t0 = Clock::now();
            cm.noalias() = am * bm;
            if (r > 0) {
                host_times.push_back(seconds(Clock::now() - t0));
            }
        }

        double err = 0, scale = 0;
        for (uint64_t i = 0; i < kN * kN; ++i) {
            err = std::max(err, double(std::fabs(y[i] - cm.data()[i])));
            scale = std::max(scale, double(std::fabs(cm.data()[i])));
        }
        const double flops = 2.0 * kN * kN * kN;
        const double td = median(dev_times), th = median(host_times);
        const double ratio = th / td;  // device throughput relative to the host's
        std::printf("    host  Eigen GEMM            %8.2f ms  %7.2f GFLOP/s\n", th * 1e3,
                    flops / th / 1e9);
        std::printf("    device model execute+sync   %8.2f ms  %7.2f GFLOP/s\n", td * 1e3,
                    flops / td / 1e9);
        std::printf(
            "    ratio device/host throughput %7.1f %%   (max abs difference %.1e of %.1f)\n",
            ratio * 100, err, scale);
        std::printf("    budget >= %.0f %% of the host: %s\n", kBudget * 100,
                    ratio >= kBudget ? "PASS" : "MISS");
        if (err > 1e-4 * scale) {
            std::fprintf(stderr, "tern-matmul-bench: the device's result differs from Eigen's\n");
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tern-matmul-bench: %s\n", e.what());
        return 1;
    }
}
