// SPDX-License-Identifier: MIT
#include "model_object.hpp"

#include "../core/context.hpp"
#include "../core/queue.hpp"
#include "../core/status.hpp"
#include "../core/tensor.hpp"

namespace tern::rt {

tern_status create_model_tensor(Context* ctx, uint64_t bytes, tern_memory memory, uint64_t* handle,
                                Tensor** out) {
    // Untyped bytes: an int32 vector covering them.
    tern_tensor_desc d{};
    d.struct_size = sizeof(d);
    d.dtype = TERN_DTYPE_INT32;
    d.rank = 1;
    d.shape[0] = bytes / 4 + (bytes % 4 != 0) + (bytes == 0);
    d.memory = memory;
    auto* t = new Tensor(ctx, d, d.shape[0] * 4);
    if (tern_status s = t->init(); s != TERN_OK) {
        t->release();
        return s;
    }
    if (!Registry::instance().add(t)) {
        t->release();
        return fail(TERN_ERROR_OUT_OF_HOST_MEMORY, "too many handles");
    }
    *handle = t->handle();
    if (out != nullptr)
        *out = t;
    return TERN_OK;
}

void destroy_model_tensor(uint64_t handle) {
    if (handle == 0)
        return;
    // Gone already if the final tern_shutdown released it.
    if (Object* o = Registry::instance().remove(handle, Kind::tensor))
        o->release();  // the device keeps the memory until queued work is done
}

LoadedModel::~LoadedModel() {
    destroy_model_tensor(programs_tensor);
    destroy_model_tensor(weights_tensor);
    for (const Arena& a : arenas_)
        destroy_model_tensor(a.tensor);
}

bool LoadedModel::alive() const {
    return Registry::instance().find(programs_tensor, Kind::tensor) != nullptr;
}

tern_status LoadedModel::new_arena(uint64_t queue, uint64_t* va) {
    uint64_t h;
    Tensor* t;
    if (tern_status s =
            create_model_tensor(context, meta.scratch_bytes, TERN_MEMORY_DEVICE, &h, &t);
        s != TERN_OK)
        return s;
    arenas_.push_back(Arena{queue, h, t->va()});
    *va = t->va();
    return TERN_OK;
}

tern_status LoadedModel::preallocate_scratch() {
    if (meta.scratch_bytes == 0)
        return TERN_OK;
    std::lock_guard lk(mu_);
    uint64_t va;
    return new_arena(0, &va);
}

tern_status LoadedModel::scratch_for(Queue* queue, uint64_t* va) {
    if (meta.scratch_bytes == 0) {
        *va = 0;
        return TERN_OK;
    }
    const uint64_t key = queue->handle();
    std::lock_guard lk(mu_);
    for (const Arena& a : arenas_) {
        if (a.queue == key) {
            *va = a.va;
            return TERN_OK;
        }
    }
    // A destroyed queue finished its work (tern_queue_destroy waits), so
    // its arena can go to this queue.
    for (Arena& a : arenas_) {
        if (a.queue == 0 || Registry::instance().find(a.queue, Kind::queue) == nullptr) {
            a.queue = key;
            *va = a.va;
            return TERN_OK;
        }
    }
    return new_arena(key, va);
}

uint32_t LoadedModel::scratch_arenas() {
    std::lock_guard lk(mu_);
    return static_cast<uint32_t>(arenas_.size());
}

// ---- handles ----------------------------------------------------------------

ModelTable& ModelTable::instance() {
    // Never destroyed, like the core registry: a model may outlive main().
    static ModelTable* t = new ModelTable;
    return *t;
}

ModelTable::Slot* ModelTable::slot(uint32_t index) const {
    Slot* chunk = chunks_[index >> kChunkBits].load(std::memory_order_acquire);
    return chunk != nullptr ? &chunk[index & (kChunkSize - 1)] : nullptr;
}

bool ModelTable::add(LoadedModel* model, tern_model* handle) {
    std::lock_guard lk(mu_);
    uint32_t index;
    // Reuse a slot only once many are free, so a destroyed handle stays
    // detectable for long (generations catch the rest).
    if (free_.size() > 256 || (next_ == kChunkSize * kMaxChunks && !free_.empty())) {
        index = free_.front();
        free_.erase(free_.begin());
    } else if (next_ < kChunkSize * kMaxChunks) {
        index = next_++;
        if ((index & (kChunkSize - 1)) == 0)
            chunks_[index >> kChunkBits].store(new Slot[kChunkSize], std::memory_order_release);
    } else {
        return false;
    }
    Slot* s = slot(index);
    uint32_t gen = s->generation.load(std::memory_order_relaxed) + 1;
    if (gen == 0)
        gen = 1;
    s->model.store(model, std::memory_order_release);
    s->generation.store(gen, std::memory_order_release);
    *handle = reinterpret_cast<tern_model>((uint64_t(gen) << 32) | (uint64_t(index) << 8) | kTag);
    return true;
}

LoadedModel* ModelTable::find(tern_model handle) const {
    const auto h = reinterpret_cast<uint64_t>(handle);
    if ((h & 0xff) != kTag)
        return nullptr;
    const uint32_t index = uint32_t(h >> 8) & 0xffffff;
    const uint32_t gen = uint32_t(h >> 32);
    if (gen == 0 || index >= kChunkSize * kMaxChunks)
        return nullptr;
    const Slot* s = slot(index);
    if (s == nullptr || s->generation.load(std::memory_order_acquire) != gen)
        return nullptr;
    return s->model.load(std::memory_order_acquire);
}

void ModelTable::retire(Slot* s) {
    // A new generation at once: the old handle never matches again, not
    // even while add() refills the slot.
    uint32_t gen = s->generation.load(std::memory_order_relaxed) + 1;
    s->generation.store(gen == 0 ? 1 : gen, std::memory_order_release);
    s->model.store(nullptr, std::memory_order_release);
}

LoadedModel* ModelTable::remove(tern_model handle) {
    std::lock_guard lk(mu_);
    LoadedModel* m = find(handle);
    if (m == nullptr)
        return nullptr;
    const uint32_t index = uint32_t(reinterpret_cast<uint64_t>(handle) >> 8) & 0xffffff;
    Slot* s = slot(index);
    retire(s);
    free_.push_back(index);
    return m;
}

void ModelTable::sweep_dead() {
    std::vector<LoadedModel*> dead;
    {
        std::lock_guard lk(mu_);
        for (uint32_t i = 0; i < next_; ++i) {
            Slot* s = slot(i);
            LoadedModel* m = s->model.load(std::memory_order_acquire);
            if (m != nullptr && !m->alive()) {
                retire(s);
                free_.push_back(i);
                dead.push_back(m);
            }
        }
    }
    for (LoadedModel* m : dead)
        delete m;
}

}  // namespace tern::rt
