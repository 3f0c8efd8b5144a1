package tests

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// cvNeedRoot skips a test that builds namespaces when not root.
func cvNeedRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: builds network namespaces")
	}
}

// cvRun runs a command and fails the test with its output on error.
func cvRun(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

// cvTriangle builds, in namespaces named as netemu names them, the lab
//
//	a ── r1 ── r2 ── b
//	      ╲    ╱
//	       r3
//
// with static routes: the model's routes go over r1–r2; the detour via r3
// is added with a worse metric outside the model (as a routing daemon
// would keep a backup), so a cut of r1–r2 moves traffic to r3 and the
// repair (which restores the model's routes) moves it back.
func cvTriangle(t *testing.T, lab string) *topo.Lab {
	t.Helper()
	pfx, addr := netip.MustParsePrefix, netip.MustParseAddr
	l := &topo.Lab{Name: lab, Daemons: "none"}
	add := func(name string, kind topo.NodeKind) *topo.Node {
		n := &topo.Node{Name: name, Kind: kind, Forwarding: kind == topo.KindRouter}
		l.Nodes = append(l.Nodes, n)
		return n
	}
	a, r1, r2, r3, b := add("a", topo.KindHost), add("r1", topo.KindRouter), add("r2", topo.KindRouter), add("r3", topo.KindRouter), add("b", topo.KindHost)
	for _, n := range l.Nodes {
		ns := nodes.NetnsName(lab, n.Name)
		cvRun(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
		cvRun(t, "ip", "-n", ns, "link", "set", "lo", "up")
		if n.Forwarding {
			cvRun(t, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
		}
	}
	link := func(x *topo.Node, xa string, y *topo.Node, ya string) {
		xi := &topo.Interface{Name: fmt.Sprintf("eth%d", len(x.Interfaces)), Addr: pfx(xa), Peer: y.Name, Link: len(l.Links)}
		yi := &topo.Interface{Name: fmt.Sprintf("eth%d", len(y.Interfaces)), Addr: pfx(ya), Peer: x.Name, Link: len(l.Links)}
		xi.PeerIface, yi.PeerIface = yi.Name, xi.Name
		x.Interfaces = append(x.Interfaces, xi)
		y.Interfaces = append(y.Interfaces, yi)
		l.Links = append(l.Links, &topo.Link{Kind: topo.LinkP2P, Subnet: xi.Addr.Masked(),
			A: topo.Endpoint{Node: x.Name, Iface: xi.Name, Addr: xi.Addr}, B: topo.Endpoint{Node: y.Name, Iface: yi.Name, Addr: yi.Addr}})
		xn, yn := nodes.NetnsName(lab, x.Name), nodes.NetnsName(lab, y.Name)
		// The peer is created directly in its namespace: no name in the
		// host's namespace that two tests could collide on.
		cvRun(t, "ip", "-n", xn, "link", "add", xi.Name, "type", "veth", "peer", "name", yi.Name, "netns", yn)
		cvRun(t, "ip", "-n", xn, "addr", "add", xa, "dev", xi.Name)
		cvRun(t, "ip", "-n", yn, "addr", "add", ya, "dev", yi.Name)
		cvRun(t, "ip", "-n", xn, "link", "set", xi.Name, "up")
		cvRun(t, "ip", "-n", yn, "link", "set", yi.Name, "up")
	}
	link(a, "10.9.0.2/30", r1, "10.9.0.1/30")  // a eth0 – r1 eth0
	link(r1, "10.9.1.1/30", r2, "10.9.1.2/30") // r1 eth1 – r2 eth0
	link(r2, "10.9.2.1/30", b, "10.9.2.2/30")  // r2 eth1 – b eth0
	link(r1, "10.9.3.1/30", r3, "10.9.3.2/30") // r1 eth2 – r3 eth0
	link(r3, "10.9.4.1/30", r2, "10.9.4.2/30") // r3 eth1 – r2 eth2
	route := func(n *topo.Node, to, via string) {
		n.Routes = append(n.Routes, topo.Route{To: pfx(to), Via: addr(via)})
		cvRun(t, "ip", "-n", nodes.NetnsName(lab, n.Name), "route", "add", to, "via", via)
	}
	route(a, "0.0.0.0/0", "10.9.0.1")
	route(b, "0.0.0.0/0", "10.9.2.1")
	route(r1, "10.9.2.0/30", "10.9.1.2")
	route(r2, "10.9.0.0/30", "10.9.1.1")
	route(r3, "10.9.0.0/30", "10.9.3.1")
	route(r3, "10.9.2.0/30", "10.9.4.2")
	cvRun(t, "ip", "-n", nodes.NetnsName(lab, "r1"), "route", "add", "10.9.2.0/30", "via", "10.9.3.2", "metric", "100")
	cvRun(t, "ip", "-n", nodes.NetnsName(lab, "r2"), "route", "add", "10.9.0.0/30", "via", "10.9.4.1", "metric", "100")
	return l
}

func cvTrace(t *testing.T, l *topo.Lab, from, to string) *converge.Path {
	t.Helper()
	dst, err := converge.Address(l, from, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	kt := converge.NewKernelTables(l.Name)
	defer kt.Close()
	p, err := converge.Trace(l, kt, from, dst, converge.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func cvHops(p *converge.Path) string {
	var s []string
	for _, h := range p.Hops {
		s = append(s, h.Node)
	}
	return strings.Join(s, " ")
}

// cvPing reports whether one ping from node from to addr is answered.
func cvPing(lab, from string, addr netip.Addr) bool {
	return exec.Command("ip", "netns", "exec", nodes.NetnsName(lab, from), "ping", "-c1", "-W1", addr.String()).Run() == nil
}

// cvEventually polls cond until it holds or the deadline passes.
func cvEventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestConvergeLinkDownUpTrace(t *testing.T) {
	cvNeedRoot(t)
	lab := fmt.Sprintf("cvlink%d", os.Getpid()%100000)
	l := cvTriangle(t, lab)
	dir := t.TempDir()
	in := &fault.Injector{Lab: l, StateDir: dir}
	b := netip.MustParseAddr("10.9.2.2")

	if p := cvTrace(t, l, "a", "b"); p.Result != converge.Reached || cvHops(p) != "a r1 r2 b" {
		t.Fatalf("before the cut:\n%s", p.Format())
	}
	if !cvPing(lab, "a", b) {
		t.Fatal("a cannot ping b before the cut")
	}

	if err := in.LinkDown("r1", "r2", false); err != nil {
		t.Fatal(err)
	}
	out := cvRun(t, "ip", "-n", nodes.NetnsName(lab, "r2"), "link", "show", "eth0")
	if strings.Contains(out, "LOWER_UP") {
		t.Errorf("r2 eth0 still has carrier after link down:\n%s", out)
	}
	if p := cvTrace(t, l, "a", "b"); p.Result != converge.Reached || cvHops(p) != "a r1 r3 r2 b" {
		t.Fatalf("after the cut:\n%s", p.Format())
	}
	cvEventually(t, 5*time.Second, "ping over the detour", func() bool { return cvPing(lab, "a", b) })
	f, err := fault.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if lf := f.LinkFault("r2", "r1"); lf == nil || lf.Kind != fault.KindLinkDown {
		t.Fatalf("faults file: %+v", f)
	}

	if err := in.LinkUp("r2", "r1"); err != nil {
		t.Fatal(err)
	}
	if p := cvTrace(t, l, "a", "b"); p.Result != converge.Reached || cvHops(p) != "a r1 r2 b" {
		t.Fatalf("after the repair:\n%s", p.Format())
	}
	cvEventually(t, 5*time.Second, "ping after the repair", func() bool { return cvPing(lab, "a", b) })
	if f, _ = fault.Load(dir); len(f.Active) != 0 || len(f.History) != 2 {
		t.Fatalf("faults file after repair: %+v", f)
	}
	if last, ok := f.LastChange(); !ok || last.Kind != fault.KindLinkUp {
		t.Errorf("last change = %+v", last)
	}
}

func TestConvergeSilentLinkKeepsCarrier(t *testing.T) {
	cvNeedRoot(t)
	lab := fmt.Sprintf("cvsil%d", os.Getpid()%100000)
	l := cvTriangle(t, lab)
	in := &fault.Injector{Lab: l, StateDir: t.TempDir()}
	b := netip.MustParseAddr("10.9.2.2")
	// r1's end is bandwidth-limited: the tbf must survive the fault.
	r1 := nodes.NetnsName(lab, "r1")
	cvRun(t, "tc", "-n", r1, "qdisc", "add", "dev", "eth1", "root", "handle", "5:", "tbf", "rate", "100mbit", "burst", "32kb", "latency", "50ms")
	if !cvPing(lab, "a", b) {
		t.Fatal("a cannot ping b before the failure")
	}
	if err := in.LinkDown("r1", "r2", true); err != nil {
		t.Fatal(err)
	}
	for _, end := range []string{"r1 eth1", "r2 eth0"} {
		node, iface, _ := strings.Cut(end, " ")
		if out := cvRun(t, "ip", "-n", nodes.NetnsName(lab, node), "link", "show", iface); !strings.Contains(out, "LOWER_UP") {
			t.Errorf("%s lost carrier on a silent failure:\n%s", end, out)
		}
	}
	// The kernel tables still point over the silent link, so the trace is
	// unchanged while every packet is lost.
	if p := cvTrace(t, l, "a", "b"); cvHops(p) != "a r1 r2 b" {
		t.Errorf("trace during a silent failure:\n%s", p.Format())
	}
	if cvPing(lab, "a", b) {
		t.Fatal("ping crossed a silent link")
	}
	if cvPing(lab, "r1", netip.MustParseAddr("10.9.1.2")) {
		t.Fatal("r1 reached r2 across the silent link")
	}
	// Switching to carrier loss clears the drop first; repair clears all.
	if err := in.LinkDown("r1", "r2", false); err != nil {
		t.Fatal(err)
	}
	if err := in.LinkUp("r1", "r2"); err != nil {
		t.Fatal(err)
	}
	cvEventually(t, 5*time.Second, "ping after the repair", func() bool { return cvPing(lab, "a", b) })
	for _, end := range []string{"r1 eth1", "r2 eth0"} {
		node, iface, _ := strings.Cut(end, " ")
		out := cvRun(t, "tc", "-n", nodes.NetnsName(lab, node), "qdisc", "show", "dev", iface)
		if strings.Contains(out, "blackhole") {
			t.Errorf("%s: blackhole left behind:\n%s", end, out)
		}
		if node == "r1" && !strings.Contains(out, "tbf 5:") {
			t.Errorf("%s: the bandwidth limit is gone:\n%s", end, out)
		}
	}
}

func TestConvergeTraceBlackholeAndLoop(t *testing.T) {
	cvNeedRoot(t)
	lab := fmt.Sprintf("cvbh%d", os.Getpid()%100000)
	l := cvTriangle(t, lab)
	r1, r3 := nodes.NetnsName(lab, "r1"), nodes.NetnsName(lab, "r3")
	cvRun(t, "ip", "-n", r1, "route", "add", "blackhole", "10.99.0.0/24")
	p := cvTrace(t, l, "a", "r3")
	if p.Result != converge.Reached {
		t.Fatalf("a to r3:\n%s", p.Format())
	}
	kt := converge.NewKernelTables(lab)
	defer kt.Close()
	p, err := converge.Trace(l, kt, "a", netip.MustParseAddr("10.99.0.1"), converge.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Result != converge.Blackhole || cvHops(p) != "a r1" {
		t.Fatalf("blackhole:\n%s", p.Format())
	}
	// r1 → r3 → r1 for 10.98.0.0/24.
	cvRun(t, "ip", "-n", r1, "route", "add", "10.98.0.0/24", "via", "10.9.3.2")
	cvRun(t, "ip", "-n", r3, "route", "add", "10.98.0.0/24", "via", "10.9.3.1")
	p, err = converge.Trace(l, kt, "a", netip.MustParseAddr("10.98.0.1"), converge.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Result != converge.Loop {
		t.Fatalf("loop:\n%s", p.Format())
	}
}

// cvTracePath runs `netemu trace -o json` and decodes the path.
func cvTracePath(t *testing.T, lab, from, to string) converge.Path {
	t.Helper()
	var p converge.Path
	out := netemu(t, "--lab", lab, "trace", from, to, "-o", "json")
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("trace -o json: %v\n%s", err, out)
	}
	return p
}

func cvPathNodes(p converge.Path) string {
	var s []string
	for _, h := range p.Hops {
		s = append(s, h.Node)
	}
	return strings.Join(s, " ")
}

// TestConvergeStaticSeedCLI drives link down/up (carrier and silent),
// trace, events and wait through the CLI on the static seed lab: with
// static routes only, a cut of transit-a–aws-edge blackholes the traffic
// at transit-a until the link comes back.
func TestConvergeStaticSeedCLI(t *testing.T) {
	labtest.RequireRoot(t)
	file, _ := labtest.ExampleFile(t, "aws-ssh-static", "cvst")
	lab := upLab(t, file)

	before := cvTracePath(t, lab, "mac", "web")
	if before.Result != converge.Reached || !strings.Contains(cvPathNodes(before), "home-core transit-a aws-edge") {
		t.Fatalf("before: %+v", before)
	}
	if last := before.Hops[len(before.Hops)-1]; last.Node != "web" || last.Dst.String() != "10.0.1.10" {
		t.Errorf("the IGW's NAT was not followed: last hop %+v", last)
	}
	pub := before.Dst.String()
	ping := func() bool {
		_, err := execErr(t, lab, "mac", "ping", "-c1", "-W1", pub)
		return err == nil
	}
	labtest.Eventually(t, 10*time.Second, "mac pings web's public IP", ping)

	netemu(t, "--lab", lab, "link", "down", "transit-a", "aws-edge")
	cut := cvTracePath(t, lab, "mac", "web")
	if cut.Result != converge.Blackhole || cut.Hops[len(cut.Hops)-1].Node != "transit-a" {
		t.Fatalf("after the cut: %+v", cut)
	}
	if ping() {
		t.Error("ping crossed a cut link")
	}
	out := netemu(t, "--lab", lab, "events")
	if !strings.Contains(out, "link-down transit-a–aws-edge") {
		t.Errorf("events do not show the failure:\n%s", out)
	}
	out = netemu(t, "--lab", lab, "wait", "--timeout", "30s")
	if !strings.Contains(out, "routing converged in") {
		t.Errorf("wait: %s", out)
	}

	netemu(t, "--lab", lab, "link", "up", "transit-a", "aws-edge")
	if back := cvTracePath(t, lab, "mac", "web"); cvPathNodes(back) != cvPathNodes(before) {
		t.Fatalf("after the repair: %s, want %s", cvPathNodes(back), cvPathNodes(before))
	}
	labtest.Eventually(t, 10*time.Second, "ping after the repair", ping)

	netemu(t, "--lab", lab, "link", "down", "--silent", "transit-a", "aws-edge")
	for _, n := range []string{"transit-a", "aws-edge"} {
		node := st(t, lab).Model.Node(n)
		for _, i := range node.Interfaces {
			if i.Peer == "transit-a" || i.Peer == "aws-edge" {
				if out := execIn(t, lab, n, "ip", "link", "show", i.Name); !strings.Contains(out, "LOWER_UP") {
					t.Errorf("%s %s lost carrier on a silent failure:\n%s", n, i.Name, out)
				}
			}
		}
	}
	if p := cvTracePath(t, lab, "mac", "web"); p.Result != converge.Reached || !strings.Contains(p.Format(), "["+fault.KindLinkSilent+"]") {
		t.Errorf("trace during a silent failure should still follow the tables and flag the link:\n%s", p.Format())
	}
	if ping() {
		t.Error("ping crossed a silent link")
	}
	netemu(t, "--lab", lab, "link", "up", "transit-a", "aws-edge")
	labtest.Eventually(t, 10*time.Second, "ping after the silent failure's repair", ping)

	var tl converge.Timeline
	out = netemu(t, "--lab", lab, "events", "--since", "10m", "-o", "json")
	if err := json.Unmarshal([]byte(out), &tl); err != nil {
		t.Fatalf("events -o json: %v\n%s", err, out)
	}
	var injected []string
	for _, e := range tl.Entries {
		if e.Kind == converge.KindInject {
			injected = append(injected, e.Detail)
		}
	}
	if len(injected) != 4 || tl.RefLabel != "link-up transit-a–aws-edge" {
		t.Errorf("timeline: ref %q, injections %q", tl.RefLabel, injected)
	}
}

// st loads the running lab's state.
func st(t *testing.T, lab string) *nodes.State {
	t.Helper()
	s, err := nodes.LoadState(lab, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}
