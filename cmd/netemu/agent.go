package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/netemu/netemu/routing/agent"
	"github.com/spf13/cobra"
)

// newAgentCmd is the hidden `netemu agent`: the per-router routing process
// that `up` starts inside each router's namespace.
func newAgentCmd(g *globals) *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:    "agent --config NODEDIR/agent.json",
		Short:  "Run a router's routing daemons (started by `netemu up`)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := agent.LoadConfig(config)
			if err != nil {
				return err
			}
			log := g.loggerNamed("agent")
			// SIGTERM ends the agent cleanly; its routes stay in the kernel
			// until the namespace goes.
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			if err := agent.Run(ctx, cfg, log); err != nil {
				return fmt.Errorf("agent %s: %w", cfg.Node, err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "the agent's configuration (agent.json)")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}
