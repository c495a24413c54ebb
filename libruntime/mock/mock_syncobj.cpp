// SPDX-License-Identifier: MIT
#include "mock/mock_syncobj.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

// Older drm.h copies (libdrm 2.4.114) predate the deadline hint (Linux 6.5).
#ifndef DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE
#define DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE (1 << 3)
#endif

namespace tern::rt::mock {

namespace {

constexpr uint32_t kTimelineWaitFlags =
    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE;
constexpr uint32_t kWaitFlags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
                                DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
                                DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE;
// drm_syncobj_find_fence() waits this long for a fence to be submitted.
constexpr uint64_t kFindFenceTimeoutNs = 5000000000ull;
// Upper bound on handles per call, where the kernel would fail kmalloc.
constexpr uint32_t kMaxHandles = 1u << 20;

template <typename T>
const T* user_array(uint64_t ptr) {
    return reinterpret_cast<const T*>(static_cast<uintptr_t>(ptr));
}

template <typename T>
T* user_array_out(uint64_t ptr) {
    return reinterpret_cast<T*>(static_cast<uintptr_t>(ptr));
}

// One handle of a wait: its fences once attached.
struct WaitItem {
    std::shared_ptr<Syncobj> obj;
    uint64_t point = 0;
    bool available = false;
    Fence ctx_fence;  // context syncobjs: no allocation
    FenceSet fences;  // user syncobjs

    bool refresh() {
        if (!available) {
            available = obj->is_context() ? obj->find_context(point, &ctx_fence)
                                          : obj->find(point, &fences);
        }
        return available;
    }
    bool signalled() const {
        return available && (obj->is_context() ? ctx_fence.signalled() : fences.signalled());
    }
};

// drm_syncobj_array_find(): handles copied in, each looked up.
int find_all(SyncobjTable& t, uint64_t handles_ptr, uint32_t count, const uint64_t* points,
             std::vector<WaitItem>* items) {
    const uint32_t* handles = user_array<uint32_t>(handles_ptr);
    if (handles == nullptr) {
        return -EFAULT;
    }
    items->clear();
    items->resize(count);
    for (uint32_t i = 0; i < count; ++i) {
        (*items)[i].obj = t.get(handles[i]);
        if (!(*items)[i].obj) {
            items->clear();
            return -ENOENT;
        }
        (*items)[i].point = points != nullptr ? points[i] : 0;
    }
    return 0;
}

// drm_syncobj_array_wait_timeout(): spins briefly, then sleeps on a waker
// registered with every fence (or syncobj, for WAIT_FOR_SUBMIT) not done.
int wait_items(std::vector<WaitItem>& items, uint32_t flags, int64_t timeout_nsec,
               uint32_t* first_signaled) {
    const bool wait_all = (flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL) != 0;
    const bool avail_only = (flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) != 0;
    const bool for_submit = (flags & (DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
                                      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE)) != 0;

    for (auto& it : items) {
        if (!it.refresh() && !for_submit) {
            return -EINVAL;  // no fence and not asked to wait for one
        }
    }
    auto satisfied = [&]() {
        bool all = true;
        for (size_t i = 0; i < items.size(); ++i) {
            WaitItem& it = items[i];
            const bool done = it.refresh() && (avail_only || it.signalled());
            if (done && !wait_all) {
                *first_signaled = static_cast<uint32_t>(i);
                return true;
            }
            all = all && done;
        }
        return wait_all && all;
    };
    if (satisfied()) {
        return 0;
    }
    const uint64_t deadline = timeout_nsec <= 0 ? 0 : static_cast<uint64_t>(timeout_nsec);
    uint64_t now = monotonic_ns();
    if (deadline <= now) {
        return -ETIME;
    }
    // A job usually completes within microseconds: spinning that long is
    // cheaper than a futex sleep and wake-up.
    const uint64_t spin_end = std::min(deadline, now + wait_spin_ns());
    for (unsigned i = 1;; ++i) {
        if (satisfied()) {
            return 0;
        }
        if (i % 32 == 0 && monotonic_ns() >= spin_end) {
            break;
        }
        cpu_relax();
    }

    Waker waker;
    std::vector<WaitQueue*> queues;
    for (;;) {
        const uint32_t seen = waker.word.load(std::memory_order_acquire);
        for (auto& it : items) {
            if (!it.refresh()) {
                it.obj->attach_waiters().add(&waker, it.point);
                queues.push_back(&it.obj->attach_waiters());
                continue;
            }
            if (avail_only) {
                continue;
            }
            auto reg = [&](const Fence& f) {
                if (!f.signalled()) {
                    f.tl->waiters().add(&waker, f.seq);
                    queues.push_back(&f.tl->waiters());
                }
            };
            if (it.obj->is_context()) {
                reg(it.ctx_fence);
            } else {
                for (const Fence& f : it.fences.fences) {
                    reg(f);
                }
            }
        }
        const bool done = satisfied();
        bool in_time = true;
        if (!done) {
            in_time = futex_wait_until(&waker.word, seen, deadline);
        }
        for (WaitQueue* q : queues) {
            q->remove(&waker);
        }
        queues.clear();
        if (done || satisfied()) {
            return 0;
        }
        if (!in_time || monotonic_ns() >= deadline) {
            return -ETIME;
        }
    }
}

// SYNCOBJ_HANDLE_TO_FD: the mock has no anon inodes of its own, so an
// exported syncobj (or sync_file) is a memfd holding a token that names it
// in a process-wide table.
struct Exported {
    std::shared_ptr<Syncobj> obj;  // syncobj fd
    FenceSet fences;               // sync_file
};
constexpr uint64_t kTokenMagic = 0x434e5953'4e524554ull;  // "TERNSYNC"

struct ExportTable {
    std::mutex mu;
    uint64_t next = 1;
    std::unordered_map<uint64_t, Exported> map;
};

ExportTable& exports() {
    static ExportTable t;
    return t;
}

int export_fd(Exported e) {
    ExportTable& t = exports();
    uint64_t id;
    {
        std::lock_guard lock(t.mu);
        id = t.next++;
        t.map.emplace(id, std::move(e));
    }
    const int fd = memfd_create("tern-mock-syncobj", MFD_CLOEXEC);
    if (fd < 0) {
        std::lock_guard lock(t.mu);
        t.map.erase(id);
        return -EMFILE;
    }
    const uint64_t token[2] = {kTokenMagic, id};
    if (pwrite(fd, token, sizeof(token), 0) != static_cast<ssize_t>(sizeof(token))) {
        close(fd);
        std::lock_guard lock(t.mu);
        t.map.erase(id);
        return -ENOMEM;
    }
    return fd;
}

bool import_fd(int fd, Exported* out) {
    uint64_t token[2] = {0, 0};
    if (fd < 0 || pread(fd, token, sizeof(token), 0) != static_cast<ssize_t>(sizeof(token)) ||
        token[0] != kTokenMagic) {
        return false;
    }
    ExportTable& t = exports();
    std::lock_guard lock(t.mu);
    auto it = t.map.find(token[1]);
    if (it == t.map.end()) {
        return false;
    }
    *out = it->second;
    return true;
}

// drm_syncobj_find_fence() with optional WAIT_FOR_SUBMIT.
int find_fence(const std::shared_ptr<Syncobj>& obj, uint64_t point, uint32_t flags, FenceSet* out) {
    if (obj->find(point, out)) {
        return 0;
    }
    if ((flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) == 0) {
        return -EINVAL;
    }
    std::vector<WaitItem> items(1);
    items[0].obj = obj;
    items[0].point = point;
    uint32_t first = 0;
    const int r = wait_items(items, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
                             static_cast<int64_t>(monotonic_ns() + kFindFenceTimeoutNs), &first);
    if (r != 0) {
        return r;
    }
    return obj->find(point, out) ? 0 : -EINVAL;
}

}  // namespace

uint64_t wait_spin_ns() {
    static const uint64_t spin = [] {
        const char* v = std::getenv("TERN_MOCK_SPIN_NS");
        if (v != nullptr) {
            char* end = nullptr;
            const unsigned long long n = std::strtoull(v, &end, 10);
            if (end != v && *end == '\0' && n <= 10000000ull) {
                return static_cast<uint64_t>(n);
            }
        }
        return uint64_t{5000};
    }();
    return spin;
}

// ---- FenceSet / Syncobj ----------------------------------------------------

bool FenceSet::signalled() const {
    for (const Fence& f : fences) {
        if (!f.signalled()) {
            return false;
        }
    }
    return true;
}

int FenceSet::error() const {
    for (const Fence& f : fences) {
        if (f.signalled()) {
            if (int e = f.error(); e != 0) {
                return e;
            }
        }
    }
    return 0;
}

Syncobj::Syncobj(bool signalled) : has_binary_(signalled) {}

Syncobj::Syncobj(std::shared_ptr<Timeline> context_timeline)
    : ctx_tl_(std::move(context_timeline)) {}

bool Syncobj::find_context(uint64_t point, Fence* out) const {
    const uint64_t last = ctx_last_.load(std::memory_order_acquire);
    if (point > last) {
        return false;
    }
    // Point 0 is the current fence: the last job (or the signalled start).
    const uint64_t seq = point == 0 ? last : point;
    out->tl = seq == 0 ? nullptr : ctx_tl_;
    out->seq = seq;
    return true;
}

void Syncobj::prune_locked() {
    while (!chain_.empty()) {
        auto it = chain_.begin();
        const uint64_t key = it->first;
        auto range = chain_.equal_range(key);
        bool clean = true;
        for (auto r = range.first; r != range.second; ++r) {
            clean = clean && r->second.signalled() && r->second.error() == 0;
        }
        if (!clean) {
            break;
        }
        chain_.erase(range.first, range.second);
        base_ = key;
    }
}

bool Syncobj::find(uint64_t point, FenceSet* out) {
    if (is_context()) {
        Fence f;
        if (!find_context(point, &f)) {
            return false;
        }
        if (f.tl) {
            out->add(std::move(f));
        }
        return true;
    }
    std::lock_guard lock(mu_);
    prune_locked();
    if (point == 0) {
        if (last_ != 0) {
            for (const auto& [k, f] : chain_) {
                if (f.tl) {
                    out->add(f);
                }
            }
            return true;
        }
        if (!has_binary_) {
            return false;
        }
        for (const Fence& f : binary_.fences) {
            out->add(f);
        }
        return true;
    }
    // dma_fence_chain_find_seqno(): the first point at or after `point`,
    // which signals once it and every earlier point have.
    if (last_ == 0 || point > last_) {
        return false;
    }
    if (point <= base_) {
        return true;
    }
    auto node = chain_.lower_bound(point);
    const uint64_t upto = node == chain_.end() ? last_ : node->first;
    for (auto it = chain_.begin(); it != chain_.end() && it->first <= upto; ++it) {
        if (it->second.tl) {
            out->add(it->second);
        }
    }
    return true;
}

void Syncobj::add_point(uint64_t point, FenceSet fences) {
    {
        std::lock_guard lock(mu_);
        if (point == 0) {
            chain_.clear();
            base_ = last_ = 0;
            has_binary_ = true;
            binary_ = std::move(fences);
        } else {
            has_binary_ = false;
            binary_.fences.clear();
            if (last_ == 0) {
                base_ = 0;
            }
            if (fences.fences.empty()) {
                chain_.emplace(point, Fence{});  // the stub: lets prune/query move past it
            }
            for (Fence& f : fences.fences) {
                chain_.emplace(point, std::move(f));
            }
            if (point > last_) {
                last_ = point;
            }
            prune_locked();
        }
    }
    attach_wq_.notify(point == 0 ? UINT64_MAX : point);
}

void Syncobj::context_attach(uint64_t seq) {
    ctx_last_.store(seq, std::memory_order_release);
    attach_wq_.notify(seq);
}

uint64_t Syncobj::query(bool last_submitted) {
    if (is_context()) {
        const uint64_t last = ctx_last_.load(std::memory_order_acquire);
        return last_submitted ? last : std::min(ctx_tl_->signalled(), last);
    }
    std::lock_guard lock(mu_);
    if (last_ == 0) {
        return 0;
    }
    if (last_submitted) {
        return last_;
    }
    prune_locked();
    uint64_t point = base_;
    for (auto it = chain_.begin(); it != chain_.end();) {
        const uint64_t key = it->first;
        bool all = true;
        for (; it != chain_.end() && it->first == key; ++it) {
            all = all && it->second.signalled();
        }
        if (!all) {
            break;
        }
        point = key;
    }
    if (chain_.empty()) {
        point = last_;
    }
    return point;
}

// ---- Ioctls --------------------------------------------------------------

int syncobj_create(SyncobjTable& t, drm_syncobj_create* a) {
    if ((a->flags & ~DRM_SYNCOBJ_CREATE_SIGNALED) != 0) {
        return -EINVAL;
    }
    const uint32_t h =
        t.insert(std::make_shared<Syncobj>((a->flags & DRM_SYNCOBJ_CREATE_SIGNALED) != 0));
    if (h == 0) {
        return -ENOMEM;
    }
    a->handle = h;
    return 0;
}

int syncobj_destroy(SyncobjTable& t, drm_syncobj_destroy* a) {
    if (a->pad != 0) {
        return -EINVAL;
    }
    return t.remove(a->handle) ? 0 : -EINVAL;
}

int syncobj_wait(SyncobjTable& t, drm_syncobj_wait* a) {
    if ((a->flags & ~kWaitFlags) != 0 || a->count_handles == 0) {
        return -EINVAL;
    }
    if (a->count_handles > kMaxHandles) {
        return -ENOMEM;
    }
    thread_local std::vector<WaitItem> items;
    if (int r = find_all(t, a->handles, a->count_handles, nullptr, &items); r != 0) {
        return r;
    }
    const int r = wait_items(items, a->flags, a->timeout_nsec, &a->first_signaled);
    items.clear();
    return r;
}

int syncobj_timeline_wait(SyncobjTable& t, drm_syncobj_timeline_wait* a) {
    if ((a->flags & ~kTimelineWaitFlags) != 0 || a->count_handles == 0) {
        return -EINVAL;
    }
    if (a->count_handles > kMaxHandles) {
        return -ENOMEM;
    }
    const uint64_t* points = user_array<uint64_t>(a->points);
    if (points == nullptr) {
        return -EFAULT;
    }
    thread_local std::vector<WaitItem> items;
    if (int r = find_all(t, a->handles, a->count_handles, points, &items); r != 0) {
        return r;
    }
    const int r = wait_items(items, a->flags, a->timeout_nsec, &a->first_signaled);
    items.clear();
    return r;
}

int syncobj_query(SyncobjTable& t, drm_syncobj_timeline_array* a) {
    if ((a->flags & ~DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED) != 0 || a->count_handles == 0) {
        return -EINVAL;
    }
    if (a->count_handles > kMaxHandles) {
        return -ENOMEM;
    }
    std::vector<WaitItem> items;
    if (int r = find_all(t, a->handles, a->count_handles, nullptr, &items); r != 0) {
        return r;
    }
    uint64_t* points = user_array_out<uint64_t>(a->points);
    if (points == nullptr) {
        return -EFAULT;
    }
    const bool last = (a->flags & DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED) != 0;
    for (uint32_t i = 0; i < a->count_handles; ++i) {
        points[i] = items[i].obj->query(last);
    }
    return 0;
}

int syncobj_timeline_signal(SyncobjTable& t, drm_syncobj_timeline_array* a) {
    if (a->flags != 0 || a->count_handles == 0) {
        return -EINVAL;
    }
    if (a->count_handles > kMaxHandles) {
        return -ENOMEM;
    }
    std::vector<WaitItem> items;
    if (int r = find_all(t, a->handles, a->count_handles, nullptr, &items); r != 0) {
        return r;
    }
    const uint64_t* points = user_array<uint64_t>(a->points);
    if (points == nullptr) {
        return -EFAULT;
    }
    for (const auto& it : items) {
        // Only the kernel signals a context's timeline (tern_accel.h).
        if (it.obj->is_context()) {
            return -EPERM;
        }
    }
    for (uint32_t i = 0; i < a->count_handles; ++i) {
        items[i].obj->add_point(points[i], FenceSet{});  // the stub fence
    }
    return 0;
}

int syncobj_transfer(SyncobjTable& t, drm_syncobj_transfer* a) {
    if (a->pad != 0 || (a->flags & ~DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) != 0) {
        return -EINVAL;
    }
    auto src = t.get(a->src_handle);
    if (!src) {
        return -ENOENT;
    }
    FenceSet fences;
    if (int r = find_fence(src, a->src_point, a->flags, &fences); r != 0) {
        return r;
    }
    auto dst = t.get(a->dst_handle);
    if (!dst) {
        return -ENOENT;
    }
    if (dst->is_context()) {
        return -EPERM;
    }
    dst->add_point(a->dst_point, std::move(fences));
    return 0;
}

int syncobj_handle_to_fd(SyncobjTable& t, drm_syncobj_handle* a) {
    if (a->pad != 0 ||
        (a->flags != 0 && a->flags != DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE)) {
        return -EINVAL;
    }
    auto obj = t.get(a->handle);
    if (!obj) {
        return -ENOENT;
    }
    Exported e;
    if (a->flags == DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE) {
        if (!obj->find(0, &e.fences)) {
            return -EINVAL;
        }
    } else {
        e.obj = std::move(obj);
    }
    const int fd = export_fd(std::move(e));
    if (fd < 0) {
        return fd;
    }
    a->fd = fd;
    return 0;
}

int syncobj_fd_to_handle(SyncobjTable& t, drm_syncobj_handle* a) {
    if (a->pad != 0 ||
        (a->flags != 0 && a->flags != DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE)) {
        return -EINVAL;
    }
    Exported e;
    if (a->flags == DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE) {
        if (!import_fd(a->fd, &e) || e.obj) {
            return -EINVAL;
        }
        auto obj = t.get(a->handle);
        if (!obj) {
            return -ENOENT;
        }
        if (obj->is_context()) {
            return -EPERM;
        }
        obj->add_point(0, std::move(e.fences));
        return 0;
    }
    if (!import_fd(a->fd, &e) || !e.obj) {
        return -EINVAL;
    }
    const uint32_t h = t.insert(std::move(e.obj));
    if (h == 0) {
        return -ENOMEM;
    }
    a->handle = h;
    return 0;
}

}  // namespace tern::rt::mock
