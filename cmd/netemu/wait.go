package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newWaitCmd(g *globals) *cobra.Command {
	var timeout, quiet time.Duration
	var output outputFormat
	cmd := &cobra.Command{
		Use:   "wait [LAB]",
		Short: "Wait until routing has converged; print how long it took",
		Long: "Converged: every agent answers, every BGP session that can be up is Established, every\n" +
			"RIP neighbour across a working link is heard, sessions across a silently failed link are\n" +
			"down, and no RIB or kernel table changed for a quiet period derived from the timers.\n" +
			"On the deadline it fails, naming each router and session or neighbour not converged.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := selectShare(g, args)
			if err != nil {
				return err
			}
			parent := cmd.Context()
			ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
			defer stop()
			res, err := lab.Wait(ctx, st, lab.WaitOptions{Timeout: timeout, Quiet: quiet, Log: g.logger()})
			if err != nil {
				return interrupted(ctx, parent, err, "stopped waiting")
			}
			w := cmd.OutOrStdout()
			return show(w, output, res.Report(), func() error {
				_, err := fmt.Fprintln(w, res)
				return err
			})
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up after this long (default: derived from the lab's timers)")
	cmd.Flags().DurationVar(&quiet, "quiet", 0, "how long no routing change must happen (default: derived from the timers)")
	return withOutput(cmd, &output)
}
