/* SPDX-License-Identifier: MIT */
/*
 * Calls made the way a C program makes them. In C an enum field holds any
 * int, so a C caller can pass values outside every enumerator; C++ cannot
 * even form such values without undefined behaviour. Also compiles tern.h
 * as C11.
 */
#include "c_callers.h"

const char* c_status_str(int status) {
    return tern_status_str((tern_status)status);
}

tern_status c_queue_create_priority(tern_context ctx, int priority, tern_queue* queue) {
    tern_queue_desc d = {.struct_size = sizeof(d)};
    d.priority = (tern_priority)priority;
    return tern_queue_create(ctx, &d, queue);
}

tern_status c_tensor_create_raw(tern_context ctx, int dtype, int memory, tern_tensor* tensor) {
    tern_tensor_desc d = {.struct_size = sizeof(d), .rank = 1, .shape = {16}};
    d.dtype = (tern_dtype)dtype;
    d.memory = (tern_memory)memory;
    return tern_tensor_create(ctx, &d, tensor);
}
