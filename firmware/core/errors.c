/* Texts for matthan's error codes. */
#include "core/errors.h"
#include "core/config_check.h" /* compiled once, here */

#include <string.h>

const char *mt_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case MT_ECORRUPT:
		return "corrupt data";
	case MT_ECONFIG:
		return "invalid configuration";
	case MT_EFORMAT:
		return "unsupported or malformed media";
	case MT_EEND:
		return "end of stream";
	case MT_ECRASHED:
		return "simulated power cut";
	default:
		break;
	}
	if (err < 0 && err > MT_EBASE)
		return strerror(-err);
	return "unknown error";
}
