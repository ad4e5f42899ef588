/* Fault injection for the POSIX storage, through its syscall table: every
 * call is counted; one kind of call can fail every time (a full disk), call
 * N can fail once, writes can be short, and from call N on every call can
 * fail with EIO as if the machine had died there ("crash"). */
#ifndef MT_TEST_POSIX_FAULT_H
#define MT_TEST_POSIX_FAULT_H

#include <stddef.h>

enum pf_kind {
	PF_OPEN,
	PF_READ,
	PF_WRITE,
	PF_FSYNC,
	PF_CLOSE,
	PF_RENAME,
	PF_UNLINK,
	PF_RMDIR,
	PF_MKDIR,
	PF_STAT,
	PF_OPENDIR,
	PF_READDIR,
	PF_CLOSEDIR,
	PF_NKINDS,
};

/* Puts the counting table in place with no fault armed. */
void pf_install(void);

/* Closes what leaked (see pf_close_leaked) and restores the real table. */
void pf_remove(void);

/* Calls made since pf_install. */
long pf_calls(void);

/* Every call of kind fails with errno err (positive), until pf_install. */
void pf_fail_kind(enum pf_kind kind, int err);

/* The n-th call from now fails once with errno err. A failed close still
 * closes, as on Linux. */
void pf_fail_at(long n, int err);

/* The n-th call from now and all after fail with EIO and do nothing. */
void pf_crash_at(long n);

/* Writes write at most max bytes (0: off). */
void pf_short_writes(size_t max);

/* Closes the descriptors opened through the table and not closed (what a
 * dying process leaves to the kernel); returns how many there were. */
int pf_close_leaked(void);

#endif
