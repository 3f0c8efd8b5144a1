package nodes

import (
	"fmt"

	"github.com/vishvananda/netlink"

	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/topo"
)

// BridgeName is the bridge inside a switch's namespace; its ports are the
// switch ends of the members' veth pairs (eth0, eth1, …).
const BridgeName = "br0"

// configureSwitch makes the switch's bridge and plugs every port in. The
// bridge lives in the switch's own namespace, so `down` (removing the
// namespace) removes it with its ports, after a crash too.
func (b *builder) configureSwitch(h *inns.Handle, n *topo.Node) error {
	off := false
	br := &netlink.Bridge{
		LinkAttrs: netlink.LinkAttrs{Name: BridgeName},
		// Snooping would hold back multicast (OSPF's 224.0.0.5/6 are
		// flooded anyway, but RIP's and users' groups would not be) until
		// a querier exists; a lab's segment is a plain hub-like switch.
		MulticastSnooping: &off,
	}
	if err := h.LinkAdd(br); err != nil {
		return fmt.Errorf("switch %q: add bridge %s: %w", n.Name, BridgeName, err)
	}
	for _, ifc := range n.Interfaces {
		port, err := h.LinkByName(ifc.Name)
		if err != nil {
			if b.isRemote(ifc.Peer) {
				continue // a cross-machine member: its tunnel end is plugged by the cross-link hook
			}
			return fmt.Errorf("switch %q: find port %s: %w", n.Name, ifc.Name, err)
		}
		if err := h.LinkSetMaster(port, br); err != nil {
			return fmt.Errorf("switch %q: plug %s into %s: %w", n.Name, ifc.Name, BridgeName, err)
		}
		if err := b.shape(h.Handle, n, ifc, port); err != nil {
			return err
		}
		if err := h.LinkSetUp(port); err != nil {
			return fmt.Errorf("switch %q: set port %s up: %w", n.Name, ifc.Name, err)
		}
	}
	// STP is off (the kernel's default), so ports forward at once.
	if err := h.LinkSetUp(br); err != nil {
		return fmt.Errorf("switch %q: set %s up: %w", n.Name, BridgeName, err)
	}
	return nil
}
