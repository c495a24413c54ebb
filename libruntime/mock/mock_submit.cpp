// SPDX-License-Identifier: MIT
// DRM_IOCTL_TERN_SUBMIT: validation of every drm_tern_cmd field as
// docs/uapi.md specifies, translation to hardware descriptors, in-fence
// resolution. Errors come in the documented class order: EINVAL/E2BIG on
// fields, then on array elements, then EFAULT, ENOENT, ECANCELED, ENOMEM.
#include <cerrno>
#include <cstring>
#include <vector>

#include "mock/mock_ctx.hpp"
#include "mock/mock_device.hpp"
#include "mock/mock_file.hpp"
#include "tern/hw/tern_mmu.h"

namespace tern::rt::mock {

namespace {

constexpr uint64_t kVaLimit = 1ull << TERN_VA_BITS;
constexpr uint64_t kProgramAlign = 64;
constexpr uint64_t kBindingAlign = 16;
constexpr uint64_t kTimestampAlign = 8;

bool zero_words(const drm_tern_cmd& c, unsigned from) {
    for (unsigned i = from; i < 7; ++i) {
        if (c.raw[i] != 0) {
            return false;
        }
    }
    return true;
}

bool range_ok(uint64_t va, uint64_t size) {
    return va <= kVaLimit && size <= kVaLimit - va;
}

// One command: 0 and *out filled, or -EINVAL.
int translate(const drm_tern_cmd& c, const DeviceInfo& info, tern_desc* out) {
    std::memset(out, 0, sizeof(*out));
    if (c.flags != 0) {
        return -EINVAL;
    }
    switch (c.type) {
        case DRM_TERN_CMD_NOP:
            if (!zero_words(c, 0)) {
                return -EINVAL;
            }
            out->hdr.opcode = TERN_OP_NOP;
            return 0;
        case DRM_TERN_CMD_DMA_COPY: {
            const drm_tern_cmd_dma& d = c.dma;
            if (!zero_words(c, sizeof(d) / 8) || d.size == 0 || d.size > DRM_TERN_MAX_DMA_SIZE ||
                !range_ok(d.src_va, d.size) || !range_ok(d.dst_va, d.size)) {
                return -EINVAL;
            }
            out->dma.hdr.opcode = TERN_OP_DMA_COPY;
            out->dma.src_va = d.src_va;
            out->dma.dst_va = d.dst_va;
            out->dma.size = d.size;
            return 0;
        }
        case DRM_TERN_CMD_EXECUTE: {
            const drm_tern_cmd_exec& e = c.exec;
            const bool mask_ok =
                info.num_cores >= 32 || (static_cast<uint64_t>(e.core_mask) >> info.num_cores) == 0;
            if (!zero_words(c, sizeof(e) / 8) || e.program_va % kProgramAlign != 0 ||
                e.program_size == 0 || e.program_size > DRM_TERN_MAX_PROGRAM_SIZE ||
                e.bindings_va % kBindingAlign != 0 || e.binding_count > DRM_TERN_MAX_BINDINGS ||
                (e.binding_count == 0 && e.bindings_va != 0) || !mask_ok || e.pad != 0) {
                return -EINVAL;
            }
            out->exec.hdr.opcode = TERN_OP_EXECUTE;
            out->exec.program_va = e.program_va;
            out->exec.bindings_va = e.bindings_va;
            out->exec.program_size = e.program_size;
            out->exec.binding_count = e.binding_count;
            out->exec.core_mask = e.core_mask;
            return 0;
        }
        case DRM_TERN_CMD_TIMESTAMP: {
            const drm_tern_cmd_timestamp& t = c.timestamp;
            if (!zero_words(c, sizeof(t) / 8) || t.dst_va % kTimestampAlign != 0 ||
                (info.caps & TERN_CAP_TIMESTAMP) == 0) {
                return -EINVAL;
            }
            out->ts.hdr.opcode = TERN_OP_TIMESTAMP;
            out->ts.dst_va = t.dst_va;
            return 0;
        }
        default:
            return -EINVAL;
    }
}

}  // namespace

int MockFile::submit(void* arg) {
    auto* s = static_cast<drm_tern_submit*>(arg);
    if (removed()) {
        return -ENODEV;
    }
    if (s->cmd_count > DRM_TERN_MAX_CMDS_PER_SUBMIT || s->in_fence_count > DRM_TERN_MAX_IN_FENCES) {
        return -E2BIG;
    }
    if (s->flags != 0) {
        return -EINVAL;
    }
    const auto* ucmds = reinterpret_cast<const drm_tern_cmd*>(static_cast<uintptr_t>(s->cmds_ptr));
    const auto* ufences =
        reinterpret_cast<const drm_tern_fence*>(static_cast<uintptr_t>(s->in_fences_ptr));

    // Reused per thread: no allocation on the hot path after warm-up.
    thread_local std::vector<tern_desc> descs;
    thread_local std::vector<Fence> fences;
    descs.resize(s->cmd_count);
    fences.clear();

    // Copy in each element once, then check it: later changes by another
    // thread cannot slip past validation.
    if (ucmds != nullptr) {
        const DeviceInfo& info = dev_->info();
        for (uint32_t i = 0; i < s->cmd_count; ++i) {
            drm_tern_cmd c;
            std::memcpy(&c, &ucmds[i], sizeof(c));
            if (int r = translate(c, info, &descs[i]); r != 0) {
                return r;
            }
        }
    }
    int lookup_err = 0;
    if (ufences != nullptr) {
        FenceSet set;
        for (uint32_t i = 0; i < s->in_fence_count; ++i) {
            drm_tern_fence f;
            std::memcpy(&f, &ufences[i], sizeof(f));
            if (f.pad != 0) {
                return -EINVAL;
            }
            auto obj = syncobjs_.get(f.handle);
            if (!obj) {
                lookup_err = -ENOENT;  // reported after the EINVAL and EFAULT classes
                continue;
            }
            if (obj->is_context()) {
                Fence one;
                if (!obj->find_context(f.point, &one)) {
                    return -EINVAL;  // wait-before-submit is not supported
                }
                if (one.tl) {
                    fences.push_back(std::move(one));
                }
                continue;
            }
            set.fences.clear();
            if (!obj->find(f.point, &set)) {
                return -EINVAL;
            }
            for (Fence& x : set.fences) {
                fences.push_back(std::move(x));
            }
        }
    }
    if ((s->cmd_count != 0 && ucmds == nullptr) || (s->in_fence_count != 0 && ufences == nullptr)) {
        return -EFAULT;
    }
    auto entry = ctxs_.get(s->ctx_id);
    if (!entry) {
        return -ENOENT;
    }
    if (lookup_err != 0) {
        return lookup_err;
    }
    reap();  // a closed BO whose jobs are done loses its VA before new work runs
    uint64_t seqno = 0;
    const int r = entry->ctx->submit(descs.data(), s->cmd_count, fences.data(),
                                     static_cast<uint32_t>(fences.size()), &seqno);
    fences.clear();  // drop timeline references now, not at the next submit
    if (r != 0) {
        return r;
    }
    s->seqno = seqno;
    return 0;
}

}  // namespace tern::rt::mock
