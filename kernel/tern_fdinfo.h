/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_FDINFO_H__
#define __TERN_FDINFO_H__

struct drm_file;
struct drm_printer;
struct file;
struct seq_file;

#ifdef TERN_HAVE_DRM_SHOW_FDINFO
void tern_fdinfo_show(struct drm_printer *p, struct drm_file *file);
#else
void tern_fdinfo_show_fops(struct seq_file *m, struct file *f);
#endif

#endif /* __TERN_FDINFO_H__ */
