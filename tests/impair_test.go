package tests

// Link impairments on real namespaces through the CLI: delay measured by
// ping, loss over enough packets, rate by iperf3, a change at run time and
// its clear, bad input; the netem path where the kernel has netem.

import (
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes/impair"
	"github.com/netemu/netemu/tests/labtest"
)

// impairHCL is h1 ── r1 ── h2 with impairs on the h1–r1 link.
func impairHCL(name, impairs string) []byte { return labtest.LineHCL(name, impairs, "") }

var rttRe = regexp.MustCompile(`rtt min/avg/max/mdev = ([0-9.]+)/([0-9.]+)/([0-9.]+)/`)
var lossRe = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// pingStats pings addr from node and returns min and average RTT.
func pingStats(t *testing.T, labName, node, addr string, count int) (minRTT, avg time.Duration) {
	t.Helper()
	out := execIn(t, labName, node, "ping", "-n", "-q", "-c", strconv.Itoa(count), "-i", "0.05", "-W", "3", addr)
	m := rttRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ping output: %s", out)
	}
	ms := func(s string) time.Duration {
		f, _ := strconv.ParseFloat(s, 64)
		return time.Duration(f * float64(time.Millisecond))
	}
	return ms(m[1]), ms(m[2])
}

// linkShow is `link show -o json`.
func linkShow(t *testing.T, labName string) lab.LinkShowReport {
	t.Helper()
	var s lab.LinkShowReport
	if err := json.Unmarshal([]byte(netemu(t, "--lab", labName, "link", "show", "-o", "json")), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func probe(t *testing.T) impair.Kernel {
	t.Helper()
	k, err := impair.Probe()
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	return k
}

// A delay from the file, each direction: a ping across the link sees
// twice it (never less), and a little more on a busy machine.
func TestImpairFileDelay(t *testing.T) {
	labtest.RequireRoot(t)
	name := labtest.UniqueName("imdelay")
	l := upLab(t, labtest.WriteFile(t, name+".hcl", impairHCL(name, `  delay = "20ms"`)))
	execIn(t, l, "h1", "ping", "-c1", "-W3", "10.9.0.2") // ARP, so it is not in the figures
	minRTT, avg := pingStats(t, l, "h1", "10.9.0.2", 20)
	if minRTT < 40*time.Millisecond || avg > 70*time.Millisecond {
		t.Errorf("delay 20ms each way: ping min %v avg %v, want ≥ 40ms and about 40ms", minRTT, avg)
	}
	s := linkShow(t, l)
	if len(s.Links) != 1 || s.Links[0].Settings != "delay 20ms" {
		t.Fatalf("link show: %+v", s)
	}
	want := impair.MechNetem
	if !probe(t).Netem {
		want = "netemu (delay line)"
	}
	if s.Links[0].Mechanism != want {
		t.Errorf("mechanism %q, want %q", s.Links[0].Mechanism, want)
	}
}

// Loss set at run time, measured over 2,000 pings: 10% each way loses
// 1-0.9² = 19% of round trips. The bound is ±5 standard deviations of
// the binomial, so it fails by chance less than once in a million runs.
// Then a delay is added, the loss stays, and --clear makes a plain wire.
func TestImpairRuntimeLossChangeClear(t *testing.T) {
	labtest.RequireRoot(t)
	name := labtest.UniqueName("imloss")
	l := upLab(t, labtest.WriteFile(t, name+".hcl", impairHCL(name, "")))
	execIn(t, l, "h1", "ping", "-c1", "-W3", "10.9.0.6")
	out := netemu(t, "--lab", l, "link", "set", "h1", "r1", "--loss", "10%")
	if !strings.Contains(out, "loss 10%") {
		t.Errorf("link set said: %s", out)
	}
	const n = 2000
	ping := execIn(t, l, "h1", "sh", "-c", fmt.Sprintf("ping -n -q -f -c %d -W 1 10.9.0.6 || true", n))
	m := lossRe.FindStringSubmatch(ping)
	if m == nil {
		t.Fatalf("ping: %s", ping)
	}
	sent, got := atoi(m[1]), atoi(m[2])
	p := 1 - 0.9*0.9
	lost := float64(sent-got) / float64(sent)
	sd := math.Sqrt(p * (1 - p) / float64(sent))
	if math.Abs(lost-p) > 5*sd {
		t.Errorf("loss 10%% each way: %d of %d round trips lost (%.1f%%), want %.1f%% ± %.1f%%", sent-got, sent, 100*lost, 100*p, 500*sd)
	}

	netemu(t, "--lab", l, "link", "set", "h1", "r1", "--delay", "30ms")
	s := linkShow(t, l)
	if len(s.Links) != 1 || s.Links[0].Settings != "delay 30ms loss 10%" {
		t.Fatalf("after adding a delay: %+v", s.Links)
	}
	// Pings that come back took at least the delay both ways.
	if minRTT, _ := pingStats(t, l, "h1", "10.9.0.2", 30); minRTT < 60*time.Millisecond {
		t.Errorf("delay 30ms: ping min %v", minRTT)
	}

	netemu(t, "--lab", l, "link", "set", "h1", "r1", "--clear")
	if s := linkShow(t, l); len(s.Links) != 0 {
		t.Errorf("after --clear: %+v", s.Links)
	}
	out = execIn(t, l, "h1", "ping", "-n", "-q", "-c", "50", "-i", "0.01", "10.9.0.6")
	if m := lossRe.FindStringSubmatch(out); m == nil || m[1] != m[2] {
		t.Errorf("after --clear pings are lost: %s", out)
	}
	if minRTT, _ := pingStats(t, l, "h1", "10.9.0.2", 5); minRTT > 20*time.Millisecond {
		t.Errorf("after --clear: ping min %v", minRTT)
	}
	if nsTaps := execIn(t, l, "h1", "ip", "-o", "link"); strings.Contains(nsTaps, impair.TapName("eth0")) {
		t.Errorf("the delay line's TAP stays after --clear: %s", nsTaps)
	}
	// Every change is in the timeline.
	ev := netemu(t, "--lab", l, "events", "--since", "10m")
	for _, want := range []string{"link-impair h1–r1: loss 10%", "link-impair h1–r1: delay 30ms loss 10%", "link-impair h1–r1: cleared"} {
		if !strings.Contains(ev, want) {
			t.Errorf("events lack %q:\n%s", want, ev)
		}
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// A rate measured with iperf3 (TCP, 3 s): close to the setting, never far
// above it.
func TestImpairRate(t *testing.T) {
	labtest.RequireRoot(t)
	if _, err := exec.LookPath("iperf3"); err != nil {
		t.Skip("needs iperf3")
	}
	name := labtest.UniqueName("imrate")
	l := upLab(t, labtest.WriteFile(t, name+".hcl", impairHCL(name, `  rate = "10mbit"
  delay = "5ms"`)))
	got := iperf(t, l, "h1", "h2", "10.9.0.6")
	if got < 7e6 || got > 11e6 {
		t.Errorf("rate 10mbit (with the delay line): iperf3 %.2f Mbit/s", got/1e6)
	}
	netemu(t, "--lab", l, "link", "set", "h1", "r1", "--rate", "2mbit")
	if got := iperf(t, l, "h1", "h2", "10.9.0.6"); got < 1.4e6 || got > 2.2e6 {
		t.Errorf("rate 2mbit: iperf3 %.2f Mbit/s", got/1e6)
	}
}

// iperf runs a 3 s TCP test from client to an iperf3 server in server
// (one test, then it exits) and returns the received bits per second.
func iperf(t *testing.T, l, client, server, addr string) float64 {
	t.Helper()
	execIn(t, l, server, "iperf3", "-s", "-1", "-D", "-B", addr)
	labtest.Eventually(t, 10*time.Second, labtest.Until("iperf3 listening", func() bool {
		out, _ := execErr(t, l, server, "ss", "-ltnH", "sport", "= :5201")
		return strings.Contains(out, addr)
	}))
	out := execIn(t, l, client, "iperf3", "-c", addr, "-t", "3", "-J")
	bps, err := labtest.IperfBitsPerSecond([]byte(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return bps
}

// Duplicates show as ping's DUP!, corrupted packets fail their checksum
// and are lost: the delay line does both.
func TestImpairDuplicateCorrupt(t *testing.T) {
	labtest.RequireRoot(t)
	name := labtest.UniqueName("imdup")
	l := upLab(t, labtest.WriteFile(t, name+".hcl", impairHCL(name, `  duplicate = "100%"`)))
	execIn(t, l, "h1", "ping", "-c1", "-W3", "10.9.0.2")
	out := execIn(t, l, "h1", "ping", "-n", "-c", "5", "-i", "0.05", "10.9.0.2")
	if !strings.Contains(out, "DUP!") {
		t.Errorf("duplicate 100%%: no DUP! in\n%s", out)
	}
	netemu(t, "--lab", l, "link", "set", "h1", "r1", "--duplicate", "0", "--corrupt", "100%")
	out, _ = execErr(t, l, "h1", "ping", "-n", "-q", "-c", "10", "-i", "0.05", "-W", "1", "10.9.0.2")
	if m := lossRe.FindStringSubmatch(out); m == nil || m[2] != "0" {
		t.Errorf("corrupt 100%%: pings still answered:\n%s", out)
	}
}

// Bad values: the flag is named, the file position is given, nothing is
// changed or built.
func TestImpairBadInput(t *testing.T) {
	labtest.RequireRoot(t)
	name := labtest.UniqueName("imbad")
	bad := labtest.WriteFile(t, name+".hcl", impairHCL(name, `  delay = "-5ms"
  loss  = "150%"`))
	_, errs, err := runNetemu(t, "up", bad)
	if err == nil {
		runNetemu(t, "down", name)
		t.Fatal("up with delay -5ms succeeded")
	}
	for _, want := range []string{name + ".hcl:11:11: error: Invalid delay", name + ".hcl:12:11: error: Invalid loss"} {
		if !strings.Contains(errs, want) {
			t.Errorf("up error lacks %q:\n%s", want, errs)
		}
	}
	labtest.AssertGone(t, name)

	l := upLab(t, labtest.WriteFile(t, name+"ok.hcl", impairHCL(name, `  loss = 1`)))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--loss", "150%"}, "--loss: \"150%\" is out of range"},
		{[]string{"--delay=-5ms"}, "--delay: \"-5ms\" is negative"},
		{[]string{"--rate", "1tbit"}, "--rate: rate \"1tbit\" is out of range"},
		{[]string{"--jitter", "5ms"}, "--jitter: jitter 5ms needs a delay"},
		{[]string{"--clear", "--loss", "1"}, "give --clear or"},
	} {
		_, errs, err := runNetemu(t, append([]string{"--lab", l, "link", "set", "h1", "r1"}, tc.args...)...)
		if err == nil || !strings.Contains(errs, tc.want) {
			t.Errorf("link set %v: err %v, stderr %q; want %q", tc.args, err, errs, tc.want)
		}
	}
	if s := linkShow(t, l); len(s.Links) != 1 || s.Links[0].Settings != "loss 1%" {
		t.Errorf("a refused change changed the link: %+v", s.Links)
	}
}

// Where the kernel has netem, netem does it all.
func TestImpairNetemPath(t *testing.T) {
	labtest.RequireRoot(t)
	if !probe(t).Netem {
		t.Skip("this kernel has no netem qdisc (sch_netem): netemu's own path is tested instead")
	}
	name := labtest.UniqueName("imnetem")
	l := upLab(t, labtest.WriteFile(t, name+".hcl", impairHCL(name, `  delay = "20ms"
  loss  = "1%"`)))
	if q := execIn(t, l, "h1", "tc", "qdisc", "show", "dev", "eth0"); !strings.Contains(q, "netem") {
		t.Errorf("h1 eth0: %s", q)
	}
	if s := linkShow(t, l); len(s.Links) != 1 || s.Links[0].Mechanism != impair.MechNetem {
		t.Errorf("link show: %+v", s.Links)
	}
	if minRTT, _ := pingStats(t, l, "h1", "10.9.0.2", 10); minRTT < 40*time.Millisecond {
		t.Errorf("ping min %v", minRTT)
	}
}
