#!/usr/bin/env bash
# System packages the tests need (Debian/Ubuntu). Installs only what is missing.
# git-lfs: stored artifacts; apache2 + apache2-utils: smart-HTTP remote with basic auth;
# openssh-server (+ openssh-client's ssh-keygen): ssh remote and ssh signing keys; gnupg: OpenPGP
# signing keys; chromium + chromium-driver: web view tests in a real browser; docker-registry (CNCF
# distribution) + skopeo: the OCI registry and second OCI implementation of the ModelPack tests.
set -euo pipefail
need=()
command -v git >/dev/null || need+=(git)
command -v git-lfs >/dev/null || need+=(git-lfs)
command -v apache2 >/dev/null || [ -x /usr/sbin/apache2 ] || need+=(apache2)
command -v htpasswd >/dev/null || need+=(apache2-utils)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v gpg >/dev/null || need+=(gnupg)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    echo "install-system-deps: missing ${need[*]}; run as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "install-system-deps: apt-get install -y ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
