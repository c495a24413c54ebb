/* SPDX-License-Identifier: MIT */
/* C callers of the runtime, for the C++ tests (see c_callers.c). */
#ifndef TERN_TEST_C_CALLERS_H
#define TERN_TEST_C_CALLERS_H

#include <tern/tern.h>

#ifdef __cplusplus
extern "C" {
#endif

const char* c_status_str(int status);
tern_status c_queue_create_priority(tern_context ctx, int priority, tern_queue* queue);
tern_status c_tensor_create_raw(tern_context ctx, int dtype, int memory, tern_tensor* tensor);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TEST_C_CALLERS_H */
