/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The --loop capture (replay_loop.h). The frame is parsed with the
 * dataplane's own L2-L4 parser so VLAN tags, IPv6 extension headers and
 * fragments are found exactly as the workers will find them.
 */
#include "replay_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "l3l4.h"

/* One's-complement update of the checksum at ck for a 16-bit word going
 * from old to new (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')). */
static void csum_adjust(uint8_t *ck, uint16_t old, uint16_t new, int udp)
{
	uint32_t hc = (uint32_t)(ck[0] << 8 | ck[1]);

	if (udp && hc == 0)
		return; /* IPv4 UDP without a checksum */
	uint32_t sum = (~hc & 0xffffu) + (~old & 0xffffu) + new;
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	uint16_t res = (uint16_t)~sum;
	if (udp && res == 0)
		res = 0xffff;
	ck[0] = (uint8_t)(res >> 8);
	ck[1] = (uint8_t)res;
}

void ctl_loop_rewrite(uint8_t *frame, size_t len, unsigned k)
{
	struct l3l4_desc d;
	enum l3l4_status st;
	size_t a[2];
	uint8_t *ip_ck = NULL, *l4_ck = NULL;
	int udp = 0;

	if (k % 65536u == 0 || len > L3L4_MAX_FRAME)
		return;
	st = l3l4_parse(frame, len, &d);
	if (d.ip_version == 0)
		return;
	if (d.ip_version == 4) {
		if ((size_t)d.l3_off + 20 > len)
			return;
		a[0] = d.l3_off + 12u;
		a[1] = d.l3_off + 16u;
		ip_ck = frame + d.l3_off + 10;
	} else {
		if ((size_t)d.l3_off + 40 > len)
			return;
		a[0] = d.l3_off + 8u;
		a[1] = d.l3_off + 24u;
	}
	/* The L4 checksum covers the addresses through the pseudo-header; it
	 * is in the frame only when the L4 header is (not in later fragments). */
	if ((st == L3L4_OK || st == L3L4_FRAGMENT) && d.l4_off != 0) {
		if (d.l4_proto == L3L4_IPPROTO_TCP && (size_t)d.l4_off + 18 <= len)
			l4_ck = frame + d.l4_off + 16;
		else if (d.l4_proto == L3L4_IPPROTO_UDP && (size_t)d.l4_off + 8 <= len) {
			l4_ck = frame + d.l4_off + 6;
			udp = d.ip_version == 4;
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		uint8_t *w = frame + a[i];
		uint16_t old = (uint16_t)(w[0] << 8 | w[1]);
		uint16_t new = (uint16_t)(old + k);
		w[0] = (uint8_t)(new >> 8);
		w[1] = (uint8_t)new;
		if (ip_ck != NULL)
			csum_adjust(ip_ck, old, new, 0);
		if (l4_ck != NULL)
			csum_adjust(l4_ck, old, new, udp);
	}
}

/*
 * pcap file format (libpcap's savefile): a 24-byte global header, then per
 * frame a 16-byte record header and the bytes, all in host byte order
 * (the magic tells the reader which).
 */
struct loop_hdr {
	uint32_t magic;
	uint16_t major;
	uint16_t minor;
	int32_t zone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct loop_rec {
	uint32_t sec;
	uint32_t usec;
	uint32_t caplen;
	uint32_t len;
};

#define LOOP_BUF (256u * 1024u)

struct ctl_loop {
	pthread_t th;
	char in[1024];
	char fifo[1024];
	unsigned n;
	volatile int stop;
	int fd;
	uint64_t frames;
	uint8_t *buf;
	size_t used;
};

/* Writes the buffer out; false when the reader went away or on stop. */
static bool loop_flush(struct ctl_loop *l)
{
	size_t off = 0;

	while (off < l->used) {
		if (__atomic_load_n(&l->stop, __ATOMIC_RELAXED))
			return false;
		ssize_t k = write(l->fd, l->buf + off, l->used - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false; /* EPIPE: net_pcap closed the FIFO */
		off += (size_t)k;
	}
	l->used = 0;
	return true;
}

static bool loop_put(struct ctl_loop *l, const void *p, size_t n)
{
	if (l->used + n > LOOP_BUF && !loop_flush(l))
		return false;
	memcpy(l->buf + l->used, p, n);
	l->used += n;
	return true;
}

static void *loop_main(void *arg)
{
	struct ctl_loop *l = arg;
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint8_t frame[L3L4_MAX_FRAME];
	bool ok = true;

	/* Blocks until net_pcap opens the FIFO for reading. */
	l->fd = open(l->fifo, O_WRONLY | O_CLOEXEC);
	if (l->fd < 0)
		return NULL;
	for (unsigned k = 0; ok && k < l->n; k++) {
		pcap_t *p = pcap_open_offline(l->in, eb);
		if (p == NULL)
			break;
		int link = pcap_datalink(p);
		if (k == 0) {
			struct loop_hdr gh = {0xa1b2c3d4u, 2, 4, 0, 0, L3L4_MAX_FRAME, (uint32_t)link};
			ok = loop_put(l, &gh, sizeof(gh));
		}
		while (ok && pcap_next_ex(p, &h, &data) == 1) {
			size_t len = h->caplen <= L3L4_MAX_FRAME ? h->caplen : L3L4_MAX_FRAME;
			struct loop_rec r = {(uint32_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec,
					     (uint32_t)len, h->len};
			memcpy(frame, data, len);
			if (link == DLT_EN10MB)
				ctl_loop_rewrite(frame, len, k);
			ok = loop_put(l, &r, sizeof(r)) && loop_put(l, frame, len);
			if (ok)
				l->frames++;
		}
		pcap_close(p);
	}
	if (ok)
		loop_flush(l);
	close(l->fd); /* the reader sees the end of the capture */
	l->fd = -1;
	return NULL;
}

struct ctl_loop *ctl_loop_start(const char *in, const char *fifo_path, unsigned n, char *err,
				size_t errlen)
{
	struct ctl_loop *l = calloc(1, sizeof(*l));

	if (l == NULL || (l->buf = malloc(LOOP_BUF)) == NULL) {
		free(l);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(l->in, sizeof(l->in), "%s", in);
	snprintf(l->fifo, sizeof(l->fifo), "%s", fifo_path);
	l->n = n;
	l->fd = -1;
	if (mkfifo(fifo_path, 0600) != 0) {
		snprintf(err, errlen, "%s: %s", fifo_path, strerror(errno));
		goto err_free;
	}
	/* A reader that goes away must not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	if (pthread_create(&l->th, NULL, loop_main, l) != 0) {
		snprintf(err, errlen, "cannot start the --loop writer");
		unlink(fifo_path);
		goto err_free;
	}
	return l;
err_free:
	free(l->buf);
	free(l);
	return NULL;
}

void ctl_loop_pin(struct ctl_loop *l)
{
	cpu_set_t set;

	if (l != NULL && pthread_getaffinity_np(pthread_self(), sizeof(set), &set) == 0)
		pthread_setaffinity_np(l->th, sizeof(set), &set);
}

uint64_t ctl_loop_stop(struct ctl_loop *l)
{
	uint64_t n;

	if (l == NULL)
		return 0;
	__atomic_store_n(&l->stop, 1, __ATOMIC_RELAXED);
	/* A writer still waiting for a reader in open() is released by one. */
	int fd = open(l->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	pthread_join(l->th, NULL);
	if (fd >= 0)
		close(fd);
	unlink(l->fifo);
	n = l->frames;
	free(l->buf);
	free(l);
	return n;
}
