// SPDX-License-Identifier: MIT
#include "mock/mock_file.hpp"

#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "mock/mock_bo.hpp"
#include "mock/mock_ctx.hpp"
#include "mock/mock_device.hpp"
#include "mock/mock_util.hpp"
#include "mock/mock_vm.hpp"

namespace tern::rt::mock {

namespace {

using Handler = int (MockFile::*)(void*);

struct IoctlDesc {
    unsigned long cmd;  // the kernel's definition: size and direction
    Handler fn;
};

// drm_ioctls[] and the driver's ioctl table, indexed by nr.
const IoctlDesc* lookup(unsigned nr) {
    static const struct {
        unsigned nr;
        IoctlDesc d;
    } table[] = {
        {_IOC_NR(DRM_IOCTL_VERSION), {DRM_IOCTL_VERSION, &MockFile::version}},
        {_IOC_NR(DRM_IOCTL_GEM_CLOSE), {DRM_IOCTL_GEM_CLOSE, &MockFile::gem_close}},
        {_IOC_NR(DRM_IOCTL_SYNCOBJ_CREATE), {DRM_IOCTL_SYNCOBJ_CREATE, &MockFile::sync_create}},
        {_IOC_NR(DRM_IOCTL_SYNCOBJ_DESTROY), {DRM_IOCTL_SYNCOBJ_DESTROY, &MockFile::sync_destroy}},
        {_IOC_NR(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD),
         {DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &MockFile::sync_handle_to_fd}},
        {_IOC_NR(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE),
         {DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &MockFile::sync_fd_to_handle}},
        {_IOC_NR(DRM_IOCTL_SYNCOBJ_WAIT), {DRM_IOCTL_SYNCOBJ_WAIT, &MockFile::sync_wait}},
        {_IOC_NR(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT),
         {DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &MockFile::sync_timeline_wait}},
        {_IOC_NR(DRM_IOCTL_SYNCOBJ_QUERY), {DRM_IOCTL_SYNCOBJ_QUERY, &MockFile::sync_query}},
        {_IOC_NR(DRM_IOCTL_SYNCOBJ_TRANSFER),
         {DRM_IOCTL_SYNCOBJ_TRANSFER, &MockFile::sync_transfer}},
        {_IOC_NR(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL),
         {DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &MockFile::sync_timeline_signal}},
        {_IOC_NR(DRM_IOCTL_TERN_GET_PARAM), {DRM_IOCTL_TERN_GET_PARAM, &MockFile::get_param}},
        {_IOC_NR(DRM_IOCTL_TERN_GET_INFO), {DRM_IOCTL_TERN_GET_INFO, &MockFile::get_info}},
        {_IOC_NR(DRM_IOCTL_TERN_BO_CREATE), {DRM_IOCTL_TERN_BO_CREATE, &MockFile::bo_create}},
        {_IOC_NR(DRM_IOCTL_TERN_BO_INFO), {DRM_IOCTL_TERN_BO_INFO, &MockFile::bo_info}},
        {_IOC_NR(DRM_IOCTL_TERN_CTX_CREATE), {DRM_IOCTL_TERN_CTX_CREATE, &MockFile::ctx_create}},
        {_IOC_NR(DRM_IOCTL_TERN_CTX_DESTROY), {DRM_IOCTL_TERN_CTX_DESTROY, &MockFile::ctx_destroy}},
        {_IOC_NR(DRM_IOCTL_TERN_SUBMIT), {DRM_IOCTL_TERN_SUBMIT, &MockFile::submit}},
        {_IOC_NR(DRM_IOCTL_TERN_CTX_QUERY), {DRM_IOCTL_TERN_CTX_QUERY, &MockFile::ctx_query}},
        {_IOC_NR(DRM_IOCTL_TERN_PARTITION_SET),
         {DRM_IOCTL_TERN_PARTITION_SET, &MockFile::partition_set}},
    };
    for (const auto& e : table) {
        if (e.nr == nr) {
            return &e.d;
        }
    }
    return nullptr;
}

constexpr size_t kMaxArg = 1024;  // larger user sizes: the tail is the caller's own bytes
constexpr uint64_t kPage = TERN_PAGE_SIZE;

// BOs still mapped by the CPU when their file closed: the mapping stays
// valid (as a VMA would keep the GEM object), until the process exits.
struct Orphans {
    std::mutex mu;
    std::vector<std::shared_ptr<Bo>> bos;
};

Orphans& orphans() {
    static Orphans o;
    return o;
}

}  // namespace

MockFile::MockFile(std::shared_ptr<MockDevice> dev)
    : dev_(std::move(dev)), group_(std::make_shared<CtxGroup>(dev_->config().ban_threshold)) {
    dev_->open_files.fetch_add(1, std::memory_order_acq_rel);
}

MockFile::~MockFile() {
    // close(): contexts first (cancel, stop, signal), then the BOs they used,
    // then the address space itself.
    for (auto& e : ctxs_.take_all()) {
        e->ctx->destroy();
    }
    std::vector<std::shared_ptr<Bo>> mapped;
    {
        std::lock_guard lock(bo_mu_);
        for (auto& [addr, m] : mappings_) {
            mapped.push_back(std::move(m.bo));
        }
        mappings_.clear();
        offsets_.clear();
        for (auto& z : zombies_) {
            z.bo->unmap_from_vm();
        }
        zombies_.clear();
    }
    for (auto& bo : bos_.take_all()) {
        bo->unmap_from_vm();
    }
    for (auto& bo : mapped) {
        bo->unmap_from_vm();
    }
    if (!mapped.empty()) {
        std::lock_guard lock(orphans().mu);
        for (auto& bo : mapped) {
            orphans().bos.push_back(std::move(bo));
        }
    }
    syncobjs_.take_all();
    {
        std::lock_guard lock(vm_mu_);
        vm_.reset();
    }
    dev_->open_files.fetch_sub(1, std::memory_order_acq_rel);
}

bool MockFile::removed() const {
    return dev_->removed();
}

int MockFile::vm(Vm** out) {
    std::lock_guard lock(vm_mu_);
    if (!vm_) {
        int err = 0;
        vm_ = Vm::create(*dev_, &err);
        if (!vm_) {
            return err;
        }
    }
    *out = vm_.get();
    return 0;
}

// ---- Dispatch ---------------------------------------------------------------

int MockFile::ioctl(unsigned long request, void* arg) {
    if (_IOC_TYPE(request) != DRM_IOCTL_BASE) {
        return -ENOTTY;
    }
    const IoctlDesc* d = lookup(_IOC_NR(request));
    if (d == nullptr) {
        return -EINVAL;  // drm_ioctl(): unknown number
    }
    // drm_ioctl(): the caller's size and direction, intersected with ours;
    // a shorter argument is zero-extended, a longer one truncated.
    const size_t usize = _IOC_SIZE(request);
    const size_t in_size = (request & d->cmd & IOC_IN) != 0 ? std::min(usize, kMaxArg) : 0;
    const size_t out_size = (request & d->cmd & IOC_OUT) != 0 ? std::min(usize, kMaxArg) : 0;
    if ((in_size != 0 || out_size != 0) && arg == nullptr) {
        return -EFAULT;
    }
    alignas(16) uint8_t kdata[kMaxArg];
    std::memset(kdata, 0, std::max<size_t>(_IOC_SIZE(d->cmd), std::max(in_size, out_size)));
    std::memcpy(kdata, arg, in_size);
    int ret = 0;
    try {
        ret = (this->*d->fn)(kdata);
    } catch (const std::bad_alloc&) {
        ret = -ENOMEM;  // the kernel's kmalloc failure
    }
    if (out_size != 0) {
        std::memcpy(arg, kdata, out_size);  // copied back even on error, as the DRM core
    }
    return ret;
}

int MockFile::version(void* arg) {
    auto* v = static_cast<drm_version*>(arg);
    v->version_major = 0;
    v->version_minor = 1;
    v->version_patchlevel = 0;
    auto copy = [](const char* s, __kernel_size_t* len, char* buf) {
        const size_t n = std::strlen(s);
        const size_t c = std::min<size_t>(n, *len);
        if (c != 0 && buf == nullptr) {
            return false;
        }
        if (c != 0) {
            std::memcpy(buf, s, c);
        }
        *len = n;
        return true;
    };
    if (!copy("tern", &v->name_len, v->name) || !copy("20250101", &v->date_len, v->date) ||
        !copy("Tern T1 accelerator (mock)", &v->desc_len, v->desc)) {
        return -EFAULT;
    }
    return 0;
}

// ---- Syncobjs (DRM core) -----------------------------------------------------

int MockFile::sync_create(void* a) {
    return syncobj_create(syncobjs_, static_cast<drm_syncobj_create*>(a));
}
int MockFile::sync_destroy(void* a) {
    return syncobj_destroy(syncobjs_, static_cast<drm_syncobj_destroy*>(a));
}
int MockFile::sync_wait(void* a) {
    return syncobj_wait(syncobjs_, static_cast<drm_syncobj_wait*>(a));
}
int MockFile::sync_timeline_wait(void* a) {
    return syncobj_timeline_wait(syncobjs_, static_cast<drm_syncobj_timeline_wait*>(a));
}
int MockFile::sync_query(void* a) {
    return syncobj_query(syncobjs_, static_cast<drm_syncobj_timeline_array*>(a));
}
int MockFile::sync_timeline_signal(void* a) {
    return syncobj_timeline_signal(syncobjs_, static_cast<drm_syncobj_timeline_array*>(a));
}
int MockFile::sync_transfer(void* a) {
    return syncobj_transfer(syncobjs_, static_cast<drm_syncobj_transfer*>(a));
}
int MockFile::sync_handle_to_fd(void* a) {
    return syncobj_handle_to_fd(syncobjs_, static_cast<drm_syncobj_handle*>(a));
}
int MockFile::sync_fd_to_handle(void* a) {
    return syncobj_fd_to_handle(syncobjs_, static_cast<drm_syncobj_handle*>(a));
}

// ---- Buffer objects -------------------------------------------------------------

void MockFile::reap_locked() {
    std::erase_if(zombies_, [](Zombie& z) {
        for (const Fence& f : z.retire) {
            if (!f.signalled()) {
                return false;
            }
        }
        if (z.bo.use_count() != 1) {
            return false;  // still mapped by the CPU
        }
        z.bo->unmap_from_vm();
        return true;
    });
    have_zombies_.store(!zombies_.empty(), std::memory_order_release);
}

void MockFile::reap() {
    if (have_zombies_.load(std::memory_order_acquire)) {
        std::lock_guard lock(bo_mu_);
        reap_locked();
    }
}

int MockFile::bo_create(void* arg) {
    auto* a = static_cast<drm_tern_bo_create*>(arg);
    if (removed()) {
        return -ENODEV;
    }
    if (a->size == 0) {
        return -EINVAL;
    }
    const uint64_t size = (a->size + kPage - 1) & ~(kPage - 1);
    if (size < a->size || size > kVaEnd - kVaStart) {
        return -E2BIG;
    }
    if ((a->flags & ~DRM_TERN_BO_FLAGS) != 0) {
        return -EINVAL;
    }
    const uint32_t where = a->flags & (DRM_TERN_BO_HOST | DRM_TERN_BO_DEVICE);
    if (where != DRM_TERN_BO_HOST && where != DRM_TERN_BO_DEVICE) {
        return -EINVAL;
    }
    if (where == DRM_TERN_BO_DEVICE && size > dev_->info().mem_size) {
        return -E2BIG;
    }
    Vm* v = nullptr;
    if (int r = vm(&v); r != 0) {
        return r;
    }
    reap();  // closed BOs may hold the memory or VA we need
    std::shared_ptr<Bo> bo;
    if (int r = Bo::create(dev_, *v, size, a->flags, &bo); r != 0) {
        return r;
    }
    {
        std::lock_guard lock(bo_mu_);
        bo->mmap_offset = next_offset_;
        next_offset_ += size;
        offsets_.emplace(bo->mmap_offset, bo);
    }
    const uint32_t h = bos_.insert(bo);
    if (h == 0) {
        std::lock_guard lock(bo_mu_);
        offsets_.erase(bo->mmap_offset);
        bo->unmap_from_vm();
        return -ENOMEM;
    }
    a->handle = h;
    a->va = bo->va();
    return 0;
}

int MockFile::bo_info(void* arg) {
    auto* a = static_cast<drm_tern_bo_info*>(arg);
    if (removed()) {
        return -ENODEV;
    }
    auto bo = bos_.get(a->handle);
    if (!bo) {
        return -ENOENT;
    }
    a->flags = bo->flags();
    a->va = bo->va();
    a->size = bo->size();
    a->mmap_offset = bo->mmap_offset;
    return 0;
}

int MockFile::gem_close(void* arg) {
    auto* a = static_cast<drm_gem_close*>(arg);
    if (a->pad != 0) {
        return -EINVAL;
    }
    auto bo = bos_.remove(a->handle);
    if (!bo) {
        return -EINVAL;
    }
    // The device mapping stays until every job submitted so far is done.
    Zombie z;
    for (auto& e : ctxs_.snapshot()) {
        Fence f = e->ctx->last_fence();
        if (!f.signalled()) {
            z.retire.push_back(std::move(f));
        }
    }
    std::lock_guard lock(bo_mu_);
    offsets_.erase(bo->mmap_offset);
    z.bo = std::move(bo);
    zombies_.push_back(std::move(z));
    reap_locked();
    return 0;
}

void* MockFile::mmap(uint64_t offset, size_t length, int* err) {
    if (removed()) {
        *err = -ENODEV;
        return nullptr;
    }
    std::lock_guard lock(bo_mu_);
    auto it = offsets_.find(offset);
    if (length == 0 || it == offsets_.end() || length > it->second->size()) {
        *err = -EINVAL;
        return nullptr;
    }
    // Host pages or the BAR2 aperture; the record keeps the BO alive like
    // a VMA keeps its GEM object.
    void* p = it->second->cpu();
    Mapping& m = mappings_[reinterpret_cast<uintptr_t>(p)];
    m.bo = it->second;
    ++m.count;
    *err = 0;
    return p;
}

int MockFile::munmap(void* addr, size_t length) {
    std::lock_guard lock(bo_mu_);
    auto it = mappings_.find(reinterpret_cast<uintptr_t>(addr));
    if (it == mappings_.end() || length == 0 || length > it->second.bo->size()) {
        return -EINVAL;
    }
    if (--it->second.count == 0) {
        mappings_.erase(it);
    }
    reap_locked();
    return 0;
}

// ---- Contexts ---------------------------------------------------------------

int MockFile::ctx_create(void* arg) {
    auto* a = static_cast<drm_tern_ctx_create*>(arg);
    if (removed()) {
        return -ENODEV;
    }
    if (a->priority == DRM_TERN_PRIORITY_REALTIME && !thread_capable(kCapSysNice)) {
        return -EPERM;
    }
    if (a->priority > DRM_TERN_PRIORITY_REALTIME || a->flags != 0) {
        return -EINVAL;
    }
    if (group_->banned()) {
        return -ECANCELED;
    }
    reap();
    Vm* v = nullptr;
    if (int r = vm(&v); r != 0) {
        return r;
    }
    std::shared_ptr<MockCtx> ctx;
    if (int r = MockCtx::create(dev_, v->asid(), group_, a->priority, &ctx); r != 0) {
        return r;
    }
    auto entry = std::make_shared<CtxEntry>();
    entry->ctx = ctx;
    entry->syncobj_handle = syncobjs_.insert(ctx->syncobj());
    const uint32_t id = entry->syncobj_handle != 0 ? ctxs_.insert(entry) : 0;
    if (id == 0) {
        if (entry->syncobj_handle != 0) {
            syncobjs_.remove(entry->syncobj_handle);
        }
        ctx->destroy();
        return -ENOMEM;
    }
    a->ctx_id = id;
    a->syncobj_handle = entry->syncobj_handle;
    return 0;
}

int MockFile::ctx_destroy(void* arg) {
    auto* a = static_cast<drm_tern_ctx_destroy*>(arg);
    if (a->pad != 0) {
        return -EINVAL;
    }
    auto entry = ctxs_.remove(a->ctx_id);
    if (!entry) {
        return -ENOENT;
    }
    entry->ctx->destroy();
    syncobjs_.remove_if_same(entry->syncobj_handle, entry->ctx->syncobj().get());
    reap();
    return 0;
}

int MockFile::ctx_query(void* arg) {
    auto* a = static_cast<drm_tern_ctx_query*>(arg);
    if (removed()) {
        return -ENODEV;
    }
    if (a->flags != 0) {
        return -EINVAL;
    }
    auto entry = ctxs_.get(a->ctx_id);
    if (!entry) {
        return -ENOENT;
    }
    entry->ctx->query(a);
    return 0;
}

}  // namespace tern::rt::mock
