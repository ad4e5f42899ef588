/* Helpers the unit and fault tests share: temp folders under /tmp, removing
 * them, and frames of the real footage. Each fails the running cmocka test
 * with a message instead of returning an error the test could ignore. */
#ifndef MT_TEST_SUPPORT_H
#define MT_TEST_SUPPORT_H

#include "core/frame.h"

/* Makes a new empty folder /tmp/mt-<tag>-XXXXXX (mkdtemp). Returns its path;
 * the caller frees it with free(). Fails the test if it cannot be made. */
char *mt_test_tmpdir(const char *tag);

/* Removes path and, if it is a folder, everything below it. Symbolic links
 * are removed, never followed. Goes on past an entry it cannot remove.
 * Returns 0, or the negative errno of the first failure (-ENOENT if path
 * does not exist, -EINVAL if it is NULL), so a teardown can return it. */
int mt_test_remove_tree(const char *path);

/* The end of a folder from mt_test_tmpdir(): removes the tree, frees the
 * path and sets *dir to NULL. Returns what mt_test_remove_tree() returned
 * (-EINVAL for a NULL *dir), so a teardown can return it. */
int mt_test_tmpdir_remove(char **dir);

/* Frame n of $MT_FOOTAGE/cdnet-highway/input/in%06d.jpg as an MJPEG key
 * frame; the caller releases it with mt_frame_put(). Fails the test, naming
 * the file, if MT_FOOTAGE is unset or the file cannot be read. */
struct mt_frame *mt_test_footage_frame(int n);

#endif
