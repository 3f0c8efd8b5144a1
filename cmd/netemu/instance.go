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
	for _, v := range []struct {
		verb, use, short string
		do               func(ctx context.Context, o lab.InstanceOptions) (*lab.InstanceChange, error)
	}{
		{"stop", "stop NAME", "Stop an instance: its programs, its link, its auto public IP", lab.StopInstance},
		{"start", "start NAME", "Start a stopped instance; prints its new public IP", lab.StartInstance},
	} {
		c := &cobra.Command{
			Use:   v.use,
			Short: v.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				name := args[0]
				if allMachines {
					l, err := lab.InstanceLab(g.lab, name)
					if err != nil {
						return err
					}
					// Every machine, not only those running a part of the
					// instance: each keeps every instance's public IP.
					return onMachines(cmd.Context(), os.Stdout, l, lab.MachineNames(l), "instance "+v.verb+" "+name, nil, func(m string) string {
						return lab.ShareCommand(l.Name, m, []string{"instance", v.verb, "--fanned-out", name})
					})
				}
				res, err := v.do(cmd.Context(), lab.InstanceOptions{Lab: g.lab, Name: name, FannedOut: fannedOut, Log: g.logger()})
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
		c.Flags().BoolVar(&allMachines, "all-machines", false, "run it over ssh ($NETEMU_SSH, default ssh) on every machine of the lab, in parallel")
		c.Flags().BoolVar(&fannedOut, "fanned-out", false, "set by --all-machines on the remote commands")
		c.Flags().MarkHidden("fanned-out")
		cmd.AddCommand(c)
	}
	return cmd
}
