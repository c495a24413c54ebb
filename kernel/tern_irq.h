/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_IRQ_H__
#define __TERN_IRQ_H__

#include "tern_drv.h"

int tern_irq_init(struct tern_device *tdev);
void tern_irq_fini(struct tern_device *tdev);

#endif /* __TERN_IRQ_H__ */
