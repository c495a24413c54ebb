// SPDX-License-Identifier: MIT
#include "conformance.hpp"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <thread>

namespace tern::conformance {

uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * kSecond + static_cast<uint64_t>(ts.tv_nsec);
}

rt::mock::MockConfig small_config(unsigned devices) {
    rt::mock::MockConfig cfg;
    rt::mock::DeviceConfig d;
    d.mem_size = 64ull << 20;
    d.num_cores = 8;
    d.housekeeping_us = 2000;  // telemetry moves quickly
    d.numa_node = -1;
    cfg.devices.assign(devices, d);
    return cfg;
}

std::unique_ptr<rt::Backend> make_backend(const rt::mock::MockConfig& cfg) {
    std::string err;
    auto b = rt::mock::make_mock_backend(cfg, &err);
    EXPECT_NE(b, nullptr) << err;
    return b;
}

// ---- Dev -------------------------------------------------------------------

uint64_t Dev::param(uint32_t id) {
    drm_tern_param p{};
    p.param = id;
    EXPECT_EQ(io(DRM_IOCTL_TERN_GET_PARAM, &p), 0) << "param " << id;
    return p.value;
}

BoRef Dev::bo(uint64_t size, uint32_t flags) {
    drm_tern_bo_create c{};
    c.size = size;
    c.flags = flags;
    EXPECT_EQ(io(DRM_IOCTL_TERN_BO_CREATE, &c), 0) << "BO_CREATE " << size;
    return {c.handle, c.va, (size + 4095) & ~4095ull};
}

void* Dev::map(const BoRef& bo) {
    drm_tern_bo_info info{};
    info.handle = bo.handle;
    EXPECT_EQ(io(DRM_IOCTL_TERN_BO_INFO, &info), 0);
    int err = 0;
    void* p = f_->mmap(info.mmap_offset, info.size, &err);
    EXPECT_NE(p, nullptr) << "mmap: " << err;
    if (p != nullptr) {
        maps_.emplace_back(p, info.size);
    }
    return p;
}

void Dev::leak_mapping(void* p) {
    std::erase_if(maps_, [p](const auto& m) { return m.first == p; });
}

void Dev::close() {
    if (f_) {
        for (const auto& [p, size] : maps_) {
            f_->munmap(p, size);  // may already be unmapped by the test: ignored
        }
    }
    maps_.clear();
    f_.reset();
}

void Dev::close_bo(const BoRef& bo) {
    drm_gem_close c{};
    c.handle = bo.handle;
    EXPECT_EQ(io(DRM_IOCTL_GEM_CLOSE, &c), 0);
}

CtxRef Dev::ctx(uint32_t priority) {
    drm_tern_ctx_create c{};
    c.priority = priority;
    EXPECT_EQ(io(DRM_IOCTL_TERN_CTX_CREATE, &c), 0);
    return {c.ctx_id, c.syncobj_handle};
}

void Dev::destroy(const CtxRef& c) {
    drm_tern_ctx_destroy d{};
    d.ctx_id = c.id;
    EXPECT_EQ(io(DRM_IOCTL_TERN_CTX_DESTROY, &d), 0);
}

int Dev::try_submit(const CtxRef& c, const std::vector<drm_tern_cmd>& cmds,
                    const std::vector<drm_tern_fence>& fences, uint64_t* seqno) {
    drm_tern_submit s{};
    s.ctx_id = c.id;
    s.cmd_count = static_cast<uint32_t>(cmds.size());
    s.cmds_ptr = cmds.empty() ? 0 : reinterpret_cast<uintptr_t>(cmds.data());
    s.in_fence_count = static_cast<uint32_t>(fences.size());
    s.in_fences_ptr = fences.empty() ? 0 : reinterpret_cast<uintptr_t>(fences.data());
    const int r = io(DRM_IOCTL_TERN_SUBMIT, &s);
    if (seqno != nullptr) {
        *seqno = s.seqno;
    }
    return r;
}

uint64_t Dev::submit(const CtxRef& c, const std::vector<drm_tern_cmd>& cmds,
                     const std::vector<drm_tern_fence>& fences) {
    uint64_t seqno = 0;
    EXPECT_EQ(try_submit(c, cmds, fences, &seqno), 0);
    return seqno;
}

int Dev::wait(uint32_t syncobj, uint64_t point, uint64_t timeout_ns, uint32_t flags) {
    drm_syncobj_timeline_wait w{};
    w.handles = reinterpret_cast<uintptr_t>(&syncobj);
    w.points = reinterpret_cast<uintptr_t>(&point);
    w.count_handles = 1;
    w.flags = flags;
    w.timeout_nsec = static_cast<int64_t>(now_ns() + timeout_ns);
    return io(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
}

drm_tern_ctx_query Dev::query(const CtxRef& c) {
    drm_tern_ctx_query q{};
    q.ctx_id = c.id;
    EXPECT_EQ(io(DRM_IOCTL_TERN_CTX_QUERY, &q), 0);
    return q;
}

drm_tern_ctx_query Dev::finish(const CtxRef& c, uint64_t seqno) {
    EXPECT_EQ(wait(c.syncobj, seqno), 0) << "point " << seqno;
    return query(c);
}

uint32_t Dev::syncobj(uint32_t flags) {
    drm_syncobj_create c{};
    c.flags = flags;
    EXPECT_EQ(io(DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
    return c.handle;
}

uint64_t Dev::syncobj_query(uint32_t handle, uint32_t flags) {
    uint64_t point = ~0ull;
    drm_syncobj_timeline_array a{};
    a.handles = reinterpret_cast<uintptr_t>(&handle);
    a.points = reinterpret_cast<uintptr_t>(&point);
    a.count_handles = 1;
    a.flags = flags;
    EXPECT_EQ(io(DRM_IOCTL_SYNCOBJ_QUERY, &a), 0);
    return point;
}

// ---- Commands ----------------------------------------------------------------

drm_tern_cmd nop() {
    drm_tern_cmd c{};
    c.type = DRM_TERN_CMD_NOP;
    return c;
}

drm_tern_cmd dma(uint64_t src, uint64_t dst, uint64_t size) {
    drm_tern_cmd c{};
    c.type = DRM_TERN_CMD_DMA_COPY;
    c.dma.src_va = src;
    c.dma.dst_va = dst;
    c.dma.size = size;
    return c;
}

drm_tern_cmd exec(uint64_t program_va, uint32_t program_size, uint64_t bindings_va,
                  uint32_t binding_count, uint32_t core_mask) {
    drm_tern_cmd c{};
    c.type = DRM_TERN_CMD_EXECUTE;
    c.exec.program_va = program_va;
    c.exec.program_size = program_size;
    c.exec.bindings_va = bindings_va;
    c.exec.binding_count = binding_count;
    c.exec.core_mask = core_mask;
    return c;
}

drm_tern_cmd timestamp(uint64_t dst) {
    drm_tern_cmd c{};
    c.type = DRM_TERN_CMD_TIMESTAMP;
    c.timestamp.dst_va = dst;
    return c;
}

// ---- Capabilities ---------------------------------------------------------------

bool have_capability(int cap) {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (syscall(SYS_capget, &hdr, data) != 0) {
        return false;
    }
    return (data[cap / 32].effective >> (cap % 32) & 1) != 0;
}

void without_capability(int cap, const std::function<void()>& fn) {
    std::thread t([&] {
        __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2]{};
        ASSERT_EQ(syscall(SYS_capget, &hdr, data), 0);
        data[cap / 32].effective &= ~(1u << (cap % 32));
        ASSERT_EQ(syscall(SYS_capset, &hdr, data), 0);  // this thread only
        ASSERT_FALSE(have_capability(cap));
        fn();
    });
    t.join();
}

// ---- Fixture ------------------------------------------------------------------

void Conformance::SetUp() {
    backend_ = make_backend(config());
    ASSERT_NE(backend_, nullptr);
    dev_ = open(0);
    ASSERT_NE(dev_, nullptr);
}

void Conformance::TearDown() {
    dev_.reset();
    backend_.reset();
}

std::unique_ptr<Dev> Conformance::open(size_t index) {
    int err = 0;
    auto f = backend_->open(index, &err);
    EXPECT_NE(f, nullptr) << "open " << index << ": " << err;
    return f ? std::make_unique<Dev>(std::move(f)) : nullptr;
}

}  // namespace tern::conformance
