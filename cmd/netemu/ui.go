package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/ui"
)

func newUICmd(g *globals) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "ui [LAB]",
		Short: "The live view in a browser: graph, link faults, traces, events, terminals",
		Long: "Serves a page for the running lab and prints its URL with a random token, once.\n" +
			"It listens on loopback unless --listen names another address explicitly: the page\n" +
			"opens root shells in every node. Every asset is embedded in the binary.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := lab.Share(lab.Query{Lab: g.labArg(args)})
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return ui.ServeShare(ctx, st, g.logger(), ui.ServeOptions{Listen: listen, Explicit: cmd.Flags().Changed("listen"), Out: os.Stdout})
		},
	}
	cmd.Flags().StringVar(&listen, "listen", ui.DefaultListen, "host:port to listen on; a non-loopback address only when given explicitly")
	return cmd
}
