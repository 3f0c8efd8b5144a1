package main

import (
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newEventsCmd(g *globals) *cobra.Command {
	var follow bool
	var since string
	var output outputFormat
	cmd := &cobra.Command{
		Use:   "events [LAB]",
		Short: "One timeline of every router's routing events, relative to the last failure",
		Long: "Merges every agent's events (link down seen, sessions and neighbours down/up, routes\n" +
			"withdrawn and added, new best paths, kernel installs) and netemu's own failure injections\n" +
			"into one time-ordered list, with times relative to the last failure or repair, and prints\n" +
			"the convergence time: the last routing change minus the failure.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := selectShare(g, args)
			if err != nil {
				return err
			}
			tl, from, err := lab.Events(st, since, time.Now())
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if follow {
				return lab.FollowEvents(cmd.Context(), w, st, from, tl, output == outputJSON)
			}
			if output == outputJSON {
				return printJSON(w, lab.EventsReportOf(tl))
			}
			_, err = io.WriteString(w, tl.Format())
			return err
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing events as they happen")
	cmd.Flags().StringVar(&since, "since", lab.LastFailure, "where the timeline starts: LAST_FAILURE, a duration back (5m) or an RFC 3339 time")
	return withOutput(cmd, &output)
}
