// SPDX-License-Identifier: MIT
// Telemetry (card physics, section 6) and ECC error injection.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "harness/desc.hpp"
#include "harness/device_control.hpp"
#include "harness/device_tensor.hpp"
#include "harness/expect.hpp"
#include "harness/fixture.hpp"
#include "harness/program_slot.hpp"
#include "isa_program.hpp"

namespace tern::test {
namespace {

constexpr uint32_t kAllSensors = TERN_TELEM_TEMP_DIE | TERN_TELEM_TEMP_HBM | TERN_TELEM_COOLANT_IN |
                                 TERN_TELEM_COOLANT_OUT | TERN_TELEM_COOLANT_FLOW |
                                 TERN_TELEM_POWER | TERN_TELEM_ENERGY | TERN_TELEM_CORE_UTIL |
                                 TERN_TELEM_ECC | TERN_TELEM_CLOCK;

struct Telemetry {
    uint32_t seq;
    int32_t die, hbm, cin, cout;
    uint32_t flow, power, clock;
    uint64_t energy;
};

// A snapshot from one housekeeping update (retries if a tick intervened).
Telemetry snapshot(sim::Function& f) {
    Telemetry t{};
    for (int i = 0; i < 100; ++i) {
        t.seq = f.read32(TERN_REG_TELEM_SEQ);
        t.die = static_cast<int32_t>(f.read32(TERN_REG_TEMP_DIE));
        t.hbm = static_cast<int32_t>(f.read32(TERN_REG_TEMP_HBM));
        t.cin = static_cast<int32_t>(f.read32(TERN_REG_COOLANT_IN));
        t.cout = static_cast<int32_t>(f.read32(TERN_REG_COOLANT_OUT));
        t.flow = f.read32(TERN_REG_COOLANT_FLOW);
        t.power = f.read32(TERN_REG_POWER);
        t.clock = f.read32(TERN_REG_CLOCK_MHZ);
        t.energy = f.read64(TERN_REG_ENERGY);
        if (f.read32(TERN_REG_TELEM_SEQ) == t.seq) {
            break;
        }
    }
    return t;
}

// Outlet = inlet + P / (flow_kg_s * 4186), in m°C, for P in mW.
double expected_outlet(const Telemetry& t) {
    const double flow_kg_s = t.flow / 1000.0 / 60.0;
    return t.cin + (t.power / 1000.0) / (flow_kg_s * 4186.0) * 1000.0;
}

class TelemetryTest : public TernTest {
protected:
    sim::CardConfig config() const override {
        sim::CardConfig c = small_config();
        c.housekeeping_period_us = 1000;
        return c;
    }
};

TEST_F(TelemetryTest, HeartbeatAndSequenceAdvance) {
    sim::Function& f = pf();
    const uint32_t hb0 = f.read32(TERN_REG_HEARTBEAT);
    const uint32_t seq0 = f.read32(TERN_REG_TELEM_SEQ);
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(poll_until([&] { return f.read32(TERN_REG_HEARTBEAT) >= hb0 + 20; }))
        << "heartbeat stuck at " << f.read32(TERN_REG_HEARTBEAT);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    // 20 ticks of 1 ms take at least ~19 ms; allow a catch-up burst after a
    // stall of the housekeeping thread, but not a clock running 2x fast.
    EXPECT_GE(ms, 10);
    EXPECT_GE(f.read32(TERN_REG_TELEM_SEQ), seq0 + 15);
    EXPECT_EQ(f.read32(TERN_REG_TELEM_VALID), kAllSensors);
}

TEST_F(TelemetryTest, IdleValuesArePlausibleWithUnits) {
    sim::Function& f = pf();
    ASSERT_TRUE(poll_until([&] { return f.read32(TERN_REG_TELEM_SEQ) >= 3; }));
    const Telemetry t = snapshot(f);
    EXPECT_EQ(t.cin, 30000) << "coolant inlet in m°C";
    EXPECT_EQ(t.flow, 1500u) << "mL/min";
    EXPECT_EQ(t.clock, 1400u) << "MHz, not throttled";
    EXPECT_NEAR(t.power, 45000.0, 100.0) << "idle power in mW";
    EXPECT_GE(t.die, 29000);
    EXPECT_LE(t.die, 30000 + 0.12 * 45 * 1000 + 200);  // cannot exceed its idle target
    EXPECT_NEAR(t.hbm, t.cin + 0.6 * (t.die - t.cin), 50);
    EXPECT_NEAR(t.cout, expected_outlet(t), 20);  // ~30.43 °C at 45 W
    EXPECT_EQ(f.read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_THROTTLED, 0u);
    for (unsigned c = 0; c < 8; ++c) {
        EXPECT_EQ(f.read32(TERN_REG_CORE_UTIL(c)), 0u) << "idle core " << c;
    }
}

TEST_F(TelemetryTest, EnergyIntegratesPower) {
    sim::Function& f = pf();
    ASSERT_TRUE(poll_until([&] { return f.read32(TERN_REG_TELEM_SEQ) >= 2; }));
    const uint64_t e0 = f.read64(TERN_REG_ENERGY);
    const uint64_t t0 = f.read64(TERN_REG_TIMESTAMP);
    std::this_thread::sleep_for(Millis(150));
    const uint64_t e1 = f.read64(TERN_REG_ENERGY);
    const uint64_t t1 = f.read64(TERN_REG_TIMESTAMP);
    const double watts = (e1 - e0) / 1e6 / ((t1 - t0) / 1e9);
    // 45 W idle; allow for tick granularity and scheduling jitter.
    EXPECT_GT(watts, 45 * 0.6);
    EXPECT_LT(watts, 45 * 1.4);
}

// Keeps `cores` of the PF busy with matmuls and watches telemetry.
TEST_F(TelemetryTest, ComputeLoadRaisesUtilisationPowerAndTemperature) {
    sim::Function& f = pf();
    Workspace& ws = workspace(f, 1, 0, /*order=*/6);
    ProgramSlot slot(arena(), ws.space());
    DeviceAllocator alloc(0, ws.mem_size());
    constexpr uint32_t N = 192;
    const DeviceTensor a = alloc.alloc(N * N, TERN_ISA_DTYPE_FP32);
    const DeviceTensor o = alloc.alloc(N * N, TERN_ISA_DTYPE_FP32);
    ProgramBuilder pb;
    const uint16_t ta = pb.tensor(0, TERN_ISA_DTYPE_FP32, {N, N});
    const uint16_t to = pb.tensor(1, TERN_ISA_DTYPE_FP32, {N, N});
    pb.op(TERN_ISA_MATMUL, to, {ta, ta});
    constexpr uint32_t kCores = 0b0110;  // cores 1 and 2
    const tern_desc exec = slot.load(pb.build(), {binding_of(ws, a), binding_of(ws, o)}, kCores);

    ASSERT_TRUE(poll_until([&] { return f.read32(TERN_REG_TELEM_SEQ) >= 3; }));
    const Telemetry before = snapshot(f);
    QueueDriver& q = ws.queue();
    uint32_t max_util1 = 0, max_util2 = 0, max_power = 0, other_util = 0;
    const auto start = std::chrono::steady_clock::now();
    const auto elapsed = [&] { return std::chrono::steady_clock::now() - start; };
    // Load for at least 300 ms, at most 5 s, until utilisation was seen.
    while (elapsed() < std::chrono::seconds(5) &&
           (elapsed() < Millis(300) || max_util1 == 0 || max_util2 == 0)) {
        while (q.tail() - q.head() < 8) {
            q.push(exec);
        }
        q.kick();
        ASSERT_FALSE(q.halted()) << describe(q.regs());
        max_util1 = std::max(max_util1, f.read32(TERN_REG_CORE_UTIL(1)));
        max_util2 = std::max(max_util2, f.read32(TERN_REG_CORE_UTIL(2)));
        max_power = std::max(max_power, f.read32(TERN_REG_POWER));
        for (unsigned c : {0u, 3u, 4u, 5u, 6u, 7u}) {
            other_util = std::max(other_util, f.read32(TERN_REG_CORE_UTIL(c)));
        }
        std::this_thread::sleep_for(Millis(1));
    }
    const Telemetry during = snapshot(f);
    ASSERT_TRUE(q.wait_seq(q.last_seq(), Millis(10000)));
    EXPECT_GT(max_util1, 2000u) << "core 1 busy fraction (0..10000)";
    EXPECT_GT(max_util2, 2000u) << "core 2 busy fraction (0..10000)";
    EXPECT_LE(std::max(max_util1, max_util2), 10000u);
    EXPECT_EQ(other_util, 0u) << "unused cores reported busy";
    // 45 W + 30 W x sum of utilisations.
    EXPECT_GT(max_power, before.power + 10000) << "power did not rise under load";
    EXPECT_LE(max_power, 45000u + 2 * 30000u + 100u);
    EXPECT_GT(during.die, before.die + 300) << "die temperature did not rise (m°C)";
    EXPECT_LE(during.die, 30000 + 0.12 * max_power + 200);
    EXPECT_GT(during.energy, before.energy);
    // After the load utilisation returns to 0.
    EXPECT_TRUE(poll_until([&] {
        return f.read32(TERN_REG_CORE_UTIL(1)) == 0 && f.read32(TERN_REG_CORE_UTIL(2)) == 0;
    }));
}

using EccTest = TernTest;

TEST_F(EccTest, CorrectedErrorsOnlyCount) {
    sim::Function& f = pf();
    ASSERT_NE(f.read32(TERN_REG_CAPS) & TERN_CAP_ERR_INJECT, 0u);
    const uint64_t c0 = f.read64(TERN_REG_ECC_CORRECTED);
    inject_error(f, TERN_INJECT_ECC_CORRECTED);
    ASSERT_TRUE(poll_until([&] { return f.read64(TERN_REG_ECC_CORRECTED) == c0 + 1; }));
    inject_error(f, TERN_INJECT_ECC_CORRECTED);
    ASSERT_TRUE(poll_until([&] { return f.read64(TERN_REG_ECC_CORRECTED) == c0 + 2; }));
    // Same value again: no change of SEQ, no new error.
    f.write32(TERN_REG_ERR_INJECT, f.read32(TERN_REG_ERR_INJECT));
    f.doorbell();
    std::this_thread::sleep_for(Millis(10));
    EXPECT_EQ(f.read64(TERN_REG_ECC_CORRECTED), c0 + 2);
    EXPECT_EQ(f.read64(TERN_REG_ECC_UNCORRECTED), 0u);
    EXPECT_EQ(f.read32(TERN_REG_DEV_STATUS), uint32_t{TERN_DEV_STATUS_READY});
    Workspace& ws = workspace(f, 1, 0);
    EXPECT_TRUE(completes(ws.queue(), ws.queue().submit(make_nop())));
}

TEST_F(EccTest, UncorrectedErrorIsFatalUntilFunctionReset) {
    sim::Function& f = pf();
    Workspace& ws = workspace(f, 1, 0);
    QueueDriver& q = ws.queue();
    ASSERT_TRUE(completes(q, q.submit(make_nop())));
    const uint32_t events = f.read32(TERN_REG_EVENT_SEQ);
    const uint64_t vec0 = pf_irq().count(TERN_MSIX_DEVICE);
    inject_error(f, TERN_INJECT_ECC_UNCORRECTED);
    ASSERT_TRUE(poll_until([&] { return f.read64(TERN_REG_ECC_UNCORRECTED) == 1; }));
    EXPECT_NE(f.read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_FATAL, 0u);
    EXPECT_EQ(f.read32(TERN_REG_FATAL_CODE), uint32_t{TERN_FATAL_ECC_UNCORRECTED});
    EXPECT_GE(f.read32(TERN_REG_EVENT_SEQ), events + 1);
    EXPECT_TRUE(pf_irq().wait_count(TERN_MSIX_DEVICE, vec0 + 1));

    // No further descriptors are fetched, on any queue.
    const uint32_t head = q.head();
    const uint64_t seq = q.submit(make_nop(TERN_DESC_F_WB));
    QueueDriver& q2 = queue(f, 5);
    q2.start(1);
    q2.submit(make_nop());
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(q.head(), head);
    EXPECT_LT(q.completed_seq(), seq);
    EXPECT_EQ(q2.head(), 0u);

    ASSERT_TRUE(function_reset(f));
    EXPECT_EQ(f.read32(TERN_REG_DEV_STATUS), uint32_t{TERN_DEV_STATUS_READY});
    EXPECT_EQ(f.read32(TERN_REG_FATAL_CODE), uint32_t{TERN_FATAL_NONE});
    Workspace& again = workspace(f, 1, 0);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(completes(again.queue(), again.queue().submit(make_nop())));
    const std::vector<uint8_t> data(64, 0x9);
    ASSERT_TRUE(again.upload(0, data.data(), data.size()));
    EXPECT_EQ(again.download(0, 64), data);
}

// A 32-core card at full load dissipates ~1 kW, heading for ~150 °C with a
// 1 s time constant: it crosses TEMP_LIMIT (95 °C) within about a second,
// throttles to 700 MHz with a vector-0 event, and recovers when idle.
class ThermalTest : public TernTest {
protected:
    sim::CardConfig config() const override {
        sim::CardConfig c = small_config();
        c.num_cores = TERN_MAX_CORES;
        c.housekeeping_period_us = 1000;
        return c;
    }
};

TEST_F(ThermalTest, OverTemperatureThrottlesAndRecovers) {
    sim::Function& f = pf();
    ASSERT_EQ(f.read32(TERN_REG_NUM_CORES), uint32_t{TERN_MAX_CORES});
    const int32_t limit = static_cast<int32_t>(f.read32(TERN_REG_TEMP_LIMIT));
    Workspace& ws = workspace(f, 1, 0);
    ProgramSlot slot(arena(), ws.space());
    ProgramBuilder pb;
    const uint16_t t = pb.tensor(0, TERN_ISA_DTYPE_FP32, {1u << 20});
    pb.op(TERN_ISA_FILL, t, {}, {f32_bits(1.0f)});
    const tern_desc exec = slot.load(pb.build(), {{ws.dev_va(0), 4u << 20}});  // all cores
    const uint32_t events0 = f.read32(TERN_REG_EVENT_SEQ);
    const uint64_t vec0 = pf_irq().count(TERN_MSIX_DEVICE);
    QueueDriver& q = ws.queue();
    const auto start = std::chrono::steady_clock::now();
    bool throttled = false;
    while (!throttled && std::chrono::steady_clock::now() - start < std::chrono::seconds(8)) {
        while (q.tail() - q.head() < 4) {
            q.push(exec);
        }
        q.kick();
        ASSERT_FALSE(q.halted()) << describe(q.regs());
        throttled = (f.read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_THROTTLED) != 0;
        std::this_thread::sleep_for(Millis(2));
    }
    const Telemetry hot = snapshot(f);
    ASSERT_TRUE(throttled) << "die reached only " << hot.die << " m°C";
    EXPECT_GT(hot.die, limit);
    EXPECT_EQ(hot.clock, 700u);
    EXPECT_GT(hot.power, 500000u) << "32 busy cores draw far more than idle";
    EXPECT_GT(f.read32(TERN_REG_EVENT_SEQ), events0);
    EXPECT_TRUE(pf_irq().wait_count(TERN_MSIX_DEVICE, vec0 + 1)) << "no throttle event";
    EXPECT_EQ(f.read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_FATAL, 0u);
    // Stop the load; the die cools below the limit and the clock returns.
    ASSERT_TRUE(q.wait_seq(q.last_seq(), Millis(10000)));
    const uint32_t events1 = f.read32(TERN_REG_EVENT_SEQ);
    ASSERT_TRUE(
        poll_until([&] { return (f.read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_THROTTLED) == 0; },
                   Millis(5000)));
    EXPECT_GT(f.read32(TERN_REG_EVENT_SEQ), events1) << "no event on the falling edge";
    EXPECT_TRUE(poll_until([&] { return f.read32(TERN_REG_CLOCK_MHZ) == 1400; }));
    EXPECT_LE(static_cast<int32_t>(f.read32(TERN_REG_TEMP_DIE)), limit + 1000);
}

}  // namespace
}  // namespace tern::test
