/* Evidence key store on real files (POSIX storage in a temp folder): the key
 * is made once, saved with mode 0600 and loaded again unchanged; a corrupt
 * key file is refused and left alone; signatures verify with stock openssl;
 * the station's certificate is kept only if it certifies this key; and a
 * power cut at every step of making the key leaves no key or a whole one. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "core/errors.h"
#include "core/file.h"
#include "evidence/keystore.h"
#include "fake/fake_random.h"
#include "fake/mem_storage.h"
#include "linux/posix_storage.h"
#include "support.h"

struct fixture {
	char *dir;
	char keydir[512];
	struct mt_posix_storage st;
	struct mt_fake_random rnd;
	struct mt_drbg drbg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = mt_test_tmpdir("keystore");
	snprintf(f->keydir, sizeof(f->keydir), "%s/keys", f->dir);
	mt_posix_storage_init(&f->st);
	mt_fake_random_init(&f->rnd, 7);
	mt_drbg_init(&f->drbg);
	assert_int_equal(mt_drbg_seed(&f->drbg, &f->rnd.dev, "test"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int ret = mt_test_tmpdir_remove(&f->dir);

	mt_drbg_free(&f->drbg);
	mt_fake_random_free(&f->rnd);
	free(f);
	return ret;
}

static void write_text(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

static void test_made_once_0600_and_reloaded(void **state)
{
	struct fixture *f = *state;
	uint8_t der1[MT_SIGNER_PUB_DER_MAX], der2[MT_SIGNER_PUB_DER_MAX];
	size_t len1, len2;
	struct mt_keystore ks;
	char path[600];
	struct stat sb;

	mt_keystore_init(&ks);
	assert_int_equal(mt_keystore_open(&ks, &f->st.dev, f->keydir, &f->drbg), 0);
	assert_true(ks.created);
	assert_int_equal(mt_signer_public_der(mt_keystore_signer(&ks), der1, sizeof(der1), &len1),
			 0);
	assert_int_equal(len1, 91); /* a P-256 SubjectPublicKeyInfo */
	snprintf(path, sizeof(path), "%s/%s", f->keydir, MT_KEYSTORE_KEY_FILE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	mt_keystore_free(&ks);
	mt_keystore_free(&ks);
	mt_keystore_free(NULL);

	/* a stale temporary file with a wider mode is not reused */
	snprintf(path, sizeof(path), "%s/%s.tmp", f->keydir, MT_KEYSTORE_KEY_FILE);
	write_text(path, "old", 3);
	chmod(path, 0644);

	mt_keystore_init(&ks);
	assert_int_equal(mt_keystore_open(&ks, &f->st.dev, f->keydir, &f->drbg), 0);
	assert_false(ks.created);
	assert_int_equal(mt_signer_public_der(mt_keystore_signer(&ks), der2, sizeof(der2), &len2),
			 0);
	assert_int_equal(len1, len2);
	assert_memory_equal(der1, der2, len1);
	mt_keystore_free(&ks);
}

static void test_signature_verifies_with_openssl(void **state)
{
	struct fixture *f = *state;
	static const char msg[] = "{\"clip_seq\":1,\"format\":\"matthan-manifest-1\"}\n";
	uint8_t sig[MT_SIGNER_SIG_MAX], id[MT_SHA256_LEN];
	char pem[MT_SIGNER_PUB_PEM_MAX], p[600], cmd[2400], hex[MT_SHA256_HEX_LEN + 1];
	size_t sig_len, pem_len;
	struct mt_keystore ks;

	mt_keystore_init(&ks);
	assert_int_equal(mt_keystore_open(&ks, &f->st.dev, f->keydir, &f->drbg), 0);
	assert_int_equal(mt_signer_sign(mt_keystore_signer(&ks), msg, strlen(msg), sig, sizeof(sig),
					&sig_len),
			 0);
	assert_in_range(sig_len, 8, MT_SIGNER_SIG_MAX);
	assert_int_equal(mt_signer_public_pem(mt_keystore_signer(&ks), pem, sizeof(pem), &pem_len),
			 0);
	assert_int_equal(strlen(pem), pem_len);
	snprintf(p, sizeof(p), "%s/pub.pem", f->dir);
	write_text(p, pem, pem_len);
	snprintf(p, sizeof(p), "%s/msg", f->dir);
	write_text(p, msg, strlen(msg));
	snprintf(p, sizeof(p), "%s/msg.sig", f->dir);
	write_text(p, sig, sig_len);

	/* stock openssl, an independent implementation, is the judge */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl dgst -sha256 -verify pub.pem -signature msg.sig msg | "
		 "grep -qx 'Verified OK'",
		 f->dir);
	assert_int_equal(sh(cmd), 0);
	/* ... and it rejects the signature over other bytes */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && printf x >> msg && ! openssl dgst -sha256 -verify pub.pem -signature "
		 "msg.sig msg >/dev/null",
		 f->dir);
	assert_int_equal(sh(cmd), 0);

	/* the key id is the SHA-256 of openssl's DER encoding of the key */
	assert_int_equal(mt_signer_key_id(mt_keystore_signer(&ks), id), 0);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl pkey -pubin -in pub.pem -outform DER | sha256sum | "
		 "grep -q '^%s '",
		 f->dir, mt_sha256_hex(id, hex));
	assert_int_equal(sh(cmd), 0);
	/* the private key is only on flash, in the 0600 file: openssl reads it
	 * as the same key */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl pkey -in keys/evidence.key -inform DER -pubout | cmp - pub.pem",
		 f->dir);
	assert_int_equal(sh(cmd), 0);
	mt_keystore_free(&ks);
}

static void test_corrupt_key_left_alone(void **state)
{
	struct fixture *f = *state;
	struct mt_keystore ks;
	char path[600];
	uint8_t *buf;
	size_t len;

	assert_int_equal(mkdir(f->keydir, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s", f->keydir, MT_KEYSTORE_KEY_FILE);
	write_text(path, "not a key at all", 16);
	mt_keystore_init(&ks);
	assert_int_equal(mt_keystore_open(&ks, &f->st.dev, f->keydir, &f->drbg), MT_ECORRUPT);
	assert_int_equal(mt_file_read_all(&f->st.dev, path, 100, &buf, &len), 0);
	assert_int_equal(len, 16); /* not replaced */
	free(buf);
	/* nothing can be signed with no key */
	{
		uint8_t sig[MT_SIGNER_SIG_MAX];
		size_t n;

		assert_int_equal(mt_signer_sign(mt_keystore_signer(&ks), "x", 1, sig, sizeof(sig),
						&n),
				 -ENOKEY);
	}
	mt_keystore_free(&ks);
}

static void test_certificate_slot(void **state)
{
	struct fixture *f = *state;
	char pem[MT_SIGNER_PUB_PEM_MAX], p[600], cmd[2048];
	struct mt_keystore ks;
	uint8_t *cert, *got;
	size_t pem_len, cert_len, got_len;

	mt_keystore_init(&ks);
	assert_int_equal(mt_keystore_open(&ks, &f->st.dev, f->keydir, &f->drbg), 0);
	assert_int_equal(mt_keystore_get_cert(&ks, &got, &got_len), -ENOENT);
	assert_int_equal(mt_signer_public_pem(mt_keystore_signer(&ks), pem, sizeof(pem), &pem_len),
			 0);
	snprintf(p, sizeof(p), "%s/pub.pem", f->dir);
	write_text(p, pem, pem_len);
	/* a station CA certifies our key; a second certificate is for its own */
	snprintf(
		cmd, sizeof(cmd),
		"cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		"-keyout ca.key -out ca.crt -subj /CN=station -days 2 2>/dev/null && "
		"openssl x509 -new -force_pubkey pub.pem -subj /CN=EP-0157 -CA ca.crt -CAkey ca.key "
		"-days 2 -out dev.crt 2>/dev/null && openssl x509 -in dev.crt -outform DER -out dev.der",
		f->dir);
	assert_int_equal(sh(cmd), 0);

	snprintf(p, sizeof(p), "%s/ca.crt", f->dir);
	assert_int_equal(mt_file_read_all(&f->st.dev, p, 1 << 16, &cert, &cert_len), 0);
	assert_int_equal(mt_keystore_set_cert(&ks, cert, cert_len), -EKEYREJECTED);
	free(cert);
	assert_int_equal(mt_keystore_set_cert(&ks, (const uint8_t *)"-----BEGIN junk", 15),
			 MT_ECORRUPT);
	assert_int_equal(mt_keystore_get_cert(&ks, &got, &got_len), -ENOENT);

	for (int der = 0; der < 2; der++) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, der ? "dev.der" : "dev.crt");
		assert_int_equal(mt_file_read_all(&f->st.dev, p, 1 << 16, &cert, &cert_len), 0);
		assert_int_equal(mt_keystore_set_cert(&ks, cert, cert_len), 0);
		assert_int_equal(mt_keystore_get_cert(&ks, &got, &got_len), 0);
		assert_int_equal(got_len, cert_len);
		assert_memory_equal(got, cert, cert_len);
		free(got);
		free(cert);
	}
	mt_keystore_free(&ks);
}

/* A power cut at every storage call while the first key is made: after it
 * there is no key (and the next start makes one) or the whole key, which
 * loads; never a torn or empty key file. */
static void test_power_cut_while_making_the_key(void **state)
{
	struct fixture *f = *state;
	uint64_t calls;
	int cuts = 0;

	{
		struct mt_mem_storage ms;
		struct mt_keystore ks;

		mt_mem_storage_init(&ms);
		mt_keystore_init(&ks);
		assert_int_equal(mt_keystore_open(&ks, &ms.dev, "keys", &f->drbg), 0);
		calls = mt_mem_storage_calls(&ms);
		mt_keystore_free(&ks);
		mt_mem_storage_free(&ms);
	}
	for (uint64_t n = 1; n <= calls; n++) {
		struct mt_mem_storage ms;
		struct mt_keystore ks;
		uint8_t der1[MT_SIGNER_PUB_DER_MAX], der2[MT_SIGNER_PUB_DER_MAX];
		size_t len1 = 0, len2;
		int ret;

		mt_mem_storage_init(&ms);
		mt_keystore_init(&ks);
		mt_mem_storage_crash_at(&ms, n);
		ret = mt_keystore_open(&ks, &ms.dev, "keys", &f->drbg);
		if (ret == 0)
			assert_int_equal(mt_signer_public_der(mt_keystore_signer(&ks), der1,
							      sizeof(der1), &len1),
					 0);
		mt_keystore_free(&ks);
		mt_mem_storage_power_cut(&ms);
		/* after the reboot: a key loads (the same one, if the first open
		 * said it was saved), or one is made now */
		assert_int_equal(mt_keystore_open(&ks, &ms.dev, "keys", &f->drbg), 0);
		assert_int_equal(mt_signer_public_der(mt_keystore_signer(&ks), der2, sizeof(der2),
						      &len2),
				 0);
		if (ret == 0) {
			assert_false(ks.created);
			assert_memory_equal(der1, der2, len1);
		}
		mt_keystore_free(&ks);
		mt_mem_storage_free(&ms);
		cuts++;
	}
	assert_true(cuts >= 5);
	print_message("keystore: %d power-cut points\n", cuts);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_made_once_0600_and_reloaded),    T(test_signature_verifies_with_openssl),
		T(test_corrupt_key_left_alone),         T(test_certificate_slot),
		T(test_power_cut_while_making_the_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
