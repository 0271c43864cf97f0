# shellcheck shell=bash disable=SC2034  # (variables here are used by the scripts that source this file)
# Sourced by scripts/rabbitmq-chroot, scripts/rabbitmq-node and scripts/cluster: paths and small helpers.
# Never touches the machine's own RabbitMQ (rabbit@localhost on 5672, /etc/rabbitmq): every node started
# from here has its own name, ports, data directory, cookie and an empty env file.
set -euo pipefail

SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Where the 4.x chroots are cached (rabbitmq-4.0, rabbitmq-4.3 inside), and where nodes keep their state.
BROKERS_DIR="${TOPOLOGY_BROKERS_DIR:-/var/cache/celery-topology}"
NODES_DIR="${TOPOLOGY_NODES_DIR:-/var/tmp/celery-topology/nodes}"
# The host's own RabbitMQ scripts (not the /usr/sbin wrappers: they switch user and read
# /etc/rabbitmq/rabbitmq-env.conf, which names the host's node).
HOST_RABBITMQ_BIN=/usr/lib/rabbitmq/bin
# Inside a chroot, the same layout.
CHROOT_RABBITMQ_BIN=/usr/lib/rabbitmq/bin
STAMP_NAME=.celery-topology-complete

say() { echo "[$(date +%H:%M:%S)] $*"; }
# die CODE MESSAGE: one line on stderr, then exit CODE (2 usage, 3 broker could not start, 1 anything else).
die() { local code=$1; shift; echo "error: $*" >&2; exit "$code"; }

# usage_of SCRIPT: its header comment (the usage), on stderr, then exit 2.
usage_of() {
  awk 'NR > 1 && /^#/ && !/^# shellcheck/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1" >&2
  exit 2
}

need_root() {
  [ "$(id -u)" = 0 ] || die 2 "$1 needs root (chroot, mount namespaces, ports); run it with sudo"
}

known_version() { case "$1" in host | 4.0 | 4.3) return 0 ;; *) return 1 ;; esac; }

chroot_dir() { echo "$BROKERS_DIR/rabbitmq-$1"; }   # chroot_dir 4.0|4.3
chroot_ready() { [ -f "$(chroot_dir "$1")/$STAMP_NAME" ]; }

# chroot_cmd ROOT BIND_DIR: sets CHROOT_CMD to the command prefix that runs a command inside the chroot ROOT,
# with /proc, /dev and (unless BIND_DIR is empty) BIND_DIR mounted at the same path inside. The mounts live
# in a private mount namespace, so they vanish with the process: nothing stays mounted on the host if it
# dies, and nothing needs unmounting. unshare, sh and chroot each exec the next, so "${CHROOT_CMD[@]}" CMD &
# gives in $! the PID of CMD itself.
chroot_cmd() {
  local root=$1 bind=$2
  [ -z "$bind" ] || mkdir -p "$root$bind"
  # shellcheck disable=SC2016  # expanded by the inner sh
  CHROOT_CMD=(unshare --mount --propagation private -- /bin/sh -c '
    root=$1 bind=$2; shift 2
    mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" || exit 1
    if [ -n "$bind" ]; then mount --bind "$bind" "$root$bind" || exit 1; fi
    exec chroot "$root" "$@"' sh "$root" "$bind")
}
run_in_chroot() {  # run_in_chroot ROOT BIND_DIR CMD...
  chroot_cmd "$1" "$2"
  shift 2
  "${CHROOT_CMD[@]}" "$@"
}

# port_busy PORT: something listens on 127.0.0.1:PORT.
port_busy() {
  # shellcheck disable=SC2016  # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' sh "$1" 2>/dev/null
}
