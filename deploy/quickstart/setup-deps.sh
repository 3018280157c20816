#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests and the demo need.
# Idempotent and non-interactive: safe to run on every invocation.
set -euo pipefail

pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
      libuv1-dev libnng-dev libmbedtls-dev libxml2-dev libinih-dev libprotobuf-c-dev
      protobuf-c-compiler libcmocka-dev libhttp-parser-dev libedit-dev
      supervisor python3 python3-pytest procps util-linux libfaketime
      openssl iproute2)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
