/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_PCI_H__
#define __TERN_PCI_H__

#include "tern_drv.h"

/*
 * Page-table entries and MMU roots hold 52-bit bus addresses (hw-spec 6.2);
 * rings and write-back slots take 64-bit ones.
 */
#define TERN_DMA_BITS		52

int tern_pci_init(struct tern_device *tdev);
void tern_pci_fini(struct tern_device *tdev);

#endif /* __TERN_PCI_H__ */
