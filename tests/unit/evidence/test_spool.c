/* The spool on in-memory flash, with clips recorded from real footage by
 * the product's clip writer: every clip sealed and verified by mt-verify's
 * code; the uploader's view (order, states, paths, receipts) across a
 * reboot; a power cut mid-clip closed as "power_loss" with the chain going
 * on; a full spool under both policies (refuse new events; evict the
 * oldest unsent clip), every loss journaled, counted and in the next
 * manifest; the journal's line format. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/errors.h"
#include "core/file.h"
#include "evidence/journal.h"
#include "support.h"
#include "test_fault_spool_util.h"

#define EVENT_FRAMES 22 /* 2.2 s at 10 fps: 3 fragments, 2 checkpoints */

static struct sw_keys keys;

static int group_setup(void **state)
{
	(void)state;
	sw_keys_init(&keys);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sw_keys_free(&keys);
	sw_frames_free();
	return 0;
}

static char *dir;

static int teardown_dir(void **state)
{
	(void)state;
	return dir ? mt_test_tmpdir_remove(&dir) : 0;
}

/* Event e of a test: its own frames and its own time. */
static int event(struct sw *s, int e, uint32_t *seq)
{
	return sw_event(s, 1 + e * EVENT_FRAMES, EVENT_FRAMES, 10000000 + (int64_t)e * 60000000,
			seq, NULL, NULL);
}

static char *manifest_text(struct sw *s, uint32_t seq)
{
	char path[64];
	size_t len;

	snprintf(path, sizeof(path), SW_DIR "/clip-%06u.json", seq);
	return (char *)sw_read(s, path, &len);
}

struct jcount {
	unsigned n[MT_JOURNAL_NTYPES];
};

static int count_rec(void *arg, const struct mt_journal_rec *r)
{
	((struct jcount *)arg)->n[r->type]++;
	return 0;
}

static void journal_counts(struct sw *s, struct jcount *c)
{
	struct mt_journal_scan scan;

	memset(c, 0, sizeof(*c));
	assert_int_equal(mt_journal_read(&s->ms.dev, SW_DIR "/journal", count_rec, c, &scan), 0);
	assert_int_equal(scan.bad, 0);
}

static void test_record_seal_verify(void **state)
{
	struct mt_spool_entry e;
	struct mt_spool_stats st;
	struct jcount jc;
	struct sw s;
	uint32_t seq;
	size_t partial;
	char path[128];
	uint64_t after = 0;
	int k = 0;

	(void)state;
	sw_init(&s, &keys, 64 << 20, 0);
	assert_int_equal(sw_open(&s), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(event(&s, i, &seq), 0);
		assert_int_equal(seq, i + 1);
	}
	mt_spool_get_stats(&s.sp, &st);
	assert_int_equal(st.sealed, 3);
	assert_int_equal(st.clips, 3);
	assert_int_equal(st.next_seq, 4);
	/* no rewrite of finished data: little more than the clips is written */
	assert_true(st.written.bytes >= st.payload_bytes);
	assert_true(st.written.bytes < st.payload_bytes + st.payload_bytes / 20);
	print_message("write amplification %.4f (%llu bytes written for %llu bytes of clips)\n",
		      (double)st.written.bytes / (double)st.payload_bytes,
		      (unsigned long long)st.written.bytes, (unsigned long long)st.payload_bytes);

	/* the uploader's view: in order, sealed, with paths */
	while (mt_spool_next(&s.sp, after, &e) == 0) {
		assert_int_equal(e.seq, ++k);
		assert_int_equal(e.state, MT_SPOOL_SEALED);
		assert_string_equal(e.reason, "event_end");
		assert_true(e.clip_bytes > 0 && e.bytes > e.clip_bytes);
		after = e.seq;
	}
	assert_int_equal(k, 3);
	assert_int_equal(mt_spool_path(&s.sp, 2, "sig", path, sizeof(path)), 0);
	assert_string_equal(path, SW_DIR "/clip-000002.sig");
	assert_int_equal(mt_spool_path(&s.sp, 9, "mp4", path, sizeof(path)), -ENOENT);
	assert_int_equal(mt_spool_receipt(&s.sp, 2, "receipt-2", 9, "sig", 3), 0);
	assert_int_equal(mt_spool_receipt(&s.sp, 9, "x", 1, "s", 1), -ENOENT);

	journal_counts(&s, &jc);
	assert_int_equal(jc.n[MT_JOURNAL_OPEN], 3);
	assert_int_equal(jc.n[MT_JOURNAL_SEALED], 3);
	assert_int_equal(jc.n[MT_JOURNAL_RECEIPT], 1);

	/* a clean reboot: nothing to recover, the states kept */
	sw_close(&s);
	mt_mem_storage_power_cut(&s.ms);
	assert_int_equal(sw_open(&s), 0);
	mt_spool_get_stats(&s.sp, &st);
	assert_int_equal(st.recovered + st.voided + st.journal_inconsistent, 0);
	assert_int_equal(mt_spool_next(&s.sp, 1, &e), 0);
	assert_int_equal(e.state, MT_SPOOL_RECEIPTED);
	assert_int_equal(event(&s, 3, &seq), 0);
	assert_int_equal(seq, 4);

	dir = mt_test_tmpdir("spool");
	sw_dump(&s, dir);
	assert_int_equal(sw_verify_dir(dir, 0, &partial), 4);
	sw_free(&s);
}

/* Calls one event makes, to cut it half-way. */
static uint64_t event_calls(int e)
{
	struct sw s;
	uint32_t seq;
	uint64_t n;

	sw_init(&s, &keys, 64 << 20, 0);
	assert_int_equal(sw_open(&s), 0);
	n = mt_mem_storage_calls(&s.ms);
	assert_int_equal(event(&s, e, &seq), 0);
	n = mt_mem_storage_calls(&s.ms) - n;
	sw_free(&s);
	return n;
}

static void test_power_cut_mid_clip(void **state)
{
	uint64_t half = event_calls(1) / 2;
	struct mt_spool_stats st;
	struct sw s;
	uint32_t seq;
	size_t partial;
	char *doc, *doc2, hex[65];
	uint8_t sha[32], *j;
	size_t len;

	(void)state;
	sw_init(&s, &keys, 64 << 20, 0);
	assert_int_equal(sw_open(&s), 0);
	assert_int_equal(event(&s, 0, &seq), 0);
	mt_mem_storage_crash_at(&s.ms, half);
	assert_int_not_equal(event(&s, 1, &seq), 0);
	assert_int_equal(seq, 2);
	sw_close(&s);
	mt_mem_storage_power_cut(&s.ms);

	assert_int_equal(sw_open(&s), 0);
	mt_spool_get_stats(&s.sp, &st);
	assert_int_equal(st.recovered, 1);
	assert_int_equal(st.journal_inconsistent, 0);
	doc = manifest_text(&s, 2);
	assert_non_null(strstr(doc, "\"end_reason\":\"power_loss\""));
	assert_non_null(strstr(doc, "\"clip_seq\":2,"));
	/* the next clip links to the recovered one */
	assert_int_equal(event(&s, 2, &seq), 0);
	assert_int_equal(seq, 3);
	j = sw_read(&s, SW_DIR "/clip-000002.json", &len);
	assert_int_equal(mt_sha256(j, len, sha), 0);
	mt_sha256_hex(sha, hex);
	doc2 = manifest_text(&s, 3);
	assert_non_null(strstr(doc2, hex));
	free(j);
	free(doc);
	free(doc2);

	dir = mt_test_tmpdir("spool");
	sw_dump(&s, dir);
	assert_int_equal(sw_verify_dir(dir, 0, &partial), 3);
	sw_free(&s);
}

/* Default policy: a full spool keeps every unsent clip and refuses new
 * events; receipted clips go first, oldest first. */
static void test_full_refuses_new_events(void **state)
{
	struct mt_spool_stats st;
	struct jcount jc;
	struct sw s;
	uint32_t seq;
	char *doc;
	int e = 0, refused = 0;

	(void)state;
	sw_init(&s, &keys, 1200 * 1024, 0); /* about three clips */
	assert_int_equal(sw_open(&s), 0);
	while (refused < 2 && e < 10) {
		int ret = event(&s, e++, &seq);

		if (seq == 0) { /* not begun: refused */
			assert_int_equal(ret, -ENOSPC);
			refused++;
		} else { /* whole, or ended early by the full spool */
			assert_true(ret == 0 || ret == -ENOSPC);
		}
	}
	assert_int_equal(refused, 2);
	mt_spool_get_stats(&s.sp, &st);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.lost + st.evicted, 0);
	assert_true(st.used_bytes <= st.capacity);
	assert_int_equal(s.bind.refused, 2);
	journal_counts(&s, &jc);
	assert_int_equal(jc.n[MT_JOURNAL_REFUSED], 2);
	assert_int_equal(jc.n[MT_JOURNAL_LOST] + jc.n[MT_JOURNAL_EVICT], 0);
	/* every unsent clip is still there */
	for (uint32_t i = 1; i < st.next_seq; i++) {
		doc = manifest_text(&s, i);
		free(doc);
	}

	/* the station acknowledges clips 1 and 2: room is made from clip 1 */
	assert_int_equal(mt_spool_receipt(&s.sp, 1, "r1", 2, "s1", 2), 0);
	/* the uploader (net/uploader.c) writes the files itself: noticed */
	assert_int_equal(mt_file_replace(&s.ms.dev, SW_DIR "/clip-000002.rcpt", "r2", 2), 0);
	assert_int_equal(mt_file_replace(&s.ms.dev, SW_DIR "/clip-000002.rcpt.sig", "s2", 2), 0);
	assert_int_equal(event(&s, e++, &seq), 0);
	mt_spool_get_stats(&s.sp, &st);
	assert_true(st.evicted >= 1);
	assert_int_equal(st.lost, 0);
	journal_counts(&s, &jc);
	assert_int_equal(jc.n[MT_JOURNAL_EVICT], st.evicted);
	/* the refusals are in the next manifest */
	doc = manifest_text(&s, seq);
	assert_non_null(strstr(doc, "\"lost\":{\"clips\":[],\"count\":0,\"refused\":2}"));
	free(doc);

	/* and survive a reboot in the journal's totals */
	sw_close(&s);
	mt_mem_storage_power_cut(&s.ms);
	assert_int_equal(sw_open(&s), 0);
	mt_spool_get_stats(&s.sp, &st);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.journal_inconsistent, 0);
	sw_free(&s);
}

/* spool.evict_unsent: the oldest unsent clip goes, as a journaled loss
 * named in the next manifest. */
static void test_full_evicts_unsent(void **state)
{
	struct mt_spool_stats st;
	struct mt_spool_entry ent;
	struct jcount jc;
	struct sw s;
	uint32_t seq;
	size_t partial, n;
	char *doc;

	(void)state;
	sw_init(&s, &keys, 1200 * 1024, 1);
	assert_int_equal(sw_open(&s), 0);
	for (int e = 0; e < 6; e++)
		assert_int_equal(event(&s, e, &seq), 0);
	assert_int_equal(seq, 6);
	mt_spool_get_stats(&s.sp, &st);
	assert_true(st.lost >= 3);
	assert_int_equal(st.refused + st.evicted, 0);
	assert_true(st.used_bytes <= st.capacity);
	journal_counts(&s, &jc);
	assert_int_equal(jc.n[MT_JOURNAL_LOST], st.lost);
	/* the oldest went: the first clip left is the one after the losses */
	assert_int_equal(mt_spool_next(&s.sp, 0, &ent), 0);
	assert_int_equal(ent.seq, st.lost + 1);
	/* the manifest after each loss names it */
	doc = manifest_text(&s, 6);
	assert_non_null(strstr(doc, "\"lost\":{\"clips\":["));
	free(doc);

	dir = mt_test_tmpdir("spool");
	sw_dump(&s, dir);
	n = sw_verify_dir(dir, 0, &partial);
	assert_int_equal(n, 6 - st.lost);
	sw_free(&s);
}

static void test_journal_lines(void **state)
{
	struct mt_journal_rec r = { .type = MT_JOURNAL_OPEN,
				    .seq = 12,
				    .width = 1920,
				    .height = 1080 },
			      back;
	char line[MT_JOURNAL_LINE_MAX];
	int n;

	(void)state;
	strcpy(r.codec, "h264");
	r.start.mono_us = 123456;
	r.start.utc_ok = 1;
	r.start.utc.unix_us = 1767225600000000LL;
	r.start.utc.sync = MT_CLOCK_SYNCED;
	r.start.utc.uncertainty_us = 5000;
	n = mt_journal_format(&r, line, sizeof(line));
	assert_true(n > 0 && line[n - 1] == '\n');
	assert_int_equal(strncmp(line,
				 "open seq=12 codec=h264 w=1920 h=1080 mono=123456 "
				 "utc=1767225600000000 sync=1 unc=5000 #",
				 87),
			 0);
	assert_int_equal(mt_journal_parse(line, (size_t)n - 1, &back), 0);
	assert_int_equal(back.type, MT_JOURNAL_OPEN);
	assert_int_equal(back.seq, 12);
	assert_string_equal(back.codec, "h264");
	assert_int_equal(back.start.utc.unix_us, r.start.utc.unix_us);
	assert_int_equal(back.start.utc.uncertainty_us, 5000);
	assert_int_equal(back.start.utc.sync, MT_CLOCK_SYNCED);
	/* any changed byte fails the check */
	for (int i = 0; i < n - 1; i++) {
		line[i] ^= 0x01;
		assert_int_equal(mt_journal_parse(line, (size_t)n - 1, &back), MT_ECORRUPT);
		line[i] ^= 0x01;
	}
	/* a torn line too */
	assert_int_equal(mt_journal_parse(line, (size_t)n - 5, &back), MT_ECORRUPT);
	/* words that would need quoting are refused */
	strcpy(r.codec, "h 264");
	assert_int_equal(mt_journal_format(&r, line, sizeof(line)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_record_seal_verify, teardown_dir),
		cmocka_unit_test_teardown(test_power_cut_mid_clip, teardown_dir),
		cmocka_unit_test(test_full_refuses_new_events),
		cmocka_unit_test_teardown(test_full_evicts_unsent, teardown_dir),
		cmocka_unit_test(test_journal_lines),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
