// Shared by the parts of the udp_batch addon (see udp-batch.c).
#ifndef TORNET_UDP_BATCH_H
#define TORNET_UDP_BATCH_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>

// state[] shared with JavaScript by the send path, one Int32Array per socket.
#define STATE_FLAGS 0       // in: FLAG_*; the addon clears FLAG_GSO when the kernel refuses it
#define STATE_ERRNO 1       // out: errno that stopped the batch early, 0 when all went
#define STATE_CALLS 2       // out, cumulative: sendmmsg calls made
#define STATE_GSO 3         // out, cumulative: GSO messages the kernel took
#define STATE_LENGTH 4
#define FLAG_GSO 1          // try UDP GSO for runs of equal-size packets
#define FLAG_IPV6_SOCKET 2  // the socket is AF_INET6: IPv4 hosts go as v4-mapped addresses

// Receive metadata: per datagram [length, port, host slot] in an Int32Array.
#define META_FIELDS 3
#define HOST_SLOTS 32       // source addresses remembered as JS strings (> messages per read)

napi_value ub_number(napi_env env, int32_t value);
napi_value ub_fail(napi_env env, const char *message);
// A typed array argument of type `want`: its data and element count; 0 on success.
int ub_typed_array(napi_env env, napi_value value, napi_typedarray_type want, void **data,
                   size_t *length);

napi_value ub_send(napi_env env, napi_callback_info info);
napi_value ub_gso_supported(napi_env env, napi_callback_info info);
napi_value ub_receive_start(napi_env env, napi_callback_info info);
napi_value ub_receive_stop(napi_env env, napi_callback_info info);
// Datagrams one receive batch can hold (JS sizes its meta array by it).
int ub_receive_capacity(void);

#endif
