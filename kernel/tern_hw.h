/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_HW_H__
#define __TERN_HW_H__

#include <linux/io.h>

#include <tern/hw/tern_emu.h>
#include <tern/hw/tern_regs.h>

#include "tern_drv.h"

/*
 * The register map requires single 64-bit accesses to 64-bit registers
 * (hw-spec 1.2), and the hardware headers describe in-memory structures
 * with host-endian types: little-endian 64-bit hosts only.
 */
#ifndef CONFIG_64BIT
#error "tern: 64-bit registers need single 64-bit MMIO accesses"
#endif
#ifdef __BIG_ENDIAN
#error "tern: descriptors and page tables are little-endian"
#endif

#define TERN_HW_VERSION_MAJOR(v)	((v) >> 16)
#define TERN_HW_VERSION_MINOR(v)	((v) & 0xffff)
#define TERN_FW_VERSION_MAJOR(v)	((v) >> 24)
#define TERN_FW_VERSION_MINOR(v)	(((v) >> 16) & 0xff)
#define TERN_FW_VERSION_PATCH(v)	((v) & 0xffff)

/* Function reset scrubs device memory: allow it time (hw-spec 5.11). */
#define TERN_RESET_TIMEOUT_US		(10 * USEC_PER_SEC)
/*
 * tern-emu scrubs in a host process that may be descheduled for long on a
 * loaded host (a 256 MiB scrub took over 10 s under QEMU TCG).
 */
#define TERN_EMU_RESET_TIMEOUT_US	(60 * USEC_PER_SEC)
/* TLB invalidation and queue reset: several device ticks under emulation. */
#define TERN_ACK_TIMEOUT_US		(2 * USEC_PER_SEC)

static inline u32 tern_rd32(struct tern_device *tdev, u32 reg)
{
	return readl(tdev->regs + reg);
}

static inline u64 tern_rd64(struct tern_device *tdev, u32 reg)
{
	return readq(tdev->regs + reg);
}

static inline void tern_wr32(struct tern_device *tdev, u32 reg, u32 val)
{
	writel(val, tdev->regs + reg);
}

static inline void tern_wr64(struct tern_device *tdev, u32 reg, u64 val)
{
	writeq(val, tdev->regs + reg);
}

void tern_hw_kick(struct tern_device *tdev);

/**
 * tern_wr32_trigger() - write a trigger register (hw-spec 1.3)
 * @tdev: device
 * @reg: register offset
 * @val: new value
 *
 * All memory and registers the triggered action reads must have been
 * written before; writel() orders them. Under emulation the doorbell
 * tells tern-emu to evaluate the trigger registers (hw-spec 11.3).
 */
static inline void tern_wr32_trigger(struct tern_device *tdev, u32 reg,
				     u32 val)
{
	tern_wr32(tdev, reg, val);
	tern_hw_kick(tdev);
}

int tern_hw_identify(struct tern_device *tdev);
int tern_hw_req_ack(struct tern_device *tdev, u32 req_reg, u32 ack_reg,
		    u64 timeout_us);
int tern_hw_function_reset(struct tern_device *tdev);
void tern_hw_irq_unmask(struct tern_device *tdev);
void tern_hw_irq_mask(struct tern_device *tdev);
int tern_hw_init(struct tern_device *tdev);

#endif /* __TERN_HW_H__ */
