package nodes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/hashicorp/go-hclog"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/impair"
	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// Build builds machine's share of lab (see BuildOptions) and returns its
// state, saved on disk with Phase "building" (the caller marks it up with
// MarkUp once its own stages ran). The state file is written before any
// kernel object exists, so `down` works whenever Build dies. On failure or
// a cancelled ctx everything built so far is removed before it returns.
func Build(ctx context.Context, lab *topo.Lab, opts BuildOptions) (*State, error) {
	log := opts.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	log = log.Named("build").With("lab", lab.Name)
	sh, err := planShare(lab, opts.Machine)
	if err != nil {
		return nil, err
	}
	if len(sh.cross) > 0 && opts.CrossLink == nil {
		l := lab.Links[sh.cross[0]]
		ma, mb := nodeMachine(lab, l.A.Node), nodeMachine(lab, l.B.Node)
		return nil, fmt.Errorf("link %s crosses machines %s/%s: cross-machine links are not supported by this build", linkName(l), ma, mb)
	}
	for _, n := range sh.nodes {
		if HasMountNS(n) {
			if _, err := exec.LookPath("unshare"); err != nil {
				return nil, fmt.Errorf("node %q: a mount namespace needs unshare(1) from util-linux: %w", n.Name, err)
			}
			break
		}
	}
	sup := opts.Supervisor
	if sup == "" {
		if sup, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find the netemu binary: %w", err)
		}
	}

	dir := labpath.StateDir(lab.Name, opts.Machine)
	if _, err := os.Stat(labpath.StatePath(dir)); err == nil {
		return nil, fmt.Errorf("lab %s is already up (run `netemu down %s` first)", labpath.ShareName(lab.Name, opts.Machine), lab.Name)
	}
	st := &State{
		Lab:        lab.Name,
		Machine:    opts.Machine,
		Dir:        dir,
		Created:    time.Now().UTC(),
		Model:      lab,
		Phase:      PhaseBuilding,
		Supervisor: sup,
	}
	for _, n := range sh.nodes {
		st.Nodes = append(st.Nodes, n.Name)
	}
	if err := SaveState(st); err != nil {
		return nil, err
	}

	b := &builder{lab: lab, st: st, sh: sh, log: log, opts: opts, mine: map[string]bool{}}
	for _, n := range sh.nodes {
		b.mine[n.Name] = true
	}
	b.workers = opts.Workers
	if b.workers <= 0 {
		b.workers = defaultWorkers()
	}
	b.total = 2*len(sh.nodes) + len(sh.local) + len(sh.cross)
	start := time.Now()
	if err := b.run(ctx); err != nil {
		log.Warn("build failed, removing what was built", "error", err)
		if derr := Down(context.Background(), lab.Name, opts.Machine, log); derr != nil {
			err = errors.Join(err, fmt.Errorf("rollback: %w", derr))
		}
		return nil, err
	}
	log.Info("built", "nodes", len(sh.nodes), "links", len(sh.local)+len(sh.cross), "took", time.Since(start))
	return st, nil
}

func nodeMachine(lab *topo.Lab, node string) string {
	if n := lab.Node(node); n != nil {
		return n.Machine
	}
	return "?"
}

type builder struct {
	lab     *topo.Lab
	st      *State
	sh      *share
	log     hclog.Logger
	opts    BuildOptions
	workers int
	mine    map[string]bool // the share's nodes; read-only once built

	mu    sync.Mutex
	done  int
	total int
}

func (b *builder) tick() {
	if b.opts.Progress == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done++
	b.opts.Progress(b.done, b.total)
}

func (b *builder) run(ctx context.Context) error {
	if err := prepareMounts(b.st.Dir); err != nil {
		return err
	}
	t := time.Now()
	nodesPhase := func(ctx context.Context, i int) error { return b.createNode(b.sh.nodes[i]) }
	if err := runPool(ctx, b.workers, len(b.sh.nodes), nodesPhase, b.tick); err != nil {
		return err
	}
	b.log.Debug("namespaces created", "took", time.Since(t))
	t = time.Now()
	links := append(append([]int{}, b.sh.local...), b.sh.cross...)
	linkPhase := func(ctx context.Context, i int) error { return b.createLink(ctx, links[i]) }
	if err := runPool(ctx, b.workers, len(links), linkPhase, b.tick); err != nil {
		return err
	}
	b.log.Debug("links created", "took", time.Since(t))
	t = time.Now()
	cfgPhase := func(ctx context.Context, i int) error { return b.configureNode(b.sh.nodes[i]) }
	err := runPool(ctx, b.workers, len(b.sh.nodes), cfgPhase, b.tick)
	b.log.Debug("nodes configured", "took", time.Since(t))
	return err
}

// prepareMounts makes /run/netns a shared mount point as `ip netns` does
// (so namespace mounts propagate into mount namespaces and their removal
// too), and the share's ns directory a private bind mount of itself, which
// mount namespace files require.
func prepareMounts(dir string) error {
	if err := os.MkdirAll(labpath.NetnsDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", labpath.NetnsDir, err)
	}
	if err := unix.Mount("", labpath.NetnsDir, "none", unix.MS_SHARED|unix.MS_REC, ""); err != nil {
		if !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("make %s shared: %w", labpath.NetnsDir, err)
		}
		if err := unix.Mount(labpath.NetnsDir, labpath.NetnsDir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind %s: %w", labpath.NetnsDir, err)
		}
		if err := unix.Mount("", labpath.NetnsDir, "none", unix.MS_SHARED|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("make %s shared: %w", labpath.NetnsDir, err)
		}
	}
	nsd := labpath.NsDir(dir)
	if err := os.MkdirAll(nsd, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", nsd, err)
	}
	if err := unix.Mount(nsd, nsd, "none", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s: %w", nsd, err)
	}
	if err := unix.Mount("", nsd, "none", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make %s private: %w", nsd, err)
	}
	return nil
}

// createNode makes the node's network and UTS namespaces (and an
// instance's mount namespace) and pins them with bind mounts.
func (b *builder) createNode(n *topo.Node) error {
	if err := os.MkdirAll(labpath.NodeDir(b.st.Dir, n.Name), 0o755); err != nil {
		return fmt.Errorf("node %q: %w", n.Name, err)
	}
	netnsPath := labpath.NetnsPath(b.lab.Name, n.Name)
	utsPath := labpath.UTSPath(b.st.Dir, n.Name)
	for _, p := range []string{netnsPath, utsPath} {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
		if err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("node %q: %s already exists (a lab of this name is half up: run `netemu down %s`)", n.Name, p, b.lab.Name)
			}
			return fmt.Errorf("node %q: %w", n.Name, err)
		}
		f.Close()
	}
	// The thread unshares new namespaces and ends inside them, so no
	// other goroutine ever runs in them by accident.
	if err := inns.OnRetiredThread(func() error { return inNewNamespaces(n, netnsPath, utsPath) }); err != nil {
		return fmt.Errorf("node %q: %w", n.Name, err)
	}
	if HasMountNS(n) {
		mnt := labpath.MntPath(b.st.Dir, n.Name)
		f, err := os.OpenFile(mnt, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
		if err != nil {
			return fmt.Errorf("node %q: %w", n.Name, err)
		}
		f.Close()
		// A mount namespace cannot be made from a multi-threaded Go
		// program (unshare(CLONE_NEWNS) needs an unshared fs struct), so
		// util-linux does it. Slave propagation: the host's later mounts
		// (new /run/netns entries, their removal) reach the node; the
		// node's own mounts never reach the host.
		//
		// Inside, it drops its copies of every lab's private ns directory:
		// they would pin other nodes' (and other labs') namespaces for as
		// long as this one lives.
		script := `while read -r _ _ _ _ mp _; do case "$mp" in "$0"/*/ns) umount -l "$mp";; esac; done < /proc/self/mountinfo`
		out, err := exec.Command("unshare", "--mount="+mnt, "--propagation", "slave", "/bin/sh", "-c", script, labpath.RunDir()).CombinedOutput()
		if err != nil {
			return fmt.Errorf("node %q: create mount namespace: %w: %s", n.Name, err, out)
		}
	}
	b.log.Trace("node created", "node", n.Name)
	return nil
}

// inNewNamespaces runs on a retired thread (inns.OnRetiredThread).
func inNewNamespaces(n *topo.Node, netnsPath, utsPath string) error {
	if err := unix.Unshare(unix.CLONE_NEWNET | unix.CLONE_NEWUTS); err != nil {
		return fmt.Errorf("unshare: %w", err)
	}
	if err := unix.Sethostname([]byte(n.Hostname)); err != nil {
		return fmt.Errorf("set hostname %q: %w", n.Hostname, err)
	}
	tid := unix.Gettid()
	if err := unix.Mount(fmt.Sprintf("/proc/self/task/%d/ns/net", tid), netnsPath, "none", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind netns to %s: %w", netnsPath, err)
	}
	if err := unix.Mount(fmt.Sprintf("/proc/self/task/%d/ns/uts", tid), utsPath, "none", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind uts ns to %s: %w", utsPath, err)
	}
	// /proc/sys/net is the opening thread's network namespace: this one.
	sysctls := map[string]string{}
	if n.Forwarding {
		sysctls["net/ipv4/ip_forward"] = "1"
		// Asymmetric paths are normal between routers; strict reverse
		// path filtering would drop them. "default" covers interfaces
		// created from now on.
		sysctls["net/ipv4/conf/all/rp_filter"] = "0"
		sysctls["net/ipv4/conf/default/rp_filter"] = "0"
		// On a switch a router may forward a packet back out to another
		// router on the segment; its ICMP redirect would be cached by the
		// host for minutes, so the host's path would stop following the
		// IGP after the routing change that caused it.
		sysctls["net/ipv4/conf/all/send_redirects"] = "0"
		sysctls["net/ipv4/conf/default/send_redirects"] = "0"
	}
	for k, v := range sysctls {
		if err := os.WriteFile(filepath.Join("/proc/sys", k), []byte(v), 0o644); err != nil {
			return fmt.Errorf("sysctl %s=%s: %w", k, v, err)
		}
	}
	return nil
}

// nsHandle opens a netlink handle bound to the node's network namespace.
func nsHandle(lab, node string) (*inns.Handle, error) {
	h, err := inns.Open(labpath.NetnsPath(lab, node), unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("node %q: %w", node, err)
	}
	return h, nil
}

// createLink makes a veth pair whose ends are born in their namespaces
// with their final names, so nothing ever appears in the host namespace.
// (pkg/ip's SetupVethWithName would need this goroutine inside A's
// namespace and sets the ends up before they are configured; a handle
// bound to A does the same without moving any thread.)
func (b *builder) createLink(ctx context.Context, idx int) error {
	l := b.lab.Links[idx]
	if !b.mine[l.A.Node] || !b.mine[l.B.Node] {
		localEnd, remoteEnd := l.A, l.B
		if !b.mine[l.A.Node] {
			localEnd, remoteEnd = l.B, l.A
		}
		if err := b.opts.CrossLink.BuildCrossLink(ctx, b.lab, idx, localEnd, remoteEnd, labpath.NetnsPath(b.lab.Name, localEnd.Node)); err != nil {
			return err
		}
		// An instance's end keeps its fixed MAC across machines too: the
		// VPC router's DHCP server, maybe on the other one, leases by it.
		return b.setInstanceMAC(localEnd)
	}
	ha, err := nsHandle(b.lab.Name, l.A.Node)
	if err != nil {
		return err
	}
	defer ha.Close()
	nsb, err := ns.GetNS(labpath.NetnsPath(b.lab.Name, l.B.Node))
	if err != nil {
		return fmt.Errorf("link %s: open netns of %q: %w", linkName(l), l.B.Node, err)
	}
	defer nsb.Close()
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: l.A.Iface},
		PeerName:      l.B.Iface,
		PeerNamespace: netlink.NsFd(int(nsb.Fd())),
	}
	// An instance's interface has a fixed MAC, which the VPC's DHCP server
	// and metadata service know from the model.
	if mac := instanceMAC(b.lab, l.A.Node); mac != nil {
		veth.LinkAttrs.HardwareAddr = mac
	}
	if mac := instanceMAC(b.lab, l.B.Node); mac != nil {
		veth.PeerHardwareAddr = mac
	}
	if err := ha.LinkAdd(veth); err != nil {
		return fmt.Errorf("link %s: add veth %s:%s–%s:%s: %w", linkName(l), l.A.Node, l.A.Iface, l.B.Node, l.B.Iface, err)
	}
	return nil
}

// configureNode sets everything inside one node once its links exist:
// lo, addresses, interfaces up, shaping, routes, per-port sysctls.
func (b *builder) configureNode(n *topo.Node) error {
	h, err := nsHandle(b.lab.Name, n.Name)
	if err != nil {
		return err
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("node %q: find lo: %w", n.Name, err)
	}
	if err := h.LinkSetUp(lo); err != nil {
		return fmt.Errorf("node %q: set lo up: %w", n.Name, err)
	}
	if n.Kind == topo.KindSwitch {
		return b.configureSwitch(h, n)
	}
	if n.Loopback.IsValid() {
		if err := h.AddrAdd(lo, &netlink.Addr{IPNet: prefixNet(n.Loopback)}); err != nil {
			return fmt.Errorf("node %q: add loopback %s: %w", n.Name, n.Loopback, err)
		}
	}
	var proxyARP []string
	for _, ifc := range n.Interfaces {
		link, err := h.LinkByName(ifc.Name)
		if err != nil {
			if b.isRemote(ifc.Peer) {
				continue // the cross-link hook configures it
			}
			return fmt.Errorf("node %q: find %s: %w", n.Name, ifc.Name, err)
		}
		addr := &netlink.Addr{IPNet: prefixNet(ifc.Addr)}
		if ifc.HostRoute {
			addr.Flags = unix.IFA_F_NOPREFIXROUTE
		}
		// An instance gets its address (and default route) from the VPC's
		// DHCP server, as on EC2: its dhclient configures it at start.
		if !usesDHCP(b.lab, n) {
			if err := h.AddrAdd(link, addr); err != nil {
				return fmt.Errorf("node %q: add %s to %s: %w", n.Name, ifc.Addr, ifc.Name, err)
			}
		}
		if err := b.shape(h.Handle, n, ifc, link); err != nil {
			return err
		}
		if err := h.LinkSetUp(link); err != nil {
			return fmt.Errorf("node %q: set %s up: %w", n.Name, ifc.Name, err)
		}
		if ifc.HostRoute {
			peer := b.peerAddr(ifc)
			if peer.IsValid() {
				r := &netlink.Route{
					LinkIndex: link.Attrs().Index,
					Dst:       &net.IPNet{IP: peer.AsSlice(), Mask: net.CIDRMask(32, 32)},
					Scope:     netlink.SCOPE_LINK,
				}
				if err := h.RouteReplace(r); err != nil {
					return fmt.Errorf("node %q: route %s/32 dev %s: %w", n.Name, peer, ifc.Name, err)
				}
			}
			proxyARP = append(proxyARP, ifc.Name)
		}
	}
	for _, a := range vpcServiceAddrs(b.lab, n) {
		if err := h.AddrAdd(lo, &netlink.Addr{IPNet: prefixNet(netip.PrefixFrom(a, 32))}); err != nil {
			return fmt.Errorf("node %q: add VPC service address %s to lo: %w", n.Name, a, err)
		}
	}
	for _, r := range n.Routes {
		if usesDHCP(b.lab, n) {
			break // DHCP's
		}
		route := &netlink.Route{Dst: prefixNet(r.To.Masked()), Gw: r.Via.AsSlice()}
		if err := h.RouteReplace(route); err != nil {
			return fmt.Errorf("node %q: route %s via %s: %w", n.Name, r.To, r.Via, err)
		}
	}
	// An internet gateway DNATs the public IPs in use before routing; a
	// packet to an unused one of its pool would follow the default route
	// back to the edge, which sends it here again until its TTL runs out.
	// AWS drops it: so does the blackhole.
	for _, v := range b.lab.VPCs {
		if v.IGW != n.Name || !v.PublicIPPool.IsValid() {
			continue
		}
		route := &netlink.Route{Dst: prefixNet(v.PublicIPPool.Masked()), Type: unix.RTN_BLACKHOLE}
		if err := h.RouteReplace(route); err != nil {
			return fmt.Errorf("node %q: blackhole route for vpc %q's public_ip_pool %s: %w", n.Name, v.Name, v.PublicIPPool, err)
		}
	}
	if len(proxyARP) > 0 {
		if err := sysctlsIn(h.Path(), n.Name, proxyARP); err != nil {
			return err
		}
	}
	return nil
}

// usesDHCP says whether node configures its address by DHCP: an instance
// of one of the lab's VPCs (whose router runs the DHCP server).
func usesDHCP(lab *topo.Lab, n *topo.Node) bool {
	return n.Kind == topo.KindInstance && lab.VPC(n.VPC) != nil
}

// setInstanceMAC gives end its instance's fixed MAC (nothing for other
// nodes).
func (b *builder) setInstanceMAC(end topo.Endpoint) error {
	mac := instanceMAC(b.lab, end.Node)
	if mac == nil {
		return nil
	}
	h, err := nsHandle(b.lab.Name, end.Node)
	if err != nil {
		return err
	}
	defer h.Close()
	link, err := h.LinkByName(end.Iface)
	if err != nil {
		return fmt.Errorf("node %q: find %s: %w", end.Node, end.Iface, err)
	}
	if err := h.LinkSetHardwareAddr(link, mac); err != nil {
		return fmt.Errorf("node %q: set %s's MAC %s: %w", end.Node, end.Iface, mac, err)
	}
	return nil
}

// instanceMAC is the fixed MAC of node's interface when node is an
// instance (topo.InstanceMAC), else nil.
func instanceMAC(lab *topo.Lab, node string) net.HardwareAddr {
	n := lab.Node(node)
	if n == nil || n.Kind != topo.KindInstance || n.Instance == nil || !n.Instance.PrivateIP.IsValid() {
		return nil
	}
	mac, err := net.ParseMAC(topo.InstanceMAC(n.Instance.PrivateIP))
	if err != nil {
		return nil
	}
	return mac
}

// vpcServiceAddrs are the addresses a VPC's services answer on, held on
// lo: the VPC router's (resolver at base+2, 169.254.169.253/.254/.123)
// and the internet gateway's public DNS address.
func vpcServiceAddrs(lab *topo.Lab, n *topo.Node) []netip.Addr {
	v := lab.VPC(n.VPC)
	if v == nil {
		return nil
	}
	switch n.Kind {
	case topo.KindVPCRouter:
		return topo.VPCServiceAddrs(v)
	case topo.KindIGW:
		if a := topo.PublicDNSAddr(v); a.IsValid() {
			return []netip.Addr{a}
		}
	}
	return nil
}

// sysctlsIn turns proxy ARP on for the given ports of a node, from a
// thread inside the node's namespace (/proc/sys/net is the opening
// thread's network namespace).
func sysctlsIn(netnsPath, node string, ports []string) error {
	return inns.Do(netnsPath, func() error {
		for _, p := range ports {
			k := filepath.Join("/proc/sys/net/ipv4/conf", p, "proxy_arp")
			if err := os.WriteFile(k, []byte("1"), 0o644); err != nil {
				return fmt.Errorf("node %q: proxy_arp on %s: %w", node, p, err)
			}
		}
		return nil
	})
}

func (b *builder) isRemote(node string) bool { return !b.mine[node] }

// peerAddr is the address of the other end of ifc's link.
func (b *builder) peerAddr(ifc *topo.Interface) netipAddr {
	if ifc.Link < 0 || ifc.Link >= len(b.lab.Links) {
		return netipAddr{}
	}
	l := b.lab.Links[ifc.Link]
	if l.A.Node == ifc.Peer && l.A.Iface == ifc.PeerIface {
		return l.A.Addr.Addr()
	}
	return l.B.Addr.Addr()
}

// shape applies the link's rate (tbf) to this end when a rate is all the
// link has; both ends get the same, so the link is shaped both ways. Any
// other impairment is lab's impair stage (nodes/impair: netem where the
// kernel has it, netemu's own path where not), which sets the rate too.
func (b *builder) shape(h *netlink.Handle, n *topo.Node, ifc *topo.Interface, link netlink.Link) error {
	if ifc.Link < 0 || ifc.Link >= len(b.lab.Links) {
		return nil
	}
	l := b.lab.Links[ifc.Link]
	if l.Bandwidth == 0 || !l.Impairment().OnlyRate() {
		return nil
	}
	attrs := netlink.QdiscAttrs{LinkIndex: link.Attrs().Index, Handle: netlink.MakeHandle(1, 0), Parent: netlink.HANDLE_ROOT}
	q := impair.TBF(attrs, l.Bandwidth) // the same tbf as `link set --rate`
	if err := h.QdiscReplace(q); err != nil {
		return fmt.Errorf("node %q: shape %s (link %s): %w", n.Name, ifc.Name, linkName(l), err)
	}
	return nil
}
