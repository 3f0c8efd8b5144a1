// Command foundation is issue 2's benchmark: `netemu up` and `down` of
// generated labs (a chain and a grid of routers, no daemons) against the
// same namespaces, veths and addresses built by raw `ip -batch` scripts.
// It prints one table. Needs root; run through `make bench`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/tests/bench/internal/benchkit"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

type result struct {
	shape           string
	nodes, links    int
	up, down        time.Duration
	rssUp, rssDown  int64 // KiB
	rawUp, rawDown  time.Duration
	netemuErr, rawE error
}

func main() {
	bin := flag.String("netemu", "", "netemu binary (default: build one)")
	sizes := flag.String("sizes", "100,500,1000", "lab sizes in nodes")
	flag.Parse()
	tmp, netemu := benchkit.Prepare("foundation bench", "netemu-bench-", *bin)
	defer os.RemoveAll(tmp)
	*bin = netemu
	var results []result
	for _, s := range strings.Split(*sizes, ",") {
		var n int
		if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 2 {
			fail(fmt.Errorf("bad size %q", s))
		}
		rows := 1
		for r := 2; r*r <= n; r++ {
			if n%r == 0 {
				rows = r
			}
		}
		for _, shape := range []string{"chain", "grid"} {
			lab := fmt.Sprintf("bench%s%d", shape[:1], n)
			var src []byte
			if shape == "chain" {
				src = labtest.ChainHCL(lab, n)
			} else {
				src = labtest.GridHCL(lab, rows, n/rows)
				shape = fmt.Sprintf("grid %dx%d", rows, n/rows)
			}
			file := filepath.Join(tmp, lab+".hcl")
			if err := os.WriteFile(file, src, 0o644); err != nil {
				fail(err)
			}
			fmt.Fprintf(os.Stderr, "%s %d nodes…\n", shape, n)
			results = append(results, bench(*bin, file, lab, shape, tmp))
		}
	}
	print(results)
}

func bench(bin, file, lab, shape, tmp string) result {
	model, err := topo.Load(file)
	if err != nil {
		fail(err)
	}
	r := result{shape: shape, nodes: len(model.Nodes), links: len(model.Links)}
	defer exec.Command(bin, "down", lab).Run() // whatever happened

	r.up, r.rssUp, r.netemuErr = run(bin, "up", file)
	if r.netemuErr == nil {
		r.down, r.rssDown, r.netemuErr = run(bin, "down", lab)
	}

	// The raw baseline: the same namespaces, veths (born in their
	// namespaces), addresses and links up, with iproute2's batch mode.
	rawLab := "raw" + lab
	var create, del bytes.Buffer
	for _, n := range model.Nodes {
		fmt.Fprintf(&create, "netns add %s\n", labpath.NetnsName(rawLab, n.Name))
		fmt.Fprintf(&del, "netns del %s\n", labpath.NetnsName(rawLab, n.Name))
	}
	for _, l := range model.Links {
		fmt.Fprintf(&create, "link add %s netns %s type veth peer name %s netns %s\n",
			l.A.Iface, labpath.NetnsName(rawLab, l.A.Node), l.B.Iface, labpath.NetnsName(rawLab, l.B.Node))
	}
	perNode := map[string]*bytes.Buffer{}
	for _, n := range model.Nodes {
		b := &bytes.Buffer{}
		fmt.Fprintf(b, "link set lo up\n")
		if n.Loopback.IsValid() {
			fmt.Fprintf(b, "addr add %s dev lo\n", n.Loopback)
		}
		for _, i := range n.Interfaces {
			fmt.Fprintf(b, "addr add %s dev %s\nlink set %s up\n", i.Addr, i.Name, i.Name)
		}
		perNode[n.Name] = b
	}
	delFile := filepath.Join(tmp, rawLab+".del")
	os.WriteFile(delFile, del.Bytes(), 0o644)
	defer exec.Command("ip", "-force", "-batch", delFile).Run()
	start := time.Now()
	err = ipBatch(nil, &create)
	for _, n := range model.Nodes {
		if err != nil {
			break
		}
		err = ipBatch([]string{"-n", labpath.NetnsName(rawLab, n.Name)}, perNode[n.Name])
	}
	r.rawUp = time.Since(start)
	if err == nil {
		start = time.Now()
		err = ipBatch(nil, &del)
		r.rawDown = time.Since(start)
	}
	r.rawE = err
	return r
}

func ipBatch(opts []string, script *bytes.Buffer) error {
	cmd := exec.Command("ip", append(opts, "-batch", "-")...)
	cmd.Stdin = bytes.NewReader(script.Bytes())
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ip %v -batch: %w: %s", opts, err, out)
	}
	return nil
}

// run times a netemu command and reports its peak RSS (KiB).
func run(bin string, args ...string) (time.Duration, int64, error) {
	cmd := exec.Command(bin, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	if err != nil {
		err = fmt.Errorf("netemu %s: %w: %s", strings.Join(args, " "), err, errb.String())
	}
	return d, rss, err
}

func print(rs []result) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "lab\tnodes\tlinks\tnetemu up\tnodes/s\tnetemu down\tpeak RSS up\tpeak RSS down\traw ip up\traw ip down\tup ratio\t")
	for _, r := range rs {
		if r.netemuErr != nil || r.rawE != nil {
			fmt.Fprintf(tw, "%s\t%d\t%d\tfailed: %v %v\t\t\t\t\t\t\t\t\n", r.shape, r.nodes, r.links, r.netemuErr, r.rawE)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2fs\t%.0f\t%.2fs\t%.1f MiB\t%.1f MiB\t%.2fs\t%.2fs\t%.2f×\t\n",
			r.shape, r.nodes, r.links, r.up.Seconds(), float64(r.nodes)/r.up.Seconds(), r.down.Seconds(),
			float64(r.rssUp)/1024, float64(r.rssDown)/1024, r.rawUp.Seconds(), r.rawDown.Seconds(), r.up.Seconds()/r.rawUp.Seconds())
	}
	tw.Flush()
}

func fail(err error) { benchkit.Fail("foundation bench", err) }
