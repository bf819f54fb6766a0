// The udp_batch addon: batched UDP I/O below node:dgram on Linux, on the fd of dgram's socket.
//
// Node's dgram makes one system call per datagram each way; on loopback a 1200-byte packet's
// sendmsg(2) (which also delivers it to the receiving socket) cost more than its encryption.
// batch-send.c sends many datagrams to one peer in one sendmmsg(2), runs of equal size as UDP
// GSO messages; batch-recv.c reads with recvmmsg(2) and UDP GRO, and hands JavaScript a whole
// batch per call.
#include <errno.h>
#include "udp-batch.h"

napi_value ub_number(napi_env env, int32_t value) {
	napi_value result;
	napi_create_int32(env, value, &result);
	return result;
}

napi_value ub_fail(napi_env env, const char *message) {
	napi_throw_type_error(env, NULL, message);
	return NULL;
}

int ub_typed_array(napi_env env, napi_value value, napi_typedarray_type want, void **data,
                   size_t *length) {
	bool is_typed;
	if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return -1;
	napi_typedarray_type type;
	if (napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok) return -1;
	return type == want ? 0 : -1;
}

static void constant(napi_env env, napi_value object, const char *name, int32_t value) {
	napi_set_named_property(env, object, name, ub_number(env, value));
}

static void function(napi_env env, napi_value exports, const char *name, napi_callback callback) {
	napi_value fn;
	napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, NULL, &fn);
	napi_set_named_property(env, exports, name, fn);
}

NAPI_MODULE_INIT() {
	function(env, exports, "send", ub_send);
	function(env, exports, "gsoSupported", ub_gso_supported);
	function(env, exports, "receiveStart", ub_receive_start);
	function(env, exports, "receiveStop", ub_receive_stop);
	// Numbers JavaScript needs, so it keeps no table of its own.
	napi_value constants;
	napi_create_object(env, &constants);
	constant(env, constants, "EAGAIN", EAGAIN);
	constant(env, constants, "ENOBUFS", ENOBUFS);
	constant(env, constants, "FLAG_GSO", FLAG_GSO);
	constant(env, constants, "FLAG_IPV6_SOCKET", FLAG_IPV6_SOCKET);
	constant(env, constants, "STATE_LENGTH", STATE_LENGTH);
	constant(env, constants, "META_FIELDS", META_FIELDS);
	constant(env, constants, "RECEIVE_CAPACITY", ub_receive_capacity());
	napi_set_named_property(env, exports, "constants", constants);
	return exports;
}
