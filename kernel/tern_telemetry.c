// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Telemetry samples (hw-spec 8) for DRM_TERN_INFO_TELEMETRY.
 */

#include <linux/string.h>

#include <drm/drm_drv.h>

#include <uapi/drm/tern_accel.h>

#include "tern_hw.h"
#include "tern_telemetry.h"

#define TERN_TELEM_KNOWN	GENMASK(9, 0)
#define TERN_TELEM_TRIES	3

static void tern_telemetry_sample(struct tern_device *tdev,
				  struct drm_tern_telemetry *t)
{
	u32 valid = tern_rd32(tdev, TERN_REG_TELEM_VALID) & TERN_TELEM_KNOWN;
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->valid = valid;
	t->timestamp_ns = tern_rd64(tdev, TERN_REG_TIMESTAMP);

	/* A sensor whose valid bit is clear reads 0: unavailable (8.3). */
	if (valid & TERN_TELEM_TEMP_DIE) {
		t->temp_die_mc = tern_rd32(tdev, TERN_REG_TEMP_DIE);
		t->temp_limit_mc = tern_rd32(tdev, TERN_REG_TEMP_LIMIT);
	}
	if (valid & TERN_TELEM_TEMP_HBM)
		t->temp_hbm_mc = tern_rd32(tdev, TERN_REG_TEMP_HBM);
	if (valid & TERN_TELEM_COOLANT_IN)
		t->coolant_in_mc = tern_rd32(tdev, TERN_REG_COOLANT_IN);
	if (valid & TERN_TELEM_COOLANT_OUT)
		t->coolant_out_mc = tern_rd32(tdev, TERN_REG_COOLANT_OUT);
	if (valid & TERN_TELEM_COOLANT_FLOW)
		t->coolant_flow_ml_min = tern_rd32(tdev, TERN_REG_COOLANT_FLOW);
	if (valid & TERN_TELEM_POWER)
		t->power_mw = tern_rd32(tdev, TERN_REG_POWER);
	if (valid & TERN_TELEM_ENERGY)
		t->energy_uj = tern_rd64(tdev, TERN_REG_ENERGY);
	if (valid & TERN_TELEM_CLOCK)
		t->clock_mhz = tern_rd32(tdev, TERN_REG_CLOCK_MHZ);
	if (valid & TERN_TELEM_ECC) {
		t->ecc_corrected = tern_rd64(tdev, TERN_REG_ECC_CORRECTED);
		t->ecc_uncorrected = tern_rd64(tdev, TERN_REG_ECC_UNCORRECTED);
	}

	t->throttled = !!(tern_rd32(tdev, TERN_REG_DEV_STATUS) &
			  TERN_DEV_STATUS_THROTTLED);
	t->heartbeat = tern_rd32(tdev, TERN_REG_HEARTBEAT);
	t->num_cores = tdev->hw.num_cores;
	if (valid & TERN_TELEM_CORE_UTIL)
		for (i = 0; i < t->num_cores; i++)
			t->core_util[i] = tern_rd32(tdev, TERN_REG_CORE_UTIL(i));
}

/**
 * tern_telemetry_read() - take one consistent telemetry sample
 * @tdev: device
 * @t: filled in
 *
 * Reads TELEM_SEQ around the sensors and retries when the device updated
 * them meanwhile (hw-spec 8.3).
 *
 * Return: 0 or -ENODEV after unplug.
 */
int tern_telemetry_read(struct tern_device *tdev, struct drm_tern_telemetry *t)
{
	unsigned int tries;
	u32 seq;
	int idx;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return -ENODEV;

	for (tries = 0; tries < TERN_TELEM_TRIES; tries++) {
		seq = tern_rd32(tdev, TERN_REG_TELEM_SEQ);
		rmb(); /* sensors after the sequence number */
		tern_telemetry_sample(tdev, t);
		rmb(); /* sensors before the sequence number again */
		if (tern_rd32(tdev, TERN_REG_TELEM_SEQ) == seq)
			break;
	}
	t->seq = seq;
	drm_dev_exit(idx);
	return 0;
}
