// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * debugfs: /sys/kernel/debug/tern/<PCI address>/ with
 *   regs    identity, status and per-queue registers
 *   queues  queue ownership and software state
 *   heap    the device-memory allocator
 *   vms     address spaces and their VA allocations
 *   reset   write 1 to reset the function
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/seq_file.h>

#include <drm/drm_drv.h>
#include <drm/drm_print.h>

#include "tern_ctx.h"
#include "tern_debugfs.h"
#include "tern_heap.h"
#include "tern_hw.h"
#include "tern_pm.h"
#include "tern_queue.h"
#include "tern_vm.h"

static struct dentry *tern_debugfs_root;

static int tern_regs_show(struct seq_file *m, void *unused)
{
	struct tern_device *tdev = m->private;
	unsigned int q;
	int idx;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return -ENODEV;

	seq_printf(m, "dev_status      %#010x\n", tern_rd32(tdev, TERN_REG_DEV_STATUS));
	seq_printf(m, "fatal_code      %u\n", tern_rd32(tdev, TERN_REG_FATAL_CODE));
	seq_printf(m, "heartbeat       %u\n", tern_rd32(tdev, TERN_REG_HEARTBEAT));
	seq_printf(m, "event_seq       %u\n", tern_rd32(tdev, TERN_REG_EVENT_SEQ));
	seq_printf(m, "irq_mask        %#010x\n", tern_rd32(tdev, TERN_REG_IRQ_MASK));
	seq_printf(m, "timestamp       %llu\n", tern_rd64(tdev, TERN_REG_TIMESTAMP));
	seq_printf(m, "mmu_faults      %u\n", tern_rd32(tdev, TERN_REG_MMU_FAULTS));
	seq_printf(m, "tlb_hits        %llu\n", tern_rd64(tdev, TERN_REG_MMU_TLB_HITS));
	seq_printf(m, "tlb_misses      %llu\n", tern_rd64(tdev, TERN_REG_MMU_TLB_MISSES));

	for (q = 0; q < tdev->hw.num_queues; q++)
		seq_printf(m, "q%-2u status %#010x head %u tail %u completed %llu err_index %u err_op %#x fault_va %#llx fault_info %#x descs %llu busy_ns %llu\n",
			   q,
			   tern_rd32(tdev, TERN_QREG(q, TERN_Q_STATUS)),
			   tern_rd32(tdev, TERN_QREG(q, TERN_Q_HEAD)),
			   tern_rd32(tdev, TERN_QREG(q, TERN_Q_TAIL)),
			   tern_rd64(tdev, TERN_QREG(q, TERN_Q_COMPLETED_SEQ)),
			   tern_rd32(tdev, TERN_QREG(q, TERN_Q_ERR_INDEX)),
			   tern_rd32(tdev, TERN_QREG(q, TERN_Q_ERR_OP)),
			   tern_rd64(tdev, TERN_QREG(q, TERN_Q_FAULT_VA)),
			   tern_rd32(tdev, TERN_QREG(q, TERN_Q_FAULT_INFO)),
			   tern_rd64(tdev, TERN_QREG(q, TERN_Q_DESC_COUNT)),
			   tern_rd64(tdev, TERN_QREG(q, TERN_Q_BUSY_NS)));

	drm_dev_exit(idx);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tern_regs);

static int tern_queues_show(struct seq_file *m, void *unused)
{
	struct tern_device *tdev = m->private;
	struct list_head *pos;
	unsigned int i, n;

	for (i = 0; i < tdev->usable_queues; i++) {
		struct tern_queue *q = &tdev->queues[i];

		spin_lock_irq(&q->lock);
		if (!q->ctx) {
			spin_unlock_irq(&q->lock);
			seq_printf(m, "q%-2u free\n", i);
			continue;
		}
		n = 0;
		list_for_each(pos, &q->pending)
			n++;
		seq_printf(m, "q%-2u ctx %u client %llu state %u submitted %llu completed %llu tail %u pending %u%s%s\n",
			   i, q->ctx->id, q->ctx->fpriv->client_id,
			   q->ctx->err.state, READ_ONCE(q->ctx->submitted),
			   q->ctx->completed, q->tail, n,
			   q->halted ? " halted" : "", q->dead ? " dead" : "");
		spin_unlock_irq(&q->lock);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tern_queues);

static int tern_heap_show(struct seq_file *m, void *unused)
{
	struct tern_device *tdev = m->private;
	struct drm_printer p = drm_seq_file_printer(m);

	tern_heap_print(tdev, &p);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tern_heap);

static int tern_vms_show(struct seq_file *m, void *unused)
{
	struct tern_device *tdev = m->private;
	struct drm_printer p = drm_seq_file_printer(m);
	struct tern_vm *vm;

	mutex_lock(&tdev->mmu.vm_lock);
	list_for_each_entry(vm, &tdev->mmu.vms, link)
		tern_vm_print(vm, &p);
	mutex_unlock(&tdev->mmu.vm_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tern_vms);

static ssize_t tern_reset_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct tern_device *tdev = file->private_data;
	bool val;
	int ret;

	ret = kstrtobool_from_user(ubuf, count, &val);
	if (ret)
		return ret;
	if (!val)
		return -EINVAL;
	ret = tern_pm_reset(tdev);
	return ret ? -EIO : count;
}

static const struct file_operations tern_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = tern_reset_write,
	.llseek = noop_llseek,
};

/**
 * tern_debugfs_init() - create the device's debugfs directory
 * @tdev: registered device
 */
void tern_debugfs_init(struct tern_device *tdev)
{
	struct dentry *dir;

	dir = debugfs_create_dir(pci_name(tdev->pdev), tern_debugfs_root);
	tdev->debugfs = dir;
	debugfs_create_file("regs", 0400, dir, tdev, &tern_regs_fops);
	debugfs_create_file("queues", 0400, dir, tdev, &tern_queues_fops);
	debugfs_create_file("heap", 0400, dir, tdev, &tern_heap_fops);
	debugfs_create_file("vms", 0400, dir, tdev, &tern_vms_fops);
	debugfs_create_file("reset", 0200, dir, tdev, &tern_reset_fops);
}

/**
 * tern_debugfs_fini() - remove the device's debugfs directory
 * @tdev: device
 */
void tern_debugfs_fini(struct tern_device *tdev)
{
	debugfs_remove_recursive(tdev->debugfs);
	tdev->debugfs = NULL;
}

void tern_debugfs_module_init(void)
{
	tern_debugfs_root = debugfs_create_dir(DRIVER_NAME, NULL);
}

void tern_debugfs_module_exit(void)
{
	debugfs_remove_recursive(tern_debugfs_root);
}
