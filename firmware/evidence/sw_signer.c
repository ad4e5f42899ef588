/* Software ECDSA P-256 over mbedTLS 2.28 or 3.6. */
#include "evidence/sw_signer.h"

#include <errno.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>

#include "core/errors.h"
#include "core/mbedtls_compat.h"

/* mbedTLS codes overlap negative errnos, so none may leak out. */
static int pk_err(int ret)
{
	if (ret == 0)
		return 0;
	if (ret == MBEDTLS_ERR_PK_ALLOC_FAILED || ret == MBEDTLS_ERR_ECP_ALLOC_FAILED)
		return -ENOMEM;
	if (ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL || ret == MBEDTLS_ERR_ECP_BUFFER_TOO_SMALL)
		return -ENOSPC;
	return -EIO;
}

static int sw_sign_digest(struct mt_signer *signer, const uint8_t digest[MT_SHA256_LEN],
			  uint8_t *sig, size_t cap, size_t *sig_len)
{
	struct mt_sw_signer *s = signer->priv;
	/* 2.28 writes up to MBEDTLS_PK_SIGNATURE_MAX_SIZE without being told
	 * a size, so sign into a buffer that big, then copy. */
	unsigned char out[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t n = 0;
	int ret;

	if (!s->has_key)
		return -ENOKEY;
	ret = pk_err(mbedtls_pk_sign(&s->pk, MBEDTLS_MD_SHA256, digest, MT_SHA256_LEN, out,
				     sizeof(out), &n, mt_drbg_random, s->drbg));
	if (ret == 0 && n > cap)
		ret = -ENOSPC;
	if (ret == 0) {
		memcpy(sig, out, n);
		*sig_len = n;
	}
	return ret;
}

/* mbedTLS writes DER at the end of the buffer; move it to the start. */
static int der_to_front(uint8_t *buf, size_t cap, int written, size_t *len)
{
	if (written < 0)
		return pk_err(written);
	memmove(buf, buf + cap - (size_t)written, (size_t)written);
	*len = (size_t)written;
	return 0;
}

static int sw_public_der(struct mt_signer *signer, uint8_t *buf, size_t cap, size_t *len)
{
	struct mt_sw_signer *s = signer->priv;

	if (!s->has_key)
		return -ENOKEY;
	return der_to_front(buf, cap, mbedtls_pk_write_pubkey_der(&s->pk, buf, cap), len);
}

static const struct mt_signer_ops sw_ops = {
	.sign_digest = sw_sign_digest,
	.public_der = sw_public_der,
};

void mt_sw_signer_init(struct mt_sw_signer *s, struct mt_drbg *drbg)
{
	memset(s, 0, sizeof(*s));
	s->signer = (struct mt_signer){ .ops = &sw_ops, .name = "software", .priv = s };
	s->drbg = drbg;
	mbedtls_pk_init(&s->pk);
}

static void reset(struct mt_sw_signer *s)
{
	mbedtls_pk_free(&s->pk); /* zeroizes the key */
	mbedtls_pk_init(&s->pk);
	s->has_key = 0;
}

int mt_sw_signer_generate(struct mt_sw_signer *s)
{
	int ret;

	reset(s);
	ret = mbedtls_pk_setup(&s->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (ret == 0)
		ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(s->pk),
					  mt_drbg_random, s->drbg);
	if (ret) {
		/* A DRBG failure comes back as its negative errno, which may
		 * equal an mbedTLS bignum code: either way the key was not made. */
		reset(s);
		return ret == MBEDTLS_ERR_MPI_ALLOC_FAILED ? -ENOMEM : pk_err(ret);
	}
	s->has_key = 1;
	return 0;
}

int mt_sw_signer_load(struct mt_sw_signer *s, const uint8_t *der, size_t len)
{
	int ret;

	reset(s);
	ret = mbedtls_pk_parse_key(&s->pk, der, len, NULL, 0, mt_drbg_random, s->drbg);
	if (ret == 0 && mbedtls_pk_get_type(&s->pk) == MBEDTLS_PK_ECKEY &&
	    mbedtls_pk_ec(s->pk)->MBEDTLS_PRIVATE(grp).id == MBEDTLS_ECP_DP_SECP256R1) {
		s->has_key = 1;
		return 0;
	}
	reset(s);
	return ret == MBEDTLS_ERR_PK_ALLOC_FAILED ? -ENOMEM : MT_ECORRUPT;
}

int mt_sw_signer_private_der(struct mt_sw_signer *s, uint8_t *buf, size_t cap, size_t *len)
{
	if (!s->has_key)
		return -ENOKEY;
	return der_to_front(buf, cap, mbedtls_pk_write_key_der(&s->pk, buf, cap), len);
}

void mt_sw_signer_free(struct mt_sw_signer *s)
{
	if (!s)
		return;
	reset(s);
	s->drbg = NULL;
}
