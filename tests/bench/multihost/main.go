// Command multihost is issue 8's benchmark. Machines are simulated as in
// tests/multihost_test.go: underlay namespaces on one bridge, each running
// its own `netemu up --machine M` under nsenter. It prints two tables:
//
//   - iperf3 throughput and ping latency across a cross-machine link (VXLAN
//     over the underlay) against the same link as a same-machine veth;
//   - `up` (all machines' shares in parallel) and `down` time of a grid lab
//     split over 1, 2 and 3 machines, with the links the placement cut.
//
// Needs root, iperf3 and ping; run through `make bench` or tests/bench/run.sh.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/tests/bench/internal/benchkit"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

func main() {
	bin := flag.String("netemu", "", "netemu binary (default: build one)")
	sizes := flag.String("sizes", "1000", "grid lab sizes in nodes for the up-time table")
	machines := flag.String("machines", "1,2,3", "machine counts for the up-time table")
	secs := flag.Int("iperf-seconds", 3, "iperf3 run length")
	flag.Parse()
	tmp, netemu := benchkit.Prepare("multihost bench", "netemu-mhbench-", *bin)
	defer os.RemoveAll(tmp)
	*bin = netemu
	b := &bench{bin: *bin, tmp: tmp}

	fmt.Println("link throughput and latency (r1 → r2, one link, no shaping)")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LINK\tMTU\tIPERF3 TCP\tPING AVG\tPING MDEV")
	for _, split := range []bool{false, true} {
		r, err := b.linkBench(split, *secs)
		name := "veth (same machine)"
		if split {
			name = "vxlan (m1 ↔ m2)"
		}
		if err != nil {
			fmt.Fprintf(tw, "%s\terror: %v\t\t\t\n", name, err)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f Gbit/s\t%.3f ms\t%.3f ms\n", name, r.mtu, r.bps/1e9, r.rttAvg, r.rttMdev)
	}
	tw.Flush()

	fmt.Println()
	fmt.Println("up/down of a grid lab (daemons none) split over simulated machines, shares in parallel")
	tw = tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODES\tMACHINES\tCUT LINKS\tUP\tDOWN\tNODES PER MACHINE")
	for _, s := range strings.Split(*sizes, ",") {
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 4 {
			fail(fmt.Errorf("bad size %q", s))
		}
		for _, ms := range strings.Split(*machines, ",") {
			k, err := strconv.Atoi(ms)
			if err != nil || k < 1 {
				fail(fmt.Errorf("bad machine count %q", ms))
			}
			r, err := b.upBench(n, k)
			if err != nil {
				fmt.Fprintf(tw, "%d\t%d\terror: %v\t\t\t\n", n, k, err)
				continue
			}
			fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\n", r.nodes, k, r.cut, r.up.Round(10*time.Millisecond), r.down.Round(10*time.Millisecond), r.perMachine)
		}
	}
	tw.Flush()
}

type bench struct {
	bin, tmp string
}

// underlays makes k simulated machines ne.LAB-ul.m1.. on a bridge in
// ne.LAB-ul.sw and returns their cleanup.
func underlays(lab string, k int) (func(), error) {
	sw := labpath.NetnsPrefix + lab + "-ul.sw"
	made := []string{}
	cleanup := func() {
		for _, ns := range made {
			_ = exec.Command("ip", "netns", "del", ns).Run()
		}
	}
	ip := func(args ...string) error {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	steps := [][]string{{"netns", "add", sw}}
	for i := 1; i <= k; i++ {
		ns := fmt.Sprintf("%s%s-ul.m%d", labpath.NetnsPrefix, lab, i)
		steps = append(steps, []string{"netns", "add", ns})
	}
	steps = append(steps, []string{"-n", sw, "link", "add", "br0", "type", "bridge"}, []string{"-n", sw, "link", "set", "br0", "up"})
	for i := 1; i <= k; i++ {
		ns := fmt.Sprintf("%s%s-ul.m%d", labpath.NetnsPrefix, lab, i)
		p := fmt.Sprintf("p%d", i)
		steps = append(steps,
			[]string{"link", "add", "ul0", "netns", ns, "type", "veth", "peer", "name", p, "netns", sw},
			[]string{"-n", sw, "link", "set", p, "master", "br0", "up"},
			[]string{"-n", ns, "addr", "add", fmt.Sprintf("192.0.2.%d/24", 10+i), "dev", "ul0"},
			[]string{"-n", ns, "link", "set", "ul0", "up"},
			[]string{"-n", ns, "link", "set", "lo", "up"})
	}
	for _, s := range steps {
		if len(s) == 3 && s[0] == "netns" && s[1] == "add" {
			if err := ip(s...); err != nil {
				cleanup()
				return nil, err
			}
			made = append(made, s[2])
			continue
		}
		if err := ip(s...); err != nil {
			cleanup()
			return nil, err
		}
	}
	return cleanup, nil
}

func machineBlocks(k int) string {
	var b strings.Builder
	for i := 1; i <= k; i++ {
		fmt.Fprintf(&b, "machine \"m%d\" {\n  address = \"192.0.2.%d\"\n}\n", i, 10+i)
	}
	return b.String()
}

// all runs `up` (or `down`) of every machine's share at once, each in
// its underlay; k == 0 is a lab without machines, in this namespace.
func (b *bench) all(lab, file string, k int, verb string) error {
	if k == 0 {
		args := []string{verb, file}
		if verb == "down" {
			args = []string{verb, lab}
		}
		if out, err := exec.Command(b.bin, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %w: %s", verb, err, out)
		}
		return nil
	}
	errs := make([]error, k)
	var wg sync.WaitGroup
	for i := 1; i <= k; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := fmt.Sprintf("m%d", i)
			target := file
			if verb == "down" {
				target = lab
			}
			cmd := exec.Command("nsenter", "--net="+labpath.NetnsPath(lab+"-ul", m), b.bin, verb, "--machine", m, target)
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i-1] = fmt.Errorf("%s --machine %s: %w: %s", verb, m, err, lastLine(out))
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

type linkResult struct {
	mtu             int
	bps             float64
	rttAvg, rttMdev float64
}

func (b *bench) linkBench(split bool, secs int) (linkResult, error) {
	var res linkResult
	lab := labtest.UniqueName("mhbl")
	src := fmt.Sprintf("lab %q {\n  daemons = \"none\"\n}\nautonomous_system \"core\" {\n  asn = 64512\n  igp = \"static\"\n}\n", lab)
	src += "router \"r1\" {\n  as = \"core\"\n" + pin(split, "m1") + "}\nrouter \"r2\" {\n  as = \"core\"\n" + pin(split, "m2") + "}\n"
	src += "link \"r1\" \"r2\" {\n  subnet = \"10.9.0.0/30\"\n}\n"
	k := 0
	if split {
		k = 2
		src += machineBlocks(2)
		cleanup, err := underlays(lab, 2)
		if err != nil {
			return res, err
		}
		defer cleanup()
	}
	file := filepath.Join(b.tmp, lab+".hcl")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		return res, err
	}
	if err := b.all(lab, file, k, "up"); err != nil {
		return res, err
	}
	defer b.all(lab, file, k, "down")
	in := func(node string, argv ...string) *exec.Cmd {
		return exec.Command("ip", append([]string{"netns", "exec", labpath.NetnsName(lab, node)}, argv...)...)
	}
	out, err := in("r1", "cat", "/sys/class/net/eth0/mtu").Output()
	if err != nil {
		return res, fmt.Errorf("mtu: %w", err)
	}
	res.mtu, _ = strconv.Atoi(strings.TrimSpace(string(out)))

	srv := in("r2", "iperf3", "-s", "-1", "-B", "10.9.0.2")
	if err := srv.Start(); err != nil {
		return res, fmt.Errorf("iperf3 server: %w", err)
	}
	defer func() {
		if srv.ProcessState == nil {
			_ = srv.Process.Kill()
			_ = srv.Wait()
		}
	}()
	// A client that connects before the server listens spoils iperf3's
	// one-shot server: wait for the listening socket first.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ss, _ := in("r2", "ss", "-Htln", "sport", "= :5201").Output()
		if len(bytes.TrimSpace(ss)) > 0 {
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("iperf3 server not listening after 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cli, err := in("r1", "iperf3", "-c", "10.9.0.2", "-t", strconv.Itoa(secs), "-J").Output()
	if err != nil {
		return res, fmt.Errorf("iperf3 client: %w: %s", err, cli)
	}
	if res.bps, err = labtest.IperfBitsPerSecond(cli); err != nil {
		return res, err
	}
	// iperf3 -1 does not always exit after its one test: end it.
	_ = srv.Process.Kill()
	_ = srv.Wait()

	out, err = in("r1", "ping", "-q", "-c", "200", "-i", "0.005", "10.9.0.2").CombinedOutput()
	if err != nil {
		return res, fmt.Errorf("ping: %w: %s", err, out)
	}
	m := regexp.MustCompile(`= ([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+) ms`).FindSubmatch(out)
	if m == nil {
		return res, fmt.Errorf("ping summary not found: %s", out)
	}
	res.rttAvg, _ = strconv.ParseFloat(string(m[2]), 64)
	res.rttMdev, _ = strconv.ParseFloat(string(m[4]), 64)
	return res, nil
}

func pin(split bool, m string) string {
	if !split {
		return ""
	}
	return fmt.Sprintf("  machine = %q\n", m)
}

type upResult struct {
	nodes, cut int
	up, down   time.Duration
	perMachine string
}

func (b *bench) upBench(n, k int) (upResult, error) {
	var res upResult
	rows := 1
	for r := 2; r*r <= n; r++ {
		if n%r == 0 {
			rows = r
		}
	}
	lab := labtest.UniqueName("mhbu")
	src := labtest.GridHCL(lab, rows, n/rows)
	mk := 0
	if k > 1 {
		mk = k
		src = append(src, machineBlocks(k)...)
		cleanup, err := underlays(lab, k)
		if err != nil {
			return res, err
		}
		defer cleanup()
	}
	model, err := topo.Parse(src, lab+".hcl")
	if err != nil {
		return res, err
	}
	res.nodes, res.cut = len(model.Nodes), topo.CutLinks(model)
	if k > 1 {
		var per []string
		for _, m := range model.Machines {
			c := 0
			for _, nd := range model.Nodes {
				if nd.Machine == m.Name {
					c++
				}
			}
			per = append(per, strconv.Itoa(c))
		}
		res.perMachine = strings.Join(per, "/")
	} else {
		res.perMachine = strconv.Itoa(len(model.Nodes))
	}
	file := filepath.Join(b.tmp, lab+".hcl")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		return res, err
	}
	start := time.Now()
	err = b.all(lab, file, mk, "up")
	res.up = time.Since(start)
	start = time.Now()
	derr := b.all(lab, file, mk, "down")
	res.down = time.Since(start)
	if err != nil {
		return res, err
	}
	return res, derr
}

func fail(err error) { benchkit.Fail("multihost bench", err) }
