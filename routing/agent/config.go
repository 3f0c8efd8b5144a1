package agent

import (
	"fmt"

	"github.com/netemu/netemu/routing/rip"
	"github.com/netemu/netemu/topo"
)

// ConfigFor derives a router's agent configuration from the model. It is
// pure; the caller sets NodeDir.
func ConfigFor(lab *topo.Lab, node string) (*Config, error) {
	n := lab.Node(node)
	if n == nil {
		return nil, fmt.Errorf("agent: no node %q in lab %q", node, lab.Name)
	}
	if n.Kind != topo.KindRouter {
		return nil, fmt.Errorf("agent: node %q is a %s, not a router", node, n.Kind)
	}
	cfg := &Config{Lab: lab.Name, Node: node, Timers: lab.Timers, Loopback: n.Loopback}
	for _, i := range n.Interfaces {
		cfg.Interfaces = append(cfg.Interfaces, Interface{Name: i.Name, Addr: i.Addr, Peer: i.Peer, PeerIface: i.PeerIface})
	}
	r, err := ripConfigFor(lab, n)
	if err != nil {
		return nil, err
	}
	cfg.RIP = r
	if cfg.BGP, err = BGPConfigFor(lab, node); err != nil {
		return nil, err
	}
	if cfg.OSPF, err = ospfConfigFor(lab, n); err != nil {
		return nil, err
	}
	cfg.BFD = bfdConfigFor(lab, n, cfg)
	return cfg, nil
}

// ripInterface reports whether RIP runs on a router's interface: towards
// a router of the same AS when the AS's IGP is RIP, or on a link marked
// `igp = true` (a host running its own RIP speaker).
func ripInterface(lab *topo.Lab, n *topo.Node, i *topo.Interface) bool {
	as := lab.AS(n.AS)
	if i.Link >= 0 && i.Link < len(lab.Links) && lab.Links[i.Link].IGP {
		return as == nil || as.IGP != igpOSPF // an OSPF AS runs OSPF there
	}
	if as == nil || as.IGP != topo.IGPRIP {
		return false
	}
	p := lab.Node(i.Peer)
	return p != nil && p.Kind == topo.KindRouter && p.AS == n.AS || lab.SegmentPeer(n, i)
}

// ripConfigFor is nil when RIP runs on none of the router's interfaces.
func ripConfigFor(lab *topo.Lab, n *topo.Node) (*rip.Config, error) {
	c := &rip.Config{Update: lab.Timers.RIPUpdate, Timeout: lab.Timers.RIPTimeout, Garbage: lab.Timers.RIPGarbage}
	for _, i := range n.Interfaces {
		if !i.Addr.IsValid() {
			continue
		}
		ri := rip.Interface{Name: i.Name, Addr: i.Addr}
		c.Connected = append(c.Connected, ri)
		if ripInterface(lab, n, i) {
			c.Interfaces = append(c.Interfaces, ri)
		}
	}
	if len(c.Interfaces) == 0 {
		return nil, nil
	}
	if c.Update <= 0 || c.Timeout <= 0 || c.Garbage <= 0 {
		return nil, fmt.Errorf("agent: router %q: RIP timers not set (update %v, timeout %v, garbage %v)", n.Name, c.Update, c.Timeout, c.Garbage)
	}
	if n.Loopback.IsValid() {
		c.Originate = append(c.Originate, n.Loopback)
	}
	if as := lab.AS(n.AS); as != nil && as.RIPAuth != nil {
		a := *as.RIPAuth
		if a.Type != "plain" && a.Type != "md5" {
			return nil, fmt.Errorf("agent: AS %q: unknown RIP authentication %q (plain, md5)", as.Name, a.Type)
		}
		c.Auth = &rip.Auth{Type: a.Type, Key: a.Key, KeyID: a.KeyID}
	}
	return c, nil
}
