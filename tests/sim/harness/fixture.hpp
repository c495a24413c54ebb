// SPDX-License-Identifier: MIT
// Base fixture: one small card, host memory, an IRQ monitor per function and
// owners for the drivers a test creates. Teardown destroys the card first, so
// device threads never see freed host memory or monitors.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <vector>

#include "harness/address_space.hpp"
#include "harness/host_arena.hpp"
#include "harness/irq.hpp"
#include "harness/queue.hpp"
#include "harness/workspace.hpp"
#include "tern/sim/card.hpp"
#include "tern/sim/host_memory.hpp"

namespace tern::test {

class TernTest : public ::testing::Test {
protected:
    // 64 MiB, 8 cores, all queues and ASIDs, 2 ms housekeeping.
    static sim::CardConfig small_config();
    // Override to change the card a test class gets.
    virtual sim::CardConfig config() const { return small_config(); }

    void SetUp() override;
    void TearDown() override;

    sim::Card& card() { return *card_; }
    sim::Function& pf() { return card_->pf(); }
    // VF i after a partition apply; attaches its IRQ monitor. Fails the test
    // and returns nullptr if it does not exist.
    sim::Function* vf(unsigned i);
    IrqMonitor& pf_irq() { return irqs_[0]; }
    IrqMonitor& vf_irq(unsigned i) { return irqs_.at(1 + i); }
    IrqMonitor& irq_of(sim::Function& fn);
    HostArena& arena() { return *arena_; }
    sim::MappedHostMemory& host() { return host_; }

    // Objects owned by the fixture (alive until the card is gone).
    AddressSpace& space(sim::Function& fn, unsigned asid);
    QueueDriver& queue(sim::Function& fn, unsigned q, unsigned order = 6);
    Workspace& workspace(sim::Function& fn, unsigned asid, unsigned q, unsigned order = 6);

private:
    sim::MappedHostMemory host_;
    std::unique_ptr<HostArena> arena_;
    std::array<IrqMonitor, 1 + TERN_MAX_VFS> irqs_;
    std::vector<std::unique_ptr<AddressSpace>> spaces_;
    std::vector<std::unique_ptr<QueueDriver>> queues_;
    std::vector<std::unique_ptr<Workspace>> workspaces_;
    std::unique_ptr<sim::Card> card_;
};

}  // namespace tern::test
