# Boots a Debian 12 container with a real systemd as PID 1 (systemd-nspawn), for the tests that
# need one (sourced, not run). See /usr/share/doc or shared notes: the host need not run systemd;
# the container does. Needs root, systemd-nspawn and mmdebstrap.
#
#   container_unusable             prints why this machine cannot boot one (and returns 0), or
#                                  returns 1 when it may (container_boot returns 2 if it cannot)
#   container_rootfs NAME PKG,...  a cached rootfs tarball: minbase plus PKG,... (echoes its path)
#   container_boot TARBALL [--private-network]
#                                  unpacks it and boots it; sets CONTAINER_DIR and CONTAINER_PID
#   in_container CMD...            runs CMD inside (clean environment, root, every namespace)
#   container_stop                 powers it off and deletes it; safe to call twice (EXIT trap)

# Rootfs tarballs are cached here, one per package list and apt sources: building one costs
# 15-40 s and about 200-500 MB, unpacking one about 5 s.
KEEPWATCH_CACHE=${KEEPWATCH_CACHE:-/var/cache/keepwatch-test}
CONTAINER_DIR=
CONTAINER_PID=
CONTAINER_NSPAWN=
# Present in every container booted here, so the tests run inside one know it.
CONTAINER_MARKER=/etc/keepwatch-test-container

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

container_unusable() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "booting a container needs root"
  elif [ -e "$CONTAINER_MARKER" ]; then
    echo "running inside the container scripts/container/fresh-test booted: no container in a container"
  elif ! type -P systemd-nspawn >/dev/null || ! type -P mmdebstrap >/dev/null; then
    echo "systemd-nspawn and mmdebstrap are not installed (scripts/test installs them)"
  else
    return 1
  fi
}

container_rootfs() {
  local name=$1 packages=$2 sources=/etc/apt/sources.list.d/debian.sources key tarball
  [ -f "$sources" ] || sources=/etc/apt/sources.list
  key=$( (echo "$packages"; cat "$sources") | sha256sum | cut -c1-12)
  tarball=$KEEPWATCH_CACHE/$name-$key.tar
  if [ ! -s "$tarball" ]; then
    log "building the $name rootfs (Debian 12 minbase + $packages) with mmdebstrap, once; cached in $tarball"
    install -d -m 0755 "$KEEPWATCH_CACHE"
    # The host's own apt sources, read from standard input.
    mmdebstrap --quiet --format=tar --variant=minbase --include="$packages" bookworm \
      "$tarball.part" - <"$sources" >&2 || return 1
    mv "$tarball.part" "$tarball"
  fi
  echo "$tarball"
}

container_boot() {
  local tarball=$1 network=${2:-} i
  CONTAINER_DIR=$(mktemp -d /var/tmp/keepwatch-container.XXXXXX)
  # (Called in a condition, where set -e does not apply: each step checks for itself.)
  tar --numeric-owner -xpf "$tarball" -C "$CONTAINER_DIR" || return 1
  echo "booted by keepwatch's scripts/container/lib.sh" >"$CONTAINER_DIR$CONTAINER_MARKER"
  # HTTPS from inside (Maven) passes the same TLS interception as the host: the host's extra
  # CAs go where update-ca-certificates finds them when ca-certificates is installed inside.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    install -d "$CONTAINER_DIR/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$CONTAINER_DIR/usr/local/share/ca-certificates/"
  fi
  # --keep-unit and --register=no: the host may have no D-Bus and no machined; pure cgroup v2
  # inside. --private-network keeps the container's ports off the host (loopback only).
  SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 setsid systemd-nspawn --quiet -b -D "$CONTAINER_DIR" \
    -M "kw$(basename "$CONTAINER_DIR" | tr -dc 'a-zA-Z0-9' | tail -c 8)" \
    --register=no --keep-unit $network >"$CONTAINER_DIR.log" 2>&1 </dev/null &
  CONTAINER_NSPAWN=$!
  # The container's PID 1 is nspawn's child whose comm is systemd (the first child races).
  for i in $(seq 1 300); do # at most 30 s
    CONTAINER_PID=$(ps_children "$CONTAINER_NSPAWN" systemd)
    [ -n "$CONTAINER_PID" ] && break
    kill -0 "$CONTAINER_NSPAWN" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$CONTAINER_PID" ]; then
    # This machine cannot boot one (no cgroup delegation, no privileges...): say what nspawn said.
    echo "systemd-nspawn could not boot a container here: $(tail -5 "$CONTAINER_DIR.log" | tr '\n' ' ')" >&2
    return 2
  fi
  for i in $(seq 1 300); do # at most 30 s
    case $(in_container systemctl is-system-running 2>/dev/null) in
      running | degraded) return 0 ;;
    esac
    sleep 0.1
  done
  echo "the container's systemd did not come up: $(in_container systemctl is-system-running 2>&1)" >&2
  return 1
}

# The pid of PARENT's child named COMM, read from /proc (the host may have no procps).
ps_children() {
  local parent=$1 comm=$2 child
  for child in $(cat /proc/"$parent"/task/*/children 2>/dev/null); do
    if [ "$(cat /proc/"$child"/comm 2>/dev/null)" = "$comm" ]; then
      echo "$child"
      return
    fi
  done
}

in_container() {
  nsenter -t "$CONTAINER_PID" -a -- /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

container_stop() {
  local i
  if [ -n "$CONTAINER_NSPAWN" ] && kill -0 "$CONTAINER_NSPAWN" 2>/dev/null; then
    in_container systemctl poweroff >/dev/null 2>&1 || true
    gone_within 10 "$CONTAINER_NSPAWN" || {
      # A clean poweroff did not finish: killing the container's PID 1 takes everything in its
      # pid namespace with it; then nspawn.
      kill -KILL "$CONTAINER_PID" 2>/dev/null || true
      kill -TERM "$CONTAINER_NSPAWN" 2>/dev/null || true
      gone_within 10 "$CONTAINER_NSPAWN" || kill -KILL "$CONTAINER_NSPAWN" 2>/dev/null || true
    }
    gone_within 10 "$CONTAINER_NSPAWN" && wait "$CONTAINER_NSPAWN" 2>/dev/null || true
  fi
  CONTAINER_NSPAWN=
  if [ -n "$CONTAINER_DIR" ]; then
    rm -rf "$CONTAINER_DIR" "$CONTAINER_DIR.log"
    CONTAINER_DIR=
  fi
}

# Whether process PID is gone within SECONDS (polled every 0.1 s).
gone_within() {
  local i
  for ((i = 0; i < $1 * 10; i++)); do
    kill -0 "$2" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}
