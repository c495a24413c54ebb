// SPDX-License-Identifier: MIT
// Loading models through the C ABI on the mock backend: from a file (all
// O_DIRECT policies) and from memory, introspection, bad files and bad
// arguments (clear errors, nothing leaked), and lifetimes.
#include "device_fixture.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace {

using namespace tern_test;
using tern::model::SectionType;

class ModelLoad : public ModelDeviceTest {
protected:
    void TearDown() override {
        for (const std::string& p : files_)
            unlink(p.c_str());
    }
    std::string file_of(const tern::model::ModelImage& m) {
        std::string p = temp_path(m.name + ".tmodel");
        tern::model::write_model_file(m, p);
        files_.push_back(p);
        return p;
    }
    std::string file_of(const std::vector<uint8_t>& bytes) {
        std::string p = temp_path("crafted.tmodel");
        write_file(p, bytes);
        files_.push_back(p);
        return p;
    }
    // Runs big_weights_model's copy and checks every byte of the weights.
    void expect_weights_on_device(tern_model h, const tern::model::ModelImage& m) {
        const auto words = m.weights.size() / 4;
        tern::Tensor out(ctx_, tern::DType::i32, {uint64_t(words)});
        tern_tensor o = out.handle();
        ASSERT_EQ(tern_model_execute(queue_.handle(), h, nullptr, 0, &o, 1, nullptr, nullptr),
                  TERN_OK)
            << last_message();
        queue_.synchronize();
        std::vector<uint8_t> got(m.weights.size());
        out.read(std::span<uint8_t>(got));
        EXPECT_TRUE(got == m.weights) << "weights differ on the device";
    }
    std::vector<std::string> files_;
};

TEST_F(ModelLoad, FileAndMemoryGiveTheSameModel) {
    const auto m = affine_model(64);
    const std::string path = file_of(m);
    tern_model a = nullptr, b = nullptr;
    ASSERT_EQ(tern_model_load_file(ctx_.handle(), path.c_str(), nullptr, &a), TERN_OK)
        << last_message();
    b = load(m);
    for (tern_model h : {a, b}) {
        tern_model_info i{};
        i.struct_size = sizeof(i);
        ASSERT_EQ(tern_model_get_info(h, &i), TERN_OK);
        EXPECT_STREQ(i.name, "affine");
        EXPECT_EQ(i.format_version, uint32_t(TERN_MODEL_FORMAT_VERSION));
        EXPECT_EQ(i.num_inputs, 1u);
        EXPECT_EQ(i.num_outputs, 1u);
        EXPECT_EQ(i.num_bindings, 4u);
        EXPECT_EQ(i.num_programs, 2u);
        EXPECT_EQ(i.weights_bytes, 512u);
        EXPECT_GT(i.program_bytes, 0u);
        EXPECT_EQ(i.scratch_bytes, 256u);
        EXPECT_EQ(i.scratch_arenas, 1u);  // allocated at load, per the plan
        EXPECT_EQ(i.device_bytes, i.weights_bytes + i.program_bytes + 256);

        tern_model_tensor_info t{};
        t.struct_size = sizeof(t);
        ASSERT_EQ(tern_model_get_input(h, 0, &t), TERN_OK);
        EXPECT_STREQ(t.name, "x");
        EXPECT_EQ(t.dtype, TERN_DTYPE_FLOAT32);
        EXPECT_EQ(t.rank, 1u);
        EXPECT_EQ(t.shape[0], 64u);
        EXPECT_EQ(t.shape[1], 0u);
        EXPECT_EQ(t.size_bytes, 256u);
        ASSERT_EQ(tern_model_get_output(h, 0, &t), TERN_OK);
        EXPECT_STREQ(t.name, "y");
        EXPECT_EQ(tern_model_get_input(h, 1, &t), TERN_ERROR_OUT_OF_RANGE);
        EXPECT_NE(last_message().find("input 1 does not exist"), std::string::npos);

        uint32_t idx = 9;
        EXPECT_EQ(tern_model_find_input(h, "x", &idx), TERN_OK);
        EXPECT_EQ(idx, 0u);
        EXPECT_EQ(tern_model_find_output(h, "y", &idx), TERN_OK);
        EXPECT_EQ(tern_model_find_input(h, "nope", &idx), TERN_ERROR_INVALID_ARGUMENT);
        EXPECT_NE(last_message().find("has no input 'nope' (it has 'x')"), std::string::npos)
            << last_message();
        EXPECT_EQ(tern_model_destroy(h), TERN_OK);
        EXPECT_EQ(tern_model_get_info(h, &i), TERN_ERROR_INVALID_HANDLE);
        EXPECT_EQ(tern_model_destroy(h), TERN_ERROR_INVALID_HANDLE);
    }
}

TEST_F(ModelLoad, EveryWeightReachesTheDeviceUnderEveryIoPolicy) {
    // Several staging chunks and a tail that is not a multiple of 4096.
    const auto m = big_weights_model((9u << 20) + 4100);
    const std::string path = file_of(m);
    for (uint32_t flags :
         {0u, uint32_t(TERN_MODEL_LOAD_NO_DIRECT_IO), uint32_t(TERN_MODEL_LOAD_DIRECT_IO)}) {
        SCOPED_TRACE(flags);
        tern_model_load_desc d{};
        d.struct_size = sizeof(d);
        d.flags = flags;
        tern_model h = nullptr;
        ASSERT_EQ(tern_model_load_file(ctx_.handle(), path.c_str(), &d, &h), TERN_OK)
            << last_message();
        expect_weights_on_device(h, m);
        EXPECT_EQ(tern_model_destroy(h), TERN_OK);
    }
    tern_model h = load(m);
    expect_weights_on_device(h, m);
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
}

TEST_F(ModelLoad, WorksWithoutIoUringAndWithoutAFreeQueue) {
    const auto m = big_weights_model((5u << 20) + 12);
    const std::string path = file_of(m);
    // The pread path of systems whose seccomp profile blocks io_uring.
    setenv("TERN_MODEL_IO", "pread", 1);
    tern_model h = nullptr;
    tern_status s = tern_model_load_file(ctx_.handle(), path.c_str(), nullptr, &h);
    unsetenv("TERN_MODEL_IO");
    ASSERT_EQ(s, TERN_OK) << last_message();
    expect_weights_on_device(h, m);
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
    // Every hardware queue taken: the loader copies without its own queue.
    std::vector<tern_queue> taken;
    for (tern_queue q = nullptr; tern_queue_create(ctx_.handle(), nullptr, &q) == TERN_OK;)
        taken.push_back(q);
    ASSERT_FALSE(taken.empty());
    ASSERT_EQ(tern_model_load_file(ctx_.handle(), path.c_str(), nullptr, &h), TERN_OK)
        << last_message();
    // One queue back for the model's run.
    tern_queue_destroy(taken.back());
    taken.pop_back();
    tern::Queue runner(ctx_);
    const auto words = m.weights.size() / 4;
    tern::Tensor out(ctx_, tern::DType::i32, {uint64_t(words)});
    tern_tensor o = out.handle();
    ASSERT_EQ(tern_model_execute(runner.handle(), h, nullptr, 0, &o, 1, nullptr, nullptr), TERN_OK);
    runner.synchronize();
    std::vector<uint8_t> got(m.weights.size());
    out.read(std::span<uint8_t>(got));
    EXPECT_TRUE(got == m.weights);
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
    for (tern_queue q : taken)
        tern_queue_destroy(q);
}

TEST_F(ModelLoad, DirectIoFallsBackOnFileSystemsThatRefuseIt) {
    // /dev/shm is tmpfs: O_DIRECT is refused there on older kernels.
    struct stat st {};
    if (stat("/dev/shm", &st) != 0 || !S_ISDIR(st.st_mode))
        GTEST_SKIP() << "no /dev/shm";
    const auto m = big_weights_model(3u << 20);
    std::string p = "/dev/shm/tern-model-test-" + std::to_string(getpid()) + ".tmodel";
    tern::model::write_model_file(m, p);
    files_.push_back(p);
    tern_model_load_desc d{};
    d.struct_size = sizeof(d);
    d.flags = TERN_MODEL_LOAD_DIRECT_IO;
    tern_model h = nullptr;
    ASSERT_EQ(tern_model_load_file(ctx_.handle(), p.c_str(), &d, &h), TERN_OK) << last_message();
    expect_weights_on_device(h, m);
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
}

TEST_F(ModelLoad, BadFilesFailWithTheFieldNamedAndLeakNothing) {
    const std::vector<uint8_t> good = tern::model::serialize(affine_model(64));
    const uint64_t free_before = free_device_memory();
    struct Case {
        const char* name;
        std::vector<uint8_t> bytes;
        const char* needle;
    };
    std::vector<Case> cases;
    {
        auto f = good;
        f.resize(100);
        cases.push_back({"truncated header", f, "truncated"});
    }
    {
        auto f = good;
        f.resize(f.size() - 4096);
        cases.push_back({"truncated weights", f, "truncated"});
    }
    {
        auto f = good;
        f[0] = 'X';
        cases.push_back({"bad magic", f, "bad magic"});
    }
    {
        auto f = good;
        poke<uint16_t>(f, 8, 3);
        cases.push_back({"newer major", f, "format 3.0 is newer than this runtime's 1.0"});
    }
    {
        auto f = good;
        poke<uint64_t>(f, 16, 1ull << 2);
        reseal(f);
        cases.push_back({"unknown feature", f, "requires feature bit 2"});
    }
    {
        auto f = good;
        // The weights are checked while they stream to the device.
        f[size_t(peek<uint64_t>(f, section_entry(f, SectionType::kWeights) + 8)) + 7] ^= 0x10;
        cases.push_back({"corrupt weights", f, "WEIGHTS section checksum mismatch"});
    }
    {
        auto f = good;
        const size_t meta = size_t(peek<uint64_t>(f, section_entry(f, SectionType::kMetadata) + 8));
        poke<uint32_t>(f, meta + 10, 100000);
        reseal(f);
        cases.push_back({"huge count", f, "num_inputs 100000"});
    }
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string path = file_of(c.bytes);
        tern_model h = nullptr;
        EXPECT_EQ(tern_model_load_file(ctx_.handle(), path.c_str(), nullptr, &h),
                  TERN_ERROR_INVALID_MODEL);
        const std::string msg = last_message();
        EXPECT_EQ(msg.rfind("tern_model_load_file: ", 0), 0u) << msg;
        EXPECT_NE(msg.find(c.needle), std::string::npos) << msg;
        EXPECT_EQ(h, nullptr);
        EXPECT_EQ(
            tern_model_load_memory(ctx_.handle(), c.bytes.data(), c.bytes.size(), nullptr, &h),
            TERN_ERROR_INVALID_MODEL);
        EXPECT_NE(last_message().find(c.needle), std::string::npos) << last_message();
    }
    EXPECT_EQ(free_device_memory(), free_before);
}

TEST_F(ModelLoad, IoErrorsNameThePath) {
    tern_model h = nullptr;
    const std::string missing = temp_path("missing.tmodel");
    EXPECT_EQ(tern_model_load_file(ctx_.handle(), missing.c_str(), nullptr, &h), TERN_ERROR_IO);
    EXPECT_NE(last_message().find(missing), std::string::npos);
    EXPECT_NE(last_message().find("No such file"), std::string::npos) << last_message();
    EXPECT_EQ(tern_model_load_file(ctx_.handle(), "/", nullptr, &h), TERN_ERROR_IO);
    EXPECT_NE(last_message().find("not a regular file"), std::string::npos) << last_message();
}

TEST_F(ModelLoad, BadArgumentsAreRejected) {
    const std::vector<uint8_t> f = tern::model::serialize(affine_model(8));
    tern_model h = nullptr;
    EXPECT_EQ(tern_model_load_memory(nullptr, f.data(), f.size(), nullptr, &h),
              TERN_ERROR_INVALID_HANDLE);
    EXPECT_EQ(tern_model_load_memory(ctx_.handle(), nullptr, f.size(), nullptr, &h),
              TERN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(tern_model_load_memory(ctx_.handle(), f.data(), f.size(), nullptr, nullptr),
              TERN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(tern_model_load_file(ctx_.handle(), nullptr, nullptr, &h),
              TERN_ERROR_INVALID_ARGUMENT);
    tern_model_load_desc d{};
    d.struct_size = 4;
    EXPECT_EQ(tern_model_load_memory(ctx_.handle(), f.data(), f.size(), &d, &h),
              TERN_ERROR_INVALID_ARGUMENT);
    d.struct_size = sizeof(d);
    d.flags = 1u << 7;
    EXPECT_EQ(tern_model_load_memory(ctx_.handle(), f.data(), f.size(), &d, &h),
              TERN_ERROR_INVALID_ARGUMENT);
    d.flags = TERN_MODEL_LOAD_DIRECT_IO | TERN_MODEL_LOAD_NO_DIRECT_IO;
    EXPECT_EQ(tern_model_load_memory(ctx_.handle(), f.data(), f.size(), &d, &h),
              TERN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(h, nullptr);
    // A model handle is no other kind of handle, and vice versa.
    tern_model m = load(affine_model(8));
    EXPECT_EQ(tern_tensor_destroy(reinterpret_cast<tern_tensor>(m)), TERN_ERROR_INVALID_HANDLE);
    EXPECT_EQ(tern_model_destroy(reinterpret_cast<tern_model>(ctx_.handle())),
              TERN_ERROR_INVALID_HANDLE);
    tern_model_info i{};
    i.struct_size = 8;
    EXPECT_EQ(tern_model_get_info(m, &i), TERN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(tern_model_destroy(m), TERN_OK);
}

TEST_F(ModelLoad, DestroyReturnsTheDeviceMemory) {
    const uint64_t before = free_device_memory();
    tern_model h = load(big_weights_model(4u << 20));
    EXPECT_LT(free_device_memory(), before - (4u << 20) + 1);
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
    EXPECT_EQ(free_device_memory(), before);
}

TEST_F(ModelLoad, CppApiLoadsAndDescribes) {
    const auto m = matmul_model(2, 3, 4);
    const std::string path = file_of(m);
    tern::Model a(ctx_, path);
    EXPECT_EQ(a.name(), "matmul");
    ASSERT_EQ(a.inputs().size(), 1u);
    EXPECT_EQ(a.input("x").dims, (std::vector<uint64_t>{2, 3}));
    EXPECT_EQ(a.output(0).dtype, tern::DType::f32);
    EXPECT_EQ(a.output(0).size_bytes, 32u);
    std::vector<uint8_t> bytes = tern::model::serialize(m);
    tern::Model b(ctx_, std::as_bytes(std::span(bytes)), {tern::ModelLoadOptions::DirectIo::never});
    EXPECT_EQ(b.info().num_programs, 1u);
    try {
        tern::Model bad(ctx_, temp_path("nope.tmodel"));
        ADD_FAILURE() << "loaded a missing file";
    } catch (const tern::Error& e) {
        EXPECT_EQ(e.status(), TERN_ERROR_IO);
    }
    try {
        (void)a.input("nope");
        ADD_FAILURE();
    } catch (const tern::Error& e) {
        EXPECT_EQ(e.status(), TERN_ERROR_INVALID_ARGUMENT);
    }
}

TEST(ModelShutdown, ALeakedModelIsReleasedByTheFinalShutdown) {
    tern_model leaked = nullptr;
    {
        tern::Runtime rt;
        tern::Device dev(0);
        tern::Context ctx(dev);
        std::vector<uint8_t> f = tern::model::serialize(affine_model(16));
        ASSERT_EQ(tern_model_load_memory(ctx.handle(), f.data(), f.size(), nullptr, &leaked),
                  TERN_OK);
    }  // the last tern_shutdown: must not hang on the model's memory
    tern::Runtime rt;
    tern_model_info i{};
    i.struct_size = sizeof(i);
    EXPECT_EQ(tern_model_get_info(leaked, &i), TERN_ERROR_INVALID_HANDLE);
    EXPECT_EQ(tern_model_destroy(leaked), TERN_OK);  // frees the host side
    EXPECT_EQ(tern_model_destroy(leaked), TERN_ERROR_INVALID_HANDLE);
}

}  // namespace
