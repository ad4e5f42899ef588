/* Fake serial: typed input is read, printed output is taken, reads time out
 * on the clock hal, and a blocked read wakes when input arrives. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "fake/fake_serial.h"
#include "fake/manual_clock.h"

static const struct mt_serial_config cfg = { .device = "fake", .baud = 115200 };

static void test_input_output(void **state)
{
	struct mt_manual_clock clk;
	struct mt_fake_serial s;
	static char big[MT_FAKE_SERIAL_IN_BYTES + 1];
	char buf[64];

	mt_manual_clock_init(&clk);
	mt_fake_serial_init(&s, &clk.dev, true);
	assert_int_equal(mt_serial_read(&s.dev, buf, 1, 0), -EBADF);
	assert_int_equal(mt_serial_write(&s.dev, "x", 1), -EBADF);
	assert_int_equal(mt_fake_serial_push_input(&s, "status\r", 7), 0); /* before open */
	assert_int_equal(mt_serial_open(&s.dev, &cfg), 0);
	assert_int_equal(mt_serial_open(&s.dev, &cfg), -EBUSY);
	assert_string_equal(mt_serial_path(&s.dev), "fake-serial");

	assert_int_equal(mt_serial_read(&s.dev, buf, 4, 0), 4);
	assert_memory_equal(buf, "stat", 4);
	assert_int_equal(mt_serial_read(&s.dev, buf, sizeof(buf), 0), 3);
	assert_memory_equal(buf, "us\r", 3);

	/* Nothing typed: the read times out, moving the manual clock. */
	assert_int_equal(mt_serial_read(&s.dev, buf, sizeof(buf), 500), 0);
	assert_int_equal(mt_clock_mono_us(&clk.dev), 500000);

	assert_int_equal(mt_serial_write(&s.dev, "ok\r\n", 4), 4);
	assert_int_equal(mt_serial_write(&s.dev, "> ", 2), 2);
	assert_int_equal(mt_fake_serial_take_output(&s, buf, 3), 3);
	assert_memory_equal(buf, "ok\r", 3);
	assert_int_equal(mt_fake_serial_take_output(&s, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "\n> ", 3);
	assert_int_equal(mt_fake_serial_take_output(&s, buf, sizeof(buf)), 0);

	assert_int_equal(mt_fake_serial_push_input(&s, big, sizeof(big)), -ENOSPC);
	mt_fake_serial_fail_writes(&s, -EIO);
	assert_int_equal(mt_serial_write(&s.dev, "x", 1), -EIO);
	mt_serial_close(&s.dev);
	mt_serial_close(&s.dev);
	mt_fake_serial_free(&s);
	mt_fake_serial_free(&s);
	mt_fake_serial_free(NULL);
}

struct reader {
	struct mt_fake_serial *s;
	char buf[8];
	ssize_t ret;
};

static void *read_forever(void *arg)
{
	struct reader *r = arg;

	r->ret = mt_serial_read(&r->s->dev, r->buf, sizeof(r->buf), -1);
	return NULL;
}

static void test_blocked_read_woken_by_input(void **state)
{
	struct mt_manual_clock clk;
	struct mt_fake_serial s;
	struct reader r = { .s = &s, .ret = -1 };
	struct timespec ms = { 0, 20 * 1000000L };
	pthread_t tid;

	mt_manual_clock_init(&clk);
	mt_fake_serial_init(&s, &clk.dev, false);
	assert_int_equal(mt_serial_open(&s.dev, &cfg), 0);
	assert_int_equal(pthread_create(&tid, NULL, read_forever, &r), 0);
	nanosleep(&ms, NULL);
	assert_int_equal(mt_fake_serial_push_input(&s, "q", 1), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(r.ret, 1);
	assert_int_equal(r.buf[0], 'q');
	mt_serial_close(&s.dev);
	mt_fake_serial_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_output),
		cmocka_unit_test(test_blocked_read_woken_by_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
