/* SPDX-License-Identifier: MIT */
#include "program_image.h"

#include <string.h>
#include <tern/hw/tern_isa.h>

static uint32_t f32_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof(b));
    return b;
}

static void vector_tensor(struct tern_isa_tensor* t, uint16_t binding, uint32_t n) {
    memset(t, 0, sizeof(*t));
    t->binding = binding;
    t->dtype = TERN_ISA_DTYPE_FP32;
    t->rank = 1;
    for (int d = 0; d < TERN_ISA_MAX_RANK; ++d)
        t->shape[d] = 1;
    t->shape[0] = n;
    t->stride[0] = 1;
}

static void unary_op(struct tern_isa_op* op, uint16_t opcode, uint16_t dst, uint16_t src) {
    memset(op, 0, sizeof(*op));
    op->opcode = opcode;
    op->dst = dst;
    op->src[0] = src;
    op->src[1] = TERN_ISA_NONE;
    op->src[2] = TERN_ISA_NONE;
}

size_t example_affine_relu_image(void* buf, size_t cap, uint32_t n, float scale, float bias) {
    struct image {
        struct tern_isa_header header;
        struct tern_isa_tensor tensors[2];
        struct tern_isa_op ops[2];
    } img;

    if (cap < sizeof(img))
        return 0;
    memset(&img, 0, sizeof(img));
    img.header.magic = TERN_ISA_MAGIC;
    img.header.version = TERN_ISA_VERSION;
    img.header.size = sizeof(img);
    img.header.num_tensors = 2;
    img.header.num_ops = 2;
    img.header.tensors_offset = offsetof(struct image, tensors);
    img.header.ops_offset = offsetof(struct image, ops);
    vector_tensor(&img.tensors[0], 0, n);         /* x */
    vector_tensor(&img.tensors[1], 1, n);         /* y */
    unary_op(&img.ops[0], TERN_ISA_AFFINE, 1, 0); /* y = scale * x + bias */
    img.ops[0].param[0] = f32_bits(scale);
    img.ops[0].param[1] = f32_bits(bias);
    unary_op(&img.ops[1], TERN_ISA_RELU, 1, 1); /* y = relu(y) */
    memcpy(buf, &img, sizeof(img));
    return sizeof(img);
}
