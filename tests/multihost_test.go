package tests

// Multi-host labs (issue 8): machines are simulated by "underlay" network
// namespaces joined by a bridge in a switch namespace; each runs its own
// `netemu up --machine M` of the same file under `nsenter --net=…`, and the
// cut links become kernel VXLAN tunnels between the underlays.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/vxlan"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// simMachines are n simulated machines m1..mn of one lab: underlay
// namespaces ne.LAB-ul.mI with ul0 = 192.0.2.(10+I)/24 on a shared bridge.
type simMachines struct {
	lab   string
	names []string
	net   *labtest.Net // the underlays: machines m1…mn and the switch sw
}

func (s *simMachines) netns(m string) string { return s.net.NS(m) }
func (s *simMachines) addr(i int) string     { return fmt.Sprintf("192.0.2.%d", 11+i) }

// machineBlocks is the file's machine blocks for the simulated machines.
func (s *simMachines) machineBlocks() string {
	var b strings.Builder
	for i, m := range s.names {
		fmt.Fprintf(&b, "\nmachine %q {\n  address = %q\n}\n", m, s.addr(i))
	}
	return b.String()
}

// newSimMachines makes the underlays; cleanup deletes them (registered
// first, so it runs after the labs' own cleanups).
func newSimMachines(t *testing.T, lab string, n int) *simMachines {
	t.Helper()
	net := labtest.NewNet(t, lab+"-ul")
	s := &simMachines{lab: lab, net: net}
	net.Node("sw", false)
	net.IP("sw", "link", "add", "br0", "type", "bridge")
	net.IP("sw", "link", "set", "br0", "up")
	for i := 0; i < n; i++ {
		m := fmt.Sprintf("m%d", i+1)
		s.names = append(s.names, m)
		port := fmt.Sprintf("p%d", i+1)
		net.Node(m, false)
		net.Link(m, "ul0", s.addr(i)+"/24", "sw", port, "")
		net.IP("sw", "link", "set", port, "master", "br0")
	}
	return s
}

// run runs netemu inside machine m's underlay.
func (s *simMachines) run(m string, env []string, args ...string) (string, string, error) {
	cmd := exec.Command("nsenter", append([]string{"--net=" + s.net.Path(m), netemuBin}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// downOnCleanup removes every share at the end and checks nothing is left
// on any machine.
func (s *simMachines) downOnCleanup(t *testing.T) {
	t.Cleanup(func() {
		for _, m := range s.names {
			if out, errs, err := s.run(m, nil, "down", "--missing-ok", "--machine", m, s.lab); err != nil {
				t.Errorf("down --machine %s: %v\n%s%s", m, err, out, errs)
			}
		}
		s.assertGone(t)
	})
}

// assertGone: no node namespace, state dir, process of the lab, and the
// underlays hold only lo and ul0 (no VXLAN device left behind).
func (s *simMachines) assertGone(t *testing.T) {
	t.Helper()
	if left := labtest.Namespaces(s.lab); len(left) > 0 {
		t.Errorf("namespaces left: %v", left)
	}
	for _, m := range s.names {
		dir := labpath.StateDir(s.lab, m)
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("state dir %s left", dir)
		}
		if p := labtest.ProcessesNaming(dir + "/"); len(p) > 0 {
			t.Errorf("processes of %s left: %v", dir, p)
		}
		// The kernel destroys a deleted namespace's devices asynchronously
		// (cleanup_net): a tunnel of a node just removed may still show
		// for a moment, its netns reference already invalid.
		labtest.Eventually(t, 10*time.Second, func() error {
			out, err := exec.Command("ip", "-n", s.netns(m), "-o", "link").CombinedOutput()
			if err != nil {
				return fmt.Errorf("list links of %s: %v: %s", s.netns(m), err, out)
			}
			if n := strings.Count(strings.TrimSpace(string(out)), "\n") + 1; n != 2 {
				return fmt.Errorf("underlay of %s has %d links, want lo and ul0:\n%s", m, n, out)
			}
			return nil
		})
	}
}

// splitFile writes src renamed to lab with node → machine pins and the
// machine blocks; labAttrs go into the lab block.
func (s *simMachines) splitFile(t *testing.T, src []byte, place map[string]string, labAttrs string) string {
	t.Helper()
	src = labtest.RenameLab(src, s.lab)
	if labAttrs != "" {
		src = regexp.MustCompile(`(?m)^lab "[^"]*" \{`).ReplaceAll(src, []byte("${0}\n  "+labAttrs+"\n"))
	}
	for node, m := range place {
		re := regexp.MustCompile(`(?m)^(router|host|instance) "` + regexp.QuoteMeta(node) + `" \{`)
		if !re.Match(src) {
			t.Fatalf("no block for node %q", node)
		}
		src = re.ReplaceAll(src, []byte(fmt.Sprintf("${0}\n  machine = %q\n", m)))
	}
	src = append(src, s.machineBlocks()...)
	return labtest.WriteFile(t, s.lab+".hcl", src)
}

// fakeSSH is a stand-in for ssh used by --all-machines: the destination
// address selects the simulated machine whose underlay runs the command.
func (s *simMachines) fakeSSH(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# fake ssh: $1 destination, $2 remote command\ncase \"$1\" in\n")
	for i, m := range s.names {
		fmt.Fprintf(&b, "%s) ns=%s ;;\n", s.addr(i), s.netns(m))
	}
	b.WriteString("*) echo \"fake ssh: unknown host $1\" >&2; exit 255 ;;\nesac\n")
	fmt.Fprintf(&b, "exec nsenter --net=/run/netns/$ns env PATH=%s:$PATH sh -c \"$2\"\n", filepath.Dir(netemuBin))
	p := labtest.WriteFile(t, "fake-ssh", []byte(b.String()))
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkTunnel checks a cut link's local end in node: a VXLAN device with
// the VNI and port every machine derives, learning off, the MTU chosen.
func checkTunnel(t *testing.T, lab *topo.Lab, c vxlan.Cross, mtu int) {
	t.Helper()
	h, err := inns.Open(labpath.NetnsPath(lab.Name, c.Local.Node), unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatalf("node %s: %v", c.Local.Node, err)
	}
	defer h.Close()
	l, err := h.LinkByName(c.Local.Iface)
	if err != nil {
		t.Fatalf("%s:%s: %v", c.Local.Node, c.Local.Iface, err)
	}
	v, ok := l.(*netlink.Vxlan)
	if !ok {
		t.Fatalf("%s:%s is a %s, want vxlan", c.Local.Node, c.Local.Iface, l.Type())
	}
	if uint32(v.VxlanId) != c.VNI || v.Port != int(c.Port) || v.Learning || v.Attrs().MTU != mtu ||
		!v.Group.Equal(c.RemoteAddr.AsSlice()) || !v.SrcAddr.Equal(c.LocalAddr.AsSlice()) {
		t.Errorf("%s:%s: vni %d port %d learning %v mtu %d local %s remote %s; want vni %d port %d no learning mtu %d local %s remote %s",
			c.Local.Node, c.Local.Iface, v.VxlanId, v.Port, v.Learning, v.Attrs().MTU, v.SrcAddr, v.Group,
			c.VNI, c.Port, mtu, c.LocalAddr, c.RemoteAddr)
	}
}

// nsRun runs argv inside a node's namespace (the test's own lab).
func nsRun(lab, node string, argv ...string) (string, error) {
	out, err := exec.Command("ip", append([]string{"netns", "exec", labpath.NetnsName(lab, node)}, argv...)...).CombinedOutput()
	return string(out), err
}

func TestMultihostBadInput(t *testing.T) {
	lab := labtest.UniqueName("mhbad")
	s := newSimMachines(t, lab, 2)
	src, err := topo.ExampleSource("aws-ssh-static")
	if err != nil {
		t.Fatal(err)
	}
	file := s.splitFile(t, src, map[string]string{"aws-edge": "m2"}, "")

	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown machine", []string{"up", "--machine", "m9", file}, []string{"--machine m9", "no such machine", "m1, m2"}},
		// ul.m1 has 192.0.2.11, but this runs where no machine's address is.
		{"no machine here", []string{"up", file}, []string{"spans machines m1, m2", "--machine"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := labpath.NetnsPath(lab+"-ul", "sw")
			cmd := exec.Command("nsenter", append([]string{"--net=" + ns, netemuBin}, tc.args...)...)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("netemu %v succeeded:\n%s", tc.args, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if left := labtest.Namespaces(lab); len(left) > 0 {
				t.Errorf("built namespaces despite the error: %v", left)
			}
			for _, m := range []string{"m1", "m2", "m9", ""} {
				if _, err := os.Stat(labpath.StatePath(labpath.StateDir(lab, m))); err == nil {
					t.Errorf("state of %s@%s exists despite the error", lab, m)
				}
			}
		})
	}

	// --machine on a lab without machines.
	plain, _ := labtest.ExampleFile(t, "aws-ssh-static", "mhbadp")
	if _, errs, err := runNetemu(t, "up", "--machine", "m1", plain); err == nil || !strings.Contains(errs, "no machine blocks") {
		t.Errorf("up --machine on a lab without machines: err %v, stderr %s", err, errs)
	}

	// Topology diagnostics for machines, with file:line.
	for _, tc := range []struct {
		name, blocks, want string
	}{
		{"unknown machine", "machine \"m1\" {\n  address = \"192.0.2.11\"\n}\n", `no machine "m7"`},
		{"bad address", "machine \"m7\" {\n  address = \"192.0.2.300\"\n}\n", "Invalid address"},
		{"duplicate address", "machine \"m7\" {\n  address = \"192.0.2.11\"\n}\nmachine \"m8\" {\n  address = \"192.0.2.11\"\n}\n", "Duplicate machine address"},
	} {
		body := labtest.RenameLab(src, lab)
		body = regexp.MustCompile(`(?m)^router "aws-edge" \{`).ReplaceAll(body, []byte("${0}\n  machine = \"m7\"\n"))
		f := labtest.WriteFile(t, "diag.hcl", append(body, tc.blocks...))
		_, errs, err := runNetemu(t, "validate", f)
		if err == nil || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "diag.hcl") {
			t.Errorf("%s: validate: err %v, want %q with the file position:\n%s", tc.name, err, tc.want, errs)
		}
	}
	f := labtest.WriteFile(t, "port.hcl", regexp.MustCompile(`(?m)^lab "[^"]*" \{`).ReplaceAll(labtest.RenameLab(src, lab), []byte("${0}\n  vxlan_port = 0\n")))
	if _, errs, err := runNetemu(t, "validate", f); err == nil || !strings.Contains(errs, "vxlan_port") {
		t.Errorf("vxlan_port = 0: err %v:\n%s", err, errs)
	}
}

// TestMultihostStaticSplit: the static seed lab, transit routers (and the
// home side) on m1, AWS on m2, brought up and down with --all-machines
// (a fake ssh enters each simulated machine) on a custom VXLAN port.
func TestMultihostStaticSplit(t *testing.T) {
	lab := labtest.UniqueName("mhst")
	s := newSimMachines(t, lab, 2)
	src, err := topo.ExampleSource("aws-ssh-static")
	if err != nil {
		t.Fatal(err)
	}
	place := map[string]string{"mac": "m1", "home-gw": "m1", "home-core": "m1", "transit-a": "m1", "transit-b": "m1", "aws-edge": "m2"}
	file := s.splitFile(t, src, place, "vxlan_port = 4790")
	model, err := topo.Load(file)
	if err != nil {
		t.Fatal(err)
	}

	pl := netemu(t, "placement", file)
	for _, w := range []string{"machine m1 (192.0.2.11): 5 nodes", "machine m2 (192.0.2.12): 5 nodes", "web*", "cut links: 2 (vxlan udp/4790)"} {
		if !strings.Contains(pl, w) {
			t.Errorf("placement lacks %q:\n%s", w, pl)
		}
	}

	ssh := s.fakeSSH(t)
	env := []string{"NETEMU_SSH=" + ssh}
	s.downOnCleanup(t)
	cmd := exec.Command(netemuBin, "up", "--all-machines", file)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("up --all-machines: %v\n%s", err, out)
	}
	for _, w := range []string{"== machine m1 (192.0.2.11): ok", "== machine m2 (192.0.2.12): ok", "mtu 1450 (underlay ul0 mtu 1500 − 50)", "udp/4790", "machines m1 answered through the tunnels"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("up output lacks %q:\n%s", w, out)
		}
	}
	for _, m := range s.names {
		for _, c := range vxlan.CrossLinks(model, m) {
			checkTunnel(t, model, c, 1450)
		}
	}
	st := netemu(t, "status", lab+"@m2")
	if !strings.Contains(st, "tunnel aws-edge:eth0 → transit-a:eth2 on m1 (192.0.2.11)") || !strings.Contains(st, "mtu 1450") {
		t.Errorf("status lacks the tunnels with their MTU:\n%s", st)
	}

	// mac (m1) reaches web's public IP (m2) across a tunnel, and ssh works.
	if out, err := nsRun(lab, "mac", "ping", "-c1", "-W5", "203.0.113.129"); err != nil {
		t.Fatalf("ping web's public IP from mac: %v\n%s", err, out)
	}
	if out := netemu(t, "--lab", lab, "ssh", "web", "--", "hostname"); strings.TrimSpace(out) != "ip-10-0-1-10" {
		t.Errorf("ssh web hostname = %q", out)
	}
	// A full-size frame fits the tunnel's MTU (1450 − 28 bytes of headers).
	if out, err := nsRun(lab, "mac", "ping", "-c1", "-W5", "-M", "do", "-s", "1422", "192.0.2.14"); err != nil {
		t.Errorf("1450-byte ping across the tunnel: %v\n%s", err, out)
	}

	// A device a killed build left in m1's underlay (created, never moved
	// into its node) goes with `down` too.
	stale := vxlan.TempName(lab, "m1", vxlan.CrossLinks(model, "m1")[0].Link)
	s.net.IP("m1", "link", "add", stale, "type", "vxlan", "id", "99", "dstport", "4799", "local", s.addr(0), "remote", s.addr(1))

	cmd = exec.Command(netemuBin, "down", "--all-machines", file)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("down --all-machines: %v\n%s", err, out)
	}
	s.assertGone(t)
}

// TestMultihostSeedSplit: the routed seed lab over three simulated
// machines — home on m1, the transit routers and the instance web on m2,
// AWS (aws-edge and the VPC's router and gateway) on m3 — so RIP
// (home-gw–home-core), BGP (home-core–transit, transit–aws-edge) and web's
// own link run across tunnels. Each machine's `up` runs at once, as on a
// real cluster. Then: ssh from m1 to web's public IP, cuts of a
// cross-machine link with --all-machines and from one machine alone, and
// an instance stop/start across the machines.
func TestMultihostSeedSplit(t *testing.T) {
	lab := labtest.UniqueName("mhseed")
	s := newSimMachines(t, lab, 3)
	src, err := topo.ExampleSource(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	place := map[string]string{"mac": "m1", "home-gw": "m1", "home-core": "m2", "transit-a": "m2", "transit-b": "m2", "aws-edge": "m3", "web": "m2"}
	file := s.splitFile(t, src, place, "")
	s.downOnCleanup(t)

	var wg sync.WaitGroup
	errs := make([]error, len(s.names))
	outs := make([]string, len(s.names))
	for i, m := range s.names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, e, err := s.run(m, []string{"NETEMU_CONVERGE_TIMEOUT=120s"}, "up", "--machine", m, file)
			outs[i] = o + e
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, m := range s.names {
		if errs[i] != nil {
			t.Fatalf("up --machine %s: %v\n%s", m, errs[i], outs[i])
		}
		if !strings.Contains(outs[i], "routing converged") {
			t.Errorf("up --machine %s did not report convergence:\n%s", m, outs[i])
		}
	}

	route := func(node, dst string) string {
		out, _ := exec.Command("ip", "-n", labpath.NetnsName(lab, node), "route", "show", dst).CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	// RIP across the m1–m2 tunnel: home-gw learns home-core's loopback.
	labtest.Eventually(t, 60*time.Second, labtest.Until("home-gw's RIP route to home-core's loopback", func() bool {
		return strings.Contains(route("home-gw", "100.127.0.2"), "proto rip")
	}))
	// BGP across the m2–m3 tunnels: aws-edge learns the home prefix.
	labtest.Eventually(t, 60*time.Second, labtest.Until("aws-edge's BGP route to 198.51.100.0/24", func() bool {
		return strings.Contains(route("aws-edge", "198.51.100.0/24"), "proto bgp")
	}))
	pingWeb := func(addr string) func() bool {
		return func() bool {
			_, err := nsRun(lab, "mac", "ping", "-c1", "-W2", addr)
			return err == nil
		}
	}
	if out, err := nsRun(lab, "mac", "ping", "-c1", "-W5", "203.0.113.129"); err != nil {
		t.Fatalf("ping web's public IP from mac: %v\n%s", err, out)
	}

	// ssh from m1's share alone: web's VPC runs on m3, yet m1 knows web's
	// public IP (every share keeps every instance's), and only the public
	// IP is reachable from mac — the private one has no route there.
	if out, err := nsRun(lab, "mac", "ping", "-c1", "-W1", "10.0.1.10"); err == nil {
		t.Fatalf("web's private IP answers from mac, so ssh would prove nothing:\n%s", out)
	}
	sshWeb := func() {
		t.Helper()
		out := netemu(t, "--lab", lab+"@m1", "ssh", "web", "--", "sh", "-c", "hostname; echo $SSH_CONNECTION")
		if f := strings.Fields(out); len(f) != 5 || f[0] != "ip-10-0-1-10" || f[1] != "198.51.100.2" || f[3] != "10.0.1.10" {
			t.Errorf("ssh web from m1: %q, want ip-10-0-1-10 and a connection from mac (198.51.100.2) to 10.0.1.10", out)
		}
	}
	sshWeb()

	fake := s.fakeSSH(t)
	all := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(netemuBin, append([]string{"--lab", lab}, args...)...)
		cmd.Env = append(os.Environ(), "NETEMU_SSH="+fake)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("netemu %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	events := func(m string) string {
		t.Helper()
		return netemu(t, "--lab", lab+"@"+m, "events")
	}

	// used is the cross-machine link aws-edge uses towards home now: its
	// interface, the other one, and the transit router at the far end.
	used := func() (cutIf, other, transit string) {
		if strings.Contains(route("aws-edge", "198.51.100.0/24"), "dev eth1") {
			return "eth1", "eth0", "transit-b"
		}
		return "eth0", "eth1", "transit-a"
	}
	// Both transits have their own session with aws-edge again.
	repaired := func() bool {
		return strings.Contains(route("transit-a", "203.0.113.128/25"), "dev eth2") &&
			strings.Contains(route("transit-b", "203.0.113.128/25"), "dev eth2")
	}

	// Cut that link on both machines at once: aws-edge moves to the other
	// transit.
	cutIf, other, transit := used()
	out := all("link", "down", "--all-machines", transit, "aws-edge")
	for _, w := range []string{"== machine m2 (192.0.2.12): ok", "== machine m3 (192.0.2.13): ok", "link " + transit + "–aws-edge down on m2", "down on m3"} {
		if !strings.Contains(out, w) {
			t.Errorf("link down --all-machines lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "m1") || strings.Contains(out, "run the same command") {
		t.Errorf("link down --all-machines ran on m1 or asked for more:\n%s", out)
	}
	labtest.Eventually(t, 90*time.Second, labtest.Until("aws-edge rerouting from "+cutIf+" to "+other, func() bool {
		return strings.Contains(route("aws-edge", "198.51.100.0/24"), "dev "+other)
	}))
	labtest.Eventually(t, 30*time.Second, labtest.Until("mac reaching web again", pingWeb("203.0.113.129")))
	for _, m := range []string{"m2", "m3"} {
		if ev := events(m); !strings.Contains(ev, "link-down "+transit+"–aws-edge") {
			t.Errorf("events on %s do not show the cut:\n%s", m, ev)
		}
	}
	all("link", "up", "--all-machines", transit, "aws-edge")
	labtest.Eventually(t, 90*time.Second, labtest.Until("routes over the repaired tunnel", repaired))

	// A silent cut from m3 alone (m2 is not told): the tunnel end drops
	// what it sends and what it receives, so transit's BGP session dies by
	// hold timer as well as aws-edge's, and aws-edge reroutes.
	cutIf, other, transit = used()
	// Without nft (Debian's is in /usr/sbin) a silent tunnel cut is
	// refused before anything changes.
	if _, e, err := s.run("m3", []string{"PATH=/usr/bin:/bin"}, "--lab", lab+"@m3", "link", "down", "--silent", "aws-edge", transit); err == nil ||
		!strings.Contains(e, "nftables") {
		t.Errorf("silent cut without nft: err %v:\n%s", err, e)
	}
	if out, _ := exec.Command("tc", "-n", labpath.NetnsName(lab, "aws-edge"), "qdisc", "show", "dev", cutIf).CombinedOutput(); strings.Contains(string(out), "blackhole") {
		t.Errorf("the refused silent cut left a blackhole on aws-edge:%s:\n%s", cutIf, out)
	}
	o, e, err := s.run("m3", nil, "--lab", lab+"@m3", "link", "down", "--silent", "aws-edge", transit)
	if err != nil || !strings.Contains(o, "silent: every packet dropped here in both directions") ||
		!strings.Contains(e, "is a tunnel to m2") || !strings.Contains(e, "--all-machines") {
		t.Fatalf("silent cut on m3: %v\n%s%s", err, o, e)
	}
	labtest.Eventually(t, 90*time.Second, labtest.Until("aws-edge rerouting by hold timer", func() bool {
		return strings.Contains(route("aws-edge", "198.51.100.0/24"), "dev "+other)
	}))
	// What transit sent (keepalives, ARP) was dropped on arrival.
	if out, err := nsRun(lab, "aws-edge", "nft", "list", "table", "netdev", "netemu_fault_"+cutIf); err != nil ||
		!strings.Contains(out, "policy drop") || regexp.MustCompile(`counter packets 0 `).MatchString(out) {
		t.Errorf("no ingress drop at work on aws-edge:%s: %v\n%s", cutIf, err, out)
	}
	labtest.Eventually(t, 90*time.Second, labtest.Until(transit+" dropping the route over the silent tunnel", func() bool {
		return !strings.Contains(route(transit, "203.0.113.128/25"), "dev eth2")
	}))
	if ev := events("m3"); !strings.Contains(ev, "link-silent aws-edge–"+transit) && !strings.Contains(ev, "link-silent "+transit+"–aws-edge") {
		t.Errorf("events on m3 do not show the silent cut:\n%s", ev)
	}
	// Neither end of the link is on m1.
	if _, e, err := s.run("m1", nil, "--lab", lab+"@m1", "link", "up", "aws-edge", transit); err == nil ||
		!strings.Contains(e, "no end on machine m1") || !strings.Contains(e, "aws-edge on m3") || !strings.Contains(e, transit+" on m2") {
		t.Errorf("link up on m1: err %v, want an error naming m2 and m3:\n%s", err, e)
	}
	if o, e, err := s.run("m3", nil, "--lab", lab+"@m3", "link", "up", "aws-edge", transit); err != nil {
		t.Fatalf("link up on m3: %v\n%s%s", err, o, e)
	}
	if out, err := nsRun(lab, "aws-edge", "nft", "list", "tables"); err != nil || strings.Contains(out, "netemu_fault") {
		t.Errorf("ingress drop left after the repair: %v\n%s", err, out)
	}
	labtest.Eventually(t, 90*time.Second, labtest.Until("routes over the repaired tunnel", repaired))

	// web (m2) stops and starts with its VPC on m3: every machine does its
	// part and all agree on the new public IP, which m1's ssh then uses.
	out = all("instance", "stop", "--all-machines", "web")
	if n := strings.Count(out, "web stopped (private 10.0.1.10; public IP 203.0.113.129 released)"); n != 3 {
		t.Errorf("instance stop --all-machines: %d machines released the IP, want 3:\n%s", n, out)
	}
	if pingWeb("203.0.113.129")() {
		t.Error("web's released public IP still answers")
	}
	out = all("instance", "start", "--all-machines", "web")
	m := regexp.MustCompile(`web started: private 10\.0\.1\.10, public (\S+)`).FindAllStringSubmatch(out, -1)
	if len(m) != 3 || m[0][1] != m[1][1] || m[1][1] != m[2][1] || m[0][1] == "203.0.113.129" {
		t.Fatalf("instance start --all-machines: want one new public IP on all three machines:\n%s", out)
	}
	pub := m[0][1]
	labtest.Eventually(t, 30*time.Second, labtest.Until("mac reaching web's new public IP "+pub, pingWeb(pub)))
	labtest.Eventually(t, 30*time.Second, labtest.Until("web's sshd back", func() bool {
		_, _, err := runNetemu(t, "--lab", lab+"@m1", "ssh", "web", "--", "true")
		return err == nil
	}))
	sshWeb()
	// Without --all-machines the user is told who else must run it.
	o, e, err = s.run("m2", nil, "--lab", lab+"@m2", "instance", "stop", "web")
	if err != nil || !strings.Contains(e, "run the same command on m1 and m3 too") || !strings.Contains(e, "web runs on m2, its VPC prod on m3") {
		t.Errorf("instance stop on m2 alone: %v\n%s%s", err, o, e)
	}

	// A router's agent is stopped where it runs.
	if _, e, err := s.run("m1", nil, "--lab", lab+"@m1", "node", "stop", "transit-a"); err == nil ||
		!strings.Contains(e, "node transit-a runs on machine m2") || !strings.Contains(e, "--all-machines") {
		t.Errorf("node stop on m1 of a router on m2: err %v:\n%s", err, e)
	}
	for _, verb := range []string{"stop", "start"} {
		if out := all("node", verb, "--all-machines", "transit-a"); !strings.Contains(out, "== machine m2 (192.0.2.12): ok") ||
			!strings.Contains(out, "node transit-a: agent "+verb) || strings.Contains(out, "machine m1") {
			t.Errorf("node %s --all-machines:\n%s", verb, out)
		}
	}

	for _, m := range s.names {
		if out, errs, err := s.run(m, nil, "down", "--machine", m, lab); err != nil {
			t.Fatalf("down --machine %s: %v\n%s%s", m, err, out, errs)
		}
	}
	s.assertGone(t)
}

// TestMultihostPeerDeadline: `up` on one machine while the other never
// comes up fails on its deadline naming the silent machine, and removes
// its own share.
func TestMultihostPeerDeadline(t *testing.T) {
	lab := labtest.UniqueName("mhpeer")
	s := newSimMachines(t, lab, 2)
	src, err := topo.ExampleSource("aws-ssh-static")
	if err != nil {
		t.Fatal(err)
	}
	file := s.splitFile(t, src, map[string]string{"transit-a": "m1", "transit-b": "m1", "aws-edge": "m2"}, "")
	s.downOnCleanup(t)
	// No --machine: m1's underlay has m1's address, so this is m1.
	out, errs, err := s.run("m1", []string{"NETEMU_PEER_TIMEOUT=3s"}, "up", file)
	if err == nil {
		t.Fatalf("up m1 without m2 succeeded:\n%s", out)
	}
	for _, w := range []string{"this host is machine m1", "not heard from machine(s) m2 (192.0.2.12; tunnels transit-a:eth2→aws-edge:eth0", "netemu up --machine m2"} {
		if !strings.Contains(errs, w) {
			t.Errorf("error lacks %q:\n%s", w, errs)
		}
	}
	s.assertGone(t)
}

// TestMultihostVagrantSeed runs the Vagrantfile's two-VM variant on two
// simulated machines: the split file comes from the same script
// (tests/vagrant/seed2vm.sh), each machine runs its `up`, and the
// seed-check provisioner's commands pass on m1 — wait, then ssh from mac to
// web across the machines.
func TestMultihostVagrantSeed(t *testing.T) {
	lab := labtest.UniqueName("mhvag")
	s := newSimMachines(t, lab, 2)
	file := filepath.Join(t.TempDir(), lab+".hcl")
	script := exec.Command("bash", "vagrant/seed2vm.sh", file, lab)
	script.Env = append(os.Environ(), "M1_ADDR="+s.addr(0), "M2_ADDR="+s.addr(1))
	if out, err := script.CombinedOutput(); err != nil {
		t.Fatalf("seed2vm.sh: %v\n%s", err, out)
	}
	place, _, err := s.run("m1", nil, "placement", "-o", "json", file)
	if err != nil {
		t.Fatalf("placement: %v", err)
	}
	for _, want := range []string{`"mac"`, `"transit-b"`, `"aws-edge"`, `"web"`} {
		if !strings.Contains(place, want) {
			t.Errorf("placement lacks %s:\n%s", want, place)
		}
	}
	s.downOnCleanup(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	outs := make([]string, 2)
	for i, m := range s.names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, e, err := s.run(m, []string{"NETEMU_CONVERGE_TIMEOUT=120s"}, "up", "--machine", m, file)
			outs[i], errs[i] = o+e, err
		}()
	}
	wg.Wait()
	for i, m := range s.names {
		if errs[i] != nil {
			t.Fatalf("up --machine %s: %v\n%s", m, errs[i], outs[i])
		}
	}
	// On a VM m1 holds one share; here both machines' shares are on one
	// box, so name m1's as the VM would see it alone.
	if _, e, err := s.run("m1", nil, "--lab", lab+"@m1", "wait", "--timeout", "2m"); err != nil {
		t.Fatalf("seed-check wait on m1: %v\n%s", err, e)
	}
	out, e, err := s.run("m1", nil, "--lab", lab+"@m1", "ssh", "web", "--", "hostname")
	if err != nil || strings.TrimSpace(out) != "ip-10-0-1-10" {
		t.Fatalf("seed-check ssh web on m1: %q %v\n%s", out, err, e)
	}
}
