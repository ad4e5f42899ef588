/* mt-motion-eval: runs matthan's motion engine over footage (or scores
 * another detector's block masks) and scores it against CDnet-style ground
 * truth. Interface and scoring rules: docs/motion.md. Host-side: measures
 * CPU time with CLOCK_THREAD_CPUTIME_ID, which firmware/ may not. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/config.h"
#include "core/errors.h"
#include "core/jpeg.h"
#include "motion/motion.h"
#include "motion/settings.h"
#include "motion/thumb.h"
#include "motion/trigger.h"
#include "score.h"
#include "seq.h"

#define MAX_EVENTS 10000

struct opts {
	const char *frames, *video, *config, *gt, *roi, *troi, *dump, *jsonl, *score_masks;
	double fps;
	int json;
};

struct event {
	unsigned start, trigger, end;
};

struct run {
	struct opts o;
	struct ev_seq in, gt;
	uint8_t *roi;
	unsigned roi_w, roi_h;
	unsigned t_first, t_last; /* temporal ROI, 1-based; 0..UINT_MAX without */
	struct mt_motion_config mcfg;
	struct mt_motion *motion;
	struct mt_trigger trigger; /* --score-masks: events of the masks */
	struct mt_thumbnailer tn;
	struct mt_thumb *thumb;
	FILE *jsonl;
	unsigned w, h; /* source picture */
	uint8_t *blocks;
	struct ev_score score;
	unsigned frames, corrupt, analysed, motion_frames;
	double decode_us, analysis_us;
	struct event *events;
	unsigned nevents;
	int in_event;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mt-motion-eval (--frames DIR | --video FILE) [options]\n"
		"       mt-motion-eval --score-masks DIR [--frames DIR | --video FILE] [options]\n"
		"\n"
		"Runs matthan's motion engine over footage and scores it against ground\n"
		"truth (docs/motion.md has the scoring rules).\n"
		"\n"
		"  --frames DIR          JPEG/PNG image sequence, name order = frames 1, 2, ...\n"
		"  --video FILE          anything ffmpeg reads (converted to MJPEG first)\n"
		"  --fps N               frame rate of an image sequence (default 25)\n"
		"  --config FILE         matthan configuration (motion.* keys)\n"
		"  --gt DIR              CDnet ground-truth masks, name order\n"
		"  --roi FILE            CDnet region-of-interest image (nonzero = inside)\n"
		"  --temporal-roi FILE   \"first last\": only those frames are scored\n"
		"  --dump-masks DIR      write DIR/%%06d.pgm, one pixel per 8x8 block\n"
		"  --frames-jsonl FILE   one JSON line per frame\n"
		"  --score-masks DIR     score DIR/%%06d.pgm block masks instead of running\n"
		"                        the engine (a peer detector's output)\n"
		"  --json                print a JSON summary on stdout\n"
		"  --help, --version\n");
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "mt-motion-eval: %s%s%s (see --help)\n", msg, arg ? ": " : "",
		arg ? arg : "");
	return 2;
}

static double cpu_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "frames", required_argument, NULL, 'f' },
		{ "video", required_argument, NULL, 'v' },
		{ "fps", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "gt", required_argument, NULL, 'g' },
		{ "roi", required_argument, NULL, 'R' },
		{ "temporal-roi", required_argument, NULL, 'T' },
		{ "dump-masks", required_argument, NULL, 'd' },
		{ "frames-jsonl", required_argument, NULL, 'l' },
		{ "score-masks", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *end;

	memset(o, 0, sizeof(*o));
	o->fps = 25;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->frames = optarg;
			break;
		case 'v':
			o->video = optarg;
			break;
		case 'r':
			o->fps = strtod(optarg, &end);
			if (*end || !(o->fps > 0 && o->fps <= 1000))
				return usage_error("--fps wants a number above 0", optarg);
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'g':
			o->gt = optarg;
			break;
		case 'R':
			o->roi = optarg;
			break;
		case 'T':
			o->troi = optarg;
			break;
		case 'd':
			o->dump = optarg;
			break;
		case 'l':
			o->jsonl = optarg;
			break;
		case 's':
			o->score_masks = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("mt-motion-eval %s\n", MT_VERSION);
			exit(0);
		default:
			return usage_error("unknown or incomplete option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (o->frames && o->video)
		return usage_error("--frames and --video exclude each other", NULL);
	if (!o->frames && !o->video && !o->score_masks)
		return usage_error("no input: --frames DIR or --video FILE", NULL);
	if ((o->roi || o->troi) && !o->gt)
		return usage_error("--roi and --temporal-roi need --gt", NULL);
	if (o->score_masks && o->dump)
		return usage_error("--score-masks and --dump-masks exclude each other", NULL);
	return 0;
}

static int load_config(struct run *r)
{
	struct mt_config cfg;
	struct mt_config_error err;
	char msg[320];
	uint8_t *text = NULL;
	size_t len = 0;

	mt_config_init(&cfg);
	if (r->o.config) {
		int ret = ev_read_file(r->o.config, &text, &len);

		if (ret) {
			fprintf(stderr, "mt-motion-eval: %s: %s\n", r->o.config, strerror(-ret));
			return -1;
		}
		ret = mt_config_parse(&cfg, r->o.config, (const char *)text, len, &err);
		free(text);
		if (ret) {
			mt_config_error_format(&err, msg, sizeof(msg));
			fprintf(stderr, "mt-motion-eval: %s\n", msg);
			return -1;
		}
	}
	if (mt_motion_settings_read(&cfg, &r->mcfg, msg, sizeof(msg))) {
		fprintf(stderr, "mt-motion-eval: %s\n", msg);
		return -1;
	}
	return 0;
}

static int load_truth(struct run *r)
{
	r->t_first = 1;
	r->t_last = UINT_MAX;
	if (!r->o.gt)
		return 0;
	if (ev_seq_open_dir(&r->gt, r->o.gt))
		return -1;
	if (r->o.roi && ev_read_gray(r->o.roi, &r->roi, &r->roi_w, &r->roi_h)) {
		fprintf(stderr, "mt-motion-eval: %s: cannot read the ROI image\n", r->o.roi);
		return -1;
	}
	if (r->o.troi) {
		FILE *f = fopen(r->o.troi, "r");
		int ok = f && fscanf(f, "%u %u", &r->t_first, &r->t_last) == 2 &&
			 r->t_first <= r->t_last;

		if (f)
			fclose(f);
		if (!ok) {
			fprintf(stderr, "mt-motion-eval: %s: expected \"first last\"\n", r->o.troi);
			return -1;
		}
	}
	return 0;
}

static unsigned frame_of(const struct run *r, int64_t ts_us)
{
	return (unsigned)((double)ts_us * r->o.fps / 1e6 + 0.5) + 1;
}

static void on_action(struct run *r, enum mt_trigger_action a, int64_t at_us, unsigned n)
{
	if (a == MT_TRIGGER_START && r->nevents < MAX_EVENTS) {
		r->events[r->nevents].start = frame_of(r, at_us);
		r->events[r->nevents].trigger = n;
		r->events[r->nevents].end = 0;
		r->nevents++;
		r->in_event = 1;
	} else if (a == MT_TRIGGER_STOP && r->in_event) {
		r->events[r->nevents - 1].end = n;
		r->in_event = 0;
	}
}

/* Ground truth of frame n scored against r->blocks. */
static int score_frame(struct run *r, unsigned n)
{
	char path[PATH_MAX];
	uint8_t *gt;
	unsigned w, h;

	if (!r->o.gt || n < r->t_first || n > r->t_last)
		return 0;
	if (n > r->gt.n) {
		fprintf(stderr, "mt-motion-eval: no ground truth for frame %u\n", n);
		return -1;
	}
	ev_seq_path(&r->gt, n - 1, path, sizeof(path));
	if (ev_read_pgm(path, &gt, &w, &h) || w != r->w || h != r->h ||
	    (r->roi && (r->roi_w != w || r->roi_h != h))) {
		fprintf(stderr, "mt-motion-eval: %s: unreadable or not %ux%u like the frames\n",
			r->gt.names[n - 1], r->w, r->h);
		free(gt);
		return -1;
	}
	ev_score_frame(&r->score, gt, r->roi, w, h, r->blocks);
	free(gt);
	return 0;
}

/* The picture size of the first frame fixes the block grid. */
static int set_size(struct run *r, unsigned w, unsigned h)
{
	if (r->w)
		return w == r->w && h == r->h ? 0 : -1;
	r->w = w;
	r->h = h;
	r->blocks = calloc((size_t)ev_blocks(w) * ev_blocks(h), 1);
	return r->blocks ? 0 : -1;
}

/* Decodes frame i (0-based) into r->thumb. 1: corrupt, skipped. */
static int decode(struct run *r, unsigned i)
{
	char path[PATH_MAX];
	uint8_t *data;
	size_t len;
	unsigned w, h;
	int ret;
	double t0;

	ev_seq_path(&r->in, i, path, sizeof(path));
	if (r->in.kind == EV_JPEG) {
		struct mt_frame f;
		uint16_t jw = 0, jh = 0;

		if (ev_read_file(path, &data, &len))
			return -1;
		memset(&f, 0, sizeof(f));
		f.format = MT_FMT_MJPEG;
		f.data = data;
		f.size = f.capacity = len;
		t0 = cpu_us();
		ret = mt_thumb_make(&r->tn, &f, r->thumb);
		r->decode_us += cpu_us() - t0;
		if (!ret)
			mt_jpeg_probe(data, len, &jw, &jh);
		free(data);
		w = jw;
		h = jh;
	} else {
		if (ev_read_pgm(path, &data, &w, &h))
			return 1;
		t0 = cpu_us();
		ret = mt_thumb_from_luma(data, w, h, w, r->thumb);
		r->decode_us += cpu_us() - t0;
		free(data);
	}
	if (ret)
		return 1;
	if (set_size(r, w, h)) {
		fprintf(stderr, "mt-motion-eval: %s: %ux%u, not %ux%u like frame 1\n", path, w, h,
			r->w, r->h);
		return -1;
	}
	return 0;
}

static int dump(struct run *r, unsigned n)
{
	char path[PATH_MAX];
	unsigned bw = ev_blocks(r->w), bh = ev_blocks(r->h);
	uint8_t *pix = malloc((size_t)bw * bh);
	int ret;

	if (!pix)
		return -1;
	for (unsigned i = 0; i < bw * bh; i++)
		pix[i] = r->blocks[i] ? 255 : 0;
	snprintf(path, sizeof(path), "%s/%06u.pgm", r->o.dump, n);
	ret = ev_write_pgm(path, pix, bw, bh);
	free(pix);
	if (ret)
		fprintf(stderr, "mt-motion-eval: %s: %s\n", path, strerror(-ret));
	return ret;
}

/* One frame through the engine. */
static int engine_frame(struct run *r, unsigned n, int64_t ts, int *motion, uint32_t *score)
{
	struct mt_motion_result res;
	double t0;
	int ret = decode(r, n - 1);

	if (ret)
		return ret;
	t0 = cpu_us();
	mt_motion_feed(r->motion, r->thumb, ts, &res);
	r->analysis_us += cpu_us() - t0;
	r->analysed++;
	/* 8x8 blocks are for scoring and dumps only; they cost more than the
	 * analysis itself, so a bare run does not make them */
	if (r->o.gt || r->o.dump)
		ev_blocks_from_grid(res.map, res.gw, res.gh, ev_cell_px(r->w, res.gw), r->w, r->h,
				    r->blocks);
	*motion = res.motion;
	*score = res.score;
	on_action(r, res.action, res.action_at_us, n);
	if (r->o.dump && dump(r, n))
		return -1;
	return 0;
}

/* One frame of --score-masks: the peer's block mask. */
static int mask_frame(struct run *r, unsigned n, int64_t ts, int *motion)
{
	char path[PATH_MAX];
	uint8_t *pix;
	unsigned w, h, any = 0;
	int64_t at;
	enum mt_trigger_action a;

	snprintf(path, sizeof(path), "%s/%06u.pgm", r->o.score_masks, n);
	if (ev_read_pgm(path, &pix, &w, &h)) {
		fprintf(stderr, "mt-motion-eval: %s: missing or not a binary PGM\n", path);
		return -1;
	}
	if (!r->w && r->o.gt && r->gt.n) {
		/* The picture size comes from the ground truth. */
		char gp[PATH_MAX];
		uint8_t *g;
		unsigned gw, gh;

		ev_seq_path(&r->gt, 0, gp, sizeof(gp));
		if (ev_read_pgm(gp, &g, &gw, &gh) == 0 && set_size(r, gw, gh) == 0)
			free(g);
	}
	if (!r->w && set_size(r, w * 8, h * 8)) {
		free(pix);
		return -1;
	}
	if (w != ev_blocks(r->w) || h != ev_blocks(r->h)) {
		fprintf(stderr, "mt-motion-eval: %s: %ux%u blocks, not %ux%u\n", path, w, h,
			ev_blocks(r->w), ev_blocks(r->h));
		free(pix);
		return -1;
	}
	for (unsigned i = 0; i < w * h; i++)
		any |= (r->blocks[i] = pix[i] != 0);
	free(pix);
	*motion = (int)any;
	r->analysed++;
	/* The peer's map drives the same event state machine. */
	a = mt_trigger_step(&r->trigger, ts, *motion, *motion, &at);
	on_action(r, a, at, n);
	return 0;
}

static unsigned mask_count(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	unsigned n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "%s/%06u.pgm", dir, n + 1);
		if (stat(path, &st))
			return n;
		n++;
	}
}

static int run_frames(struct run *r)
{
	unsigned total = r->o.score_masks && !r->in.n ? mask_count(r->o.score_masks) : r->in.n;
	int64_t ts = 0, at;

	for (unsigned n = 1; n <= total; n++) {
		int motion = 0, ret;
		uint32_t score = 0;

		ts = (int64_t)((double)(n - 1) * 1e6 / r->o.fps);
		ret = r->o.score_masks ? mask_frame(r, n, ts, &motion) :
					 engine_frame(r, n, ts, &motion, &score);
		r->frames++;
		if (ret < 0)
			return -1;
		if (ret > 0) {
			r->corrupt++;
			if (r->jsonl)
				fprintf(r->jsonl,
					"{\"frame\": %u, \"motion\": false, \"event\": %s, "
					"\"score\": 0, \"corrupt\": true}\n",
					n, r->in_event ? "true" : "false");
			continue;
		}
		r->motion_frames += (unsigned)motion;
		if (score_frame(r, n))
			return -1;
		if (r->jsonl)
			fprintf(r->jsonl,
				"{\"frame\": %u, \"motion\": %s, \"event\": %s, \"score\": %u}\n",
				n, motion ? "true" : "false", r->in_event ? "true" : "false",
				score);
	}
	if (r->o.score_masks) {
		on_action(r, mt_trigger_finish(&r->trigger, ts, &at), at, total);
	} else if (r->motion) {
		struct mt_motion_result res;

		mt_motion_finish(r->motion, ts, &res);
		on_action(r, res.action, res.action_at_us, total);
	}
	return 0;
}

static void report(const struct run *r)
{
	double hours = r->frames / r->o.fps / 3600.0;
	double per_hour = hours > 0 ? r->nevents / hours : 0;
	double dec = r->analysed && !r->o.score_masks ? r->decode_us / r->analysed : 0;
	double ana = r->analysed && !r->o.score_masks ? r->analysis_us / r->analysed : 0;

	if (!r->o.json) {
		printf("frames %u (%u corrupt), motion in %u, events %u (%.1f per hour)\n",
		       r->frames, r->corrupt, r->motion_frames, r->nevents, per_hour);
		for (unsigned i = 0; i < r->nevents; i++)
			printf("  event %u: frames %u-%u (triggered at %u)\n", i + 1,
			       r->events[i].start, r->events[i].end, r->events[i].trigger);
		if (r->o.gt)
			printf("scored %u frames: frame P %.4f R %.4f F1 %.4f; block P %.4f R "
			       "%.4f F1 %.4f\n",
			       r->score.scored, ev_precision(&r->score.frame),
			       ev_recall(&r->score.frame), ev_f1(&r->score.frame),
			       ev_precision(&r->score.block), ev_recall(&r->score.block),
			       ev_f1(&r->score.block));
		printf("cpu per frame: decode %.1f us, analysis %.1f us\n", dec, ana);
		return;
	}
	printf("{\"frames\": %u, \"scored_frames\": %u, \"corrupt_frames\": %u, "
	       "\"motion_frames\": %u, \"events\": [",
	       r->frames, r->score.scored, r->corrupt, r->motion_frames);
	for (unsigned i = 0; i < r->nevents; i++)
		printf("%s{\"start\": %u, \"end\": %u, \"trigger\": %u}", i ? ", " : "",
		       r->events[i].start, r->events[i].end, r->events[i].trigger);
	printf("], \"events_per_hour\": %.2f", per_hour);
	if (r->o.gt)
		printf(", \"frame_precision\": %.4f, \"frame_recall\": %.4f, \"frame_f1\": %.4f, "
		       "\"block_precision\": %.4f, \"block_recall\": %.4f, \"block_f1\": %.4f",
		       ev_precision(&r->score.frame), ev_recall(&r->score.frame),
		       ev_f1(&r->score.frame), ev_precision(&r->score.block),
		       ev_recall(&r->score.block), ev_f1(&r->score.block));
	printf(", \"decode_us_per_frame\": %.2f, \"analysis_us_per_frame\": %.2f}\n", dec, ana);
}

static int open_input(struct run *r)
{
	if (r->o.frames)
		return ev_seq_open_dir(&r->in, r->o.frames);
	if (r->o.video)
		return ev_seq_open_video(&r->in, r->o.video);
	return 0;
}

static int open_outputs(struct run *r)
{
	if (r->o.dump && mkdir(r->o.dump, 0755) && errno != EEXIST) {
		fprintf(stderr, "mt-motion-eval: %s: %s\n", r->o.dump, strerror(errno));
		return -1;
	}
	if (r->o.jsonl && !(r->jsonl = fopen(r->o.jsonl, "w"))) {
		fprintf(stderr, "mt-motion-eval: %s: %s\n", r->o.jsonl, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct run r;
	int ret = parse_args(&r.o, argc, argv), status = 1;

	if (ret)
		return ret;
	mt_thumbnailer_init(&r.tn);
	r.events = calloc(MAX_EVENTS, sizeof(*r.events));
	r.thumb = malloc(sizeof(*r.thumb));
	r.motion = malloc(sizeof(*r.motion));
	if (!r.events || !r.thumb || !r.motion) {
		fprintf(stderr, "mt-motion-eval: out of memory\n");
		goto out_free;
	}
	if (load_config(&r) || load_truth(&r) || open_input(&r) || open_outputs(&r))
		goto out_free;
	mt_motion_init(r.motion, &r.mcfg);
	mt_trigger_init(&r.trigger, &r.mcfg.trigger);
	if (run_frames(&r))
		goto out_free;
	report(&r);
	status = 0;
out_free:
	if (r.jsonl && fclose(r.jsonl) && !status) {
		fprintf(stderr, "mt-motion-eval: %s: write failed\n", r.o.jsonl);
		status = 1;
	}
	ev_seq_close(&r.in);
	ev_seq_close(&r.gt);
	mt_thumbnailer_free(&r.tn);
	free(r.roi);
	free(r.blocks);
	free(r.events);
	free(r.thumb);
	free(r.motion);
	return status;
}
