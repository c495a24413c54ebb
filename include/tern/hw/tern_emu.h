/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * Tern T1 emulation transport over QEMU ivshmem-doorbell (hw-spec 11).
 *
 * QEMU has no Tern device; tern-emu runs the device model behind an
 * ivshmem-doorbell function (1af4:1110). The emulator cannot trap MMIO, so
 * the function's register window lives at the start of ivshmem BAR2 and
 * every trigger-register write is followed by a doorbell to the emulator.
 * Device memory follows at TERN_EMU_MEM_OFFSET in the same BAR.
 */
#ifndef TERN_HW_EMU_H
#define TERN_HW_EMU_H

#include "tern_hw_common.h"

#define TERN_EMU_PCI_VENDOR_ID		0x1af4
#define TERN_EMU_PCI_DEVICE_ID		0x1110
#define TERN_EMU_BAR_IVSHMEM		0	/* ivshmem's own registers */
#define TERN_EMU_BAR_SHM		2	/* registers + device memory */
#define TERN_EMU_IVSHMEM_DOORBELL	12	/* offset in BAR0 */
#define TERN_EMU_MEM_OFFSET		0x200000ULL /* device memory in BAR2 */

/* Emulation block inside the register window (reads 0 on real hardware). */
#define TERN_REG_EMU_MAGIC		0xff00	/* RO, TERN_EMU_MAGIC */
#define   TERN_EMU_MAGIC		0x554d4554 /* "TEMU" */
#define TERN_REG_EMU_PEER_ID		0xff04	/* RO, ivshmem peer of the device */
#define TERN_REG_EMU_VECTOR		0xff08	/* RO, doorbell vector to ring */
/*
 * The function this ivshmem port carries, in the layout of
 * TERN_REG_FUNC_INFO (TERN_FUNC_IS_VF, TERN_FUNC_VF_INDEX); valid also
 * while a VF port's function is absent (TERN_REG_ID reads 0, hw-spec 11.8).
 */
#define TERN_REG_EMU_FUNC		0xff0c	/* RO */
/* 64-bit, non-zero, the same in every port of one card (hw-spec 11.8). */
#define TERN_REG_EMU_CARD_ID		0xff10	/* RO */

/* Value for ivshmem's doorbell register: (peer << 16) | vector. */
#define TERN_EMU_DOORBELL(peer, vec)	(((__u32)(peer) << 16) | (vec))

#endif /* TERN_HW_EMU_H */
