package lab

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/topo"
)

// SSHTarget is what `netemu ssh` was asked for.
type SSHTarget struct {
	Name, User string
	Private    bool   // the private IP even when there is a public one
	Jump       string // bastion instance, or ""
}

// SSHPlan is an ssh client command line and where to run it: in the
// lab's client host, in the share that runs it.
type SSHPlan struct {
	State  *nodes.State
	Client string // the node to run Argv in
	Argv   []string
}

// SSH plans `netemu ssh`: among the running shares here of the one lab
// that has the instance (labFlag, --lab, narrows the choice), the share
// holding the client host, and the ssh command line with the lab's key
// and known_hosts, to the instance's public IP, its private IP, or
// through a bastion.
func SSH(labFlag string, t SSHTarget, remote []string) (*SSHPlan, error) {
	// In a multi-machine lab the instance and the client host may be in
	// different shares.
	shares, err := Select(Query{Lab: labFlag, Node: t.Name, Whole: true})
	if err != nil {
		return nil, err
	}
	return sshPlan(shares, t, remote)
}

// sshPlan picks the share holding the client host and builds the ssh
// command line run inside it.
func sshPlan(shares []*nodes.State, t SSHTarget, remote []string) (*SSHPlan, error) {
	model := shares[0].Model
	n, err := sshInstance(model, shares[0].Lab, t.Name)
	if err != nil {
		return nil, err
	}
	p := &SSHPlan{Client: model.ClientHost}
	if p.Client == "" {
		return nil, fmt.Errorf("lab %s has no client host to ssh from (set `client` in the lab block)", shares[0].Lab)
	}
	for _, sh := range shares {
		if _, err := sh.Node(p.Client); err == nil {
			p.State = sh
		}
	}
	if p.State == nil {
		return nil, fmt.Errorf("the lab's client host %s does not run on this machine: run netemu ssh where it does", p.Client)
	}
	st := p.State
	aws, err := awsStateOf(shares, st, model, n.VPC)
	if err != nil {
		return nil, err
	}
	kh := svc.KnownHostsPath(st.Dir)
	key, _ := svc.LabKeyPaths(st.Dir, n.Instance.KeyPair)
	if t.Jump != "" {
		b, err := sshInstance(model, shares[0].Lab, t.Jump)
		if err != nil {
			return nil, fmt.Errorf("--jump: %w", err)
		}
		if b.VPC != n.VPC {
			return nil, fmt.Errorf("--jump %s: it is in vpc %s, %s in vpc %s: a bastion reaches private IPs of its own VPC", t.Jump, b.VPC, t.Name, n.VPC)
		}
		bip, err := publicIPOf(aws, b.Name)
		if err != nil {
			return nil, err
		}
		if !bip.IsValid() {
			return nil, fmt.Errorf("--jump %s: it has no public IP, so the client cannot reach it either", t.Jump)
		}
		bkey, _ := svc.LabKeyPaths(st.Dir, b.Instance.KeyPair)
		hop := sshCommand(bkey, kh, b.Name, t.User, bip, nil)
		// ssh runs ProxyCommand through a shell; lab paths hold no
		// spaces or quotes (names are identifiers).
		proxy := strings.Join(append(hop[:len(hop)-1], "-W", "%h:%p", hop[len(hop)-1]), " ")
		p.Argv = sshCommand(key, kh, n.Name, t.User, n.Instance.PrivateIP, remote)
		p.Argv = slices.Insert(p.Argv, 1, "-o", "ProxyCommand="+proxy)
		return p, nil
	}
	addr := n.Instance.PrivateIP
	if !t.Private {
		pub, err := publicIPOf(aws, n.Name)
		if err != nil {
			return nil, err
		}
		if !pub.IsValid() {
			hint := ""
			if b := bastionFor(aws, model, n); b != "" {
				hint = fmt.Sprintf(", e.g. `netemu ssh --jump %s %s`", b, t.Name)
			}
			return nil, fmt.Errorf("instance %s has no public IP (subnet %s), so %s cannot reach it directly: go through a bastion with a public IP in vpc %s%s (--private tries the private IP anyway)",
				t.Name, n.Instance.Subnet, p.Client, n.VPC, hint)
		}
		addr = pub
	}
	p.Argv = sshCommand(key, kh, n.Name, t.User, addr, remote)
	return p, nil
}

// sshInstance checks that name is an instance one can log into.
func sshInstance(model *topo.Lab, lab, name string) (*topo.Node, error) {
	n := model.Node(name)
	if n == nil {
		return nil, fmt.Errorf("lab %s has no node %q", lab, name)
	}
	if n.Kind != topo.KindInstance || n.Instance == nil {
		return nil, fmt.Errorf("%s is %s %s, not an instance: use `netemu exec %s`", name, Article(string(n.Kind)), n.Kind, name)
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
