#!/usr/bin/env bash
# Builds the control plane binaries envtest needs (kube-apiserver and etcd)
# from their Go modules, because no release binary can be downloaded here.
# They are cached outside the repository, keyed by version, and reused:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/kbwarden/envtest/k8s-<ver>-etcd-<ver>/
#
# The directory is printed on stdout (for KUBEBUILDER_ASSETS); progress goes
# to stderr. A cold build takes about ten minutes on two cores.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
modver() { awk -v m="$2" '$1 == m || ($1 == "require" && $2 == m) { print $NF; exit }' "$1"; }
k8s_version="$(modver "$here/envtest/kube-apiserver/go.mod" k8s.io/kubernetes)"
etcd_version="$(modver "$here/envtest/etcd/go.mod" go.etcd.io/etcd/server/v3)"
[[ -n "$k8s_version" && -n "$etcd_version" ]] || { echo "envtest: cannot read versions from hack/envtest/*/go.mod" >&2; exit 1; }

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/kbwarden/envtest"
dir="$cache_root/k8s-${k8s_version}-etcd-${etcd_version}"
log() { echo "envtest: $*" >&2; }

# build_with_progress OUT MODULE_DIR PACKAGE LDFLAGS prints one progress line
# every 100 packages compiled, out of the package's dependency count.
build_with_progress() {
	local out="$1" moddir="$2" pkg="$3" ldflags="$4" total
	total="$(cd "$moddir" && go list -deps "$pkg" | wc -l)"
	log "building $(basename "$out") ($total packages; a cold build takes minutes)"
	(cd "$moddir" && CGO_ENABLED=0 go build -v -trimpath -ldflags "$ldflags" -o "$out" "$pkg" 2>&1) |
		awk -v total="$total" -v name="$(basename "$out")" '
			/^(go: |#|[a-zA-Z0-9_.\/-]+\.go:)/ { print > "/dev/stderr"; next }
			{ n++; if (n % 100 == 0) printf "envtest: %s: %d/%d packages compiled\n", name, n, total > "/dev/stderr" }'
	[[ -x "$out" ]] || { log "building $(basename "$out") failed"; return 1; }
}

if [[ ! -x "$dir/kube-apiserver" || ! -x "$dir/etcd" ]]; then
	mkdir -p "$cache_root"
	# One build at a time: a second caller waits, then finds the binaries.
	exec 9>"$cache_root/.lock"
	flock 9
	if [[ ! -x "$dir/kube-apiserver" || ! -x "$dir/etcd" ]]; then
		start=$SECONDS
		tmp="$(mktemp -d "$cache_root/.build.XXXXXX")"
		trap 'rm -rf "$tmp"' EXIT
		minor="${k8s_version#v1.}"; minor="${minor%%.*}"
		# The same version variables Kubernetes' own build stamps (hack/lib/version.sh);
		# without them kube-apiserver reports v0.0.0-master.
		ldflags="-s -w"
		for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
			ldflags+=" -X $p.gitVersion=${k8s_version} -X $p.gitMajor=1 -X $p.gitMinor=${minor}"
			ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
		done
		build_with_progress "$tmp/kube-apiserver" "$here/envtest/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver "$ldflags"
		build_with_progress "$tmp/etcd" "$here/envtest/etcd" . "-s -w"
		mkdir -p "$dir"
		mv "$tmp/kube-apiserver" "$tmp/etcd" "$dir/"
		log "built in $((SECONDS - start))s into $dir"
	fi
fi
echo "$dir"
