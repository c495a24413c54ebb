/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_HWMON_H__
#define __TERN_HWMON_H__

struct tern_device;

int tern_hwmon_init(struct tern_device *tdev);

#endif /* __TERN_HWMON_H__ */
