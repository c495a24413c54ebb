// SPDX-License-Identifier: MIT
// The model file container without a device: round trips through the
// writer and the parser, and every rule of docs/model-format.md broken on
// purpose by a crafted file (each edit resealed, so that it reaches the
// rule it targets rather than a checksum).
#include "isa_program.hpp"
#include "model_fixtures.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace {

using tern::model::FormatError;
using tern::model::ModelImage;
using tern::model::SectionType;
using namespace tern_test;

// Metadata offsets of affine_model(n) (name "affine", inputs "x", outputs
// "y", rank 1): see docs/model-format.md section 4.
constexpr size_t kMetaNumInputs = 10;
constexpr size_t kMetaNumOutputs = 14;
constexpr size_t kMetaNumBindings = 18;
constexpr size_t kMetaNumPrograms = 22;
constexpr size_t kMetaWeightsSize = 26;
constexpr size_t kMetaInputNameLen = 42;
constexpr size_t kMetaInputDtype = 47;
constexpr size_t kMetaInputRank = 51;
constexpr size_t kMetaInputShape = 55;
constexpr size_t kMetaBinding0 = 84;  // role, index, size; 16 bytes each
constexpr size_t kMetaProgram0 = 148;

std::string parse_error(const std::vector<uint8_t>& file) {
    try {
        (void)tern::model::parse(file);
    } catch (const FormatError& e) {
        return e.what();
    }
    return "";
}

// Expects the file to be rejected with a message containing `needle`.
#define EXPECT_REJECTED(file, needle)                              \
    do {                                                           \
        std::string msg_ = parse_error(file);                      \
        EXPECT_NE(msg_, "") << "accepted, expected: " << (needle); \
        EXPECT_NE(msg_.find(needle), std::string::npos) << msg_;   \
    } while (0)

std::vector<uint8_t> affine_file() {
    return tern::model::serialize(affine_model(64));
}

size_t meta(const std::vector<uint8_t>& f) {
    return size_t(peek<uint64_t>(f, section_entry(f, SectionType::kMetadata) + 8));
}

// Appends a section (aligned, at the end) and reseals.
void add_section(std::vector<uint8_t>& f, uint32_t type, uint32_t flags,
                 const std::vector<uint8_t>& content) {
    const uint32_t count = peek<uint32_t>(f, 48);
    const size_t e = kSectionTable + count * kEntry;
    const size_t off = f.size();
    f.resize(off + (content.size() + 4095) / 4096 * 4096);
    std::memcpy(f.data() + off, content.data(), content.size());
    poke<uint32_t>(f, 48, count + 1);
    poke<uint32_t>(f, e, type);
    poke<uint32_t>(f, e + 4, flags);
    poke<uint64_t>(f, e + 8, off);
    poke<uint64_t>(f, e + 16, content.size());
    poke<uint64_t>(f, 32, f.size());
    reseal(f);
}

std::vector<uint8_t> feature_names(uint32_t bit, const std::string& name) {
    std::vector<uint8_t> s(12 + name.size());
    poke<uint32_t>(s, 0, 1);
    poke<uint32_t>(s, 4, bit);
    poke<uint32_t>(s, 8, uint32_t(name.size()));
    std::memcpy(s.data() + 12, name.data(), name.size());
    return s;
}

void expect_same(const ModelImage& a, const ModelImage& b) {
    EXPECT_EQ(a.name, b.name);
    ASSERT_EQ(a.inputs.size(), b.inputs.size());
    for (size_t i = 0; i < a.inputs.size(); ++i) {
        EXPECT_EQ(a.inputs[i].name, b.inputs[i].name);
        EXPECT_EQ(a.inputs[i].dtype, b.inputs[i].dtype);
        EXPECT_EQ(a.inputs[i].shape, b.inputs[i].shape);
    }
    ASSERT_EQ(a.outputs.size(), b.outputs.size());
    for (size_t i = 0; i < a.outputs.size(); ++i) {
        EXPECT_EQ(a.outputs[i].name, b.outputs[i].name);
        EXPECT_EQ(a.outputs[i].shape, b.outputs[i].shape);
    }
    ASSERT_EQ(a.bindings.size(), b.bindings.size());
    for (size_t i = 0; i < a.bindings.size(); ++i) {
        EXPECT_EQ(a.bindings[i].role, b.bindings[i].role);
        EXPECT_EQ(a.bindings[i].index, b.bindings[i].index);
        EXPECT_EQ(a.bindings[i].size, b.bindings[i].size);
    }
    EXPECT_EQ(a.programs, b.programs);
    EXPECT_EQ(a.weights, b.weights);
    EXPECT_EQ(a.scratch_bytes, b.scratch_bytes);
}

TEST(ModelFile, RoundTripInMemory) {
    ModelImage m = affine_model(64);
    std::vector<uint8_t> f = tern::model::serialize(m);
    EXPECT_EQ(f.size() % 4096, 0u);
    EXPECT_EQ(std::memcmp(f.data(), "TERNMODL", 8), 0);
    EXPECT_EQ(peek<uint16_t>(f, 8), 1);
    EXPECT_EQ(peek<uint16_t>(f, 10), 0);
    EXPECT_EQ(peek<uint64_t>(f, 32), f.size());
    EXPECT_EQ(peek<uint32_t>(f, 48), 3u);  // METADATA, PROGRAMS, WEIGHTS
    for (uint32_t i = 0; i < 3; ++i)
        EXPECT_EQ(peek<uint64_t>(f, kSectionTable + i * kEntry + 8) % 4096, 0u);
    expect_same(m, tern::model::parse(f));
    // Deterministic: the same image gives the same bytes.
    EXPECT_EQ(f, tern::model::serialize(m));
}

TEST(ModelFile, RoundTripThroughAFile) {
    ModelImage m = matmul_model(3, 5, 7);
    const std::string path = temp_path("roundtrip.tmodel");
    tern::model::write_model_file(m, path);
    ModelImage back = tern::model::read_model_file(path);
    expect_same(m, back);
    unlink(path.c_str());
}

TEST(ModelFile, ModelWithoutWeightsHasNoWeightsSection) {
    ModelImage m = affine_model(8);
    m.weights.clear();
    // The weights slot would then reach past the (empty) weights.
    EXPECT_THROW((void)tern::model::serialize(m), FormatError);
    // y = x + x: no weights, no scratch.
    tern::test::ProgramBuilder p;
    uint16_t x = p.tensor(0, TERN_ISA_DTYPE_FP32, {8});
    uint16_t y = p.tensor(1, TERN_ISA_DTYPE_FP32, {8});
    p.op(TERN_ISA_ADD, y, {x, x});
    ModelImage d;
    d.name = "double";
    d.inputs = {{"x", tern::model::DType::kFp32, {8}}};
    d.outputs = {{"y", tern::model::DType::kFp32, {8}}};
    d.bindings = {{tern::model::BindingRole::kInput, 0, 32},
                  {tern::model::BindingRole::kOutput, 0, 32}};
    d.programs = {p.build()};
    std::vector<uint8_t> f = tern::model::serialize(d);
    EXPECT_EQ(peek<uint32_t>(f, 48), 2u);
    EXPECT_EQ(f.size(), 3u * 4096);
    ModelImage back = tern::model::parse(f);
    EXPECT_TRUE(back.weights.empty());
    expect_same(d, back);
}

TEST(ModelFile, TruncatedFilesAreRejected) {
    const std::vector<uint8_t> f = affine_file();
    for (size_t n :
         {size_t(0), size_t(7), size_t(8), size_t(31), size_t(100), size_t(127), size_t(128),
          size_t(300), size_t(4095), size_t(4096), size_t(5000), f.size() - 4096, f.size() - 1}) {
        std::vector<uint8_t> t(f.begin(), f.begin() + n);
        std::string msg = parse_error(t);
        EXPECT_NE(msg, "") << n;
        if (n >= 32) {
            EXPECT_NE(msg.find("truncated"), std::string::npos) << n << ": " << msg;
        }
    }
}

TEST(ModelFile, BadMagic) {
    std::vector<uint8_t> f = affine_file();
    f[3] = 'X';
    EXPECT_REJECTED(f, "bad magic");
}

TEST(ModelFile, NewerMajorVersionNamesBothVersions) {
    std::vector<uint8_t> f = affine_file();
    poke<uint16_t>(f, 8, 2);
    poke<uint16_t>(f, 10, 1);
    EXPECT_REJECTED(f, "format 2.1 is newer than this runtime's 1.0");
    poke<uint16_t>(f, 8, 0);
    EXPECT_REJECTED(f, "older");
}

TEST(ModelFile, NewerMinorVersionIsRead) {
    std::vector<uint8_t> f = affine_file();
    poke<uint16_t>(f, 10, 7);
    reseal(f);
    EXPECT_EQ(parse_error(f), "");
}

TEST(ModelFile, UnknownRequiredFeatureIsNamed) {
    std::vector<uint8_t> f = affine_file();
    poke<uint16_t>(f, 10, 3);
    poke<uint64_t>(f, 16, 1ull << 5);
    reseal(f);
    EXPECT_REJECTED(f, "model file (format 1.3) requires feature bit 5");
    EXPECT_REJECTED(f, "this runtime (format 1.0)");
    add_section(f, uint32_t(SectionType::kFeatureNames), 0, feature_names(5, "sparse-weights"));
    EXPECT_REJECTED(f, "requires feature 'sparse-weights' (bit 5)");
}

TEST(ModelFile, UnknownOptionalFeatureIsIgnored) {
    std::vector<uint8_t> f = affine_file();
    poke<uint64_t>(f, 24, 1ull << 9);
    reseal(f);
    EXPECT_EQ(parse_error(f), "");
}

TEST(ModelFile, UnknownSectionsSkippedUnlessRequired) {
    std::vector<uint8_t> f = affine_file();
    add_section(f, 77, 0, std::vector<uint8_t>(100, 0xab));
    EXPECT_EQ(parse_error(f), "");
    std::vector<uint8_t> g = affine_file();
    add_section(g, 77, tern::model::kSectionRequired, std::vector<uint8_t>(100, 0xab));
    EXPECT_REJECTED(g, "unknown to this runtime");
    std::vector<uint8_t> h = affine_file();
    add_section(h, 77, 1u << 4, std::vector<uint8_t>(10, 0));
    EXPECT_REJECTED(h, "unknown flags");
}

TEST(ModelFile, BadFeatureNamesSectionIsRejected) {
    std::vector<uint8_t> f = affine_file();
    auto s = feature_names(70, "x");
    add_section(f, uint32_t(SectionType::kFeatureNames), 0, s);
    // parse() reads FEATURE_NAMES whenever present.
    EXPECT_REJECTED(f, "FEATURE_NAMES");
}

TEST(ModelFile, OverlappingSections) {
    std::vector<uint8_t> f = affine_file();
    const size_t p = section_entry(f, SectionType::kPrograms);
    poke<uint64_t>(f, p + 8, meta(f));
    reseal(f);
    EXPECT_REJECTED(f, "overlap");
}

TEST(ModelFile, MisalignedSection) {
    std::vector<uint8_t> f = affine_file();
    const size_t w = section_entry(f, SectionType::kWeights);
    poke<uint64_t>(f, w + 8, peek<uint64_t>(f, w + 8) + 64);
    reseal(f);
    EXPECT_REJECTED(f, "not a multiple of the 4096-byte alignment");
}

TEST(ModelFile, SectionInTheHeaderPage) {
    std::vector<uint8_t> f = affine_file();
    poke<uint64_t>(f, section_entry(f, SectionType::kMetadata) + 8, 0);
    reseal(f);
    EXPECT_REJECTED(f, "header page");
}

TEST(ModelFile, SectionPastTheEndAndWrapAround) {
    std::vector<uint8_t> f = affine_file();
    const size_t w = section_entry(f, SectionType::kWeights);
    poke<uint64_t>(f, w + 16, f.size());
    reseal(f);
    EXPECT_REJECTED(f, "past the end of the file");
    poke<uint64_t>(f, w + 16, ~0ull - 4095);  // offset + size wraps
    reseal(f);
    EXPECT_REJECTED(f, "past the end of the file");
}

TEST(ModelFile, HugeCountsAreBounded) {
    std::vector<uint8_t> f = affine_file();
    poke<uint32_t>(f, 48, 1000);
    reseal(f);
    EXPECT_REJECTED(f, "section_count is 1000");

    for (auto [field, value, needle] :
         {std::tuple{kMetaNumInputs, 0xffffffffu, "num_inputs 4294967295"},
          std::tuple{kMetaNumOutputs, 0u, "num_outputs 0"},
          std::tuple{kMetaNumBindings, 100000u, "num_bindings 100000"},
          std::tuple{kMetaNumPrograms, 5000u, "num_programs 5000"},
          std::tuple{kMetaInputNameLen, 0x80000000u, "name_length 2147483648"},
          std::tuple{kMetaInputRank, 7u, "rank 7"}}) {
        std::vector<uint8_t> g = affine_file();
        poke<uint32_t>(g, meta(g) + field, value);
        reseal(g);
        EXPECT_REJECTED(g, needle);
    }
    std::vector<uint8_t> g = affine_file();
    poke<uint32_t>(g, meta(g), 100000);  // model name_length
    reseal(g);
    EXPECT_REJECTED(g, "name_length 100000");
}

TEST(ModelFile, ShapeProductOverflow) {
    std::vector<uint8_t> f = affine_file();
    poke<uint64_t>(f, meta(f) + kMetaInputShape, 1ull << 62);
    reseal(f);
    EXPECT_REJECTED(f, "input 0 'x'");
    EXPECT_REJECTED(f, "larger than");
}

TEST(ModelFile, UnknownDtypeAndRole) {
    std::vector<uint8_t> f = affine_file();
    poke<uint32_t>(f, meta(f) + kMetaInputDtype, 9);
    reseal(f);
    EXPECT_REJECTED(f, "unknown dtype 9");
    std::vector<uint8_t> g = affine_file();
    poke<uint32_t>(g, meta(g) + kMetaBinding0, 5);
    reseal(g);
    EXPECT_REJECTED(g, "binding 0: unknown role 5");
}

TEST(ModelFile, BindingsAreCheckedAgainstTensorsAndPrograms) {
    std::vector<uint8_t> f = affine_file();
    poke<uint32_t>(f, meta(f) + kMetaBinding0 + 4, 3);  // input index 3
    reseal(f);
    EXPECT_REJECTED(f, "binding 0: input index 3 but the model has 1 inputs");
    std::vector<uint8_t> g = affine_file();
    poke<uint64_t>(g, meta(g) + kMetaBinding0 + 8, 4096);  // bigger than x
    reseal(g);
    EXPECT_REJECTED(g, "size 4096 is larger than the 256 bytes behind it");
    std::vector<uint8_t> h = affine_file();
    poke<uint64_t>(h, meta(h) + kMetaBinding0 + 8, 128);  // smaller than the program's view
    reseal(h);
    EXPECT_REJECTED(h, "program 0: tensor 0: bytes [0, 0+256) lie outside binding 0");
    std::vector<uint8_t> k = affine_file();
    poke<uint32_t>(k, meta(k) + kMetaBinding0 + 3 * 16, 1);  // output slot -> input 0
    poke<uint64_t>(k, meta(k) + kMetaBinding0 + 3 * 16 + 8, 256);
    reseal(k);
    EXPECT_REJECTED(k, "output 0 'y' is not bound");
}

TEST(ModelFile, WeightsSizeMustMatchTheSection) {
    std::vector<uint8_t> f = affine_file();
    poke<uint64_t>(f, meta(f) + kMetaWeightsSize, 12);
    reseal(f);
    EXPECT_REJECTED(f, "weights_size is 12 but the WEIGHTS section has 512 bytes");
}

TEST(ModelFile, ProgramTableIsChecked) {
    std::vector<uint8_t> f = affine_file();
    poke<uint64_t>(f, meta(f) + kMetaProgram0, 8);
    reseal(f);
    EXPECT_REJECTED(f, "program 0: offset 8 is not a multiple of 64");
    std::vector<uint8_t> g = affine_file();
    poke<uint64_t>(g, meta(g) + kMetaProgram0 + 16, 0);  // program 1 at program 0
    reseal(g);
    EXPECT_REJECTED(g, "overlaps or precedes the previous program");
    std::vector<uint8_t> h = affine_file();
    poke<uint64_t>(h, meta(h) + kMetaProgram0 + 8, 1u << 20);
    reseal(h);
    EXPECT_REJECTED(h, "outside the PROGRAMS section");
    std::vector<uint8_t> k = affine_file();
    poke<uint64_t>(k, meta(k) + kMetaProgram0 + 8, 1ull << 40);
    reseal(k);
    EXPECT_REJECTED(k, "program 0: size 1099511627776 is not in 32..");
}

TEST(ModelFile, ProgramImagesAreChecked) {
    std::vector<uint8_t> f = affine_file();
    const size_t progs = size_t(peek<uint64_t>(f, section_entry(f, SectionType::kPrograms) + 8));
    std::vector<uint8_t> g = f;
    g[progs] ^= 0xff;  // ISA magic
    reseal(g);
    EXPECT_REJECTED(g, "program 0: header.magic");
    std::vector<uint8_t> h = f;
    poke<uint32_t>(h, progs + 8, 1000);  // header.size
    reseal(h);
    EXPECT_REJECTED(h, "header.size is 1000");
    std::vector<uint8_t> k = f;
    poke<uint16_t>(k, progs + 32, 9);  // tensor 0 binding
    reseal(k);
    EXPECT_REJECTED(k, "tensor 0: binding 9 but the model has 4 binding slots");
}

TEST(ModelFile, ChecksumsAreVerified) {
    std::vector<uint8_t> f = affine_file();
    std::vector<uint8_t> g = f;
    g[meta(g) + 4] ^= 1;
    EXPECT_REJECTED(g, "METADATA section checksum mismatch");
    std::vector<uint8_t> h = f;
    h[size_t(peek<uint64_t>(h, section_entry(h, SectionType::kWeights) + 8)) + 100] ^= 1;
    EXPECT_REJECTED(h, "WEIGHTS section checksum mismatch");
    std::vector<uint8_t> k = f;
    k[size_t(peek<uint64_t>(k, section_entry(k, SectionType::kPrograms) + 8)) + 40] ^= 1;
    EXPECT_REJECTED(k, "PROGRAMS section checksum mismatch");
    std::vector<uint8_t> l = f;
    l[60] ^= 0;
    l[kSectionTable + 30] ^= 1;  // a section checksum byte
    EXPECT_REJECTED(l, "header_checksum mismatch");
}

TEST(ModelFile, DuplicateAndMissingSections) {
    std::vector<uint8_t> f = affine_file();
    poke<uint32_t>(f, section_entry(f, SectionType::kPrograms), uint32_t(SectionType::kMetadata));
    reseal(f);
    EXPECT_REJECTED(f, "two METADATA sections");
    std::vector<uint8_t> g = affine_file();
    const size_t p = section_entry(g, SectionType::kPrograms);
    poke<uint32_t>(g, p, 99);
    poke<uint32_t>(g, p + 4, 0);
    reseal(g);
    EXPECT_REJECTED(g, "no PROGRAMS section");
}

TEST(ModelFile, HeaderFieldsAreChecked) {
    for (auto [off, value, needle] :
         {std::tuple{size_t(12), uint32_t(64), "header_size is 64"},
          std::tuple{size_t(52), uint32_t(32), "section_entry_size is 32"},
          std::tuple{size_t(56), uint32_t(512), "alignment is 512"},
          std::tuple{size_t(60), uint32_t(2), "checksum_type is 2"},
          std::tuple{size_t(80), uint32_t(1), "reserved header bytes"}}) {
        std::vector<uint8_t> f = affine_file();
        poke<uint32_t>(f, off, value);
        reseal(f);
        EXPECT_REJECTED(f, needle);
    }
    std::vector<uint8_t> f = affine_file();
    f.resize(f.size() + 4096);
    EXPECT_REJECTED(f, "trailing data");
}

TEST(ModelFile, MetadataMustEndExactly) {
    std::vector<uint8_t> f = affine_file();
    const size_t m = section_entry(f, SectionType::kMetadata);
    poke<uint64_t>(f, m + 16, peek<uint64_t>(f, m + 16) + 3);
    reseal(f);
    EXPECT_REJECTED(f, "3 bytes after the program table");
}

TEST(ModelImageValidation, TheWriterRefusesInvalidImages) {
    auto expect_invalid = [](ModelImage m, const std::string& needle) {
        try {
            (void)tern::model::serialize(m);
            ADD_FAILURE() << "accepted, expected: " << needle;
        } catch (const FormatError& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    ModelImage m = affine_model(16);
    ModelImage a = m;
    a.name = "";
    expect_invalid(a, "model name: the name is empty");
    a = m;
    a.inputs[0].name = std::string("x\n");
    expect_invalid(a, "not printable ASCII");
    a = m;
    a.outputs.push_back(a.outputs[0]);
    a.bindings.push_back({tern::model::BindingRole::kOutput, 1, 64});
    expect_invalid(a, "output 1: the name 'y' is used twice");
    a = m;
    a.inputs[0].shape = {};
    expect_invalid(a, "rank 0");
    a = m;
    a.inputs[0].shape = {4, 0};
    expect_invalid(a, "shape[1] is 0");
    a = m;
    a.bindings[1].index = 1;
    expect_invalid(a, "index must be 0 for the weights slot");
    a = m;
    a.scratch_bytes = 8;
    expect_invalid(a, "binding 2 (scratch): size 64 is larger than the 8 bytes");
    a = m;
    a.programs.clear();
    expect_invalid(a, "0 programs");
    a = m;
    a.programs[1].resize(16);
    expect_invalid(a, "program 1: the image is 16 bytes");
}

}  // namespace

namespace {

// Regenerates tests/fuzz/corpus, by hand: TERN_FUZZ_SEED_DIR=tests/fuzz/corpus
// tern_model_tests --gtest_also_run_disabled_tests --gtest_filter='*WriteFuzzSeeds*'.
TEST(ModelFile, DISABLED_WriteFuzzSeeds) {
    const char* dir = std::getenv("TERN_FUZZ_SEED_DIR");
    ASSERT_NE(dir, nullptr) << "set TERN_FUZZ_SEED_DIR";
    auto save = [&](const std::string& name, const std::vector<uint8_t>& f) {
        write_file(std::string(dir) + "/" + name, f);
    };
    save("valid-affine", tern::model::serialize(affine_model(8)));
    save("valid-matmul", tern::model::serialize(matmul_model(2, 3, 2)));
    auto f = tern::model::serialize(affine_model(4));
    add_section(f, 77, 0, std::vector<uint8_t>(16, 1));
    add_section(f, uint32_t(SectionType::kFeatureNames), 0, feature_names(3, "future"));
    save("valid-extra-sections", f);
    auto g = tern::model::serialize(affine_model(4));
    poke<uint64_t>(g, 16, 1ull << 3);
    add_section(g, uint32_t(SectionType::kFeatureNames), 0, feature_names(3, "future"));
    save("invalid-required-feature", g);
    auto h = tern::model::serialize(affine_model(4));
    h.resize(200);
    save("invalid-truncated", h);
    auto k = tern::model::serialize(affine_model(4));
    poke<uint16_t>(k, 8, 2);
    save("invalid-newer-major", k);
}

}  // namespace
