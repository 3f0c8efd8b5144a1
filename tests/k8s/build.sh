#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl) from this module's k8s.io/kubernetes, once per
# version: the binaries land in /var/cache/netemu/k8s-<version>/ (or
# $NETEMU_K8S_CACHE) and a later run with the same version does nothing.
# A cold build takes 12-25 minutes and ~3.2 GB of Go build cache.
#
# NETEMU_K8S_BUILD_SLOW=1 builds one package at a time with one compiler
# thread (nice), for a machine others are using.
# Prints the directory holding the binaries on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$PATH:/usr/local/go/bin"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
GO=${GO:-go}

version=$(awk '$1=="require" && $2=="k8s.io/kubernetes" {print $3}' "$here/go.mod")
[ -n "$version" ] || { echo "build.sh: no k8s.io/kubernetes version in go.mod" >&2; exit 1; }
base=${NETEMU_K8S_CACHE:-/var/cache/netemu}
out="$base/k8s-$version"
cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

complete() {
	for c in "${cmds[@]}"; do [ -x "$out/$c" ] || return 1; done
	[ -e "$out/.complete" ]
}
if complete; then
	echo "$out"
	exit 0
fi

# v1.37.2 -> major 1, minor 37: what `kubectl version` and /version report.
v=${version#v}
major=${v%%.*}
minor=${v#*.}
minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
	ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done

flags=(-trimpath -ldflags "$ldflags")
run=()
if [ "${NETEMU_K8S_BUILD_SLOW:-0}" = 1 ]; then
	flags+=(-p 1)
	export GOMAXPROCS=1
	run=(nice -n 10)
fi

mkdir -p "$base"
tmp=$(mktemp -d "$base/.build-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
echo "build.sh: building Kubernetes $version control plane into $out (cold: 12-25 min)" >&2
cd "$here"
for c in "${cmds[@]}"; do
	t0=$(date +%s)
	CGO_ENABLED=0 "${run[@]}" "$GO" build "${flags[@]}" -o "$tmp/$c" "k8s.io/kubernetes/cmd/$c"
	echo "build.sh: $c built in $(( $(date +%s) - t0 ))s" >&2
done
touch "$tmp/.complete"
rm -rf "$out"
mv "$tmp" "$out"
chmod 755 "$out"
trap - EXIT
echo "build.sh: done in $(( $(date +%s) - start ))s" >&2
echo "$out"
