/* mt-boot: the start-up selector for boards with file slots (docs/ota.md).
 * Reads ROOT/slots.state, picks the slot to start (a slot on trial while it
 * has tries left, taking one; else the committed slot, noting the failed
 * trial), stores the state before starting anything (so a crash or power
 * cut during the start still counts as a try, like U-Boot's bootcount), and
 * execs ROOT/<slot>/matthan with MT_SLOT, MT_SLOT_TRIAL and MT_OTA_ROOT set.
 * The service manager runs it again whenever the program exits.
 *
 *   mt-boot --root ROOT [--print] [-- ARGS...]                             */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "linux/posix_storage.h"
#include "ota/slot_files.h"
#include "ota/slots.h"

static int usage_error(const char *msg)
{
	fprintf(stderr, "mt-boot: %s (see --help)\n", msg);
	return 2;
}

static bool has_program(const char *root, char slot, char *path, size_t cap)
{
	struct stat sb;

	snprintf(path, cap, "%s/%c/matthan", root, slot);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "print", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct mt_posix_storage st;
	struct mt_slot_files f;
	struct mt_slot_state s;
	const char *root = NULL;
	char path[MT_SLOT_FILES_ROOT_MAX + 16];
	bool print = false, changed;
	char slot;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'p':
			print = true;
			break;
		case 'h':
			printf("usage: mt-boot --root ROOT [--print] [-- ARGS...]\n"
			       "Starts ROOT/<slot>/matthan from the A/B slot state in "
			       "ROOT/slots.state,\ncounting a trial slot's boots down and falling "
			       "back to the committed slot\nwhen they are used up. --print "
			       "prints the choice instead of starting it.\n");
			return 0;
		case 'V':
			printf("mt-boot %s\n", MT_VERSION);
			return 0;
		default:
			return usage_error("unknown option");
		}
	}
	if (!root)
		return usage_error("give --root");
	mt_posix_storage_init(&st);
	mt_slot_files_init(&f, &st.dev, root);
	ret = mt_slot_load(&f.dev, &s);
	if (ret) {
		/* cannot come from a power cut (atomic replace): start A, loudly */
		fprintf(stderr, "mt-boot: %s/slots.state: %s; starting slot A\n", root,
			mt_strerror(ret));
		mt_slots_fresh(&s);
	}
	slot = mt_slots_boot(&s, &changed);
	if (slot == s.trial && !has_program(root, slot, path, sizeof(path))) {
		mt_slots_abandon(&s, "no program in the slot");
		slot = s.active;
		changed = true;
	}
	if (changed && (ret = mt_slot_store(&f.dev, &s)) != 0) {
		fprintf(stderr, "mt-boot: cannot store the slot state: %s\n", mt_strerror(ret));
		return 1;
	}
	if (!has_program(root, slot, path, sizeof(path))) {
		fprintf(stderr, "mt-boot: no program in slot %c (%s)\n", slot, path);
		return 1;
	}
	if (print) {
		printf("slot=%c trial=%d tries=%u note=%s\n", slot, slot == s.trial,
		       (unsigned)s.tries, s.note);
		return 0;
	}
	char trial[2] = { slot == s.trial ? '1' : '0', 0 }, name[2] = { slot, 0 };

	chmod(path, 0755); /* the storage hal makes files 0644 */
	if (setenv("MT_SLOT", name, 1) || setenv("MT_SLOT_TRIAL", trial, 1) ||
	    setenv("MT_OTA_ROOT", root, 1))
		return 1;
	argv[optind - 1] = path;
	execv(path, argv + optind - 1);
	fprintf(stderr, "mt-boot: cannot start %s: %s\n", path, strerror(errno));
	return 1;
}
