package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
)

// newNodeViewCmd is a read command of one NODE: get fetches the node's
// report, printed as JSON with -o json, else by text.
func newNodeViewCmd[T any](use, short string, get func(ctx context.Context, node string) (T, error), text func(T, io.Writer) error) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return show(os.Stdout, output, v, func() error { return text(v, os.Stdout) })
		},
	}, &output)
}

// newRIPCmd is `netemu rip NODE`: a router's RIP neighbours and table,
// from its agent.
func newRIPCmd(g *globals) *cobra.Command {
	return newNodeViewCmd("rip NODE", "Show a router's RIP neighbours and table",
		func(ctx context.Context, node string) (*lab.RIPReport, error) {
			return lab.RIPSummary(ctx, g.lab, node)
		},
		func(s *lab.RIPReport, w io.Writer) error { return s.WriteText(w, time.Now()) })
}

// newOSPFCmd is `netemu ospf NODE`: a router's OSPF interfaces,
// neighbours, database and routes, from its agent.
func newOSPFCmd(g *globals) *cobra.Command {
	return newNodeViewCmd("ospf NODE", "Show a router's OSPF neighbours, database and routes",
		func(ctx context.Context, node string) (*lab.OSPFReport, error) {
			return lab.OSPFSummary(ctx, g.lab, node)
		},
		(*lab.OSPFReport).WriteText)
}

// newBFDCmd is `netemu bfd NODE`: a router's BFD sessions, from its agent.
func newBFDCmd(g *globals) *cobra.Command {
	return newNodeViewCmd("bfd NODE", "Show a router's BFD sessions: state, intervals, last diagnostic",
		func(ctx context.Context, node string) (*lab.BFDReport, error) {
			return lab.BFDSummary(ctx, g.lab, node)
		},
		(*lab.BFDReport).WriteText)
}

// newRoutesCmd is `netemu routes NODE`: the node's kernel routing table,
// read through netlink — what the kernel forwards with, whoever put it there.
func newRoutesCmd(g *globals) *cobra.Command {
	return newNodeViewCmd("routes NODE", "A node's kernel routing table (all tables but local), with each route's protocol",
		func(_ context.Context, node string) (*lab.RoutesReport, error) {
			st, err := selectNodeShare(g, node)
			if err != nil {
				return nil, err
			}
			rs, err := nodes.Routes(st, node)
			if err != nil {
				return nil, err
			}
			r := lab.RoutesReportOf(node, rs)
			return &r, nil
		},
		(*lab.RoutesReport).WriteText)
}

// newSGCmd is `netemu sg INSTANCE`: its security groups and ACLs as the
// kernel holds them, with counters.
func newSGCmd(g *globals) *cobra.Command {
	return newNodeViewCmd("sg INSTANCE", "An instance's effective security group and network ACL rules with packet/byte counters",
		func(ctx context.Context, name string) (*lab.SGView, error) {
			st, err := selectNodeShare(g, name)
			if err != nil {
				return nil, err
			}
			return lab.SecurityGroups(ctx, st, name)
		},
		(*lab.SGView).WriteText)
}
