#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: switch_prefix.sh RUN_DIR INTERFACE PREFIX[,PREFIX...] DEPRECATED_PREFIX[,...] VALID_SECONDS
#
# Renumbers the home router that the lab_network role runs (radvd, configuration and pid file in RUN_DIR):
# rewrites radvd's configuration (the role's template, plus per-prefix lifetimes) so that it advertises the
# PREFIXes as usual and the DEPRECATED_PREFIXes with a preferred lifetime of 0 and a valid lifetime of
# VALID_SECONDS, then makes radvd reload it (SIGHUP), which sends a router advertisement at once. Prints the time
# of the SIGHUP in epoch seconds.
set -euo pipefail
run_dir="$1" interface="$2" prefixes="$3" deprecated="$4" valid="$5"
conf="$run_dir/radvd-home.conf"
pid="$(cat "$run_dir/radvd-home.pid")"
{
    echo "# The home router, renumbered: advertised $prefixes, deprecated $deprecated."
    echo "interface $interface {"
    echo "  AdvSendAdvert on;"
    echo "  MinRtrAdvInterval 3;"
    echo "  MaxRtrAdvInterval 10;"
    echo "  AdvRASolicitedUnicast on;"
    echo "  AdvDefaultLifetime 0;"
    for prefix in ${prefixes//,/ }; do
        echo "  prefix $prefix { AdvOnLink on; AdvAutonomous on; };"
    done
    for prefix in ${deprecated//,/ }; do
        echo "  prefix $prefix { AdvOnLink on; AdvAutonomous on; AdvPreferredLifetime 0; AdvValidLifetime $valid; };"
    done
    echo "};"
} > "$conf.new"
chmod 644 "$conf.new"
radvd --configtest --config "$conf.new" >/dev/null 2>&1 || { radvd --configtest --config "$conf.new"; exit 1; }
mv "$conf.new" "$conf"
date +%s.%N
kill -HUP "$pid"
