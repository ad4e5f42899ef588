/* Configurations that would build but cannot work stop the build here, with the
 * reason (lwIP's habit). Checks that need no C are in cmake/mt_config_check.cmake.
 * errors.c includes this, so every build compiles it exactly once. */
#ifndef MT_CORE_CONFIG_CHECK_H
#define MT_CORE_CONFIG_CHECK_H

#include "autoconf.h"

/* 4 KiB is a small compressed frame (a dark, still 320x240 JPEG); a ring that
 * cannot hold the pre-roll even in frames that small starts every clip late. */
#define MT_CONFIG_PREROLL_MIN_BYTES (CONFIG_MT_PREROLL_SECONDS * CONFIG_MT_CAPTURE_FPS * 4096)

#if CONFIG_MT_RING_BYTES < MT_CONFIG_PREROLL_MIN_BYTES
#error "ring too small: CONFIG_MT_RING_BYTES must hold CONFIG_MT_PREROLL_SECONDS * CONFIG_MT_CAPTURE_FPS frames of 4 KiB"
#endif

/* The post-roll is recorded inside the clip; a clip no longer than it would
 * hold no motion at all. */
#if CONFIG_MT_POSTROLL_SECONDS >= CONFIG_MT_CLIP_MAX_SECONDS
#error "post-roll too long: CONFIG_MT_POSTROLL_SECONDS must be shorter than CONFIG_MT_CLIP_MAX_SECONDS"
#endif

#endif
