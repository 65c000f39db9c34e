#!/usr/bin/env bash
# System tools the test suite runs besides Node and Python, installed from Debian's packages when
# missing (CI and developers run as root on Debian; run it with sudo otherwise):
#   docker-compose  reads the generated compose.yaml (`docker-compose config`; no Docker engine needed)
# kubectl (with kustomize) comes with the machine image.
set -euo pipefail
missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-ci-tools: ${missing[*]} missing; run this script as root (apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
echo "install-ci-tools: installed ${missing[*]} ($(docker-compose version --short 2>/dev/null || echo '?'))"
