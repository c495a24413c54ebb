// SPDX-License-Identifier: MIT
#include "tern/sim/card.hpp"

#include <sys/mman.h>

#include <cstring>
#include <stdexcept>

#include "card_impl.hpp"
#include "tern/hw/tern_mmu.h"

namespace tern::sim {

namespace {

void check_config(const CardConfig& c) {
    if (c.mem_size == 0 || c.mem_size % TERN_PART_ALIGN != 0) {
        throw std::invalid_argument("ternsim: mem_size must be a non-zero multiple of 2 MiB");
    }
    if (c.num_cores == 0 || c.num_cores > TERN_MAX_CORES) {
        throw std::invalid_argument("ternsim: num_cores must be 1..TERN_MAX_CORES");
    }
    if (c.num_queues == 0 || c.num_queues > TERN_MAX_QUEUES) {
        throw std::invalid_argument("ternsim: num_queues must be 1..TERN_MAX_QUEUES");
    }
    if (c.num_asids == 0 || c.num_asids > TERN_MAX_ASIDS) {
        throw std::invalid_argument("ternsim: num_asids must be 1..TERN_MAX_ASIDS");
    }
    if (c.housekeeping_period_us == 0) {
        throw std::invalid_argument("ternsim: housekeeping_period_us must be > 0");
    }
}

uint32_t all_cores(uint32_t n) {
    return n >= 32 ? ~0U : (1U << n) - 1;
}

}  // namespace

CardImpl::CardImpl(const CardConfig& config, HostMemory& host)
    : config_((check_config(config), config)),
      host_(host),
      start_(std::chrono::steady_clock::now()),
      telemetry_(config.num_cores) {
    if (config_.device_memory != nullptr) {
        mem_ = config_.device_memory;
    } else {
        // Anonymous mapping: untouched pages cost nothing, and a reset can
        // hand them back instead of writing zeros.
        void* p = mmap(nullptr, config_.mem_size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            throw std::runtime_error("ternsim: cannot allocate device memory");
        }
        // Huge pages: the first touch of device memory (model weights, DMA
        // destinations) otherwise costs one fault per 4 KiB and dominates
        // large loads. Advice only: without THP the mapping still works.
        (void)madvise(p, config_.mem_size, MADV_HUGEPAGE);
        mem_ = static_cast<uint8_t*>(p);
        mem_owned_ = true;
    }
    pf_ = std::make_unique<FunctionImpl>(*this, false, 0);
    for (unsigned i = 0; i < TERN_MAX_VFS; ++i) {
        vfs_[i] = std::make_unique<FunctionImpl>(*this, true, i);
    }
    {
        const FunctionResources res{0, config_.mem_size, all_cores(config_.num_cores),
                                    config_.num_queues, config_.num_asids};
        std::lock_guard lock(pf_->trigger_mutex());
        pf_->power_on(res, config_.pf_registers);
    }
    hk_thread_ = std::thread([this] { housekeeping(); });
}

CardImpl::~CardImpl() {
    {
        std::lock_guard lock(hk_mu_);
        hk_stop_ = true;
    }
    hk_cv_.notify_all();
    hk_thread_.join();
    for (auto& vf : vfs_) {
        vf->shutdown();
    }
    pf_->shutdown();
    vfs_ = {};
    pf_.reset();
    if (mem_owned_) {
        munmap(mem_, config_.mem_size);
    }
}

uint64_t CardImpl::now_ns() const {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now() - start_)
                                     .count());
}

Function* CardImpl::vf(unsigned index) {
    if (index >= TERN_MAX_VFS || !vfs_[index]->present()) {
        return nullptr;
    }
    return vfs_[index].get();
}

void CardImpl::set_vf_register_storage(unsigned index, uint8_t* storage) {
    if (index < TERN_MAX_VFS) {
        vf_storage_[index].store(storage, std::memory_order_release);
    }
}

uint8_t* CardImpl::vf_register_storage(unsigned index) const {
    return index < TERN_MAX_VFS ? vf_storage_[index].load(std::memory_order_acquire) : nullptr;
}

void CardImpl::zero_memory(uint64_t offset, uint64_t len) {
    if (offset > config_.mem_size || len > config_.mem_size - offset || len == 0) {
        return;
    }
    uint8_t* p = mem_ + offset;
    if (mem_owned_ && offset % TERN_PAGE_SIZE == 0 && len % TERN_PAGE_SIZE == 0 &&
        madvise(p, len, MADV_DONTNEED) == 0) {
        return;  // private anonymous pages read back as zero
    }
    std::memset(p, 0, len);
}

void CardImpl::disable_vfs() {
    for (auto& vf : vfs_) {
        std::lock_guard lock(vf->trigger_mutex());
        if (vf->present()) {
            vf->remove();
        }
    }
}

void CardImpl::publish_telemetry_all() {
    pf_->publish_telemetry();
    for (auto& vf : vfs_) {
        vf->publish_telemetry();  // no-op for absent slots
    }
}

void CardImpl::tick() {
    const bool changed = telemetry_.tick(now_ns());
    const bool throttled = telemetry_.throttled();
    auto visit = [&](FunctionImpl& f) {
        if (!f.present()) {
            return;
        }
        f.publish_telemetry();
        if (changed) {
            f.set_throttled(throttled);
        }
        f.kick_waiters();  // periodic semaphore re-check
    };
    visit(*pf_);
    for (auto& vf : vfs_) {
        visit(*vf);
    }
}

void CardImpl::wake_housekeeping() {
    {
        std::lock_guard lock(hk_mu_);
        hk_irqs_ = true;
    }
    hk_cv_.notify_all();
}

void CardImpl::housekeeping() {
    const auto period = std::chrono::microseconds(config_.housekeeping_period_us);
    auto next = std::chrono::steady_clock::now() + period;
    std::unique_lock lock(hk_mu_);
    for (;;) {
        hk_cv_.wait_until(lock, next, [this] { return hk_stop_ || hk_irqs_; });
        if (hk_stop_) {
            return;
        }
        const bool irqs = hk_irqs_;
        hk_irqs_ = false;
        lock.unlock();
        if (irqs) {
            pf_->deliver_posted_irqs();
            for (auto& vf : vfs_) {
                vf->deliver_posted_irqs();
            }
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= next) {
            tick();
            next += period;
            if (next < now) {
                next = now + period;  // fell behind (debugger, overload): no burst of ticks
            }
        }
        lock.lock();
    }
}

// ---- Public facade -----------------------------------------------------

Card::Card(const CardConfig& config, HostMemory& host)
    : impl_(std::make_unique<CardImpl>(config, host)) {}

Card::~Card() = default;

const CardConfig& Card::config() const {
    return impl_->config();
}

Function& Card::pf() {
    return impl_->pf();
}

Function* Card::vf(unsigned index) {
    return impl_->vf(index);
}

void Card::set_vf_register_storage(unsigned index, uint8_t* storage) {
    impl_->set_vf_register_storage(index, storage);
}

uint8_t* Card::device_memory() {
    return impl_->memory();
}

}  // namespace tern::sim
