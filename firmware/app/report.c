/* End-of-run report. */
#include "app/report.h"

#include <stdarg.h>
#include <stdio.h>

#include "autoconf.h"

struct out {
	char *buf;
	size_t len;
	size_t used;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + (o->used < o->len ? o->used : o->len),
		      o->used < o->len ? o->len - o->used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

/* Stages of the data flow that do not exist yet, with their issue. */
static const char *const missing[] = {
	"root-filesystem updates on U-Boot boards (beyond issue #9, which ships app-only updates): the U-Boot environment slot backend is built and tested, but no bundle carries a root-filesystem image and the agent binds file slots (app-only updates, mt-boot)",
};

/* The spool and its evidence: what was signed, what a power cut or a full
 * spool cost (never silent), and the measured write amplification. */
static void signed_lines(struct out *o, const struct mt_run_report *r)
{
	const struct mt_spool_stats *s = &r->spool;

	if (!r->signing) {
		put(o, "signed     0: NOT SIGNED (%s)\n",
		    r->signing_why[0] ? r->signing_why : "off");
		return;
	}
	put(o,
	    "signed     %llu clips sealed (manifest, signature, checkpoints); %llu closed after "
	    "a power cut or write error, %llu voided (no frame)\n",
	    (unsigned long long)s->sealed, (unsigned long long)s->recovered,
	    (unsigned long long)s->voided);
	put(o,
	    "spool      %llu clips, %.1f of %.1f MiB; next clip %llu; %llu receipted clips "
	    "evicted, %llu UNSENT CLIPS LOST, %llu EVENTS REFUSED (spool full)\n",
	    (unsigned long long)s->clips, (double)s->used_bytes / (1 << 20),
	    (double)s->capacity / (1 << 20), (unsigned long long)s->next_seq,
	    (unsigned long long)s->evicted, (unsigned long long)s->lost,
	    (unsigned long long)s->refused);
	if (s->payload_bytes)
		put(o,
		    "           write amplification %.4f (%llu bytes written for %llu of clips; "
		    "%llu syncs)\n",
		    (double)s->written.bytes / (double)s->payload_bytes,
		    (unsigned long long)s->written.bytes, (unsigned long long)s->payload_bytes,
		    (unsigned long long)(s->written.syncs + s->written.dir_syncs));
	if (s->journal_bad || s->journal_inconsistent)
		put(o, "           JOURNAL: %llu damaged lines, %llu contradicting records\n",
		    (unsigned long long)s->journal_bad,
		    (unsigned long long)s->journal_inconsistent);
}

size_t mt_report_format(char *buf, size_t len, const struct mt_board *b,
			const struct mt_config *cfg, const struct mt_run_report *r)
{
	struct out o = { buf, len, 0 };
	uint64_t bytes = 0;
	double secs = (double)r->run_us / 1e6;

	if (len)
		buf[0] = '\0';
	for (uint32_t i = 0; i < r->nclips && i < MT_REPORT_CLIPS; i++)
		bytes += r->clips[i].bytes;

	put(&o, "\n== matthan %s run report (board %s) ==\n", MT_VERSION, b->name);
	put(&o, "camera     %s\n", mt_config_str(cfg, MT_CONFIG_CAPTURE_DEVICE));
	put(&o, "           %s %ux%u at %u fps, ran %.1f s\n", mt_pixfmt_name(r->format.format),
	    r->format.width, r->format.height, r->format.fps, secs);
	put(&o, "frames     %llu captured, %llu dropped by the camera, %llu corrupt (dropped)\n",
	    (unsigned long long)r->capture.frames, (unsigned long long)r->capture.dropped,
	    (unsigned long long)r->capture.corrupt);
	if (r->capture.stalls || r->capture.unplugs || r->capture.renegotiations ||
	    r->capture.ts_fixups)
		put(&o,
		    "           camera faults: %llu stalls, %llu unplugs (%llu reconnects), "
		    "%llu format changes, %llu timestamps fixed\n",
		    (unsigned long long)r->capture.stalls, (unsigned long long)r->capture.unplugs,
		    (unsigned long long)r->capture.reconnects,
		    (unsigned long long)r->capture.renegotiations,
		    (unsigned long long)r->capture.ts_fixups);
	if (r->encode_thread)
		put(&o,
		    "encode     %llu encoded, %llu masked, %llu passed, %llu dropped "
		    "(%llu more: encode thread full), on its own thread\n",
		    (unsigned long long)r->enc.encoded, (unsigned long long)r->enc.masked,
		    (unsigned long long)r->enc.passed, (unsigned long long)r->enc.dropped,
		    (unsigned long long)r->encode_drops);
	put(&o,
	    "motion     %llu analysed (%llu skipped: analysis busy; %llu unreadable), "
	    "%llu with motion\n",
	    (unsigned long long)r->analysed, (unsigned long long)r->queue_drops,
	    (unsigned long long)r->unreadable, (unsigned long long)r->motion_frames);
	put(&o, "events     %llu (%llu continued the clip before them)\n",
	    (unsigned long long)r->events, (unsigned long long)r->rec.merged);
	put(&o,
	    "clips      %llu written to %s, %llu frames, %.1f MiB; %llu failed, "
	    "%llu frames lost, %llu with short pre-roll\n",
	    (unsigned long long)r->rec.clips, mt_config_str(cfg, MT_CONFIG_SPOOL_PATH),
	    (unsigned long long)r->rec.frames, (double)bytes / (1 << 20),
	    (unsigned long long)r->rec.errors, (unsigned long long)r->rec.lost,
	    (unsigned long long)r->rec.preroll_short);
	for (uint32_t i = 0; i < r->nclips && i < MT_REPORT_CLIPS; i++) {
		const struct mt_clip_info *c = &r->clips[i];

		put(&o, "  %s  %u frames  at %.1f s  %.1f s (pre-roll %.1f s)  %llu bytes\n",
		    c->path, c->frames, (double)(c->first_us - r->first_frame_us) / 1e6,
		    (double)(c->last_us - c->first_us) / 1e6,
		    (double)(c->trigger_us - c->first_us) / 1e6, (unsigned long long)c->bytes);
		put(&o, "    sha256 %s\n", r->clip_sha256[i]);
	}
	if (r->nclips > MT_REPORT_CLIPS)
		put(&o, "  ... and %u more\n", r->nclips - MT_REPORT_CLIPS);
	signed_lines(&o, r);
	if (r->upload_on)
		put(&o,
		    "uploaded   %llu clips delivered with a checked station receipt, %.1f MiB; "
		    "%llu failed attempts%s%s\n"
		    "           %llu clips uploaded while recorded, %.1f MiB of them before they "
		    "closed; %llu uploads begun again\n",
		    (unsigned long long)r->upload.delivered, (double)r->upload.bytes / (1 << 20),
		    (unsigned long long)r->upload.failures, r->upload.last_why[0] ? "; last: " : "",
		    r->upload.last_why, (unsigned long long)r->upload.live_clips,
		    (double)r->upload.live_bytes / (1 << 20),
		    (unsigned long long)r->upload.restarts);
	else
		put(&o, "uploaded   0: uploads off (%s)\n", r->upload_why);
	put(&o, "watchdog   %s: fed %llu times, %llu ticks with a stale thread\n",
	    b->watchdog_note ? b->watchdog_note : "hardware", (unsigned long long)r->watchdog_feeds,
	    (unsigned long long)r->watchdog_missed);
	put(&o, "NOT BUILT YET:\n");
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		put(&o, "  - %s\n", missing[i]);
	return o.used;
}
