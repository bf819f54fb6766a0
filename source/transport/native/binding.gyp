{
	"targets": [
		{
			"target_name": "udp_batch",
			"conditions": [
				["OS=='linux'", {"sources": ["udp-batch.c", "batch-send.c", "batch-recv.c"]}],
				["OS!='linux'", {"type": "none"}]
			],
			"cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
		}
	]
}
