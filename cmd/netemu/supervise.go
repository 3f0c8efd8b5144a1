package main

import (
	"context"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/nodes"
)

// newSuperviseCmd is the hidden `netemu supervise --config FILE` that
// nodes.StartProcess starts, detached, for each supervised program.
func newSuperviseCmd(g *globals) *cobra.Command {
	var cfg string
	cmd := &cobra.Command{
		Use:    "supervise --config FILE",
		Short:  "Run one program inside a node and restart it (internal)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			signal.Ignore(syscall.SIGHUP)
			return nodes.Supervise(ctx, cfg, g.logger())
		},
	}
	cmd.Flags().StringVar(&cfg, "config", "", "the process file written by StartProcess")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}
