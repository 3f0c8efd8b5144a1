// Command impair is issue 14's impairment benchmark: on one lab (h1 ── r1
// ── h2, no daemons) it sets impairments with `netemu link set` and
// measures them — ping RTT against the configured delay (10, 50, 200 ms,
// with and without jitter), round-trip loss over 10,000 flood pings
// against the configured loss (1%, 10%), iperf3 TCP throughput against
// the configured rate, and the CPU the delay line costs at 10k and 100k
// packets/s (iperf3 UDP, 64-byte payloads). It prints one table per
// measure, and which mechanism did the work. Needs root, ping and iperf3.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/tests/bench/internal/benchkit"
	"github.com/netemu/netemu/tests/labtest"
)

const what = "impair bench"

var (
	bin      string
	lab      string
	sections string
)

func want(section string) bool { return strings.Contains(","+sections+",", ","+section+",") }

func main() {
	flag.StringVar(&bin, "netemu", "", "netemu binary (default: build one)")
	lossPkts := flag.Int("loss-packets", 10000, "pings per loss measurement")
	flag.StringVar(&sections, "sections", "delay,loss,rate,cpu", "which tables to measure")
	flag.Parse()
	tmp, netemu := benchkit.Prepare(what, "netemu-impair-bench-", bin)
	defer os.RemoveAll(tmp)
	bin = netemu
	lab = "benchimp" + benchkit.RandHex()
	file := filepath.Join(tmp, lab+".hcl")
	if err := os.WriteFile(file, labtest.LineHCL(lab, "", ""), 0o644); err != nil {
		benchkit.Fail(what, err)
	}
	if _, err := run("up", file); err != nil {
		benchkit.Fail(what, err)
	}
	defer run("down", lab)
	if err := bench(*lossPkts); err != nil {
		run("down", lab)
		benchkit.Fail(what, err)
	}
}

func run(args ...string) (string, error) {
	out, err := exec.Command(bin, append([]string{"--lab", lab}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("netemu %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func in(node string, argv ...string) (string, error) {
	return run(append([]string{"exec", node, "--"}, argv...)...)
}

func set(args ...string) (string, error) {
	if _, err := run(append([]string{"link", "set", "h1", "r1"}, args...)...); err != nil {
		return "", err
	}
	var s struct {
		Links []struct{ Mechanism string }
	}
	out, err := run("link", "show", "-o", "json")
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || len(s.Links) == 0 {
		return "-", err
	}
	return s.Links[0].Mechanism, nil
}

var (
	rttRe  = regexp.MustCompile(`rtt min/avg/max/mdev = ([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+) ms`)
	lossRe = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)
)

func bench(lossPkts int) error {
	if _, err := in("h1", "ping", "-c1", "-W3", "10.9.0.6"); err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)

	if want("delay") {
		if err := benchDelay(w); err != nil {
			return err
		}
	}
	if want("loss") {
		if err := benchLoss(w, lossPkts); err != nil {
			return err
		}
	}
	if want("rate") {
		if err := benchRate(w); err != nil {
			return err
		}
	}
	if want("cpu") {
		return benchCPU(w)
	}
	return nil
}

func benchDelay(w *tabwriter.Writer) error {
	fmt.Println("Delay (set on h1–r1, each direction; ping h1 → r1, 100 pings at 20 ms; RTT should be 2 × delay)")
	fmt.Fprintln(w, "delay\tjitter\texpected RTT\tmin\tavg\tmax\tmdev\tavg error\tmechanism\t")
	for _, d := range []time.Duration{10 * time.Millisecond, 50 * time.Millisecond, 200 * time.Millisecond} {
		for _, j := range []time.Duration{0, d / 10} {
			mech, err := set("--delay", d.String(), "--jitter", j.String())
			if err != nil {
				return err
			}
			out, err := in("h1", "ping", "-n", "-q", "-c", "100", "-i", "0.02", "10.9.0.2")
			if err != nil {
				return err
			}
			m := rttRe.FindStringSubmatch(out)
			if m == nil {
				return fmt.Errorf("ping: %s", out)
			}
			avg, _ := strconv.ParseFloat(m[2], 64)
			exp := 2 * float64(d) / 1e6
			fmt.Fprintf(w, "%v\t%v\t%.1f ms\t%s\t%s\t%s\t%s\t%+.2f ms\t%s\t\n", d, j, exp, m[1], m[2], m[3], m[4], avg-exp, mech)
		}
	}
	w.Flush()
	return nil
}

func benchLoss(w *tabwriter.Writer, lossPkts int) error {
	fmt.Printf("\nLoss (each direction; %d flood pings h1 → r1; a round trip survives both directions)\n", lossPkts)
	fmt.Fprintln(w, "loss\tsent\treceived\tround-trip loss\texpected\tper direction\tmechanism\t")
	for _, p := range []float64{1, 10} {
		mech, err := set("--delay", "0", "--jitter", "0", "--loss", fmt.Sprintf("%g%%", p))
		if err != nil {
			return err
		}
		out, _ := in("h1", "ping", "-n", "-q", "-f", "-c", strconv.Itoa(lossPkts), "-W", "1", "10.9.0.2")
		m := lossRe.FindStringSubmatch(out)
		if m == nil {
			return fmt.Errorf("ping: %s", out)
		}
		sent, _ := strconv.Atoi(m[1])
		got, _ := strconv.Atoi(m[2])
		rt := 1 - float64(got)/float64(sent)
		fmt.Fprintf(w, "%g%%\t%d\t%d\t%.2f%%\t%.2f%%\t%.2f%%\t%s\t\n", p, sent, got, 100*rt, 100*(1-math.Pow(1-p/100, 2)), 100*(1-math.Sqrt(1-rt)), mech)
	}
	w.Flush()
	return nil
}

func benchRate(w *tabwriter.Writer) error {
	fmt.Println("\nRate (iperf3 TCP h1 → h2 for 5 s, through h1–r1)")
	fmt.Fprintln(w, "rate\twith\tmeasured\tof rate\tmechanism\t")
	for _, r := range []struct {
		rate, delay string
		bps         float64
	}{{"1mbit", "0", 1e6}, {"10mbit", "0", 10e6}, {"100mbit", "0", 100e6}, {"10mbit", "5ms", 10e6}, {"100mbit", "5ms", 100e6}} {
		mech, err := set("--loss", "0", "--delay", r.delay, "--rate", r.rate)
		if err != nil {
			return err
		}
		bps, err := iperfTCP()
		if err != nil {
			return err
		}
		with := "rate alone"
		if r.delay != "0" {
			with = "delay " + r.delay
		}
		fmt.Fprintf(w, "%s\t%s\t%.2f Mbit/s\t%.0f%%\t%s\t\n", r.rate, with, bps/1e6, 100*bps/r.bps, mech)
	}
	w.Flush()
	return nil
}

func benchCPU(w *tabwriter.Writer) error {
	fmt.Println("\nCPU of the fallback's delay line (delay 1ms; iperf3 UDP h1 → h2, 64-byte payloads, 5 s; one core = 100%)")
	fmt.Fprintln(w, "offered pps\tachieved pps\tlost\tdelay line CPU\tper packet\tmechanism\t")
	if _, err := run("link", "set", "h1", "r1", "--clear"); err != nil {
		return err
	}
	// What the machine and iperf3 manage with a plain wire, for scale.
	got, lost, err := iperfUDP(100000)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d\t%.0f\t%.1f%%\t-\t-\tplain wire\t\n", 100000, got, lost)
	for _, pps := range []int{10000, 100000} {
		mech, err := set("--delay", "1ms")
		if err != nil {
			return err
		}
		pid, err := linePID("h1", "eth0")
		if err != nil {
			return err
		}
		c0, t0 := benchkit.CPU(pid), time.Now()
		got, lost, err := iperfUDP(pps)
		if err != nil {
			return err
		}
		cpu, wall := benchkit.CPU(pid)-c0, time.Since(t0)
		per := "-"
		if got > 0 {
			per = fmt.Sprintf("%.1f µs", float64(cpu.Microseconds())/(got*wall.Seconds()))
		}
		fmt.Fprintf(w, "%d\t%.0f\t%.1f%%\t%.0f%%\t%s\t%s\t\n", pps, got, lost, 100*cpu.Seconds()/wall.Seconds(), per, mech)
		if _, err := run("link", "set", "h1", "r1", "--clear"); err != nil {
			return err
		}
	}
	w.Flush()
	return nil
}

// linePID is the delay line's pid for iface in node, from its supervisor's status.
func linePID(node, iface string) (int, error) {
	p := filepath.Join(labpath.NodeDir(labpath.StateDir(lab, ""), node), "impair-"+iface+".status")
	var pid int
	err := benchkit.WaitFor(5*time.Second, "delay line running", func() error {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var s struct {
			PID   int    `json:"pid"`
			State string `json:"state"`
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s.PID == 0 || s.State != "running" {
			return fmt.Errorf("state %q", s.State)
		}
		pid = s.PID
		return nil
	})
	return pid, err
}

func startServer() error {
	if _, err := in("h2", "iperf3", "-s", "-1", "-D", "-B", "10.9.0.6"); err != nil {
		return err
	}
	return benchkit.WaitFor(10*time.Second, "iperf3 listening", func() error {
		out, _ := in("h2", "ss", "-ltnH", "sport", "= :5201")
		if !strings.Contains(out, "10.9.0.6") {
			return fmt.Errorf("not yet")
		}
		return nil
	})
}

func iperfTCP() (float64, error) {
	if err := startServer(); err != nil {
		return 0, err
	}
	out, err := in("h1", "iperf3", "-c", "10.9.0.6", "-t", "5", "-J")
	if err != nil {
		return 0, err
	}
	return labtest.IperfBitsPerSecond([]byte(out))
}

// iperfUDP offers pps 64-byte datagrams a second for 5 s and returns the
// packets a second the server received and the percentage lost.
func iperfUDP(pps int) (float64, float64, error) {
	if err := startServer(); err != nil {
		return 0, 0, err
	}
	out, err := in("h1", "iperf3", "-c", "10.9.0.6", "-u", "-l", "64", "-b", strconv.Itoa(pps*64*8), "-t", "5", "-J")
	if err != nil {
		return 0, 0, err
	}
	var r struct {
		End struct {
			Sum struct {
				Seconds     float64 `json:"seconds"`
				Packets     float64 `json:"packets"`
				LostPackets float64 `json:"lost_packets"`
				LostPercent float64 `json:"lost_percent"`
			} `json:"sum"`
		} `json:"end"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		return 0, 0, fmt.Errorf("iperf3: %w", err)
	}
	s := r.End.Sum
	if s.Seconds == 0 {
		return 0, 0, fmt.Errorf("iperf3: no result: %s", out)
	}
	return (s.Packets - s.LostPackets) / s.Seconds, s.LostPercent, nil
}
