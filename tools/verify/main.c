/* mt-verify: checks matthan clips, their signed manifests and checkpoints,
 * and the chain of clips of a device (docs/mt-verify.md). */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chainmode.h"
#include "verify.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mt-verify [--cert FILE | --pubkey FILE] [--json] CLIP...\n"
		"       mt-verify [--cert FILE | --pubkey FILE] [--json] --chain DIR\n"
		"Verifies matthan clips (CLIP is the .mp4; its .json manifest, .sig signature\n"
		"and .ckpt checkpoints sit beside it). Prints one line per clip: OK,\n"
		"PARTIAL <checkpoints verified>/<total>, or FAIL <reason>. --chain also checks\n"
		"that the clips of DIR form one unbroken chain. Without --cert or --pubkey the\n"
		"key is DIR/evidence.pub.pem beside the clips, which proves integrity only.\n"
		"Exit status: 0 if nothing failed, 1 if a clip failed, 2 on a usage error.\n");
}

static const char *status_word(enum vr_status s)
{
	return s == VR_OK ? "OK" : s == VR_PARTIAL ? "PARTIAL" : "FAIL";
}

/* A JSON string (the path or reason) with the escapes JSON needs. */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void print_result(const char *clip, const struct vr_result *r, int json, int first)
{
	if (!json) {
		if (r->status == VR_PARTIAL)
			printf("%s: PARTIAL %u/%u\n", clip, r->ckpt_ok, r->ckpt_total);
		else if (r->status == VR_OK)
			printf("%s: OK\n", clip);
		else
			printf("%s: FAIL %s\n", clip, r->reason);
		return;
	}
	printf("%s\n  {\"clip\": ", first ? "" : ",");
	json_string(clip);
	printf(", \"status\": \"%s\", \"reason\": ", status_word(r->status));
	json_string(r->reason);
	printf(", \"checkpoints_verified\": %u, \"checkpoints_total\": %u", r->ckpt_ok,
	       r->ckpt_total);
	if (r->have_seq)
		printf(", \"sequence\": %llu", (unsigned long long)r->seq);
	printf("}");
}

/* The folder of path ("." for a bare name) + "/evidence.pub.pem". */
static void default_key(const char *path, int is_dir, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (is_dir)
		snprintf(out, cap, "%s/evidence.pub.pem", path);
	else if (slash)
		snprintf(out, cap, "%.*s/evidence.pub.pem", (int)(slash - path), path);
	else
		snprintf(out, cap, "evidence.pub.pem");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "pubkey", required_argument, NULL, 'p' },
		{ "chain", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cert = NULL, *pub = NULL, *chain_dir = NULL;
	char err[512], key_path[4096];
	struct vr_clip_list list = { 0 };
	struct vr_key key;
	int json = 0, opt, failed = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cert = optarg;
			break;
		case 'p':
			pub = optarg;
			break;
		case 'C':
			chain_dir = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mt-verify %s\n", MT_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if ((cert && pub) || (chain_dir && optind < argc) || (!chain_dir && optind == argc)) {
		fprintf(stderr, "mt-verify: give --cert or --pubkey (not both), and either clips "
				"or --chain DIR (see --help)\n");
		return 2;
	}
	if (!cert && !pub) {
		default_key(chain_dir ? chain_dir : argv[optind], chain_dir != NULL, key_path,
			    sizeof(key_path));
		pub = key_path;
		fprintf(stderr,
			"mt-verify: no --cert or --pubkey: using %s, which proves the clips "
			"are intact, not who made them\n",
			pub);
	}
	if (vr_key_load(&key, cert ? cert : pub, cert != NULL, err, sizeof(err))) {
		fprintf(stderr, "mt-verify: %s\n", err);
		vr_key_free(&key);
		return 2;
	}
	if (chain_dir ? vr_list_dir(chain_dir, &list, err, sizeof(err)) :
			vr_list_args(argc - optind, argv + optind, &list, err, sizeof(err))) {
		fprintf(stderr, "mt-verify: %s\n", err);
		vr_key_free(&key);
		return 2;
	}
	for (size_t i = 0; i < list.n; i++)
		vr_verify_clip(&key, list.clips[i].path, &list.clips[i].r);
	if (chain_dir)
		vr_check_chain(&list);
	if (json)
		printf("{\"clips\": [");
	for (size_t i = 0; i < list.n; i++) {
		print_result(list.clips[i].path, &list.clips[i].r, json, i == 0);
		failed |= list.clips[i].r.status == VR_FAIL;
	}
	if (json)
		printf("\n], \"ok\": %s}\n", failed ? "false" : "true");
	vr_clip_list_free(&list);
	vr_key_free(&key);
	return failed ? 1 : 0;
}
