// SPDX-License-Identifier: MIT
#include "harness/expect.hpp"

#include <sstream>

#include "harness/poll.hpp"

namespace tern::test {

const char* qerr_name(uint32_t err) {
    switch (err) {
        case TERN_QERR_NONE:
            return "NONE";
        case TERN_QERR_PAGE_FAULT:
            return "PAGE_FAULT";
        case TERN_QERR_BAD_OPCODE:
            return "BAD_OPCODE";
        case TERN_QERR_BAD_DESC:
            return "BAD_DESC";
        case TERN_QERR_PROGRAM:
            return "PROGRAM";
        case TERN_QERR_RING:
            return "RING";
        case TERN_QERR_BAD_SEMAPHORE:
            return "BAD_SEMAPHORE";
        case TERN_QERR_NO_CORES:
            return "NO_CORES";
        case TERN_QERR_WB:
            return "WB";
        case TERN_QERR_ASID:
            return "ASID";
        case TERN_QERR_INDEX:
            return "INDEX";
        default:
            return "?";
    }
}

std::string describe(const QueueRegs& r) {
    std::ostringstream s;
    s << std::hex << "status 0x" << r.status << " (err " << qerr_name(r.err()) << ") head 0x"
      << r.head << " tail 0x" << r.tail << " completed_seq 0x" << r.completed_seq << " err_index 0x"
      << r.err_index << " err_op 0x" << r.err_op << " fault_va 0x" << r.fault_va << " fault_info 0x"
      << r.fault_info << " (reason " << r.fault_reason() << " write " << r.fault_write()
      << " engine " << r.fault_engine() << " level " << r.fault_level() << ")";
    return s.str();
}

::testing::AssertionResult halts_with(QueueDriver& q, uint32_t err) {
    q.wait_halted();
    const QueueRegs r = q.regs();
    if (!r.halted()) {
        return ::testing::AssertionFailure() << "queue " << q.index() << " did not halt (expected "
                                             << qerr_name(err) << "): " << describe(r);
    }
    if (r.err() != err) {
        return ::testing::AssertionFailure()
               << "queue " << q.index() << " halted with " << qerr_name(r.err()) << ", expected "
               << qerr_name(err) << ": " << describe(r);
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult completes(QueueDriver& q, uint64_t seq) {
    if (q.wait_seq(seq) && !q.halted()) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "queue " << q.index() << " did not complete seq " << seq
                                         << ": " << describe(q.regs());
}

::testing::AssertionResult writes_back(QueueDriver& q, uint64_t seq) {
    poll_until([&] { return q.wb_value() == seq || q.halted(); });
    if (q.wb_value() == seq) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "queue " << q.index() << ": write-back slot holds " << q.wb_value() << ", not " << seq
           << ": " << describe(q.regs());
}

::testing::AssertionResult fault_is(const QueueRegs& r, uint64_t va, uint32_t reason,
                                    uint32_t engine, bool write, int level) {
    bool ok = r.halted() && r.err() == TERN_QERR_PAGE_FAULT && r.fault_va == va &&
              r.fault_reason() == reason && r.fault_engine() == engine && r.fault_write() == write;
    if (level != kAnyLevel) {
        ok = ok && r.fault_level() == static_cast<uint32_t>(level);
    }
    if (ok) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << std::hex << "expected page fault at va 0x" << va << " reason " << reason << " engine "
           << engine << " write " << write << " level " << std::dec << level << "; got "
           << describe(r);
}

}  // namespace tern::test
