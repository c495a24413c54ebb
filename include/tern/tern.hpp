// SPDX-License-Identifier: MIT
// Tern runtime C++ API: header-only RAII wrappers over the C ABI (tern.h).
//
// Every type is move-only and owns one C handle; a moved-from object holds
// nothing and may only be destroyed or assigned to. Failures throw
// tern::Error, which carries the tern_status and the tern_error_detail of
// the failed call. Destructors never throw. Children keep their parents
// alive inside the runtime (see tern.h), so destruction order is free; the
// Runtime guard should still outlive everything else, because the last
// shutdown destroys all remaining objects.
#pragma once

#include <tern/tern.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tern {

// An exception carrying the status and detail of one failed call.
class Error : public std::runtime_error {
public:
    Error(tern_status status, const tern_error_detail& detail)
        : std::runtime_error(detail.message[0] != '\0' ? std::string(detail.message)
                                                       : std::string(tern_status_str(status))),
          status_(status),
          detail_(detail) {}

    tern_status status() const noexcept { return status_; }
    const tern_error_detail& detail() const noexcept { return detail_; }

private:
    tern_status status_;
    tern_error_detail detail_;
};

namespace detail {

[[noreturn]] inline void throw_last(tern_status status) {
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    // The detail belongs to the call that just failed on this thread.
    if (tern_last_error(&d) != TERN_OK || d.status != status) {
        d = tern_error_detail{};
        d.struct_size = sizeof(d);
        d.status = status;
    }
    throw Error(status, d);
}

inline void check(tern_status status) {
    if (status != TERN_OK)
        throw_last(status);
}

// Nanoseconds for the C ABI; negative means "no limit".
inline int64_t to_ns(std::chrono::nanoseconds timeout) {
    return timeout.count();
}

// Owns one C handle; `Destroy` releases it. Move-only.
template <class H, tern_status (*Destroy)(H)>
class Handle {
public:
    Handle() = default;
    explicit Handle(H h) noexcept : h_(h) {}
    Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }

    void reset() noexcept {
        if (h_ != nullptr)
            (void)Destroy(std::exchange(h_, nullptr));
    }
    H get() const noexcept { return h_; }
    // Gives up ownership, e.g. to hand the handle to C code.
    H release() noexcept { return std::exchange(h_, nullptr); }

private:
    H h_ = nullptr;
};

}  // namespace detail

// "Wait without limit", for the timeout parameters below.
inline constexpr std::chrono::nanoseconds forever{-1};

enum class DType : int {
    f32 = TERN_DTYPE_FLOAT32,
    bf16 = TERN_DTYPE_BFLOAT16,
    f16 = TERN_DTYPE_FLOAT16,
    i32 = TERN_DTYPE_INT32,
};

enum class Memory : int {
    device = TERN_MEMORY_DEVICE,
    host_pinned = TERN_MEMORY_HOST_PINNED,
};

enum class Priority : int {
    low = TERN_PRIORITY_LOW,
    normal = TERN_PRIORITY_NORMAL,
    high = TERN_PRIORITY_HIGH,
    realtime = TERN_PRIORITY_REALTIME,
};

// Initialises the runtime for its lifetime (reference counted, so guards
// may nest). Thread safety: construct and destroy it while no other thread
// uses the runtime.
class Runtime {
public:
    // backend: nullptr = $TERN_BACKEND, else "kernel"; or "kernel" / "mock".
    explicit Runtime(const char* backend = nullptr) {
        tern_init_info info{};
        info.struct_size = sizeof(info);
        info.api_version = TERN_API_VERSION;
        info.backend = backend;
        detail::check(tern_init(&info));
    }
    ~Runtime() { (void)tern_shutdown(); }
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    static uint32_t version() {
        uint32_t v = 0;
        detail::check(tern_runtime_version(&v));
        return v;
    }
    static uint32_t device_count() {
        uint32_t n = 0;
        detail::check(tern_device_count(&n));
        return n;
    }
};

// An open device. Thread safety: all methods may be called concurrently.
class Device {
public:
    Device() = default;
    explicit Device(uint32_t index) {
        tern_device d = nullptr;
        detail::check(tern_device_open(index, &d));
        h_ = Handle(d);
    }

    tern_device_info info() const {
        tern_device_info i{};
        i.struct_size = sizeof(i);
        detail::check(tern_device_get_info(h_.get(), &i));
        return i;
    }
    tern_device handle() const noexcept { return h_.get(); }
    explicit operator bool() const noexcept { return h_.get() != nullptr; }

private:
    using Handle = detail::Handle<tern_device, tern_device_close>;
    Handle h_;
};

// A device address space. Thread safety: all methods may be called
// concurrently.
class Context {
public:
    Context() = default;
    explicit Context(const Device& device) {
        tern_context c = nullptr;
        detail::check(tern_context_create(device.handle(), &c));
        h_ = Handle(c);
    }

    tern_context handle() const noexcept { return h_.get(); }
    explicit operator bool() const noexcept { return h_.get() != nullptr; }

private:
    using Handle = detail::Handle<tern_context, tern_context_destroy>;
    Handle h_;
};

// A tensor in a context's address space. Thread safety: all methods may be
// called concurrently; concurrent writes to overlapping bytes race.
class Tensor {
public:
    Tensor() = default;
    Tensor(const Context& ctx, DType dtype, std::span<const uint64_t> shape,
           Memory memory = Memory::device) {
        tern_tensor_desc d{};
        d.struct_size = sizeof(d);
        d.dtype = static_cast<tern_dtype>(dtype);
        d.rank = static_cast<uint32_t>(shape.size());
        if (shape.size() > TERN_MAX_RANK) {
            // Let the runtime report it, with its usual detail.
            d.rank = TERN_MAX_RANK + 1;
        } else {
            std::memcpy(d.shape, shape.data(), shape.size_bytes());
        }
        d.memory = static_cast<tern_memory>(memory);
        tern_tensor t = nullptr;
        detail::check(tern_tensor_create(ctx.handle(), &d, &t));
        h_ = Handle(t);
    }
    Tensor(const Context& ctx, DType dtype, std::initializer_list<uint64_t> shape,
           Memory memory = Memory::device)
        : Tensor(ctx, dtype, std::span<const uint64_t>(shape.begin(), shape.size()), memory) {}

    tern_tensor_info info() const {
        tern_tensor_info i{};
        i.struct_size = sizeof(i);
        detail::check(tern_tensor_get_info(h_.get(), &i));
        return i;
    }
    uint64_t size_bytes() const { return info().size_bytes; }
    DType dtype() const { return static_cast<DType>(info().dtype); }
    std::vector<uint64_t> shape() const {
        tern_tensor_info i = info();
        return std::vector<uint64_t>(i.shape, i.shape + i.rank);
    }
    uint64_t device_address() const { return info().device_address; }

    // The mapping of a Memory::host_pinned tensor, valid while it lives.
    template <class T = std::byte>
    std::span<T> host_span() const {
        void* p = nullptr;
        detail::check(tern_tensor_host_pointer(h_.get(), &p));
        return std::span<T>(static_cast<T*>(p), size_bytes() / sizeof(T));
    }

    // Synchronous copies (see tern_tensor_write/read); offset in bytes.
    template <class T>
    void write(std::span<const T> src, uint64_t offset = 0) {
        detail::check(tern_tensor_write(h_.get(), offset, src.data(), src.size_bytes()));
    }
    template <class T>
    void read(std::span<T> dst, uint64_t offset = 0) const {
        detail::check(tern_tensor_read(h_.get(), offset, dst.data(), dst.size_bytes()));
    }

    tern_tensor handle() const noexcept { return h_.get(); }
    explicit operator bool() const noexcept { return h_.get() != nullptr; }

private:
    using Handle = detail::Handle<tern_tensor, tern_tensor_destroy>;
    Handle h_;
};

// A device program image loaded into a context. Thread safety: immutable
// once created; may be launched from several threads.
class Program {
public:
    Program() = default;
    Program(const Context& ctx, std::span<const std::byte> image) {
        tern_program p = nullptr;
        detail::check(tern_program_create(ctx.handle(), image.data(), image.size(), &p));
        h_ = Handle(p);
    }

    tern_program handle() const noexcept { return h_.get(); }
    explicit operator bool() const noexcept { return h_.get() != nullptr; }

private:
    using Handle = detail::Handle<tern_program, tern_program_destroy>;
    Handle h_;
};

class Event;

// An in-order queue of device work. Thread safety: all methods may be called
// concurrently; calls take effect in the order they are serialised.
class Queue {
public:
    Queue() = default;
    explicit Queue(const Context& ctx, Priority priority = Priority::normal) {
        tern_queue_desc d{};
        d.struct_size = sizeof(d);
        d.priority = static_cast<tern_priority>(priority);
        tern_queue q = nullptr;
        detail::check(tern_queue_create(ctx.handle(), &d, &q));
        h_ = Handle(q);
    }

    // Waits for all submitted work; throws on a device fault.
    void synchronize() { detail::check(tern_queue_synchronize(h_.get(), -1)); }
    // As above; false if `timeout` expired first.
    bool synchronize(std::chrono::nanoseconds timeout) {
        tern_status s = tern_queue_synchronize(h_.get(), detail::to_ns(timeout));
        if (s == TERN_ERROR_TIMEOUT)
            return false;
        detail::check(s);
        return true;
    }
    // The device error of a faulted queue; detail.status is TERN_OK if none.
    tern_error_detail error() const {
        tern_error_detail d{};
        d.struct_size = sizeof(d);
        detail::check(tern_queue_get_error(h_.get(), &d));
        return d;
    }

    void copy(const Tensor& dst, uint64_t dst_offset, const Tensor& src, uint64_t src_offset,
              uint64_t size) {
        detail::check(
            tern_copy_async(h_.get(), dst.handle(), dst_offset, src.handle(), src_offset, size));
    }
    // Pageable host memory; `src` may be reused when this returns.
    template <class T>
    void write(const Tensor& dst, std::span<const T> src, uint64_t dst_offset = 0) {
        detail::check(
            tern_write_async(h_.get(), dst.handle(), dst_offset, src.data(), src.size_bytes()));
    }
    // `dst` is filled when the queue reaches the copy: keep it alive and
    // untouched until synchronize() or an event wait after it.
    template <class T>
    void read(std::span<T> dst, const Tensor& src, uint64_t src_offset = 0) {
        detail::check(
            tern_read_async(h_.get(), dst.data(), src.handle(), src_offset, dst.size_bytes()));
    }

    // Later work on this queue starts after `event` passes.
    void wait(const Event& event);

    // Runs `program` with bindings[i] in binding-table slot i (nullptr:
    // empty slot). core_mask 0: all cores.
    void launch(const Program& program, std::span<const Tensor* const> bindings,
                uint32_t core_mask = 0) {
        tern_tensor handles[kStackBindings];
        std::vector<tern_tensor> heap;
        tern_tensor* h = handles;
        if (bindings.size() > kStackBindings) {
            heap.resize(bindings.size());
            h = heap.data();
        }
        for (size_t i = 0; i < bindings.size(); ++i)
            h[i] = bindings[i] != nullptr ? bindings[i]->handle() : nullptr;
        tern_launch_desc d{};
        d.struct_size = sizeof(d);
        d.core_mask = core_mask;
        detail::check(tern_program_launch(h_.get(), program.handle(), h,
                                          static_cast<uint32_t>(bindings.size()), &d));
    }
    void launch(const Program& program, std::initializer_list<const Tensor*> bindings,
                uint32_t core_mask = 0) {
        launch(program, std::span<const Tensor* const>(bindings.begin(), bindings.size()),
               core_mask);
    }

    tern_queue handle() const noexcept { return h_.get(); }
    explicit operator bool() const noexcept { return h_.get() != nullptr; }

private:
    static constexpr size_t kStackBindings = 16;
    using Handle = detail::Handle<tern_queue, tern_queue_destroy>;
    Handle h_;
};

// A point on a queue. Thread safety: all methods may be called concurrently;
// record() from two threads leaves the event at one of the two points.
class Event {
public:
    Event() = default;
    explicit Event(const Context& ctx) {
        tern_event e = nullptr;
        detail::check(tern_event_create(ctx.handle(), &e));
        h_ = Handle(e);
    }

    // Marks the point after everything submitted to `queue` so far.
    void record(const Queue& queue) { detail::check(tern_event_record(h_.get(), queue.handle())); }
    // True when passed, false when pending; throws if the queue faulted.
    bool query() const {
        tern_status s = tern_event_query(h_.get());
        if (s == TERN_ERROR_NOT_READY)
            return false;
        detail::check(s);
        return true;
    }
    void wait() const { detail::check(tern_event_wait(h_.get(), -1)); }
    // False if `timeout` expired first.
    bool wait(std::chrono::nanoseconds timeout) const {
        tern_status s = tern_event_wait(h_.get(), detail::to_ns(timeout));
        if (s == TERN_ERROR_TIMEOUT)
            return false;
        detail::check(s);
        return true;
    }
    // Calls fn(status) once from a runtime thread when the recorded point
    // passes or fails (see tern_event_set_callback). fn must not throw.
    void on_complete(std::function<void(tern_status)> fn) {
        auto holder = std::make_unique<std::function<void(tern_status)>>(std::move(fn));
        tern_status s = tern_event_set_callback(h_.get(), &Event::trampoline, holder.get());
        detail::check(s);
        (void)holder.release();  // the trampoline owns it now
    }

    tern_event handle() const noexcept { return h_.get(); }
    explicit operator bool() const noexcept { return h_.get() != nullptr; }

private:
    static void trampoline(tern_event, tern_status status, void* user) noexcept {
        std::unique_ptr<std::function<void(tern_status)>> fn(
            static_cast<std::function<void(tern_status)>*>(user));
        (*fn)(status);
    }
    using Handle = detail::Handle<tern_event, tern_event_destroy>;
    Handle h_;
};

inline void Queue::wait(const Event& event) {
    detail::check(tern_queue_wait_event(h_.get(), event.handle()));
}

}  // namespace tern

// ---- Administration (tern.h: properties, telemetry, health, holders, reset)

namespace tern {

// Versions of the runtime (works before tern_init).
inline tern_version_info version_info() {
    tern_version_info v{};
    v.struct_size = sizeof(v);
    detail::check(tern_get_version_info(&v));
    return v;
}

inline tern_device_properties properties(const Device& device) {
    tern_device_properties p{};
    p.struct_size = sizeof(p);
    detail::check(tern_device_get_properties(device.handle(), &p));
    return p;
}

// One telemetry sample; throws TERN_ERROR_NOT_SUPPORTED without telemetry.
inline tern_telemetry telemetry(const Device& device) {
    tern_telemetry t{};
    t.struct_size = sizeof(t);
    detail::check(tern_device_get_telemetry(device.handle(), &t));
    return t;
}

// Takes up to TERN_HEALTH_HEARTBEAT_WINDOW_MS (watches the heartbeat).
inline tern_device_health health(const Device& device) {
    tern_device_health h{};
    h.struct_size = sizeof(h);
    detail::check(tern_device_get_health(device.handle(), &h));
    return h;
}

struct Processes {
    std::vector<tern_process_info> list;
    uint32_t uninspected = 0;  // processes whose files could not be read
};

// Processes holding `device` open (see tern_device_get_processes).
inline Processes processes(const Device& device) {
    Processes out;
    // Holders may appear between the two calls: retry with more room.
    for (uint32_t capacity = 16;; capacity *= 2) {
        tern_process_info blank{};
        blank.struct_size = sizeof(blank);
        out.list.assign(capacity, blank);
        uint32_t count = 0;
        detail::check(tern_device_get_processes(device.handle(), out.list.data(), capacity,
                                                &count, &out.uninspected));
        if (count <= capacity) {
            out.list.resize(count);
            return out;
        }
        capacity = count;
    }
}

// Resets the function and waits at most `timeout` (see tern_device_reset);
// throws tern::Error unless the reset was observed to succeed.
inline tern_reset_result reset(const Device& device, std::chrono::nanoseconds timeout) {
    tern_reset_result r{};
    r.struct_size = sizeof(r);
    detail::check(tern_device_reset(device.handle(), detail::to_ns(timeout), &r));
    return r;
}

}  // namespace tern
