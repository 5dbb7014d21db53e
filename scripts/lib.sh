# Shared helpers for keepwatch's scripts (sourced, not run).

# Installs the Debian packages named, when what each provides is missing.
# Usage: need_packages WHAT:PACKAGE ...
#   WHAT is a program looked up on PATH (and in /usr/sbin, /sbin) as a file, never as a shell
#   builtin or function (bash's own `kill` does not make /bin/kill, procps, unnecessary), an
#   absolute path that must exist, or PYTHON+MODULE: a module the python3 at the absolute path
#   PYTHON must import (python3-minimal has /usr/bin/python3 but not json).
need_packages() {
  local missing=() pair what
  for pair in "$@"; do
    what=${pair%%:*}
    if [[ $what == /*+* ]]; then
      "${what%%+*}" -c "import ${what#*+}" 2>/dev/null && continue
    elif [[ $what == /* ]]; then
      [ -e "$what" ] && continue
    else
      PATH=$PATH:/usr/sbin:/sbin type -P "$what" >/dev/null && continue
    fi
    missing+=("${pair##*:}")
  done
  if ((${#missing[@]})); then
    install_packages "${missing[@]}"
  fi
}

# apt-get installs PACKAGE..., saying so, without starting any service: Debian starts what it
# installs (nginx on port 80, prometheus on 9090...), and a test run must not leave those
# running. A policy-rc.d that refuses every start (see invoke-rc.d(8); deb-systemd-invoke asks
# it too) is in place for the install only, unless the machine already has one.
install_packages() {
  local sudo= policy=/usr/sbin/policy-rc.d ours=0 rc=0
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing with apt-get (this can take a few minutes): $*" >&2
  if [ ! -e "$policy" ]; then
    trap "$sudo rm -f $policy" EXIT # a Ctrl-C during the install must not leave it behind
    printf '#!/bin/sh\n# keepwatch scripts/lib.sh: no service starts while it installs packages\nexit 101\n' |
      $sudo tee "$policy" >/dev/null
    $sudo chmod 0755 "$policy"
    ours=1
  fi
  $sudo apt-get update -qq || rc=$?
  if ((rc == 0)); then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" \
      >/dev/null || rc=$?
  fi
  if ((ours)); then
    $sudo rm -f "$policy"
    trap - EXIT
  fi
  if ((rc != 0)); then
    echo "apt-get failed (exit $rc) installing: $*" >&2
    return "$rc"
  fi
}

# A TCP port on 127.0.0.1 that is free right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}
