package main

import (
	"context"
	"fmt"
	"os"

	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/topo"
)

// servicesStage makes the lab's key pairs, gives instances their own view
// of /etc and /home, starts sshd, the MTA, MariaDB and every `process`
// block, and waits until the services listen.
func servicesStage() upStage {
	return upStage{
		name: "services",
		check: func(r *upRun) error {
			// Only this machine's nodes need their programs here.
			return svc.Preflight(localShare(r.lab, r.machine), nil, nil)
		},
		run: func(ctx context.Context, r *upRun) error {
			res, err := svc.Up(ctx, r.state, svc.NodesRunner{}, r.log)
			if err != nil {
				return err
			}
			for _, name := range sortedNames(res.Keys) {
				fmt.Fprintf(os.Stdout, "key pair %s: %s", name, res.Keys[name])
				if c, ok := res.ClientKeys[name]; ok {
					fmt.Fprintf(os.Stdout, " (copy for %s: %s)", r.lab.ClientHost, c)
				}
				fmt.Fprintln(os.Stdout)
			}
			for _, node := range sortedNames(res.MariaDBPasswords) {
				fmt.Fprintf(os.Stdout, "mariadb on %s: user %s, password in %s\n", node, svc.MariaDBUser, res.MariaDBPasswords[node])
			}
			return nil
		},
	}
}

// localShare is lab with only the nodes machine builds (all of them when
// the lab has no machines).
func localShare(lab *topo.Lab, machine string) *topo.Lab {
	if machine == "" {
		return lab
	}
	cp := *lab
	cp.Nodes = nil
	for _, n := range lab.Nodes {
		if n.Machine == machine {
			cp.Nodes = append(cp.Nodes, n)
		}
	}
	return &cp
}
