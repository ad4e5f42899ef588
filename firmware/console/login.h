/* The console password at the prompt (private to firmware/console): what
 * console.c calls around its editor. See console/password.h for hashing. */
#ifndef MT_CONSOLE_LOGIN_H
#define MT_CONSOLE_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "console/console.h"

/* Whether cmd may run now; if not, says why (log in, or set a password with
 * setup first). */
bool mt_console_login_allows(struct mt_console *c, const char *cmd);

/* After the banner: says when no password is set yet. */
void mt_console_login_banner(struct mt_console *c);

/* Shows "password: " once the delay after a failure is over. */
void mt_console_login_tick(struct mt_console *c);

/* One byte typed while locked: 1 when it completed a right password (the
 * console is unlocked), else 0. Nothing is echoed. */
int mt_console_login_feed(struct mt_console *c, uint8_t b);

/* Each pass of the thread: logs out after CONFIG_MT_CONSOLE_IDLE_LOGOUT_SECONDS
 * without input (then 1, and the password is asked again), else 0. */
int mt_console_login_idle(struct mt_console *c);

/* Counts a wrong password (log, status) and starts its delay. */
void mt_console_login_failed(struct mt_console *c);

/* Waits out the delay on the console's thread (beating), dropping input. */
void mt_console_login_wait(struct mt_console *c);

#endif
