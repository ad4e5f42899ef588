/* Motion engine: background, noise, light, blobs, persistence, events. */
#include "motion/motion.h"

#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "motion/blobs.h"

/* Cell classes in m->raw once the blobs are known. */
enum {
	CLS_BG = 0,
	CLS_MOTION,
	CLS_STILL,
	CLS_YOUNG
};

void mt_motion_config_defaults(struct mt_motion_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->sensitivity = CONFIG_MT_MOTION_SENSITIVITY;
	cfg->min_area_permille = CONFIG_MT_MOTION_MIN_AREA_PERMILLE;
	cfg->learn_us = (int64_t)CONFIG_MT_MOTION_LEARN_SECONDS * 1000000;
	cfg->trigger.trigger_frames = CONFIG_MT_MOTION_TRIGGER_FRAMES;
	cfg->trigger.release_us = (int64_t)CONFIG_MT_MOTION_RELEASE_MS * 1000;
	cfg->trigger.min_us = (int64_t)CONFIG_MT_MOTION_MIN_EVENT_MS * 1000;
	cfg->trigger.max_us = (int64_t)CONFIG_MT_MOTION_MAX_EVENT_SECONDS * 1000000;
}

void mt_motion_init(struct mt_motion *m, const struct mt_motion_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (m->cfg.sensitivity < 1)
		m->cfg.sensitivity = 1;
	if (m->cfg.sensitivity > 100)
		m->cfg.sensitivity = 100;
	mt_trigger_init(&m->trigger, &m->cfg.trigger);
	mt_light_identity(&m->light);
	m->unjudged_since_us = -1;
}

void mt_motion_relearn(struct mt_motion *m)
{
	m->tw = m->th = 0; /* the next frame lays the grid out again */
}

/* Threshold floor and noise factor of a sensitivity, in luma << 4 and
 * factor << 4: 100 sees 2 levels above 2x noise, 1 needs 12 and 6x. */
static uint16_t floor16(unsigned s)
{
	return (uint16_t)(32 + (100 - s) * 160 / 99);
}

static uint16_t k16(unsigned s)
{
	return (uint16_t)(32 + (100 - s) * 64 / 99);
}

/* Grid for a tw x th thumbnail, and the masks and zones laid onto it. */
static void layout(struct mt_motion *m, const struct mt_thumb *t)
{
	unsigned w = t->width, h = t->height, n;

	m->tw = t->width;
	m->th = t->height;
	m->halvings = 0;
	while (w * h > MT_MOTION_MAX_CELLS) {
		w = (w + 1) / 2;
		h = (h + 1) / 2;
		m->halvings++;
	}
	m->gw = (uint16_t)w;
	m->gh = (uint16_t)h;
	n = w * h;
	memset(m->mask, 0, n);
	memset(m->zones, 0, n);
	mt_region_raster(&m->cfg.ignore, w, h, 0, MT_MOTION_IGNORE, m->mask);
	mt_region_raster(&m->cfg.privacy, w, h, 0, MT_MOTION_PRIVACY, m->mask);
	for (unsigned z = 0; z < MT_MOTION_ZONES; z++)
		mt_region_raster(&m->cfg.zone[z], w, h, 1, (uint8_t)(1u << z), m->zones);
	m->valid = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned s = 0;

		for (unsigned z = 0; z < MT_MOTION_ZONES; z++)
			if ((m->zones[i] >> z & 1) && m->cfg.zone[z].sensitivity > s)
				s = m->cfg.zone[z].sensitivity;
		m->sens[i] = (uint8_t)(s ? s : m->cfg.sensitivity);
		m->valid += !m->mask[i];
	}
	m->min_cells = (m->cfg.min_area_permille * m->valid + 500) / 1000;
	if (m->min_cells < 2)
		m->min_cells = 2;
}

/* The thumbnail onto the grid: means of 2^halvings square boxes (partial at
 * the right and bottom edges), in one pass so no bigger buffer is needed. */
static void shrink(struct mt_motion *m, const struct mt_thumb *t)
{
	unsigned w = t->width, h = t->height, side = 1u << m->halvings;

	if (!m->halvings) {
		memcpy(m->cur, t->y, (size_t)w * h);
		return;
	}
	for (unsigned gy = 0; gy < m->gh; gy++)
		for (unsigned gx = 0; gx < m->gw; gx++) {
			unsigned x1 = (gx + 1) * side < w ? (gx + 1) * side : w;
			unsigned y1 = (gy + 1) * side < h ? (gy + 1) * side : h;
			unsigned sum = 0, n = 0;

			for (unsigned y = gy * side; y < y1; y++)
				for (unsigned x = gx * side; x < x1; x++, n++)
					sum += t->y[y * w + x];
			m->cur[gy * m->gw + gx] = (uint8_t)((sum + n / 2) / n);
		}
}

static void start_learning(struct mt_motion *m, int64_t ts_us)
{
	unsigned n = (unsigned)m->gw * m->gh;

	m->learning = 1;
	m->learn_start_us = ts_us;
	m->learn_frames = 0;
	m->unjudged_since_us = -1;
	mt_light_identity(&m->light);
	for (unsigned i = 0; i < n; i++) {
		m->bg[i] = (uint16_t)(m->cur[i] << 8);
		m->noise[i] = 2 << 8;
		m->prev[i] = (uint16_t)(m->cur[i] << 4);
	}
	memset(m->age, 0, n);
}

/* Compares the light-corrected picture with the background and with the
 * previous frame; returns the number of changed unmasked cells. */
static unsigned compare(struct mt_motion *m)
{
	unsigned n = (unsigned)m->gw * m->gh, changed = 0;
	float g = m->light.gain, o = m->light.offset;

	for (unsigned i = 0; i < n; i++) {
		int d = (int)m->norm[i] - (m->bg[i] >> 4), a = (int)m->norm[i] - m->prev[i];
		unsigned s = m->sens[i];
		uint32_t thr = (k16(s) * (uint32_t)m->noise[i]) >> 8;

		thr = thr > floor16(s) ? thr : floor16(s);
		m->thr[i] = (uint16_t)(thr > 0xffff ? 0xffff : thr);
		if (m->cur[i] >= 250 || m->cur[i] <= 5) {
			float expect = g * (m->bg[i] * (1.0f / 256)) + o;

			/* Clipped at the same end in both: nothing can be told. */
			if ((m->cur[i] >= 250 && expect >= 245) || (m->cur[i] <= 5 && expect <= 10))
				d = a = 0;
		}
		m->raw[i] = !m->mask[i] && (uint32_t)abs(d) > thr;
		m->act[i] = (uint32_t)abs(a) > thr;
		changed += m->raw[i];
	}
	return changed;
}

static void learn_step(struct mt_motion *m)
{
	unsigned n = (unsigned)m->gw * m->gh;
	unsigned rate = m->learn_frames + 1 < 16 ? m->learn_frames + 1 : 16;

	for (unsigned i = 0; i < n; i++) {
		int nb = m->norm[i] << 4, d = nb - m->bg[i], ad = abs(d);

		/* A passing object moves the background one level a frame at
		 * most (a running median); the rest is a running mean. */
		if (m->raw[i] && m->learn_frames > 2)
			d = d > 256 ? 256 : d < -256 ? -256 : d;
		else
			d /= (int)rate;
		m->bg[i] = (uint16_t)(m->bg[i] + d);
		ad = ad > (32 << 8) ? 32 << 8 : ad;
		m->noise[i] = (uint16_t)(m->noise[i] + ((ad - m->noise[i]) >> 3));
	}
}

/* Sorts blob b into the result, largest first, keeping the largest few. */
static void add_blob(struct mt_motion_result *out, const struct mt_motion_blob *b)
{
	unsigned i = out->nblobs < MT_MOTION_MAX_BLOBS ? out->nblobs++ : MT_MOTION_MAX_BLOBS - 1;

	if (i == MT_MOTION_MAX_BLOBS - 1 && out->blobs[i].area >= b->area)
		return;
	while (i > 0 && out->blobs[i - 1].area < b->area) {
		out->blobs[i] = out->blobs[i - 1];
		i--;
	}
	out->blobs[i] = *b;
}

/* Blobs of the cleaned map: which move, how long, which are motion. Leaves
 * each cell's class in m->raw and the map and blobs in out. */
static int judge_blobs(struct mt_motion *m, struct mt_motion_result *out)
{
	unsigned n = (unsigned)m->gw * m->gh, sustain = 0;
	uint16_t id = 0;
	uint64_t weight = 0;
	uint32_t cells = 0;

	mt_blobs_clean(m->raw, m->fg, m->gw, m->gh);
	memset(m->label, 0, n * sizeof(m->label[0]));
	memset(m->age2, 0, n);
	memset(m->raw, CLS_BG, n);
	memset(m->map, 0, n);
	for (unsigned i = 0; i < n; i++) {
		struct mt_blob b;
		struct mt_motion_blob mb;
		unsigned age;
		int moving, motion;

		if (!m->fg[i] || m->label[i])
			continue;
		mt_blobs_grow(m->fg, m->act, m->age, m->gw, m->gh, i, ++id, m->label, m->stack, &b);
		moving = b.active && b.active * 10 >= b.area;
		/* Only a blob of the minimum size ages: a speck that merges into
		 * a bigger change (a flash) does not lend it its age. */
		age = moving && b.area >= m->min_cells ?
			      (b.prev_age < 255 ? b.prev_age + 1u : 255u) :
			      0;
		motion = age >= MT_MOTION_PERSIST;
		sustain |= age > 0;
		memset(&mb, 0, sizeof(mb));
		mb.x0 = b.x0;
		mb.y0 = b.y0;
		mb.x1 = b.x1;
		mb.y1 = b.y1;
		mb.area = b.area;
		for (unsigned y = b.y0; y <= b.y1; y++)
			for (unsigned x = b.x0; x <= b.x1; x++) {
				unsigned c = y * m->gw + x;
				int d;

				if (m->label[c] != id)
					continue;
				m->age2[c] = (uint8_t)age;
				m->raw[c] = motion ? CLS_MOTION : moving ? CLS_YOUNG : CLS_STILL;
				if (!motion)
					continue;
				m->map[c] = 1;
				mb.zones |= m->zones[c];
				d = abs((int)m->norm[c] - (m->bg[c] >> 4));
				weight += d >= 4 * m->thr[c] ? 4 * 256 :
							       (uint64_t)d * 256 / m->thr[c];
				cells++;
			}
		if (motion) {
			out->zones_hit |= mb.zones;
			add_blob(out, &mb);
		}
	}
	out->motion = cells > 0;
	if (m->valid) {
		out->area_permille = (uint32_t)((uint64_t)cells * 1000 / m->valid);
		out->score = (uint32_t)(weight * 1000 / (4 * 256 * (uint64_t)m->valid));
	}
	return (int)sustain;
}

/* Background and noise follow the scene: quickly where nothing changed,
 * very slowly under moving objects, and a still blob is absorbed within a
 * second or two (something put down, a clock digit that ticked). */
static void update(struct mt_motion *m)
{
	unsigned n = (unsigned)m->gw * m->gh;

	for (unsigned i = 0; i < n; i++) {
		int nb = m->norm[i] << 4, d = nb - m->bg[i];
		int ad = abs(d), cap = m->thr[i] << 5; /* 2x threshold, << 8 */

		switch (m->raw[i]) {
		case CLS_BG:
			m->bg[i] = (uint16_t)(m->bg[i] + d / 32);
			m->noise[i] = (uint16_t)(m->noise[i] + (ad - m->noise[i]) / 32);
			break;
		case CLS_STILL:
			m->bg[i] = (uint16_t)(m->bg[i] + d / 16);
			break;
		default:
			m->bg[i] = (uint16_t)(m->bg[i] + d / 1024);
			ad = ad > cap ? cap : ad;
			m->noise[i] = (uint16_t)(m->noise[i] + (ad - m->noise[i]) / 512);
			break;
		}
		if (m->noise[i] < 128)
			m->noise[i] = 128;
	}
}

static void step_trigger(struct mt_motion *m, int64_t ts_us, int motion, int sustain,
			 struct mt_motion_result *out)
{
	out->action = mt_trigger_step(&m->trigger, ts_us, motion, sustain, &out->action_at_us);
	out->event = m->trigger.state;
	if (out->action == MT_TRIGGER_STOP && m->trigger.max_reached)
		mt_motion_relearn(m); /* an endless event: the scene has changed */
}

void mt_motion_feed(struct mt_motion *m, const struct mt_thumb *t, int64_t ts_us,
		    struct mt_motion_result *out)
{
	unsigned n, changed;
	int sustain = 0;

	memset(out, 0, sizeof(*out));
	if (t->width != m->tw || t->height != m->th) {
		layout(m, t);
		shrink(m, t);
		start_learning(m, ts_us);
	} else {
		shrink(m, t);
	}
	n = (unsigned)m->gw * m->gh;
	out->gw = m->gw;
	out->gh = m->gh;
	out->map = m->map;
	memset(m->map, 0, n);

	mt_light_estimate(&m->light, m->cur, m->bg, m->mask, m->gw, m->gh);
	mt_light_normalise(&m->light, m->cur, m->gw, m->gh, m->norm);
	changed = compare(m);

	if (m->learning) {
		learn_step(m);
		memcpy(m->prev, m->norm, n * sizeof(m->prev[0]));
		if (++m->learn_frames >= 2 && ts_us - m->learn_start_us >= m->cfg.learn_us)
			m->learning = 0;
		out->learning = 1;
		step_trigger(m, ts_us, 0, 0, out);
		return;
	}
	if (2 * changed > m->valid) {
		/* Most of the picture at once: light the fit could not explain, or
		 * the camera moved. Not judged; learnt again if it stays. */
		memcpy(m->prev, m->norm, n * sizeof(m->prev[0]));
		if (m->unjudged_since_us < 0)
			m->unjudged_since_us = ts_us;
		out->unjudged = 1;
		step_trigger(m, ts_us, 0, 1, out);
		if (ts_us - m->unjudged_since_us >= MT_MOTION_RELEARN_US)
			start_learning(m, ts_us);
		return;
	}
	m->unjudged_since_us = -1;
	sustain = judge_blobs(m, out);
	update(m);
	memcpy(m->prev, m->norm, n * sizeof(m->prev[0]));
	memcpy(m->age, m->age2, n);
	step_trigger(m, ts_us, out->motion, sustain || out->motion, out);
}

void mt_motion_finish(struct mt_motion *m, int64_t ts_us, struct mt_motion_result *out)
{
	memset(out, 0, sizeof(*out));
	out->gw = m->gw;
	out->gh = m->gh;
	out->map = m->map;
	out->action = mt_trigger_finish(&m->trigger, ts_us, &out->action_at_us);
	out->event = m->trigger.state;
}
