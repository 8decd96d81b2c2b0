#!/usr/bin/env bash
# System packages the tests need (Debian/Ubuntu). Installs only what is missing.
# git-lfs: stored artifacts; apache2 + apache2-utils: smart-HTTP remote with basic auth;
# openssh-server (+ openssh-client's ssh-keygen): ssh remote and ssh signing keys; gnupg: OpenPGP
# signing keys; chromium + chromium-driver: web view tests in a real browser; docker-registry (CNCF
# distribution) + skopeo: the OCI registry and second OCI implementation of the ModelPack tests;
# python3: the server hooks Apache runs as www-data use it when the tests' own Python is out of
# www-data's reach.
set -euo pipefail
need=()
command -v git >/dev/null || need+=(git)
command -v git-lfs >/dev/null || need+=(git-lfs)
command -v apache2 >/dev/null || [ -x /usr/sbin/apache2 ] || need+=(apache2)
command -v htpasswd >/dev/null || need+=(apache2-utils)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v gpg >/dev/null || need+=(gnupg)
command -v gitolite >/dev/null || need+=(gitolite3)
[ -x /usr/bin/python3 ] || need+=(python3)  # the hook under Apache (www-data) when it cannot reach the tests' Python
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
command -v valgrind >/dev/null && [ -f /usr/include/valgrind/callgrind.h ] || need+=(valgrind)  # benchmarks' instruction counts
command -v gcc >/dev/null || need+=(gcc)  # import_instructions.py builds its callgrind toggle
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    echo "install-system-deps: missing ${need[*]}; run as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  # another apt-get (unattended-upgrades, a parallel job) may hold the dpkg lock: wait for it
  wait_lock=(-o "DPkg::Lock::Timeout=${GITREG_APT_LOCK_TIMEOUT:-600}")
  echo "install-system-deps: apt-get install -y ${need[*]}"
  $SUDO apt-get "${wait_lock[@]}" update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get "${wait_lock[@]}" install -y -qq "${need[@]}" >/dev/null
fi
