// SPDX-License-Identifier: MIT
// DRM syncobjs (drivers/gpu/drm/drm_syncobj.c semantics): binary or timeline
// containers of fences, and the DRM core ioctls on them. A context's syncobj
// is a view of its Timeline: point N is job N, attached at SUBMIT without
// any allocation.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "drm/tern_accel.h"  // drm.h: the core syncobj structures
#include "mock/mock_fence.hpp"
#include "mock/mock_handles.hpp"

namespace tern::rt::mock {

// The fences one syncobj point stands for; usually zero or one.
struct FenceSet {
    std::vector<Fence> fences;
    void add(Fence f) { fences.push_back(std::move(f)); }
    bool signalled() const;
    int error() const;  // first error among signalled fences, else 0
};

class Syncobj {
public:
    // A user syncobj (SYNCOBJ_CREATE), optionally holding a signalled fence.
    explicit Syncobj(bool signalled);
    // The syncobj of a context: points 1..attached() are its jobs.
    explicit Syncobj(std::shared_ptr<Timeline> context_timeline);

    bool is_context() const { return ctx_tl_ != nullptr; }

    // The fences that `point` (0: the syncobj's current fence) waits for,
    // added to *out. False when no fence is attached at that point yet.
    bool find(uint64_t point, FenceSet* out);
    // The same for a context syncobj, without allocating (SUBMIT's path).
    bool find_context(uint64_t point, Fence* out) const;

    // Attaches fences at `point`; point 0 replaces the current fence (and
    // drops a timeline, as drm_syncobj_replace_fence). Not for contexts.
    void add_point(uint64_t point, FenceSet fences);
    // Context syncobjs: job `seq` was submitted.
    void context_attach(uint64_t seq);

    // SYNCOBJ_QUERY: the last signalled point, or with `last_submitted`
    // the last attached one; 0 for a binary syncobj.
    uint64_t query(bool last_submitted);

    // Woken (key = point) when a fence is attached, for WAIT_FOR_SUBMIT.
    WaitQueue& attach_waiters() { return attach_wq_; }

private:
    void prune_locked();

    // Context syncobj.
    std::shared_ptr<Timeline> ctx_tl_;
    std::atomic<uint64_t> ctx_last_{0};

    // User syncobj.
    std::mutex mu_;
    std::multimap<uint64_t, Fence> chain_;  // timeline points not yet known signalled
    uint64_t base_ = 0;                     // points <= base_ signalled without error
    uint64_t last_ = 0;                     // highest timeline point attached (0: binary)
    bool has_binary_ = false;
    FenceSet binary_;

    WaitQueue attach_wq_;
};

using SyncobjTable = HandleTable<Syncobj>;

// The DRM core syncobj ioctls. Each returns 0 or a negative errno.
int syncobj_create(SyncobjTable& t, drm_syncobj_create* a);
int syncobj_destroy(SyncobjTable& t, drm_syncobj_destroy* a);
int syncobj_wait(SyncobjTable& t, drm_syncobj_wait* a);
int syncobj_timeline_wait(SyncobjTable& t, drm_syncobj_timeline_wait* a);
int syncobj_query(SyncobjTable& t, drm_syncobj_timeline_array* a);
int syncobj_timeline_signal(SyncobjTable& t, drm_syncobj_timeline_array* a);
int syncobj_transfer(SyncobjTable& t, drm_syncobj_transfer* a);
int syncobj_handle_to_fd(SyncobjTable& t, drm_syncobj_handle* a);
int syncobj_fd_to_handle(SyncobjTable& t, drm_syncobj_handle* a);

// Spin before sleeping in waits, in ns (TERN_MOCK_SPIN_NS overrides).
uint64_t wait_spin_ns();

}  // namespace tern::rt::mock
