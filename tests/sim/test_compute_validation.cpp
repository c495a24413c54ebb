// SPDX-License-Identifier: MIT
// Program validation (header, bindings, tensors, every op), page faults,
// gather index errors and a randomized malformed-program loop.
#include <functional>

#include "test_compute_util.hpp"

namespace tern_test {
namespace {

// ---------------------------------------------------------------------------
// Header, binding and tensor validation: TERN_QERR_PROGRAM at
// TERN_ISA_ERR_OP_HEADER, and nothing runs.

struct Base {
    FlatVa va;
    Prog p{va};
    uint16_t marker, a, b, d;
    uint64_t marker_va;

    Base() {
        marker = p.tensor(TERN_ISA_DTYPE_FP32, {1});
        marker_va = p.elem_va(marker, 0);
        a = p.tensor(TERN_ISA_DTYPE_FP32, {2, 3});
        b = p.tensor(TERN_ISA_DTYPE_BF16, {1, 3});
        d = p.tensor(TERN_ISA_DTYPE_FP16, {2, 3});
        p.op(TERN_ISA_FILL, marker, {}, {fbits(1.0f)});
        p.op(TERN_ISA_ADD, d, {a, b});
    }
    bool marker_untouched() {
        uint32_t bits;
        std::memcpy(&bits, va.ptr(marker_va), 4);
        return bits == 0xA5A5A5A5u;
    }
    // The image with the header modified.
    std::vector<uint8_t> with_header(const std::function<void(tern_isa_header&)>& f) const {
        auto img = p.image();
        tern_isa_header h;
        std::memcpy(&h, img.data(), sizeof(h));
        f(h);
        std::memcpy(img.data(), &h, sizeof(h));
        return img;
    }
};

void expect_header_error(const ExecResult& r) {
    EXPECT_EQ(r.qerr, uint32_t{TERN_QERR_PROGRAM});
    EXPECT_EQ(r.op_index, TERN_ISA_ERR_OP_HEADER);
}

TEST(ComputeValidation, BaseProgramIsValid) {
    Base base;
    ASSERT_TRUE(ok(base.p.run()));
    EXPECT_EQ(base.p.get(base.marker)[0], 1.0);
}

TEST(ComputeValidation, HeaderFields) {
    const std::vector<std::pair<const char*, std::function<void(tern_isa_header&)>>> cases = {
        {"magic", [](tern_isa_header& h) { h.magic ^= 1; }},
        {"version", [](tern_isa_header& h) { h.version = 2; }},
        {"flags", [](tern_isa_header& h) { h.flags = 1; }},
        {"rsvd", [](tern_isa_header& h) { h.rsvd = 0x100; }},
        {"size", [](tern_isa_header& h) { h.size -= 8; }},
        {"no tensors", [](tern_isa_header& h) { h.num_tensors = 0; }},
        {"too many tensors", [](tern_isa_header& h) { h.num_tensors = TERN_ISA_MAX_TENSORS + 1; }},
        {"no ops", [](tern_isa_header& h) { h.num_ops = 0; }},
        {"too many ops", [](tern_isa_header& h) { h.num_ops = TERN_ISA_MAX_OPS + 1; }},
        {"tensors misaligned", [](tern_isa_header& h) { h.tensors_offset += 4; }},
        {"ops misaligned", [](tern_isa_header& h) { h.ops_offset += 4; }},
        {"tensors in header", [](tern_isa_header& h) { h.tensors_offset = 8; }},
        {"ops in header", [](tern_isa_header& h) { h.ops_offset = 0; }},
        {"tensors past end", [](tern_isa_header& h) { h.num_tensors += 1; }},
        {"ops past end", [](tern_isa_header& h) { h.num_ops += 1; }},
        {"tables overlap", [](tern_isa_header& h) { h.ops_offset = h.tensors_offset + 96; }},
        {"offset overflow", [](tern_isa_header& h) { h.ops_offset = 0xfffffff8u; }},
    };
    for (const auto& [name, mutate] : cases) {
        SCOPED_TRACE(name);
        Base base;
        expect_header_error(base.p.run_image(base.with_header(mutate), 4));
        EXPECT_TRUE(base.marker_untouched());
    }
}

TEST(ComputeValidation, ImageSmallerThanHeader) {
    Base base;
    const ExecResult r = tern::sim::execute_program(
        base.va, ExecRequest{base.va.alloc(64), 16, base.va.alloc(64), 0});
    expect_header_error(r);
}

TEST(ComputeValidation, ProgramSizeDiffersFromHeader) {
    Base base;
    auto img = base.p.image();
    img.resize(img.size() + 64, 0);  // the request is longer than header.size
    expect_header_error(base.p.run_image(img, 4));
}

TEST(ComputeValidation, Bindings) {
    const std::vector<std::pair<const char*, std::function<void(Base&)>>> cases = {
        {"past 2^48",
         [](Base& b) {
             b.p.bindings.push_back({(1ULL << 48) - 8, 16});
         }},
        {"va beyond 2^48",
         [](Base& b) {
             b.p.bindings.push_back({1ULL << 50, 0});
         }},
        {"size overflow",
         [](Base& b) {
             b.p.bindings.push_back({1ULL << 40, ~0ULL});
         }},
    };
    for (const auto& [name, mutate] : cases) {
        SCOPED_TRACE(name);
        Base base;
        mutate(base);  // an unused slot: still checked
        expect_header_error(base.p.run());
        EXPECT_TRUE(base.marker_untouched());
    }
    // A binding ending exactly at 2^48 is fine.
    Base base;
    base.p.bindings.push_back({(1ULL << 48) - 16, 16});
    EXPECT_TRUE(ok(base.p.run()));
}

TEST(ComputeValidation, TensorDescriptors) {
    const std::vector<std::pair<const char*, std::function<void(Base&)>>> cases = {
        {"dtype 0", [](Base& b) { b.p.tensor_at(b.a).dtype = 0; }},
        {"dtype 5", [](Base& b) { b.p.tensor_at(b.a).dtype = 5; }},
        {"rank 0", [](Base& b) { b.p.tensor_at(b.marker).rank = 0; }},
        {"rank 7", [](Base& b) { b.p.tensor_at(b.a).rank = 7; }},
        {"rsvd0", [](Base& b) { b.p.tensor_at(b.a).rsvd0 = 1; }},
        {"rsvd", [](Base& b) { b.p.tensor_at(b.a).rsvd = 1ULL << 63; }},
        {"binding", [](Base& b) { b.p.tensor_at(b.a).binding = 4; }},
        {"binding none", [](Base& b) { b.p.tensor_at(b.a).binding = kNone; }},
        {"offset unaligned fp32",
         [](Base& b) {
             b.p.bindings[b.p.tensor_at(b.a).binding].size += 16;
             b.p.tensor_at(b.a).offset = 2;
         }},
        {"offset unaligned bf16",
         [](Base& b) {
             b.p.bindings[b.p.tensor_at(b.b).binding].size += 16;
             b.p.tensor_at(b.b).offset = 1;
         }},
        {"shape 0", [](Base& b) { b.p.tensor_at(b.a).shape[1] = 0; }},
        {"shape above rank", [](Base& b) { b.p.tensor_at(b.a).shape[2] = 2; }},
        {"stride above rank", [](Base& b) { b.p.tensor_at(b.a).stride[5] = 1; }},
        {"extent past binding", [](Base& b) { b.p.tensor_at(b.a).stride[0] = 4; }},
        {"offset past binding", [](Base& b) { b.p.tensor_at(b.a).offset = 4; }},
        {"stride overflow",
         [](Base& b) {
             b.p.tensor_at(b.a).shape[0] = 3;
             b.p.tensor_at(b.a).stride[0] = 1ULL << 63;
         }},
        {"span overflow",
         [](Base& b) {
             b.p.tensor_at(b.a).stride[0] = 1ULL << 62;
             b.p.tensor_at(b.a).stride[1] = 1ULL << 62;
         }},
        {"extent over 4 GiB",
         [](Base& b) {
             b.p.bindings.push_back({1ULL << 40, 1ULL << 40});
             b.p.tensor_at(b.marker).binding = 4;
             b.p.tensor_at(b.marker).shape[0] = 1u << 30;
             b.p.tensor_at(b.marker).stride[0] = 2;
         }},
        {"logical size over 4 GiB",
         [](Base& b) {
             b.p.tensor_at(b.marker).rank = 2;
             b.p.tensor_at(b.marker).shape[0] = 1u << 30;
             b.p.tensor_at(b.marker).shape[1] = 2;
             b.p.tensor_at(b.marker).stride[0] = 0;
         }},
        {"unused tensor invalid",
         [](Base& b) {
             b.p.tensor(TERN_ISA_DTYPE_FP32, {2});
             b.p.tensor_at(b.p.num_tensors() - 1).dtype = 9;
         }},
    };
    for (const auto& [name, mutate] : cases) {
        SCOPED_TRACE(name);
        Base base;
        mutate(base);
        expect_header_error(base.p.run());
        EXPECT_TRUE(base.marker_untouched());
    }
}

TEST(ComputeValidation, StrideZeroBroadcastWithinOneElementIsValid) {
    Base base;
    base.p.tensor_at(base.marker).rank = 2;
    base.p.tensor_at(base.marker).shape[0] = 1000;
    base.p.tensor_at(base.marker).shape[1] = 3;
    base.p.tensor_at(base.marker).stride[0] = 0;
    base.p.op_at(0).opcode = TERN_ISA_FILL;
    EXPECT_TRUE(ok(base.p.run()));
}

// ---------------------------------------------------------------------------
// Op validation: each builder returns a program whose op 1 is valid; each
// mutation must make exactly op 1 fail with TERN_QERR_PROGRAM, before any op
// runs.

struct OpCase {
    FlatVa va;
    Prog p{va};
    uint16_t marker;
    OpCase() {
        marker = p.tensor(TERN_ISA_DTYPE_FP32, {1});
        p.op(TERN_ISA_FILL, marker, {}, {fbits(1.0f)});
    }
    tern_isa_op& op() { return p.op_at(1); }
};

using Builder = std::function<void(OpCase&)>;
using Mutation = std::function<void(OpCase&)>;

void expect_op_rejected(const Builder& build, const Mutation& mutate, const char* what) {
    SCOPED_TRACE(what);
    {
        OpCase good;
        build(good);
        good.p.op(TERN_ISA_FILL, good.marker, {}, {fbits(2.0f)});
        ASSERT_TRUE(ok(good.p.run())) << "unmutated program must be valid";
    }
    OpCase bad;
    build(bad);
    bad.p.op(TERN_ISA_FILL, bad.marker, {}, {fbits(2.0f)});
    mutate(bad);
    const ExecResult r = bad.p.run();
    EXPECT_EQ(r.qerr, uint32_t{TERN_QERR_PROGRAM});
    EXPECT_EQ(r.op_index, 1u);
    EXPECT_EQ(f32_bits(float(bad.p.get(bad.marker)[0])), 0xA5A5A5A5u) << "an op ran";
}

// Operand index k of op 1.
uint16_t& src(OpCase& c, int k) {
    return c.op().src[k];
}

void build_copy(OpCase& c) {
    const uint16_t s = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 3});
    const uint16_t d = c.p.tensor(TERN_ISA_DTYPE_INT32, {2, 3});
    c.p.op(TERN_ISA_COPY, d, {s});
}

TEST(ComputeOpValidation, Common) {
    expect_op_rejected(
        build_copy, [](OpCase& c) { c.op().opcode = 0; }, "opcode 0");
    expect_op_rejected(
        build_copy, [](OpCase& c) { c.op().opcode = 0x05; }, "opcode 0x05");
    expect_op_rejected(
        build_copy, [](OpCase& c) { c.op().opcode = 0x12; }, "opcode 0x12");
    expect_op_rejected(
        build_copy, [](OpCase& c) { c.op().opcode = 0x3d; }, "opcode 0x3d");
    expect_op_rejected(
        build_copy, [](OpCase& c) { c.op().opcode = 0x62; }, "opcode 0x62");
    expect_op_rejected(
        build_copy, [](OpCase& c) { c.op().opcode = 0xffff; }, "opcode 0xffff");
    expect_op_rejected(
        build_copy, [](OpCase& c) { c.op().flags = 1; }, "flags");
    expect_op_rejected(
        build_copy, [](OpCase& c) { c.op().dst = 3; }, "dst out of range");
    expect_op_rejected(
        build_copy, [](OpCase& c) { c.op().dst = kNone; }, "dst none");
    expect_op_rejected(
        build_copy, [](OpCase& c) { src(c, 0) = kNone; }, "src0 none");
    expect_op_rejected(
        build_copy, [](OpCase& c) { src(c, 0) = 3; }, "src0 out of range");
    expect_op_rejected(
        build_copy, [](OpCase& c) { src(c, 1) = 0; }, "unused src1");
    expect_op_rejected(
        build_copy, [](OpCase& c) { src(c, 2) = 0; }, "unused src2");
    expect_op_rejected(
        build_copy, [](OpCase& c) { c.op().param[12] = 1; }, "param 12");
    expect_op_rejected(
        build_copy, [](OpCase& c) { c.op().param[0] = 1; }, "param 0");
    expect_op_rejected(
        build_copy,
        [](OpCase& c) {
            src(c, 0) = c.p.tensor(TERN_ISA_DTYPE_FP32, {3, 2});
        },
        "copy shape");
    expect_op_rejected(
        build_copy,
        [](OpCase& c) {
            src(c, 0) = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 3, 1});
        },
        "copy rank");
}

TEST(ComputeOpValidation, Fill) {
    const Builder build = [](OpCase& c) {
        c.p.op(TERN_ISA_FILL, c.p.tensor(TERN_ISA_DTYPE_BF16, {4}), {}, {fbits(3.0f)});
    };
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 0) = 0; }, "src0");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[1] = 1; }, "param 1");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().flags = 0x8000; }, "flags");
}

TEST(ComputeOpValidation, Permute) {
    const Builder build = [](OpCase& c) {
        const uint16_t s = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 3, 4});
        const uint16_t d = c.p.tensor(TERN_ISA_DTYPE_FP32, {4, 2, 3});
        c.p.op(TERN_ISA_PERMUTE, d, {s}, {2, 0, 1});
    };
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[2] = 0; }, "duplicate");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[0] = 3; }, "out of range");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[3] = 1; }, "param past rank");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 3, 4});
        },
        "dst shape");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {4, 2, 3, 1});
        },
        "dst rank");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 1) = 0; }, "src1");
}

TEST(ComputeOpValidation, Gather) {
    const Builder build = [](OpCase& c) {
        const uint16_t t = c.p.tensor(TERN_ISA_DTYPE_FP32, {5, 3});
        const uint16_t i = c.p.tensor(TERN_ISA_DTYPE_INT32, {2, 2});
        c.p.set(i, {0, 1, 2, 4});
        c.p.op(TERN_ISA_GATHER, c.p.tensor(TERN_ISA_DTYPE_BF16, {2, 2, 3}), {t, i});
    };
    expect_op_rejected(
        build, [](OpCase& c) { c.p.tensor_at(src(c, 1)).dtype = TERN_ISA_DTYPE_FP32; },
        "index dtype");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 0) = c.p.tensor(TERN_ISA_DTYPE_FP32, {5, 3, 1});
        },
        "table rank");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 2, 2});
        },
        "row width");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 1, 3});
        },
        "index shape");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {4, 3});
        },
        "dst rank");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 1) = c.p.tensor(TERN_ISA_DTYPE_INT32, {1, 1, 1, 1, 1, 1});
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 1, 1, 1, 1, 3});
        },
        "index rank 6");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 2) = 0; }, "src2");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 1) = kNone; }, "no indices");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[0] = 1; }, "param");
}

TEST(ComputeOpValidation, Matmul) {
    const Builder build = [](OpCase& c) {
        const uint16_t a = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 3, 4});
        const uint16_t b = c.p.tensor(TERN_ISA_DTYPE_BF16, {4, 5});
        const uint16_t bias = c.p.tensor(TERN_ISA_DTYPE_FP16, {5});
        const uint16_t d = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 3, 5});
        c.p.op(TERN_ISA_MATMUL, d, {a, b, bias}, {fbits(0.5f)}, TERN_ISA_MM_ALPHA);
    };
    expect_op_rejected(
        build, [](OpCase& c) { c.op().flags |= 8; }, "unknown flag");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().flags = 0; }, "alpha param without flag");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[1] = 1; }, "param 1");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().flags |= TERN_ISA_MM_TRANS_A; }, "K");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().flags |= TERN_ISA_MM_TRANS_B; }, "K via B");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 1) = c.p.tensor(TERN_ISA_DTYPE_FP32, {4}); }, "rank 1");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 0) = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 2, 3, 4});
        },
        "rank 4");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 1) = c.p.tensor(TERN_ISA_DTYPE_FP32, {3, 4, 5});
        },
        "batch mismatch");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 1) = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 4, 5});
        },
        "batch 1 is not broadcast");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {6, 5});
        },
        "dst rank");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 3, 4});
        },
        "dst N");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 2) = c.p.tensor(TERN_ISA_DTYPE_FP32, {3}); }, "bias N");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 2) = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 2, 3, 5});
        },
        "bias rank");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 2) = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 2, 5});
        },
        "bias M");
    expect_op_rejected(
        build, [](OpCase& c) { c.p.tensor_at(src(c, 0)).dtype = TERN_ISA_DTYPE_INT32; },
        "int32 operand");
    expect_op_rejected(
        build, [](OpCase& c) { c.p.tensor_at(c.op().dst).dtype = TERN_ISA_DTYPE_INT32; },
        "int32 dst");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 1) = kNone; }, "missing B");
}

TEST(ComputeOpValidation, Conv2d) {
    // x [1,4,5,5], w [6,2,3,3], groups 2, pad 1 -> y [1,6,5,5]
    const Builder build = [](OpCase& c) {
        const uint16_t x = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 4, 5, 5});
        const uint16_t w = c.p.tensor(TERN_ISA_DTYPE_FP32, {6, 2, 3, 3});
        const uint16_t b = c.p.tensor(TERN_ISA_DTYPE_FP32, {6});
        const uint16_t y = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 6, 5, 5});
        c.p.op(TERN_ISA_CONV2D, y, {x, w, b}, {1, 1, 1, 1, 1, 1, 2});
    };
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[TERN_ISA_P_STRIDE_H] = 0; }, "stride 0");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[TERN_ISA_P_DIL_W] = 0; }, "dil 0");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[TERN_ISA_P_GROUPS] = 0; }, "groups 0");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[TERN_ISA_P_GROUPS] = 3; }, "groups do not divide");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[TERN_ISA_P_GROUPS] = 1; }, "weight channels");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[TERN_ISA_P_STRIDE_W] = 2; }, "output width");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[TERN_ISA_P_PAD_H] = 0; }, "output height");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[7] = 1; }, "param 7");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().flags = 1; }, "flags");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 2) = c.p.tensor(TERN_ISA_DTYPE_FP32, {3}); }, "bias length");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 2) = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 6});
        },
        "bias rank");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 0) = c.p.tensor(TERN_ISA_DTYPE_FP32, {4, 5, 5});
        },
        "input rank");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 1) = c.p.tensor(TERN_ISA_DTYPE_FP32, {6, 2, 9, 3});
            c.op().param[TERN_ISA_P_PAD_H] = 0;
        },
        "kernel larger than input");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[TERN_ISA_P_DIL_H] = 4; }, "dilated kernel too big");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 5, 5, 5});
        },
        "dst channels");
    expect_op_rejected(
        build, [](OpCase& c) { c.p.tensor_at(src(c, 1)).dtype = TERN_ISA_DTYPE_INT32; },
        "int32 weight");
}

TEST(ComputeOpValidation, Binary) {
    const Builder build = [](OpCase& c) {
        const uint16_t a = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 3});
        const uint16_t b = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 3});
        c.p.op(TERN_ISA_DIV, c.p.tensor(TERN_ISA_DTYPE_BF16, {2, 3}), {a, b});
    };
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 1) = c.p.tensor(TERN_ISA_DTYPE_FP32, {3}); }, "rank");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 1) = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 2});
        },
        "dim");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 3});
        },
        "dst smaller than src");
    expect_op_rejected(
        build, [](OpCase& c) { c.p.tensor_at(src(c, 1)).dtype = TERN_ISA_DTYPE_INT32; }, "int32");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 1) = kNone; }, "missing src1");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 2) = 0; }, "src2");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[3] = 1; }, "param");
}

TEST(ComputeOpValidation, Unary) {
    const Builder build = [](OpCase& c) {
        const uint16_t s = c.p.tensor(TERN_ISA_DTYPE_FP16, {2, 3});
        c.p.op(TERN_ISA_AFFINE, c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 3}), {s},
               {fbits(2.0f), fbits(1.0f)});
    };
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[2] = 1; }, "affine param 2");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().opcode = TERN_ISA_GELU; }, "params on gelu");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {3, 2});
        },
        "shape");
    expect_op_rejected(
        build, [](OpCase& c) { c.p.tensor_at(c.op().dst).dtype = TERN_ISA_DTYPE_INT32; },
        "int32 dst");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 1) = 0; }, "src1");
}

TEST(ComputeOpValidation, ReduceAndSoftmax) {
    const Builder reduce = [](OpCase& c) {
        const uint16_t s = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 3, 4});
        c.p.op(TERN_ISA_REDUCE_MEAN, c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 1, 4}), {s}, {1});
    };
    expect_op_rejected(
        reduce, [](OpCase& c) { c.op().param[0] = 3; }, "axis");
    expect_op_rejected(
        reduce, [](OpCase& c) { c.op().param[0] = 2; }, "wrong axis");
    expect_op_rejected(
        reduce, [](OpCase& c) { c.op().param[1] = 1; }, "param 1");
    expect_op_rejected(
        reduce,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 4});
        },
        "dropped");
    expect_op_rejected(
        reduce, [](OpCase& c) { c.p.tensor_at(src(c, 0)).dtype = TERN_ISA_DTYPE_INT32; }, "int32");
    const Builder softmax = [](OpCase& c) {
        const uint16_t s = c.p.tensor(TERN_ISA_DTYPE_BF16, {2, 3});
        c.p.op(TERN_ISA_SOFTMAX, c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 3}), {s}, {0});
    };
    expect_op_rejected(
        softmax, [](OpCase& c) { c.op().param[0] = 2; }, "softmax axis");
    expect_op_rejected(
        softmax,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 3});
        },
        "softmax shape");
    expect_op_rejected(
        softmax, [](OpCase& c) { src(c, 2) = 0; }, "softmax src2");
}

TEST(ComputeOpValidation, Layernorm) {
    const Builder build = [](OpCase& c) {
        const uint16_t x = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 4});
        const uint16_t g = c.p.tensor(TERN_ISA_DTYPE_FP32, {4});
        const uint16_t b = c.p.tensor(TERN_ISA_DTYPE_BF16, {4});
        c.p.op(TERN_ISA_LAYERNORM, c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 4}), {x, g, b},
               {fbits(1e-5f)});
    };
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[0] = fbits(-1e-5f); }, "eps < 0");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[0] = 0x7fc00000u; }, "eps NaN");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[0] = 0x7f800000u; }, "eps inf");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[1] = 1; }, "param 1");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 1) = c.p.tensor(TERN_ISA_DTYPE_FP32, {2}); }, "gamma length");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 2) = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 4});
        },
        "beta rank");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {4, 2});
        },
        "dst shape");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 0) = kNone; }, "missing x");
}

TEST(ComputeOpValidation, Pool2d) {
    // x [1,2,5,5], kernel 3, stride 2, pad 1 -> [1,2,3,3]
    const Builder build = [](OpCase& c) {
        const uint16_t x = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 2, 5, 5});
        c.p.op(TERN_ISA_AVGPOOL2D, c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 2, 3, 3}), {x},
               {2, 2, 1, 1, 3, 3});
    };
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[TERN_ISA_P_KERNEL_H] = 0; }, "kernel 0");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[TERN_ISA_P_STRIDE_W] = 0; }, "stride 0");
    // pad == kernel with a dst shape that matches the window arithmetic.
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().param[TERN_ISA_P_PAD_H] = 3;
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 2, 5, 3});
        },
        "pad_h == kernel");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().param[TERN_ISA_P_PAD_W] = 4;
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 2, 3, 6});
        },
        "pad_w > kernel");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[6] = 1; }, "param 6");
    expect_op_rejected(
        build, [](OpCase& c) { c.op().param[TERN_ISA_P_STRIDE_H] = 1; }, "output height");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            c.op().dst = c.p.tensor(TERN_ISA_DTYPE_FP32, {1, 1, 3, 3});
        },
        "channels");
    expect_op_rejected(
        build,
        [](OpCase& c) {
            src(c, 0) = c.p.tensor(TERN_ISA_DTYPE_FP32, {2, 5, 5});
        },
        "rank");
    expect_op_rejected(
        build, [](OpCase& c) { src(c, 1) = 0; }, "src1");
}

TEST(ComputeOpValidation, ReportsFirstBadOp) {
    FlatVa va;
    Prog p(va);
    const uint16_t t = p.tensor(TERN_ISA_DTYPE_FP32, {4});
    for (int i = 0; i < 5; ++i) {
        p.op(TERN_ISA_RELU, t, {t});
    }
    p.op_at(3).flags = 1;
    p.op_at(4).opcode = 0x99;
    const ExecResult r = p.run();
    EXPECT_EQ(r.qerr, uint32_t{TERN_QERR_PROGRAM});
    EXPECT_EQ(r.op_index, 3u);
}

// ---------------------------------------------------------------------------
// Faults

TEST(ComputeFault, ProgramHeaderUnmapped) {
    Base base;
    const uint64_t pva = base.va.alloc(kPage, kPage);
    base.va.unmap(pva, kPage);
    const ExecResult r =
        tern::sim::execute_program(base.va, ExecRequest{pva, 256, base.va.alloc(64), 4});
    EXPECT_EQ(r.qerr, uint32_t{TERN_QERR_PAGE_FAULT});
    EXPECT_EQ(r.op_index, TERN_ISA_ERR_OP_HEADER);
    EXPECT_EQ(r.fault.va, pva);
    EXPECT_FALSE(r.fault.write);
}

TEST(ComputeFault, ProgramBodyAndBindingTableUnmapped) {
    {
        // The image straddles into an unmapped page.
        Base base;
        const auto img = base.p.image();
        base.va.align_page();
        const uint64_t pva = base.va.alloc(2 * kPage, kPage) + kPage - 64;
        base.va.unmap(pva + 64, kPage);
        std::memcpy(base.va.ptr(pva), img.data(), 64);
        const uint64_t bva = base.va.alloc(64);
        std::memcpy(base.va.ptr(bva), base.p.bindings.data(), 64);
        const ExecResult r =
            tern::sim::execute_program(base.va, ExecRequest{pva, uint32_t(img.size()), bva, 4});
        EXPECT_EQ(r.qerr, uint32_t{TERN_QERR_PAGE_FAULT});
        EXPECT_EQ(r.op_index, TERN_ISA_ERR_OP_HEADER);
        EXPECT_EQ(r.fault.va, pva + 64);
        EXPECT_TRUE(base.marker_untouched());
    }
    {
        Base base;
        const auto img = base.p.image();
        const uint64_t pva = base.va.alloc(img.size());
        std::memcpy(base.va.ptr(pva), img.data(), img.size());
        base.va.align_page();
        const uint64_t bva = base.va.alloc(kPage, kPage);
        base.va.unmap(bva, kPage);
        const ExecResult r =
            tern::sim::execute_program(base.va, ExecRequest{pva, uint32_t(img.size()), bva, 4});
        EXPECT_EQ(r.qerr, uint32_t{TERN_QERR_PAGE_FAULT});
        EXPECT_EQ(r.op_index, TERN_ISA_ERR_OP_HEADER);
        EXPECT_EQ(r.fault.va, bva);
    }
}

TEST(ComputeFault, SourceFaultMidProgram) {
    FlatVa va;
    Prog p(va);
    const uint16_t marker = p.tensor(TERN_ISA_DTYPE_FP32, {1});
    va.align_page();
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_FP32, {4, 4});  // page aligned
    const uint16_t w = p.tensor(TERN_ISA_DTYPE_FP32, {4, 4});
    const uint16_t bias = p.tensor(TERN_ISA_DTYPE_FP32, {4}, {}, p.buffer(kPage, true));
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_FP32, {4, 4});
    p.op(TERN_ISA_FILL, marker, {}, {fbits(1.0f)});
    p.op(TERN_ISA_MATMUL, d, {s, w});
    p.op(TERN_ISA_MATMUL, d, {s, w, bias});
    p.op(TERN_ISA_FILL, marker, {}, {fbits(2.0f)});
    va.unmap(p.bindings[p.tensor_at(bias).binding].va, kPage);
    const ExecResult r = p.run();
    EXPECT_EQ(r.qerr, uint32_t{TERN_QERR_PAGE_FAULT});
    EXPECT_EQ(r.op_index, 2u);
    EXPECT_EQ(r.fault.va, p.bindings[p.tensor_at(bias).binding].va);
    EXPECT_EQ(r.fault.reason, uint32_t{TERN_FAULT_UNMAPPED});
    EXPECT_FALSE(r.fault.write);
    EXPECT_EQ(p.get(marker)[0], 1.0);  // op 0 ran, op 3 did not
}

TEST(ComputeFault, WriteFaultLeavesPartialDestination) {
    FlatVa va;
    Prog p(va);
    // dst: 2048 fp32 = two pages; the second page is read-only.
    const uint16_t buf = p.buffer(2 * kPage, true);
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_FP32, {2, 1024}, {}, buf);
    const uint64_t base = p.bindings[buf].va;
    va.protect(base + kPage, kPage);
    p.op(TERN_ISA_FILL, d, {}, {fbits(3.0f)});
    const ExecResult r = p.run();
    EXPECT_EQ(r.qerr, uint32_t{TERN_QERR_PAGE_FAULT});
    EXPECT_EQ(r.op_index, 0u);
    EXPECT_EQ(r.fault.va, base + kPage);
    EXPECT_EQ(r.fault.reason, uint32_t{TERN_FAULT_WRITE});
    EXPECT_TRUE(r.fault.write);
    const auto v = p.get(d);
    EXPECT_EQ(v[0], 3.0);
    EXPECT_EQ(v[1023], 3.0);
    EXPECT_EQ(f32_bits(float(v[1024])), 0xA5A5A5A5u);
}

TEST(ComputeFault, StridedViewsSkipPagesWithoutElements) {
    FlatVa va;
    Prog p(va);
    // Elements at pages 0, 2, 4 of a 5-page buffer; pages 1 and 3 unmapped.
    const uint16_t buf = p.buffer(5 * kPage, true);
    const uint64_t base = p.bindings[buf].va;
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_FP32, {3}, {2 * kPage / 4}, buf, 1);
    const uint16_t buf2 = p.buffer(5 * kPage, true);
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_BF16, {3, 2}, {kPage, 1}, buf2);
    const uint16_t src2 = p.tensor(TERN_ISA_DTYPE_FP32, {3, 2});
    p.set(s, {1, 2, 3});
    p.set(src2, {1, 2, 3, 4, 5, 6});
    va.unmap(base + kPage, kPage);
    va.unmap(base + 3 * kPage, kPage);
    va.unmap(p.bindings[buf2].va + kPage / 2 + kPage, kPage / 2);  // whole page 1 of buf2
    const uint16_t out = p.tensor(TERN_ISA_DTYPE_FP32, {3});
    p.op(TERN_ISA_COPY, out, {s});
    p.op(TERN_ISA_COPY, d, {src2});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(p.get(out), (std::vector<double>{1, 2, 3}));
    va.unmap(p.bindings[buf2].va, kPage);
    va.protect(p.bindings[buf2].va + 4 * kPage, kPage);  // irrelevant: no element there
    va.unmap(p.bindings[buf2].va + 2 * kPage, kPage);
    const ExecResult r = p.run();
    EXPECT_EQ(r.qerr, uint32_t{TERN_QERR_PAGE_FAULT});
    EXPECT_EQ(r.op_index, 1u);
    EXPECT_EQ(r.fault.va, p.bindings[buf2].va);
}

TEST(ComputeFault, GatherReadsOnlyReferencedRows) {
    FlatVa va;
    Prog p(va);
    // A 4-row table, one row per page; rows 1 and 3 unmapped.
    const uint16_t buf = p.buffer(4 * kPage, true);
    const uint16_t table = p.tensor(TERN_ISA_DTYPE_FP32, {4, 2}, {kPage / 4, 1}, buf);
    const uint16_t idx = p.tensor(TERN_ISA_DTYPE_INT32, {3});
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_FP32, {3, 2});
    p.set(table, {1, 2, 3, 4, 5, 6, 7, 8});
    p.set(idx, {2, 0, 2});
    va.unmap(p.bindings[buf].va + kPage, kPage);
    va.unmap(p.bindings[buf].va + 3 * kPage, kPage);
    p.op(TERN_ISA_GATHER, d, {table, idx});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(p.get(d), (std::vector<double>{5, 6, 1, 2, 5, 6}));
    p.set(idx, {0, 3, 2});
    const ExecResult r = p.run();
    EXPECT_EQ(r.qerr, uint32_t{TERN_QERR_PAGE_FAULT});
    EXPECT_EQ(r.op_index, 0u);
    EXPECT_EQ(r.fault.va, p.bindings[buf].va + 3 * kPage);
}

// ---------------------------------------------------------------------------
// Randomized malformed programs: never crash, always a defined status.

TEST(ComputeFuzz, MutatedImagesGiveDefinedStatus) {
    FlatVa va(size_t{2} << 20);
    Prog p(va);
    std::mt19937 rng(7);
    const uint16_t a = p.tensor(TERN_ISA_DTYPE_FP32, {3, 4});
    const uint16_t b = p.tensor(TERN_ISA_DTYPE_BF16, {4, 2});
    const uint16_t bias = p.tensor(TERN_ISA_DTYPE_FP16, {2});
    const uint16_t mm = p.tensor(TERN_ISA_DTYPE_FP32, {3, 2});
    const uint16_t x = p.tensor(TERN_ISA_DTYPE_FP32, {1, 2, 4, 4});
    const uint16_t w = p.tensor(TERN_ISA_DTYPE_BF16, {2, 1, 3, 3});
    const uint16_t y = p.tensor(TERN_ISA_DTYPE_FP32, {1, 2, 4, 4});
    const uint16_t pool = p.tensor(TERN_ISA_DTYPE_FP32, {1, 2, 2, 2});
    const uint16_t idx = p.tensor(TERN_ISA_DTYPE_INT32, {2, 2});
    const uint16_t g = p.tensor(TERN_ISA_DTYPE_FP32, {2, 2, 4});
    const uint16_t red = p.tensor(TERN_ISA_DTYPE_FP32, {3, 1});
    const uint16_t perm = p.tensor(TERN_ISA_DTYPE_FP16, {2, 3});
    p.set(a, random_values(12, rng));
    p.set(b, random_values(8, rng));
    p.set(bias, random_values(2, rng));
    p.set(x, random_values(32, rng));
    p.set(w, random_values(18, rng));
    p.set(idx, {0, 2, 1, 2});
    p.op(TERN_ISA_MATMUL, mm, {a, b, bias});
    p.op(TERN_ISA_CONV2D, y, {x, w}, {1, 1, 1, 1, 1, 1, 2});
    p.op(TERN_ISA_MAXPOOL2D, pool, {y}, {2, 2, 0, 0, 2, 2});
    p.op(TERN_ISA_GATHER, g, {a, idx});
    p.op(TERN_ISA_SOFTMAX, a, {a}, {1});
    p.op(TERN_ISA_REDUCE_SUM, red, {mm}, {1});
    p.op(TERN_ISA_PERMUTE, perm, {mm}, {1, 0});
    p.op(TERN_ISA_LAYERNORM, mm, {mm}, {fbits(1e-5f)});
    p.op(TERN_ISA_GELU, y, {y});
    p.op(TERN_ISA_MUL, mm, {mm, red});
    const std::vector<uint8_t> image = p.image();
    const std::vector<tern_isa_binding> bindings = p.bindings;
    ASSERT_TRUE(ok(p.run()));

    int counts[11] = {};
    const uint32_t interesting[] = {0, 1, 2, 3, 5, 6, 7, 0xff, 0xffff, 0x7fffffff, 0xffffffff};
    for (int iter = 0; iter < 2000; ++iter) {
        std::vector<uint8_t> img = image;
        p.bindings = bindings;
        const int n = 1 + int(rng() % 4);
        for (int m = 0; m < n; ++m) {
            switch (rng() % 5) {
                case 0:  // random byte
                    img[rng() % img.size()] = uint8_t(rng());
                    break;
                case 1:  // bit flip
                    img[rng() % img.size()] ^= uint8_t(1u << (rng() % 8));
                    break;
                case 2: {  // an aligned 16-bit field
                    const uint16_t v = uint16_t(interesting[rng() % std::size(interesting)]);
                    std::memcpy(&img[(rng() % (img.size() / 2)) * 2], &v, 2);
                    break;
                }
                case 3: {  // an aligned 32-bit field
                    const uint32_t v = interesting[rng() % std::size(interesting)];
                    std::memcpy(&img[(rng() % (img.size() / 4)) * 4], &v, 4);
                    break;
                }
                default: {  // a binding
                    tern_isa_binding& bd = p.bindings[rng() % p.bindings.size()];
                    if (rng() % 2) {
                        bd.size = rng() % 4 == 0 ? ~0ULL : bd.size + (rng() % 64) - 32;
                    } else {
                        bd.va += (int64_t(rng() % 8192) - 4096);
                    }
                    break;
                }
            }
        }
        tern_isa_header h;
        std::memcpy(&h, img.data(), sizeof(h));
        const ExecResult r = p.run_image(img, uint32_t(p.bindings.size()));
        ASSERT_TRUE(r.qerr == TERN_QERR_NONE || r.qerr == TERN_QERR_PAGE_FAULT ||
                    r.qerr == TERN_QERR_PROGRAM || r.qerr == TERN_QERR_INDEX)
            << "iteration " << iter << " qerr " << r.qerr;
        if (r.qerr == TERN_QERR_NONE) {
            ASSERT_EQ(r.op_index, 0u);
        } else if (r.op_index != TERN_ISA_ERR_OP_HEADER) {
            ASSERT_LT(r.op_index, h.num_ops) << "iteration " << iter;
            ASSERT_NE(r.qerr == TERN_QERR_PROGRAM && h.num_ops == 0, true);
        }
        ++counts[r.qerr];
    }
    // The loop exercised both rejection and execution.
    EXPECT_GT(counts[TERN_QERR_PROGRAM], 100);
    EXPECT_GT(counts[TERN_QERR_NONE], 40);
    std::printf("fuzz outcomes: ok %d fault %d program %d index %d\n", counts[0], counts[1],
                counts[4], counts[10]);
}

}  // namespace
}  // namespace tern_test
