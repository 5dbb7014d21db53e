#!/bin/bash
# The classic nginx watchdog this project replaces, as the guides write it: every 2 s, if no
# nginx process is there, start nginx and give it 2 s. Bounded for the bench: at most
# MAX_ROUNDS rounds (default 1000, about 33 minutes).
# Usage: classic-loop.sh NGINX [ARGS...]
rounds=${MAX_ROUNDS:-1000}
for ((i = 0; i < rounds; i++)); do
  if [ "$(ps -C nginx --no-heading | wc -l)" -eq 0 ]; then
    "$@"
    sleep 2
  fi
  sleep 2
done
