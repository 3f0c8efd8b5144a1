package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/routing/converge"
)

func newTraceCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
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
			p, err := lab.Trace(st, args[0], args[1])
			if err != nil {
				return err
			}
			if output == outputJSON {
				err = printJSON(cmd.OutOrStdout(), lab.TraceReportOf(p))
			} else {
				_, err = fmt.Fprint(cmd.OutOrStdout(), p.Format())
			}
			if err == nil && p.Result != converge.Reached {
				// Scripts test reachability by the exit status; the path
				// itself is printed above.
				return &exitError{code: exitFailure, err: fmt.Errorf("%s does not reach %s: %s", args[0], args[1], p.Result)}
			}
			return err
		},
	}, &output)
}
