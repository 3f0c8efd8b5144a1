package lab

import (
	"net/netip"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// Trace follows the kernel's route lookup from node from to to (a node or
// an address) in the share's namespaces, as `netemu trace` shows it: an
// instance outside from's VPC is reached at its public IP, translated at
// the internet gateway as its NAT does, and hops over a faulty link or a
// router whose agent is stopped say so.
func Trace(st *nodes.State, from, to string) (*converge.Path, error) {
	lab := st.Model
	aws, err := fw.LoadState(st.Dir)
	if err != nil {
		aws = nil // a lab without VPCs has no aws.json
	}
	dst, perr := netip.ParseAddr(to)
	if perr != nil {
		publicIP := func(node string) netip.Addr {
			if aws == nil {
				return netip.Addr{}
			}
			return aws.PublicIP(node)
		}
		if dst, err = converge.Address(lab, from, to, publicIP); err != nil {
			return nil, err
		}
	}
	kt := converge.NewKernelTables(lab.Name)
	defer kt.Close()
	p, err := converge.Trace(lab, kt, from, dst, converge.TraceOptions{Translate: traceNAT(lab, aws)})
	if err != nil {
		return nil, err
	}
	if f, err := fault.Load(st.Dir); err == nil {
		annotateFaults(lab, p, f)
	}
	return p, nil
}

// traceNAT maps an instance's public IP to its private one at its VPC's
// internet gateway, where the 1:1 NAT rewrites it before routing.
func traceNAT(lab *topo.Lab, aws *fw.State) func(node string, dst netip.Addr) netip.Addr {
	return func(node string, dst netip.Addr) netip.Addr {
		n := lab.Node(node)
		if n == nil || n.Kind != topo.KindIGW || aws == nil {
			return dst
		}
		for _, v := range lab.VPCs {
			if v.IGW != node {
				continue
			}
			for _, m := range fw.Mappings(lab, v, aws) {
				if m.Public == dst {
					return m.Private
				}
			}
		}
		return dst
	}
}

// annotateFaults marks hops whose outgoing link has a fault in force, and
// routers whose agent is stopped (their kernel still forwards).
func annotateFaults(lab *topo.Lab, p *converge.Path, f *fault.File) {
	for i := range p.Hops {
		h := &p.Hops[i]
		if f.NodeStopped(h.Node) {
			h.Note = "agent stopped"
		}
		n := lab.Node(h.Node)
		if n == nil || h.OutIface == "" {
			continue
		}
		if ifc := n.Interface(h.OutIface); ifc != nil {
			if x := f.LinkFault(h.Node+":"+h.OutIface, ifc.Peer+":"+ifc.PeerIface); x != nil {
				h.Note = x.Kind
			}
		}
	}
}
