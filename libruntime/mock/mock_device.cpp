// SPDX-License-Identifier: MIT
#include "mock/mock_device.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "mock/mock_ctx.hpp"
#include "mock/mock_util.hpp"
#include "tern/hw/tern_mmu.h"

#if TERN_MOCK_HAVE_NUMA
#include <numa.h>
#endif

namespace tern::rt::mock {

namespace {

constexpr uint64_t kMs = 1000000ull;
// Function reset scrubs memory: hw-spec asks for >= 5 s.
constexpr uint64_t kResetTimeoutNs = 5000 * kMs;
constexpr uint64_t kAckTimeoutNs = 1000 * kMs;
constexpr uint64_t kPartTimeoutNs = 5000 * kMs;

// Bounded REQ/ACK poll: spin first (the model acknowledges synchronously),
// then back off so that a slow device does not eat a core.
template <typename Pred>
bool poll_until(Pred pred, uint64_t timeout_ns) {
    for (int i = 0; i < 256; ++i) {
        if (pred()) {
            return true;
        }
        cpu_relax();
    }
    const uint64_t deadline = monotonic_ns() + timeout_ns;
    while (!pred()) {
        if (monotonic_ns() >= deadline) {
            return pred();
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    return true;
}

int auto_numa_node(unsigned index) {
#if TERN_MOCK_HAVE_NUMA
    if (numa_available() >= 0) {
        return static_cast<int>(index % static_cast<unsigned>(numa_max_node() + 1));
    }
#endif
    (void)index;
    return -1;
}

}  // namespace

struct MockDevice::IrqGate {
    std::atomic<MockDevice*> dev{nullptr};
    std::atomic<uint32_t> active{0};
};

MockDevice::MockDevice(const DeviceConfig& config, std::shared_ptr<CardHolder> card,
                       sim::Function* fn, std::string path)
    : config_(config), card_(std::move(card)), fn_(fn), path_(std::move(path)) {}

std::shared_ptr<MockDevice> MockDevice::create_pf(const DeviceConfig& config, unsigned index,
                                                  std::string* error) {
    auto holder = std::make_shared<CardHolder>();
    sim::CardConfig cc;
    cc.mem_size = config.mem_size;
    cc.num_cores = config.num_cores;
    cc.num_queues = config.num_queues;
    cc.num_asids = config.num_asids;
    cc.housekeeping_period_us = config.housekeeping_us;
    try {
        holder->card = std::make_unique<sim::Card>(cc, holder->host);
    } catch (const std::exception& e) {
        *error = std::string("mock device ") + std::to_string(index) + ": " + e.what();
        return nullptr;
    }
    sim::Function* fn = &holder->card->pf();
    std::shared_ptr<MockDevice> dev(
        new MockDevice(config, std::move(holder), fn, "mock:" + std::to_string(index)));
    dev->index_ = index;
    const int node = config.numa_node == kNumaAuto ? auto_numa_node(index) : config.numa_node;
    if (!dev->probe(DRM_TERN_PCI_ADDRESS(0, index + 1, 0, 0), node, 0, error)) {
        return nullptr;
    }
    return dev;
}

bool MockDevice::probe(uint64_t pci_address, int numa_node, uint64_t mem_base, std::string* error) {
    sim::Function& f = *fn_;
    if (f.read32(TERN_REG_ID) != TERN_ID_MAGIC) {
        *error = path_ + ": no Tern function behind the registers (ID mismatch)";
        return false;
    }
    info_.hw_version = f.read32(TERN_REG_HW_VERSION);
    if ((info_.hw_version >> 16) != 1) {
        *error = path_ + ": unsupported hardware major version " +
                 std::to_string(info_.hw_version >> 16);
        return false;
    }
    info_.fw_version = f.read32(TERN_REG_FW_VERSION);
    info_.func_info = f.read32(TERN_REG_FUNC_INFO);
    info_.is_vf = (info_.func_info & TERN_FUNC_IS_VF) != 0;
    info_.vf_index = (info_.func_info & TERN_FUNC_VF_INDEX) >> TERN_FUNC_VF_INDEX_SHIFT;
    info_.caps = f.read32(TERN_REG_CAPS);
    info_.num_cores = f.read32(TERN_REG_NUM_CORES);
    info_.core_mask = f.read32(TERN_REG_CORE_MASK);
    info_.num_queues = std::min<uint32_t>(f.read32(TERN_REG_NUM_QUEUES), TERN_MAX_QUEUES);
    info_.num_asids = std::min<uint32_t>(f.read32(TERN_REG_NUM_ASIDS), TERN_MAX_ASIDS);
    info_.mem_size = f.read64(TERN_REG_MEM_SIZE);
    info_.pci_address = pci_address;
    info_.numa_node = numa_node;
    if (info_.num_queues == 0 || info_.num_asids == 0) {
        *error = path_ + ": function has no queues or address spaces";
        return false;
    }
    aperture_ = card_->card->device_memory() + mem_base;

    gate_ = std::make_shared<IrqGate>();
    gate_->dev.store(this, std::memory_order_release);
    f.set_irq_handler([gate = gate_](unsigned vector) {
        gate->active.fetch_add(1, std::memory_order_seq_cst);
        if (MockDevice* d = gate->dev.load(std::memory_order_seq_cst)) {
            d->on_irq(vector);
        }
        gate->active.fetch_sub(1, std::memory_order_release);
    });
    if (!function_reset()) {
        *error = path_ + ": function reset not acknowledged";
        return false;
    }
    last_event_seq_ = f.read32(TERN_REG_EVENT_SEQ);
    devmem_.reset(0, info_.mem_size);
    pt_pool_ = std::make_unique<PtPool>(card_->dma, numa_node);
    worker_ = std::thread([this] { worker(); });
    return true;
}

MockDevice::~MockDevice() {
    stop_.store(true, std::memory_order_release);
    kick();
    if (worker_.joinable()) {
        worker_.join();
    }
    {
        std::lock_guard lock(part_mu_);
        vf_devs_.clear();
    }
    if (gate_) {
        gate_->dev.store(nullptr, std::memory_order_seq_cst);
        while (gate_->active.load(std::memory_order_seq_cst) != 0) {
            std::this_thread::yield();
        }
    }
}

std::string MockDevice::pci_string() const {
    char buf[32];
    std::snprintf(
        buf, sizeof(buf), "%04x:%02x:%02x.%x", DRM_TERN_PCI_ADDRESS_DOMAIN(info_.pci_address),
        DRM_TERN_PCI_ADDRESS_BUS(info_.pci_address), DRM_TERN_PCI_ADDRESS_DEV(info_.pci_address),
        DRM_TERN_PCI_ADDRESS_FN(info_.pci_address));
    return buf;
}

bool MockDevice::function_reset() {
    sim::Function& f = *fn_;
    const uint32_t req = f.read32(TERN_REG_DEV_RESET_ACK) + 1;
    f.write32(TERN_REG_DEV_RESET_REQ, req);
    const bool ok = poll_until(
        [&] {
            return f.read32(TERN_REG_DEV_RESET_ACK) == req &&
                   (f.read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_READY) != 0;
        },
        kResetTimeoutNs);
    f.write32(TERN_REG_IRQ_MASK, 0);
    return ok;
}

// ---- Resources -------------------------------------------------------------

bool MockDevice::alloc_asid(uint32_t* asid) {
    std::lock_guard lock(res_mu_);
    for (uint32_t a = 0; a < info_.num_asids; ++a) {
        if ((asid_used_ >> a & 1) == 0) {
            asid_used_ |= 1ull << a;
            *asid = a;
            return true;
        }
    }
    return false;
}

void MockDevice::free_asid(uint32_t asid) {
    std::lock_guard lock(res_mu_);
    asid_used_ &= ~(1ull << asid);
}

bool MockDevice::alloc_queue(uint32_t* q, bool* nomem) {
    *nomem = false;
    std::lock_guard lock(res_mu_);
    for (uint32_t i = 0; i < info_.num_queues; ++i) {
        if ((queue_used_ >> i & 1) != 0) {
            continue;
        }
        HwQueue& hq = queues_[i];
        if (hq.mem.cpu() == nullptr &&
            !hq.mem.allocate(card_->dma, kRingEntries * TERN_DESC_SIZE + TERN_PAGE_SIZE,
                             info_.numa_node)) {
            *nomem = true;
            return false;
        }
        queue_used_ |= 1u << i;
        *q = i;
        return true;
    }
    return false;
}

void MockDevice::free_queue(uint32_t q) {
    std::lock_guard lock(res_mu_);
    queue_used_ &= ~(1u << q);
}

bool MockDevice::devmem_alloc(uint64_t size, uint64_t* offset) {
    std::lock_guard lock(mem_mu_);
    // Large BOs go 2 MiB aligned so the MMU can use large pages for them.
    if (size >= TERN_LARGE_PAGE_SIZE) {
        if (auto o = devmem_.alloc(size, TERN_LARGE_PAGE_SIZE)) {
            *offset = *o;
            return true;
        }
    }
    if (auto o = devmem_.alloc(size, TERN_PAGE_SIZE)) {
        *offset = *o;
        return true;
    }
    return false;
}

void MockDevice::devmem_free(uint64_t offset, uint64_t size) {
    devmem_scrub(offset, size);
    std::lock_guard lock(mem_mu_);
    devmem_.free(offset, size);
}

uint64_t MockDevice::devmem_free_bytes() {
    std::lock_guard lock(mem_mu_);
    return devmem_.free_bytes();
}

void MockDevice::devmem_scrub(uint64_t offset, uint64_t size) {
    uint8_t* p = aperture_ + offset;
    // Whole pages of the model's (anonymous, private) memory are dropped
    // rather than written: same zeroes, without touching every byte.
    const auto addr = reinterpret_cast<uintptr_t>(p);
    if (addr % TERN_PAGE_SIZE == 0 && size % TERN_PAGE_SIZE == 0 && size >= (64u << 10) &&
        madvise(p, size, MADV_DONTNEED) == 0) {
        return;
    }
    std::memset(p, 0, size);
}

// ---- MMU -------------------------------------------------------------------

void MockDevice::mmu_set_root(uint32_t asid, uint64_t root_bus) {
    std::shared_lock reset(reset_mu_);  // a reset would clear it under us
    std::lock_guard lock(mmu_mu_);
    roots_[asid] = root_bus;
    fn_->write64(TERN_REG_MMU_ROOT(asid), root_bus == 0 ? 0 : (root_bus | TERN_MMU_ROOT_VALID));
}

bool MockDevice::mmu_invalidate(uint32_t asid, uint64_t va, uint64_t size) {
    if (removed()) {
        return true;  // the function is gone: nothing to acknowledge, nothing cached
    }
    std::shared_lock reset(reset_mu_);  // a reset clears REQ/ACK: never in between
    std::lock_guard lock(mmu_mu_);
    return mmu_invalidate_locked(size != 0 ? TERN_MMU_INV_RANGE : 0, asid, va, size);
}

bool MockDevice::mmu_invalidate_locked(uint32_t flags, uint32_t asid, uint64_t va, uint64_t size) {
    sim::Function& f = *fn_;
    f.write32(TERN_REG_MMU_INV_ASID, asid);
    f.write32(TERN_REG_MMU_INV_FLAGS, flags);
    f.write64(TERN_REG_MMU_INV_VA, va);
    f.write64(TERN_REG_MMU_INV_SIZE, size);
    const uint32_t req = f.read32(TERN_REG_MMU_INV_ACK) + 1;
    std::atomic_thread_fence(std::memory_order_release);  // PTE stores before the trigger
    f.write32(TERN_REG_MMU_INV_REQ, req);
    if (!poll_until([&] { return f.read32(TERN_REG_MMU_INV_ACK) == req; }, kAckTimeoutNs)) {
        log(LogLevel::kError, path_ + ": TLB invalidation not acknowledged");
        return false;
    }
    return true;
}

// ---- Queues ------------------------------------------------------------------

bool MockDevice::queue_reset(uint32_t q) {
    if (removed()) {
        return true;  // the function and its queues are gone
    }
    std::shared_lock reset(reset_mu_);
    sim::Function& f = *fn_;
    const uint32_t req = f.read32(TERN_QREG(q, TERN_Q_RESET_ACK)) + 1;
    f.write32(TERN_QREG(q, TERN_Q_RESET_REQ), req);
    if (!poll_until([&] { return f.read32(TERN_QREG(q, TERN_Q_RESET_ACK)) == req; },
                    kAckTimeoutNs)) {
        log(LogLevel::kError, path_ + ": queue " + std::to_string(q) + " reset not acknowledged");
        return false;
    }
    return true;
}

void MockDevice::bind_queue(uint32_t q, const std::shared_ptr<MockCtx>& ctx) {
    {
        std::lock_guard lock(ctx_mu_);
        ctxs_[q] = ctx;
    }
    slots_[q].ctx.store(ctx.get(), std::memory_order_seq_cst);
}

void MockDevice::unbind_queue(uint32_t q) {
    QueueSlot& s = slots_[q];
    s.ctx.store(nullptr, std::memory_order_seq_cst);
    // A handler that loaded the pointer before the store finishes first.
    while (s.active.load(std::memory_order_seq_cst) != 0) {
        std::this_thread::yield();
    }
    std::lock_guard lock(ctx_mu_);
    ctxs_[q].reset();
}

std::vector<std::shared_ptr<MockCtx>> MockDevice::bound_contexts() {
    std::vector<std::shared_ptr<MockCtx>> out;
    std::lock_guard lock(ctx_mu_);
    for (auto& w : ctxs_) {
        if (auto c = w.lock()) {
            out.push_back(std::move(c));
        }
    }
    return out;
}

// ---- Interrupts and the worker ---------------------------------------------

void MockDevice::on_irq(unsigned vector) {
    if (vector == TERN_MSIX_DEVICE) {
        event_pending_.store(true, std::memory_order_release);
        kick();
        return;
    }
    const unsigned q = vector - 1;
    if (q >= TERN_MAX_QUEUES) {
        return;
    }
    QueueSlot& s = slots_[q];
    s.active.fetch_add(1, std::memory_order_seq_cst);
    if (MockCtx* c = s.ctx.load(std::memory_order_seq_cst)) {
        c->irq();
    }
    s.active.fetch_sub(1, std::memory_order_release);
}

void MockDevice::kick() {
    work_word_.fetch_add(1, std::memory_order_release);
    futex_wake_all(&work_word_);
}

int MockDevice::inject_fatal_error() {
    if ((info_.caps & TERN_CAP_ERR_INJECT) == 0) {
        return -EOPNOTSUPP;
    }
    // SEQ must change for the register to fire again.
    const uint32_t cur = fn_->read32(TERN_REG_ERR_INJECT);
    const uint32_t seq = ((cur & TERN_INJECT_SEQ) >> TERN_INJECT_SEQ_SHIFT) + 1;
    fn_->write32(TERN_REG_ERR_INJECT,
                 TERN_INJECT_ECC_UNCORRECTED | ((seq << TERN_INJECT_SEQ_SHIFT) & TERN_INJECT_SEQ));
    return 0;
}

void MockDevice::handle_device_event() {
    sim::Function& f = *fn_;
    const uint32_t seq = f.read32(TERN_REG_EVENT_SEQ);
    if (seq == last_event_seq_) {
        return;
    }
    last_event_seq_ = seq;
    const uint32_t status = f.read32(TERN_REG_DEV_STATUS);
    if ((status & TERN_DEV_STATUS_FATAL) == 0) {
        return;  // throttle edges, apply/reset ACKs: state, nothing to recover
    }
    log(LogLevel::kError, path_ + ": fatal device error " +
                              std::to_string(f.read32(TERN_REG_FATAL_CODE)) +
                              ", resetting the function");
    std::unique_lock reset(reset_mu_);  // no queue comes up meanwhile
    auto ctxs = bound_contexts();
    if (!info_.is_vf) {
        // A PF reset removes every VF (hw-spec 9.3): their files see ENODEV.
        std::lock_guard lock(part_mu_);
        for (auto& vf : vf_devs_) {
            vf->removed_.store(true, std::memory_order_release);
            for (auto& c : vf->bound_contexts()) {
                ctxs.push_back(std::move(c));
            }
        }
        vf_devs_.clear();
        std::lock_guard mem_lock(mem_mu_);
        for (const auto& e : part_) {
            devmem_.free(e.mem_base, e.mem_size);  // windows are gone; PF BOs keep theirs
        }
        part_.clear();
    }
    for (auto& c : ctxs) {
        c->stop_for_reset();
    }
    function_reset();
    last_event_seq_ = f.read32(TERN_REG_EVENT_SEQ);
    {
        // The reset cleared every root; the address spaces (and BOs) live on.
        std::lock_guard lock(mmu_mu_);
        for (uint32_t a = 0; a < info_.num_asids; ++a) {
            if (roots_[a] != 0) {
                f.write64(TERN_REG_MMU_ROOT(a), roots_[a] | TERN_MMU_ROOT_VALID);
            }
        }
        mmu_invalidate_locked(TERN_MMU_INV_ALL_ASIDS, 0, 0, 0);
    }
    // After the lock: a context being destroyed holds its stop lock while it
    // waits for ours.
    reset.unlock();
    for (auto& c : ctxs) {
        c->finish_reset();
    }
}

void MockDevice::worker() {
    const uint64_t timeout_ns = uint64_t{config_.job_timeout_ms} * kMs;
    // Timeouts are found by scanning: at most a quarter late, never early.
    const uint64_t period = std::clamp<uint64_t>(timeout_ns / 4, kMs, 1000 * kMs);
    while (!stop_.load(std::memory_order_acquire)) {
        const uint32_t seen = work_word_.load(std::memory_order_acquire);
        if (event_pending_.exchange(false, std::memory_order_acq_rel)) {
            handle_device_event();
        }
        const uint64_t now = monotonic_ns();
        bool soon = false;
        for (auto& c : bound_contexts()) {
            soon = c->service(now, timeout_ns) || soon;
        }
        futex_wait_until(&work_word_, seen, now + (soon ? kMs : period));
    }
}

// ---- Partitions -------------------------------------------------------------

std::vector<std::shared_ptr<MockDevice>> MockDevice::vfs() {
    std::lock_guard lock(part_mu_);
    return vf_devs_;
}

void MockDevice::partition_table(drm_tern_partition_table* out) {
    std::memset(out, 0, sizeof(*out));
    std::lock_guard lock(part_mu_);
    out->num_vfs = static_cast<uint32_t>(part_.size());
    out->max_vfs = (info_.caps & TERN_CAP_PARTITIONING) != 0 ? TERN_MAX_VFS : 0;
    out->enabled_vfs = static_cast<uint32_t>(vf_devs_.size());
    out->card_core_mask = info_.core_mask;
    out->card_mem_size = info_.mem_size;
    for (size_t i = 0; i < part_.size() && i < DRM_TERN_MAX_PARTITIONS; ++i) {
        out->entries[i] = part_[i];
    }
}

int MockDevice::partition_set(const drm_tern_partition* entries, uint32_t num_vfs) {
    std::shared_lock reset(reset_mu_);
    std::lock_guard lock(part_mu_);
    // The mock has no sysfs: VFs are enabled right after a table is applied
    // and implicitly disabled again (sriov_numvfs = 0) by the next
    // PARTITION_SET, which is refused while a VF is in use.
    for (auto& vf : vf_devs_) {
        if (vf->open_files.load(std::memory_order_acquire) != 0) {
            return -EBUSY;
        }
    }
    auto same = [](const drm_tern_partition& a, const drm_tern_partition& b) {
        return a.mem_base == b.mem_base && a.mem_size == b.mem_size && a.core_mask == b.core_mask &&
               a.num_queues == b.num_queues && a.num_asids == b.num_asids;
    };
    {
        // VF windows are not PF memory: they must be free of PF BOs.
        std::lock_guard mem_lock(mem_mu_);
        for (const auto& e : part_) {
            devmem_.free(e.mem_base, e.mem_size);
        }
        bool ok = true;
        for (uint32_t i = 0; i < num_vfs && ok; ++i) {
            ok = devmem_.is_free(entries[i].mem_base, entries[i].mem_size);
        }
        if (!ok) {
            for (const auto& e : part_) {
                devmem_.reserve(e.mem_base, e.mem_size);
            }
            return -EBUSY;
        }
        for (uint32_t i = 0; i < num_vfs; ++i) {
            devmem_.reserve(entries[i].mem_base, entries[i].mem_size);
        }
    }
    auto restore = [&] {
        std::lock_guard mem_lock(mem_mu_);
        for (uint32_t i = 0; i < num_vfs; ++i) {
            devmem_.free(entries[i].mem_base, entries[i].mem_size);
        }
        for (const auto& e : part_) {
            devmem_.reserve(e.mem_base, e.mem_size);
        }
    };

    sim::Function& f = *fn_;
    f.write32(TERN_REG_PART_NUM_VFS, num_vfs);
    for (uint32_t i = 0; i < num_vfs; ++i) {
        const uint32_t base = TERN_REG_PART_ENTRY(i);
        f.write64(base + TERN_PART_MEM_BASE, entries[i].mem_base);
        f.write64(base + TERN_PART_MEM_SIZE, entries[i].mem_size);
        f.write32(base + TERN_PART_CORE_MASK, entries[i].core_mask);
        f.write32(base + TERN_PART_NUM_QUEUES, entries[i].num_queues);
        f.write32(base + TERN_PART_NUM_ASIDS, entries[i].num_asids);
    }
    const uint32_t req = f.read32(TERN_REG_PART_APPLY_ACK) + 1;
    f.write32(TERN_REG_PART_APPLY_REQ, req);
    if (!poll_until([&] { return f.read32(TERN_REG_PART_APPLY_ACK) == req; }, kPartTimeoutNs)) {
        restore();
        log(LogLevel::kError, path_ + ": partition apply not acknowledged");
        return -EIO;
    }
    const uint32_t status = f.read32(TERN_REG_PART_STATUS);
    if (status != TERN_PART_OK) {
        restore();
        log(LogLevel::kError,
            path_ + ": device rejected the partition table, status " + std::to_string(status));
        return -EIO;
    }

    std::vector<std::shared_ptr<MockDevice>> devs;
    for (uint32_t i = 0; i < num_vfs; ++i) {
        if (i < vf_devs_.size() && i < part_.size() && same(part_[i], entries[i]) &&
            !vf_devs_[i]->removed()) {
            devs.push_back(vf_devs_[i]);  // unchanged entry: the VF keeps its state
            continue;
        }
        sim::Function* vf = card_->card->vf(i);
        std::string err;
        std::shared_ptr<MockDevice> d;
        if (vf != nullptr) {
            d.reset(new MockDevice(config_, card_, vf, path_ + ".vf" + std::to_string(i)));
            d->index_ = i;
            const uint32_t rid = i + 1;  // ARI routing ID: PF is function 0
            if (!d->probe(DRM_TERN_PCI_ADDRESS(0, index_ + 1, rid >> 3, rid & 7), info_.numa_node,
                          entries[i].mem_base, &err)) {
                d.reset();
            }
        }
        if (!d) {
            log(LogLevel::kError, path_ + ": VF " + std::to_string(i) + " did not come up: " + err);
            continue;
        }
        devs.push_back(std::move(d));
    }
    for (auto& old : vf_devs_) {
        if (std::find(devs.begin(), devs.end(), old) == devs.end()) {
            old->removed_.store(true, std::memory_order_release);
        }
    }
    vf_devs_ = std::move(devs);
    part_.assign(entries, entries + num_vfs);
    return 0;
}

}  // namespace tern::rt::mock
