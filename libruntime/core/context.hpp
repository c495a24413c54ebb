// SPDX-License-Identifier: MIT
// A context: one open file of the device, i.e. one device address space.
// Its tensors, programs and queues live in that address space; it owns the
// completion thread and an internal queue for synchronous transfers.
#pragma once

#include "../backend/backend.hpp"
#include "device.hpp"
#include "object.hpp"

#include <tern/tern.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace tern::rt {

class Completion;
class Queue;

class Context final : public Object {
public:
    static constexpr Kind kKind = Kind::context;

    explicit Context(Device* device);
    ~Context() override;
    tern_status init();

    Device* device() const { return device_.get(); }
    File* file() const { return file_.get(); }

    // Started on first use.
    Completion& completion();
    // The thread if it was started, else nullptr.
    Completion* started_completion() const {
        return completion_ptr_.load(std::memory_order_acquire);
    }

    // A handle in this file for the timeline syncobj of `src`, a queue of
    // another context (SYNCOBJ_HANDLE_TO_FD + FD_TO_HANDLE, cached).
    tern_status import_syncobj(Queue* src, uint32_t* handle);

    // Synchronous DMA between host memory and a device VA through the
    // internal queue (serialised per context).
    tern_status sync_write(uint64_t dst_va, const void* src, uint64_t size);
    tern_status sync_read(void* dst, uint64_t src_va, uint64_t size);

private:
    tern_status sync_queue(Queue** out);

    Ref<Device> device_;
    std::unique_ptr<File> file_;
    std::mutex mu_;  // guards completion_ creation and imported_
    std::unique_ptr<Completion> completion_;
    std::atomic<Completion*> completion_ptr_{nullptr};  // lock-free fast path
    // Imported syncobjs by source queue handle. Never evicted (a pending
    // in-fence may name one); the file's close frees them.
    std::vector<std::pair<uint64_t, uint32_t>> imported_;
    std::mutex sync_mu_;  // one synchronous transfer at a time
    Queue* sync_queue_ = nullptr;
};

}  // namespace tern::rt
