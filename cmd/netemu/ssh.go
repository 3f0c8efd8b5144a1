package main

import (
	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/svc"
)

func newSSHCmd(g *globals) *cobra.Command {
	var t lab.SSHTarget
	cmd := &cobra.Command{
		Use:   "ssh INSTANCE [--] [CMD...]",
		Short: "ssh into an instance from the lab's client host with the lab's key",
		Long: "ssh into an instance from the lab's client host (the lab's `client`, e.g. mac) with the\n" +
			"instance's key pair, to its public IP (its private IP with --private). An instance with no\n" +
			"public IP (a private subnet) is reached as on AWS, through a bastion: --jump BASTION hops\n" +
			"through that instance's public IP with its own key pair.\n" +
			"Interactive without CMD; with CMD, runs it and exits with its status.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, rest := args[0], args[1:]
			if len(rest) > 0 && rest[0] == "--" {
				rest = rest[1:]
			}
			t.Name = name
			p, err := lab.SSH(g.lab, t, rest)
			if err != nil {
				return err
			}
			return nodes.Exec(p.State, p.Client, p.Argv...)
		},
	}
	cmd.Flags().StringVarP(&t.User, "user", "l", svc.LoginUser, "login user")
	cmd.Flags().BoolVar(&t.Private, "private", false, "connect to the private IP even when the instance has a public one")
	cmd.Flags().StringVarP(&t.Jump, "jump", "J", "", "reach the instance's private IP through this instance (a bastion with a public IP)")
	cmd.Flags().SetInterspersed(false)
	return cmd
}
