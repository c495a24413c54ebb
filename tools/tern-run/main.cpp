// SPDX-License-Identifier: MIT
// tern-run: runs a compiled model file (docs/model-format.md) on a Tern
// device with inputs from .npy files, writes the outputs as .npy files and
// prints the load time, the per-run latency and the throughput
// (tools/tern-run/README.md).
#include "file_info.hpp"
#include "npy.hpp"
#include "tensor_io.hpp"

#include "model/model_file.hpp"

#include <tern/tern.hpp>
#include <tern/tern_model.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <system_error>

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

struct Options {
    std::string model;
    std::vector<std::string> inputs;
    std::vector<std::string> positional;
    std::vector<std::string> outputs;
    std::string output_dir;
    uint32_t runs = 10;
    uint32_t warmup = 1;
    std::optional<uint64_t> random_seed;
    uint32_t device = 0;
    std::string backend;
    bool json = false;
    bool info = false;
    bool no_direct_io = false;
    bool direct_io = false;
};

// A usage problem found after parsing (exit code 2).
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

double us_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

// Splits "NAME=FILE" if NAME is one of `names`; else {"", spec}.
std::pair<std::string, std::string> split_named(const std::string& spec,
                                                const std::vector<std::string>& names) {
    const size_t eq = spec.find('=');
    if (eq != std::string::npos) {
        std::string name = spec.substr(0, eq);
        if (std::find(names.begin(), names.end(), name) != names.end())
            return {name, spec.substr(eq + 1)};
    }
    return {"", spec};
}

// Output names may hold '/' and other characters a file name cannot.
std::string file_name_for(const std::string& name) {
    std::string s = name;
    for (char& c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
            c = '_';
    return s + ".npy";
}

struct Stats {
    double mean, p50, p99, min, max;
};

Stats stats_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v)
        sum += x;
    auto pct = [&](double p) { return v[std::min(v.size() - 1, size_t(p * double(v.size())))]; };
    return {sum / double(v.size()), pct(0.5), pct(0.99), v.front(), v.back()};
}

json tensor_json(const tern::ModelTensor& t) {
    return {{"name", t.name},
            {"dtype", tern::run::dtype_name(static_cast<tern_dtype>(t.dtype))},
            {"shape", t.dims}};
}

int run(const Options& o) {
    if (o.info) {
        json info = tern::run::file_info(o.model);
        if (o.json)
            std::printf("%s\n", info.dump(2).c_str());
        else
            std::printf("%s", tern::run::file_info_text(info).c_str());
        return 0;
    }
    if (o.runs < 1)
        throw UsageError("--runs must be at least 1");

    tern::Runtime runtime(o.backend.empty() ? nullptr : o.backend.c_str());
    tern::Device device(o.device);
    const tern_device_info dinfo = device.info();
    tern::Context ctx(device);
    tern::Queue queue(ctx);

    tern::ModelLoadOptions lo;
    if (o.no_direct_io)
        lo.direct_io = tern::ModelLoadOptions::DirectIo::never;
    if (o.direct_io)
        lo.direct_io = tern::ModelLoadOptions::DirectIo::always;
    const auto t_load = Clock::now();
    tern::Model model(ctx, o.model, lo);
    const double load_ms = us_since(t_load) / 1000.0;
    const tern_model_info minfo = model.info();
    const std::vector<tern::ModelTensor> ins = model.inputs(), outs = model.outputs();

    // Inputs: by name (NAME=FILE) or in order; --random-inputs fills the rest.
    std::vector<std::string> in_names, out_names;
    for (const auto& t : ins)
        in_names.push_back(t.name);
    for (const auto& t : outs)
        out_names.push_back(t.name);
    std::map<std::string, std::string> in_files;
    size_t positional = 0;
    for (const std::string& spec : o.inputs) {
        auto [name, file] = split_named(spec, in_names);
        if (name.empty()) {
            while (positional < ins.size() && in_files.count(ins[positional].name))
                ++positional;
            if (positional == ins.size())
                throw UsageError("more input files than the model's " + std::to_string(ins.size()) +
                                 " inputs: '" + spec + "'");
            name = ins[positional++].name;
        }
        if (!in_files.emplace(name, file).second)
            throw UsageError("input '" + name + "' is given twice");
    }
    std::vector<tern::Tensor> in_tensors, out_tensors;
    for (const auto& t : ins) {
        const auto dtype = static_cast<tern_dtype>(t.dtype);
        std::vector<uint8_t> bytes;
        if (auto it = in_files.find(t.name); it != in_files.end()) {
            bytes = tern::run::input_bytes(tern::npy::read(it->second), t.name, dtype, t.dims);
        } else if (o.random_seed) {
            bytes = tern::run::random_bytes(dtype, t.size_bytes / tern::run::dtype_size(dtype),
                                            *o.random_seed + t.index);
        } else {
            throw UsageError("no file for input '" + t.name + "' (" + tern::run::dtype_name(dtype) +
                             " " + tern::npy::shape_str(t.dims) + "): pass -i " + t.name +
                             "=FILE.npy or --random-inputs SEED");
        }
        in_tensors.emplace_back(ctx, t.dtype, t.shape());
        in_tensors.back().write(std::span<const uint8_t>(bytes));
    }
    std::map<std::string, std::string> out_files;
    for (const std::string& spec : o.outputs) {
        auto [name, file] = split_named(spec, out_names);
        if (name.empty())
            throw UsageError("--output '" + spec +
                             "': expected NAME=FILE with NAME one of the "
                             "model's outputs");
        out_files[name] = file;
    }
    for (const auto& t : outs)
        out_tensors.emplace_back(ctx, t.dtype, t.shape());
    std::vector<const tern::Tensor*> in_ptrs, out_ptrs;
    for (const auto& t : in_tensors)
        in_ptrs.push_back(&t);
    for (const auto& t : out_tensors)
        out_ptrs.push_back(&t);

    for (uint32_t i = 0; i < o.warmup; ++i) {
        model.execute(queue, in_ptrs, out_ptrs);
        queue.synchronize();
    }
    std::vector<double> latency;
    for (uint32_t i = 0; i < o.runs; ++i) {
        const auto t0 = Clock::now();
        model.execute(queue, in_ptrs, out_ptrs);
        queue.synchronize();
        latency.push_back(us_since(t0));
    }
    const auto t_batch = Clock::now();
    model.repeat(queue, o.runs, in_ptrs, out_ptrs);
    queue.synchronize();
    const double batch_us = us_since(t_batch);
    const double throughput = double(o.runs) / (batch_us / 1e6);
    const Stats st = stats_of(latency);

    json outputs = json::array();
    for (size_t j = 0; j < outs.size(); ++j) {
        std::string file;
        if (auto it = out_files.find(outs[j].name); it != out_files.end())
            file = it->second;
        else if (!o.output_dir.empty())
            file = o.output_dir + "/" + file_name_for(outs[j].name);
        json oj = tensor_json(outs[j]);
        if (!file.empty()) {
            std::vector<uint8_t> bytes(outs[j].size_bytes);
            out_tensors[j].read(std::span<uint8_t>(bytes));
            tern::npy::write(file,
                             tern::run::output_array(bytes, static_cast<tern_dtype>(outs[j].dtype),
                                                     outs[j].dims));
            oj["file"] = file;
        }
        outputs.push_back(oj);
    }

    if (o.json) {
        json in_j = json::array();
        for (const auto& t : ins) {
            json ij = tensor_json(t);
            auto it = in_files.find(t.name);
            ij["source"] = it != in_files.end() ? it->second : std::string("random");
            in_j.push_back(ij);
        }
        json doc = {
            {"model",
             {{"path", o.model},
              {"name", minfo.name},
              {"format", std::to_string(minfo.format_version >> 16) + "." +
                             std::to_string(minfo.format_version & 0xffff)},
              {"num_programs", minfo.num_programs},
              {"weights_bytes", minfo.weights_bytes},
              {"program_bytes", minfo.program_bytes},
              {"scratch_bytes", minfo.scratch_bytes},
              {"device_bytes", minfo.device_bytes}}},
            {"device", {{"index", dinfo.index}, {"name", dinfo.name}, {"backend", dinfo.backend}}},
            {"load_ms", load_ms},
            {"runs", o.runs},
            {"warmup", o.warmup},
            {"latency_us",
             {{"mean", st.mean},
              {"p50", st.p50},
              {"p99", st.p99},
              {"min", st.min},
              {"max", st.max}}},
            {"throughput_runs_per_s", throughput},
            {"inputs", in_j},
            {"outputs", outputs}};
        std::printf("%s\n", doc.dump(2).c_str());
        return 0;
    }
    std::printf("model       '%s' (format %u.%u): %zu input(s), %zu output(s), %u program(s)\n",
                minfo.name, minfo.format_version >> 16, minfo.format_version & 0xffff, ins.size(),
                outs.size(), minfo.num_programs);
    std::printf("memory      weights %llu B, programs %llu B, scratch %llu B per queue\n",
                static_cast<unsigned long long>(minfo.weights_bytes),
                static_cast<unsigned long long>(minfo.program_bytes),
                static_cast<unsigned long long>(minfo.scratch_bytes));
    std::printf("device      %s (%s backend)\n", dinfo.name, dinfo.backend);
    std::printf("load        %.3f ms\n", load_ms);
    std::printf(
        "latency     p50 %.1f us, mean %.1f us, p99 %.1f us, min %.1f us "
        "(%u runs, execute + synchronize)\n",
        st.p50, st.mean, st.p99, st.min, o.runs);
    std::printf("throughput  %.0f runs/s (%u runs in one tern_model_execute_n)\n", throughput,
                o.runs);
    for (const auto& oj : outputs)
        std::printf("output      %s %s %s%s\n", oj["name"].get<std::string>().c_str(),
                    oj["dtype"].get<std::string>().c_str(), oj["shape"].dump().c_str(),
                    oj.contains("file") ? (" -> " + oj["file"].get<std::string>()).c_str() : "");
    return 0;
}

// Prints the error (and, with --json, a JSON error document) and returns
// the exit code.
int report_error(const Options& o, const std::string& kind, const std::string& message, int code) {
    std::fprintf(stderr, "tern-run: %s\n", message.c_str());
    if (o.json)
        std::printf("%s\n",
                    json{{"error", {{"kind", kind}, {"message", message}}}}.dump(2).c_str());
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{
        "Runs a Tern model file: inputs from .npy files, outputs to .npy files, "
        "timing on stdout.",
        "tern-run"};
    app.add_option("model", o.model, "model file (.tmodel)")->required();
    app.add_option("inputs", o.positional, "input .npy files, in the model's input order");
    app.add_option("-i,--input", o.inputs,
                   "input .npy file, NAME=FILE or FILE (in the model's input order); repeatable");
    app.add_option("-o,--output-dir", o.output_dir, "write each output to DIR/NAME.npy");
    app.add_option("--output", o.outputs, "write output NAME to FILE (NAME=FILE); repeatable");
    app.add_option("-n,--runs", o.runs, "timed runs (latency), and runs of the throughput batch")
        ->capture_default_str();
    app.add_option("--warmup", o.warmup, "untimed runs first")->capture_default_str();
    app.add_option("--random-inputs", o.random_seed,
                   "fill inputs without a file with values from this seed");
    app.add_option("-d,--device", o.device, "device index")->capture_default_str();
    app.add_option("--backend", o.backend, "\"kernel\" or \"mock\" (default: $TERN_BACKEND)");
    app.add_flag("--json", o.json, "machine-readable results on stdout");
    app.add_flag("--info", o.info, "print the file's header, sections and metadata; no device");
    auto* nd = app.add_flag("--no-direct-io", o.no_direct_io, "never read weights with O_DIRECT");
    app.add_flag("--direct-io", o.direct_io, "read weights with O_DIRECT even if cached")
        ->excludes(nd);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    o.inputs.insert(o.inputs.end(), o.positional.begin(), o.positional.end());
    try {
        return run(o);
    } catch (const UsageError& e) {
        return report_error(o, "usage", e.what(), 2);
    } catch (const tern::Error& e) {
        return report_error(o, tern_status_str(e.status()), e.what(), 1);
    } catch (const tern::npy::Error& e) {
        return report_error(o, "npy", e.what(), 1);
    } catch (const tern::model::FormatError& e) {
        return report_error(o, "TERN_ERROR_INVALID_MODEL", o.model + ": " + e.what(), 1);
    } catch (const std::system_error& e) {
        return report_error(o, "io", e.what(), 1);
    } catch (const std::exception& e) {
        return report_error(o, "internal", e.what(), 1);
    }
}
