/* Helpers over any signer backend: sign data, PEM export, key id. */
#include "evidence/signer.h"

#include <string.h>

#include <mbedtls/base64.h>

int mt_signer_sign(struct mt_signer *s, const void *data, size_t len, uint8_t *sig, size_t cap,
		   size_t *sig_len)
{
	uint8_t digest[MT_SHA256_LEN];
	int ret = mt_sha256(data, len, digest);

	if (ret == 0)
		ret = mt_signer_sign_digest(s, digest, sig, cap, sig_len);
	return ret;
}

int mt_signer_public_pem(struct mt_signer *s, char *buf, size_t cap, size_t *len)
{
	static const char head[] = "-----BEGIN PUBLIC KEY-----\n";
	static const char tail[] = "-----END PUBLIC KEY-----\n";
	uint8_t der[MT_SIGNER_PUB_DER_MAX];
	unsigned char b64[(MT_SIGNER_PUB_DER_MAX + 2) / 3 * 4 + 1];
	size_t der_len, b64_len, used = 0;
	int ret;

	ret = mt_signer_public_der(s, der, sizeof(der), &der_len);
	if (ret)
		return ret;
	if (mbedtls_base64_encode(b64, sizeof(b64), &b64_len, der, der_len))
		return -EIO;
	/* PEM: base64 in lines of 64 characters, as openssl writes it. */
	if (cap < sizeof(head) + b64_len + b64_len / 64 + 1 + sizeof(tail))
		return -ENOSPC;
	memcpy(buf, head, sizeof(head) - 1);
	used = sizeof(head) - 1;
	for (size_t i = 0; i < b64_len; i += 64) {
		size_t n = b64_len - i < 64 ? b64_len - i : 64;

		memcpy(buf + used, b64 + i, n);
		used += n;
		buf[used++] = '\n';
	}
	memcpy(buf + used, tail, sizeof(tail));
	*len = used + sizeof(tail) - 1;
	return 0;
}

int mt_signer_key_id(struct mt_signer *s, uint8_t id[MT_SHA256_LEN])
{
	uint8_t der[MT_SIGNER_PUB_DER_MAX];
	size_t len;
	int ret = mt_signer_public_der(s, der, sizeof(der), &len);

	return ret ? ret : mt_sha256(der, len, id);
}
