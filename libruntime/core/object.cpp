// SPDX-License-Identifier: MIT
#include "object.hpp"

namespace tern::rt {

Object::Object(Kind kind) : kind_(kind) {
    Registry::instance().object_created();
}

Object::~Object() {
    magic_ = 0;  // a dangling internal pointer then fails alive()
    Registry::instance().object_destroyed();
}

Registry& Registry::instance() {
    // Never destroyed: runtime threads may still drop references at exit.
    static Registry* r = new Registry;
    return *r;
}

Registry::Slot* Registry::slot(uint32_t index) const {
    Slot* chunk = chunks_[index >> kChunkBits].load(std::memory_order_acquire);
    return chunk != nullptr ? &chunk[index & (kChunkSize - 1)] : nullptr;
}

bool Registry::add(Object* obj) {
    std::lock_guard lk(mu_);
    uint32_t index;
    // Reuse the oldest free slot only once enough slots are free, so that
    // a just-closed handle is not immediately valid again.
    if (free_.size() > 1024 || (next_index_ >= kChunkSize * kMaxChunks && !free_.empty())) {
        index = free_.front();
        free_.pop_front();
    } else if (next_index_ < kChunkSize * kMaxChunks) {
        index = next_index_++;
        if ((index & (kChunkSize - 1)) == 0)
            chunks_[index >> kChunkBits].store(new Slot[kChunkSize], std::memory_order_release);
    } else {
        return false;
    }
    Slot* s = slot(index);
    // Generation 0 is never used, so a handle is never 0 (NULL).
    if (++s->generation == 0)
        s->generation = 1;
    obj->handle_ = encode(index, s->generation, obj->kind());
    s->obj.store(obj, std::memory_order_release);
    s->tag.store((uint64_t(s->generation) << 8) | uint64_t(obj->kind()), std::memory_order_release);
    return true;
}

Object* Registry::find(uint64_t handle, Kind k) const {
    if ((handle & 0xff) != uint64_t(k))
        return nullptr;
    uint32_t index = uint32_t(handle >> 8) & 0xffffff;
    uint32_t gen = uint32_t(handle >> 32);
    if (gen == 0 || index >= kChunkSize * kMaxChunks)
        return nullptr;
    const Slot* s = slot(index);
    if (s == nullptr ||
        s->tag.load(std::memory_order_acquire) != ((uint64_t(gen) << 8) | uint64_t(k)))
        return nullptr;
    Object* o = s->obj.load(std::memory_order_acquire);
    return o != nullptr && o->alive() && o->handle_ == handle ? o : nullptr;
}

Object* Registry::remove(uint64_t handle, Kind k) {
    std::lock_guard lk(mu_);
    Object* o = find(handle, k);
    if (o == nullptr)
        return nullptr;
    uint32_t index = uint32_t(handle >> 8) & 0xffffff;
    Slot* s = slot(index);
    s->tag.store(0, std::memory_order_release);
    s->obj.store(nullptr, std::memory_order_release);
    free_.push_back(index);
    return o;
}

std::vector<Object*> Registry::remove_all(Kind k) {
    std::vector<Object*> out;
    std::lock_guard lk(mu_);
    for (uint32_t i = 0; i < next_index_; ++i) {
        Slot* s = slot(i);
        Object* o = s->obj.load(std::memory_order_acquire);
        if (o != nullptr && o->kind() == k) {
            s->tag.store(0, std::memory_order_release);
            s->obj.store(nullptr, std::memory_order_release);
            free_.push_back(i);
            out.push_back(o);
        }
    }
    return out;
}

void Registry::object_created() {
    std::lock_guard lk(objects_mu_);
    ++objects_;
}

void Registry::object_destroyed() {
    std::lock_guard lk(objects_mu_);
    if (--objects_ == 0)
        objects_cv_.notify_all();
}

void Registry::wait_no_objects() {
    std::unique_lock lk(objects_mu_);
    objects_cv_.wait(lk, [&] { return objects_ == 0; });
}

}  // namespace tern::rt
