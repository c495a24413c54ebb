// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * PCI resources of a Tern function: BARs, transport detection, DMA mask
 * and MSI-X vectors (hw-spec 2 and 11).
 */

#include <linux/bitfield.h>
#include <linux/dma-mapping.h>
#include <linux/pci.h>

#include "tern_hw.h"
#include "tern_pci.h"

static int tern_pci_check_bar(struct tern_device *tdev, int bar, u64 min_len)
{
	struct pci_dev *pdev = tdev->pdev;

	if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, bar) < min_len) {
		tern_err(tdev, "BAR%d missing or smaller than %#llx bytes\n",
			 bar, min_len);
		return -ENODEV;
	}
	return 0;
}

/* Tern T1 PF or VF: registers in BAR0, device memory in BAR2. */
static int tern_pci_map_hw(struct tern_device *tdev)
{
	struct pci_dev *pdev = tdev->pdev;
	int ret;

	ret = tern_pci_check_bar(tdev, TERN_BAR_REGS, TERN_REGS_SIZE);
	if (ret)
		return ret;

	tdev->regs = pci_iomap_range(pdev, TERN_BAR_REGS, 0, TERN_REGS_SIZE);
	if (!tdev->regs)
		return -ENOMEM;

	if (pci_resource_flags(pdev, TERN_BAR_MEM) & IORESOURCE_MEM) {
		tdev->aperture_base = pci_resource_start(pdev, TERN_BAR_MEM);
		tdev->aperture_size = pci_resource_len(pdev, TERN_BAR_MEM);
	}
	return 0;
}

/*
 * tern-emu behind ivshmem-doorbell (hw-spec 11.1): registers at BAR2
 * offset 0, device memory at TERN_EMU_MEM_OFFSET, doorbell in BAR0.
 */
static int tern_pci_map_emu(struct tern_device *tdev)
{
	struct pci_dev *pdev = tdev->pdev;
	u64 shm_len;
	u32 func;
	int ret;

	ret = tern_pci_check_bar(tdev, TERN_EMU_BAR_SHM, TERN_REGS_SIZE);
	if (ret)
		return ret;
	ret = tern_pci_check_bar(tdev, TERN_EMU_BAR_IVSHMEM,
				 TERN_EMU_IVSHMEM_DOORBELL + 4);
	if (ret)
		return ret;

	tdev->regs = pci_iomap_range(pdev, TERN_EMU_BAR_SHM, 0, TERN_REGS_SIZE);
	if (!tdev->regs)
		return -ENOMEM;

	/* Other ivshmem users exist: identify before writing anything. */
	if (tern_rd32(tdev, TERN_REG_EMU_MAGIC) != TERN_EMU_MAGIC) {
		dev_info(&pdev->dev, "ivshmem device is not a Tern emulator\n");
		return -ENODEV;
	}
	func = tern_rd32(tdev, TERN_REG_EMU_FUNC);
	if (tern_rd32(tdev, TERN_REG_ID) != TERN_ID_MAGIC) {
		/* A VF port whose VF does not exist (hw-spec 11.8). */
		if (func & TERN_FUNC_IS_VF)
			dev_info(&pdev->dev, "tern-emu port of VF %u, which does not exist: apply a partition table with an entry %u on the PF first\n",
				 FIELD_GET(TERN_FUNC_VF_INDEX, func),
				 FIELD_GET(TERN_FUNC_VF_INDEX, func));
		else
			dev_info(&pdev->dev, "tern-emu port without a Tern function\n");
		return -ENODEV;
	}
	tdev->emu_card_id = tern_rd64(tdev, TERN_REG_EMU_CARD_ID);

	tdev->emu_doorbell = pci_iomap_range(pdev, TERN_EMU_BAR_IVSHMEM,
					     TERN_EMU_IVSHMEM_DOORBELL, 4);
	if (!tdev->emu_doorbell)
		return -ENOMEM;
	tdev->emu_doorbell_val =
		TERN_EMU_DOORBELL(tern_rd32(tdev, TERN_REG_EMU_PEER_ID),
				  tern_rd32(tdev, TERN_REG_EMU_VECTOR));

	shm_len = pci_resource_len(pdev, TERN_EMU_BAR_SHM);
	if (shm_len > TERN_EMU_MEM_OFFSET) {
		tdev->aperture_base = pci_resource_start(pdev, TERN_EMU_BAR_SHM) +
				      TERN_EMU_MEM_OFFSET;
		tdev->aperture_size = shm_len - TERN_EMU_MEM_OFFSET;
	}
	return 0;
}

static int tern_pci_alloc_vectors(struct tern_device *tdev)
{
	struct pci_dev *pdev = tdev->pdev;
	int nvec;

	/* Vector 0 for device events, one per queue (hw-spec 2.5). */
	nvec = pci_alloc_irq_vectors(pdev, 2, 1 + tdev->hw.num_queues,
				     PCI_IRQ_MSIX);
	if (nvec < 0) {
		tern_err(tdev, "no MSI-X vectors: %d\n", nvec);
		return nvec;
	}

	tdev->num_vectors = nvec;
	tdev->usable_queues = nvec - 1;
	if (tdev->usable_queues < tdev->hw.num_queues)
		tern_warn(tdev, "%d MSI-X vectors: using %u of %u queues\n",
			  nvec, tdev->usable_queues, tdev->hw.num_queues);
	return 0;
}

/**
 * tern_pci_init() - enable the function and map its resources
 * @tdev: device
 *
 * Return: 0, -ENODEV if the function is not a usable Tern function, or
 * another negative errno.
 */
int tern_pci_init(struct tern_device *tdev)
{
	struct pci_dev *pdev = tdev->pdev;
	int ret;

	ret = pci_enable_device_mem(pdev);
	if (ret)
		return ret;

	ret = pci_request_regions(pdev, DRIVER_NAME);
	if (ret)
		goto err_disable;

	if (tern_is_emulated(tdev))
		ret = tern_pci_map_emu(tdev);
	else
		ret = tern_pci_map_hw(tdev);
	if (ret)
		goto err_unmap;

	ret = tern_hw_identify(tdev);
	if (ret)
		goto err_unmap;
	if (tern_is_emulated(tdev) &&
	    ((tern_rd32(tdev, TERN_REG_EMU_FUNC) ^ tdev->hw.func_info) &
	     (TERN_FUNC_IS_VF | TERN_FUNC_VF_INDEX))) {
		tern_err(tdev, "tern-emu port carries function %#x, the function says %#x\n",
			 tern_rd32(tdev, TERN_REG_EMU_FUNC), tdev->hw.func_info);
		ret = -ENODEV;
		goto err_unmap;
	}

	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(TERN_DMA_BITS));
	if (ret) {
		tern_err(tdev, "no usable %d-bit DMA: %d\n", TERN_DMA_BITS, ret);
		goto err_unmap;
	}
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);

	ret = tern_pci_alloc_vectors(tdev);
	if (ret)
		goto err_unmap;

	pci_set_master(pdev);
	return 0;

err_unmap:
	if (tdev->emu_doorbell)
		pci_iounmap(pdev, tdev->emu_doorbell);
	if (tdev->regs)
		pci_iounmap(pdev, tdev->regs);
	tdev->emu_doorbell = NULL;
	tdev->regs = NULL;
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

/**
 * tern_pci_fini() - undo tern_pci_init()
 * @tdev: device whose interrupts are freed
 */
void tern_pci_fini(struct tern_device *tdev)
{
	struct pci_dev *pdev = tdev->pdev;

	pci_clear_master(pdev);
	pci_free_irq_vectors(pdev);
	if (tdev->emu_doorbell)
		pci_iounmap(pdev, tdev->emu_doorbell);
	pci_iounmap(pdev, tdev->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
}
