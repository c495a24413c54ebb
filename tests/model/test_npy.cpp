// SPDX-License-Identifier: MIT
// The .npy reader/writer of tern-run and its dtype conventions.
#include "npy.hpp"
#include "tensor_io.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace {

using tern::npy::Array;

std::vector<uint8_t> npy_bytes(const std::string& header, size_t data_bytes, uint8_t major = 1) {
    std::vector<uint8_t> f = {0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
    const size_t len = header.size();
    f.push_back(uint8_t(len));
    f.push_back(uint8_t(len >> 8));
    if (major >= 2) {
        f.push_back(uint8_t(len >> 16));
        f.push_back(uint8_t(len >> 24));
    }
    f.insert(f.end(), header.begin(), header.end());
    f.resize(f.size() + data_bytes, 0);
    return f;
}

std::string error_of(const std::vector<uint8_t>& f) {
    try {
        (void)tern::npy::parse(f, "t.npy");
    } catch (const tern::npy::Error& e) {
        return e.what();
    }
    return "";
}

TEST(Npy, RoundTripsEveryDtype) {
    for (const char* descr : {"<f4", "<f2", "<i4", "<u2"}) {
        Array a;
        a.descr = descr;
        a.shape = {2, 3};
        a.data.resize(6 * tern::npy::descr_size(descr));
        for (size_t i = 0; i < a.data.size(); ++i)
            a.data[i] = uint8_t(i * 7);
        const std::vector<uint8_t> f = tern::npy::encode(a);
        // Data starts on a 64-byte boundary, as NumPy writes it.
        EXPECT_EQ((f.size() - a.data.size()) % 64, 0u);
        Array b = tern::npy::parse(f, "x");
        EXPECT_EQ(b.descr, a.descr);
        EXPECT_EQ(b.shape, a.shape);
        EXPECT_EQ(b.data, a.data);
    }
}

TEST(Npy, ReadsWhatNumpyWrites) {
    // numpy.save(f, numpy.arange(3, dtype='<f4')): version 1.0, 64-byte
    // aligned, a trailing comma in the dict.
    std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
    h.append((10 + h.size() + 1 + 63) / 64 * 64 - 10 - h.size() - 1, ' ');
    h += '\n';
    auto f = npy_bytes(h, 12);
    float v[3] = {0, 1, 2};
    std::memcpy(f.data() + f.size() - 12, v, 12);
    Array a = tern::npy::parse(f, "x");
    EXPECT_EQ(a.shape, std::vector<uint64_t>{3});
    // Version 2.0 and a scalar.
    auto g = npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (), }\n", 4, 2);
    EXPECT_TRUE(tern::npy::parse(g, "x").shape.empty());
}

TEST(Npy, RejectsWhatItCannotRead) {
    const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n";
    EXPECT_EQ(error_of(npy_bytes(ok, 16)), "");
    struct Case {
        std::vector<uint8_t> file;
        const char* needle;
    };
    std::vector<uint8_t> bad_magic = npy_bytes(ok, 16);
    bad_magic[1] = 'X';
    std::vector<uint8_t> huge_len = npy_bytes(ok, 16, 2);
    huge_len[10] = 0x10;  // header_len 2^20
    std::vector<uint8_t> version = npy_bytes(ok, 16);
    version[6] = 9;
    for (const Case& c : std::vector<Case>{
             {bad_magic, "bad magic"},
             {huge_len, "header length 1048"},
             {version, "unsupported .npy format version 9.0"},
             {npy_bytes(ok, 12), "needs 16 data bytes, the file has 12"},
             {npy_bytes(ok, 20), "needs 16 data bytes, the file has 20"},
             {npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }\n", 16),
              "dtype '>f4' is not supported"},
             {npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", 16),
              "dtype '<f8' is not supported"},
             {npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", 16),
              "fortran_order True"},
             {npy_bytes("{'descr': '<f4', 'shape': (2, 2), }\n", 16), "must have the keys"},
             {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': 1}\n", 16),
              "unexpected or repeated key 'x'"},
             {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4), }\n", 16),
              "written (n,)"},
             {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': "
                        "(99999999999999999999,), }\n",
                        16),
              "dimension too large"},
             {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': "
                        "(4294967296, 4294967296), }\n",
                        16),
              "overflows"},
             {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 16),
              "newline"},
             {std::vector<uint8_t>(5, 0x93), "bad magic"},
         }) {
        std::string msg = error_of(c.file);
        EXPECT_NE(msg.find(c.needle), std::string::npos) << "got: '" << msg << "'";
    }
    // Every truncation of a valid file is rejected, never read past.
    const auto f = npy_bytes(ok, 16);
    for (size_t n = 0; n < f.size(); ++n)
        EXPECT_NE(error_of(std::vector<uint8_t>(f.begin(), f.begin() + n)), "") << n;
}

TEST(Npy, Bfloat16Conventions) {
    EXPECT_EQ(tern::npy::bf16_from_f32(1.0f), 0x3f80);
    // 1 + 2^-8 is halfway between two bfloat16s: ties to even (down).
    EXPECT_EQ(tern::npy::bf16_from_f32(1.00390625f), 0x3f80);
    EXPECT_EQ(tern::npy::bf16_from_f32(1.01171875f), 0x3f82);  // 1 + 3*2^-8: up to even
    EXPECT_EQ(tern::npy::bf16_from_f32(-2.0f), 0xc000);
    EXPECT_TRUE(std::isnan(tern::npy::f32_from_bf16(
        tern::npy::bf16_from_f32(std::numeric_limits<float>::quiet_NaN()))));
    EXPECT_EQ(tern::npy::bf16_from_f32(std::numeric_limits<float>::infinity()), 0x7f80);

    Array in;
    in.descr = "<f4";
    in.shape = {2};
    float v[2] = {1.0f, -2.0f};
    in.data.assign(reinterpret_cast<uint8_t*>(v), reinterpret_cast<uint8_t*>(v) + 8);
    auto bytes = tern::run::input_bytes(in, "x", TERN_DTYPE_BFLOAT16, {2});
    ASSERT_EQ(bytes.size(), 4u);
    Array out = tern::run::output_array(bytes, TERN_DTYPE_BFLOAT16, {2});
    EXPECT_EQ(out.descr, "<f4");
    EXPECT_EQ(out.data, in.data);
    try {
        (void)tern::run::input_bytes(in, "x", TERN_DTYPE_FLOAT16, {2});
        ADD_FAILURE();
    } catch (const tern::npy::Error& e) {
        EXPECT_NE(std::string(e.what()).find("input 'x' (fp16 (2,)): the file's dtype is '<f4', "
                                             "expected '<f2'"),
                  std::string::npos)
            << e.what();
    }
    try {
        (void)tern::run::input_bytes(in, "x", TERN_DTYPE_FLOAT32, {1, 2});
        ADD_FAILURE();
    } catch (const tern::npy::Error& e) {
        EXPECT_NE(std::string(e.what()).find("the file has shape (2,)"), std::string::npos);
    }
}

}  // namespace
