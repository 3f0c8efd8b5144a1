package tests

// Issue 15: a command line scripts can trust. Every reporting command's
// -o json on a real lab decodes into the documented types (lab/report.go)
// with unknown fields refused; error paths read as sentences with the
// documented exit codes; a BGP neighbour netemu does not run does not
// hold `up`; Ctrl-C during `up` rolls back and exits 130; FRR labs answer
// vtysh and `bgp`/`rip` as netemu's do.

import (
	"bufio"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	labrep "github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/tests/labtest"
)

// cliLabHCL: AS a (r1, r2, RIP between them) and AS b (r3) over eBGP; r1
// also peers with 10.88.0.2 on host ext, where nobody runs BGP — the
// session a user's BIRD would bring up after `up`.
func cliLabHCL(lab string) []byte {
	return []byte(fmt.Sprintf(`lab %q { timers = "fast" }
autonomous_system "a" {
  asn      = 64501
  prefixes = ["10.1.0.0/24"]
}
autonomous_system "b" {
  asn      = 64502
  prefixes = ["10.2.0.0/24"]
}
router "r1" {
  as = "a"
  bgp {
    neighbor "10.88.0.2" { asn = 65100 }
  }
}
router "r2" { as = "a" }
router "r3" { as = "b" }
host "h1" {}
host "ext" {}
link "r1" "r2" {}
link "r2" "r3" {}
link "r1" "ext" { subnet = "10.88.0.0/30" }
link "r1" "h1" { subnet = "10.1.0.0/29" }
`, lab))
}

// TestCLIExternalPeerJSONAndErrors brings up cliLab: `up` returns although
// r1's external neighbour never answers, and says so; then every reporting
// command's JSON is decoded strictly, and the error paths are checked.
func TestCLIExternalPeerJSONAndErrors(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("cli")
	file := labtest.WriteFile(t, lab+".hcl", cliLabHCL(lab))
	t.Cleanup(func() {
		runNetemu(t, "down", "--missing-ok", lab)
		labtest.AssertGone(t, lab)
	})
	out, errs, err := runNetemu(t, "up", "-o", "json", file)
	if err != nil {
		t.Fatalf("up with an external neighbour nobody runs: %v\n%s", err, errs)
	}
	if errs != "" {
		t.Errorf("up -o json printed progress: %q", errs)
	}
	var up labrep.LabReport
	decodeStrict(t, "up", out, &up)
	if up.Converged == nil || len(up.Converged.External) != 1 ||
		!strings.Contains(up.Converged.External[0].State, "waiting for an external speaker") || up.Converged.External[0].Node != "r1" {
		t.Errorf("up: converged %+v, want r1's session to 10.88.0.2 listed as external", up.Converged)
	}

	// Every reporting command, strictly decoded.
	var wait labrep.WaitReport
	decodeStrict(t, "wait", netemu(t, "--lab", lab, "wait", "-o", "json"), &wait)
	if !wait.Converged || len(wait.External) != 1 {
		t.Errorf("wait: %+v", wait)
	}
	if txt := netemu(t, "--lab", lab, "wait"); !strings.Contains(txt, "10.88.0.2") || !strings.Contains(txt, "external speaker") {
		t.Errorf("wait says nothing of the external peer:\n%s", txt)
	}
	st := statusJSON(t, lab)
	if len(st.Nodes) != 5 {
		t.Errorf("status: %d nodes", len(st.Nodes))
	}
	var b labrep.BGPReport
	decodeStrict(t, "bgp", netemu(t, "--lab", lab, "bgp", "r1", "-o", "json"), &b)
	ext := 0
	for _, p := range b.Peers {
		if p.External {
			ext++
		}
	}
	if ext != 1 {
		t.Errorf("bgp r1: %d external peers: %+v", ext, b.Peers)
	}
	if txt := netemu(t, "--lab", lab, "bgp", "r1"); !strings.Contains(txt, "waiting for the external speaker") {
		t.Errorf("bgp r1 table:\n%s", txt)
	}
	var br labrep.BGPRoutesReport
	decodeStrict(t, "bgp routes", netemu(t, "--lab", lab, "bgp", "r1", "routes", "-o", "json"), &br)
	var rp labrep.RIPReport
	decodeStrict(t, "rip", netemu(t, "--lab", lab, "rip", "r2", "-o", "json"), &rp)
	var rr labrep.RoutesReport
	decodeStrict(t, "routes", netemu(t, "--lab", lab, "routes", "r2", "-o", "json"), &rr)
	for _, r := range rr.Routes {
		if r.Table != "main" && r.Table != "local" {
			t.Errorf("route table %q", r.Table)
		}
	}
	var tr labrep.TraceReport
	decodeStrict(t, "trace", netemu(t, "--lab", lab, "trace", "h1", "r2", "-o", "json"), &tr)
	if !tr.Reached {
		t.Errorf("trace h1 r2: %+v", tr)
	}
	// Unreachable: the path is printed and the exit status says so.
	out, _, err = runNetemu(t, "--lab", lab, "trace", "h1", "192.0.2.99", "-o", "json")
	decodeStrict(t, "trace", out, &tr)
	if exitCodeOf(err) != 1 || tr.Reached {
		t.Errorf("trace to an address no route reaches: exit %v, %+v", err, tr)
	}
	var lg labrep.LogsReport
	decodeStrict(t, "logs", netemu(t, "--lab", lab, "logs", "r1", "-o", "json"), &lg)
	var ch labrep.ChangeReport
	decodeStrict(t, "link down", netemu(t, "--lab", lab, "link", "down", "r2", "r3", "-o", "json"), &ch)
	decodeStrict(t, "link up", netemu(t, "--lab", lab, "link", "up", "r2", "r3", "-o", "json"), &ch)
	var li labrep.LinkImpairReport
	decodeStrict(t, "link set", netemu(t, "--lab", lab, "link", "set", "r2", "r3", "--delay", "5ms", "--loss", "1%", "-o", "json"), &li)
	if li.DelayMS != 5 || li.LossPercent != 1 || li.Mechanism == "" || li.SinceAt.IsZero() {
		t.Errorf("link set -o json: %+v", li)
	}
	var ls labrep.LinkShowReport
	decodeStrict(t, "link show", netemu(t, "--lab", lab, "link", "show", "-o", "json"), &ls)
	if len(ls.Links) != 1 || ls.Links[0].DelayMS != 5 || ls.Kernel == nil {
		t.Errorf("link show -o json: %+v", ls)
	}
	decodeStrict(t, "link set --clear", netemu(t, "--lab", lab, "link", "set", "r2", "r3", "--clear", "-o", "json"), &li)
	timelineJSON(t, netemu(t, "--lab", lab, "events", "-o", "json"))

	// Error paths on the running lab.
	decodeStrict(t, "node stop", netemu(t, "--lab", lab, "node", "stop", "r2", "-o", "json"), &ch)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bgp", "r2"}, "router r2: its routing agent is not running"},
		{[]string{"rip", "r3"}, "router r3 does not run RIP"},
		{[]string{"bgp", "h1"}, "h1 is a host, not a router"},
		{[]string{"routes", "r22"}, `did you mean "r2"?`},
		{[]string{"link", "down", "r1", "r3"}, "has no link between r1 and r3"},
	} {
		_, errs, err := runNetemu(t, append([]string{"--lab", lab}, tc.args...)...)
		if exitCodeOf(err) != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %v, stderr %q, want %q", tc.args, err, errs, tc.want)
		}
		for _, raw := range []string{"dial unix", "GET /", "404", "connection refused", "no such file", "%!"} {
			if strings.Contains(errs, raw) {
				t.Errorf("%v leaks %q: %s", tc.args, raw, errs)
			}
		}
	}
	netemu(t, "--lab", lab, "node", "start", "r2")

	var down labrep.DownReportJSON
	decodeStrict(t, "down", netemu(t, "down", lab, "-o", "json"), &down)
	if len(down.Shares) != 1 || !down.Shares[0].WasUp {
		t.Errorf("down: %+v", down)
	}
	if _, errs, err := runNetemu(t, "down", lab); exitCodeOf(err) != 1 || !strings.Contains(errs, "is not up") {
		t.Errorf("down of a lab no longer up: %v %s", err, errs)
	}
}

// TestCLIInterruptUp: Ctrl-C while `up` waits for routing says
// "interrupted", removes the lab and exits 130.
func TestCLIInterruptUp(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("cint")
	// RFC timers: the convergence wait lasts well over the time we need.
	src := strings.Replace(string(cliLabHCL(lab)), `timers = "fast"`, `timers = "rfc"`, 1)
	file := labtest.WriteFile(t, lab+".hcl", []byte(src))
	t.Cleanup(func() {
		runNetemu(t, "down", "--missing-ok", lab)
		labtest.AssertGone(t, lab)
	})
	cmd := exec.Command(buildNetemu(t), "up", file)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "waiting for routing to converge") {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	if code := exitCodeOf(err); code != 130 || !strings.Contains(seen.String(), "interrupted") {
		t.Errorf("Ctrl-C during up: exit %d, stderr:\n%s", code, seen.String())
	}
	if strings.Contains(seen.String(), "agent") && strings.Contains(seen.String(), "timeout") {
		t.Errorf("blames a timeout:\n%s", seen.String())
	}
	labtest.AssertGone(t, lab)
}

// TestCLIFRRLab: in an FRR lab `exec R -- vtysh` works without options and
// `bgp`/`rip` show FRR's sessions and table in the usual tables.
func TestCLIFRRLab(t *testing.T) {
	frrNeed(t)
	lab := labtest.UniqueName("cfrr")
	src := strings.Replace(string(cliLabHCL(lab)), `{ timers = "fast" }`, "{\n  timers  = \"fast\"\n  daemons = \"frr\"\n}", 1)
	file := labtest.WriteFile(t, lab+".hcl", []byte(src))
	upLab(t, file)
	if out := execIn(t, lab, "r1", "vtysh", "-c", "show bgp summary"); !strings.Contains(out, "10.88.0.2") {
		t.Errorf("vtysh in r1:\n%s", out)
	}
	var b labrep.BGPReport
	labtest.Eventually(t, 30*time.Second, labtest.Named("r1's eBGP session in FRR", func() error {
		decodeStrict(t, "bgp", netemu(t, "--lab", lab, "bgp", "r1", "-o", "json"), &b)
		up := 0
		for _, p := range b.Peers {
			if strings.EqualFold(p.State, "Established") {
				up++
			}
		}
		if b.Daemon != "frr" || up == 0 {
			return fmt.Errorf("%+v", b)
		}
		return nil
	}))
	if txt := netemu(t, "--lab", lab, "bgp", "r1"); !strings.Contains(txt, "FRR bgpd") || !strings.Contains(txt, "(external)") {
		t.Errorf("bgp r1 table:\n%s", txt)
	}
	var rp labrep.RIPReport
	labtest.Eventually(t, 30*time.Second, labtest.Named("r2's RIP table in FRR", func() error {
		decodeStrict(t, "rip", netemu(t, "--lab", lab, "rip", "r2", "-o", "json"), &rp)
		if rp.Daemon != "frr" || len(rp.Routes) == 0 || len(rp.Neighbours) == 0 {
			return fmt.Errorf("%+v", rp)
		}
		return nil
	}))
	if _, errs, err := runNetemu(t, "--lab", lab, "rip", "r3"); exitCodeOf(err) != 1 || !strings.Contains(errs, "does not run RIP") {
		t.Errorf("rip r3: %v %s", err, errs)
	}
}
