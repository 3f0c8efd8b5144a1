#!/bin/bash
# seed2vm.sh OUT [LAB]: writes to OUT the seed lab split across two
# machines as the Vagrantfile's m1 and m2 run it: the home ISP and the
# transit routers on m1, AWS on m2 (the links transit-a/b–aws-edge become
# VXLAN tunnels). M1_ADDR and M2_ADDR are the machines' addresses (default:
# Vagrant's private network); SEED is the seed lab's file. The multi-host
# tests run this same script on simulated machines.
set -euo pipefail
out=$1
lab=${2:-seed2vm}
here=$(cd "$(dirname "$0")" && pwd)
src=${SEED:-$here/../../topo/examples/aws-ssh.hcl}
m1=${M1_ADDR:-192.168.56.11}
m2=${M2_ADDR:-192.168.56.12}
mkdir -p "$(dirname "$out")"
sed -e "s/^lab \"aws-ssh\" {/lab \"$lab\" {/" \
    -e '/^router "\(home-gw\|home-core\|transit-a\|transit-b\)" {/a\  machine = "m1"' \
    -e '/^router "aws-edge" {/a\  machine = "m2"' \
    -e 's/^host "mac" {}/host "mac" {\n  machine = "m1"\n}/' \
    "$src" >"$out"
printf 'machine "m1" {\n  address = "%s"\n}\nmachine "m2" {\n  address = "%s"\n}\n' "$m1" "$m2" >>"$out"
for want in 'lab "'"$lab"'"' 'machine = "m1"' 'machine = "m2"'; do
  grep -q "$want" "$out" || { echo "seed2vm.sh: $src did not take the split ($want missing)" >&2; exit 1; }
done
