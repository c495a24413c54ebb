/* SPDX-License-Identifier: MIT */
/*
 * Builds a tiny device program image (docs/hw-spec.md section 7):
 * y = relu(scale * x + bias) over n fp32 elements, x in binding slot 0 and
 * y in slot 1. Kept in its own file so that the examples show only the
 * runtime API; a real application gets its programs from a model file.
 */
#ifndef TERN_EXAMPLE_PROGRAM_IMAGE_H
#define TERN_EXAMPLE_PROGRAM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the image to buf (64-byte aligned is not required: the runtime
 * copies it). Returns its size, or 0 if cap is too small. */
size_t example_affine_relu_image(void* buf, size_t cap, uint32_t n, float scale, float bias);

#ifdef __cplusplus
}
#endif

#endif /* TERN_EXAMPLE_PROGRAM_IMAGE_H */
