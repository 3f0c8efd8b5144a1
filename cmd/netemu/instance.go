package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newInstanceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "instance",
		Short: "Stop or start an EC2-like instance (its auto public IP changes, an Elastic IP stays)",
		Long: "Stop or start an EC2-like instance (its auto public IP changes, an Elastic IP stays).\n\n" +
			"In a multi-host lab every machine keeps the public IPs of all instances, and each machine\n" +
			"changes only what it runs (the instance, or its VPC's router and gateway): run the command\n" +
			"on every machine, or once with --all-machines (over ssh, in parallel).",
	}
	var allMachines, fannedOut bool
	var output outputFormat
	for _, v := range []struct {
		use, short string
		start      bool
		do         func(ctx context.Context, o lab.InstanceOptions) (*lab.InstanceChange, error)
	}{
		{"stop NAME", "Stop an instance: its programs, its link, its auto public IP", false, lab.StopInstance},
		{"start NAME", "Start a stopped instance; prints its new public IP", true, lab.StartInstance},
	} {
		c := &cobra.Command{
			Use:   v.use,
			Short: v.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				o := lab.InstanceOptions{Lab: g.lab, Name: args[0], FannedOut: fannedOut, Log: g.logger()}
				if allMachines {
					f, err := lab.InstanceFanOut(o, v.start)
					return fanOut(cmd.Context(), os.Stdout, f, err)
				}
				res, err := v.do(cmd.Context(), o)
				if output == outputJSON && err == nil && res != nil {
					return printJSON(os.Stdout, res.Report(o, v.start))
				}
				if res != nil {
					if err == nil {
						fmt.Println(res.Message)
					}
					for _, s := range []string{res.Warning, res.Hint} {
						if s != "" {
							fmt.Fprintf(os.Stderr, "netemu: %s\n", s)
						}
					}
				}
				return err
			},
		}
		addFanOutFlags(c, &allMachines, &fannedOut, "on every machine of the lab, in parallel")
		cmd.AddCommand(withOutput(c, &output))
	}
	return cmd
}
