/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_VM_H__
#define __TERN_VM_H__

#include <linux/bits.h>
#include <linux/dma-resv.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include <drm/drm_mm.h>

struct drm_printer;
struct sg_table;
struct tern_device;
struct tern_pt;

/*
 * Device VAs handed out to BOs: [TERN_VA_START, TERN_VA_END). The first
 * 2 MiB stay unmapped so that small NULL-based addresses fault.
 */
#define TERN_VA_START		0x200000ULL
#define TERN_VA_END		BIT_ULL(48)

/**
 * struct tern_vm - a device address space: one ASID and its page tables
 * @ref: references: the owning file, its BOs and contexts
 * @tdev: device
 * @lock: protects @root's tables and @va_mm
 * @asid: hardware address-space id
 * @root: level-3 page table
 * @root_dma: bus address of @root, for MMU_ROOT
 * @va_mm: allocator of device VAs
 * @resv: fences of the owner's jobs (DMA_RESV_USAGE_BOOKKEEP), one per
 *	context; a BO is unmapped only after they have signalled
 * @link: entry in &tern_mmu.vms
 * @mapped: bytes of BOs mapped
 */
struct tern_vm {
	struct kref ref;
	struct tern_device *tdev;
	struct mutex lock; /* see above */
	u32 asid;
	struct tern_pt *root;
	dma_addr_t root_dma;
	struct drm_mm va_mm;
	struct dma_resv resv;
	struct list_head link;
	u64 mapped;
};

struct tern_vm *tern_vm_create(struct tern_device *tdev);
void tern_vm_release(struct kref *ref);

static inline struct tern_vm *tern_vm_get(struct tern_vm *vm)
{
	kref_get(&vm->ref);
	return vm;
}

static inline void tern_vm_put(struct tern_vm *vm)
{
	kref_put(&vm->ref, tern_vm_release);
}

int tern_vm_map_sgt(struct tern_vm *vm, struct drm_mm_node *va,
		    struct sg_table *sgt, u64 size, bool writable);
int tern_vm_map_devmem(struct tern_vm *vm, struct drm_mm_node *va,
		       u64 offset, u64 size, bool writable);
int tern_vm_map_bus(struct tern_vm *vm, struct drm_mm_node *va,
		    dma_addr_t addr, u64 size, bool writable);
void tern_vm_unmap(struct tern_vm *vm, struct drm_mm_node *va);
void tern_vm_print(struct tern_vm *vm, struct drm_printer *p);

#endif /* __TERN_VM_H__ */
