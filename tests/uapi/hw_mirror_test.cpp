// SPDX-License-Identifier: MIT
// Values that the UAPI promises to mirror from the hardware headers, and
// the layouts of the hardware structures (descriptors, ISA). Everything is a
// static_assert, so a drift breaks the build; the TESTs only make the suite
// show up in ctest and check the value sets for duplicates.

#include <drm/tern_accel.h>
#include <gtest/gtest.h>
#include <tern/hw/tern_desc.h>
#include <tern/hw/tern_emu.h>
#include <tern/hw/tern_isa.h>
#include <tern/hw/tern_mmu.h>
#include <tern/hw/tern_regs.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <set>

namespace {

// --- UAPI values equal to hardware values ---------------------------------

// Queue error codes (TERN_Q_STATUS_ERR) are reported unchanged.
static_assert(DRM_TERN_ERR_NONE == TERN_QERR_NONE);
static_assert(DRM_TERN_ERR_PAGE_FAULT == TERN_QERR_PAGE_FAULT);
static_assert(DRM_TERN_ERR_BAD_OPCODE == TERN_QERR_BAD_OPCODE);
static_assert(DRM_TERN_ERR_BAD_DESC == TERN_QERR_BAD_DESC);
static_assert(DRM_TERN_ERR_PROGRAM == TERN_QERR_PROGRAM);
static_assert(DRM_TERN_ERR_RING == TERN_QERR_RING);
static_assert(DRM_TERN_ERR_BAD_SEMAPHORE == TERN_QERR_BAD_SEMAPHORE);
static_assert(DRM_TERN_ERR_NO_CORES == TERN_QERR_NO_CORES);
static_assert(DRM_TERN_ERR_WB == TERN_QERR_WB);
static_assert(DRM_TERN_ERR_ASID == TERN_QERR_ASID);
static_assert(DRM_TERN_ERR_INDEX == TERN_QERR_INDEX);
// Driver-detected errors live above the 8-bit hardware field.
static_assert(DRM_TERN_ERR_TIMEOUT > (TERN_Q_STATUS_ERR >> TERN_Q_STATUS_ERR_SHIFT));

// Fault reasons and engines (TERN_Q_FAULT_INFO fields).
static_assert(DRM_TERN_FAULT_UNMAPPED == TERN_FAULT_UNMAPPED);
static_assert(DRM_TERN_FAULT_WRITE == TERN_FAULT_WRITE);
static_assert(DRM_TERN_FAULT_WINDOW == TERN_FAULT_WINDOW);
static_assert(DRM_TERN_FAULT_BUS == TERN_FAULT_BUS);
static_assert(DRM_TERN_FAULT_NONCANONICAL == TERN_FAULT_NONCANONICAL);
static_assert(DRM_TERN_FAULT_PT_BUS == TERN_FAULT_PT_BUS);
static_assert(DRM_TERN_FAULT_PTE_RSVD == TERN_FAULT_PTE_RSVD);
static_assert(DRM_TERN_FAULT_PTE_RSVD <= TERN_FAULT_REASON);
static_assert(DRM_TERN_ENGINE_QUEUE == TERN_ENGINE_QUEUE);
static_assert(DRM_TERN_ENGINE_DMA == TERN_ENGINE_DMA);
static_assert(DRM_TERN_ENGINE_COMPUTE == TERN_ENGINE_COMPUTE);
static_assert(DRM_TERN_ENGINE_SYNC == TERN_ENGINE_SYNC);

// Capabilities: bits 0..31 are TERN_REG_CAPS bit for bit.
static_assert(DRM_TERN_CAP_FP32 == TERN_CAP_FP32);
static_assert(DRM_TERN_CAP_BF16 == TERN_CAP_BF16);
static_assert(DRM_TERN_CAP_FP16 == TERN_CAP_FP16);
static_assert(DRM_TERN_CAP_INT32 == TERN_CAP_INT32);
static_assert(DRM_TERN_CAP_SEMAPHORES == TERN_CAP_SEMAPHORES);
static_assert(DRM_TERN_CAP_TIMESTAMP == TERN_CAP_TIMESTAMP);
static_assert(DRM_TERN_CAP_LARGE_PAGES == TERN_CAP_LARGE_PAGES);
static_assert(DRM_TERN_CAP_PARTITIONING == TERN_CAP_PARTITIONING);
static_assert(DRM_TERN_CAP_ERR_INJECT == TERN_CAP_ERR_INJECT);
// Driver features live in bits 32..63.
static_assert((DRM_TERN_CAP_TIMELINE_SYNCOBJ >> 32) != 0);
static_assert((DRM_TERN_CAP_DEVICE_MMAP >> 32) != 0);
static_assert((DRM_TERN_CAP_PARTITION_SET >> 32) != 0);
static_assert((DRM_TERN_CAP_TELEMETRY >> 32) != 0);
static_assert((DRM_TERN_CAP_EMULATED >> 32) != 0);

// Telemetry sensor bits are TERN_REG_TELEM_VALID bit for bit.
static_assert(DRM_TERN_TELEM_TEMP_DIE == TERN_TELEM_TEMP_DIE);
static_assert(DRM_TERN_TELEM_TEMP_HBM == TERN_TELEM_TEMP_HBM);
static_assert(DRM_TERN_TELEM_COOLANT_IN == TERN_TELEM_COOLANT_IN);
static_assert(DRM_TERN_TELEM_COOLANT_OUT == TERN_TELEM_COOLANT_OUT);
static_assert(DRM_TERN_TELEM_COOLANT_FLOW == TERN_TELEM_COOLANT_FLOW);
static_assert(DRM_TERN_TELEM_POWER == TERN_TELEM_POWER);
static_assert(DRM_TERN_TELEM_ENERGY == TERN_TELEM_ENERGY);
static_assert(DRM_TERN_TELEM_CORE_UTIL == TERN_TELEM_CORE_UTIL);
static_assert(DRM_TERN_TELEM_ECC == TERN_TELEM_ECC);
static_assert(DRM_TERN_TELEM_CLOCK == TERN_TELEM_CLOCK);

// Limits.
static_assert(DRM_TERN_MAX_BINDINGS == TERN_ISA_MAX_BINDINGS);
static_assert(DRM_TERN_MAX_PROGRAM_SIZE == TERN_ISA_MAX_PROGRAM_SIZE);
static_assert(DRM_TERN_MAX_DMA_SIZE == TERN_DMA_MAX_SIZE);
static_assert(DRM_TERN_MAX_CORES == TERN_MAX_CORES);
static_assert(DRM_TERN_MAX_PARTITIONS == TERN_MAX_VFS);
static_assert(DRM_TERN_OP_INDEX_HEADER == TERN_ISA_ERR_OP_HEADER);
static_assert(DRM_TERN_INDEX_NONE != DRM_TERN_OP_INDEX_HEADER);
static_assert(DRM_TERN_INDEX_NONE > TERN_ISA_MAX_OPS);
static_assert(DRM_TERN_MAX_CMDS_PER_SUBMIT < (1u << TERN_RING_ORDER_MAX));
static_assert(sizeof(((struct drm_tern_telemetry*)nullptr)->core_util) ==
              TERN_MAX_CORES * sizeof(__u32));
static_assert(sizeof(((struct drm_tern_cmd_exec*)nullptr)->core_mask) * 8 >= TERN_MAX_CORES);

// Function identity (TERN_REG_FUNC_INFO encoding).
static_assert(DRM_TERN_FUNCTION_IS_VF == TERN_FUNC_IS_VF);
static_assert(DRM_TERN_FUNCTION_VF_INDEX_SHIFT == TERN_FUNC_VF_INDEX_SHIFT);
static_assert(DRM_TERN_FUNCTION_VF_INDEX(TERN_FUNC_IS_VF | (7u << TERN_FUNC_VF_INDEX_SHIFT)) == 7);
static_assert(DRM_TERN_FUNCTION_VF_INDEX(TERN_FUNC_VF_INDEX) == TERN_FUNC_VF_INDEX >> 8);

// PCI address packing round-trips.
constexpr __u64 kBdf = DRM_TERN_PCI_ADDRESS(0x10000, 0xab, 0x1f, 7);
static_assert(DRM_TERN_PCI_ADDRESS_DOMAIN(kBdf) == 0x10000);
static_assert(DRM_TERN_PCI_ADDRESS_BUS(kBdf) == 0xab);
static_assert(DRM_TERN_PCI_ADDRESS_DEV(kBdf) == 0x1f);
static_assert(DRM_TERN_PCI_ADDRESS_FN(kBdf) == 7);

// Priorities fit the queue's priority field.
static_assert(((DRM_TERN_PRIORITY_REALTIME << TERN_Q_CTRL_PRIO_SHIFT) & ~TERN_Q_CTRL_PRIO) == 0);

// A UAPI partition entry has the layout of a hardware partition-table entry.
static_assert(offsetof(struct drm_tern_partition, mem_base) == TERN_PART_MEM_BASE);
static_assert(offsetof(struct drm_tern_partition, mem_size) == TERN_PART_MEM_SIZE);
static_assert(offsetof(struct drm_tern_partition, core_mask) == TERN_PART_CORE_MASK);
static_assert(offsetof(struct drm_tern_partition, num_queues) == TERN_PART_NUM_QUEUES);
static_assert(offsetof(struct drm_tern_partition, num_asids) == TERN_PART_NUM_ASIDS);
static_assert(sizeof(struct drm_tern_partition) == TERN_REG_PART_ENTRY(1) - TERN_REG_PART_ENTRY(0));

// The command payload fits the payload of a hardware descriptor.
static_assert(sizeof(struct drm_tern_cmd_exec) <= TERN_DESC_SIZE - sizeof(struct tern_desc_hdr));

// --- hardware structure layouts --------------------------------------------

static_assert(offsetof(struct tern_desc_hdr, opcode) == 0);
static_assert(offsetof(struct tern_desc_hdr, flags) == 1);
static_assert(offsetof(struct tern_desc_hdr, rsvd0) == 2);
static_assert(offsetof(struct tern_desc_hdr, rsvd1) == 4);
static_assert(offsetof(struct tern_desc_hdr, seqno) == 8);
static_assert(offsetof(struct tern_desc_dma, src_va) == 16);
static_assert(offsetof(struct tern_desc_dma, dst_va) == 24);
static_assert(offsetof(struct tern_desc_dma, size) == 32);
static_assert(offsetof(struct tern_desc_dma, rsvd) == 40);
static_assert(offsetof(struct tern_desc_exec, program_va) == 16);
static_assert(offsetof(struct tern_desc_exec, bindings_va) == 24);
static_assert(offsetof(struct tern_desc_exec, program_size) == 32);
static_assert(offsetof(struct tern_desc_exec, binding_count) == 36);
static_assert(offsetof(struct tern_desc_exec, core_mask) == 40);
static_assert(offsetof(struct tern_desc_exec, rsvd0) == 44);
static_assert(offsetof(struct tern_desc_exec, rsvd) == 48);
static_assert(offsetof(struct tern_desc_sem, index) == 16);
static_assert(offsetof(struct tern_desc_sem, op) == 20);
static_assert(offsetof(struct tern_desc_sem, value) == 24);
static_assert(offsetof(struct tern_desc_sem, rsvd) == 32);
static_assert(offsetof(struct tern_desc_ts, dst_va) == 16);
static_assert(offsetof(struct tern_desc_ts, rsvd) == 24);
static_assert(sizeof(union tern_desc) == TERN_DESC_SIZE);

static_assert(sizeof(struct tern_isa_header) == 32);
static_assert(offsetof(struct tern_isa_header, magic) == 0);
static_assert(offsetof(struct tern_isa_header, version) == 4);
static_assert(offsetof(struct tern_isa_header, flags) == 6);
static_assert(offsetof(struct tern_isa_header, size) == 8);
static_assert(offsetof(struct tern_isa_header, num_tensors) == 12);
static_assert(offsetof(struct tern_isa_header, num_ops) == 16);
static_assert(offsetof(struct tern_isa_header, tensors_offset) == 20);
static_assert(offsetof(struct tern_isa_header, ops_offset) == 24);
static_assert(offsetof(struct tern_isa_header, rsvd) == 28);
static_assert(sizeof(struct tern_isa_tensor) == 96);
static_assert(offsetof(struct tern_isa_tensor, binding) == 0);
static_assert(offsetof(struct tern_isa_tensor, dtype) == 2);
static_assert(offsetof(struct tern_isa_tensor, rank) == 3);
static_assert(offsetof(struct tern_isa_tensor, rsvd0) == 4);
static_assert(offsetof(struct tern_isa_tensor, offset) == 8);
static_assert(offsetof(struct tern_isa_tensor, shape) == 16);
static_assert(offsetof(struct tern_isa_tensor, stride) == 40);
static_assert(offsetof(struct tern_isa_tensor, rsvd) == 88);
static_assert(sizeof(struct tern_isa_op) == 64);
static_assert(offsetof(struct tern_isa_op, opcode) == 0);
static_assert(offsetof(struct tern_isa_op, flags) == 2);
static_assert(offsetof(struct tern_isa_op, dst) == 4);
static_assert(offsetof(struct tern_isa_op, src) == 6);
static_assert(offsetof(struct tern_isa_op, param) == 12);
static_assert(sizeof(struct tern_isa_binding) == 16);
static_assert(offsetof(struct tern_isa_binding, va) == 0);
static_assert(offsetof(struct tern_isa_binding, size) == 8);

// Register-map sanity: windows and blocks do not overlap.
static_assert(TERN_QREG(TERN_MAX_QUEUES - 1, TERN_Q_DESC_COUNT) + 8 <= TERN_REG_MMU_ROOT(0));
static_assert(TERN_REG_MMU_ROOT(TERN_MAX_ASIDS - 1) + 8 <= TERN_REG_MMU_INV_ASID);
static_assert(TERN_REG_SEM(TERN_NUM_SEMAPHORES - 1) + 8 <= TERN_REG_TELEM_VALID);
static_assert(TERN_REG_CORE_UTIL(TERN_MAX_CORES - 1) + 4 <= TERN_REG_ERR_INJECT);
static_assert(TERN_REG_PART_ENTRY(TERN_MAX_VFS - 1) + 0x20 <= TERN_REG_EMU_MAGIC);
static_assert(TERN_REG_EMU_VECTOR + 4 <= TERN_REGS_SIZE);
static_assert(TERN_MSIX_COUNT == 1 + TERN_MAX_QUEUES);
static_assert(TERN_PT_INDEX(0xffffffffffffULL, 3) == TERN_PT_ENTRIES - 1);

// --- value sets without duplicates ----------------------------------------

template <typename T>
bool all_distinct(std::initializer_list<T> values) {
    return std::set<T>(values).size() == values.size();
}

template <typename T>
bool disjoint_bits(std::initializer_list<T> values) {
    T seen = 0;
    for (T v : values) {
        if (v == 0 || (v & (v - 1)) != 0 || (seen & v) != 0)
            return false;
        seen |= v;
    }
    return true;
}

TEST(uapiValues, EnumsHaveNoDuplicates) {
    EXPECT_TRUE(
        all_distinct<unsigned>({DRM_TERN_PARAM_DEVICE_ID,      DRM_TERN_PARAM_REVISION,
                                DRM_TERN_PARAM_UAPI_VERSION,   DRM_TERN_PARAM_CAPABILITIES,
                                DRM_TERN_PARAM_NUM_CORES,      DRM_TERN_PARAM_CORE_MASK,
                                DRM_TERN_PARAM_MEM_SIZE,       DRM_TERN_PARAM_MEM_FREE,
                                DRM_TERN_PARAM_NUM_QUEUES,     DRM_TERN_PARAM_MAX_CONTEXTS,
                                DRM_TERN_PARAM_VA_BITS,        DRM_TERN_PARAM_VA_START,
                                DRM_TERN_PARAM_VA_END,         DRM_TERN_PARAM_PAGE_SIZE,
                                DRM_TERN_PARAM_NUMA_NODE,      DRM_TERN_PARAM_PCI_ADDRESS,
                                DRM_TERN_PARAM_FUNCTION,       DRM_TERN_PARAM_HW_VERSION,
                                DRM_TERN_PARAM_FW_VERSION,     DRM_TERN_PARAM_DRIVER_VERSION,
                                DRM_TERN_PARAM_TIMESTAMP_FREQ, DRM_TERN_PARAM_TIMESTAMP,
                                DRM_TERN_PARAM_VENDOR_ID,      DRM_TERN_PARAM_MAX_ADDRESS_SPACES,
                                DRM_TERN_PARAM_MAX_PARTITIONS}));
    EXPECT_TRUE(all_distinct<unsigned>(
        {DRM_TERN_CMD_NOP, DRM_TERN_CMD_DMA_COPY, DRM_TERN_CMD_EXECUTE, DRM_TERN_CMD_TIMESTAMP}));
    EXPECT_TRUE(all_distinct<unsigned>({DRM_TERN_CTX_STATE_OK, DRM_TERN_CTX_STATE_FAULTED,
                                        DRM_TERN_CTX_STATE_TIMED_OUT, DRM_TERN_CTX_STATE_BANNED,
                                        DRM_TERN_CTX_STATE_RESET}));
    EXPECT_TRUE(all_distinct<unsigned>(
        {DRM_TERN_ERR_NONE, DRM_TERN_ERR_PAGE_FAULT, DRM_TERN_ERR_BAD_OPCODE, DRM_TERN_ERR_BAD_DESC,
         DRM_TERN_ERR_PROGRAM, DRM_TERN_ERR_RING, DRM_TERN_ERR_BAD_SEMAPHORE, DRM_TERN_ERR_NO_CORES,
         DRM_TERN_ERR_WB, DRM_TERN_ERR_ASID, DRM_TERN_ERR_INDEX, DRM_TERN_ERR_TIMEOUT,
         DRM_TERN_ERR_DEPENDENCY, DRM_TERN_ERR_DEVICE_RESET, DRM_TERN_ERR_BANNED}));
    EXPECT_TRUE(all_distinct<unsigned>({DRM_TERN_PRIORITY_LOW, DRM_TERN_PRIORITY_NORMAL,
                                        DRM_TERN_PRIORITY_HIGH, DRM_TERN_PRIORITY_REALTIME}));
    EXPECT_TRUE(all_distinct<unsigned>({DRM_TERN_INFO_TELEMETRY, DRM_TERN_INFO_PARTITIONS}));
}

TEST(uapiValues, FlagBitsAreDisjoint) {
    EXPECT_TRUE(disjoint_bits<std::uint64_t>(
        {DRM_TERN_CAP_FP32, DRM_TERN_CAP_BF16, DRM_TERN_CAP_FP16, DRM_TERN_CAP_INT32,
         DRM_TERN_CAP_SEMAPHORES, DRM_TERN_CAP_TIMESTAMP, DRM_TERN_CAP_LARGE_PAGES,
         DRM_TERN_CAP_PARTITIONING, DRM_TERN_CAP_ERR_INJECT, DRM_TERN_CAP_TIMELINE_SYNCOBJ,
         DRM_TERN_CAP_DEVICE_MMAP, DRM_TERN_CAP_PARTITION_SET, DRM_TERN_CAP_TELEMETRY,
         DRM_TERN_CAP_EMULATED}));
    EXPECT_TRUE(disjoint_bits<std::uint32_t>({DRM_TERN_TELEM_TEMP_DIE, DRM_TERN_TELEM_TEMP_HBM,
                                              DRM_TERN_TELEM_COOLANT_IN, DRM_TERN_TELEM_COOLANT_OUT,
                                              DRM_TERN_TELEM_COOLANT_FLOW, DRM_TERN_TELEM_POWER,
                                              DRM_TERN_TELEM_ENERGY, DRM_TERN_TELEM_CORE_UTIL,
                                              DRM_TERN_TELEM_ECC, DRM_TERN_TELEM_CLOCK}));
    EXPECT_TRUE(disjoint_bits<std::uint32_t>(
        {DRM_TERN_BO_HOST, DRM_TERN_BO_DEVICE, DRM_TERN_BO_READ_ONLY}));
    EXPECT_EQ(DRM_TERN_BO_FLAGS, DRM_TERN_BO_HOST | DRM_TERN_BO_DEVICE | DRM_TERN_BO_READ_ONLY);
}

}  // namespace
