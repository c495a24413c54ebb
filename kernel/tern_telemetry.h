/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_TELEMETRY_H__
#define __TERN_TELEMETRY_H__

struct drm_tern_telemetry;
struct tern_device;

int tern_telemetry_read(struct tern_device *tdev,
			struct drm_tern_telemetry *t);

#endif /* __TERN_TELEMETRY_H__ */
