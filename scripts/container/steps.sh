# The steps of a test that drives a package in a container (scripts/container/systemd-test for the
# .deb, rpm-systemd-test for the RPM): a transcript, commands that must pass, conditions awaited
# with a deadline, the unit's properties and journal (sourced after lib.sh, not run).
#
#   steps_begin                      starts the transcript "$transcript" and its clock
#   say TEXT                         a line of the transcript (and of standard error)
#   fail TEXT                        says FAILED, appends the unit's journal, exits 1
#   must CMD...                      runs CMD in the container; fails the test unless it exits 0
#   await SECONDS WHAT CMD...        polls CMD every 0.2 s until it passes, or fails the test
#   journal_has TEXT                 whether keepwatch.service's journal has TEXT
#   prop UNIT PROPERTY               systemctl show -P PROPERTY UNIT
#   boot_private TARBALL             boots the container on a private network; exit 77 where
#                                    this machine cannot boot one
#   stopped_once_after_unpack US WHO after an upgrade begun at US (µs, the container's clock): the
#                                    agent was stopped exactly once, and after the new jar was
#                                    in place (WHO says which script did it)

steps_begin() {
  : >"$transcript"
  started=$SECONDS
}
say() { printf '%s [%3ds] %s\n' "$(date -u +%H:%M:%S)" $((SECONDS - started)) "$*" | tee -a "$transcript" >&2; }
fail() {
  say "FAILED: $*"
  journal
  exit 1
}
journal() {
  if [ -n "$CONTAINER_PID" ]; then
    {
      echo "---- journalctl -u keepwatch -u nginx (container) ----"
      in_container journalctl --no-pager -o short-iso -u keepwatch -u nginx 2>&1 || true
    } >>"$transcript"
  fi
}
# Runs CMD in the container, its output into the transcript; fails the test unless it exits 0.
must() {
  local out
  echo "# $*" >>"$transcript"
  if ! out=$(in_container "$@" 2>&1); then
    echo "$out" >>"$transcript"
    fail "'$*' exited non-zero: $(echo "$out" | tail -3 | tr '\n' ' ')"
  fi
  [ -n "$out" ] && echo "$out" >>"$transcript"
  printf '%s' "$out"
}
# Polls CHECK (a command in the container) every 0.2 s for at most SECONDS.
await() {
  local seconds=$1 what=$2 i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    if in_container "$@" >/dev/null 2>&1; then
      say "  ok: $what"
      return 0
    fi
    sleep 0.2
  done
  fail "after ${seconds}s still not: $what ($*)"
}
# Whether the unit's journal has a line containing TEXT (grep reads it all: no SIGPIPE).
journal_has() { in_container journalctl --no-pager -u keepwatch | grep -cF -- "$1" >/dev/null; }
prop() { in_container systemctl show -P "$2" "$1"; }

boot_private() {
  say "booting the container (private network)"
  container_boot "$1" --private-network || {
    local rc=$?
    if ((rc == 2)); then
      echo "skipped: cannot boot a container on this machine (see above)" >&2
      exit 77
    fi
    fail "the container's systemd did not come up"
  }
  say "booted: systemd $(in_container systemctl --version | head -1 | cut -d' ' -f2) is PID 1 ($(in_container systemctl is-system-running || true))"
}

stopped_once_after_unpack() {
  local before_us=$1 who=$2 stops unpacked_us
  # The jar's ctime is when the package manager put the new one there.
  stops=$(in_container journalctl -u keepwatch -o json --output-fields=MESSAGE |
    sed -nE '/"MESSAGE":"Stopping keepwatch/s/.*"__REALTIME_TIMESTAMP":"([0-9]+)".*/\1/p' |
    awk -v t="$before_us" '$1 > t')
  unpacked_us=$(in_container stat -c %.6Z /usr/share/keepwatch/keepwatch.jar | tr -d .)
  [ "$(echo "$stops" | grep -c .)" = 1 ] || fail "the upgrade stopped the agent $(echo "$stops" | grep -c .) times, not once"
  ((stops > unpacked_us)) || fail "the agent was stopped before the new jar was unpacked ($stops < $unpacked_us us)"
  say "  ok: the agent was stopped once, $(((stops - unpacked_us) / 1000)) ms after the new jar was unpacked ($who)"
}
