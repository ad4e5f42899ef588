/* The end-of-run report: what was captured, detected, recorded, signed and
 * uploaded — and, plainly, which stages of ARCHITECTURE.md's flow are not
 * built yet. */
#ifndef MT_APP_REPORT_H
#define MT_APP_REPORT_H

#include <stddef.h>

#include "app/board.h"
#include "app/pipeline.h"
#include "core/config.h"

/* Writes the report into buf (always NUL-terminated); returns the length it
 * needed, like snprintf. */
size_t mt_report_format(char *buf, size_t len, const struct mt_board *b,
			const struct mt_config *cfg, const struct mt_run_report *r);

#endif
