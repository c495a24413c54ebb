// SPDX-License-Identifier: MIT
// One open file of a device function (one address space) and the raw
// ioctls the UAPI-level isolation tests use: buffers, contexts, one-command
// submits and waits. Every call checks its result with EXPECT_*.
#pragma once

#include <gtest/gtest.h>
#include <time.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "backend/backend.hpp"
#include "drm/tern_accel.h"

namespace tern_test {

struct UapiBo {
    uint32_t handle = 0;
    uint64_t va = 0;
    uint64_t size = 0;
    uint8_t* cpu = nullptr;  // mapped when the BO offers an mmap offset
};

class UapiSpace {
public:
    UapiSpace(tern::rt::Backend& be, const tern::rt::NodeInfo& node) {
        int err = 0;
        file_ = be.open_node(node, &err);
        EXPECT_NE(nullptr, file_) << node.path << ": " << err;
    }
    ~UapiSpace() {
        for (UapiBo& b : bos_) {
            if (b.cpu != nullptr) {
                file_->munmap(b.cpu, b.size);
            }
        }
    }
    UapiSpace(const UapiSpace&) = delete;
    UapiSpace& operator=(const UapiSpace&) = delete;

    tern::rt::File& f() { return *file_; }

    // A BO, mapped if it can be; with `fill`, it must be mappable and is
    // filled with that byte.
    UapiBo bo(uint64_t size, uint32_t flags, std::optional<uint8_t> fill = std::nullopt) {
        drm_tern_bo_create c{};
        c.size = size;
        c.flags = flags;
        EXPECT_EQ(0, file_->ioctl(DRM_IOCTL_TERN_BO_CREATE, &c));
        drm_tern_bo_info i{};
        i.handle = c.handle;
        EXPECT_EQ(0, file_->ioctl(DRM_IOCTL_TERN_BO_INFO, &i));
        UapiBo b{c.handle, c.va, i.size, nullptr};
        if (i.mmap_offset != 0 || fill) {
            int err = 0;
            b.cpu = static_cast<uint8_t*>(file_->mmap(i.mmap_offset, i.size, &err));
            EXPECT_NE(nullptr, b.cpu) << "mmap: " << err;
        }
        if (fill && b.cpu != nullptr) {
            std::memset(b.cpu, *fill, b.size);
        }
        bos_.push_back(b);
        return b;
    }
    drm_tern_ctx_create ctx() {
        drm_tern_ctx_create c{};
        c.priority = DRM_TERN_PRIORITY_NORMAL;
        EXPECT_EQ(0, file_->ioctl(DRM_IOCTL_TERN_CTX_CREATE, &c));
        return c;
    }
    int submit(const drm_tern_ctx_create& c, const drm_tern_cmd& cmd, uint64_t* seqno) {
        drm_tern_submit s{};
        s.ctx_id = c.ctx_id;
        s.cmd_count = 1;
        s.cmds_ptr = reinterpret_cast<uintptr_t>(&cmd);
        const int r = file_->ioctl(DRM_IOCTL_TERN_SUBMIT, &s);
        *seqno = s.seqno;
        return r;
    }
    // Waits (30 s at most) for `seqno` on the context's timeline, then
    // returns the context's state.
    drm_tern_ctx_query wait_and_query(const drm_tern_ctx_create& c, uint64_t seqno) {
        uint32_t handle = c.syncobj_handle;
        uint64_t point = seqno;
        drm_syncobj_timeline_wait w{};
        w.handles = reinterpret_cast<uintptr_t>(&handle);
        w.points = reinterpret_cast<uintptr_t>(&point);
        w.count_handles = 1;
        w.timeout_nsec = static_cast<int64_t>(monotonic_ns() + 30'000'000'000ull);
        w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
        EXPECT_EQ(0, file_->ioctl(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w));
        drm_tern_ctx_query q{};
        q.ctx_id = c.ctx_id;
        EXPECT_EQ(0, file_->ioctl(DRM_IOCTL_TERN_CTX_QUERY, &q));
        return q;
    }
    uint64_t param(uint32_t id) {
        drm_tern_param p{};
        p.param = id;
        EXPECT_EQ(0, file_->ioctl(DRM_IOCTL_TERN_GET_PARAM, &p));
        return p.value;
    }

private:
    static uint64_t monotonic_ns() {
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
    }

    std::unique_ptr<tern::rt::File> file_;
    std::vector<UapiBo> bos_;
};

}  // namespace tern_test
