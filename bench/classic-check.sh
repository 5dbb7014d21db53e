#!/bin/bash
# The classic keepalived check this project replaces: "is any nginx process there?"
[ "$(ps -C nginx --no-heading | wc -l)" -gt 0 ]
