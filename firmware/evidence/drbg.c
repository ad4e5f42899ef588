/* CTR_DRBG over mbedTLS, fed by the random hal.
 *
 * Not mbedtls_entropy: its default sources read the kernel directly, which
 * would bypass the hal (firmware/ makes no system calls, and tests need a
 * deterministic source). The hal's random is already of cryptographic
 * quality, so it is the entropy callback itself. */
#include "evidence/drbg.h"

#include <errno.h>
#include <string.h>

#include "core/mbedtls_compat.h"

static int entropy(void *arg, unsigned char *buf, size_t len)
{
	struct mt_drbg *d = arg;
	int ret = mt_random_fill(d->rng, buf, len);

	if (ret) {
		d->rng_err = ret;
		return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
	}
	return 0;
}

/* mbedTLS codes overlap negative errnos, so none may leak out. */
static int drbg_err(struct mt_drbg *d, int ret)
{
	switch (ret) {
	case 0:
		return 0;
	case MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED:
		return d->rng_err ? d->rng_err : -EIO;
	case MBEDTLS_ERR_CTR_DRBG_INPUT_TOO_BIG:
	case MBEDTLS_ERR_CTR_DRBG_REQUEST_TOO_BIG:
		return -EINVAL;
	default:
		return -EIO;
	}
}

void mt_drbg_init(struct mt_drbg *d)
{
	memset(d, 0, sizeof(*d));
	mbedtls_ctr_drbg_init(&d->ctr);
}

int mt_drbg_seed(struct mt_drbg *d, struct mt_random *rng, const char *personalization)
{
	size_t plen = personalization ? strlen(personalization) : 0;
	int ret;

	mt_drbg_free(d);
	mt_drbg_init(d);
	d->rng = rng;
	/* Fixed lengths, so both mbedTLS versions and any of their configs
	 * read the hal the same way (mbedTLS's default depends on its config). */
	mbedtls_ctr_drbg_set_entropy_len(&d->ctr, MT_DRBG_ENTROPY_BYTES);
	ret = mbedtls_ctr_drbg_set_nonce_len(&d->ctr, MT_DRBG_NONCE_BYTES);
	if (ret == 0)
		ret = mbedtls_ctr_drbg_seed(&d->ctr, entropy, d,
					    (const unsigned char *)personalization, plen);
	ret = drbg_err(d, ret);
	d->seeded = ret == 0;
	return ret;
}

int mt_drbg_random(void *drbg, unsigned char *buf, size_t len)
{
	struct mt_drbg *d = drbg;

	if (!d->seeded)
		return -EINVAL;
	/* mbedTLS serves at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes a call. */
	while (len > 0) {
		size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len : MBEDTLS_CTR_DRBG_MAX_REQUEST;
		int ret = mbedtls_ctr_drbg_random(&d->ctr, buf, n);

		if (ret)
			return drbg_err(d, ret);
		buf += n;
		len -= n;
	}
	return 0;
}

void mt_drbg_free(struct mt_drbg *d)
{
	if (!d)
		return;
	mbedtls_ctr_drbg_free(&d->ctr); /* zeroizes key and counter */
	d->rng = NULL;
	d->rng_err = 0;
	d->seeded = 0;
}
