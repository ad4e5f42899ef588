/* Certificates for the net tests, made with the openssl command line in a
 * test folder: ca.pem/key (the station CA), srv.pem/key (localhost, signed
 * by the CA), dev.pem/key (a device, signed by the CA), other.pem/key (an
 * unrelated CA), ca.fp (the CA's SHA-256 over DER, hex). */
#ifndef MT_TEST_PKI_H
#define MT_TEST_PKI_H

#include <stddef.h>
#include <stdint.h>

void pki_make(const char *dir);

/* dir/name as a NUL-terminated buffer (len counts the NUL, as mbedTLS's PEM
 * parser wants). Fails the test if it cannot be read. */
uint8_t *pki_slurp(const char *dir, const char *name, size_t *len);

/* Runs a shell command made from fmt; fails the test if it fails. */
void pki_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
