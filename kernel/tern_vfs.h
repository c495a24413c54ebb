/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_VFS_H__
#define __TERN_VFS_H__

#include <linux/types.h>

struct tern_device;

void tern_vfs_register(struct tern_device *tdev);
void tern_vfs_unregister(struct tern_device *tdev);
int tern_vfs_check_unused(struct tern_device *pf, unsigned long mask,
			  const char *refused);
bool tern_vfs_any_bound(struct tern_device *pf, unsigned long mask);
void tern_vfs_unbind(struct tern_device *pf, unsigned long mask);
void tern_vfs_recover(struct tern_device *pf);
ssize_t tern_vfs_show(struct tern_device *pf, char *buf);
ssize_t tern_vfs_show_pf(struct tern_device *vf, char *buf);

#endif /* __TERN_VFS_H__ */
