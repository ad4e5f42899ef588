/* Fake LEDs: the last pattern per LED, bounds, the count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fake/fake_led.h"

static void test_state_per_led(void **state)
{
	struct mt_fake_led l;

	mt_fake_led_init(&l, 3);
	assert_int_equal(mt_led_count(&l.dev), 3);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(mt_fake_led_state(&l, i), MT_LED_OFF);
	assert_int_equal(mt_led_set(&l.dev, 1, MT_LED_BLINK_FAST), 0);
	assert_int_equal(mt_led_set(&l.dev, 2, MT_LED_ON), 0);
	assert_int_equal(mt_fake_led_state(&l, 0), MT_LED_OFF);
	assert_int_equal(mt_fake_led_state(&l, 1), MT_LED_BLINK_FAST);
	assert_int_equal(mt_fake_led_state(&l, 2), MT_LED_ON);
	assert_int_equal(mt_led_set(&l.dev, 1, MT_LED_BLINK_SLOW), 0);
	assert_int_equal(mt_fake_led_state(&l, 1), MT_LED_BLINK_SLOW);
	assert_int_equal(mt_fake_led_sets(&l), 3);

	assert_int_equal(mt_led_set(&l.dev, 3, MT_LED_ON), -EINVAL);
	assert_int_equal(mt_led_set(&l.dev, 0, (enum mt_led_pattern)9), -EINVAL);
	assert_int_equal(mt_fake_led_state(&l, 3), MT_LED_OFF);
	assert_int_equal(mt_fake_led_sets(&l), 3);
}

static void test_count_clamped(void **state)
{
	struct mt_fake_led l;

	mt_fake_led_init(&l, 100);
	assert_int_equal(mt_led_count(&l.dev), MT_FAKE_LED_MAX);
	assert_int_equal(mt_led_set(&l.dev, MT_FAKE_LED_MAX - 1, MT_LED_ON), 0);
	assert_int_equal(mt_led_set(&l.dev, MT_FAKE_LED_MAX, MT_LED_ON), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_per_led),
		cmocka_unit_test(test_count_clamped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
