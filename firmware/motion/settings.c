/* motion.* keys → struct mt_motion_config. */
#include "motion/settings.h"

#include <stdio.h>

#include "core/errors.h"

static int region(const struct mt_config *c, enum mt_config_key k, int zone, struct mt_region *r,
		  char *err, unsigned errlen)
{
	const char *text = mt_config_str(c, k);
	char why[96];
	int ret = zone ? mt_region_parse_zone(r, text, why, sizeof(why)) :
			 mt_region_parse_mask(r, text, why, sizeof(why));

	if (ret && err && errlen)
		snprintf(err, errlen, "%s = \"%.60s\": %s", mt_config_schema(k)->name, text, why);
	return ret;
}

int mt_motion_settings_read(const struct mt_config *c, struct mt_motion_config *out, char *err,
			    unsigned errlen)
{
	static const enum mt_config_key zones[MT_MOTION_ZONES] = {
		MT_CONFIG_MOTION_ZONE1,
		MT_CONFIG_MOTION_ZONE2,
		MT_CONFIG_MOTION_ZONE3,
		MT_CONFIG_MOTION_ZONE4,
	};
	int ret;

	mt_motion_config_defaults(out);
	out->sensitivity = (uint32_t)mt_config_int(c, MT_CONFIG_MOTION_SENSITIVITY);
	out->min_area_permille = (uint32_t)mt_config_int(c, MT_CONFIG_MOTION_MIN_AREA_PERMILLE);
	out->learn_us = mt_config_int(c, MT_CONFIG_MOTION_LEARN_S) * 1000000;
	out->trigger.trigger_frames = (uint32_t)mt_config_int(c, MT_CONFIG_MOTION_TRIGGER_FRAMES);
	out->trigger.release_us = mt_config_int(c, MT_CONFIG_MOTION_RELEASE_MS) * 1000;
	out->trigger.min_us = mt_config_int(c, MT_CONFIG_MOTION_MIN_EVENT_MS) * 1000;
	out->trigger.max_us = mt_config_int(c, MT_CONFIG_MOTION_MAX_EVENT_S) * 1000000;
	ret = region(c, MT_CONFIG_MOTION_IGNORE, 0, &out->ignore, err, errlen);
	if (!ret)
		ret = region(c, MT_CONFIG_MOTION_PRIVACY, 0, &out->privacy, err, errlen);
	for (unsigned z = 0; !ret && z < MT_MOTION_ZONES; z++)
		ret = region(c, zones[z], 1, &out->zone[z], err, errlen);
	if (ret)
		mt_motion_config_defaults(out);
	return ret;
}
