// SPDX-License-Identifier: MIT
#include "harness/irq.hpp"

namespace tern::test {

void IrqMonitor::attach(sim::Function& fn) {
    fn.set_irq_handler([this](unsigned vector) { on_irq(vector); });
}

void IrqMonitor::on_irq(unsigned vector) {
    {
        std::lock_guard<std::mutex> lock(m_);
        if (vector < counts_.size()) {
            ++counts_[vector];
        } else {
            ++bad_vectors_;
        }
        ++total_;
    }
    cv_.notify_all();
}

uint64_t IrqMonitor::count(unsigned vector) const {
    std::lock_guard<std::mutex> lock(m_);
    return vector < counts_.size() ? counts_[vector] : 0;
}

uint64_t IrqMonitor::out_of_range() const {
    std::lock_guard<std::mutex> lock(m_);
    return bad_vectors_;
}

bool IrqMonitor::wait_count(unsigned vector, uint64_t n, Millis timeout) {
    return wait([&] { return count(vector) >= n; }, timeout, Millis(50));
}

}  // namespace tern::test
