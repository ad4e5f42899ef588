/* Fake serial line over two in-memory buffers. */
#include "fake/fake_serial.h"

#include <stdlib.h>
#include <string.h>

static int fake_open(struct mt_serial *dev, const struct mt_serial_config *cfg)
{
	struct mt_fake_serial *s = dev->priv;
	int ret = 0;

	if (cfg->baud == 0)
		return -EINVAL;
	pthread_mutex_lock(&s->w.lock);
	if (s->open) {
		ret = -EBUSY;
		goto out_unlock;
	}
	s->cfg = cfg;
	s->open = true;
	s->opens++;
out_unlock:
	pthread_mutex_unlock(&s->w.lock);
	return ret;
}

static ssize_t fake_read(struct mt_serial *dev, void *buf, size_t len, int timeout_ms)
{
	struct mt_fake_serial *s = dev->priv;
	int64_t deadline = mt_fake_waiter_deadline(&s->w, timeout_ms);
	bool expired = timeout_ms == 0;
	uint8_t *dst = buf;
	ssize_t ret;

	pthread_mutex_lock(&s->w.lock);
	for (;;) {
		if (!s->open) {
			ret = -EBADF;
			break;
		}
		if (s->in_len || len == 0) {
			size_t n = s->in_len < len ? s->in_len : len;

			for (size_t i = 0; i < n; i++)
				dst[i] = s->in[(s->in_head + i) % MT_FAKE_SERIAL_IN_BYTES];
			s->in_head = (s->in_head + n) % MT_FAKE_SERIAL_IN_BYTES;
			s->in_len -= n;
			ret = (ssize_t)n;
			break;
		}
		if (expired) {
			ret = 0; /* the serial hal's timeout */
			break;
		}
		expired = mt_fake_waiter_wait(&s->w, deadline);
	}
	pthread_mutex_unlock(&s->w.lock);
	return ret;
}

static ssize_t fake_write(struct mt_serial *dev, const void *buf, size_t len)
{
	struct mt_fake_serial *s = dev->priv;
	ssize_t ret;

	pthread_mutex_lock(&s->w.lock);
	ret = !s->open ? -EBADF : s->write_error;
	if (ret)
		goto out_unlock;
	ret = -ENOBUFS; /* nobody took the output: a test that forgot to */
	if (len > MT_FAKE_SERIAL_OUT_BYTES - s->out_len)
		goto out_unlock;
	if (s->out_len + len > s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap : 4096;
		uint8_t *grown;

		while (cap < s->out_len + len)
			cap *= 2;
		grown = realloc(s->out, cap);
		ret = -ENOMEM;
		if (!grown)
			goto out_unlock;
		s->out = grown;
		s->out_cap = cap;
	}
	if (len)
		memcpy(s->out + s->out_len, buf, len);
	s->out_len += len;
	ret = (ssize_t)len;
out_unlock:
	pthread_mutex_unlock(&s->w.lock);
	return ret;
}

static void fake_close(struct mt_serial *dev)
{
	struct mt_fake_serial *s = dev->priv;

	pthread_mutex_lock(&s->w.lock);
	s->open = false;
	mt_fake_waiter_wake(&s->w);
	pthread_mutex_unlock(&s->w.lock);
}

static const char *fake_path(struct mt_serial *dev)
{
	return "fake-serial";
}

static const struct mt_serial_ops fake_serial_ops = {
	.open = fake_open,
	.read = fake_read,
	.write = fake_write,
	.close = fake_close,
	.path = fake_path,
};

void mt_fake_serial_init(struct mt_fake_serial *s, struct mt_clock *clock, bool advance_clock)
{
	memset(s, 0, sizeof(*s));
	s->dev.ops = &fake_serial_ops;
	s->dev.name = "fake-serial";
	s->dev.priv = s;
	mt_fake_waiter_init(&s->w, clock, advance_clock);
}

void mt_fake_serial_free(struct mt_fake_serial *s)
{
	if (!s || !s->w.live)
		return;
	free(s->out);
	s->out = NULL;
	s->out_len = s->out_cap = 0;
	mt_fake_waiter_free(&s->w);
}

int mt_fake_serial_push_input(struct mt_fake_serial *s, const void *buf, size_t len)
{
	const uint8_t *src = buf;
	int ret = -ENOSPC;

	pthread_mutex_lock(&s->w.lock);
	if (len > MT_FAKE_SERIAL_IN_BYTES - s->in_len)
		goto out_unlock;
	for (size_t i = 0; i < len; i++)
		s->in[(s->in_head + s->in_len + i) % MT_FAKE_SERIAL_IN_BYTES] = src[i];
	s->in_len += len;
	mt_fake_waiter_wake(&s->w);
	ret = 0;
out_unlock:
	pthread_mutex_unlock(&s->w.lock);
	return ret;
}

size_t mt_fake_serial_take_output(struct mt_fake_serial *s, void *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&s->w.lock);
	n = s->out_len < len ? s->out_len : len;
	if (n) {
		memcpy(buf, s->out, n);
		memmove(s->out, s->out + n, s->out_len - n);
		s->out_len -= n;
	}
	pthread_mutex_unlock(&s->w.lock);
	return n;
}

void mt_fake_serial_fail_writes(struct mt_fake_serial *s, int err)
{
	pthread_mutex_lock(&s->w.lock);
	s->write_error = err;
	pthread_mutex_unlock(&s->w.lock);
}
