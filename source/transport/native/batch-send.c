// Sending half of the udp_batch addon: a batch of packets to one peer in one sendmmsg(2).
//
// The packets lie end to end in one buffer, their lengths in an Int32Array. Runs of equal-size
// packets (and one shorter packet ending a run) go as one UDP GSO message each (cmsg
// UDP_SEGMENT): the kernel walks the stack once per 64 KB instead of once per datagram, and the
// receiver still gets the same datagrams. The fd is libuv's non-blocking one; a batch the kernel
// does not take in full reports how many packets left, and the caller sends the rest another way.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "udp-batch.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

#define MAX_MESSAGES 256      // messages per sendmmsg (the kernel takes up to UIO_MAXIOV = 1024)
#define MAX_SEGMENTS 64       // UDP_MAX_SEGMENTS of older kernels (newer ones allow 128)
#define MAX_GSO_BYTES 65507   // one GSO message is one IP packet before segmentation: 65535 - 28
#define MAX_DATAGRAM 65535    // a longer "packet" is a caller's bug, refused
#define HOST_BYTES 64         // longest IPv6 literal with a scope name, and then some

typedef union {
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
} address_t;

// Parses an IP literal (an IPv6 one may carry %scope) into `out`; 0 on success.
static int parse_address(const char *host, int port, int ipv6_socket, address_t *out,
                         socklen_t *out_length) {
	memset(out, 0, sizeof(*out));
	if (strchr(host, ':') == NULL) {
		struct in_addr v4;
		if (inet_pton(AF_INET, host, &v4) != 1) return -1;
		if (!ipv6_socket) {
			out->v4.sin_family = AF_INET;
			out->v4.sin_port = htons((uint16_t)port);
			out->v4.sin_addr = v4;
			*out_length = sizeof(out->v4);
			return 0;
		}

		out->v6.sin6_family = AF_INET6;
		out->v6.sin6_port = htons((uint16_t)port);
		out->v6.sin6_addr.s6_addr[10] = 0xff;
		out->v6.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&out->v6.sin6_addr.s6_addr[12], &v4, 4);
		*out_length = sizeof(out->v6);
		return 0;
	}

	if (!ipv6_socket) return -1;
	char literal[HOST_BYTES];
	strncpy(literal, host, sizeof(literal) - 1);
	literal[sizeof(literal) - 1] = '\0';
	char *scope = strchr(literal, '%');
	if (scope != NULL) *scope++ = '\0';
	if (inet_pton(AF_INET6, literal, &out->v6.sin6_addr) != 1) return -1;
	out->v6.sin6_family = AF_INET6;
	out->v6.sin6_port = htons((uint16_t)port);
	if (scope != NULL) {
		char *end;
		unsigned long index = strtoul(scope, &end, 10);
		out->v6.sin6_scope_id = *end == '\0' ? (uint32_t)index : if_nametoindex(scope);
		if (out->v6.sin6_scope_id == 0) return -1;
	}

	*out_length = sizeof(out->v6);
	return 0;
}

typedef struct {
	struct mmsghdr messages[MAX_MESSAGES];
	struct iovec vectors[MAX_MESSAGES];
	// One UDP_SEGMENT cmsg per message, aligned as the kernel expects.
	union {
		char bytes[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} controls[MAX_MESSAGES];
	int packets[MAX_MESSAGES];  // packets carried by each message
	int gso[MAX_MESSAGES];      // whether the message is a GSO one
} batch_t;

// Per thread (workers load the addon too); calls on one thread run one at a time, and nothing
// is kept across calls.
static _Thread_local batch_t batch;

// Fills batch messages from packet `first` on; returns how many messages were built.
static int build(uint8_t *data, const int32_t *lengths, int first, int count, int use_gso,
                 address_t *address, socklen_t address_length) {
	size_t offset = 0;
	for (int i = 0; i < first; i++) offset += (size_t)lengths[i];
	int built = 0;
	int p = first;
	while (p < count && built < MAX_MESSAGES) {
		int size = lengths[p];
		int segments = 1;
		size_t bytes = (size_t)size;
		if (use_gso) {
			// A run of equal sizes, and at most one shorter packet to end it (GSO's rule).
			while (p + segments < count && segments < MAX_SEGMENTS) {
				int next = lengths[p + segments];
				if (next > size || bytes + (size_t)next > MAX_GSO_BYTES) break;
				bytes += (size_t)next;
				segments++;
				if (next < size) break;
			}
		}

		struct mmsghdr *message = &batch.messages[built];
		memset(message, 0, sizeof(*message));
		batch.vectors[built].iov_base = data + offset;
		batch.vectors[built].iov_len = bytes;
		message->msg_hdr.msg_name = address;
		message->msg_hdr.msg_namelen = address_length;
		message->msg_hdr.msg_iov = &batch.vectors[built];
		message->msg_hdr.msg_iovlen = 1;
		batch.gso[built] = segments > 1;
		if (segments > 1) {
			message->msg_hdr.msg_control = batch.controls[built].bytes;
			message->msg_hdr.msg_controllen = sizeof(batch.controls[built].bytes);
			struct cmsghdr *control = CMSG_FIRSTHDR(&message->msg_hdr);
			control->cmsg_level = SOL_UDP;
			control->cmsg_type = UDP_SEGMENT;
			control->cmsg_len = CMSG_LEN(sizeof(uint16_t));
			uint16_t segment = (uint16_t)size;
			memcpy(CMSG_DATA(control), &segment, sizeof(segment));
		}

		batch.packets[built] = segments;
		offset += bytes;
		p += segments;
		built++;
	}

	return built;
}

static int refuses_gso(int error) {
	return error == EINVAL || error == EIO || error == ENOPROTOOPT || error == EOPNOTSUPP;
}

// Sends packets [0, count) and returns how many left; state[STATE_ERRNO] says why it stopped.
static int send_batch(int fd, uint8_t *data, const int32_t *lengths, int count,
                      address_t *address, socklen_t address_length, int32_t *state) {
	int sent = 0;
	state[STATE_ERRNO] = 0;
	while (sent < count) {
		int use_gso = (state[STATE_FLAGS] & FLAG_GSO) != 0;
		int built = build(data, lengths, sent, count, use_gso, address, address_length);
		int result = sendmmsg(fd, batch.messages, (unsigned int)built, 0);
		state[STATE_CALLS]++;
		if (result < 0) {
			int error = errno;
			if (error == EINTR) continue;
			if (batch.gso[0] && refuses_gso(error)) {
				// This kernel or path will not segment for us: plain datagrams from now on.
				state[STATE_FLAGS] &= ~FLAG_GSO;
				continue;
			}

			state[STATE_ERRNO] = error;
			return sent;
		}

		for (int m = 0; m < result; m++) {
			sent += batch.packets[m];
			state[STATE_GSO] += batch.gso[m];
		}
	}

	return sent;
}

// send(fd, packets: Uint8Array, lengths: Int32Array, count, host, port, state: Int32Array): number
// Packets lie end to end from packets[0]; returns how many were sent (in order, from the first).
napi_value ub_send(napi_env env, napi_callback_info info) {
	size_t argc = 7;
	napi_value argv[7];
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 7) {
		return ub_fail(env, "send(fd, packets, lengths, count, host, port, state)");
	}

	int32_t fd, count, port;
	if (napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
	    napi_get_value_int32(env, argv[3], &count) != napi_ok ||
	    napi_get_value_int32(env, argv[5], &port) != napi_ok) {
		return ub_fail(env, "fd, count and port must be numbers");
	}

	void *data, *lengths_data, *state_data;
	size_t data_length, lengths_length, state_length;
	if (ub_typed_array(env, argv[1], napi_uint8_array, &data, &data_length) != 0 ||
	    ub_typed_array(env, argv[2], napi_int32_array, &lengths_data, &lengths_length) != 0 ||
	    ub_typed_array(env, argv[6], napi_int32_array, &state_data, &state_length) != 0 ||
	    state_length < STATE_LENGTH) {
		return ub_fail(env, "packets: Uint8Array, lengths and state: Int32Array");
	}

	const int32_t *lengths = lengths_data;
	int32_t *state = state_data;
	if (fd < 0 || port <= 0 || port > 65535 || count < 0 || (size_t)count > lengths_length) {
		return ub_fail(env, "bad fd, port or count");
	}

	size_t total = 0;
	for (int i = 0; i < count; i++) {
		if (lengths[i] <= 0 || lengths[i] > MAX_DATAGRAM) return ub_fail(env, "bad packet length");
		total += (size_t)lengths[i];
	}

	if (total > data_length) return ub_fail(env, "lengths exceed the packet buffer");
	char host[HOST_BYTES];
	size_t host_length;
	if (napi_get_value_string_utf8(env, argv[4], host, sizeof(host), &host_length) != napi_ok) {
		return ub_fail(env, "host must be a string");
	}

	address_t address;
	socklen_t address_length;
	int ipv6_socket = (state[STATE_FLAGS] & FLAG_IPV6_SOCKET) != 0;
	if (host_length >= sizeof(host) - 1 ||
	    parse_address(host, port, ipv6_socket, &address, &address_length) != 0) {
		state[STATE_ERRNO] = EAFNOSUPPORT;
		return ub_number(env, 0);
	}

	return ub_number(env, send_batch(fd, data, lengths, count, &address, address_length, state));
}

// gsoSupported(fd): whether the kernel knows UDP_SEGMENT (4.18+). Older kernels ignore the cmsg
// and would send a GSO message as one large datagram, so GSO is only tried after this says yes.
napi_value ub_gso_supported(napi_env env, napi_callback_info info) {
	size_t argc = 1;
	napi_value argv[1];
	int32_t fd;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
	    napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
		return ub_fail(env, "gsoSupported(fd)");
	}

	int size = 0;
	socklen_t length = sizeof(size);
	napi_value result;
	napi_get_boolean(env, getsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, &length) == 0, &result);
	return result;
}
