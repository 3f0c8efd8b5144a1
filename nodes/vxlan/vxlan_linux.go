package vxlan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// Linker builds the local end of cut links as VXLAN devices. It implements
// nodes.CrossLinker. The underlay is the network namespace the calling
// process runs in: the machine's own, or a simulated machine's under
// `nsenter --net=…`.
type Linker struct {
	log hclog.Logger

	mu      sync.Mutex
	records map[string][]Record // state dir → records built so far
	plans   map[planKey]map[int]Cross
}

type planKey struct {
	lab     *topo.Lab
	machine string
}

// cross is link's tunnel as machine sees it, or nil when link is not cut;
// the plan is computed once per lab and machine, not once per link.
func (x *Linker) cross(lab *topo.Lab, machine string, link int) *Cross {
	x.mu.Lock()
	defer x.mu.Unlock()
	k := planKey{lab, machine}
	p, ok := x.plans[k]
	if !ok {
		p = map[int]Cross{}
		for _, c := range CrossLinks(lab, machine) {
			p[c.Link] = c
		}
		x.plans[k] = p
	}
	c, ok := p[link]
	if !ok {
		return nil
	}
	return &c
}

var _ nodes.CrossLinker = (*Linker)(nil)

// New returns a Linker logging to log.
func New(log hclog.Logger) *Linker {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Linker{log: log.Named("vxlan"), records: map[string][]Record{}, plans: map[planKey]map[int]Cross{}}
}

// BuildCrossLink creates the VXLAN device in the underlay, moves it into
// the local node's namespace and gives it the model's interface name. The
// builder then addresses it, shapes it and brings it up like a veth end.
func (x *Linker) BuildCrossLink(ctx context.Context, lab *topo.Lab, link int, local, remote topo.Endpoint, localNetns string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := lab.Node(local.Node)
	if n == nil {
		return fmt.Errorf("cross link %d: no node %q", link, local.Node)
	}
	c := x.cross(lab, n.Machine, link)
	if c == nil {
		return fmt.Errorf("link %s–%s is not cut between machines", local.Node, remote.Node)
	}
	log := x.log.With("node", local.Node, "iface", local.Iface, "vni", c.VNI, "remote", c.RemoteAddr)
	if !c.LocalAddr.IsValid() || !c.RemoteAddr.IsValid() {
		return fmt.Errorf("link %s: machines %s/%s need addresses", c.Name, c.LocalMachine, c.RemoteMachine)
	}
	if err := checkLocalAddr(c); err != nil {
		return err
	}
	dev, umtu, err := underlayTowards(c.RemoteAddr)
	if err != nil {
		return fmt.Errorf("link %s: underlay towards machine %s (%s): %w", c.Name, c.RemoteMachine, c.RemoteAddr, err)
	}
	mtu := TunnelMTU(umtu, c.RemoteAddr)
	tmp := TempName(lab.Name, c.LocalMachine, link)
	if old, err := netlink.LinkByName(tmp); err == nil {
		// Left by a build that died between create and move.
		if err := netlink.LinkDel(old); err != nil {
			return fmt.Errorf("link %s: remove stale %s: %w", c.Name, tmp, err)
		}
	}
	v := &netlink.Vxlan{
		LinkAttrs: netlink.LinkAttrs{Name: tmp, MTU: mtu},
		VxlanId:   int(c.VNI),
		SrcAddr:   c.LocalAddr.AsSlice(),
		Group:     c.RemoteAddr.AsSlice(), // unicast: the one remote end
		Port:      int(c.Port),
		Learning:  false,
		// The outer header's TTL; 0 would inherit the inner one, and a
		// traceroute's small TTLs must not die in the underlay.
		TTL: 64,
	}
	if err := netlink.LinkAdd(v); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("link %s: VNI %d on UDP port %d is already used by another VXLAN device in this machine's namespace (another lab?): %w", c.Name, c.VNI, c.Port, err)
		}
		return fmt.Errorf("link %s: add vxlan %s (VNI %d): %w", c.Name, tmp, c.VNI, err)
	}
	moved := false
	defer func() {
		if !moved {
			if l, err := netlink.LinkByName(tmp); err == nil {
				_ = netlink.LinkDel(l)
			}
		}
	}()
	h, err := inns.Open(localNetns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("link %s: node %s: %w", c.Name, local.Node, err)
	}
	defer h.Close()
	l, err := netlink.LinkByName(tmp)
	if err != nil {
		return fmt.Errorf("link %s: find %s: %w", c.Name, tmp, err)
	}
	if err := netlink.LinkSetNsFd(l, int(h.NsFd())); err != nil {
		return fmt.Errorf("link %s: move %s into %s: %w", c.Name, tmp, local.Node, err)
	}
	moved = true
	l, err = h.LinkByName(tmp)
	if err != nil {
		return fmt.Errorf("link %s: find %s in %s: %w", c.Name, tmp, local.Node, err)
	}
	if err := h.LinkSetName(l, local.Iface); err != nil {
		return fmt.Errorf("link %s: rename %s to %s in %s: %w", c.Name, tmp, local.Iface, local.Node, err)
	}
	log.Debug("tunnel built", "underlay", dev, "mtu", mtu)
	return x.record(labpath.StateDir(lab.Name, c.LocalMachine), Record{Cross: *c, Underlay: dev, UnderlayMTU: umtu, MTU: mtu})
}

func (x *Linker) record(dir string, r Record) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	rs := append(x.records[dir], r)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Link < rs[j].Link })
	x.records[dir] = rs
	return save(dir, rs)
}

// checkLocalAddr fails early, with the fix in the message, when the
// machine's address from the file is not on this host: the wrong
// --machine, or the wrong namespace.
func checkLocalAddr(c *Cross) error {
	addrs, err := netlink.AddrList(nil, unix.AF_UNSPEC)
	if err != nil {
		return fmt.Errorf("list this machine's addresses: %w", err)
	}
	want := net.IP(c.LocalAddr.AsSlice())
	for _, a := range addrs {
		if a.IP.Equal(want) {
			return nil
		}
	}
	return fmt.Errorf("link %s: machine %s's address %s is not on this host (is this machine %s? check --machine)", c.Name, c.LocalMachine, c.LocalAddr, c.LocalMachine)
}

// underlayTowards is the device (and its MTU) the kernel routes the remote
// machine's address through.
func underlayTowards(remote netip.Addr) (string, int, error) {
	routes, err := netlink.RouteGet(net.IP(remote.AsSlice()))
	if err != nil {
		return "", 0, fmt.Errorf("no route: %w", err)
	}
	if len(routes) == 0 {
		return "", 0, errors.New("no route")
	}
	l, err := netlink.LinkByIndex(routes[0].LinkIndex)
	if err != nil {
		return "", 0, fmt.Errorf("route's device: %w", err)
	}
	return l.Attrs().Name, l.Attrs().MTU, nil
}

// RemoveStale deletes the underlay devices of machine's tunnels that a
// build killed between creating a device and moving it into its node left
// behind (moved devices die with their node's namespace).
func RemoveStale(lab *topo.Lab, machine string) error {
	if machine == "" {
		return nil
	}
	var errs []error
	for _, c := range CrossLinks(lab, machine) {
		name := TempName(lab.Name, machine, c.Link)
		if l, err := netlink.LinkByName(name); err == nil {
			if err := netlink.LinkDel(l); err != nil {
				errs = append(errs, fmt.Errorf("remove stale tunnel device %s (link %s): %w", name, c.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}
