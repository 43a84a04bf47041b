/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_SIG_HOSTNAME_TYPES_H
#define KB_SIG_HOSTNAME_TYPES_H

/* Limits and statuses of host-name normalisation (functions in hostname.h). */

/* Longest name in octets, trailing dot removed (RFC 1035 §2.3.4: 255 on the
 * wire = 253 in text). */
#define HOST_NAME_MAX_LEN 253
/* Output buffer that always suffices: the name and its NUL. */
#define HOST_NAME_BUF_SIZE (HOST_NAME_MAX_LEN + 1)
/* Longest label (RFC 1035 §2.3.4). */
#define HOST_LABEL_MAX_LEN 63
/* Most labels a valid name can have ("a.a.a...": 127 one-byte labels). */
#define HOST_LABELS_MAX ((HOST_NAME_MAX_LEN + 1) / 2)

enum host_status {
	HOST_OK = 0,          /* out holds a valid normalised name */
	HOST_IP_LITERAL,      /* dotted-quad IPv4 or IPv6 text; out holds it normalised */
	HOST_BAD_BYTE,        /* shape valid, but a byte outside [a-z0-9_-.]; out holds
				 the name lower-cased with those bytes as they were */
	HOST_EMPTY,           /* nothing, or only "." */
	HOST_EMPTY_LABEL,     /* leading dot, "a..b", two trailing dots */
	HOST_LABEL_TOO_LONG,  /* a label over 63 octets */
	HOST_NAME_TOO_LONG,   /* over 253 octets once one trailing dot is removed */
	HOST_OUT_TOO_SMALL,   /* out_cap too small for the result and its NUL */
	HOST_STATUS_COUNT
};

#endif
