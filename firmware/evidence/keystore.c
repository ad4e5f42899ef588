/* Evidence key store: load or make the key, keep its certificate. */
#include "evidence/keystore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "core/mbedtls_compat.h"
#include "hal/storage.h"

MT_LOG_MODULE("keystore");

#define KEY_DER_MAX 512 /* a P-256 key in DER is about 121 bytes */

void mt_keystore_init(struct mt_keystore *ks)
{
	memset(ks, 0, sizeof(*ks));
	mt_sw_signer_init(&ks->sw, NULL);
}

static int path_of(const struct mt_keystore *ks, const char *name, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", ks->dir, name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int make_key(struct mt_keystore *ks, const char *path)
{
	uint8_t der[KEY_DER_MAX];
	size_t len = 0;
	int ret;

	ret = mt_sw_signer_generate(&ks->sw);
	if (ret == 0)
		ret = mt_sw_signer_private_der(&ks->sw, der, sizeof(der), &len);
	if (ret == 0)
		ret = mt_file_replace_private(ks->st, path, der, len);
	mbedtls_platform_zeroize(der, sizeof(der));
	if (ret) {
		mt_sw_signer_free(&ks->sw);
		return ret;
	}
	ks->created = 1;
	MT_INF("made a new evidence key in %s", path);
	return 0;
}

/* The key's folder, made durable before a key is saved in it: otherwise a
 * power cut could take the folder, and the saved key with it. */
static int make_dir(struct mt_storage *st, const char *dir)
{
	char parent[MT_KEYSTORE_PATH_MAX];
	int ret = mt_storage_mkdir(st, dir);

	if (ret == -ENOSYS) /* a storage without folders */
		return 0;
	if (ret == 0)
		ret = mt_file_dirname(dir, parent, sizeof(parent));
	return ret ? ret : mt_storage_sync_dir(st, parent);
}

int mt_keystore_open(struct mt_keystore *ks, struct mt_storage *st, const char *dir,
		     struct mt_drbg *drbg)
{
	char path[MT_KEYSTORE_PATH_MAX + sizeof(MT_KEYSTORE_KEY_FILE) + 1];
	uint8_t *der = NULL;
	size_t len = 0;
	int ret;

	mt_keystore_free(ks);
	if (strlen(dir) >= sizeof(ks->dir))
		return -ENAMETOOLONG;
	ks->st = st;
	memcpy(ks->dir, dir, strlen(dir) + 1);
	mt_sw_signer_init(&ks->sw, drbg);
	ret = path_of(ks, MT_KEYSTORE_KEY_FILE, path, sizeof(path));
	if (ret)
		return ret;

	ret = mt_file_read_all(st, path, KEY_DER_MAX, &der, &len);
	if (ret == -ENOENT) {
		ret = make_dir(st, dir);
		return ret ? ret : make_key(ks, path);
	}
	if (ret == -EFBIG)
		ret = MT_ECORRUPT;
	if (ret == 0) {
		ret = mt_sw_signer_load(&ks->sw, der, len);
		mbedtls_platform_zeroize(der, len);
	}
	free(der);
	if (ret == MT_ECORRUPT)
		MT_ERR("%s is not a P-256 key: left as it is, nothing can be signed", path);
	return ret;
}

struct mt_signer *mt_keystore_signer(struct mt_keystore *ks)
{
	return &ks->sw.signer;
}

/* 0 if cert (PEM or DER) certifies the public key with DER pub. */
static int cert_matches(const uint8_t *cert, size_t len, const uint8_t *pub, size_t pub_len)
{
	uint8_t buf[MT_SIGNER_PUB_DER_MAX];
	mbedtls_x509_crt crt;
	uint8_t *pem = NULL;
	int n, ret = MT_ECORRUPT;

	mbedtls_x509_crt_init(&crt);
	/* mbedTLS parses PEM only with its NUL counted in the length. */
	if (len > 0 && memchr(cert, '-', len > 16 ? 16 : len)) {
		pem = malloc(len + 1);
		if (!pem)
			return -ENOMEM;
		memcpy(pem, cert, len);
		pem[len] = 0;
		n = mbedtls_x509_crt_parse(&crt, pem, len + 1);
	} else {
		n = mbedtls_x509_crt_parse_der(&crt, cert, len);
	}
	if (n != 0)
		goto out;
	n = mbedtls_pk_write_pubkey_der(&crt.pk, buf, sizeof(buf));
	ret = n > 0 && (size_t)n == pub_len && memcmp(buf + sizeof(buf) - n, pub, pub_len) == 0 ?
		      0 :
		      -EKEYREJECTED;
out:
	mbedtls_x509_crt_free(&crt);
	free(pem);
	return ret;
}

int mt_keystore_set_cert(struct mt_keystore *ks, const uint8_t *cert, size_t len)
{
	char path[MT_KEYSTORE_PATH_MAX + sizeof(MT_KEYSTORE_CERT_FILE) + 1];
	uint8_t pub[MT_SIGNER_PUB_DER_MAX];
	size_t pub_len;
	int ret;

	if (len > MT_KEYSTORE_CERT_MAX)
		return MT_ECORRUPT;
	ret = mt_signer_public_der(&ks->sw.signer, pub, sizeof(pub), &pub_len);
	if (ret == 0)
		ret = cert_matches(cert, len, pub, pub_len);
	if (ret == 0)
		ret = path_of(ks, MT_KEYSTORE_CERT_FILE, path, sizeof(path));
	if (ret == 0)
		ret = mt_file_replace(ks->st, path, cert, len);
	return ret;
}

int mt_keystore_get_cert(struct mt_keystore *ks, uint8_t **cert, size_t *len)
{
	char path[MT_KEYSTORE_PATH_MAX + sizeof(MT_KEYSTORE_CERT_FILE) + 1];
	int ret = path_of(ks, MT_KEYSTORE_CERT_FILE, path, sizeof(path));

	*cert = NULL;
	*len = 0;
	return ret ? ret : mt_file_read_all(ks->st, path, MT_KEYSTORE_CERT_MAX, cert, len);
}

void mt_keystore_free(struct mt_keystore *ks)
{
	if (!ks)
		return;
	mt_sw_signer_free(&ks->sw);
	ks->st = NULL;
	ks->dir[0] = 0;
	ks->created = 0;
}
