/* SPDX-License-Identifier: MIT */
/*
 * Built against the installed SDK (CMake package or pkg-config) by
 * tests/packaging/run.sh and run on the mock device: the headers and the
 * library agree on the API version and release, and data makes a round trip
 * host -> device -> device -> host through a queue. Exits 0 and prints
 * "consumer: ok" only if every step worked.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <tern/tern.h>

#ifndef TERN_EXPECTED_RELEASE
#error "build with -DTERN_EXPECTED_RELEASE=\"x.y.z\" (the SDK's version)"
#endif

#define CHECK(call)                                                                             \
    do {                                                                                        \
        tern_status s_ = (call);                                                                \
        if (s_ != TERN_OK) {                                                                    \
            tern_error_detail d_;                                                               \
            memset(&d_, 0, sizeof(d_));                                                         \
            d_.struct_size = sizeof(d_);                                                        \
            tern_last_error(&d_);                                                               \
            fprintf(stderr, "consumer: %s: %s (%s)\n", #call, tern_status_str(s_), d_.message); \
            return 1;                                                                           \
        }                                                                                       \
    } while (0)

enum { N = 4096 };

static tern_tensor_desc vector_desc(tern_memory memory) {
    tern_tensor_desc d;
    memset(&d, 0, sizeof(d));
    d.struct_size = sizeof(d);
    d.dtype = TERN_DTYPE_INT32;
    d.rank = 1;
    d.shape[0] = N;
    d.memory = memory;
    return d;
}

int main(void) {
    tern_version_info v;
    memset(&v, 0, sizeof(v));
    v.struct_size = sizeof(v);
    CHECK(tern_get_version_info(&v));
    if (v.api_version >> 16 != TERN_API_VERSION_MAJOR || strcmp(v.release, TERN_EXPECTED_RELEASE)) {
        fprintf(stderr, "consumer: library API %#x release %s, headers API %#x release %s\n",
                v.api_version, v.release, TERN_API_VERSION, TERN_EXPECTED_RELEASE);
        return 1;
    }

    tern_init_info init;
    memset(&init, 0, sizeof(init));
    init.struct_size = sizeof(init);
    init.api_version = TERN_API_VERSION;
    init.backend = "mock";
    CHECK(tern_init(&init));

    uint32_t count = 0;
    CHECK(tern_device_count(&count));
    if (count == 0) {
        fprintf(stderr, "consumer: the mock backend has no device\n");
        return 1;
    }
    tern_device dev;
    CHECK(tern_device_open(0, &dev));
    tern_device_info info;
    memset(&info, 0, sizeof(info));
    info.struct_size = sizeof(info);
    CHECK(tern_device_get_info(dev, &info));

    tern_context ctx;
    tern_queue queue;
    tern_tensor a, b;
    CHECK(tern_context_create(dev, &ctx));
    CHECK(tern_queue_create(ctx, NULL, &queue));
    tern_tensor_desc da = vector_desc(TERN_MEMORY_HOST_PINNED);
    tern_tensor_desc db = vector_desc(TERN_MEMORY_DEVICE);
    CHECK(tern_tensor_create(ctx, &da, &a));
    CHECK(tern_tensor_create(ctx, &db, &b));

    static int32_t in[N], out[N];
    for (int i = 0; i < N; ++i)
        in[i] = i * 7919 - 12345;
    CHECK(tern_tensor_write(a, 0, in, sizeof(in)));
    CHECK(tern_copy_async(queue, b, 0, a, 0, sizeof(in)));
    CHECK(tern_read_async(queue, out, b, 0, sizeof(out)));
    CHECK(tern_queue_synchronize(queue, -1));
    if (memcmp(in, out, sizeof(in)) != 0) {
        fprintf(stderr, "consumer: data changed on its way through the device\n");
        return 1;
    }

    CHECK(tern_tensor_destroy(b));
    CHECK(tern_tensor_destroy(a));
    CHECK(tern_queue_destroy(queue));
    CHECK(tern_context_destroy(ctx));
    CHECK(tern_device_close(dev));
    CHECK(tern_shutdown());
    printf("consumer: ok (libternrt %s, API %u.%u, %s on the %s backend)\n", v.release,
           v.api_version >> 16, v.api_version & 0xffff, info.name, info.backend);
    return 0;
}
