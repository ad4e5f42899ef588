/* The motion engine's configuration from the runtime configuration store
 * (the motion.* keys of docs/config.md): numbers copied, masks and zones
 * parsed from their polygon text. */
#ifndef MT_MOTION_SETTINGS_H
#define MT_MOTION_SETTINGS_H

#include "core/config.h"
#include "motion/motion.h"

/* Fills *out from c. 0, or MT_ECONFIG with err (may be NULL) naming the key
 * and what is wrong with its polygons; *out is then at the defaults with no
 * masks or zones. */
int mt_motion_settings_read(const struct mt_config *c, struct mt_motion_config *out, char *err,
			    unsigned errlen);

#endif
