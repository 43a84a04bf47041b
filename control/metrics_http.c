/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET /metrics over libmicrohttpd. The daemon runs its own polling thread
 * (a plain pthread, not an EAL lcore, created from the main lcore so it
 * shares its CPU set): per request it takes the snapshot lock, renders,
 * lets go. It never reads a worker's memory.
 *
 * We bind the listening socket ourselves and hand it to the daemon: the
 * error of a failed bind (address in use, not ours) then reaches the
 * operator as it is, and port 0 tells us which port the kernel chose.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "metrics.h"
#include "stats.h"

#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define MAX_CONNECTIONS 16u
#define CONNECTION_TIMEOUT_S 10u

static struct MHD_Daemon *mh_daemon;
static uint16_t mh_port;

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><title>kasblock</title></head><body>\n"
	"<h1>kasblock</h1>\n<p><a href=\"/metrics\">/metrics</a>: Prometheus text "
	"exposition of every counter (docs/metrics.md).</p>\n</body></html>\n";

static enum MHD_Result reply_static(struct MHD_Connection *c, unsigned status,
				    const char *type, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_metrics(struct MHD_Connection *c)
{
	struct ctl_text t;

	ctl_text_init(&t, 0);
	const struct ctl_snapshot *s = ctl_stats_acquire();
	int rc = ctl_metrics_render(s, &t);
	ctl_stats_release();
	if (rc != 0) {
		ctl_text_free(&t);
		return reply_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
				    "out of memory\n");
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(t.len, t.p,
								 MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		ctl_text_free(&t);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_METRICS);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **req)
{
	(void)cls;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				    "method not allowed\n");
	if (strcmp(url, "/metrics") == 0)
		return reply_metrics(c);
	if (strcmp(url, "/") == 0)
		return reply_static(c, MHD_HTTP_OK, "text/html; charset=utf-8", index_html);
	return reply_static(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n");
}

/* A listening socket on addr:port; -errno with the reason in err. */
static int listen_on(const char *addr, uint16_t port, bool *v6, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int one = 1, rc;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
		*v6 = false;
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
		*v6 = true;
	} else {
		snprintf(err, errlen, "metrics.address \"%s\" is not an IP address", addr);
		return -EINVAL;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (*v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    listen(fd, (int)MAX_CONNECTIONS) != 0) {
		rc = -errno;
		close(fd);
		goto fail;
	}
	return fd;
fail:
	snprintf(err, errlen, "cannot listen on %s%s%s:%u: %s", *v6 ? "[" : "", addr,
		 *v6 ? "]" : "", (unsigned)port, strerror(-rc));
	return rc;
}

int ctl_metrics_start(const struct ctl_config *cfg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	bool v6 = false;

	if (!cfg->metrics_enabled || mh_daemon != NULL)
		return 0;
	int fd = listen_on(cfg->metrics_address, cfg->metrics_port, &v6, err, errlen);
	if (fd < 0)
		return fd;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		mh_port = ntohs(ss.ss_family == AF_INET6 ?
				((struct sockaddr_in6 *)&ss)->sin6_port :
				((struct sockaddr_in *)&ss)->sin_port);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	if (v6)
		flags |= MHD_USE_IPv6;
	mh_daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS,
				     MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S,
				     MHD_OPTION_END);
	if (mh_daemon == NULL) {
		close(fd);
		mh_port = 0;
		snprintf(err, errlen, "cannot start the HTTP server on %s:%u",
			 cfg->metrics_address, (unsigned)cfg->metrics_port);
		return -EIO;
	}
	return 0;
}

uint16_t ctl_metrics_port(void)
{
	return mh_daemon != NULL ? mh_port : 0;
}

void ctl_metrics_stop(void)
{
	if (mh_daemon == NULL)
		return;
	MHD_stop_daemon(mh_daemon); /* closes the listening socket */
	mh_daemon = NULL;
	mh_port = 0;
}
