// SPDX-License-Identifier: MIT
#include "run_example.hpp"

#include <tern/tern_model.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <vector>

namespace tern_examples {

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::vector<DType> dtypes = {DType::kFp32, DType::kBf16};
    unsigned runs = 200;
    std::string dir = ".";
};

void usage(const Example& ex) {
    std::fprintf(stderr,
                 "usage: %s [--dtype fp32|bf16|fp16|all] [--runs N] [--dir DIR]\n"
                 "  Builds %s, saves it as DIR/<name>.tmodel, runs it on device 0 through\n"
                 "  the model API and checks it against the CPU reference.\n"
                 "  (No Tern device? Run with TERN_BACKEND=mock.)\n",
                 ex.program.c_str(), ex.description.c_str());
}

bool parse(const Example& ex, int argc, char** argv, Options* o) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--dtype" && has_value) {
            const std::string v = argv[++i];
            if (v == "fp32") {
                o->dtypes = {DType::kFp32};
            } else if (v == "bf16") {
                o->dtypes = {DType::kBf16};
            } else if (v == "fp16") {
                o->dtypes = {DType::kFp16};
            } else if (v == "all") {
                o->dtypes = {DType::kFp32, DType::kBf16};
            } else {
                std::fprintf(stderr, "%s: unknown dtype '%s'\n", ex.program.c_str(), v.c_str());
                return false;
            }
        } else if (arg == "--runs" && has_value) {
            char* end = nullptr;
            const unsigned long n = std::strtoul(argv[++i], &end, 10);
            if (*end != '\0' || n < 1 || n > 65536) {
                std::fprintf(stderr, "%s: --runs takes 1..65536\n", ex.program.c_str());
                return false;
            }
            o->runs = static_cast<unsigned>(n);
        } else if (arg == "--dir" && has_value) {
            o->dir = argv[++i];
        } else {
            usage(ex);
            return false;
        }
    }
    return true;
}

const char* dtype_str(DType d) {
    switch (d) {
        case DType::kBf16:
            return "bf16";
        case DType::kFp16:
            return "fp16";
        default:
            return "fp32";
    }
}

std::string human_bytes(uint64_t b) {
    char buf[32];
    if (b >= (uint64_t{1} << 20)) {
        std::snprintf(buf, sizeof(buf), "%.1f MiB", double(b) / (1 << 20));
    } else {
        std::snprintf(buf, sizeof(buf), "%.1f KiB", double(b) / 1024);
    }
    return buf;
}

std::string human_rate(double per_second) {
    char buf[32];
    if (per_second >= 1e6) {
        std::snprintf(buf, sizeof(buf), "%.2fM", per_second / 1e6);
    } else if (per_second >= 1e3) {
        std::snprintf(buf, sizeof(buf), "%.1fk", per_second / 1e3);
    } else {
        std::snprintf(buf, sizeof(buf), "%.1f", per_second);
    }
    return buf;
}

double micros(Clock::duration d) {
    return std::chrono::duration<double, std::micro>(d).count();
}

// Runs one dtype; returns true when the error is within tolerance.
bool run_one(const Example& ex, const Options& opt, DType dtype, tern::Context& ctx,
             tern::Queue& queue) {
    const ModelBuilder builder = ex.build(dtype);
    const std::string path = opt.dir + "/" + builder.name() + ".tmodel";
    tern::builder::BuildStats stats;
    builder.save(path, {}, &stats);

    tern::Model model(ctx, path);
    const std::vector<HostTensor> host_inputs = make_inputs(builder, 1);
    std::vector<tern::Tensor> ins, outs;
    for (uint32_t i = 0; i < model.num_inputs(); ++i) {
        const tern::ModelTensor t = model.input(i);
        ins.emplace_back(ctx, t.dtype, t.shape());
        ins.back().write(std::span<const uint8_t>(host_inputs[i].data));
    }
    for (uint32_t i = 0; i < model.num_outputs(); ++i) {
        const tern::ModelTensor t = model.output(i);
        outs.emplace_back(ctx, t.dtype, t.shape());
    }
    std::vector<const tern::Tensor*> in_ptrs, out_ptrs;
    for (const tern::Tensor& t : ins) {
        in_ptrs.push_back(&t);
    }
    for (const tern::Tensor& t : outs) {
        out_ptrs.push_back(&t);
    }

    // One run, checked against the reference evaluated on the host.
    model.execute(queue, in_ptrs, out_ptrs);
    queue.synchronize();
    std::vector<HostTensor> got;
    for (uint32_t i = 0; i < model.num_outputs(); ++i) {
        const tern::ModelTensor t = model.output(i);
        HostTensor h;
        h.dtype = static_cast<DType>(static_cast<int>(t.dtype));
        h.shape = t.dims;
        h.data.resize(t.size_bytes);
        outs[i].read(std::span<uint8_t>(h.data));
        got.push_back(std::move(h));
    }
    const double err = max_abs_error(got, builder.evaluate_reference(host_inputs));
    const double tol = example_tolerance(dtype);
    const bool ok = err <= tol;

    // Latency: each run submitted and waited for on its own.
    std::vector<double> lat;
    for (unsigned r = 0; r < opt.runs; ++r) {
        const auto t0 = Clock::now();
        model.execute(queue, in_ptrs, out_ptrs);
        queue.synchronize();
        lat.push_back(micros(Clock::now() - t0));
    }
    std::sort(lat.begin(), lat.end());
    // Throughput: all runs queued by one call, then one wait.
    const auto t0 = Clock::now();
    model.repeat(queue, opt.runs, in_ptrs, out_ptrs);
    queue.synchronize();
    const double secs = micros(Clock::now() - t0) / 1e6;
    const double runs_per_s = opt.runs / secs;

    const std::filesystem::path file(path);
    std::printf(
        "  %s  %s: %s file, %s weights, %s scratch (%s without reuse), %u program%s, %u ops\n",
        dtype_str(dtype), file.filename().c_str(),
        human_bytes(std::filesystem::file_size(file)).c_str(),
        human_bytes(stats.weights_bytes).c_str(), human_bytes(stats.scratch_bytes).c_str(),
        human_bytes(stats.scratch_bytes_without_reuse).c_str(), stats.programs,
        stats.programs == 1 ? "" : "s", stats.ops);
    std::printf("        max abs error vs CPU reference: %.2e (tolerance %.0e) %s\n", err, tol,
                ok ? "ok" : "FAILED");
    std::printf(
        "        latency per run: p50 %.1f us, min %.1f us (%u runs, execute + synchronize)\n",
        lat[lat.size() / 2], lat.front(), opt.runs);
    std::printf("        throughput: %s runs/s, %s samples/s (%u runs in one execute_n call)\n",
                human_rate(runs_per_s).c_str(),
                human_rate(runs_per_s * double(ex.samples_per_run)).c_str(), opt.runs);
    return ok;
}

}  // namespace

int run_example(const Example& ex, int argc, char** argv) {
    Options opt;
    if (!parse(ex, argc, argv, &opt)) {
        return 2;
    }
    try {
        tern::Runtime runtime;
        tern::Device device(0);
        const tern_device_info info = device.info();
        tern::Context ctx(device);
        tern::Queue queue(ctx);
        std::printf("%s: %s\n  device 0: %s (%s backend)\n", ex.program.c_str(),
                    ex.description.c_str(), info.name, info.backend);
        bool ok = true;
        for (DType d : opt.dtypes) {
            ok = run_one(ex, opt, d, ctx, queue) && ok;
        }
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", ex.program.c_str(), e.what());
        return 1;
    }
}

}  // namespace tern_examples
