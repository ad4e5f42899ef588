/* mt-verify: the chain of a device's clips (docs/evidence.md). */
#include "chainmode.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vutil.h"

static int add(struct vr_clip_list *l, const char *path)
{
	struct vr_clip *n = realloc(l->clips, (l->n + 1) * sizeof(*n));
	const char *base = strrchr(path, '/');
	unsigned long long seq;
	int used = 0;

	if (!n)
		return -1;
	l->clips = n;
	memset(&n[l->n], 0, sizeof(*n));
	n[l->n].path = strdup(path);
	if (!n[l->n].path)
		return -1;
	base = base ? base + 1 : path;
	if (sscanf(base, "clip-%llu.mp4%n", &seq, &used) == 1 && base[used] == 0) {
		n[l->n].has_name_seq = 1;
		n[l->n].name_seq = seq;
	}
	l->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct vr_clip *)a)->path, ((const struct vr_clip *)b)->path);
}

int vr_list_dir(const char *dir, struct vr_clip_list *l, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n < 5 || strcmp(e->d_name + n - 4, ".mp4") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (add(l, path)) {
			closedir(d);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	closedir(d);
	if (l->n == 0) {
		snprintf(err, errlen, "%s: no clips (*.mp4)", dir);
		return -1;
	}
	qsort(l->clips, l->n, sizeof(*l->clips), by_name);
	return 0;
}

int vr_list_args(int argc, char **argv, struct vr_clip_list *l, char *err, size_t errlen)
{
	for (int i = 0; i < argc; i++) {
		if (add(l, argv[i])) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

void vr_clip_list_free(struct vr_clip_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->clips[i].path);
		vr_result_free(&l->clips[i].r);
	}
	free(l->clips);
	l->clips = NULL;
	l->n = 0;
}

/* An altered fragment whose bytes are another clip's signed fragment. */
static void name_splices(struct vr_clip_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct vr_result *r = &l->clips[i].r;

		if (r->status != VR_FAIL || !r->bad_fragment)
			continue;
		for (size_t j = 0; j < l->n; j++) {
			const struct vr_result *o = &l->clips[j].r;

			for (size_t k = 0; j != i && k < o->n_manifest_frags; k++) {
				if (memcmp(o->manifest_frags[k], r->bad_fragment_sha256, 32) == 0) {
					vr_set(r, VR_FAIL,
					       "fragment %zu spliced in from sequence %llu (its fragment %zu)",
					       r->bad_fragment, (unsigned long long)o->seq, k + 1);
					goto next;
				}
			}
		}
next:;
	}
}

static struct vr_clip_list *sort_list; /* qsort has no argument for it */

static int by_seq(const void *a, const void *b)
{
	const struct vr_clip *x = &sort_list->clips[*(const size_t *)a];
	const struct vr_clip *y = &sort_list->clips[*(const size_t *)b];

	if (x->r.seq != y->r.seq)
		return x->r.seq < y->r.seq ? -1 : 1;
	/* the same number twice: the one named for it first */
	if ((x->has_name_seq && x->name_seq == x->r.seq) !=
	    (y->has_name_seq && y->name_seq == y->r.seq))
		return (x->has_name_seq && x->name_seq == x->r.seq) ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Fails a clip for a chain reason, unless it failed on its own already. */
static void chain_fail(struct vr_clip *c, const char *reason, unsigned long long s)
{
	if (c->r.status != VR_FAIL)
		vr_set(&c->r, VR_FAIL, reason, s);
}

void vr_check_chain(struct vr_clip_list *l)
{
	size_t *order = malloc(l->n * sizeof(*order)), n = 0;

	name_splices(l);
	if (!order)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (l->clips[i].r.have_seq)
			order[n++] = i;
	sort_list = l;
	qsort(order, n, sizeof(*order), by_seq);
	for (size_t k = 0; k < n; k++) {
		struct vr_clip *c = &l->clips[order[k]];
		struct vr_clip *p = k > 0 ? &l->clips[order[k - 1]] : NULL;
		unsigned long long seq = c->r.seq;

		if (p && p->r.seq == seq)
			chain_fail(c, "replayed: a copy of sequence %llu", seq);
		else if (c->has_name_seq && c->name_seq != seq)
			chain_fail(c, "renamed: its manifest is sequence %llu", seq);
		else if (p && seq != p->r.seq + 1)
			chain_fail(c, "gap in chain after sequence %llu", p->r.seq);
		else if (p && p->r.have_manifest &&
			 memcmp(c->r.prev, p->r.manifest_sha256, 32) != 0)
			chain_fail(c, "chain broken: does not follow sequence %llu", p->r.seq);
	}
	free(order);
}
