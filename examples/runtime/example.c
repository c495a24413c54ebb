/* SPDX-License-Identifier: MIT */
/*
 * Tern runtime, C ABI example: y = relu(2x - 1) on the device.
 *
 * Build: see examples/runtime/CMakeLists.txt. Run: TERN_BACKEND=mock ./tern_example_c
 * Exits 0 when the device's result matches the CPU's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tern/tern.h>

#include "program_image.h"

#define N 1000

/* Every call returns a tern_status; tern_last_error() says what went wrong. */
#define CHECK(call)                                                                     \
    do {                                                                                \
        tern_status s_ = (call);                                                        \
        if (s_ != TERN_OK) {                                                            \
            tern_error_detail d_ = {.struct_size = sizeof(d_)};                         \
            tern_last_error(&d_);                                                       \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, tern_status_str(s_), \
                    d_.message);                                                        \
            goto out;                                                                   \
        }                                                                               \
    } while (0)

int main(void) {
    int rc = 1;
    tern_device dev = NULL;
    tern_context ctx = NULL;
    tern_queue queue = NULL;
    tern_tensor x = NULL, y = NULL;
    tern_program prog = NULL;
    tern_event done = NULL;
    static float host_y[N];

    /* 1. Initialise: the version handshake, backend from $TERN_BACKEND. */
    tern_init_info init = {.struct_size = sizeof(init), .api_version = TERN_API_VERSION};
    tern_status s = tern_init(&init);
    if (s != TERN_OK) {
        tern_error_detail d = {.struct_size = sizeof(d)};
        tern_last_error(&d);
        fprintf(stderr, "tern_init: %s\n", d.message);
        return 1;
    }

    /* 2. A device, a context (an isolated address space) and a queue. */
    CHECK(tern_device_open(0, &dev));
    tern_device_info info = {.struct_size = sizeof(info)};
    CHECK(tern_device_get_info(dev, &info));
    printf("device %s (%s, %s backend): %u cores, %llu MiB\n", info.name, info.node, info.backend,
           info.num_cores, (unsigned long long)(info.memory_total >> 20));
    CHECK(tern_context_create(dev, &ctx));
    tern_queue_desc qdesc = {.struct_size = sizeof(qdesc), .priority = TERN_PRIORITY_NORMAL};
    CHECK(tern_queue_create(ctx, &qdesc, &queue));

    /* 3. Tensors: x in pinned host memory (filled in place), y on the device. */
    tern_tensor_desc desc = {.struct_size = sizeof(desc),
                             .dtype = TERN_DTYPE_FLOAT32,
                             .rank = 1,
                             .shape = {N},
                             .memory = TERN_MEMORY_HOST_PINNED};
    CHECK(tern_tensor_create(ctx, &desc, &x));
    desc.memory = TERN_MEMORY_DEVICE;
    CHECK(tern_tensor_create(ctx, &desc, &y));
    float* host_x = NULL;
    CHECK(tern_tensor_host_pointer(x, (void**)&host_x));
    for (int i = 0; i < N; ++i)
        host_x[i] = (float)(i - N / 2) / 100.0f;

    /* 4. Load a program and launch it with x, y as binding slots 0, 1. */
    unsigned char image[1024];
    size_t image_size = example_affine_relu_image(image, sizeof(image), N, 2.0f, -1.0f);
    CHECK(tern_program_create(ctx, image, image_size, &prog));
    tern_tensor bindings[2] = {x, y};
    tern_launch_desc launch = {.struct_size = sizeof(launch), .core_mask = 0};
    CHECK(tern_program_launch(queue, prog, bindings, 2, &launch));

    /* 5. Copy the result back asynchronously, mark the point with an event. */
    CHECK(tern_read_async(queue, host_y, y, 0, sizeof(host_y)));
    CHECK(tern_event_create(ctx, &done));
    CHECK(tern_event_record(done, queue));
    CHECK(tern_event_wait(done, 5LL * 1000 * 1000 * 1000)); /* 5 s */

    /* 6. Check against the CPU. */
    int bad = 0;
    for (int i = 0; i < N; ++i) {
        float want = 2.0f * host_x[i] - 1.0f;
        want = want > 0.0f ? want : 0.0f;
        if (host_y[i] != want)
            ++bad;
    }
    printf("y[0]=%g y[%d]=%g, %d mismatches\n", host_y[0], N - 1, host_y[N - 1], bad);

    /* 7. Errors come back as a status plus detail; nothing is lost. */
    float too_far[2];
    s = tern_tensor_read(y, sizeof(float) * (N - 1), too_far, sizeof(too_far));
    tern_error_detail d = {.struct_size = sizeof(d)};
    tern_last_error(&d);
    printf("out-of-range read: %s (%s)\n", tern_status_str(s), d.message);
    if (bad == 0 && s == TERN_ERROR_OUT_OF_RANGE)
        rc = 0;

out:
    /* 8. Release everything, children first. */
    if (done)
        tern_event_destroy(done);
    if (prog)
        tern_program_destroy(prog);
    if (y)
        tern_tensor_destroy(y);
    if (x)
        tern_tensor_destroy(x);
    if (queue)
        tern_queue_destroy(queue);
    if (ctx)
        tern_context_destroy(ctx);
    if (dev)
        tern_device_close(dev);
    tern_shutdown();
    printf("%s\n", rc == 0 ? "PASS" : "FAIL");
    return rc;
}
