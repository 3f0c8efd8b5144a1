package lab

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

func TestSSHCommand(t *testing.T) {
	addr := netip.MustParseAddr("203.0.113.129")
	got := sshCommand("/s/keys/my-key.pem", "/s/known_hosts", "web", "ec2-user", addr, []string{"uptime", "-p"})
	want := []string{"ssh", "-F", "/dev/null", "-i", "/s/keys/my-key.pem", "-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile=/s/known_hosts", "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=accept-new", "-o", "HostKeyAlias=web", "-o", "ConnectTimeout=15", "ec2-user@203.0.113.129", "--", "uptime", "-p"}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if got := sshCommand("k", "kh", "web", "ec2-user", addr, nil); got[len(got)-1] != "ec2-user@203.0.113.129" {
		t.Fatalf("interactive: %q", got)
	}
}

func TestSSHArgvAcrossShares(t *testing.T) {
	web := &topo.Node{Name: "web", Kind: topo.KindInstance, VPC: "prod", Services: []*topo.Service{{Kind: "sshd"}},
		Instance: &topo.Instance{PrivateIP: netip.MustParseAddr("10.0.1.10"), KeyPair: "my-key"}}
	mac := &topo.Node{Name: "mac", Kind: topo.KindHost}
	model := &topo.Lab{Name: "l", ClientHost: "mac", Nodes: []*topo.Node{mac, web},
		VPCs:     []*topo.VPC{{Name: "prod", Router: "prod-router", IGW: "prod-igw"}},
		Machines: []*topo.Machine{{Name: "m1"}, {Name: "m2"}}}
	m1 := &nodes.State{Lab: "l", Machine: "m1", Dir: t.TempDir(), Model: model, Nodes: []string{"mac"}}
	m2 := &nodes.State{Lab: "l", Machine: "m2", Dir: t.TempDir(), Model: model, Nodes: []string{"web", "prod-router", "prod-igw"}}
	writeAWS := func(st *nodes.State, pub string) {
		aws := `{"instances":{"web":{"vpc":"prod","running":true,"private_ip":"10.0.1.10","public_ip":"` + pub + `"}}}`
		if err := os.WriteFile(filepath.Join(st.Dir, "aws.json"), []byte(aws), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Every share keeps every instance's public IP: the client's share
	// alone (--lab l@m1) knows it.
	writeAWS(m1, "203.0.113.129")
	st, argv, client, err := sshArgv([]*nodes.State{m1}, SSHTarget{Name: "web", User: "ec2-user"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st != m1 || client != "mac" {
		t.Fatalf("ssh runs in share %s node %s, want m1 mac", st.Machine, client)
	}
	if argv[len(argv)-1] != "ec2-user@203.0.113.129" || argv[4] != filepath.Join(m1.Dir, "keys", "my-key.pem") {
		t.Fatalf("argv %q", argv)
	}
	// When the share running the VPC's gateway is here too, its NAT
	// decides: it wins over a stale copy.
	writeAWS(m2, "203.0.113.130")
	st, argv, _, err = sshArgv([]*nodes.State{m2, m1}, SSHTarget{Name: "web", User: "ec2-user"}, nil)
	if err != nil || st != m1 || argv[len(argv)-1] != "ec2-user@203.0.113.130" {
		t.Fatalf("with the gateway's share: %q %v", argv, err)
	}
	_, argv, _, err = sshArgv([]*nodes.State{m2, m1}, SSHTarget{Name: "web", User: "ec2-user", Private: true}, []string{"uptime"})
	if err != nil || !slices.Contains(argv, "ec2-user@10.0.1.10") {
		t.Fatalf("--private: %q %v", argv, err)
	}
	if _, _, _, err := sshArgv([]*nodes.State{m2}, SSHTarget{Name: "web", User: "ec2-user"}, nil); err == nil {
		t.Fatal("client host on no local share: want an error")
	}
	if _, _, _, err := sshArgv([]*nodes.State{m1}, SSHTarget{Name: "mac", User: "ec2-user"}, nil); err == nil {
		t.Fatal("ssh to a host: want an error")
	}
	// No sshd: say so rather than let ssh meet a refused connection.
	web.Services = nil
	if _, _, _, err := sshArgv([]*nodes.State{m1}, SSHTarget{Name: "web", User: "ec2-user"}, nil); err == nil || !strings.Contains(err.Error(), "runs no sshd") {
		t.Fatalf("no sshd: %v", err)
	}
	web.Processes = []*topo.Process{{Name: "mine", Command: []string{"/usr/sbin/sshd", "-D"}}}
	if _, _, _, err := sshArgv([]*nodes.State{m1}, SSHTarget{Name: "web", User: "ec2-user"}, nil); err != nil {
		t.Fatalf("an sshd process of its own: %v", err)
	}
}

// TestSSHJump: an instance in a private subnet has no public IP; ssh says
// so and names a bastion, and --jump hops through the bastion's public IP
// with the bastion's own key and host key alias.
func TestSSHJump(t *testing.T) {
	mk := func(name, key string) *topo.Node {
		return &topo.Node{Name: name, Kind: topo.KindInstance, VPC: "prod", Services: []*topo.Service{{Kind: "sshd"}},
			Instance: &topo.Instance{PrivateIP: netip.MustParseAddr("10.0.2.10"), KeyPair: key, Subnet: "priv"}}
	}
	app, bastion := mk("app", "app-key"), mk("bastion", "ops-key")
	bastion.Instance.PrivateIP = netip.MustParseAddr("10.0.1.5")
	other := mk("elsewhere", "ops-key")
	other.VPC = "dev"
	model := &topo.Lab{Name: "l", ClientHost: "mac", Nodes: []*topo.Node{{Name: "mac", Kind: topo.KindHost}, app, bastion, other},
		VPCs: []*topo.VPC{{Name: "prod", Router: "prod-router", IGW: "prod-igw"}}}
	st := &nodes.State{Lab: "l", Dir: t.TempDir(), Model: model, Nodes: []string{"mac", "app", "bastion", "prod-igw"}}
	aws := `{"instances":{"app":{"vpc":"prod","running":true,"private_ip":"10.0.2.10"},` +
		`"bastion":{"vpc":"prod","running":true,"private_ip":"10.0.1.5","public_ip":"203.0.113.5"}}}`
	if err := os.WriteFile(filepath.Join(st.Dir, "aws.json"), []byte(aws), 0o644); err != nil {
		t.Fatal(err)
	}
	shares := []*nodes.State{st}
	_, _, _, err := sshArgv(shares, SSHTarget{Name: "app", User: "ec2-user"}, nil)
	if err == nil || !strings.Contains(err.Error(), "no public IP") || !strings.Contains(err.Error(), "--jump bastion app") {
		t.Fatalf("no public IP: %v", err)
	}
	_, argv, _, err := sshArgv(shares, SSHTarget{Name: "app", User: "ec2-user", Jump: "bastion"}, []string{"id"})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(argv, "-o")
	if i != 1 || !strings.HasPrefix(argv[2], "ProxyCommand=ssh -F /dev/null -i "+filepath.Join(st.Dir, "keys", "ops-key.pem")) ||
		!strings.Contains(argv[2], "HostKeyAlias=bastion") || !strings.HasSuffix(argv[2], "-W %h:%p ec2-user@203.0.113.5") {
		t.Fatalf("proxy: %q", argv)
	}
	if !slices.Contains(argv, "HostKeyAlias=app") || !slices.Contains(argv, filepath.Join(st.Dir, "keys", "app-key.pem")) ||
		argv[len(argv)-3] != "ec2-user@10.0.2.10" || argv[len(argv)-1] != "id" {
		t.Fatalf("target: %q", argv)
	}
	for _, bad := range []string{"app", "elsewhere", "mac"} {
		if _, _, _, err := sshArgv(shares, SSHTarget{Name: "app", User: "ec2-user", Jump: bad}, nil); err == nil {
			t.Errorf("--jump %s: want an error", bad)
		}
	}
}

// sshArgv is sshPlan's answer as separate values.
func sshArgv(shares []*nodes.State, t SSHTarget, remote []string) (*nodes.State, []string, string, error) {
	p, err := sshPlan(shares, t, remote)
	if err != nil {
		return nil, nil, "", err
	}
	return p.State, p.Argv, p.Client, nil
}
