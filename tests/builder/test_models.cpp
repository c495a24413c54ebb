// SPDX-License-Identifier: MIT
// The example models (examples/models) in fp32 and bf16: the device matches
// the CPU reference within the documented tolerances, through the raw
// programs and through the public model API (a model file in memory).
#include <gtest/gtest.h>

#include <unistd.h>
#include <tern/tern_model.hpp>

#include <filesystem>

#include "device.hpp"
#include "models.hpp"
#include "test_util.hpp"

namespace tern_test::builder {
namespace {

using tern_examples::example_tolerance;
using tern_examples::max_abs_error;

class ExampleModelTest : public DeviceTest, public ::testing::WithParamInterface<DType> {};

void expect_matches(Device& dev, const ModelBuilder& model, DType dtype) {
    const auto inputs = tern_examples::make_inputs(model, 1);
    const auto want = model.evaluate_reference(inputs);
    const tern::model::ModelImage image = model.build();
    const double raw = max_abs_error(run_programs(dev, image, inputs), want);
    const double api = max_abs_error(run_model_file(dev, image, inputs), want);
    EXPECT_LE(raw, example_tolerance(dtype)) << model.name();
    EXPECT_LE(api, example_tolerance(dtype)) << model.name();
    // The same programs run either way.
    EXPECT_EQ(raw, api);
    ::testing::Test::RecordProperty(model.name() + "_max_abs_error", std::to_string(raw));
}

TEST_P(ExampleModelTest, Mlp) {
    expect_matches(device(), tern_examples::build_mlp(GetParam()), GetParam());
}

TEST_P(ExampleModelTest, TransformerEncoder) {
    expect_matches(device(), tern_examples::build_encoder(GetParam()), GetParam());
}

TEST_P(ExampleModelTest, CausalTransformerEncoder) {
    tern_examples::EncoderConfig c;
    c.causal = true;
    c.batch = 2;
    c.seq = 16;
    c.width = 64;
    expect_matches(device(), tern_examples::build_encoder(GetParam(), c), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Dtypes, ExampleModelTest, ::testing::Values(DType::kFp32, DType::kBf16),
                         [](const ::testing::TestParamInfo<DType>& info) {
                             return std::string(info.param == DType::kFp32 ? "fp32" : "bf16");
                         });

class SaveTest : public DeviceTest {};

TEST_F(SaveTest, SaveWritesAFileTheRuntimeLoads) {
    const ModelBuilder mlp = tern_examples::build_mlp(DType::kBf16);
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("tern-builder-test-" + std::to_string(getpid()) + ".tmodel");
    BuildStats stats;
    mlp.save(path.string(), {}, &stats);
    tern::Model model(device().context, path.string());
    std::filesystem::remove(path);
    EXPECT_EQ("mlp-bf16", model.name());
    EXPECT_EQ(1u, model.num_inputs());
    EXPECT_EQ(stats.weights_bytes, model.info().weights_bytes);
    EXPECT_EQ(stats.scratch_bytes, model.info().scratch_bytes);
    EXPECT_EQ(stats.programs, model.info().num_programs);
    EXPECT_EQ(tern::DType::bf16, model.output(0).dtype);
    EXPECT_EQ((std::vector<uint64_t>{32, 10}), model.output("probs").dims);
    // A path the writer cannot use fails with an exception, not a crash.
    EXPECT_ANY_THROW(mlp.save("/nonexistent-dir/model.tmodel"));
}

TEST(ExampleModels, AreDeterministicAndTheBf16ErrorIsReal) {
    // Same seed, same weights and programs.
    EXPECT_EQ(tern_examples::build_mlp(DType::kFp32).build().weights,
              tern_examples::build_mlp(DType::kFp32).build().weights);
    // bf16 differs from fp32 by far more than the fp32 tolerance: the
    // comparison above is sensitive enough to catch a dtype mix-up.
    const ModelBuilder f = tern_examples::build_encoder(DType::kFp32);
    const ModelBuilder h = tern_examples::build_encoder(DType::kBf16);
    const auto want32 = f.evaluate_reference(tern_examples::make_inputs(f, 1));
    auto got16 = h.evaluate_reference(tern_examples::make_inputs(h, 1));
    for (auto& t : got16) {
        t = tern::builder::HostTensor::from_floats(DType::kFp32, t.shape, t.to_floats());
    }
    EXPECT_GT(max_abs_error(got16, want32), example_tolerance(DType::kFp32));
}

}  // namespace
}  // namespace tern_test::builder
