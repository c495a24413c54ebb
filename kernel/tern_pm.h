/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_PM_H__
#define __TERN_PM_H__

#include <linux/pci.h>

struct tern_device;

void tern_pm_init(struct tern_device *tdev);
void tern_pm_start_watchdog(struct tern_device *tdev);
void tern_pm_unplug(struct tern_device *tdev);
void tern_pm_fini(struct tern_device *tdev);
void tern_pm_schedule_recovery(struct tern_device *tdev, const char *reason);
int tern_pm_reset(struct tern_device *tdev);
bool tern_pm_usable(struct tern_device *tdev);

extern const struct pci_error_handlers tern_pci_err_handlers;

#endif /* __TERN_PM_H__ */
