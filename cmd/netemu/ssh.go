package main

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/topo"
)

func newSSHCmd(g *globals) *cobra.Command {
	var user string
	var private bool
	cmd := &cobra.Command{
		Use:   "ssh INSTANCE [--] [CMD...]",
		Short: "ssh into an instance from the lab's client host with the lab's key",
		Long: "ssh into an instance from the lab's client host (the lab's `client`, e.g. mac) with the\n" +
			"instance's key pair, to its public IP (its private IP when it has none or with --private).\n" +
			"Interactive without CMD; with CMD, runs it and exits with its status.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, rest := args[0], args[1:]
			if len(rest) > 0 && rest[0] == "--" {
				rest = rest[1:]
			}
			shares, err := sshShares(g, name)
			if err != nil {
				return err
			}
			st, argv, client, err := sshArgv(shares, name, user, private, rest)
			if err != nil {
				return err
			}
			return nodes.Exec(st, client, argv...)
		},
	}
	cmd.Flags().StringVarP(&user, "user", "l", svc.LoginUser, "login user")
	cmd.Flags().BoolVar(&private, "private", false, "connect to the private IP even when the instance has a public one")
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// sshShares returns the running shares on this machine of the one lab
// that has instance (--lab narrows the choice). In a multi-machine lab the
// instance and the client host may be in different shares.
func sshShares(g *globals, instance string) ([]*nodes.State, error) {
	states, err := nodes.ListStates()
	if err != nil && len(states) == 0 {
		return nil, err
	}
	byLab := map[string][]*nodes.State{}
	var labs []string
	for _, st := range states {
		if g.lab != "" {
			lab, machine := nodes.SplitShareName(g.lab)
			if st.Lab != lab || (machine != "" && st.Machine != machine) {
				continue
			}
		}
		if st.Model == nil || st.Model.Node(instance) == nil {
			continue
		}
		if byLab[st.Lab] == nil {
			labs = append(labs, st.Lab)
		}
		byLab[st.Lab] = append(byLab[st.Lab], st)
	}
	switch len(labs) {
	case 0:
		if g.lab != "" {
			return nil, fmt.Errorf("lab %s is not up here or has no node %q", g.lab, instance)
		}
		return nil, fmt.Errorf("no running lab here has a node %q", instance)
	case 1:
		return byLab[labs[0]], nil
	}
	sort.Strings(labs)
	return nil, fmt.Errorf("node %s is in several running labs (%s): say which with --lab", instance, strings.Join(labs, ", "))
}

// sshArgv picks the share holding the client host and builds the ssh
// command line run inside it.
func sshArgv(shares []*nodes.State, name, user string, private bool, remote []string) (st *nodes.State, argv []string, client string, err error) {
	model := shares[0].Model
	n := model.Node(name)
	if n == nil {
		return nil, nil, "", fmt.Errorf("lab %s has no node %q", shares[0].Lab, name)
	}
	if n.Kind != topo.KindInstance || n.Instance == nil {
		return nil, nil, "", fmt.Errorf("%s is a %s, not an instance: use `netemu exec %s`", name, n.Kind, name)
	}
	if n.Instance.KeyPair == "" {
		return nil, nil, "", fmt.Errorf("instance %s has no key_pair: nobody can log in with ssh", name)
	}
	client = model.ClientHost
	if client == "" {
		return nil, nil, "", fmt.Errorf("lab %s has no client host to ssh from (set `client` in the lab block)", shares[0].Lab)
	}
	for _, sh := range shares {
		if _, err := sh.Node(client); err == nil {
			st = sh
		}
	}
	if st == nil {
		return nil, nil, "", fmt.Errorf("the lab's client host %s does not run on this machine: run netemu ssh where it does", client)
	}
	addr := n.Instance.PrivateIP
	if !private {
		// Every share keeps every instance's public IP (fw.Up), so the
		// client's share knows it even when the VPC runs on another
		// machine; a share here that runs the VPC's gateway is the one
		// whose NAT decides, so it wins if the two disagree (a stop or
		// start not yet run on every machine).
		from := st
		if vpc := model.VPC(n.VPC); vpc != nil {
			for _, sh := range shares {
				if slices.Contains(sh.Nodes, vpc.IGW) {
					from = sh
				}
			}
		}
		aws, err := fw.LoadState(from.Dir)
		if err != nil {
			return nil, nil, "", err
		}
		if is := aws.Instances[name]; is != nil {
			if !is.Running {
				return nil, nil, "", fmt.Errorf("instance %s is stopped (run `netemu instance start %s`)", name, name)
			}
			if ip := aws.PublicIP(name); ip.IsValid() {
				addr = ip
			}
		}
	}
	key, _ := svc.LabKeyPaths(st.Dir, n.Instance.KeyPair)
	return st, sshCommand(key, svc.KnownHostsPath(st.Dir), name, user, addr, remote), client, nil
}

// sshCommand is the client's command line: the lab's own known_hosts, with
// the host key filed under the instance's name rather than its address —
// the public IP changes at every stop/start but the host key persists, so
// the entry stays valid and a changed key is still caught. Nothing comes
// from the invoking user's ssh configuration.
func sshCommand(key, knownHosts, instance, user string, addr netip.Addr, remote []string) []string {
	argv := []string{"ssh", "-F", "/dev/null", "-i", key,
		"-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile=" + knownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=accept-new",
		"-o", "HostKeyAlias=" + instance,
		user + "@" + addr.String()}
	if len(remote) > 0 {
		argv = append(argv, "--")
		argv = append(argv, remote...)
	}
	return argv
}

func sortedNames[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
