package main

import (
	"context"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/routing/routewatch"
)

// newRouteWatchCmd is the hidden `netemu routewatch` that `up` runs,
// supervised, in each router of an FRR lab: it writes the kernel's route
// changes into the router's event log, as netemu's agent does for the
// routes it installs, and the session changes bgpd logs.
func newRouteWatchCmd(g *globals) *cobra.Command {
	var node, path, bgpLog string
	cmd := &cobra.Command{
		Use:    "routewatch --node NAME --events FILE",
		Short:  "Log a router's kernel route changes to its event log (internal)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return routewatch.Watch(ctx, routewatch.WatcherOptions{Node: node, Events: path, BGPLog: bgpLog, Log: g.logger()})
		},
	}
	cmd.Flags().StringVar(&node, "node", "", "the router's node name")
	cmd.Flags().StringVar(&path, "events", "", "the router's event log (events.jsonl)")
	cmd.Flags().StringVar(&bgpLog, "bgp-log", "", "FRR bgpd's log, to read session changes from")
	_ = cmd.MarkFlagRequired("node")
	_ = cmd.MarkFlagRequired("events")
	return cmd
}
