#!/usr/bin/env bash
# Set up everything `make test` needs, on a fresh Debian 12 machine or an
# already prepared one. Idempotent and quick when nothing is missing:
#   1. Debian packages the integration tests use (apt-get, as root, only
#      when something is missing; `apt-get update` only then too). Server
#      packages must not leave daemons running in the root namespace: the
#      tests start their own servers inside network namespaces.
#   2. .venv with the pinned test requirements and this project installed
#      (editable). pip runs again only when requirements-test.txt,
#      pyproject.toml or the Python version changed (stamp file in .venv).
#   3. MicroPython v1.28 built from source into build/micropython/ (32-bit:
#      the i386 unix port and Cortex-M3 images for qemu; scripts/micropython.py,
#      an incremental make, ~1 s when nothing changed).
# Without root, step 1 is only reported (tests that need the packages then
# skip, or fail when DHCP4C_CI is set).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "bootstrap: $*" >&2; }

PKGS=(dnsmasq-base kea-dhcp4-server isc-dhcp-server busybox udhcpc udhcpd
      isc-dhcp-client dhcpcd-base
      iproute2 nftables socat tmux
      gcc-multilib gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)
# Services these packages ship; none may run in the root namespace.
SERVICES=(dnsmasq kea-dhcp4-server isc-dhcp-server isc-dhcp-server6
          kea-ctrl-agent kea-dhcp6-server kea-dhcp-ddns-server udhcpd)

installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

missing=()
for p in "${PKGS[@]}"; do installed "$p" || missing+=("$p"); done
# Debian's own python3 needs python3-venv for `python3 -m venv`.
if ! python3 -c "import ensurepip, venv" 2>/dev/null; then missing+=(python3-venv); fi

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        say "missing Debian packages (run as root to install): ${missing[*]}"
        [[ -n ${DHCP4C_CI:-} ]] && exit 1
    else
        say "installing: ${missing[*]}"
        # Forbid maintainer scripts to start services during the install,
        # unless the machine already has its own policy.
        own_policy=""
        if [[ ! -e /usr/sbin/policy-rc.d ]]; then
            own_policy=/usr/sbin/policy-rc.d
            printf '#!/bin/sh\n# written by dhcp4c scripts/bootstrap.sh during apt-get install\nexit 101\n' >"$own_policy"
            chmod 755 "$own_policy"
            trap 'rm -f "$own_policy"' EXIT
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        if [[ -n $own_policy ]]; then rm -f "$own_policy"; trap - EXIT; fi
        # Packages we just installed: make sure their services are neither
        # running nor enabled for the next boot.
        for s in "${SERVICES[@]}"; do
            if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
                if systemctl list-unit-files "$s.service" >/dev/null 2>&1; then
                    systemctl disable --now "$s.service" >/dev/null 2>&1 || true
                fi
            elif [[ -x /etc/init.d/$s ]]; then
                /etc/init.d/"$s" stop >/dev/null 2>&1 || true
                update-rc.d "$s" disable >/dev/null 2>&1 || true
            fi
        done
    fi
fi

# --- virtualenv -------------------------------------------------------------
VENV=.venv
STAMP=$VENV/.bootstrap-stamp
want=$( { cat requirements-test.txt pyproject.toml; python3 -VV; pwd; } | sha256sum | cut -d' ' -f1)

# (Re)create the venv when it is missing or its interpreter no longer runs.
if ! "$VENV/bin/python" -c "" 2>/dev/null; then
    say "creating $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
fi
if [[ ! -f $STAMP || $(cat "$STAMP") != "$want" ]]; then
    say "installing requirements-test.txt and dhcp4c into $VENV"
    pip=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
    # Keep only real messages: this machine's pip config may name index
    # folders that do not exist, which pip reports as harmless warnings.
    "${pip[@]}" install -r requirements-test.txt 2> >(grep -v "is ignored: it is neither" >&2)
    "${pip[@]}" install -e . 2> >(grep -v "is ignored: it is neither" >&2)
    echo "$want" >"$STAMP"
fi

# --- MicroPython from source (32-bit builds) ----------------------------------
python3 scripts/micropython.py
