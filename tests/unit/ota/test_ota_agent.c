/* The agent over in-memory storage: a download cut mid-way resumes from its
 * offset; a bad bundle is refused after its head with the running slot
 * untouched; install arms slot B, commit raises the floor, failed health
 * checks end in slot A; and a power cut at every storage call of download,
 * install, boot and commit always leaves a slot that boots, with the
 * update going through once the box runs again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundles.h"
#include "core/errors.h"
#include "core/file.h"
#include "fake/mem_storage.h"
#include "ota/slot_files.h"
#include "ota/slots.h"

#define OLD   "old program 1.0.0\n"
#define CHUNK 4096

static uint8_t payload[40000];

struct box {
	struct mt_mem_storage st;
	struct mt_slot_files slots;
	struct mt_bundle_key key;
	struct mt_ota ota;
	struct tb_server srv;
	char version[16];
};

/* A box with 1.0.0 in slot A, committed. */
static void box_init(struct box *b, const struct tb *bundle)
{
	mt_mem_storage_init(&b->st);
	mt_slot_files_init(&b->slots, &b->st.dev, "ota");
	assert_int_equal(mt_slot_files_prepare(&b->slots), 0);
	assert_int_equal(mt_file_replace(&b->st.dev, "ota/A/matthan", OLD, strlen(OLD)), 0);
	tb_key(&b->key, "update");
	tb_server_init(&b->srv, bundle, "host-1.2.0.mtb", "host", "1.2.0");
	snprintf(b->version, sizeof(b->version), "1.0.0");
}

/* (Re)binds the agent as the program running from slot with version. */
static void box_run(struct box *b, char slot, const char *version)
{
	struct mt_ota_config cfg = { .st = &b->st.dev,
				     .slot = &b->slots.dev,
				     .root = "ota",
				     .board = "host",
				     .version = version,
				     .running = slot,
				     .key = &b->key,
				     .fetch = &b->srv.fetch,
				     .chunk = CHUNK,
				     .tries = 3 };

	snprintf(b->version, sizeof(b->version), "%s", version);
	mt_ota_init(&b->ota, &cfg);
}

static void box_free(struct box *b)
{
	mt_bundle_key_free(&b->key);
	mt_mem_storage_free(&b->st);
}

static void make_bundle(struct tb *t, const char *board)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13 + (i >> 8));
	tb_make(t, "update", board, "1.2.0", "1.0.0", payload, sizeof(payload));
}

static void assert_slot_a_intact(struct box *b)
{
	const uint8_t *data;
	size_t len;

	assert_int_equal(mt_mem_storage_durable(&b->st, "ota/A/matthan", &data, &len), 0);
	assert_int_equal(len, strlen(OLD));
	assert_memory_equal(data, OLD, len);
}

static void test_cut_resume_install_commit(void **state)
{
	struct mt_ota_offer offer;
	struct mt_slot_state s;
	struct tb t;
	struct box b;
	char floor[MT_VERSION_MAX];
	uint8_t *got;
	size_t len;

	(void)state;
	make_bundle(&t, "host");
	box_init(&b, &t);
	box_run(&b, 'A', "1.0.0");
	assert_int_equal(mt_ota_check(&b.ota, &offer), 1);
	assert_string_equal(offer.version, "1.2.0");
	/* the link drops after 5 chunks */
	b.srv.cut_after = 5;
	assert_int_equal(mt_ota_download(&b.ota, &offer), -EPIPE);
	/* and the box reboots before the link comes back */
	mt_mem_storage_power_cut(&b.st);
	b.srv.cut_after = 0;
	uint64_t before = b.srv.sent;

	box_run(&b, 'A', "1.0.0");
	assert_int_equal(mt_ota_download(&b.ota, &offer), 0);
	assert_int_equal(b.ota.stats.resumed_from, 4 * CHUNK); /* chunk 1 was latest.json */
	/* bytes sent twice: none; sent in all: the bundle and latest.json */
	assert_int_equal(b.srv.sent - before, t.len - 4 * CHUNK);
	assert_int_equal(mt_ota_install(&b.ota), 0);
	assert_int_equal(mt_slot_load(&b.slots.dev, &s), 0);
	assert_int_equal(s.active, 'A');
	assert_int_equal(s.trial, 'B');
	assert_int_equal(s.tries, 3);
	assert_int_equal(mt_file_read_all(&b.st.dev, "ota/B/matthan", 1 << 20, &got, &len), 0);
	assert_int_equal(len, sizeof(payload));
	assert_memory_equal(got, payload, len);
	free(got);
	assert_false(mt_mem_storage_durable_exists(&b.st, "ota/download.part"));
	assert_slot_a_intact(&b);
	/* boot B on trial; it is healthy */
	bool changed;

	assert_int_equal(mt_slots_boot(&s, &changed), 'B');
	assert_int_equal(mt_slot_store(&b.slots.dev, &s), 0);
	box_run(&b, 'B', "1.2.0");
	assert_int_equal(mt_ota_commit(&b.ota), 0);
	assert_int_equal(mt_slot_load(&b.slots.dev, &s), 0);
	assert_int_equal(s.active, 'B');
	assert_int_equal(s.trial, 0);
	assert_int_equal(mt_ota_floor(&b.ota, floor), 0);
	assert_string_equal(floor, "1.2.0");
	/* the same bundle again is not offered, and would be refused */
	struct mt_ota_offer again;

	assert_int_equal(mt_ota_check(&b.ota, &again), 0);
	box_free(&b);
	free(t.data);
}

static void test_refused_after_head(void **state)
{
	struct mt_ota_offer offer = { .file = "host-1.2.0.mtb", .version = "1.2.0" };
	struct mt_slot_state s;
	struct tb t;
	struct box b;

	(void)state;
	make_bundle(&t, "rpi3");
	box_init(&b, &t);
	box_run(&b, 'A', "1.0.0");
	offer.size = t.len;
	assert_int_equal(mt_ota_download(&b.ota, &offer), MT_ECORRUPT);
	assert_int_equal(b.ota.verdict, MT_BUNDLE_WRONG_BOARD);
	assert_non_null(strstr(b.ota.why, "wrong board"));
	assert_int_equal(b.srv.requests, 1); /* judged on the first chunk */
	assert_false(mt_mem_storage_durable_exists(&b.st, "ota/download.part"));
	assert_int_equal(mt_slot_load(&b.slots.dev, &s), 0);
	assert_int_equal(s.active, 'A');
	assert_int_equal(s.trial, 0);
	assert_slot_a_intact(&b);
	/* a server file longer than the signed size says */
	free(t.data);
	make_bundle(&t, "host");
	t.data = realloc(t.data, t.len + 10);
	memset(t.data + t.len, 0, 10);
	t.len += 10;
	offer.size = t.len;
	assert_int_equal(mt_ota_download(&b.ota, &offer), MT_ECORRUPT);
	assert_int_equal(b.ota.verdict, MT_BUNDLE_OVERSIZED);
	/* a payload byte altered in transit: refused at the end by its hash */
	t.len -= 10;
	offer.size = t.len;
	t.data[t.len - 100] ^= 1;
	assert_int_equal(mt_ota_download(&b.ota, &offer), MT_ECORRUPT);
	assert_int_equal(b.ota.verdict, MT_BUNDLE_BAD_HASH);
	assert_int_equal(mt_ota_install(&b.ota), -ENOENT);
	assert_slot_a_intact(&b);
	box_free(&b);
	free(t.data);
}

static void test_health_fails_rollback(void **state)
{
	struct mt_ota_offer offer;
	struct mt_slot_state s;
	struct tb t;
	struct box b;
	char note[MT_SLOT_NOTE_MAX];
	bool changed;

	(void)state;
	make_bundle(&t, "host");
	box_init(&b, &t);
	box_run(&b, 'A', "1.0.0");
	assert_int_equal(mt_ota_check(&b.ota, &offer), 1);
	assert_int_equal(mt_ota_download(&b.ota, &offer), 0);
	assert_int_equal(mt_ota_install(&b.ota), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(mt_slot_load(&b.slots.dev, &s), 0);
		assert_int_equal(mt_slots_boot(&s, &changed), 'B');
		assert_int_equal(mt_slot_store(&b.slots.dev, &s), 0);
		box_run(&b, 'B', "1.2.0");
		assert_int_equal(mt_ota_health_failed(&b.ota, "no camera frames in 60 s"), 0);
	}
	assert_int_equal(mt_slot_load(&b.slots.dev, &s), 0);
	assert_int_equal(mt_slots_boot(&s, &changed), 'A');
	assert_int_equal(mt_slot_store(&b.slots.dev, &s), 0);
	box_run(&b, 'A', "1.0.0");
	assert_int_equal(mt_ota_take_note(&b.ota, note, sizeof(note)), 1);
	assert_non_null(strstr(note, "no camera frames"));
	assert_int_equal(mt_ota_take_note(&b.ota, note, sizeof(note)), 0);
	assert_int_equal(mt_ota_commit(&b.ota), 0); /* A is active: floor 1.0.0 */
	char floor[MT_VERSION_MAX];

	assert_int_equal(mt_ota_floor(&b.ota, floor), 0);
	assert_string_equal(floor, "1.0.0");
	box_free(&b);
	free(t.data);
}

/* One boot of the box as mt-boot + the program would do it: pick, store,
 * "run" the slot (its program must be whole), health passes, commit. */
static int reboot_and_run(struct box *b, char *ran)
{
	struct mt_slot_state s;
	const uint8_t *data;
	size_t len;
	bool changed;
	char slot;
	int ret = mt_slot_load(&b->slots.dev, &s);

	if (ret)
		return ret;
	slot = mt_slots_boot(&s, &changed);
	if (changed && (ret = mt_slot_store(&b->slots.dev, &s)) != 0)
		return ret;
	char path[32];

	snprintf(path, sizeof(path), "ota/%c/matthan", slot);
	assert_int_equal(mt_mem_storage_durable(&b->st, path, &data, &len), 0);
	if (len == strlen(OLD)) {
		assert_memory_equal(data, OLD, len);
		box_run(b, slot, "1.0.0");
	} else {
		assert_int_equal(len, sizeof(payload));
		assert_memory_equal(data, payload, len);
		box_run(b, slot, "1.2.0");
	}
	*ran = slot;
	return mt_ota_commit(&b->ota);
}

/* The whole update as the box runs it: check, download, install, reboot,
 * commit. Stops at the first error (a crash). */
static int update(struct box *b)
{
	struct mt_ota_offer offer;
	char ran;
	int ret = mt_ota_check(&b->ota, &offer);

	if (ret <= 0)
		return ret;
	ret = mt_ota_download(&b->ota, &offer);
	if (!ret)
		ret = mt_ota_install(&b->ota);
	if (!ret)
		ret = reboot_and_run(b, &ran);
	return ret;
}

static void test_power_cut_sweep(void **state)
{
	struct tb t;
	uint64_t calls, cuts = 0;

	(void)state;
	make_bundle(&t, "host");
	{
		struct box b;

		box_init(&b, &t);
		box_run(&b, 'A', "1.0.0");
		uint64_t c0 = mt_mem_storage_calls(&b.st);

		assert_int_equal(update(&b), 0);
		calls = mt_mem_storage_calls(&b.st) - c0;
		box_free(&b);
	}
	for (uint64_t n = 1; n <= calls; n++) {
		struct mt_slot_state s;
		struct box b;
		char ran = 0;

		box_init(&b, &t);
		box_run(&b, 'A', "1.0.0");
		mt_mem_storage_crash_at(&b.st, mt_mem_storage_calls(&b.st) + n);
		update(&b);
		if (!mt_mem_storage_crashed(&b.st)) {
			box_free(&b);
			continue;
		}
		cuts++;
		mt_mem_storage_power_cut(&b.st);
		mt_mem_storage_crash_at(&b.st, 0);
		/* the box comes back: it boots a whole slot and is healthy */
		assert_int_equal(reboot_and_run(&b, &ran), 0);
		/* and the update completes from wherever it stopped */
		int ret = update(&b);

		assert_true(ret == 0 || ret == 1);
		assert_int_equal(reboot_and_run(&b, &ran), 0);
		assert_int_equal(ran, 'B');
		assert_int_equal(mt_slot_load(&b.slots.dev, &s), 0);
		assert_int_equal(s.active, 'B');
		assert_int_equal(s.trial, 0);
		box_free(&b);
	}
	printf("  power cut at each of %llu storage calls (%llu cuts)\n", (unsigned long long)calls,
	       (unsigned long long)cuts);
	assert_true(cuts > 50);
	free(t.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_resume_install_commit),
		cmocka_unit_test(test_refused_after_head),
		cmocka_unit_test(test_health_fails_rollback),
		cmocka_unit_test(test_power_cut_sweep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
