// SPDX-License-Identifier: MIT
#include "harness/fixture.hpp"

namespace tern::test {

sim::CardConfig TernTest::small_config() {
    sim::CardConfig c;
    c.mem_size = 64ull << 20;
    c.num_cores = 8;
    c.num_queues = TERN_MAX_QUEUES;
    c.num_asids = TERN_MAX_ASIDS;
    c.housekeeping_period_us = 2000;
    return c;
}

void TernTest::SetUp() {
    arena_ = std::make_unique<HostArena>(host_);
    card_ = std::make_unique<sim::Card>(config(), host_);
    irqs_[0].attach(card_->pf());
}

void TernTest::TearDown() {
    card_.reset();
    workspaces_.clear();
    queues_.clear();
    spaces_.clear();
    arena_.reset();
}

sim::Function* TernTest::vf(unsigned i) {
    sim::Function* f = card_->vf(i);
    if (f == nullptr) {
        ADD_FAILURE() << "VF " << i << " does not exist";
        return nullptr;
    }
    irqs_.at(1 + i).attach(*f);
    return f;
}

IrqMonitor& TernTest::irq_of(sim::Function& fn) {
    for (unsigned i = 0; i < TERN_MAX_VFS; ++i) {
        if (card_->vf(i) == &fn) {
            return irqs_[1 + i];
        }
    }
    return irqs_[0];
}

AddressSpace& TernTest::space(sim::Function& fn, unsigned asid) {
    spaces_.push_back(std::make_unique<AddressSpace>(fn, *arena_, asid));
    return *spaces_.back();
}

QueueDriver& TernTest::queue(sim::Function& fn, unsigned q, unsigned order) {
    queues_.push_back(std::make_unique<QueueDriver>(fn, *arena_, irq_of(fn), q, order));
    return *queues_.back();
}

Workspace& TernTest::workspace(sim::Function& fn, unsigned asid, unsigned q, unsigned order) {
    workspaces_.push_back(std::make_unique<Workspace>(fn, *arena_, irq_of(fn), asid, q, order));
    EXPECT_TRUE(workspaces_.back()->ok())
        << "workspace setup (asid " << asid << ", queue " << q << ") failed";
    return *workspaces_.back();
}

}  // namespace tern::test
