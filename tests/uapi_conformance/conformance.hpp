// SPDX-License-Identifier: MIT
// Helpers of the UAPI conformance suite. Tests talk to a device only through
// tern::rt::Backend / File (ioctl, mmap), so the same suite can run against
// the kernel driver; only tests named Mock* rely on mock-only configuration
// (a short job timeout, a ban threshold, small ASID counts).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "drm/tern_accel.h"
#include "isa_program.hpp"
#include "mock/mock_backend.hpp"
#include "tern/hw/tern_isa.h"

namespace tern::conformance {

inline constexpr uint64_t kSecond = 1000000000ull;
// PCI identity as tern_accel.h documents the parameters.
inline constexpr uint64_t kVendorId = 0x7e12;
inline constexpr uint64_t kDevicePf = 0x0001;
inline constexpr uint64_t kDeviceVf = 0x0002;
inline constexpr uint64_t kRevision = 0x01;

uint64_t now_ns();  // CLOCK_MONOTONIC, the syncobj timeout clock

// The configuration most tests use: one small card.
rt::mock::MockConfig small_config(unsigned devices = 1);
// A backend over fresh devices (never the process-wide ones).
std::unique_ptr<rt::Backend> make_backend(const rt::mock::MockConfig& cfg);

struct BoRef {
    uint32_t handle = 0;
    uint64_t va = 0;
    uint64_t size = 0;
};

struct CtxRef {
    uint32_t id = 0;
    uint32_t syncobj = 0;
};

// One open file with typed helpers. Helpers that "must work" assert.
class Dev {
public:
    explicit Dev(std::unique_ptr<rt::File> f) : f_(std::move(f)) {}
    // Unmaps what map() mapped, then closes, as a tidy runtime would.
    ~Dev() { close(); }
    Dev(const Dev&) = delete;
    Dev& operator=(const Dev&) = delete;
    rt::File& file() { return *f_; }
    int io(unsigned long request, void* arg) { return f_->ioctl(request, arg); }
    void close();
    // Keeps the mapping of `p` alive past close() (it is not unmapped).
    void leak_mapping(void* p);

    uint64_t param(uint32_t id);
    BoRef bo(uint64_t size, uint32_t flags);
    void* map(const BoRef& bo);
    void close_bo(const BoRef& bo);
    CtxRef ctx(uint32_t priority = DRM_TERN_PRIORITY_NORMAL);
    void destroy(const CtxRef& c);
    // Returns the seqno; fails the test if SUBMIT fails.
    uint64_t submit(const CtxRef& c, const std::vector<drm_tern_cmd>& cmds,
                    const std::vector<drm_tern_fence>& fences = {});
    int try_submit(const CtxRef& c, const std::vector<drm_tern_cmd>& cmds,
                   const std::vector<drm_tern_fence>& fences = {}, uint64_t* seqno = nullptr);
    // TIMELINE_WAIT(WAIT_ALL) with an absolute deadline `timeout_ns` from now.
    int wait(uint32_t syncobj, uint64_t point, uint64_t timeout_ns = 10 * kSecond,
             uint32_t flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL);
    // Waits for point `seqno` of c and returns CTX_QUERY.
    drm_tern_ctx_query finish(const CtxRef& c, uint64_t seqno);
    drm_tern_ctx_query query(const CtxRef& c);
    uint32_t syncobj(uint32_t flags = 0);
    uint64_t syncobj_query(uint32_t handle, uint32_t flags = 0);

private:
    std::unique_ptr<rt::File> f_;
    std::vector<std::pair<void*, size_t>> maps_;
};

// Command builders.
drm_tern_cmd nop();
drm_tern_cmd dma(uint64_t src, uint64_t dst, uint64_t size);
drm_tern_cmd exec(uint64_t program_va, uint32_t program_size, uint64_t bindings_va,
                  uint32_t binding_count, uint32_t core_mask = 0);
drm_tern_cmd timestamp(uint64_t dst);

// Runs `fn` on a thread whose effective capability set lacks `cap`
// (capset(2) is per thread), so privilege checks can be tested as root.
void without_capability(int cap, const std::function<void()>& fn);
bool have_capability(int cap);

// Fixture: a fresh small card per test, `dev()` is a file on device 0.
class Conformance : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;
    virtual rt::mock::MockConfig config() const { return small_config(); }
    rt::Backend& backend() { return *backend_; }
    std::unique_ptr<Dev> open(size_t index = 0);
    Dev& dev() { return *dev_; }

private:
    std::unique_ptr<rt::Backend> backend_;
    std::unique_ptr<Dev> dev_;
};

}  // namespace tern::conformance
