package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newLogsCmd(g *globals) *cobra.Command {
	var follow bool
	var output outputFormat
	cmd := &cobra.Command{
		Use:   "logs NODE [PROCESS]",
		Short: "Print the logs of the processes netemu supervises in a node (all, or one)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			node := args[0]
			st, err := selectNodeShare(g, node)
			if err != nil {
				return err
			}
			want := ""
			if len(args) == 2 {
				want = args[1]
			}
			if output == outputJSON {
				if follow {
					return usage(errors.New("--follow prints the logs as they come: it has no -o json"))
				}
				r, err := lab.LogsReportOf(st, node, want)
				if err != nil {
					return err
				}
				return printJSON(os.Stdout, r)
			}
			procs, err := lab.Logs(os.Stdout, st, node, want)
			if err != nil || !follow {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return lab.FollowLogs(ctx, os.Stdout, procs, 250*time.Millisecond)
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing what the processes log, until interrupted")
	return withOutput(cmd, &output)
}
