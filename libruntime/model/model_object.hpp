// SPDX-License-Identifier: MIT
// A model loaded into a context, and the table that maps tern_model
// handles to it.
//
// Device memory of a model (programs, weights, scratch arenas) lives in
// runtime tensors registered like the user's, so that the final
// tern_shutdown releases them with everything else even if the user leaked
// the model; the model refers to them by handle and never holds a
// reference that would keep the runtime from shutting down. A model whose
// tensors are gone (the runtime was shut down) answers
// TERN_ERROR_INVALID_HANDLE.
#pragma once

#include "../core/object.hpp"
#include "model_image.hpp"

#include <tern/tern.h>
#include <tern/tern_model.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace tern::rt {

class Context;
class Queue;
class Tensor;

class LoadedModel {
public:
    struct Program {
        uint64_t offset;  // in the programs tensor
        uint32_t size;
    };

    LoadedModel() = default;
    ~LoadedModel();  // releases the model's tensors that are still alive
    LoadedModel(const LoadedModel&) = delete;
    LoadedModel& operator=(const LoadedModel&) = delete;

    // Filled by the loader.
    model::ModelImage meta;  // name, inputs, outputs, bindings, scratch_bytes
    uint16_t version_major = 0, version_minor = 0;
    std::vector<uint64_t> input_bytes, output_bytes;
    std::vector<Program> programs;
    uint64_t programs_tensor = 0, weights_tensor = 0;  // registered handles
    uint64_t programs_va = 0, weights_va = 0;
    uint64_t program_bytes = 0, weights_bytes = 0;
    Context* context = nullptr;  // kept alive by the model's tensors

    // False once the runtime released the model's memory (tern_shutdown).
    bool alive() const;

    // The scratch arena of `queue` (allocated on its first run): its
    // device address in *va. 0 if the model needs no scratch.
    tern_status scratch_for(Queue* queue, uint64_t* va);
    // A first arena, made at load time and given to the first queue.
    tern_status preallocate_scratch();
    uint32_t scratch_arenas();

private:
    struct Arena {
        uint64_t queue;   // queue handle, 0 = not given to a queue yet
        uint64_t tensor;  // registered tensor handle
        uint64_t va;
    };
    tern_status new_arena(uint64_t queue, uint64_t* va);
    std::mutex mu_;  // guards arenas_
    std::vector<Arena> arenas_;
};

// A device tensor of `bytes` (rounded up to 4) for the model's own use,
// registered so that shutdown releases it; *handle and *out on success.
tern_status create_model_tensor(Context* ctx, uint64_t bytes, tern_memory memory, uint64_t* handle,
                                Tensor** out);
// Unregisters and releases such a tensor (no-op if already gone).
void destroy_model_tensor(uint64_t handle);

// tern_model handles: slot index and generation, like the core registry's,
// with a tag byte that no runtime object kind uses.
class ModelTable {
public:
    static ModelTable& instance();
    // Takes ownership; false when the table is full.
    bool add(LoadedModel* model, tern_model* handle);
    // The live model of `handle` or nullptr. Lock-free.
    LoadedModel* find(tern_model handle) const;
    // Removes the handle and returns the model (the caller deletes it).
    LoadedModel* remove(tern_model handle);
    // Deletes models whose memory the runtime already released.
    void sweep_dead();

private:
    static constexpr uint32_t kTag = 0x4d;  // 'M'
    static constexpr uint32_t kChunkBits = 8;
    static constexpr uint32_t kChunkSize = 1u << kChunkBits;
    static constexpr uint32_t kMaxChunks = 256;  // 65536 models
    struct Slot {
        std::atomic<uint32_t> generation{0};
        std::atomic<LoadedModel*> model{nullptr};
    };
    Slot* slot(uint32_t index) const;
    static void retire(Slot* s);

    std::atomic<Slot*> chunks_[kMaxChunks] = {};
    std::mutex mu_;
    std::vector<uint32_t> free_;
    uint32_t next_ = 0;
};

}  // namespace tern::rt
