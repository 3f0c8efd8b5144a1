package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/routing"
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
			events, err := routing.NewEventLog(path, node, 0)
			if err != nil {
				return fmt.Errorf("router %s: %w", node, err)
			}
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			logDone := make(chan error, 1)
			if bgpLog != "" {
				// A restarted watcher goes on where bgpd's log is now.
				var offset int64
				if st, err := os.Stat(bgpLog); err == nil {
					offset = st.Size()
				}
				go func() {
					err := routewatch.FollowBGPLog(ctx, bgpLog, offset, events)
					cancel()
					logDone <- err
				}()
			} else {
				logDone <- nil
			}
			err = routewatch.Run(ctx, events, g.logger().Named("routewatch").With("node", node))
			cancel()
			err = errors.Join(err, <-logDone)
			if err != nil {
				err = fmt.Errorf("router %s: %w", node, err)
			}
			return errors.Join(err, events.Close())
		},
	}
	cmd.Flags().StringVar(&node, "node", "", "the router's node name")
	cmd.Flags().StringVar(&path, "events", "", "the router's event log (events.jsonl)")
	cmd.Flags().StringVar(&bgpLog, "bgp-log", "", "FRR bgpd's log, to read session changes from")
	_ = cmd.MarkFlagRequired("node")
	_ = cmd.MarkFlagRequired("events")
	return cmd
}
