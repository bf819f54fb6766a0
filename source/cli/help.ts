/** The whole of `tornet --help`. Keep it true: every command and flag here exists. */
export const HELP = `
  Usage
    $ tornet [start]               run a node (console on a terminal, log lines otherwise)
    $ tornet id                    print this node's id, public key, rank and address
    $ tornet status                what the running node is doing (via its control socket)
    $ tornet peers                 the running node's peers
    $ tornet publish <file|dir>    store and announce content; prints its tornet: link
    $ tornet fetch <link> [-o path] download content (-o - for stdout)
    $ tornet ledger                the running node's account with every peer
    $ tornet settle <peer>         pay what we owe a peer (its id or a unique prefix)
    $ tornet ping <address>        handshake with a node and measure the round trip
    $ tornet rank --target <bits>  raise this identity's proof-of-work rank (resumable)

  publish and fetch talk to the node running with --data. Without one, publish stores the
  content in the data directory (served once \`tornet start\` runs) and fetch runs a node
  for the download alone, joining through --bootstrap.

  Addresses look like <64 hex digits of public key>@host:port, as \`tornet id\` prints them.

  Options
    --data <dir>        data directory (default: $TORNET_DATA or ~/.tornet)
    --port <n>          UDP port to listen on (default: 7600; 0 picks a free port)
    --host <ip>         interface to bind (default: 0.0.0.0)
    --announce <host>   host to put in our address when it differs from --host
    --bootstrap <addr>  join the network through this node (repeatable)
    --min-rank <bits>   refuse peers whose rank is below this (default: 0)
    --disk <size>       disk sold for chunks, e.g. 10GB (default: saved setting, 1 GiB)
    --upload <rate>     upload sold, e.g. 2MB/s; 0 = unlimited (default: saved, 1 MB/s)
    --gateway <port>    serve content over HTTP on 127.0.0.1:<port>: /tornet/<link>[/path]
    --output, -o <path> fetch: where to write (default: current directory; - for stdout)
    --demo <n>          also start n local peers (1-16) that join this node, publish sample
                        files and fetch each other's, so every pane shows something at once;
                        their data lives in <data>/demo and goes when the node stops
    --replicas <n>      publish: also offer each chunk to the n nodes nearest it (default: 0);
                        they store it only if our rank is above theirs and the price is paid
    --max-price <n>     publish: most credits to pay one node for one chunk (default: pay
                        nothing, report the prices asked)
    --rail <name>       settle: cheque, bitcoin or allowance (default: allowance, then cheque)
    --headless          log lines instead of the console, even on a terminal
    --no-color          console without colour (NO_COLOR is honoured too)
    --count <n>         ping: how many pings to send (default: 3)
    --target <bits>     rank: the rank to reach
    --threads <n>       rank: worker threads (default: one per core)
    --json              machine-readable output
    --help, --version

  Examples
    $ tornet --port 7600
    $ tornet --demo 4 --data /tmp/tornet-demo
    $ tornet --bootstrap 3b6a27bc...e1f0@203.0.113.7:7600
    $ tornet id --json
    $ tornet ping 3b6a27bc...e1f0@203.0.113.7:7600
    $ tornet rank --target 20
`;
