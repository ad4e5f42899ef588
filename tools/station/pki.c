/* mt-station: keys and certificates with mbedTLS; see pki.h. */
#include "pki.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "core/mbedtls_compat.h"
#include "util.h"

#define NOT_BEFORE "20000101000000"
#define NOT_AFTER  "20991231235959"

void mt_pki_rng_init(struct mt_pki_rng *r)
{
	mbedtls_entropy_init(&r->entropy);
	mbedtls_ctr_drbg_init(&r->drbg);
}

int mt_pki_rng_seed(struct mt_pki_rng *r)
{
	static const unsigned char pers[] = "mt-station";

	return mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy, pers,
				     sizeof(pers) - 1);
}

void mt_pki_rng_free(struct mt_pki_rng *r)
{
	mbedtls_ctr_drbg_free(&r->drbg);
	mbedtls_entropy_free(&r->entropy);
}

int mt_pki_keygen(mbedtls_pk_context *pk, struct mt_pki_rng *rng)
{
	int ret = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));

	if (ret == 0)
		ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk),
					  mbedtls_ctr_drbg_random, &rng->drbg);
	return ret;
}

int mt_pki_key_save(mbedtls_pk_context *pk, const char *path)
{
	unsigned char pem[MT_PKI_PEM_MAX];
	int ret = mbedtls_pk_write_key_pem(pk, pem, sizeof(pem));

	if (ret == 0)
		ret = mt_util_write_file(path, pem, strlen((char *)pem), 0600);
	mbedtls_platform_zeroize(pem, sizeof(pem));
	return ret;
}

int mt_pki_key_load(mbedtls_pk_context *pk, const char *path, struct mt_pki_rng *rng)
{
	char *pem;
	size_t len;
	int ret = mt_util_read_file(path, 64 * 1024, &pem, &len);

	if (ret)
		return ret;
	ret = mbedtls_pk_parse_key(pk, (const unsigned char *)pem, len + 1, NULL, 0,
				   mbedtls_ctr_drbg_random, &rng->drbg);
	mbedtls_platform_zeroize(pem, len);
	free(pem);
	return ret;
}

int mt_pki_pub_pem(mbedtls_pk_context *pk, char *out, size_t cap)
{
	return mbedtls_pk_write_pubkey_pem(pk, (unsigned char *)out, cap);
}

/* GeneralNames for the server certificate: localhost, 127.0.0.1, ::1 and
 * host (a DNS name, or an IP literal). Returns the DER length or -1. */
static int san_der(const char *host, unsigned char *out, size_t cap)
{
	unsigned char names[600], ip[16];
	size_t n = 0;
	const char *dns[2] = { "localhost", NULL };

	names[n++] = 0x87; /* iPAddress [7] */
	names[n++] = 4;
	inet_pton(AF_INET, "127.0.0.1", names + n);
	n += 4;
	names[n++] = 0x87;
	names[n++] = 16;
	inet_pton(AF_INET6, "::1", names + n);
	n += 16;
	if (host && inet_pton(AF_INET, host, ip) == 1) {
		names[n++] = 0x87;
		names[n++] = 4;
		memcpy(names + n, ip, 4);
		n += 4;
	} else if (host && inet_pton(AF_INET6, host, ip) == 1) {
		names[n++] = 0x87;
		names[n++] = 16;
		memcpy(names + n, ip, 16);
		n += 16;
	} else if (host && strcmp(host, "localhost") != 0) {
		dns[1] = host;
	}
	for (int i = 0; i < 2 && dns[i]; i++) {
		size_t len = strlen(dns[i]);

		if (len > 120 || n + 2 + len > sizeof(names))
			return -1;
		names[n++] = 0x82; /* dNSName [2] */
		names[n++] = (unsigned char)len;
		memcpy(names + n, dns[i], len);
		n += len;
	}
	if (n + 3 > cap)
		return -1;
	/* SEQUENCE with a long-form length when over 127 bytes */
	out[0] = 0x30;
	if (n < 128) {
		out[1] = (unsigned char)n;
		memcpy(out + 2, names, n);
		return (int)n + 2;
	}
	out[1] = 0x81;
	out[2] = (unsigned char)n;
	memcpy(out + 3, names, n);
	return (int)n + 3;
}

/* The extensions of each kind of certificate. */
static int set_extensions(mbedtls_x509write_cert *crt, const struct mt_pki_cert_req *req)
{
	/* ExtKeyUsage ::= SEQUENCE { KeyPurposeId }: serverAuth / clientAuth */
	unsigned char eku[] = { 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06,
				0x01, 0x05, 0x05, 0x07, 0x03, 0x01 };
	unsigned char san[700];
	int ret, n;

	switch (req->kind) {
	case MT_PKI_CA:
		ret = mbedtls_x509write_crt_set_basic_constraints(crt, 1, 0);
		if (ret == 0)
			ret = mbedtls_x509write_crt_set_key_usage(
				crt, MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN);
		return ret;
	case MT_PKI_SERVER:
		n = san_der(req->host, san, sizeof(san));
		if (n < 0)
			return -1;
		ret = mbedtls_x509write_crt_set_extension(
			crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
			MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san, (size_t)n);
		break;
	case MT_PKI_DEVICE_TLS:
		eku[sizeof(eku) - 1] = 0x02;
		ret = 0;
		break;
	case MT_PKI_DEVICE_EVIDENCE:
	default:
		ret = mbedtls_x509write_crt_set_basic_constraints(crt, 0, -1);
		if (ret == 0)
			ret = mbedtls_x509write_crt_set_key_usage(
				crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
					     MBEDTLS_X509_KU_NON_REPUDIATION);
		return ret;
	}
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_basic_constraints(crt, 0, -1);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_key_usage(crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_extension(
			crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
			MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, eku, sizeof(eku));
	return ret;
}

int mt_pki_issue(const struct mt_pki_cert_req *req, struct mt_pki_rng *rng, char *pem, size_t cap)
{
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	unsigned char sn[16];
	int ret;

	mbedtls_x509write_crt_init(&crt);
	mbedtls_mpi_init(&serial);
	ret = mbedtls_ctr_drbg_random(&rng->drbg, sn, sizeof(sn));
	if (ret)
		goto out_free;
	sn[0] &= 0x7f; /* a positive INTEGER */
	sn[0] |= 0x01; /* and never a leading zero byte */
	ret = mbedtls_mpi_read_binary(&serial, sn, sizeof(sn));
	if (ret)
		goto out_free;
	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, req->subject_key);
	mbedtls_x509write_crt_set_issuer_key(&crt, req->issuer_key);
	ret = mbedtls_x509write_crt_set_serial(&crt, &serial);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_subject_name(&crt, req->subject);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_issuer_name(&crt, MT_PKI_CA_SUBJECT);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_validity(&crt, NOT_BEFORE, NOT_AFTER);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_subject_key_identifier(&crt);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_authority_key_identifier(&crt);
	if (ret == 0)
		ret = set_extensions(&crt, req);
	if (ret == 0)
		ret = mbedtls_x509write_crt_pem(&crt, (unsigned char *)pem, cap,
						mbedtls_ctr_drbg_random, &rng->drbg);
out_free:
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&crt);
	return ret;
}

int mt_pki_csr_parse(mbedtls_x509_csr *csr, const char *pem, char *err, size_t errlen)
{
	unsigned char hash[32];
	const mbedtls_ecp_keypair *ec;

	if (!pem || mbedtls_x509_csr_parse(csr, (const unsigned char *)pem, strlen(pem) + 1) != 0) {
		snprintf(err, errlen, "not a PEM certificate request");
		return -1;
	}
	if (mbedtls_pk_get_type(&csr->pk) != MBEDTLS_PK_ECKEY) {
		snprintf(err, errlen, "the request's key is not an EC key");
		return -1;
	}
	ec = mbedtls_pk_ec(csr->pk);
	if (ec->MBEDTLS_PRIVATE(grp).id != MBEDTLS_ECP_DP_SECP256R1) {
		snprintf(err, errlen, "the request's key is not on P-256");
		return -1;
	}
	if (csr->MBEDTLS_PRIVATE(sig_md) != MBEDTLS_MD_SHA256 ||
	    csr->MBEDTLS_PRIVATE(sig_pk) != MBEDTLS_PK_ECDSA) {
		snprintf(err, errlen, "the request is not signed with ECDSA-SHA256");
		return -1;
	}
	if (mbedtls_sha256(csr->cri.p, csr->cri.len, hash, 0) != 0 ||
	    mbedtls_pk_verify(&csr->pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
			      csr->MBEDTLS_PRIVATE(sig).p, csr->MBEDTLS_PRIVATE(sig).len) != 0) {
		snprintf(err, errlen, "the request is not signed by its own key");
		return -1;
	}
	return 0;
}

int mt_pki_cert_fingerprint(const unsigned char *pem, size_t len, uint8_t out[32])
{
	mbedtls_x509_crt crt;
	int ret;

	mbedtls_x509_crt_init(&crt);
	ret = mbedtls_x509_crt_parse(&crt, pem, len);
	if (ret == 0)
		ret = mbedtls_sha256(crt.raw.p, crt.raw.len, out, 0);
	mbedtls_x509_crt_free(&crt);
	return ret == 0 ? 0 : -1;
}

int mt_pki_sign(mbedtls_pk_context *key, const void *data, size_t len, struct mt_pki_rng *rng,
		uint8_t *sig, size_t *sig_len)
{
	unsigned char hash[32];
	int ret = mbedtls_sha256(data, len, hash, 0);

	if (ret == 0)
		ret = mbedtls_pk_sign(key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig,
				      MT_PKI_SIG_MAX, sig_len, mbedtls_ctr_drbg_random, &rng->drbg);
	return ret;
}
