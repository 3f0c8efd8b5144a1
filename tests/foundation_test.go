package tests

// Issue 2's integration tests: the real CLI on real namespaces.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	labrep "github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// statusOut is the part of `status -o json` the tests read.
type statusOut []labrep.LabReport

func labStatus(t *testing.T, lab string) statusOut {
	t.Helper()
	s := statusOut{statusJSON(t, lab)}
	if s[0].Lab != lab {
		t.Fatalf("status -o json: want lab %s only, got %+v", lab, s)
	}
	return s
}

func exitCodeOf(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// The static seed lab end to end: up, exec, reachability, status, down.
func TestFoundationSeedStatic(t *testing.T) {
	labtest.RequireRoot(t)
	file, _ := labtest.ExampleFile(t, "aws-ssh-static", "fseed")
	lab := upLab(t, file)

	// mac reaches aws-edge across both ISPs' static routes.
	execIn(t, lab, "mac", "ping", "-c1", "-W2", "192.0.2.14")
	execIn(t, lab, "mac", "ping", "-c1", "-W2", "100.127.0.5")
	if got := strings.TrimSpace(execIn(t, lab, "web", "hostname")); got != "ip-10-0-1-10" {
		t.Errorf("web's hostname = %q, want ip-10-0-1-10", got)
	}
	if got := strings.TrimSpace(execIn(t, lab, "home-gw", "hostname")); got != "home-gw" {
		t.Errorf("home-gw's hostname = %q", got)
	}
	// The VPC's private range is not routed on the Internet side.
	if _, err := execErr(t, lab, "mac", "ping", "-c1", "-W1", "10.0.1.10"); err == nil {
		t.Error("mac reached 10.0.1.10: the VPC's private range must not be routed from the Internet")
	}
	// Inside the VPC, instances reach each other through the VPC router.
	execIn(t, lab, "web", "ping", "-c1", "-W2", "10.0.1.20")
	// The exit status passes through exec.
	if _, err := execErr(t, lab, "mac", "sh", "-c", "exit 7"); exitCodeOf(err) != 7 {
		t.Errorf("exec exit status: got %v, want 7", err)
	}
	// Forwarding on routers only.
	if got := strings.TrimSpace(execIn(t, lab, "transit-a", "cat", "/proc/sys/net/ipv4/ip_forward")); got != "1" {
		t.Errorf("transit-a ip_forward = %q", got)
	}
	if got := strings.TrimSpace(execIn(t, lab, "mac", "cat", "/proc/sys/net/ipv4/ip_forward")); got != "0" {
		t.Errorf("mac ip_forward = %q", got)
	}
	// The VPC router's ports: .1 without a prefix route, /32 per instance.
	routes := execIn(t, lab, "prod-router", "ip", "route")
	if !strings.Contains(routes, "10.0.1.10 dev eth1 scope link") || strings.Contains(routes, "10.0.1.0/24") {
		t.Errorf("prod-router routes:\n%s", routes)
	}

	table := netemu(t, "status", "--lab", lab)
	for _, want := range []string{"web", "instance", "10.0.1.10/24", "home-gw", "router", "198.51.100.1/29"} {
		if !strings.Contains(table, want) {
			t.Errorf("status table lacks %q:\n%s", want, table)
		}
	}
	s := labStatus(t, lab)
	if len(s[0].Nodes) != 10 || s[0].Phase != nodes.PhaseUp {
		t.Errorf("status: %d nodes, phase %q", len(s[0].Nodes), s[0].Phase)
	}
	found := false
	for _, n := range s[0].Nodes {
		if n.Name != "web" {
			continue
		}
		for _, i := range n.Interfaces {
			if i.Iface == "eth0" && i.Up && len(i.Addresses) == 1 && i.Addresses[0] == "10.0.1.10/24" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("status -o json: web eth0 10.0.1.10/24 up not found: %+v", s)
	}

	out := netemu(t, "down", lab)
	if !strings.Contains(out, "down") {
		t.Errorf("down said %q", out)
	}
	labtest.AssertGone(t, lab)
	// A lab that is not up: an error (a misspelt name), unless --missing-ok.
	if _, errs, err := runNetemu(t, "down", lab); exitCodeOf(err) != 1 || !strings.Contains(errs, "is not up") {
		t.Errorf("second down: %v, %q", err, errs)
	}
	if out := netemu(t, "down", "--missing-ok", lab); !strings.Contains(out, "not up") {
		t.Errorf("second down --missing-ok said %q", out)
	}
}

// twoHostsHCL is h1 ── r1 ── h2, the r1–h2 link limited to 10 Mbit/s.
func twoHostsHCL(lab string) []byte { return labtest.LineHCL(lab, "", `  bandwidth = "10mbit"`) }

// Two labs with the same node names and addresses run side by side.
func TestFoundationTwoLabs(t *testing.T) {
	labtest.RequireRoot(t)
	a, b := labtest.UniqueName("ftwoa"), labtest.UniqueName("ftwob")
	la := upLab(t, labtest.WriteFile(t, a+".hcl", twoHostsHCL(a)))
	lb := upLab(t, labtest.WriteFile(t, b+".hcl", twoHostsHCL(b)))
	for _, lab := range []string{la, lb} {
		execIn(t, lab, "h1", "ping", "-c1", "-W2", "10.9.0.6")
	}
	// The link's bandwidth is a tbf qdisc on both ends.
	if q := execIn(t, la, "h2", "tc", "qdisc", "show", "dev", "eth0"); !strings.Contains(q, "tbf") {
		t.Errorf("h2 eth0 qdisc: %s", q)
	}
	netemu(t, "down", la)
	labtest.AssertGone(t, la)
	execIn(t, lb, "h1", "ping", "-c1", "-W2", "10.9.0.6")
}

// A bad file fails with its position and touches nothing.
func TestFoundationBadFile(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("fbad")
	file := labtest.WriteFile(t, "bad.hcl", []byte(fmt.Sprintf("lab %q { daemons = \"none\" }\nhost \"h1\" {}\nlink \"h1\" \"nope\" {}\n", lab)))
	out, errs, err := runNetemu(t, "up", file)
	if err == nil {
		t.Fatalf("up of a bad file succeeded:\n%s", out)
	}
	pos := regexp.MustCompile(`bad\.hcl(:3[:,]\d+| line 3)`)
	if !pos.MatchString(errs) {
		t.Errorf("error does not name bad.hcl line 3:\n%s", errs)
	}
	if left := labtest.Namespaces(lab); len(left) > 0 {
		t.Errorf("namespaces created for a bad file: %v", left)
	}
	if _, err := os.Stat(labpath.StateDir(lab, "")); err == nil {
		t.Errorf("state dir created for a bad file")
	}
	if _, _, err := runNetemu(t, "validate", file); err == nil {
		t.Error("validate of a bad file succeeded")
	}
}

// A second `up` of a running lab fails clearly and leaves it running.
func TestFoundationUpTwice(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("ftwice")
	file := labtest.WriteFile(t, lab+".hcl", twoHostsHCL(lab))
	upLab(t, file)
	_, errs, err := runNetemu(t, "up", file)
	if err == nil || !strings.Contains(errs, "already up") || !strings.Contains(errs, "netemu down "+lab) {
		t.Fatalf("second up: err=%v stderr=%s", err, errs)
	}
	execIn(t, lab, "h1", "ping", "-c1", "-W2", "10.9.0.6")
}

// startUp starts `netemu up` on a generated chain and returns once its
// state file exists and some namespaces are built. The channel yields the
// command's exit error once it ended.
func startUp(t *testing.T, lab string, n int) (*exec.Cmd, <-chan error) {
	t.Helper()
	file := labtest.WriteFile(t, lab+".hcl", labtest.ChainHCL(lab, n))
	cmd := exec.Command(buildNetemu(t), "up", file)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	result := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		// Whatever happened, leave nothing.
		runNetemu(t, "down", lab)
	})
	go func() { result <- cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := os.Stat(labpath.StatePath(labpath.StateDir(lab, "")))
		if err == nil && len(labtest.Namespaces(lab)) >= 10 {
			return cmd, result
		}
		select {
		case <-exited:
			t.Fatal("up ended before it was half-way")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("up did not start building within 60s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// `down` after `up` was SIGKILLed half-way removes everything.
func TestFoundationSigkillDuringUp(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("fkill")
	cmd, result := startUp(t, lab, 300)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err == nil {
		t.Log("up finished before SIGKILL: down is tested on a whole lab")
	}
	t.Logf("killed with %d namespaces built", len(labtest.Namespaces(lab)))
	netemu(t, "down", lab)
	labtest.AssertGone(t, lab)
}

// Ctrl-C during `up` removes what was built, without `down`.
func TestFoundationInterruptRollsBack(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("fint")
	cmd, result := startUp(t, lab, 300)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err == nil {
		t.Skip("up finished before Ctrl-C arrived: nothing to roll back")
	}
	labtest.AssertGone(t, lab)
}

func alivePid(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(data), ')')
	return i > 0 && i+2 < len(data) && data[i+2] != 'Z'
}

// Supervised processes: run inside the node, restart with back-off, show
// in status, stop, and are gone after down.
func TestFoundationSupervisedProcesses(t *testing.T) {
	labtest.RequireRoot(t)
	name := labtest.UniqueName("fproc")
	lab, err := topo.Parse(twoHostsHCL(name), name+".hcl")
	if err != nil {
		t.Fatal(err)
	}
	st := labtest.Build(t, lab, buildNetemu(t))
	if _, err := nodes.StartProcess(st, "h1", nodes.ProcessSpec{Name: "sleeper", Command: []string{"sleep", "1000"}, Restart: true}); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	if _, err := nodes.StartProcess(st, "h2", nodes.ProcessSpec{Name: "crasher", Command: []string{"false"}, Restart: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes.StartProcess(st, "h1", nodes.ProcessSpec{Name: "sleeper", Command: []string{"sleep", "1"}}); err == nil {
		t.Error("a second process of the same name started")
	}

	proc := func(node, pname string) (pid, restarts int, state string) {
		for _, n := range labStatus(t, name)[0].Nodes {
			for _, p := range n.Processes {
				if n.Name == node && p.Name == pname {
					return p.PID, p.Restarts, p.State
				}
			}
		}
		return 0, 0, ""
	}
	var pid int
	labtest.Eventually(t, 10*time.Second, labtest.Until("sleeper running", func() bool {
		pid, _, _ = proc("h1", "sleeper")
		return pid > 0
	}))
	// It runs in h1's network namespace.
	if !sameNetns(pid, labpath.NetnsPath(name, "h1")) {
		t.Errorf("sleeper pid %d is not in h1's namespace", pid)
	}
	// Killed, it comes back with a new pid.
	syscall.Kill(pid, syscall.SIGKILL)
	labtest.Eventually(t, 10*time.Second, labtest.Until("sleeper restarted", func() bool {
		p, r, _ := proc("h1", "sleeper")
		return p > 0 && p != pid && r == 1
	}))

	// The crasher backs off: restarts grow, but never faster than the
	// back-off allows (1 s, 2 s, 4 s … between starts).
	labtest.Eventually(t, 20*time.Second, labtest.Until("crasher restarted twice", func() bool {
		_, r, _ := proc("h2", "crasher")
		return r >= 2
	}))
	_, r, state := proc("h2", "crasher")
	elapsed := time.Since(started)
	if max := int(elapsed/time.Second) + 1; r > max {
		t.Errorf("crasher restarted %d times in %s: back-off not respected", r, elapsed)
	}
	if state != nodes.SupBackoff && state != nodes.SupRunning {
		t.Errorf("crasher state %q", state)
	}

	// A process with a User runs as that user, in the node's UTS namespace.
	ps, err := nodes.StartProcess(st, "h2", nodes.ProcessSpec{Name: "who", Command: []string{"sh", "-c", "echo $(id -un) $(hostname); exec sleep 1000"}, User: "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	labtest.Eventually(t, 10*time.Second, labtest.Until("who's log", func() bool {
		data, _ := os.ReadFile(ps.LogFile)
		return strings.Contains(string(data), "nobody h2")
	}))

	pid, _, _ = proc("h1", "sleeper")
	if err := nodes.StopProcess(st, "h1", "sleeper"); err != nil {
		t.Fatal(err)
	}
	if alivePid(pid) {
		t.Errorf("sleeper pid %d alive after StopProcess", pid)
	}
	if p, _, _ := proc("h1", "sleeper"); p != 0 {
		t.Errorf("sleeper still in status after stop")
	}
}

func sameNetns(pid int, path string) bool {
	var a, b syscall.Stat_t
	if syscall.Stat(path, &a) != nil || syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &b) != nil {
		return false
	}
	return a.Ino == b.Ino
}

// exec passes stdin and the terminal through: a program inside a node
// reads the caller's stdin and sees a tty when the caller has one.
func TestFoundationExecTerminal(t *testing.T) {
	labtest.RequireRoot(t)
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("needs script(1) (bsdutils) to make a terminal")
	}
	name := labtest.UniqueName("ftty")
	lab := upLab(t, labtest.WriteFile(t, name+".hcl", twoHostsHCL(name)))

	cmd := exec.Command(buildNetemu(t), "--lab", lab, "exec", "h1", "--", "cat")
	cmd.Stdin = strings.NewReader("through stdin\n")
	if out, err := cmd.Output(); err != nil || string(out) != "through stdin\n" {
		t.Errorf("stdin: %q, %v", out, err)
	}

	inner := fmt.Sprintf("%s --lab %s exec h1 -- sh -c 'tty; hostname'", buildNetemu(t), lab)
	out, err := exec.Command("script", "-qec", inner, "/dev/null").Output()
	if err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`/dev/pts/\d+\s+h1`).Match(out) {
		t.Errorf("inside a terminal: %q", out)
	}
}

func machinesHCL(lab string, cross bool) []byte {
	s := fmt.Sprintf(`lab %q { daemons = "none" }
machine "m1" { address = "192.0.2.11" }
machine "m2" { address = "192.0.2.12" }
autonomous_system "a" {
  asn = 64512
  igp = "static"
}
router "r1" {
  as      = "a"
  machine = "m1"
}
host "h1" { machine = "m1" }
router "r2" {
  as      = "a"
  machine = "m2"
}
host "h2" { machine = "m2" }
link "h1" "r1" { subnet = "10.9.0.0/30" }
link "h2" "r2" { subnet = "10.9.0.4/30" }
`, lab)
	if cross {
		s += `link "r1" "r2" { subnet = "10.9.0.8/30" }` + "\n"
	}
	return []byte(s)
}

// A multi-host lab: each machine builds only its share; two shares can
// live on one box; a link between machines needs the cross-machine hook.
func TestFoundationMachineShares(t *testing.T) {
	labtest.RequireRoot(t)
	name := labtest.UniqueName("fmach")
	file := labtest.WriteFile(t, name+".hcl", machinesHCL(name, false))
	t.Cleanup(func() {
		runNetemu(t, "down", name)
		labtest.AssertGone(t, name)
		for _, m := range []string{"m1", "m2"} {
			if _, err := os.Stat(labpath.StateDir(name, m)); err == nil {
				t.Errorf("share %s@%s left", name, m)
			}
		}
	})
	netemu(t, "up", "--machine", "m1", file)
	if got := labtest.Namespaces(name); len(got) != 2 {
		t.Errorf("m1's share built %v, want h1 and r1 only", got)
	}
	netemu(t, "up", "--machine", "m2", file)
	execIn(t, name+"@m1", "h1", "ping", "-c1", "-W2", "10.9.0.1")
	execIn(t, name+"@m2", "h2", "ping", "-c1", "-W2", "10.9.0.5")
	if out := netemu(t, "status", "-o", "json"); !strings.Contains(out, `"machine": "m2"`) {
		t.Errorf("status lacks the m2 share:\n%s", out)
	}
	// `down LAB` removes every share of the lab on this box.
	netemu(t, "down", name)
	labtest.AssertGone(t, name)

	// Without a cross-machine hook, a link to another machine fails the
	// build clearly and leaves nothing.
	cross := labtest.UniqueName("fcross")
	model, err := topo.Parse(machinesHCL(cross, true), cross+".hcl")
	if err != nil {
		t.Fatal(err)
	}
	_, err = nodes.Build(context.Background(), model, nodes.BuildOptions{Machine: "m1", Log: labtest.Logger(t)})
	if err == nil {
		nodes.Down(context.Background(), cross, "m1", labtest.Logger(t))
		t.Fatal("a link across machines was built without the cross-machine hook")
	}
	if !strings.Contains(err.Error(), "link r1–r2 crosses machines m1/m2") {
		t.Errorf("error: %v", err)
	}
	labtest.AssertGone(t, cross)
	if _, err := os.Stat(labpath.StateDir(cross, "m1")); err == nil {
		t.Errorf("state of %s@m1 left", cross)
	}
}
