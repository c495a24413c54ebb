// SPDX-License-Identifier: MIT
// Runtime objects and the handle registry.
//
// Every object behind a C handle derives from Object: a magic word, a kind
// and an intrusive reference count (the user's handle is one reference;
// children and in-flight work hold others). A handle is not a pointer: it
// encodes a registry slot, the slot's generation and the kind, so a closed,
// stale or foreign handle is rejected without touching freed memory.
// Lookups are lock-free; only registering and unregistering take a lock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace tern::rt {

enum class Kind : uint8_t {
    device = 1,
    context = 2,
    queue = 3,
    tensor = 4,
    event = 5,
    program = 6,
};

inline constexpr uint32_t kObjectMagic = 0x5445524e;  // "TERN"

class Object {
public:
    explicit Object(Kind kind);
    virtual ~Object();
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;

    // The user destroyed the handle (or the final shutdown did): a chance to
    // finish work before the user reference is dropped.
    virtual void on_close() {}

    Kind kind() const { return kind_; }
    bool alive() const { return magic_ == kObjectMagic; }
    uint64_t handle() const { return handle_; }

    void retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
    // Deletes the object when the last reference goes.
    void release() {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1)
            delete this;
    }

private:
    friend class Registry;
    uint32_t magic_ = kObjectMagic;
    Kind kind_;
    std::atomic<uint32_t> refs_{1};
    uint64_t handle_ = 0;
};

// A reference held by the runtime itself (RAII retain/release).
template <class T>
class Ref {
public:
    Ref() = default;
    explicit Ref(T* p) : p_(p) {
        if (p_)
            p_->retain();
    }
    // Takes over a reference the caller already holds.
    static Ref adopt(T* p) {
        Ref r;
        r.p_ = p;
        return r;
    }
    Ref(const Ref& o) : Ref(o.p_) {}
    Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Ref& operator=(Ref o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~Ref() {
        if (p_)
            p_->release();
    }
    T* get() const { return p_; }
    T* operator->() const { return p_; }
    T& operator*() const { return *p_; }
    explicit operator bool() const { return p_ != nullptr; }
    void reset() { Ref().swap(*this); }
    void swap(Ref& o) noexcept { std::swap(p_, o.p_); }

private:
    T* p_ = nullptr;
};

class Registry {
public:
    static Registry& instance();

    // Gives `obj` a handle; false when the slot space is exhausted.
    bool add(Object* obj);
    // Resolves a handle of kind `k`; nullptr if invalid, closed or foreign.
    Object* find(uint64_t handle, Kind k) const;
    // Removes a live handle and returns its object (the caller then drops
    // the user's reference); nullptr if the handle is not live.
    Object* remove(uint64_t handle, Kind k);
    // Removes every live handle of kind `k` (for the final shutdown).
    std::vector<Object*> remove_all(Kind k);
    // Objects alive (registered or not): shutdown waits for zero.
    void object_created();
    void object_destroyed();
    void wait_no_objects();

private:
    static constexpr uint32_t kChunkBits = 12;
    static constexpr uint32_t kChunkSize = 1u << kChunkBits;
    static constexpr uint32_t kMaxChunks = 4096;  // 16M slots (24-bit index)
    struct Slot {
        std::atomic<uint64_t> tag{0};  // generation << 8 | kind while live
        std::atomic<Object*> obj{nullptr};
        uint32_t generation = 0;
    };
    static uint64_t encode(uint32_t index, uint32_t gen, Kind k) {
        return (uint64_t(gen) << 32) | (uint64_t(index) << 8) | uint64_t(k);
    }
    Slot* slot(uint32_t index) const;

    std::atomic<Slot*> chunks_[kMaxChunks] = {};
    mutable std::mutex mu_;
    // FIFO: a released slot is reused as late as possible, so a stale
    // handle stays detectable for long even before generations matter.
    std::deque<uint32_t> free_;
    uint32_t next_index_ = 0;
    std::mutex objects_mu_;
    std::condition_variable objects_cv_;
    uint64_t objects_ = 0;
};

// Resolves a C handle to its object type, or nullptr.
template <class T, class H>
T* lookup(H handle) {
    return static_cast<T*>(Registry::instance().find(reinterpret_cast<uint64_t>(handle), T::kKind));
}

template <class H>
H to_handle(const Object* obj) {
    return reinterpret_cast<H>(obj->handle());
}

}  // namespace tern::rt
