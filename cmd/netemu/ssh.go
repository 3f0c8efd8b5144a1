package main

import (
	"fmt"
	"net/netip"
	"sort"

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
			st, err := selectNodeShare(g, name)
			if err != nil {
				return err
			}
			argv, client, err := sshArgv(st, name, user, private, rest)
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

// sshArgv builds the ssh command line run inside the client host.
func sshArgv(st *nodes.State, name, user string, private bool, remote []string) (argv []string, client string, err error) {
	n, err := st.Node(name)
	if err != nil {
		return nil, "", err
	}
	if n.Kind != topo.KindInstance || n.Instance == nil {
		return nil, "", fmt.Errorf("%s is a %s, not an instance: use `netemu exec %s`", name, n.Kind, name)
	}
	if n.Instance.KeyPair == "" {
		return nil, "", fmt.Errorf("instance %s has no key_pair: nobody can log in with ssh", name)
	}
	client = st.Model.ClientHost
	if client == "" {
		return nil, "", fmt.Errorf("lab %s has no client host to ssh from (set `client` in the lab block)", st.Lab)
	}
	if _, err := st.Node(client); err != nil {
		return nil, "", fmt.Errorf("client host: %w", err)
	}
	addr := n.Instance.PrivateIP
	if !private {
		aws, err := fw.LoadState(st.Dir)
		if err != nil {
			return nil, "", err
		}
		if !aws.Running(name) {
			return nil, "", fmt.Errorf("instance %s is stopped (run `netemu instance start %s`)", name, name)
		}
		if ip := aws.PublicIP(name); ip.IsValid() {
			addr = ip
		}
	}
	key, _ := svc.LabKeyPaths(st.Dir, n.Instance.KeyPair)
	return sshCommand(key, svc.KnownHostsPath(st.Dir), name, user, addr, remote), client, nil
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
