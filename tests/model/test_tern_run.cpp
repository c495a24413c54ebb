// SPDX-License-Identifier: MIT
// tern-run end to end, as a subprocess on the mock backend: .npy in, .npy
// out, timing, --json, --info, and its errors.
#include "model_fixtures.hpp"
#include "npy.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace {

using namespace tern_test;
using json = nlohmann::json;

struct Result {
    int code;
    std::string out, err;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Result tern_run(const std::string& args) {
    const std::string out = temp_path("stdout"), err = temp_path("stderr");
    const std::string cmd = std::string(TERN_RUN_PATH) + " " + args + " >" + out + " 2>" + err;
    const int status = std::system(cmd.c_str());
    Result r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
    unlink(out.c_str());
    unlink(err.c_str());
    return r;
}

class TernRun : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = temp_path("run");
        ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0);
        model_ = dir_ + "/affine.tmodel";
        tern::model::write_model_file(affine_model(64), model_);
        xs_.resize(64);
        for (size_t i = 0; i < 64; ++i)
            xs_[i] = float(i) * 0.5f - 7.0f;
        tern::npy::Array a;
        a.descr = "<f4";
        a.shape = {64};
        a.data.assign(reinterpret_cast<const uint8_t*>(xs_.data()),
                      reinterpret_cast<const uint8_t*>(xs_.data()) + 256);
        tern::npy::write(dir_ + "/x.npy", a);
    }
    void TearDown() override { (void)std::system(("rm -rf " + dir_).c_str()); }

    std::string dir_, model_;
    std::vector<float> xs_;
};

TEST_F(TernRun, RunsAModelFromNpyToNpyWithJson) {
    const std::string outdir = dir_ + "/out";
    ASSERT_EQ(mkdir(outdir.c_str(), 0755), 0);
    Result r = tern_run(model_ + " -i x=" + dir_ + "/x.npy -o " + outdir + " --runs 5 --json");
    ASSERT_EQ(r.code, 0) << r.err;
    json j = json::parse(r.out);
    EXPECT_EQ(j["model"]["name"], "affine");
    EXPECT_EQ(j["model"]["format"], "1.0");
    EXPECT_EQ(j["model"]["num_programs"], 2);
    EXPECT_EQ(j["device"]["backend"], "mock");
    EXPECT_GT(j["load_ms"].get<double>(), 0.0);
    EXPECT_EQ(j["runs"], 5);
    for (const char* k : {"mean", "p50", "p99", "min", "max"})
        EXPECT_GT(j["latency_us"][k].get<double>(), 0.0) << k;
    EXPECT_GT(j["throughput_runs_per_s"].get<double>(), 0.0);
    ASSERT_EQ(j["outputs"].size(), 1u);
    EXPECT_EQ(j["outputs"][0]["name"], "y");
    EXPECT_EQ(j["outputs"][0]["shape"], json::array({64}));
    const std::string yfile = j["outputs"][0]["file"];
    EXPECT_EQ(yfile, outdir + "/y.npy");
    tern::npy::Array y = tern::npy::read(yfile);
    ASSERT_EQ(y.descr, "<f4");
    ASSERT_EQ(y.shape, std::vector<uint64_t>{64});
    std::vector<float> got(64);
    std::memcpy(got.data(), y.data.data(), 256);
    EXPECT_EQ(got, affine_reference(xs_));
}

TEST_F(TernRun, TextReportAndPositionalInputs) {
    Result r = tern_run(model_ + " " + dir_ + "/x.npy --runs 3 --output y=" + dir_ + "/y.npy");
    ASSERT_EQ(r.code, 0) << r.err;
    for (const char* needle : {"model       'affine'", "load ", "latency ", "throughput ",
                               "output      y fp32 [64] -> "})
        EXPECT_NE(r.out.find(needle), std::string::npos) << needle << "\n" << r.out;
    EXPECT_EQ(tern::npy::read(dir_ + "/y.npy").shape, std::vector<uint64_t>{64});
    r = tern_run(model_ + " --random-inputs 7 --runs 2");
    EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(TernRun, InfoNeedsNoDevice) {
    Result r = tern_run("--info --json " + model_ + " --backend kernel");
    ASSERT_EQ(r.code, 0) << r.err;
    json j = json::parse(r.out);
    EXPECT_EQ(j["name"], "affine");
    EXPECT_EQ(j["sections"].size(), 3u);
    EXPECT_EQ(j["sections"][0]["type"], "METADATA");
    EXPECT_EQ(j["sections"][0]["offset"], 4096);
    EXPECT_EQ(j["bindings"][2]["role"], "scratch");
    r = tern_run("--info " + model_);
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("slot 1: weights, 512 bytes"), std::string::npos) << r.out;
}

TEST_F(TernRun, ErrorsAreClear) {
    Result r = tern_run(model_);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("no file for input 'x' (fp32 (64,)): pass -i x=FILE.npy"),
              std::string::npos)
        << r.err;

    tern::npy::Array a;
    a.descr = "<f4";
    a.shape = {3};
    a.data.resize(12);
    tern::npy::write(dir_ + "/short.npy", a);
    r = tern_run(model_ + " -i x=" + dir_ + "/short.npy --json");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("input 'x' (fp32 (64,)): the file has shape (3,)"), std::string::npos)
        << r.err;
    json j = json::parse(r.out);
    EXPECT_EQ(j["error"]["kind"], "npy");

    std::vector<uint8_t> junk(5000, 'z');
    write_file(dir_ + "/junk.tmodel", junk);
    r = tern_run(dir_ + "/junk.tmodel --random-inputs 1");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("bad magic"), std::string::npos) << r.err;

    r = tern_run(model_ + " -i x=" + dir_ + "/x.npy -i " + dir_ + "/x.npy");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("more input files than the model's 1 inputs"), std::string::npos) << r.err;
    r = tern_run(model_ + " --runs");
    EXPECT_EQ(r.code, 2);
}

}  // namespace
