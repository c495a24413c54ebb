// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * hwmon sensors of the card (hw-spec 8), in hwmon units:
 * temp1 die, temp2 HBM, temp3 coolant inlet, temp4 coolant outlet
 * (millidegrees Celsius; temp1_max is the throttle threshold, temp1_crit
 * the thermal trip), power1 board power (microwatts), energy1 energy since
 * power-on (microjoules). A sensor the card lacks (TERN_REG_TELEM_VALID)
 * is not shown.
 */

#include <linux/hwmon.h>

#include <drm/drm_drv.h>

#include "tern_hw.h"
#include "tern_hwmon.h"

/* Thermal trip above the throttle threshold (hw-spec 8.4). */
#define TERN_THERMAL_TRIP_DELTA_MC	15000

static const char * const tern_temp_labels[] = {
	"die", "hbm", "coolant_in", "coolant_out",
};

static const u32 tern_temp_valid[] = {
	TERN_TELEM_TEMP_DIE, TERN_TELEM_TEMP_HBM,
	TERN_TELEM_COOLANT_IN, TERN_TELEM_COOLANT_OUT,
};

static const u32 tern_temp_regs[] = {
	TERN_REG_TEMP_DIE, TERN_REG_TEMP_HBM,
	TERN_REG_COOLANT_IN, TERN_REG_COOLANT_OUT,
};

static umode_t tern_hwmon_is_visible(const void *data,
				     enum hwmon_sensor_types type, u32 attr,
				     int channel)
{
	const struct tern_device *tdev = data;
	u32 valid = tdev->hw.telem_valid;

	switch (type) {
	case hwmon_temp:
		return valid & tern_temp_valid[channel] ? 0444 : 0;
	case hwmon_power:
		return valid & TERN_TELEM_POWER ? 0444 : 0;
	case hwmon_energy:
		return valid & TERN_TELEM_ENERGY ? 0444 : 0;
	default:
		return 0;
	}
}

static int tern_hwmon_read(struct device *dev, enum hwmon_sensor_types type,
			   u32 attr, int channel, long *val)
{
	struct tern_device *tdev = dev_get_drvdata(dev);
	int idx, ret = 0;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return -ENODEV;

	switch (type) {
	case hwmon_temp:
		switch (attr) {
		case hwmon_temp_input:
			*val = (s32)tern_rd32(tdev, tern_temp_regs[channel]);
			break;
		case hwmon_temp_max:
			*val = (s32)tern_rd32(tdev, TERN_REG_TEMP_LIMIT);
			break;
		case hwmon_temp_crit:
			*val = (s32)tern_rd32(tdev, TERN_REG_TEMP_LIMIT) +
			       TERN_THERMAL_TRIP_DELTA_MC;
			break;
		default:
			ret = -EOPNOTSUPP;
		}
		break;
	case hwmon_power:
		/* mW to uW */
		*val = (long)tern_rd32(tdev, TERN_REG_POWER) * 1000;
		break;
	case hwmon_energy:
		/* uJ, as hwmon */
		*val = (long)tern_rd64(tdev, TERN_REG_ENERGY);
		break;
	default:
		ret = -EOPNOTSUPP;
	}

	drm_dev_exit(idx);
	return ret;
}

static int tern_hwmon_read_string(struct device *dev,
				  enum hwmon_sensor_types type, u32 attr,
				  int channel, const char **str)
{
	if (type != hwmon_temp || attr != hwmon_temp_label)
		return -EOPNOTSUPP;
	*str = tern_temp_labels[channel];
	return 0;
}

static const struct hwmon_ops tern_hwmon_ops = {
	.is_visible = tern_hwmon_is_visible,
	.read = tern_hwmon_read,
	.read_string = tern_hwmon_read_string,
};

/* Not a const array: &hwmon_chip_info.info points to one only since 6.3. */
static const struct hwmon_channel_info *tern_hwmon_info[] = {
	HWMON_CHANNEL_INFO(temp,
			   HWMON_T_INPUT | HWMON_T_LABEL | HWMON_T_MAX |
			   HWMON_T_CRIT,
			   HWMON_T_INPUT | HWMON_T_LABEL,
			   HWMON_T_INPUT | HWMON_T_LABEL,
			   HWMON_T_INPUT | HWMON_T_LABEL),
	HWMON_CHANNEL_INFO(power, HWMON_P_INPUT),
	HWMON_CHANNEL_INFO(energy, HWMON_E_INPUT),
	NULL
};

static const struct hwmon_chip_info tern_hwmon_chip = {
	.ops = &tern_hwmon_ops,
	.info = tern_hwmon_info,
};

/**
 * tern_hwmon_init() - register the hwmon device
 * @tdev: device
 *
 * Return: 0 or a negative errno.
 */
int tern_hwmon_init(struct tern_device *tdev)
{
	struct device *hwmon;

	hwmon = devm_hwmon_device_register_with_info(&tdev->pdev->dev,
						     DRIVER_NAME, tdev,
						     &tern_hwmon_chip, NULL);
	return PTR_ERR_OR_ZERO(hwmon);
}
