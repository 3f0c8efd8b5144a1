package svc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// Programs of the VPC's services and of an instance's system.
var (
	progDnsmasq  = Program{"/usr/sbin/dnsmasq", "dnsmasq-base"}
	progChronyd  = Program{"/usr/sbin/chronyd", "chrony"}
	progDhclient = Program{"/sbin/dhclient", "isc-dhcp-client"}
	progSudo     = Program{"/usr/bin/sudo", "sudo"}
	progIP       = Program{"/usr/sbin/ip", "iproute2"}
)

// Process names of the VPC's services (netemu status, logs).
const (
	ProcDHCP      = "dhcp"     // in the VPC router
	ProcDNS       = "dns"      // in the VPC router and the internet gateway
	ProcTimeSync  = "timesync" // in the VPC router
	ProcIMDS      = "imds"     // in the VPC router
	ProcDhclient  = "dhclient" // in an instance
	ProcChronyd   = "chronyd"  // in an instance
	vpcServiceDir = "vpc"
)

// lead is how a VPC service's files are named in a node dir.
func vpcPath(st *nodes.State, node string, name string) string {
	return filepath.Join(labpath.NodeDir(st.Dir, node), vpcServiceDir, name)
}

// publicIPs reads the lab's current public IPs (fw's bookkeeping).
func publicIPs(st *nodes.State) (PublicIPs, error) {
	aws, err := fw.LoadState(st.Dir)
	if err != nil {
		return nil, fmt.Errorf("public IPs: %w", err)
	}
	return func(name string) netip.Addr {
		if !aws.Running(name) {
			return netip.Addr{}
		}
		return aws.PublicIP(name)
	}, nil
}

// writeVPCFiles (re)writes the name and metadata files of every local VPC
// router and internet gateway. It returns the nodes whose files changed.
func writeVPCFiles(st *nodes.State) ([]string, error) {
	lab := st.Model
	if len(lab.VPCs) == 0 {
		return nil, nil
	}
	pub, err := publicIPs(st)
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, v := range lab.VPCs {
		if isLocal(st, v.Router) {
			if err := os.MkdirAll(vpcPath(st, v.Router, ""), 0o755); err != nil {
				return nil, err
			}
			if err := writeFileInPlace(vpcPath(st, v.Router, "hosts"), []byte(PrivateHosts(lab, v, pub)), 0o644); err != nil {
				return nil, err
			}
			data, err := json.MarshalIndent(IMDSConfig(lab, v, pub), "", "  ")
			if err != nil {
				return nil, err
			}
			if err := writeAtomic(vpcPath(st, v.Router, "imds.json"), data); err != nil {
				return nil, err
			}
			changed = append(changed, v.Router)
		}
		if isLocal(st, v.IGW) && topo.PublicDNSAddr(v).IsValid() {
			if err := os.MkdirAll(vpcPath(st, v.IGW, ""), 0o755); err != nil {
				return nil, err
			}
			if err := writeFileInPlace(vpcPath(st, v.IGW, "hosts"), []byte(PublicHosts(lab, pub)), 0o644); err != nil {
				return nil, err
			}
			changed = append(changed, v.IGW)
		}
	}
	return changed, nil
}

// RefreshNames rewrites the VPCs' DNS names and metadata after an
// instance's public IP changed (instance stop/start) and has the DNS
// servers re-read them (SIGHUP, as dnsmasq expects); the metadata service
// re-reads its file by itself.
func RefreshNames(st *nodes.State) error {
	changed, err := writeVPCFiles(st)
	if err != nil {
		return err
	}
	var errs []error
	for _, node := range changed {
		pid, err := readPidFile(vpcPath(st, node, "dns.pid"))
		if err != nil {
			continue // not running (yet): it reads the file at start
		}
		if !strings.Contains(strings.Join(cmdlineOf(pid), " "), "dnsmasq") {
			continue // a stale pid file
		}
		if err := syscall.Kill(pid, syscall.SIGHUP); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("node %q: reload DNS: %w", node, err))
		}
	}
	return errors.Join(errs...)
}

// startVPCServices starts the VPC's DHCP server, resolver, Time Sync and
// metadata service in its router, or the public DNS in its gateway.
func startVPCServices(ctx context.Context, in *instance) error {
	st, n, lab := in.st, in.node, in.st.Model
	v := lab.VPC(n.VPC)
	if v == nil {
		return nil
	}
	path := func(name string) string { return vpcPath(st, n.Name, name) }
	dnsmasq := func(conf string) []string {
		return []string{progDnsmasq.Path, "--keep-in-foreground", "--log-facility=-", "--conf-file=" + conf}
	}
	var specs []nodes.ProcessSpec
	var ports []int
	switch n.Kind {
	case topo.KindVPCRouter:
		files := map[string]string{
			"dhcp.conf":     DHCPConf(lab, v, n, path("dhcp.leases"), path("dhcp.pid")),
			"dns.conf":      ResolverConf([]netip.Addr{topo.VPCResolver(v), topo.ResolverLinkLocal}, []string{topo.PrivateDomain(lab.Region), publicDomain(lab.Region)}, path("hosts"), path("dns.pid")),
			"timesync.conf": ChronyServerConf(v, path("timesync.pid")),
		}
		for name, data := range files {
			if err := writeFileInPlace(path(name), []byte(data), 0o644); err != nil {
				return err
			}
		}
		imdsSpec, err := nodes.BuiltinSpec(st, n.Name, ProcIMDS, nodes.BuiltinIMDS, path("imds.json"))
		if err != nil {
			return err
		}
		specs = []nodes.ProcessSpec{
			{Name: ProcDHCP, Restart: true, Command: dnsmasq(path("dhcp.conf"))},
			{Name: ProcDNS, Restart: true, Command: dnsmasq(path("dns.conf"))},
			// -x: serve time, never set the clock, which is the host's;
			// and without CAP_SYS_TIME it could not if it tried.
			{Name: ProcTimeSync, Restart: true, Command: []string{"setpriv", "--bounding-set=-sys_time", "--",
				progChronyd.Path, "-d", "-x", "-f", path("timesync.conf")}},
			imdsSpec,
		}
		ports = []int{53, 80}
	case topo.KindIGW:
		if !topo.PublicDNSAddr(v).IsValid() {
			return nil
		}
		conf := ResolverConf([]netip.Addr{topo.PublicDNSAddr(v)}, []string{publicDomain(lab.Region)}, path("hosts"), path("dns.pid"))
		if err := writeFileInPlace(path("dns.conf"), []byte(conf), 0o644); err != nil {
			return err
		}
		specs = []nodes.ProcessSpec{{Name: ProcDNS, Restart: true, Command: dnsmasq(path("dns.conf"))}}
		ports = []int{53}
	default:
		return nil
	}
	var logFile string
	for _, spec := range specs {
		ps, err := in.r.StartProcess(st, n.Name, spec)
		if err != nil {
			return fmt.Errorf("node %q: %s: start: %w", n.Name, spec.Name, err)
		}
		logFile = ps.LogFile
		in.log.Info("VPC service started", "service", spec.Name, "supervisor_pid", ps.PID)
	}
	if err := waitListening(ctx, in, ports, logFile); err != nil {
		return err
	}
	if n.Kind == topo.KindVPCRouter {
		// DHCP and Time Sync too, before any instance boots.
		return waitUDP(ctx, in, []int{67, 123})
	}
	return nil
}

// waitUDP polls the node's /proc/net/udp until every port is bound.
func waitUDP(ctx context.Context, in *instance, ports []int) error {
	deadline := time.Now().Add(ReadyTimeout)
	for {
		out, err := in.r.Command(in.st, in.node.Name, []string{"cat", "/proc/net/udp"}).Output()
		if err == nil {
			bound := BoundUDPPorts(string(out))
			ok := true
			for _, p := range ports {
				ok = ok && bound[p]
			}
			if ok {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %q: UDP ports %v not bound after %s", in.node.Name, ports, ReadyTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// BoundUDPPorts parses /proc/net/udp text: the local ports of unconnected
// sockets (state 07), where servers listen.
func BoundUDPPorts(procNetUDP string) map[int]bool {
	ports := map[int]bool{}
	for _, line := range strings.Split(procNetUDP, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "07" {
			continue
		}
		i := strings.LastIndexByte(f[1], ':')
		if i < 0 {
			continue
		}
		if p, err := strconv.ParseUint(f[1][i+1:], 16, 16); err == nil {
			ports[int(p)] = true
		}
	}
	return ports
}

// startInstanceSystem is what an EC2 instance's boot does before its
// services: init (PID 1 of its own PID namespace), the network by DHCP
// (dhclient, waiting for the lease), then chronyd on Time Sync.
func startInstanceSystem(ctx context.Context, in *instance) error {
	st, n := in.st, in.node
	if _, err := in.r.StartInit(st, n.Name); err != nil {
		return err
	}
	if st.Model.VPC(n.VPC) == nil {
		return nil // no VPC, no DHCP or Time Sync: its address is static
	}
	for name, data := range map[string]string{
		"dhclient.conf": DhclientConf(),
		"chrony.conf":   ChronyClientConf(),
	} {
		if err := writeFileInPlace(in.path("system", name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	if err := writeFileInPlace(dhclientScriptPath(in), []byte(DhclientScript()), 0o755); err != nil {
		return err
	}
	if len(n.Interfaces) == 0 {
		return fmt.Errorf("node %q: no interface to configure by DHCP", n.Name)
	}
	ifc, dh := dhclientSpec(in)
	ps, err := in.r.StartProcess(st, n.Name, dh)
	if err != nil {
		return fmt.Errorf("node %q: dhclient: %w", n.Name, err)
	}
	// The lease comes from the VPC router: wait for it when this share
	// runs the router (its services started first). In a multi-host lab
	// the router may come up later on another machine: AwaitLeases waits
	// for those instances once the machines answer each other.
	if isLocal(st, st.Model.VPC(n.VPC).Router) {
		if err := waitDefaultRoute(ctx, in, ifc, ps.LogFile, DHCPTimeout, 0); err != nil {
			return err
		}
	}
	ch := nodes.ProcessSpec{Name: ProcChronyd, Restart: true, Command: []string{"setpriv", "--bounding-set=-sys_time", "--",
		progChronyd.Path, "-d", "-x", "-f", in.path("system", "chrony.conf")}}
	if _, err := in.r.StartProcess(st, n.Name, ch); err != nil {
		return fmt.Errorf("node %q: chronyd: %w", n.Name, err)
	}
	return nil
}

// dhclientSpec is the instance's dhclient on its first interface.
func dhclientSpec(in *instance) (ifc string, spec nodes.ProcessSpec) {
	ifc = in.node.Interfaces[0].Name
	return ifc, nodes.ProcessSpec{Name: ProcDhclient, Restart: true, Command: []string{progDhclient.Path, "-4", "-d", "-v",
		"-cf", in.path("system", "dhclient.conf"), "-lf", in.path("system", "dhclient.leases"),
		"-pf", "/run/dhclient." + ifc + ".pid", "-sf", dhclientScriptPath(in), ifc}}
}

func dhclientScriptPath(in *instance) string { return in.path("system", "dhclient-script") }

// DHCPTimeout bounds the wait for an instance's first lease.
const DHCPTimeout = 30 * time.Second

// RemoteDHCPTimeout bounds the wait for the lease of an instance whose VPC
// router runs on another machine, counted from when the machines answer
// each other: that machine may still be starting the router's DHCP server.
const RemoteDHCPTimeout = 2 * DHCPTimeout

// dhcpNudge is how long an instance whose VPC router is on another machine
// may go without a lease before its dhclient is restarted: a restarted
// dhclient sends DHCPDISCOVER at once, where the running one, unanswered
// while the far machine was coming up, backs off for up to minutes.
const dhcpNudge = 3 * time.Second

// remoteRouter says whether n boots by DHCP from a VPC router this share
// does not run (a multi-host lab).
func remoteRouter(st *nodes.State, n *topo.Node) bool {
	if n.Kind != topo.KindInstance || len(n.Interfaces) == 0 || !isLocal(st, n.Name) {
		return false
	}
	v := st.Model.VPC(n.VPC)
	return v != nil && !isLocal(st, v.Router)
}

// AwaitLeases waits, once the other machines of a multi-host lab answer
// through the tunnels, until every instance of this share whose VPC router
// runs on another machine has its DHCP lease, restarting its dhclient
// while it has none (see dhcpNudge). It fails naming the instances without
// a lease after RemoteDHCPTimeout. Nothing to do in a single-machine lab.
func AwaitLeases(ctx context.Context, st *nodes.State, r Runner, log hclog.Logger) error {
	var waits []*topo.Node
	for _, n := range st.Model.Nodes {
		if remoteRouter(st, n) {
			waits = append(waits, n)
		}
	}
	// The logs' paths are read before the waits restart processes (which
	// changes st.Processes).
	logs := make([]string, len(waits))
	for i, n := range waits {
		logs[i] = dhclientLog(st, n.Name)
	}
	errs := make([]error, len(waits))
	var wg sync.WaitGroup
	for i, n := range waits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = awaitRemoteLease(ctx, st, r, n, logs[i], log)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// awaitRemoteLease waits for the lease of n, an instance whose VPC router
// is on another machine that answers (see AwaitLeases).
func awaitRemoteLease(ctx context.Context, st *nodes.State, r Runner, n *topo.Node, logFile string, log hclog.Logger) error {
	in := &instance{st: st, node: n, dir: labpath.NodeDir(st.Dir, n.Name), r: r, log: log.With("node", n.Name)}
	ifc, _ := dhclientSpec(in)
	return waitDefaultRoute(ctx, in, ifc, logFile, RemoteDHCPTimeout, dhcpNudge)
}

// dhclientLog is the log file of node's dhclient ("" when not started).
func dhclientLog(st *nodes.State, node string) string {
	for _, p := range st.Processes {
		if p.Node == node && p.Spec.Name == ProcDhclient {
			return p.LogFile
		}
	}
	return ""
}

// restartDhclient stops and starts the instance's dhclient again.
func restartDhclient(in *instance) error {
	_, spec := dhclientSpec(in)
	if err := in.r.StopProcess(in.st, in.node.Name, ProcDhclient); err != nil {
		return fmt.Errorf("node %q: stop dhclient: %w", in.node.Name, err)
	}
	if _, err := in.r.StartProcess(in.st, in.node.Name, spec); err != nil {
		return fmt.Errorf("node %q: dhclient: %w", in.node.Name, err)
	}
	return nil
}

// waitDefaultRoute waits until DHCP configured ifc: a default route
// through it (the script sets the address first). With nudge > 0, dhclient
// is restarted whenever nudge passes without one.
func waitDefaultRoute(ctx context.Context, in *instance, ifc, logFile string, timeout, nudge time.Duration) error {
	start := time.Now()
	deadline := start.Add(timeout)
	lastNudge := start
	for {
		out, err := in.r.Command(in.st, in.node.Name, []string{"cat", "/proc/net/route"}).Output()
		if err == nil && HasDefaultRoute(string(out), ifc) {
			return nil
		}
		now := time.Now()
		if now.After(deadline) {
			router := in.st.Model.VPC(in.node.VPC).Router
			server := "(on another machine: see its " + router + "/" + ProcDHCP + ".log)"
			if isLocal(in.st, router) {
				server = tail(filepath.Join(labpath.NodeDir(in.st.Dir, router), ProcDHCP+".log"), 15)
			}
			return fmt.Errorf("node %q: no DHCP lease on %s after %s; dhclient's last lines:\n%s\nthe DHCP server's (%s):\n%s",
				in.node.Name, ifc, timeout, tail(logFile, 15), router, server)
		}
		if nudge > 0 && now.Sub(lastNudge) >= nudge {
			in.log.Debug("no DHCP lease yet: restarting dhclient", "after", now.Sub(start))
			if err := restartDhclient(in); err != nil {
				return err
			}
			lastNudge = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// HasDefaultRoute says whether /proc/net/route text has a default route
// through ifc.
func HasDefaultRoute(procNetRoute, ifc string) bool {
	for _, line := range strings.Split(procNetRoute, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == ifc && f[1] == "00000000" && f[2] != "00000000" {
			return true
		}
	}
	return false
}

func readPidFile(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}

func cmdlineOf(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
}

func writeAtomic(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	return nil
}

var _ = hclog.NewNullLogger
