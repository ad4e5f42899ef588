/* bench_seal_speed: the bulk cipher of the records we send, one core,
 * 16 KiB records (TLS's largest): mbedTLS's AES-GCM and ChaCha20-Poly1305
 * (what its record layer calls) against the record sealer (net/tls_seal.c,
 * Nettle) doing whole TLS 1.2 records. Prints "NAME MiB/s" lines; run by
 * bench/delivery/seal_speed.sh, which adds `openssl speed` as the peer.
 *
 *   bench_seal_speed [SECONDS_EACH]      (default 1) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

#include "net/tls_seal.h"

#define REC 16384

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint8_t in[REC], out[REC + 64];
static const uint8_t key[32] = { 1, 2, 3 }, iv[12] = { 4, 5, 6 }, aad[13] = { 7 };

static void report(const char *name, double bytes, double secs)
{
	printf("%s %.0f\n", name, bytes / secs / 1048576.0);
}

static void mbedtls_gcm(double secs, int bits, const char *name)
{
	mbedtls_gcm_context g;
	uint8_t tag[16];
	double t0 = now_s(), t;
	long n = 0;

	mbedtls_gcm_init(&g);
	if (mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, (unsigned)bits))
		abort();
	do {
		for (int i = 0; i < 16; i++, n++)
			if (mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, REC, iv, 12, aad, 13,
						      in, out, 16, tag))
				abort();
		t = now_s() - t0;
	} while (t < secs);
	mbedtls_gcm_free(&g);
	report(name, (double)n * REC, t);
}

static void mbedtls_chacha(double secs)
{
	mbedtls_chachapoly_context c;
	uint8_t tag[16];
	double t0 = now_s(), t;
	long n = 0;

	mbedtls_chachapoly_init(&c);
	if (mbedtls_chachapoly_setkey(&c, key))
		abort();
	do {
		for (int i = 0; i < 16; i++, n++)
			if (mbedtls_chachapoly_encrypt_and_tag(&c, REC, iv, aad, 13, in, out, tag))
				abort();
		t = now_s() - t0;
	} while (t < secs);
	mbedtls_chachapoly_free(&c);
	report("mbedtls-chacha20-poly1305", (double)n * REC, t);
}

static void sealer(double secs, enum mt_seal_aead aead, const char *name)
{
	struct mt_seal_keys k = { .aead = aead };
	struct mt_tls_seal *s;
	const uint8_t *rec;
	size_t len;
	double t0 = now_s(), t;
	long n = 0;

	memcpy(k.key, key, sizeof(k.key));
	memcpy(k.iv, iv, sizeof(k.iv));
	if (mt_tls_seal_new(&k, REC, &s))
		abort();
	do {
		for (int i = 0; i < 16; i++, n++)
			if (mt_tls_seal(s, in, REC, &rec, &len) != REC)
				abort();
		t = now_s() - t0;
	} while (t < secs);
	mt_tls_seal_free(s);
	report(name, (double)n * REC, t);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 131u);
	mbedtls_gcm(secs, 128, "mbedtls-aes-128-gcm");
	sealer(secs, MT_SEAL_AES128_GCM, "sealer-aes-128-gcm");
	mbedtls_gcm(secs, 256, "mbedtls-aes-256-gcm");
	sealer(secs, MT_SEAL_AES256_GCM, "sealer-aes-256-gcm");
	mbedtls_chacha(secs);
	sealer(secs, MT_SEAL_CHACHA20_POLY1305, "sealer-chacha20-poly1305");
	return 0;
}
