package main

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/topo"
)

func newSSHCmd(g *globals) *cobra.Command {
	var user, jump string
	var private bool
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
			shares, err := sshShares(g, name)
			if err != nil {
				return err
			}
			st, argv, client, err := sshArgv(shares, sshTarget{name: name, user: user, private: private, jump: jump}, rest)
			if err != nil {
				return err
			}
			return nodes.Exec(st, client, argv...)
		},
	}
	cmd.Flags().StringVarP(&user, "user", "l", svc.LoginUser, "login user")
	cmd.Flags().BoolVar(&private, "private", false, "connect to the private IP even when the instance has a public one")
	cmd.Flags().StringVarP(&jump, "jump", "J", "", "reach the instance's private IP through this instance (a bastion with a public IP)")
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
			lab, machine := labpath.SplitShareName(g.lab)
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

// sshTarget is what `netemu ssh` was asked for.
type sshTarget struct {
	name, user string
	private    bool
	jump       string // bastion instance, or ""
}

// sshArgv picks the share holding the client host and builds the ssh
// command line run inside it.
func sshArgv(shares []*nodes.State, t sshTarget, remote []string) (st *nodes.State, argv []string, client string, err error) {
	model := shares[0].Model
	n, err := sshInstance(model, shares[0].Lab, t.name)
	if err != nil {
		return nil, nil, "", err
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
	aws, err := awsStateOf(shares, st, model, n.VPC)
	if err != nil {
		return nil, nil, "", err
	}
	kh := svc.KnownHostsPath(st.Dir)
	key, _ := svc.LabKeyPaths(st.Dir, n.Instance.KeyPair)
	if t.jump != "" {
		b, err := sshInstance(model, shares[0].Lab, t.jump)
		if err != nil {
			return nil, nil, "", fmt.Errorf("--jump: %w", err)
		}
		if b.VPC != n.VPC {
			return nil, nil, "", fmt.Errorf("--jump %s: it is in vpc %s, %s in vpc %s: a bastion reaches private IPs of its own VPC", t.jump, b.VPC, t.name, n.VPC)
		}
		bip, err := publicIPOf(aws, b.Name)
		if err != nil {
			return nil, nil, "", err
		}
		if !bip.IsValid() {
			return nil, nil, "", fmt.Errorf("--jump %s: it has no public IP, so the client cannot reach it either", t.jump)
		}
		bkey, _ := svc.LabKeyPaths(st.Dir, b.Instance.KeyPair)
		hop := sshCommand(bkey, kh, b.Name, t.user, bip, nil)
		// ssh runs ProxyCommand through a shell; lab paths hold no
		// spaces or quotes (names are identifiers).
		proxy := strings.Join(append(hop[:len(hop)-1], "-W", "%h:%p", hop[len(hop)-1]), " ")
		argv := sshCommand(key, kh, n.Name, t.user, n.Instance.PrivateIP, remote)
		argv = slices.Insert(argv, 1, "-o", "ProxyCommand="+proxy)
		return st, argv, client, nil
	}
	addr := n.Instance.PrivateIP
	if !t.private {
		pub, err := publicIPOf(aws, n.Name)
		if err != nil {
			return nil, nil, "", err
		}
		if !pub.IsValid() {
			hint := ""
			if b := bastionFor(aws, model, n); b != "" {
				hint = fmt.Sprintf(", e.g. `netemu ssh --jump %s %s`", b, t.name)
			}
			return nil, nil, "", fmt.Errorf("instance %s has no public IP (subnet %s), so %s cannot reach it directly: go through a bastion with a public IP in vpc %s%s (--private tries the private IP anyway)",
				t.name, n.Instance.Subnet, client, n.VPC, hint)
		}
		addr = pub
	}
	return st, sshCommand(key, kh, n.Name, t.user, addr, remote), client, nil
}

// sshInstance checks that name is an instance one can log into.
func sshInstance(model *topo.Lab, lab, name string) (*topo.Node, error) {
	n := model.Node(name)
	if n == nil {
		return nil, fmt.Errorf("lab %s has no node %q", lab, name)
	}
	if n.Kind != topo.KindInstance || n.Instance == nil {
		return nil, fmt.Errorf("%s is a %s, not an instance: use `netemu exec %s`", name, n.Kind, name)
	}
	if n.Instance.KeyPair == "" {
		return nil, fmt.Errorf("instance %s has no key_pair: nobody can log in with ssh", name)
	}
	if !runsSSHD(n) {
		return nil, fmt.Errorf("instance %s runs no sshd: add service \"sshd\" {} to it", name)
	}
	return n, nil
}

// runsSSHD reports whether n has the sshd service, or a process of its own
// running an sshd.
func runsSSHD(n *topo.Node) bool {
	for _, s := range n.Services {
		if s.Kind == "sshd" {
			return true
		}
	}
	for _, p := range n.Processes {
		if len(p.Command) > 0 && filepath.Base(p.Command[0]) == "sshd" {
			return true
		}
	}
	return false
}

// awsStateOf loads the AWS bookkeeping that decides vpc's public IPs.
// Every share keeps every instance's public IP (fw.Up), so the client's
// share knows them even when the VPC runs on another machine; a share here
// that runs the VPC's gateway is the one whose NAT decides, so it wins if
// the two disagree (a stop or start not yet run on every machine).
func awsStateOf(shares []*nodes.State, client *nodes.State, model *topo.Lab, vpc string) (*fw.State, error) {
	from := client
	if v := model.VPC(vpc); v != nil {
		for _, sh := range shares {
			if slices.Contains(sh.Nodes, v.IGW) {
				from = sh
			}
		}
	}
	return fw.LoadState(from.Dir)
}

// publicIPOf is instance name's public IP now (invalid when it has none),
// or an error when it is stopped.
func publicIPOf(aws *fw.State, name string) (netip.Addr, error) {
	is := aws.Instances[name]
	if is == nil {
		return netip.Addr{}, nil
	}
	if !is.Running {
		return netip.Addr{}, fmt.Errorf("instance %s is stopped (run `netemu instance start %s`)", name, name)
	}
	return aws.PublicIP(name), nil
}

// bastionFor names a running instance of n's VPC with a public IP and a
// key pair, to suggest as --jump; "" when there is none.
func bastionFor(aws *fw.State, model *topo.Lab, n *topo.Node) string {
	for _, b := range fw.Instances(model, n.VPC) {
		if b.Name == n.Name || b.Instance.KeyPair == "" || !runsSSHD(b) {
			continue
		}
		if ip, err := publicIPOf(aws, b.Name); err == nil && ip.IsValid() {
			return b.Name
		}
	}
	return ""
}

// sshConnectTimeout bounds the TCP connect, in seconds.
const sshConnectTimeout = "15"

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
		// A security group drops what it denies: without a bound, a
		// denied connection waits out TCP's SYN retries (about 2 min).
		"-o", "ConnectTimeout=" + sshConnectTimeout,
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
