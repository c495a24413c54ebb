/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_DEBUGFS_H__
#define __TERN_DEBUGFS_H__

struct tern_device;

void tern_debugfs_module_init(void);
void tern_debugfs_module_exit(void);
void tern_debugfs_init(struct tern_device *tdev);
void tern_debugfs_fini(struct tern_device *tdev);

#endif /* __TERN_DEBUGFS_H__ */
