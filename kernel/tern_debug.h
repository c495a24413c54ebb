/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_DEBUG_H__
#define __TERN_DEBUG_H__

#include <linux/bits.h>
#include <linux/device.h>

/* Categories of the dbg_mask module parameter. */
#define TERN_DBG_PCI		BIT(0)
#define TERN_DBG_IRQ		BIT(1)
#define TERN_DBG_MMU		BIT(2)
#define TERN_DBG_GEM		BIT(3)
#define TERN_DBG_CTX		BIT(4)
#define TERN_DBG_JOB		BIT(5)
#define TERN_DBG_PM		BIT(6)
#define TERN_DBG_IOCTL		BIT(7)
#define TERN_DBG_PART		BIT(8)

extern unsigned int tern_dbg_mask;

/* Device messages; @tdev is a struct tern_device pointer. */
#define tern_err(tdev, fmt, ...) \
	dev_err((tdev)->drm.dev, fmt, ##__VA_ARGS__)
#define tern_err_ratelimited(tdev, fmt, ...) \
	dev_err_ratelimited((tdev)->drm.dev, fmt, ##__VA_ARGS__)
#define tern_warn(tdev, fmt, ...) \
	dev_warn((tdev)->drm.dev, fmt, ##__VA_ARGS__)
#define tern_info(tdev, fmt, ...) \
	dev_info((tdev)->drm.dev, fmt, ##__VA_ARGS__)

/*
 * tern_dbg() prints when its category is set in dbg_mask and the message
 * is enabled in dynamic debug, e.g. for contexts and jobs:
 * "modprobe tern dbg_mask=0x30 dyndbg=+p".
 */
#define tern_dbg(tdev, cat, fmt, ...)					\
	do {								\
		if (unlikely(tern_dbg_mask & TERN_DBG_##cat))		\
			dev_dbg((tdev)->drm.dev, "[" #cat "] " fmt,	\
				##__VA_ARGS__);				\
	} while (0)

#endif /* __TERN_DEBUG_H__ */
