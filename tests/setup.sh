#!/usr/bin/env bash
# Installs what netemu and its test suite need on Debian 12. Idempotent: it
# installs only what is missing, and is used alike by `make up`, `make test`,
# .ci/run and the Vagrantfile. It never starts a daemon in the host's own
# namespaces: packages installed here have their services held back and
# disabled, because netemu runs them inside lab nodes only.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "setup: run as root (sudo make up / sudo make test)" >&2
	exit 1
fi

say() { printf 'setup: %s\n' "$*" >&2; }

# Debian package -> a file that proves it is installed.
declare -A want=(
	[iproute2]=/usr/sbin/ip
	[iptables]=/usr/sbin/iptables-restore
	[nftables]=/usr/sbin/nft
	[util-linux]=/usr/bin/nsenter
	[openssh-server]=/usr/sbin/sshd
	[openssh-client]=/usr/bin/ssh
	[lsof]=/usr/bin/lsof
	[tcpdump]=/usr/bin/tcpdump
	[iputils-ping]=/usr/bin/ping
	[procps]=/usr/bin/pgrep
	[conntrack]=/usr/sbin/conntrack
	[bird2]=/usr/sbin/bird
	[frr]=/usr/lib/frr/bgpd
	[gobgpd]=/usr/bin/gobgpd
	[mariadb-server]=/usr/sbin/mariadbd
	[mariadb-client]=/usr/bin/mysql
	[opensmtpd]=/usr/sbin/smtpd
	[iperf3]=/usr/bin/iperf3
	[graphviz]=/usr/bin/dot
	[socat]=/usr/bin/socat
	[etcd-server]=/usr/bin/etcd # the Kubernetes tests' control plane (tests/k8s), on a test namespace's loopback
	[chromium]=/usr/bin/chromium # the live view's browser tests (ui, chromedp)
	[make]=/usr/bin/make
	[git]=/usr/bin/git
	[gcc]=/usr/bin/gcc
	[ca-certificates]=/etc/ssl/certs/ca-certificates.crt
	# An instance's system and the VPC's services (issue 21).
	[sudo]=/usr/bin/sudo
	[isc-dhcp-client]=/sbin/dhclient
	[dnsmasq-base]=/usr/sbin/dnsmasq
	[chrony]=/usr/sbin/chronyd
	[m4]=/usr/bin/m4
	[bind9-dnsutils]=/usr/bin/dig
	# sendmail-bin's libraries (the package itself is unpacked below).
	[liblockfile1]=/usr/lib/x86_64-linux-gnu/liblockfile.so.1
	[libdb5.3]=/usr/lib/x86_64-linux-gnu/libdb-5.3.so
	[libldap-2.5-0]=/usr/lib/x86_64-linux-gnu/libldap-2.5.so.0
	[libnsl2]=/usr/lib/x86_64-linux-gnu/libnsl.so.2
	[libsasl2-2]=/usr/lib/x86_64-linux-gnu/libsasl2.so.2
	[libwrap0]=/usr/lib/x86_64-linux-gnu/libwrap.so.0
)
# Their services must never run on the host.
services=(bird frr mariadb opensmtpd ssh gobgpd iperf3 chrony etcd)

missing=()
for pkg in "${!want[@]}"; do
	[ -e "${want[$pkg]}" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
	say "installing: ${missing[*]}"
	# Hold back service start-up during the install (policy-rc.d), unless the
	# machine already has its own policy.
	ours=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		ours=1
	fi
	trap '[ "$ours" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# Keep newly installed daemons from starting at the next boot.
	if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
		for pkg in "${missing[@]}"; do
			for s in "${services[@]}"; do
				case "$pkg" in
				bird2) [ "$s" = bird ] || continue ;;
				mariadb-server) [ "$s" = mariadb ] || continue ;;
				openssh-server) [ "$s" = ssh ] || continue ;;
				etcd-server) [ "$s" = etcd ] || continue ;;
				"$s") ;;
				*) continue ;;
				esac
				systemctl disable --now "$s" >/dev/null 2>&1 || true
			done
		done
	fi
fi

# sendmail, the instances' default MTA: Debian's sendmail-bin conflicts with
# opensmtpd (both are the system's MTA), and instances may run either, so
# sendmail-bin and sendmail-cf are unpacked under /opt/netemu/sendmail
# (never configured or started on the host); netemu runs that binary
# inside instances only.
sendmail=/opt/netemu/sendmail
if [ ! -x "$sendmail/usr/libexec/sendmail/sendmail" ] || [ ! -e "$sendmail/usr/share/sendmail/cf/m4/cf.m4" ]; then
	say "unpacking sendmail-bin and sendmail-cf under $sendmail"
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	(cd "$tmp" && apt-get download -qq sendmail-bin sendmail-cf >/dev/null 2>&1) || {
		apt-get update -qq
		(cd "$tmp" && apt-get download -qq sendmail-bin sendmail-cf >/dev/null)
	}
	mkdir -p "$sendmail"
	for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$sendmail"; done
	rm -rf "$tmp"
fi

# Go: the module needs a recent toolchain. /usr/local/go is used when
# present; otherwise Debian's go (1.21+ from bookworm-backports) fetches the
# exact toolchain through the module proxy (GOTOOLCHAIN=auto).
if [ ! -x /usr/local/go/bin/go ] && ! command -v go >/dev/null; then
	say "installing Go"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -qq golang-1.23-go >/dev/null 2>&1; then
		echo 'deb http://deb.debian.org/debian bookworm-backports main' >/etc/apt/sources.list.d/netemu-backports.list
		apt-get update -qq
		apt-get install -y -qq -t bookworm-backports golang-1.23-go >/dev/null
	fi
	ln -sf /usr/lib/go-1.23/bin/go /usr/local/bin/go
fi

# Kernel modules the labs use; harmless when built in or already loaded.
for m in veth vxlan sch_tbf sch_htb nf_conntrack nf_nat iptable_nat iptable_filter xt_conntrack xt_comment; do
	modprobe -q "$m" 2>/dev/null || true
done
say "ok"
