package tests

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

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
	net := labtest.NewNet(t, lab)
	for _, n := range l.Nodes {
		net.Node(n.Name, n.Forwarding)
	}
	link := func(x *topo.Node, xa string, y *topo.Node, ya string) {
		xi := &topo.Interface{Name: fmt.Sprintf("eth%d", len(x.Interfaces)), Addr: pfx(xa), Peer: y.Name, Link: len(l.Links)}
		yi := &topo.Interface{Name: fmt.Sprintf("eth%d", len(y.Interfaces)), Addr: pfx(ya), Peer: x.Name, Link: len(l.Links)}
		xi.PeerIface, yi.PeerIface = yi.Name, xi.Name
		x.Interfaces = append(x.Interfaces, xi)
		y.Interfaces = append(y.Interfaces, yi)
		l.Links = append(l.Links, &topo.Link{Kind: topo.LinkP2P, Subnet: xi.Addr.Masked(),
			A: topo.Endpoint{Node: x.Name, Iface: xi.Name, Addr: xi.Addr}, B: topo.Endpoint{Node: y.Name, Iface: yi.Name, Addr: yi.Addr}})
		net.Link(x.Name, xi.Name, xa, y.Name, yi.Name, ya)
	}
	link(a, "10.9.0.2/30", r1, "10.9.0.1/30")  // a eth0 – r1 eth0
	link(r1, "10.9.1.1/30", r2, "10.9.1.2/30") // r1 eth1 – r2 eth0
	link(r2, "10.9.2.1/30", b, "10.9.2.2/30")  // r2 eth1 – b eth0
	link(r1, "10.9.3.1/30", r3, "10.9.3.2/30") // r1 eth2 – r3 eth0
	link(r3, "10.9.4.1/30", r2, "10.9.4.2/30") // r3 eth1 – r2 eth2
	route := func(n *topo.Node, to, via string) {
		n.Routes = append(n.Routes, topo.Route{To: pfx(to), Via: addr(via)})
		net.IP(n.Name, "route", "add", to, "via", via)
	}
	route(a, "0.0.0.0/0", "10.9.0.1")
	route(b, "0.0.0.0/0", "10.9.2.1")
	route(r1, "10.9.2.0/30", "10.9.1.2")
	route(r2, "10.9.0.0/30", "10.9.1.1")
	route(r3, "10.9.0.0/30", "10.9.3.1")
	route(r3, "10.9.2.0/30", "10.9.4.2")
	net.IP("r1", "route", "add", "10.9.2.0/30", "via", "10.9.3.2", "metric", "100")
	net.IP("r2", "route", "add", "10.9.0.0/30", "via", "10.9.4.1", "metric", "100")
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
	return exec.Command("ip", "netns", "exec", labpath.NetnsName(lab, from), "ping", "-c1", "-W1", addr.String()).Run() == nil
}

func TestConvergeLinkDownUpTrace(t *testing.T) {
	labtest.RequireRoot(t)
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
	out := labtest.Cmd(t, "ip", "-n", labpath.NetnsName(lab, "r2"), "link", "show", "eth0")
	if strings.Contains(out, "LOWER_UP") {
		t.Errorf("r2 eth0 still has carrier after link down:\n%s", out)
	}
	if p := cvTrace(t, l, "a", "b"); p.Result != converge.Reached || cvHops(p) != "a r1 r3 r2 b" {
		t.Fatalf("after the cut:\n%s", p.Format())
	}
	labtest.Eventually(t, 5*time.Second, labtest.Until("ping over the detour", func() bool { return cvPing(lab, "a", b) }))
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
	labtest.Eventually(t, 5*time.Second, labtest.Until("ping after the repair", func() bool { return cvPing(lab, "a", b) }))
	if f, _ = fault.Load(dir); len(f.Active) != 0 || len(f.History) != 2 {
		t.Fatalf("faults file after repair: %+v", f)
	}
	if last, ok := f.LastChange(); !ok || last.Kind != fault.KindLinkUp {
		t.Errorf("last change = %+v", last)
	}
}

func TestConvergeSilentLinkKeepsCarrier(t *testing.T) {
	labtest.RequireRoot(t)
	lab := fmt.Sprintf("cvsil%d", os.Getpid()%100000)
	l := cvTriangle(t, lab)
	in := &fault.Injector{Lab: l, StateDir: t.TempDir()}
	b := netip.MustParseAddr("10.9.2.2")
	// r1's end is bandwidth-limited: the tbf must survive the fault.
	r1 := labpath.NetnsName(lab, "r1")
	labtest.Cmd(t, "tc", "-n", r1, "qdisc", "add", "dev", "eth1", "root", "handle", "5:", "tbf", "rate", "100mbit", "burst", "32kb", "latency", "50ms")
	if !cvPing(lab, "a", b) {
		t.Fatal("a cannot ping b before the failure")
	}
	if err := in.LinkDown("r1", "r2", true); err != nil {
		t.Fatal(err)
	}
	for _, end := range []string{"r1 eth1", "r2 eth0"} {
		node, iface, _ := strings.Cut(end, " ")
		if out := labtest.Cmd(t, "ip", "-n", labpath.NetnsName(lab, node), "link", "show", iface); !strings.Contains(out, "LOWER_UP") {
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
	labtest.Eventually(t, 5*time.Second, labtest.Until("ping after the repair", func() bool { return cvPing(lab, "a", b) }))
	for _, end := range []string{"r1 eth1", "r2 eth0"} {
		node, iface, _ := strings.Cut(end, " ")
		out := labtest.Cmd(t, "tc", "-n", labpath.NetnsName(lab, node), "qdisc", "show", "dev", iface)
		if strings.Contains(out, "blackhole") {
			t.Errorf("%s: blackhole left behind:\n%s", end, out)
		}
		if node == "r1" && !strings.Contains(out, "tbf 5:") {
			t.Errorf("%s: the bandwidth limit is gone:\n%s", end, out)
		}
	}
}

func TestConvergeTraceBlackholeAndLoop(t *testing.T) {
	labtest.RequireRoot(t)
	lab := fmt.Sprintf("cvbh%d", os.Getpid()%100000)
	l := cvTriangle(t, lab)
	r1, r3 := labpath.NetnsName(lab, "r1"), labpath.NetnsName(lab, "r3")
	labtest.Cmd(t, "ip", "-n", r1, "route", "add", "blackhole", "10.99.0.0/24")
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
	labtest.Cmd(t, "ip", "-n", r1, "route", "add", "10.98.0.0/24", "via", "10.9.3.2")
	labtest.Cmd(t, "ip", "-n", r3, "route", "add", "10.98.0.0/24", "via", "10.9.3.1")
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
	// trace exits 1 when the destination is not reached; the path is
	// printed either way.
	out, errs, err := runNetemu(t, "--lab", lab, "trace", from, to, "-o", "json")
	p := pathJSON(t, out)
	if (err == nil) != (p.Result == converge.Reached) {
		t.Fatalf("trace %s %s: result %s but exit %v: %s", from, to, p.Result, err, errs)
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
	labtest.Eventually(t, 10*time.Second, labtest.Until("mac pings web's public IP", ping))
	// No daemons to ask: the CLI says so instead of a socket error.
	if _, errs, err := runNetemu(t, "--lab", lab, "rip", "home-core"); err == nil || !strings.Contains(errs, "runs no routing daemons") {
		t.Errorf("rip on a daemons = \"none\" lab: %v: %s", err, errs)
	}

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
	if !strings.Contains(out, "routing converged in 0s") || !strings.Contains(out, "static routes only") {
		t.Errorf("wait (no daemons: nothing to wait for): %s", out)
	}

	netemu(t, "--lab", lab, "link", "up", "transit-a", "aws-edge")
	if back := cvTracePath(t, lab, "mac", "web"); cvPathNodes(back) != cvPathNodes(before) {
		t.Fatalf("after the repair: %s, want %s", cvPathNodes(back), cvPathNodes(before))
	}
	labtest.Eventually(t, 10*time.Second, labtest.Until("ping after the repair", ping))

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
	labtest.Eventually(t, 10*time.Second, labtest.Until("ping after the silent failure's repair", ping))

	tl := timelineJSON(t, netemu(t, "--lab", lab, "events", "--since", "10m", "-o", "json"))
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

// cvNeedBGP skips until BGP runs inside netemu's agent.
func cvNeedBGP(t *testing.T) {
	t.Helper()
	if _, ok := reflect.TypeOf(agent.Config{}).FieldByName("BGP"); !ok {
		t.Skip("BGP is not part of the agent yet (agent.Config has no BGP field)")
	}
}

// cvTransit returns the transit router a path crosses ("" when none).
func cvTransit(p converge.Path) string {
	for _, h := range p.Hops {
		if h.Node == "transit-a" || h.Node == "transit-b" {
			return h.Node
		}
	}
	return ""
}

// cvCrosses reports whether the path goes straight from node a to node b.
func cvCrosses(p converge.Path, a, b string) bool {
	for i := 1; i < len(p.Hops); i++ {
		if p.Hops[i-1].Node == a && p.Hops[i].Node == b {
			return true
		}
	}
	return false
}

// cvToAWSVia reports whether the path enters aws-edge from transit and
// not from the other transit router.
func cvToAWSVia(p converge.Path, transit string) bool {
	return p.Result == converge.Reached && cvCrosses(p, transit, "aws-edge") && !cvCrosses(p, cvOther(transit), "aws-edge")
}

func cvOther(transit string) string {
	if transit == "transit-a" {
		return "transit-b"
	}
	return "transit-a"
}

// cvTicker is a long-running TCP connection (an ssh session printing a
// counter) from mac to web's public IP.
type cvTicker struct {
	mu    sync.Mutex
	lines int
	done  chan error
}

func (k *cvTicker) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lines
}

func cvStartTicker(t *testing.T, lab string) *cvTicker {
	t.Helper()
	// ssh joins its arguments into one command line for the login shell.
	cmd := exec.Command(buildNetemu(t), "--lab", lab, "ssh", "web", "--", "while :; do echo tick; sleep 0.2; done")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	k := &cvTicker{done: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := out.Read(buf)
			k.mu.Lock()
			k.lines += strings.Count(string(buf[:n]), "\n")
			k.mu.Unlock()
			if err != nil {
				k.done <- cmd.Wait()
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-k.done
	})
	labtest.Eventually(t, 30*time.Second, labtest.Until("the ssh session to print", func() bool { return k.count() > 2 }))
	return k
}

// alive checks the session is still open and still moving.
func (k *cvTicker) alive(t *testing.T, when string) {
	t.Helper()
	n := k.count()
	deadline := time.Now().Add(20 * time.Second)
	for k.count() <= n+2 {
		select {
		case err := <-k.done:
			t.Fatalf("%s: the ssh session ended: %v", when, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the ssh session is stuck", when)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestConvergeSeedDemo is the demonstration on the seed lab: an
// ssh session from mac to web survives a cut of the transit link it uses
// (carrier loss, then a silent failure, then a crash of the transit
// router's agent); the traffic moves to the other transit and back;
// events show the timeline and the convergence time.
func TestConvergeSeedDemo(t *testing.T) {
	labtest.RequireRoot(t)
	cvNeedBGP(t)
	file, _ := labtest.ExampleFile(t, "aws-ssh", "cvseed")
	lab := upLab(t, file)
	state := st(t, lab)
	if state.Model.Timers.BGPHold == 0 {
		t.Fatal("no BGP hold time in the seed lab")
	}

	before := cvTracePath(t, lab, "mac", "web")
	via := cvTransit(before)
	if !cvToAWSVia(before, via) {
		t.Fatalf("before: %s", before.Format())
	}
	back := cvTracePath(t, lab, "web", "mac")
	t.Logf("mac → web via %s; web → mac via %s", via, cvTransit(back))
	ssh := cvStartTicker(t, lab)

	// Carrier loss on the link the traffic uses.
	netemu(t, "--lab", lab, "link", "down", via, "aws-edge")
	out := netemu(t, "--lab", lab, "wait", "--timeout", "60s")
	t.Logf("after carrier loss: %s", strings.TrimSpace(out))
	if p := cvTracePath(t, lab, "mac", "web"); !cvToAWSVia(p, cvOther(via)) {
		t.Fatalf("after the cut the path should reach aws-edge from %s:\n%s", cvOther(via), p.Format())
	}
	if p := cvTracePath(t, lab, "web", "mac"); p.Result != converge.Reached || strings.Contains(cvPathNodes(p), "aws-edge "+via) {
		t.Fatalf("the way back still uses the cut link:\n%s", p.Format())
	}
	ssh.alive(t, "after the cut")
	events := netemu(t, "--lab", lab, "events")
	for _, want := range []string{"link-down " + via + "–aws-edge", "session-down", "convergence time:"} {
		if !strings.Contains(events, want) {
			t.Errorf("events lack %q:\n%s", want, events)
		}
	}
	t.Logf("timeline:\n%s", events)
	netemu(t, "--lab", lab, "link", "up", via, "aws-edge")
	netemu(t, "--lab", lab, "wait", "--timeout", "60s")
	if p := cvTracePath(t, lab, "mac", "web"); cvPathNodes(p) != cvPathNodes(before) {
		t.Fatalf("after the repair: %s, want %s", cvPathNodes(p), cvPathNodes(before))
	}
	ssh.alive(t, "after the repair")

	// Silent failure: only the hold timer notices. Until then wait must
	// say what it is waiting for.
	netemu(t, "--lab", lab, "link", "down", "--silent", via, "aws-edge")
	_, errs, err := runNetemu(t, "--lab", lab, "wait", "--timeout", "1s")
	if err == nil || !strings.Contains(errs, "still Established across a silent link") {
		t.Errorf("wait during an unnoticed silent failure: err %v, stderr %s", err, errs)
	}
	out = netemu(t, "--lab", lab, "wait", "--timeout", "60s")
	t.Logf("after the silent failure: %s", strings.TrimSpace(out))
	tl := timelineJSON(t, netemu(t, "--lab", lab, "events", "-o", "json"))
	// Bound from the timers: the hold time, plus the triggered updates that
	// follow, well inside a second hold time.
	if bound := 2 * state.Model.Timers.BGPHold; tl.Convergence <= 0 || tl.Convergence > bound {
		t.Errorf("silent failure converged in %s, want within (0, %s]", tl.Convergence, bound)
	}
	if p := cvTracePath(t, lab, "mac", "web"); !cvToAWSVia(p, cvOther(via)) {
		t.Fatalf("after the silent failure:\n%s", p.Format())
	}
	ssh.alive(t, "after the silent failure")
	netemu(t, "--lab", lab, "link", "up", via, "aws-edge")
	netemu(t, "--lab", lab, "wait", "--timeout", "60s")

	// Crash of the transit router's agent: its neighbours must notice and
	// route around it; restarting it brings the path back.
	netemu(t, "--lab", lab, "node", "stop", via)
	netemu(t, "--lab", lab, "wait", "--timeout", "90s")
	if p := cvTracePath(t, lab, "mac", "web"); p.Result != converge.Reached || strings.Contains(cvPathNodes(p), via) {
		t.Fatalf("after node stop %s the path should avoid it:\n%s", via, p.Format())
	}
	ssh.alive(t, "after the node stop")
	netemu(t, "--lab", lab, "node", "start", via)
	netemu(t, "--lab", lab, "wait", "--timeout", "90s")
	if p := cvTracePath(t, lab, "mac", "web"); cvPathNodes(p) != cvPathNodes(before) {
		t.Fatalf("after node start: %s, want %s", cvPathNodes(p), cvPathNodes(before))
	}
	ssh.alive(t, "after the node start")
}

// TestConvergeUpFailsClearly: a lab that cannot converge (a BGP neighbor
// on a router of the lab that is not configured to answer it) makes `up`
// fail, naming the router, the session and its state, and leave nothing.
// (A neighbor nobody in the lab owns is an external speaker, which never
// holds `up` back: TestCLIExternalPeerJSONAndErrors.)
func TestConvergeUpFailsClearly(t *testing.T) {
	labtest.RequireRoot(t)
	cvNeedBGP(t)
	src, err := topo.ExampleSource("aws-ssh")
	if err != nil {
		t.Fatal(err)
	}
	lab := labtest.UniqueName("cvbad")
	// home-core runs BGP at 100.127.9.9 but has no such peer: it refuses
	// home-gw's connection, so the session never comes up.
	hcl := strings.Replace(string(labtest.RenameLab(src, lab)), `router "home-gw" {`,
		`router "home-gw" {
  bgp {
    neighbor "100.127.9.9" { asn = 65099 }
  }`, 1)
	hcl = strings.Replace(hcl, `router "home-core" {`, `router "home-core" {
  loopback = "100.127.9.9"`, 1)
	file := labtest.WriteFile(t, lab+".hcl", []byte(hcl))
	t.Cleanup(func() {
		runNetemu(t, "down", lab)
		labtest.AssertGone(t, lab)
	})
	cmd := exec.Command(buildNetemu(t), "up", file)
	cmd.Env = append(os.Environ(), "NETEMU_CONVERGE_TIMEOUT=20s")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("up of a lab that cannot converge succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "routing has not converged") || !strings.Contains(string(out), "home-gw: bgp session 100.127.9.9") {
		t.Fatalf("up's error does not name the session:\n%s", out)
	}
	t.Logf("up failed as it should:\n%s", out)
	labtest.AssertGone(t, lab)
}

// TestConvergeRIPRing: on a ring of four RIP routers, a cut moves the
// path the other way round, a silent failure is noticed by the route
// timeout (and wait says so while it is not), a crashed agent's
// neighbours route around it, and every repair brings the path back.
func TestConvergeRIPRing(t *testing.T) {
	labtest.RequireRoot(t)
	file, _ := labtest.ExampleFile(t, "rip-ring", "cvring")
	lab, err := topo.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		runNetemu(t, "down", lab.Name)
		labtest.AssertGone(t, lab.Name)
	})
	out := netemu(t, "up", file)
	if !strings.Contains(out, "routing converged in") {
		t.Errorf("up did not report convergence:\n%s", out)
	}
	name := lab.Name
	before := cvTracePath(t, name, "left", "right")
	if before.Result != converge.Reached || len(before.Hops) != 5 {
		t.Fatalf("before: %s", before.Format())
	}
	first := before.Hops[2].Node // r2 or r4, whichever way round
	ping := func() bool {
		_, err := execErr(t, name, "left", "ping", "-c1", "-W1", "10.9.2.2")
		return err == nil
	}
	timeline := func() converge.Timeline {
		return timelineJSON(t, netemu(t, "--lab", name, "events", "-o", "json"))
	}

	// `events -f` follows: the failure and the reactions appear as they
	// happen.
	follow := exec.Command(buildNetemu(t), "--lab", name, "events", "-f")
	var followed cvBuffer
	follow.Stdout = &followed
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		follow.Process.Kill()
		follow.Wait()
	})

	netemu(t, "--lab", name, "link", "down", "r1", first)
	netemu(t, "--lab", name, "wait", "--timeout", "30s")
	labtest.Eventually(t, 10*time.Second, labtest.Until("events -f to show the failure and a withdrawal", func() bool {
		out := followed.String()
		cut := strings.Contains(out, "link-down r1–"+first) || strings.Contains(out, "link-down "+first+"–r1")
		return cut && strings.Contains(out, "route-withdraw")
	}))
	follow.Process.Kill()
	after := cvTracePath(t, name, "left", "right")
	if cvSecondRouter(t, after) == first {
		t.Fatalf("after cutting r1–%s:\n%s", first, after.Format())
	}
	if !ping() {
		t.Error("left cannot reach right after convergence")
	}
	tl := timeline()
	kinds := map[string]bool{}
	for _, e := range tl.Entries {
		kinds[string(e.Kind)] = true
	}
	for _, k := range []string{"inject", "link-down", "route-withdraw", "fib-install"} {
		if !kinds[k] {
			t.Errorf("timeline lacks %s: %v", k, kinds)
		}
	}
	if tl.Convergence <= 0 || tl.Convergence > lab.Timers.RIPTimeout {
		t.Errorf("carrier loss converged in %s, want within (0, %s]", tl.Convergence, lab.Timers.RIPTimeout)
	}
	t.Logf("carrier loss: converged in %s", tl.Convergence)
	netemu(t, "--lab", name, "link", "up", "r1", first)
	netemu(t, "--lab", name, "wait", "--timeout", "30s")
	if p := cvTracePath(t, name, "left", "right"); p.Result != converge.Reached {
		t.Fatalf("after the repair: %s", p.Format())
	}

	// Silent: carrier stays, so only the route timeout notices.
	cur := cvSecondRouter(t, cvTracePath(t, name, "left", "right"))
	netemu(t, "--lab", name, "link", "down", "--silent", "r1", cur)
	_, errs, err := runNetemu(t, "--lab", name, "wait", "--timeout", "1s")
	if err == nil || !strings.Contains(errs, "still heard across a silent link") {
		t.Errorf("wait during an unnoticed silent failure: err %v, stderr %s", err, errs)
	}
	netemu(t, "--lab", name, "wait", "--timeout", "90s")
	if p := cvTracePath(t, name, "left", "right"); cvSecondRouter(t, p) == cur {
		t.Fatalf("after the silent failure the path still crosses it:\n%s", p.Format())
	}
	labtest.Eventually(t, 5*time.Second, labtest.Until("ping after the silent failure", ping))
	tl = timeline()
	// Bound from the timers: the route timeout plus one update interval.
	if bound := lab.Timers.RIPTimeout + lab.Timers.RIPUpdate; tl.Convergence <= 0 || tl.Convergence > bound {
		t.Errorf("silent failure converged in %s, want within (0, %s]", tl.Convergence, bound)
	}
	t.Logf("silent failure: converged in %s", tl.Convergence)
	netemu(t, "--lab", name, "link", "up", "r1", cur)
	netemu(t, "--lab", name, "wait", "--timeout", "30s")

	// A crashed agent on the path: its neighbours time it out.
	cur = cvSecondRouter(t, cvTracePath(t, name, "left", "right"))
	netemu(t, "--lab", name, "node", "stop", cur)
	netemu(t, "--lab", name, "wait", "--timeout", "90s")
	// Its kernel still forwards, but nobody routes through it any more.
	if p := cvTracePath(t, name, "left", "right"); cvSecondRouter(t, p) == cur {
		t.Fatalf("after node stop %s:\n%s", cur, p.Format())
	}
	netemu(t, "--lab", name, "node", "start", cur)
	netemu(t, "--lab", name, "wait", "--timeout", "30s")
	if !ping() {
		t.Error("left cannot reach right after node start")
	}
	if out := netemu(t, "--lab", name, "events"); !strings.Contains(out, "node-start "+cur) {
		t.Errorf("events do not start at the node start:\n%s", out)
	}
}

// cvBuffer is a bytes.Buffer safe to read while a process writes it.
type cvBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (c *cvBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.Write(p)
}

func (c *cvBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String()
}

// cvSecondRouter is the router after r1 on a reached left → right path of
// the ring (left, r1, r2|r4, r3, right).
func cvSecondRouter(t *testing.T, p converge.Path) string {
	t.Helper()
	if p.Result != converge.Reached || len(p.Hops) != 5 {
		t.Fatalf("left → right:\n%s", p.Format())
	}
	return p.Hops[2].Node
}

// TestConvergeFRRSeed: daemons = "frr" runs FRR's zebra, ripd and bgpd
// from the same model; the seed lab routes end to end, wait sees FRR's
// sessions and RIP sources, and a cut transit link is routed around.
func TestConvergeFRRSeed(t *testing.T) {
	labtest.RequireRoot(t)
	if _, err := os.Stat("/usr/lib/frr/zebra"); err != nil {
		t.Skip("FRR is not installed")
	}
	src, err := topo.ExampleSource("aws-ssh")
	if err != nil {
		t.Fatal(err)
	}
	lab := labtest.UniqueName("cvfrr")
	hcl := strings.Replace(string(labtest.RenameLab(src, lab)), `lab "`+lab+`" {`, `lab "`+lab+`" {
  daemons = "frr"`, 1)
	file := labtest.WriteFile(t, lab+".hcl", []byte(hcl))
	if got := upLab(t, file); got != lab {
		t.Fatalf("lab %s, want %s", got, lab)
	}
	netemu(t, "--lab", lab, "wait", "--timeout", "90s")
	before := cvTracePath(t, lab, "mac", "web")
	via := cvTransit(before)
	if !cvToAWSVia(before, via) {
		t.Fatalf("before:\n%s", before.Format())
	}
	netemu(t, "--lab", lab, "link", "down", via, "aws-edge")
	netemu(t, "--lab", lab, "wait", "--timeout", "90s")
	if p := cvTracePath(t, lab, "mac", "web"); !cvToAWSVia(p, cvOther(via)) {
		t.Fatalf("after the cut:\n%s", p.Format())
	}
	if _, err := execErr(t, lab, "mac", "ping", "-c1", "-W2", before.Dst.String()); err != nil {
		t.Errorf("mac cannot ping web after the cut: %v", err)
	}
	netemu(t, "--lab", lab, "link", "up", via, "aws-edge")
	netemu(t, "--lab", lab, "wait", "--timeout", "90s")

	// node stop crashes FRR's daemons (zebra, bgpd, ripd) as it crashes
	// netemu's agent: the neighbours' hold timers notice, the path avoids
	// the router; node start brings the daemons back in order.
	cur := cvTransit(cvTracePath(t, lab, "mac", "web"))
	netemu(t, "--lab", lab, "node", "stop", cur)
	if left := frrDaemonsIn(t, lab, cur); len(left) > 0 {
		t.Errorf("FRR daemons still run in %s after node stop: %v", cur, left)
	}
	netemu(t, "--lab", lab, "wait", "--timeout", "90s")
	if p := cvTracePath(t, lab, "mac", "web"); p.Result != converge.Reached || strings.Contains(cvPathNodes(p), cur) {
		t.Fatalf("after node stop %s the path should avoid it:\n%s", cur, p.Format())
	}
	netemu(t, "--lab", lab, "node", "start", cur)
	netemu(t, "--lab", lab, "wait", "--timeout", "90s")
	labtest.Eventually(t, 60*time.Second, labtest.Until("bgpd established again on "+cur, func() bool {
		out, err := execErr(t, lab, cur, "ip", "route", "show", "proto", "bgp")
		return err == nil && strings.TrimSpace(out) != ""
	}))
	if events := netemu(t, "--lab", lab, "events"); !strings.Contains(events, "node-start "+cur) {
		t.Errorf("events lack the node start:\n%s", events)
	}
}

// frrDaemonsIn lists the FRR daemons (zebra, ripd, bgpd) running in node's
// network namespace.
func frrDaemonsIn(t *testing.T, lab, node string) []string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "pids", labpath.NetnsName(lab, node)).Output()
	if err != nil {
		t.Fatalf("ip netns pids %s: %v", node, err)
	}
	var found []string
	for _, pid := range strings.Fields(string(out)) {
		comm, err := os.ReadFile("/proc/" + pid + "/comm")
		if err != nil {
			continue
		}
		switch c := strings.TrimSpace(string(comm)); c {
		case "zebra", "ripd", "bgpd":
			found = append(found, c+"["+pid+"]")
		}
	}
	return found
}
