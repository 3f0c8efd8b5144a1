package tests

// Helpers for the RIP interop tests: namespaces and veth links built with
// labtest.Net, netemu's agent, FRR's ripd (with zebra) and BIRD started inside
// them, everything removed by t.Cleanup.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/rip"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// ripLab is a set of namespaces one test owns.
type ripLab struct {
	t    *testing.T
	name string // unique, used in every namespace name
	dir  string
	net  *labtest.Net
}

func newRIPLab(t *testing.T, prefix string) *ripLab {
	t.Helper()
	name := labtest.UniqueName(prefix)
	return &ripLab{t: t, name: name, dir: t.TempDir(), net: labtest.NewNet(t, name)}
}

// ns is the namespace name of node.
func (l *ripLab) ns(node string) string { return l.net.NS(node) }

// node creates a namespace with lo up and the given loopback addresses.
func (l *ripLab) node(node string, loopbacks ...string) {
	l.t.Helper()
	l.net.Node(node, false)
	for _, a := range loopbacks {
		l.net.IP(node, "addr", "add", a, "dev", "lo")
	}
}

// link joins a:aif (address aa) and b:bif (address ba) with a veth pair.
func (l *ripLab) link(a, aif, aa, b, bif, ba string) {
	l.t.Helper()
	l.net.Link(a, aif, aa, b, bif, ba)
}

// start runs argv inside node's namespace until the test ends; its output
// goes to logName in the test's directory, shown when the test fails.
func (l *ripLab) start(node, logName string, uid int, argv ...string) *exec.Cmd {
	l.t.Helper()
	return l.net.Start(node, filepath.Join(l.dir, logName), argv...)
}

// agent runs netemu's agent in node with cfg; it returns the agent's
// control client once the agent answers.
func (l *ripLab) agent(node string, cfg *agent.Config) *agent.Client {
	l.t.Helper()
	cfg.Lab, cfg.Node = l.name, node
	cfg.NodeDir = filepath.Join(l.dir, node)
	if err := os.MkdirAll(cfg.NodeDir, 0o755); err != nil {
		l.t.Fatal(err)
	}
	path := filepath.Join(cfg.NodeDir, agent.ConfigName)
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		l.t.Fatal(err)
	}
	l.start(node, node+"-agent.log", 0, buildNetemu(l.t), "agent", "--config", path, "--log-level", "debug")
	c := agent.Dial(filepath.Join(cfg.NodeDir, agent.SocketName))
	labtest.Eventually(l.t, 10*time.Second, labtest.Named("agent "+node+" answers", func() error {
		_, err := c.Status(context.Background())
		return err
	}))
	return c
}

// ripAgentConfig is an agent config with RIP on ifaces (name=addr/len) and
// lo's loopback originated, with fast timers.
func ripAgentConfig(loopback string, auth *rip.Auth, ifaces ...string) *agent.Config {
	timers := topo.Timers{RIPUpdate: 5 * time.Second, RIPTimeout: 30 * time.Second, RIPGarbage: 20 * time.Second}
	rc := &rip.Config{Update: timers.RIPUpdate, Timeout: timers.RIPTimeout, Garbage: timers.RIPGarbage, Auth: auth,
		Originate: []netip.Prefix{netip.MustParsePrefix(loopback)}}
	cfg := &agent.Config{Timers: timers, Loopback: netip.MustParsePrefix(loopback), RIP: rc}
	for _, s := range ifaces {
		name, addr, _ := strings.Cut(s, "=")
		i := rip.Interface{Name: name, Addr: netip.MustParsePrefix(addr)}
		rc.Interfaces = append(rc.Interfaces, i)
		rc.Connected = append(rc.Connected, i)
		cfg.Interfaces = append(cfg.Interfaces, agent.Interface{Name: name, Addr: i.Addr})
	}
	return cfg
}

// frr runs zebra and ripd in node with ripdConf (sockets, pid files and
// logs in a directory of the test owned by frr, never /var/run/frr); it
// returns a function running vtysh -c CMD against them.
func (l *ripLab) frr(node, ripdConf string) func(cmd string) (string, error) {
	l.t.Helper()
	return l.frrDaemon(node, "ripd", ripdConf, "show ip rip status")
}

// frrDaemon runs zebra and FRR's daemon (ripd, bgpd) in node with conf,
// as frr describes, and waits until vtysh's ready command answers.
func (l *ripLab) frrDaemon(node, daemon, conf, ready string) func(cmd string) (string, error) {
	l.t.Helper()
	u, err := user.Lookup("frr")
	if err != nil {
		l.t.Skipf("FRR not installed (no frr user): %v", err)
	}
	dir := filepath.Join(l.dir, "frr-"+node)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		l.t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// The test's temp dir is root's 0700: let frr through to its own dir.
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o640); err != nil {
			l.t.Fatal(err)
		}
		_ = os.Chown(p, uid, gid)
		return p
	}
	_ = os.Chown(dir, uid, gid)
	zconf := write("zebra.conf", "hostname "+node+"\n")
	dconf := write(daemon+".conf", conf)
	zsock := filepath.Join(dir, "zserv.api")
	l.start(node, node+"-zebra.log", uid, "/usr/lib/frr/zebra", "-f", zconf, "-i", filepath.Join(dir, "zebra.pid"),
		"-z", zsock, "--vty_socket", dir, "-u", "frr", "-g", "frr", "--log", "stdout")
	labtest.Eventually(l.t, 10*time.Second, labtest.Named("zebra socket", func() error { _, err := os.Stat(zsock); return err }))
	l.start(node, node+"-"+daemon+".log", uid, "/usr/lib/frr/"+daemon, "-f", dconf, "-i", filepath.Join(dir, daemon+".pid"),
		"-z", zsock, "--vty_socket", dir, "-u", "frr", "-g", "frr", "--log", "stdout")
	vtysh := func(c string) (string, error) {
		out, err := exec.Command("ip", "netns", "exec", l.ns(node), "vtysh", "--vty_socket", dir, "-c", c).CombinedOutput()
		return string(out), err
	}
	labtest.Eventually(l.t, 10*time.Second, labtest.Named(daemon+" answers vtysh", func() error {
		out, err := vtysh(ready)
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}))
	return vtysh
}

// bird runs BIRD 2 in node with conf; it returns a function running
// birdc CMD against it.
func (l *ripLab) bird(node, conf string) func(cmd string) (string, error) {
	l.t.Helper()
	dir := filepath.Join(l.dir, "bird-"+node)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		l.t.Fatal(err)
	}
	if _, err := exec.LookPath("bird"); err != nil {
		l.t.Skip("BIRD not installed")
	}
	cf := filepath.Join(dir, "bird.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		l.t.Fatal(err)
	}
	sock := filepath.Join(dir, "bird.ctl")
	l.start(node, node+"-bird.log", 0, "bird", "-f", "-c", cf, "-s", sock, "-P", filepath.Join(dir, "bird.pid"))
	birdc := func(c string) (string, error) {
		out, err := exec.Command("birdc", "-s", sock, c).CombinedOutput()
		return string(out), err
	}
	l.waitAnswers("bird", func() (string, error) { return birdc("show status") })
	return birdc
}

// waitAnswers waits until probe, a daemon's control command, succeeds:
// a daemon opens its control socket a moment after it starts.
func (l *ripLab) waitAnswers(daemon string, probe func() (string, error)) {
	labtest.Eventually(l.t, 10*time.Second, labtest.Named(daemon+" answers", func() error {
		if out, err := probe(); err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}))
}

// kernelRoute is the line of `ip route` for prefix in node ("" if none).
func (l *ripLab) kernelRoute(node, prefix string) string {
	out, err := exec.Command("ip", "-n", l.ns(node), "route", "show", "exact", prefix).CombinedOutput()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// wantLine returns an error unless out has a line containing every part.
func wantLine(out string, parts ...string) error {
	for _, line := range strings.Split(out, "\n") {
		ok := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("no line with %q in:\n%s", parts, out)
}

// noLine returns an error if out has a line containing s.
func noLine(out, s string) error {
	if strings.Contains(out, s) {
		return fmt.Errorf("%q still in:\n%s", s, out)
	}
	return nil
}
