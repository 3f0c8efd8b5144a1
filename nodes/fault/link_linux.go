package fault

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// Injector breaks and repairs one running lab share.
type Injector struct {
	Lab      *topo.Lab
	StateDir string
	// Machine is the share's machine in a multi-host lab: only the link
	// ends placed on it are touched ("" in a lab without machines).
	Machine string
	Log     hclog.Logger
	// Now is the clock faults are stamped with (time.Now when nil).
	Now func() time.Time
}

func (in *Injector) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

func (in *Injector) log() hclog.Logger {
	if in.Log == nil {
		return hclog.NewNullLogger()
	}
	return in.Log.Named("fault")
}

// Update changes the faults file under an exclusive lock, so two commands
// injecting faults at once do not lose each other's record.
func Update(stateDir string, fn func(*File) error) error {
	lf, err := os.OpenFile(filepath.Join(stateDir, "faults.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("lock faults: %w", err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock faults: %w", err)
	}
	f, err := Load(stateDir)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		return err
	}
	return save(stateDir, f)
}

// record stores one injection or repair, stamped now unless the caller
// stamped it already (with the time the change began, so that what the
// agents saw in the meantime is not before the failure).
func (in *Injector) record(r Record) error {
	if r.Time.IsZero() {
		r.Time = in.now()
	}
	return Update(in.StateDir, func(f *File) error {
		f.apply(r)
		return nil
	})
}

// endHandle is a netlink handle in one end's namespace and that end's link.
type endHandle struct {
	node  string
	h     *inns.Handle
	link  netlink.Link
	iface *topo.Interface
}

func (e *endHandle) close() {
	e.h.Close()
}

func (in *Injector) openEnd(ep topo.Endpoint) (*endHandle, error) {
	h, err := inns.Open(labpath.NetnsPath(in.Lab.Name, ep.Node))
	if err != nil {
		return nil, fmt.Errorf("node %q: %w (is the lab up on this machine?)", ep.Node, err)
	}
	link, err := h.LinkByName(ep.Iface)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("node %q: interface %s: %w", ep.Node, ep.Iface, err)
	}
	var iface *topo.Interface
	if n := in.Lab.Node(ep.Node); n != nil {
		iface = n.Interface(ep.Iface)
	}
	return &endHandle{node: ep.Node, h: h, link: link, iface: iface}, nil
}

// openLink opens the ends of the link between a and b that this share
// holds; the far end of a tunnel is another machine's to change.
func (in *Injector) openLink(a, b string) (Split, []*endHandle, error) {
	sp, err := SplitLink(in.Lab, in.Machine, a, b)
	if err != nil {
		return Split{}, nil, err
	}
	var ends []*endHandle
	for _, ep := range sp.Local {
		e, err := in.openEnd(ep)
		if err != nil {
			for _, o := range ends {
				o.close()
			}
			return Split{}, nil, err
		}
		ends = append(ends, e)
	}
	return sp, ends, nil
}

// LinkDown cuts the link between a and b. Without silent both ends go
// admin down, so each side sees its carrier go (the peer of a downed veth
// loses carrier too). With silent both ends drop every packet they would
// send, ARP included, while the carrier stays up: only hold timers and
// route timeouts can notice.
//
// On a tunnel to another machine only the local end changes: down, its
// far end keeps its carrier; silent, the local end drops what it sends
// and what it receives, so the link is silent both ways from one side.
func (in *Injector) LinkDown(a, b string, silent bool) error {
	began := in.now()
	if sp, err := SplitLink(in.Lab, in.Machine, a, b); err == nil && silent && sp.Cross() && !haveNft() {
		// Refuse before any end changes, rather than leave half a fault.
		return fmt.Errorf("link %s–%s: %w", sp.Link.A.Node, sp.Link.B.Node, errNoNft)
	}
	// A fault of the other kind may be in force; start from a clean link so
	// that `link down` after `link down --silent` means exactly carrier loss.
	return in.onClearedLink(a, b, false, func(sp Split, ends []*endHandle) error {
		l := sp.Link
		kind := KindLinkDown
		for _, e := range ends {
			var err error
			if silent {
				kind = KindLinkSilent
				err = dropAll(e)
				if err == nil && sp.Cross() {
					err = in.dropIngress(e)
				}
			} else if l.Kind == topo.LinkSwitch && e.node == l.A.Node && !sp.Cross() {
				// A member unplugged from a switch: its port goes down, so
				// the member sees its carrier go, its own end stays up.
				continue
			} else if err = e.h.LinkSetDown(e.link); err != nil {
				err = fmt.Errorf("node %q: set %s down: %w", e.node, e.link.Attrs().Name, err)
			}
			if err != nil {
				return err
			}
		}
		in.log().Info("link fault injected", "kind", kind, "a", l.A.Node, "b", l.B.Node)
		return in.record(Record{Time: began, Kind: kind, A: l.A.Node, B: l.B.Node, AIface: l.A.Iface, BIface: l.B.Iface})
	})
}

// LinkUp removes whichever fault the link between a and b has and puts
// back the static routes the kernel flushed when an end went down.
func (in *Injector) LinkUp(a, b string) error {
	began := in.now()
	return in.onClearedLink(a, b, true, func(sp Split, ends []*endHandle) error {
		l := sp.Link
		for _, e := range ends {
			if err := in.restoreRoutes(e, l); err != nil {
				return err
			}
		}
		in.log().Info("link repaired", "a", l.A.Node, "b", l.B.Node)
		return in.record(Record{Time: began, Kind: KindLinkUp, A: l.A.Node, B: l.B.Node, AIface: l.A.Iface, BIface: l.B.Iface})
	})
}

// onClearedLink opens this share's ends of the link between a and b,
// removes any fault on them (leaving them admin up when up), runs fn, and
// closes the ends.
func (in *Injector) onClearedLink(a, b string, up bool, fn func(Split, []*endHandle) error) error {
	sp, ends, err := in.openLink(a, b)
	if err != nil {
		return err
	}
	defer func() {
		for _, e := range ends {
			e.close()
		}
	}()
	for _, e := range ends {
		if err := in.clearEnd(e, up); err != nil {
			return err
		}
		if sp.Cross() {
			if err := in.undropIngress(e); err != nil {
				return err
			}
		}
	}
	return fn(sp, ends)
}

// clearEnd removes a silent fault's blackhole and, when up, sets the end admin up.
func (in *Injector) clearEnd(e *endHandle, up bool) error {
	if err := undropAll(e); err != nil {
		return err
	}
	if !up {
		return nil
	}
	if err := e.h.LinkSetUp(e.link); err != nil {
		return fmt.Errorf("node %q: set %s up: %w", e.node, e.link.Attrs().Name, err)
	}
	return nil
}

// dropAll makes the end drop every frame it sends, ARP included, with a
// blackhole qdisc: this kernel has no tc classifiers or gact action to
// filter with, and no netem. A bandwidth-limited end keeps its tbf root
// and gets the blackhole as tbf's inner qdisc, so the repair only swaps
// the inner qdisc back. Both ends doing it silences both directions.
func dropAll(e *endHandle) error {
	parent, err := dropParent(e)
	if err != nil {
		return err
	}
	q := &netlink.GenericQdisc{QdiscType: "blackhole", QdiscAttrs: netlink.QdiscAttrs{
		LinkIndex: e.link.Attrs().Index,
		Parent:    parent,
	}}
	if err := e.h.QdiscReplace(q); err != nil {
		return fmt.Errorf("node %q: add blackhole qdisc on %s: %w", e.node, e.link.Attrs().Name, err)
	}
	return nil
}

// dropParent is where the blackhole goes: under a tbf root, else the root.
func dropParent(e *endHandle) (uint32, error) {
	qs, err := e.h.QdiscList(e.link)
	if err != nil {
		return 0, fmt.Errorf("node %q: list qdiscs of %s: %w", e.node, e.link.Attrs().Name, err)
	}
	for _, q := range qs {
		if tbf, ok := q.(*netlink.Tbf); ok && tbf.Attrs().Parent == netlink.HANDLE_ROOT {
			major, _ := netlink.MajorMinor(tbf.Attrs().Handle)
			return netlink.MakeHandle(major, 1), nil
		}
	}
	return netlink.HANDLE_ROOT, nil
}

// undropAll removes a blackhole qdisc from the end, if it has one: at the
// root it is deleted (the device's default qdisc comes back); under a tbf
// it is replaced by a plain FIFO, since tbf with no inner qdisc would drop
// everything. A link without one is fine.
func undropAll(e *endHandle) error {
	qs, err := e.h.QdiscList(e.link)
	if err != nil {
		return fmt.Errorf("node %q: list qdiscs of %s: %w", e.node, e.link.Attrs().Name, err)
	}
	for _, q := range qs {
		if q.Type() != "blackhole" {
			continue
		}
		attrs := netlink.QdiscAttrs{LinkIndex: e.link.Attrs().Index, Parent: q.Attrs().Parent, Handle: q.Attrs().Handle}
		if q.Attrs().Parent == netlink.HANDLE_ROOT {
			err = e.h.QdiscDel(&netlink.GenericQdisc{QdiscType: "blackhole", QdiscAttrs: attrs})
		} else {
			attrs.Handle = 0
			err = e.h.QdiscReplace(&netlink.GenericQdisc{QdiscType: "pfifo_fast", QdiscAttrs: attrs})
		}
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("node %q: remove blackhole qdisc on %s: %w", e.node, e.link.Attrs().Name, err)
		}
	}
	return nil
}

// restoreRoutes re-adds the node's static routes through the link (the
// kernel deletes routes whose device goes admin down and never puts them
// back) and a VPC router's /32 towards an instance. Routes already present
// are left alone: routing daemons manage their own.
func (in *Injector) restoreRoutes(e *endHandle, l *topo.Link) error {
	n := in.Lab.Node(e.node)
	if n == nil {
		return nil
	}
	idx := e.link.Attrs().Index
	var routes []netlink.Route
	for _, r := range n.Routes {
		if !r.Via.IsValid() || !l.Subnet.Contains(r.Via) {
			continue
		}
		routes = append(routes, netlink.Route{
			LinkIndex: idx,
			Dst:       prefixNet(r.To),
			Gw:        net.IP(r.Via.AsSlice()),
		})
	}
	if e.iface != nil && e.iface.HostRoute {
		if peer := in.Lab.Node(e.iface.Peer); peer != nil {
			if pi := peer.Interface(e.iface.PeerIface); pi != nil {
				routes = append(routes, netlink.Route{
					LinkIndex: idx,
					Dst:       prefixNet(netipHost(pi.Addr.Addr())),
					Scope:     netlink.SCOPE_LINK,
				})
			}
		}
	}
	for _, r := range routes {
		if err := e.h.RouteAdd(&r); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("node %q: restore route %s: %w", e.node, r.Dst, err)
		}
	}
	return nil
}

// RecordImpair records a change of the link's impairments (to detail,
// "none" when cleared) in the timeline, stamped began.
func (in *Injector) RecordImpair(l *topo.Link, detail string, began time.Time) error {
	return in.record(Record{Time: began, Kind: KindLinkImpair, A: l.A.Node, B: l.B.Node, AIface: l.A.Iface, BIface: l.B.Iface, Detail: detail})
}
