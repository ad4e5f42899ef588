/* The console password at the console: the login asked before any command,
 * the first-boot rule (no password yet: only setup, help, status, view and
 * log), hidden input, and the growing delay after a wrong password, spent
 * on the console's thread only. */
#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "autoconf.h"
#include "console/cmd.h"
#include "console/login.h"
#include "console/password.h"
#include "core/log.h"
#include "hal/clock.h"

MT_LOG_MODULE("console");

#define LOGIN_PROMPT "password: "

static const char *const first_boot[] = { "setup", "help", "status", "view", "log", NULL };

bool mt_console_has_password(const struct mt_console *c)
{
	return mt_config_str(&c->work, MT_CONFIG_CONSOLE_PASSWORD)[0] != '\0';
}

bool mt_console_login_allows(struct mt_console *c, const char *cmd)
{
	if (mt_console_locked(c)) {
		mt_console_printf(c, "%.32s: log in first\n", cmd);
		return false;
	}
	if (mt_console_has_password(c))
		return true;
	for (size_t i = 0; first_boot[i]; i++)
		if (strcmp(cmd, first_boot[i]) == 0)
			return true;
	mt_console_printf(c,
			  "%.32s: no console password yet (there is no default): type setup.\n"
			  "Until then only setup, help, status, view and log work.\n",
			  cmd);
	return false;
}

void mt_console_login_banner(struct mt_console *c)
{
	if (!mt_console_has_password(c))
		mt_console_printf(c,
				  "No console password is set (there is no default): type setup.\n"
				  "Until then only setup, help, status, view and log work.\n");
}

void mt_console_login_failed(struct mt_console *c)
{
	struct mt_console_login *l = &c->login;
	unsigned wait = mt_password_delay_s(++l->fails);

	l->fails_total++;
	l->retry_at_us = mt_clock_mono_us(c->cfg->clock) + (int64_t)wait * 1000000;
	MT_WRN("wrong password (%u in a row, %llu since start); next try in %u s", l->fails,
	       (unsigned long long)l->fails_total, wait);
	mt_console_printf(c, "wrong password; try again in %u s\n", wait);
}

void mt_console_login_wait(struct mt_console *c)
{
	uint8_t b;

	while (mt_clock_mono_us(c->cfg->clock) < c->login.retry_at_us)
		if (mt_console_getc(c, 200, &b) < 0)
			break; /* what is typed meanwhile is dropped */
}

void mt_console_login_tick(struct mt_console *c)
{
	struct mt_console_login *l = &c->login;

	if (l->prompted || mt_clock_mono_us(c->cfg->clock) < l->retry_at_us)
		return;
	mt_console_printf(c, LOGIN_PROMPT);
	l->prompted = true;
	mt_console_flush(c);
}

static void clear_typed(struct mt_console_login *l)
{
	mbedtls_platform_zeroize(l->pw, sizeof(l->pw));
	l->npw = 0;
}

int mt_console_login_feed(struct mt_console *c, uint8_t b)
{
	struct mt_console_login *l = &c->login;
	int ret;

	if (mt_clock_mono_us(c->cfg->clock) < l->retry_at_us)
		return 0; /* the delay: typing does not shorten it */
	if (!l->prompted) {
		mt_console_login_tick(c);
		if (b == '\r' || b == '\n')
			return 0;
	}
	if (b == 3 || b == 0x15) { /* Ctrl-C, Ctrl-U: start again */
		clear_typed(l);
		mt_console_printf(c, "\n" LOGIN_PROMPT);
		return 0;
	}
	if (b == 0x7f || b == 8) {
		if (l->npw)
			l->pw[--l->npw] = '\0';
		return 0;
	}
	if (b != '\r' && b != '\n') {
		if (b >= 0x20 && l->npw < sizeof(l->pw) - 1)
			l->pw[l->npw++] = (char)b;
		return 0;
	}
	mt_console_printf(c, "\n");
	l->prompted = false;
	if (!l->npw) {
		mt_console_login_tick(c);
		return 0;
	}
	l->pw[l->npw] = '\0';
	mt_console_flush(c);
	mt_thread_beat(&c->thread);
	ret = mt_password_verify(mt_config_str(&c->work, MT_CONFIG_CONSOLE_PASSWORD), l->pw);
	clear_typed(l);
	if (ret) {
		mt_console_login_failed(c);
		mt_console_login_tick(c);
		return 0;
	}
	if (l->fails)
		mt_console_printf(c, "(%u wrong password%s before this one)\n", l->fails,
				  l->fails == 1 ? "" : "s");
	l->fails = 0;
	l->authed = true;
	MT_INF("logged in");
	return 1;
}

int mt_console_login_idle(struct mt_console *c)
{
	const int64_t idle_us = (int64_t)CONFIG_MT_CONSOLE_IDLE_LOGOUT_SECONDS * 1000000;
	struct mt_console_login *l = &c->login;
	int64_t now = mt_clock_mono_us(c->cfg->clock);

	if (c->npending || !l->authed) { /* the idle time counts from the last key */
		l->input_us = now;
		return 0;
	}
	if (!idle_us || !mt_console_has_password(c) || now - l->input_us < idle_us)
		return 0;
	l->authed = false;
	l->prompted = false;
	MT_INF("logged out after %d s without input", CONFIG_MT_CONSOLE_IDLE_LOGOUT_SECONDS);
	mt_console_printf(c, "\nlogged out after %d s without input\n",
			  CONFIG_MT_CONSOLE_IDLE_LOGOUT_SECONDS);
	mt_console_login_tick(c);
	return 1;
}

int mt_console_read_secret(struct mt_console *c, const char *prompt, int timeout_ms, char *buf,
			   size_t len)
{
	int64_t deadline = mt_clock_mono_us(c->cfg->clock) + (int64_t)timeout_ms * 1000;
	size_t n = 0;
	bool over = false;
	int ret;

	mt_console_printf(c, "%s", prompt);
	for (;;) {
		uint8_t b = 0;

		ret = mt_console_getc(c, 200, &b);
		if (ret < 0)
			break;
		if (ret == 0) {
			ret = -ETIMEDOUT;
			if (mt_clock_mono_us(c->cfg->clock) >= deadline)
				break;
			continue;
		}
		if (b == 3) {
			ret = -ECANCELED;
			break;
		}
		if (b == '\r' || b == '\n') {
			ret = over ? -E2BIG : 0;
			break;
		}
		if ((b == 0x7f || b == 8) && n) {
			n--;
		} else if (b >= 0x20 && b != 0x7f) {
			if (n + 1 < len)
				buf[n++] = (char)b;
			else
				over = true;
		}
	}
	buf[n] = '\0';
	if (ret)
		mbedtls_platform_zeroize(buf, len);
	mt_console_printf(c, "\n");
	return ret;
}
