// Receiving half of the udp_batch addon: recvmmsg(2) with UDP GRO, one JavaScript call per batch.
//
// node:dgram reads one datagram per recvmsg(2) and calls JavaScript once per datagram. Here a
// uv_poll watches a dup of dgram's fd (epoll tells dups apart, so libuv's own watcher, which
// dgram keeps for queued sends, is untouched; dgram's reading is stopped by the caller), reads
// up to RECV_MESSAGES messages per system call, and with UDP_GRO a message carries many
// equal-size datagrams of one sender (a cmsg gives their size), which are split again here.
// JavaScript gets one fresh Buffer per batch with the datagrams end to end, and per
// datagram [length, port, host slot] in its meta Int32Array; host strings live in a small
// array, made once per distinct source address.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>
#include "udp-batch.h"

#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

#define RECV_MESSAGES 16       // messages per recvmmsg
#define RECV_BYTES 65536       // room per message: a GRO message is at most one 64 KB IP packet
#define MAX_GRO_SEGMENTS 64    // the kernel coalesces at most 64 (UDP_GRO_CNT_MAX)
#define READS_PER_WAKE 4       // then back to the event loop, as libuv bounds its reads too
#define CAPACITY (RECV_MESSAGES * MAX_GRO_SEGMENTS)
#define CHUNK_BYTES 65536      // bytes per Buffer handed to JavaScript (one message may exceed it)

typedef struct {
	uv_poll_t poll;
	napi_env env;
	napi_ref callback;
	napi_ref meta;   // Int32Array of CAPACITY * META_FIELDS
	napi_ref hosts;  // Array of HOST_SLOTS strings
	napi_async_context context;
	int fd;          // our dup of dgram's fd
	int stopped;
	int delivering;  // inside the JavaScript callback: stop() leaves the N-API parts to on_readable
	uint8_t *buffer;  // RECV_MESSAGES * RECV_BYTES
	struct mmsghdr messages[RECV_MESSAGES];
	struct iovec vectors[RECV_MESSAGES];
	struct sockaddr_storage names[RECV_MESSAGES];
	union {
		char bytes[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} controls[RECV_MESSAGES];
	struct sockaddr_storage slots[HOST_SLOTS];
	int slot_count;
	int next_slot;
	uint32_t slots_in_batch;  // slots the batch being built refers to: never evicted under it
} receiver_t;

int ub_receive_capacity(void) {
	return CAPACITY;
}

static int same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
	if (a->ss_family != b->ss_family) return 0;
	if (a->ss_family == AF_INET) {
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	}

	const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
	return memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

// The slot of the message's source host in the hosts array, made (as dgram spells it) on a miss.
static int host_slot(receiver_t *r, napi_value hosts, const struct sockaddr_storage *name) {
	for (int i = 0; i < r->slot_count; i++) {
		if (same_host(&r->slots[i], name)) {
			r->slots_in_batch |= 1u << i;
			return i;
		}
	}

	char text[INET6_ADDRSTRLEN];
	const void *address = name->ss_family == AF_INET
	                          ? (const void *)&((const struct sockaddr_in *)name)->sin_addr
	                          : (const void *)&((const struct sockaddr_in6 *)name)->sin6_addr;
	if (inet_ntop(name->ss_family, address, text, sizeof(text)) == NULL) text[0] = '\0';
	int slot = r->slot_count;
	if (slot < HOST_SLOTS) {
		r->slot_count++;
	} else {
		// Round robin over the slots this batch does not use (there are more slots than messages).
		do slot = r->next_slot++ % HOST_SLOTS;
		while (r->slots_in_batch & (1u << slot));
	}

	r->slots[slot] = *name;
	r->slots_in_batch |= 1u << slot;
	napi_value string;
	napi_create_string_latin1(r->env, text, NAPI_AUTO_LENGTH, &string);
	napi_set_element(r->env, hosts, (uint32_t)slot, string);
	return slot;
}

static int source_port(const struct sockaddr_storage *name) {
	return name->ss_family == AF_INET ? ntohs(((const struct sockaddr_in *)name)->sin_port)
	                                  : ntohs(((const struct sockaddr_in6 *)name)->sin6_port);
}

// The GRO segment size of a message, or its whole length when the kernel coalesced nothing.
static int segment_size(struct msghdr *header, int length) {
	for (struct cmsghdr *c = CMSG_FIRSTHDR(header); c != NULL; c = CMSG_NXTHDR(header, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
			int size;
			memcpy(&size, CMSG_DATA(c), sizeof(size));
			if (size > 0 && size < length) return size;
		}
	}

	return length;
}

// Copies messages [first, end) into a new Buffer and calls JavaScript with it.
static void deliver(receiver_t *r, int first, int end) {
	napi_env env = r->env;
	napi_handle_scope scope;
	if (napi_open_handle_scope(env, &scope) != napi_ok) return;
	size_t total = 0;
	for (int m = first; m < end; m++) total += r->messages[m].msg_len;
	void *data;
	napi_value buffer, meta_value, hosts, callback, global;
	int32_t *meta;
	size_t meta_length;
	// A Node Buffer, not napi_create_arraybuffer: its memory is not zero-filled first.
	if (napi_create_buffer(env, total, &data, &buffer) != napi_ok ||
	    napi_get_reference_value(env, r->meta, &meta_value) != napi_ok ||
	    ub_typed_array(env, meta_value, napi_int32_array, (void **)&meta, &meta_length) != 0 ||
	    meta_length < CAPACITY * META_FIELDS ||
	    napi_get_reference_value(env, r->hosts, &hosts) != napi_ok ||
	    napi_get_reference_value(env, r->callback, &callback) != napi_ok) {
		napi_close_handle_scope(env, scope);
		return;
	}

	int datagrams = 0;
	size_t offset = 0;
	r->slots_in_batch = 0;
	for (int m = first; m < end; m++) {
		struct msghdr *header = &r->messages[m].msg_hdr;
		int length = (int)r->messages[m].msg_len;
		int size = segment_size(header, length);
		// A truncated datagram, or more segments than GRO makes: not ours to repair.
		if ((header->msg_flags & MSG_TRUNC) || (size > 0 && length / size >= MAX_GRO_SEGMENTS + 1)) {
			continue;
		}

		memcpy((uint8_t *)data + offset, r->vectors[m].iov_base, (size_t)length);
		offset += (size_t)length;
		int port = source_port(&r->names[m]);
		int slot = host_slot(r, hosts, &r->names[m]);
		int at = 0;
		do {
			int piece = length - at < size ? length - at : size;
			int32_t *entry = meta + datagrams * META_FIELDS;
			entry[0] = piece;
			entry[1] = port;
			entry[2] = slot;
			datagrams++;
			at += piece;
		} while (at < length);
	}

	napi_value argv[2] = {buffer, ub_number(env, datagrams)};
	napi_get_global(env, &global);
	napi_status status = napi_make_callback(env, r->context, global, callback, 2, argv, NULL);
	if (status == napi_pending_exception) {
		napi_value error;
		napi_get_and_clear_last_exception(env, &error);
		napi_fatal_exception(env, error);
	}

	napi_close_handle_scope(env, scope);
}

static void release(receiver_t *r);

static void on_readable(uv_poll_t *poll, int status, int events) {
	receiver_t *r = poll->data;
	if (status < 0 || !(events & UV_READABLE)) return;
	for (int read = 0; read < READS_PER_WAKE && !r->stopped; read++) {
		for (int m = 0; m < RECV_MESSAGES; m++) {
			struct msghdr *header = &r->messages[m].msg_hdr;
			header->msg_namelen = sizeof(r->names[m]);
			header->msg_controllen = sizeof(r->controls[m].bytes);
			header->msg_flags = 0;
		}

		int count = recvmmsg(r->fd, r->messages, RECV_MESSAGES, MSG_DONTWAIT, NULL);
		if (count < 0 && errno == EINTR) continue;
		if (count <= 0) break;  // EAGAIN: drained (other errors: the next wake tries again)
		r->delivering = 1;
		// One Buffer per CHUNK_BYTES or so (one GRO message, or many small datagrams): a batch
		// Buffer lives as long as any packet of it is kept, and small allocations stay cheap.
		for (int first = 0, end; first < count && !r->stopped; first = end) {
			size_t bytes = r->messages[first].msg_len;
			for (end = first + 1; end < count && bytes + r->messages[end].msg_len <= CHUNK_BYTES; end++) {
				bytes += r->messages[end].msg_len;
			}

			deliver(r, first, end);
		}

		r->delivering = 0;
		if (count < RECV_MESSAGES) break;
	}

	if (r->stopped) release(r);  // the callback stopped the receiver
}

// The references and the async context (never while the callback runs: it uses the context).
static void release(receiver_t *r) {
	if (r->callback == NULL) return;
	napi_delete_reference(r->env, r->callback);
	napi_delete_reference(r->env, r->meta);
	napi_delete_reference(r->env, r->hosts);
	napi_async_destroy(r->env, r->context);
	r->callback = NULL;
}

static void on_closed(uv_handle_t *handle) {
	receiver_t *r = handle->data;
	free(r->buffer);
	free(r);
}

static void cleanup(void *arg);

static void stop(receiver_t *r) {
	if (r->stopped) return;
	r->stopped = 1;
	napi_remove_env_cleanup_hook(r->env, cleanup, r);
	uv_poll_stop(&r->poll);
	if (!r->delivering) release(r);
	uv_close((uv_handle_t *)&r->poll, on_closed);
	// Now, not in on_closed: the caller closes the socket next and may bind its port again
	// before libuv runs close callbacks (uv_close has already taken the fd out of epoll).
	close(r->fd);
}

// The environment ends (worker exit) with the receiver still on.
static void cleanup(void *arg) {
	stop(arg);
}

// receiveStart(fd, callback(buffer, count), meta: Int32Array, hosts: Array): External | undefined
napi_value ub_receive_start(napi_env env, napi_callback_info info) {
	size_t argc = 4;
	napi_value argv[4], undefined;
	napi_get_undefined(env, &undefined);
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) {
		return ub_fail(env, "receiveStart(fd, callback, meta, hosts)");
	}

	int32_t fd;
	void *meta;
	size_t meta_length;
	napi_valuetype type;
	bool is_array;
	if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
	    napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function ||
	    ub_typed_array(env, argv[2], napi_int32_array, &meta, &meta_length) != 0 ||
	    meta_length < CAPACITY * META_FIELDS || napi_is_array(env, argv[3], &is_array) != napi_ok ||
	    !is_array) {
		return ub_fail(env, "fd: number, callback: function, meta: Int32Array, hosts: Array");
	}

	uv_loop_t *loop;
	if (napi_get_uv_event_loop(env, &loop) != napi_ok) return undefined;
	receiver_t *r = calloc(1, sizeof(*r));
	if (r == NULL) return undefined;
	r->buffer = malloc((size_t)RECV_MESSAGES * RECV_BYTES);
	r->fd = r->buffer == NULL ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (r->fd < 0 || uv_poll_init(loop, &r->poll, r->fd) != 0) {
		if (r->fd >= 0) close(r->fd);
		free(r->buffer);
		free(r);
		return undefined;
	}

	// GRO is a bonus: without it each message is one datagram.
	int on = 1;
	setsockopt(r->fd, SOL_UDP, UDP_GRO, &on, sizeof(on));
	for (int m = 0; m < RECV_MESSAGES; m++) {
		r->vectors[m].iov_base = r->buffer + (size_t)m * RECV_BYTES;
		r->vectors[m].iov_len = RECV_BYTES;
		struct msghdr *header = &r->messages[m].msg_hdr;
		header->msg_name = &r->names[m];
		header->msg_iov = &r->vectors[m];
		header->msg_iovlen = 1;
		header->msg_control = r->controls[m].bytes;
	}

	napi_value name;
	napi_create_string_utf8(env, "tornet:udp-receive", NAPI_AUTO_LENGTH, &name);
	r->env = env;
	r->poll.data = r;
	napi_create_reference(env, argv[1], 1, &r->callback);
	napi_create_reference(env, argv[2], 1, &r->meta);
	napi_create_reference(env, argv[3], 1, &r->hosts);
	napi_async_init(env, NULL, name, &r->context);
	napi_add_env_cleanup_hook(env, cleanup, r);
	uv_poll_start(&r->poll, UV_READABLE, on_readable);
	napi_value external;
	napi_create_external(env, r, NULL, NULL, &external);
	return external;
}

// receiveStop(receiver): stops reading and closes the dup (the caller stops only once).
napi_value ub_receive_stop(napi_env env, napi_callback_info info) {
	size_t argc = 1;
	napi_value argv[1];
	receiver_t *r = NULL;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
	    napi_get_value_external(env, argv[0], (void **)&r) != napi_ok || r == NULL) {
		return ub_fail(env, "receiveStop(receiver)");
	}

	stop(r);
	return NULL;
}
