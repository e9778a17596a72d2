# hio-mio wire log and replay: the replay tests record real loopback runs
# (client, server, datagrams) whose timing differs from run to run, then
# replay them under the simulated driver and compare the applications'
# traces exactly. Run them several times so a replay that only works for
# some recordings fails here. Also the server's TLS handshake timeout.

step "replay: record-and-replay tests, 5 rounds"
for round in 1 2 3 4 5; do
    echo "round $round"
    cargo test -q -p hio-mio --test wire
done

step "tls: handshake timeout drops a silent peer, and stays off when None"
cargo test -q -p hio-mio --features tls --test tls handshake
