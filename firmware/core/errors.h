/* matthan error codes: 0 is success, a negative errno for system-level
 * failures, or one of the few named MT_E* codes below (all below -4096, so
 * they never collide with an errno). */
#ifndef MT_CORE_ERRORS_H
#define MT_CORE_ERRORS_H

#include <errno.h>

#define MT_EBASE    (-4096)
#define MT_ECORRUPT (MT_EBASE - 1) /* data failed a structural check */
#define MT_ECONFIG  (MT_EBASE - 2) /* configuration rejected */
#define MT_EFORMAT  (MT_EBASE - 3) /* unsupported or malformed media */
#define MT_EEND     (MT_EBASE - 4) /* end of stream (a replay ran out) */
#define MT_ECRASHED (MT_EBASE - 5) /* fault injection: simulated power cut */

/* A short, static, human-readable text for any code this project returns. */
const char *mt_strerror(int err);

#endif
