# hio-mio datagrams: run the UDP and Unix datagram echo examples (release,
# under a timeout) and check their final line. Sourced by .ci/run.

net_check() {
    local name=$1 expect=$2
    shift 2
    local out
    out=$(timeout 120 "${CARGO_TARGET_DIR:-target}/release/$name" "$@")
    printf '%s\n' "$out"
    local last
    last=$(printf '%s\n' "$out" | tail -n 1)
    if [[ ! $last =~ $expect ]]; then
        echo "$name: unexpected final line: $last" >&2
        return 1
    fi
}

step "net: build the datagram echo examples (release)"
cargo build --release -p hio-host-examples --bin udp-echo --bin unix-dgram-echo

step "net: udp-echo in one process, and as --serve / --addr"
net_check udp-echo '^udp-echo: 20000 datagrams of 512 bytes echoed and checked in [0-9.]+ s: [0-9]+ datagrams/s$' \
    --count 20000 --size 512
net_check udp-echo '^udp-echo: 5000 datagrams of 1472 bytes echoed and checked in .* datagrams/s$' \
    --count 5000 --size 1472 --window 64
timeout 60 "${CARGO_TARGET_DIR:-target}/release/udp-echo" --serve 127.0.0.1:47018 &
net_server=$!
sleep 1
net_check udp-echo '^udp-echo: 5000 datagrams of 256 bytes echoed and checked in .* datagrams/s$' \
    --addr 127.0.0.1:47018 --count 5000 --size 256
kill -INT "$net_server"
wait "$net_server"

step "net: unix-dgram-echo"
net_check unix-dgram-echo '^unix-dgram-echo: 20000 datagrams of 512 bytes echoed and checked in .* datagrams/s$' \
    --count 20000 --size 512
