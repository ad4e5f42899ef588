/* The power-cut sweep (issue 6, "Done when"): three events from real
 * footage are recorded through the spool (clip writer, live sealer,
 * journal) on in-memory flash, and the power is cut at every storage call
 * in turn: every write, sync, rename, folder sync, open, close, remove.
 * Unsynced data is lost (and, in two more passes, kept). Each time the box
 * "reboots": the spool recovers, records one more event, and a second
 * power cut must find nothing left to do. Then mt-verify's own code judges
 * the spool copied out to a real folder, and every cut point must end with:
 *   - every clip OK (recovery seals a clip cut short down to its last whole
 *     fragment, so none is left PARTIAL), and the chain whole: numbers 1..N
 *     with no gap or repeat, each manifest linking to the one before;
 *   - every clip a prefix of the clip the uncut run recorded for its event;
 *   - nothing reported safe missing: every fragment the spool had reported
 *     durable (mt_spool_next's clip_bytes) and every sealed clip is there,
 *     byte for byte;
 *   - the journal consistent: no damaged line, no record contradicting
 *     another, one "sealed" record per clip on flash.
 * MT_SWEEP_STRIDE=n walks every n-th cut point only (for slow emulated
 * runs); the output says how many were walked. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "core/errors.h"
#include "evidence/journal.h"
#include "support.h"
#include "test_fault_spool_util.h"

#define EVENTS       3
#define EVENT_FRAMES 22 /* 2.2 s at 10 fps: 3 fragments, 2 checkpoints each */
#define MAX_SEQ      16
#define CAPACITY     (64u << 20)

static struct sw_keys keys;
static uint8_t *ref[EVENTS + 1]; /* each event's clip in the uncut run */
static size_t ref_len[EVENTS + 1];
static uint64_t scenario_calls;
static unsigned stride = 1;

static int event(struct sw *s, int e, uint32_t *seq, void (*after)(void *), void *arg)
{
	return sw_event(s, 1 + e * EVENT_FRAMES, EVENT_FRAMES, 5000000 + (int64_t)e * 30000000, seq,
			after, arg);
}

static uint8_t *clip_bytes(struct sw *s, uint32_t seq, size_t *len)
{
	char path[64];

	snprintf(path, sizeof(path), SW_DIR "/clip-%06u.mp4", seq);
	return sw_read(s, path, len);
}

static int group_setup(void **state)
{
	const char *env = getenv("MT_SWEEP_STRIDE");
	struct sw s;
	uint32_t seq;

	(void)state;
	if (env && atoi(env) > 1)
		stride = (unsigned)atoi(env);
	sw_keys_init(&keys);
	/* the uncut run: the calls it makes, and each event's clip */
	sw_init(&s, &keys, CAPACITY, 0);
	assert_int_equal(sw_open(&s), 0);
	for (int e = 0, reads = 0; e < EVENTS; e++) {
		assert_int_equal(event(&s, e, &seq, NULL, NULL), 0);
		/* the calls of the run, not of the test's reads below */
		scenario_calls = mt_mem_storage_calls(&s.ms) - reads;
		ref[e] = clip_bytes(&s, seq, &ref_len[e]);
		reads = mt_mem_storage_calls(&s.ms) - scenario_calls;
	}
	assert_int_equal(event(&s, EVENTS, &seq, NULL, NULL), 0);
	ref[EVENTS] = clip_bytes(&s, seq, &ref_len[EVENTS]);
	sw_free(&s);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int e = 0; e <= EVENTS; e++)
		free(ref[e]);
	sw_keys_free(&keys);
	sw_frames_free();
	return 0;
}

/* What the spool has reported safe, by sequence number. */
struct claims {
	struct sw *s;
	uint64_t bytes[MAX_SEQ];
	int sealed[MAX_SEQ];
};

static void note_claims(void *arg)
{
	struct claims *c = arg;
	struct mt_spool_entry e;
	uint64_t after = 0;

	while (mt_spool_next(&c->s->sp, after, &e) == 0) {
		assert_true(e.seq < MAX_SEQ);
		if (e.clip_bytes > c->bytes[e.seq])
			c->bytes[e.seq] = e.clip_bytes;
		if (e.state != MT_SPOOL_RECORDING)
			c->sealed[e.seq] = 1;
		after = e.seq;
	}
}

struct jcheck {
	int sealed[MAX_SEQ];
};

static int journal_rec(void *arg, const struct mt_journal_rec *r)
{
	struct jcheck *j = arg;

	if (r->type == MT_JOURNAL_SEALED) {
		assert_true(r->seq < MAX_SEQ);
		j->sealed[r->seq]++;
	}
	if (r->type == MT_JOURNAL_LOST || r->type == MT_JOURNAL_EVICT ||
	    r->type == MT_JOURNAL_REFUSED)
		fail_msg("journal: a %s record in a spool that was never full",
			 mt_journal_type_name(r->type));
	return 0;
}

/* Is clip seq a prefix of some event's clip (its own), and which? */
static int event_of(const uint8_t *clip, size_t len)
{
	for (int e = 0; e <= EVENTS; e++)
		if (len <= ref_len[e] && memcmp(clip, ref[e], len) == 0)
			return e;
	return -1;
}

/* One cut point: the run cut at call k, the reboot, the checks. */
static void walk_one(uint64_t k, enum mt_mem_cut how, const char *dir)
{
	struct claims cl = { 0 };
	struct mt_spool_stats st;
	struct mt_journal_scan scan;
	struct jcheck jc = { 0 };
	struct sw s;
	uint32_t seq, last;
	size_t n, partial;

	sw_init(&s, &keys, CAPACITY, 0);
	cl.s = &s;
	mt_mem_storage_crash_at(&s.ms, k);
	if (sw_open(&s) == 0)
		for (int e = 0; e < EVENTS && !mt_mem_storage_crashed(&s.ms); e++)
			event(&s, e, &seq, note_claims, &cl);
	if (k <= scenario_calls && !mt_mem_storage_crashed(&s.ms))
		fail_msg("cut %llu: the run made only %llu of %llu calls", (unsigned long long)k,
			 (unsigned long long)mt_mem_storage_calls(&s.ms),
			 (unsigned long long)scenario_calls);
	sw_close(&s);
	mt_mem_storage_cut(&s.ms, how);

	/* the reboot */
	assert_int_equal(sw_open(&s), 0);
	mt_spool_get_stats(&s.sp, &st);
	assert_int_equal(st.journal_inconsistent, 0);
	if (how == MT_MEM_CUT_LOSE_VOLATILE)
		assert_int_equal(st.journal_bad, 0);
	assert_int_equal(event(&s, EVENTS, &last, NULL, NULL), 0);
	sw_close(&s);
	/* everything recovery did was made durable */
	mt_mem_storage_power_cut(&s.ms);
	assert_int_equal(sw_open(&s), 0);
	mt_spool_get_stats(&s.sp, &st);
	assert_int_equal(st.recovered + st.voided + st.journal_inconsistent, 0);
	sw_close(&s);

	/* mt-verify: every clip OK, the chain 1..last whole */
	mt_test_remove_tree(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	sw_dump(&s, dir);
	n = sw_verify_dir(dir, 0, &partial);
	assert_int_equal(n, last);

	/* each clip is its event's clip, whole or cut at a fragment */
	for (uint32_t q = 1; q <= last; q++) {
		size_t len;
		uint8_t *clip = clip_bytes(&s, q, &len);
		int e = event_of(clip, len);

		if (e < 0)
			fail_msg("cut %llu: clip %u is no prefix of any event's clip",
				 (unsigned long long)k, q);
		if (q == last)
			assert_int_equal(len, ref_len[EVENTS]);
		/* nothing reported safe is missing */
		if (q < MAX_SEQ && cl.bytes[q] > len)
			fail_msg("cut %llu: clip %u had %llu bytes reported safe, %zu are left",
				 (unsigned long long)k, q, (unsigned long long)cl.bytes[q], len);
		if (q < MAX_SEQ && cl.sealed[q] && len != ref_len[e])
			fail_msg("cut %llu: sealed clip %u lost its tail", (unsigned long long)k,
				 q);
		free(clip);
	}
	for (uint32_t q = last + 1; q < MAX_SEQ; q++)
		if (cl.bytes[q] || cl.sealed[q])
			fail_msg("cut %llu: clip %u was reported safe and is gone",
				 (unsigned long long)k, q);

	/* the journal: one sealed record per clip, and nothing else odd */
	assert_int_equal(mt_journal_read(&s.ms.dev, SW_DIR "/journal", journal_rec, &jc, &scan), 0);
	for (uint32_t q = 1; q < MAX_SEQ; q++)
		assert_int_equal(jc.sealed[q], q <= last ? 1 : 0);
	sw_free(&s);
}

static void sweep(enum mt_mem_cut how, unsigned step, const char *name)
{
	char *dir = mt_test_tmpdir("spoolcut"), sub[4096];
	unsigned walked = 0;

	snprintf(sub, sizeof(sub), "%s/clips", dir);
	for (uint64_t k = 1; k <= scenario_calls + 1; k += step) {
		walk_one(k, how, sub);
		walked++;
	}
	print_message("power-cut sweep (%s): %u cut points walked of %llu storage calls%s\n", name,
		      walked, (unsigned long long)scenario_calls + 1,
		      step > 1 ? " (every n-th: MT_SWEEP_STRIDE or a lighter pass)" : "");
	assert_int_equal(mt_test_tmpdir_remove(&dir), 0);
}

static void test_sweep_lose_volatile(void **state)
{
	(void)state;
	sweep(MT_MEM_CUT_LOSE_VOLATILE, stride, "unsynced data lost");
}

static void test_sweep_keep_names(void **state)
{
	(void)state;
	sweep(MT_MEM_CUT_KEEP_NAMES, 5 * stride, "names kept, unsynced data lost");
}

static void test_sweep_keep_all(void **state)
{
	(void)state;
	sweep(MT_MEM_CUT_KEEP_ALL, 5 * stride, "everything written kept");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_lose_volatile),
		cmocka_unit_test(test_sweep_keep_names),
		cmocka_unit_test(test_sweep_keep_all),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
