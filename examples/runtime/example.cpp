// SPDX-License-Identifier: MIT
// Tern runtime, C++ API example: y = relu(2x - 1) on the device, with RAII
// objects, exceptions, an event callback and a second queue that waits on
// the first. Run: TERN_BACKEND=mock ./tern_example_cpp
// Exits 0 when the device's result matches the CPU's.
#include <tern/tern.hpp>

#include <algorithm>
#include <cstdio>
#include <future>
#include <vector>

#include "program_image.h"

int main() {
    // Declared first so that it outlives every runtime object: the event
    // callback below may run until the runtime is shut down.
    std::promise<tern_status> callback;
    try {
        tern::Runtime runtime;  // tern_init / tern_shutdown; outlives the rest
        tern::Device device(0);
        const tern_device_info info = device.info();
        std::printf("device %s (%s backend), %u cores\n", info.name, info.backend, info.num_cores);

        tern::Context ctx(device);  // an isolated device address space
        tern::Queue compute(ctx), copy_out(ctx);

        constexpr uint64_t n = 1000;
        tern::Tensor x(ctx, tern::DType::f32, {n}, tern::Memory::host_pinned);
        tern::Tensor y(ctx, tern::DType::f32, {n});
        auto xs = x.host_span<float>();
        for (uint64_t i = 0; i < n; ++i) {
            xs[i] = static_cast<float>(static_cast<int64_t>(i) - 500) / 100.0f;
        }

        std::vector<unsigned char> image(1024);
        image.resize(example_affine_relu_image(image.data(), image.size(), n, 2.0f, -1.0f));
        tern::Program program(ctx, std::as_bytes(std::span(image)));

        // Compute on one queue; the other queue copies the result out once
        // the first queue's event has passed.
        compute.launch(program, {&x, &y});
        tern::Event computed(ctx);
        computed.record(compute);
        computed.on_complete([&callback](tern_status s) { callback.set_value(s); });

        std::vector<float> ys(n);
        copy_out.wait(computed);
        copy_out.read(std::span<float>(ys), y);
        copy_out.synchronize();  // throws tern::Error if a queue faulted

        size_t bad = 0;
        for (uint64_t i = 0; i < n; ++i) {
            bad += ys[i] != std::max(2.0f * xs[i] - 1.0f, 0.0f);
        }
        const tern_status cb = callback.get_future().get();
        std::printf("y[0]=%g y[%llu]=%g, %zu mismatches, callback: %s\n", ys[0],
                    static_cast<unsigned long long>(n - 1), ys[n - 1], bad, tern_status_str(cb));

        // Failures throw tern::Error with the status and the detail.
        try {
            std::vector<float> too_many(n + 1);
            y.read(std::span<float>(too_many));
            return 1;  // not reached
        } catch (const tern::Error& e) {
            std::printf("caught %s: %s\n", tern_status_str(e.status()), e.what());
            if (e.status() != TERN_ERROR_OUT_OF_RANGE) {
                return 1;
            }
        }
        std::printf("%s\n", bad == 0 && cb == TERN_OK ? "PASS" : "FAIL");
        return bad == 0 && cb == TERN_OK ? 0 : 1;
    } catch (const tern::Error& e) {
        std::fprintf(stderr, "tern error %s: %s\n", tern_status_str(e.status()), e.what());
        return 1;
    }
}
