package main

import (
	"fmt"
	"io"
	"net/netip"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

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

func newTraceCmd(g *globals) *cobra.Command {
	output := outputTable
	cmd := &cobra.Command{
		Use:   "trace A B|ADDRESS",
		Short: "The path a packet from node A to node B (or an address) takes now, from the kernel tables",
		Long: "Follows the kernel's route lookup in each namespace: outgoing interface and gateway, the\n" +
			"node on the other end of that link, and so on, until the packet arrives, is dropped\n" +
			"(blackhole), loops, or leaves the lab. For an instance outside A's VPC the public IP is\n" +
			"used, translated at the internet gateway as its NAT does.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := selectNodeShare(g, args[0])
			if err != nil {
				return err
			}
			return runTrace(cmd.OutOrStdout(), st, args[0], args[1], output == "json")
		},
	}
	cmd.Flags().VarP(&output, "output", "o", outputUsage)
	return cmd
}

func runTrace(w io.Writer, st *nodes.State, from, to string, asJSON bool) error {
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
			return err
		}
	}
	kt := converge.NewKernelTables(lab.Name)
	defer kt.Close()
	p, err := converge.Trace(lab, kt, from, dst, converge.TraceOptions{Translate: traceNAT(lab, aws)})
	if err != nil {
		return err
	}
	if f, err := fault.Load(st.Dir); err == nil {
		annotateFaults(lab, p, f)
	}
	if asJSON {
		return printJSON(w, p)
	}
	_, err = fmt.Fprint(w, p.Format())
	return err
}
