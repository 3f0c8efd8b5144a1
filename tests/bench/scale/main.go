// Command scale is issue 18's benchmark: generated labs of routers (10
// ASes of spine/leaf fabrics, RIP inside, eBGP between, fast timers) at
// several sizes, timed from `netemu up` to converged and through `down`,
// with the memory (PSS) and processes per router and the idle CPU of the
// running lab; a lab of thousands of hosts; and a 300-node chain against
// plain `ip -batch` of the same namespaces, veths and addresses. It prints
// one table with the targets beside. Needs root; run through
// `make bench` or `go run ./tests/bench/scale -sizes 100,300`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/tests/bench/internal/benchkit"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// idleWindow is how long the converged lab is watched for its idle CPU.
const idleWindow = 10 * time.Second

type row struct {
	what, mode      string
	nodes, routers  int
	up, down        time.Duration
	pssRouter       float64 // MiB
	procsRouter     float64
	idleCPU         float64 // % of one core
	left            int     // namespaces left after down
	err             error
	byKind          string
	raw             time.Duration // ip -batch up+down (chain only)
	reflectorsShown string
}

func main() {
	bin := flag.String("netemu", "", "netemu binary (default: build one)")
	sizes := flag.String("sizes", "100,300,1000", "router lab sizes (10 ASes each)")
	frr := flag.String("frr", "", "router lab sizes to run again with daemons = \"frr\"")
	hosts := flag.Int("hosts", 5000, "hosts of the bulk lab (0: skip)")
	chain := flag.Int("chain", 300, "nodes of the chain compared with ip -batch (0: skip)")
	timers := flag.String("timers", "fast", "the router labs' timers: fast or rfc")
	flag.Parse()
	tmp, netemu := benchkit.Prepare("scale bench", "netemu-scale-", *bin)
	defer os.RemoveAll(tmp)
	load := func() string {
		b, _ := os.ReadFile("/proc/loadavg")
		return strings.Join(strings.Fields(string(b))[:3], " ")
	}
	before := load()
	var rows []row
	for _, mode := range []string{"netemu", "frr"} {
		list := *sizes
		if mode == "frr" {
			list = *frr
		}
		for _, s := range splitInts(list) {
			name := fmt.Sprintf("scl%s%d", mode[:1], s)
			src := fabric(name, s)
			if *timers != "fast" {
				src = bytes.Replace(src, []byte("timers = \"fast\""), []byte(fmt.Sprintf("timers = %q", *timers)), 1)
			}
			if mode == "frr" {
				src = bytes.Replace(src, []byte("timers = \"fast\""), []byte("timers = \"fast\"\n  daemons = \"frr\""), 1)
			}
			fmt.Fprintf(os.Stderr, "%s: %d routers…\n", mode, s)
			rows = append(rows, runLab(netemu, tmp, name, src, fmt.Sprintf("%d routers (%s)", s, *timers), mode, true))
		}
	}
	if *hosts > 0 {
		name := fmt.Sprintf("sclh%d", *hosts)
		fmt.Fprintf(os.Stderr, "%d hosts…\n", *hosts)
		rows = append(rows, runLab(netemu, tmp, name, labtest.HostsHCL(name, *hosts, 100), fmt.Sprintf("%d hosts", *hosts), "none", false))
	}
	if *chain > 0 {
		name := fmt.Sprintf("sclc%d", *chain)
		fmt.Fprintf(os.Stderr, "chain of %d…\n", *chain)
		r := runLab(netemu, tmp, name, labtest.ChainHCL(name, *chain), fmt.Sprintf("chain %d", *chain), "none", false)
		r.raw, _ = rawBatch(tmp, filepath.Join(tmp, name+".hcl"))
		rows = append(rows, r)
	}
	print(rows)
	fmt.Printf("\nmachine: %d CPUs; load average before %s, after %s\n", runtime.NumCPU(), before, load())
}

// fabric is a lab of n routers in 10 ASes: each AS a spine/leaf fabric of
// n/10 routers (a tenth of them spines, at least two).
func fabric(name string, n int) []byte {
	per := max(n/10, 3)
	spines := max(per/10, 2)
	return labtest.FabricHCL(name, 10, spines, per-spines)
}

func runLab(bin, tmp, name string, src []byte, what, mode string, routing bool) row {
	r := row{what: what, mode: mode}
	file := filepath.Join(tmp, name+".hcl")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		r.err = err
		return r
	}
	model, err := topo.Load(file)
	if err != nil {
		r.err = err
		return r
	}
	r.nodes = len(model.Nodes)
	var rrs []string
	for _, as := range model.ASes {
		if len(as.RouteReflectors) > 0 {
			rrs = append(rrs, fmt.Sprintf("%d", len(as.RouteReflectors)))
		}
	}
	if len(rrs) > 0 {
		r.reflectorsShown = fmt.Sprintf("%d ASes with %s reflectors", len(rrs), rrs[0])
	}
	defer exec.Command(bin, "down", name).Run() // whatever happened
	start := time.Now()
	if out, err := exec.Command(bin, "up", file).CombinedOutput(); err != nil {
		r.err = fmt.Errorf("up: %w: %s", err, tail(out))
		return r
	}
	r.up = time.Since(start)
	st, err := nodes.LoadState(name, "")
	if err != nil {
		r.err = err
		return r
	}
	var a *lab.Resources
	if routing {
		// The agents hand their start-up garbage back 20 s after they
		// start: measure the lab as it runs, not as it starts.
		time.Sleep(25 * time.Second)
		a, err = lab.ResourcesOf(st)
	}
	if routing && err == nil {
		time.Sleep(idleWindow)
		var b *lab.Resources
		if b, err = lab.ResourcesOf(st); err == nil {
			r.routers = b.Routers
			r.pssRouter = float64(b.PSSPerRouterKiB) / 1024
			r.procsRouter = b.ProcessesPerRouter
			r.idleCPU = 100 * float64(b.CPUMs-a.CPUMs) / float64(idleWindow.Milliseconds())
			var parts []string
			for k, v := range b.ByKind {
				parts = append(parts, fmt.Sprintf("%s %d×%.1f", k, v.Processes, float64(v.PSSKiB)/1024/float64(max(v.Processes, 1))))
			}
			r.byKind = strings.Join(parts, ", ")
		}
	}
	if err != nil {
		r.err = err
	}
	start = time.Now()
	if out, err := exec.Command(bin, "down", name).CombinedOutput(); err != nil {
		r.err = fmt.Errorf("down: %w: %s", err, tail(out))
		return r
	}
	r.down = time.Since(start)
	out, _ := exec.Command("ip", "netns", "list").Output()
	r.left = strings.Count(string(out), labpath.NetnsName(name, ""))
	return r
}

// rawBatch builds and removes the lab's namespaces, veths and addresses
// with iproute2's batch mode, as the foundation benchmark does, and
// returns the time of both.
func rawBatch(tmp, file string) (time.Duration, error) {
	model, err := topo.Load(file)
	if err != nil {
		return 0, err
	}
	rawLab := "raw" + model.Name
	var create, del bytes.Buffer
	for _, n := range model.Nodes {
		fmt.Fprintf(&create, "netns add %s\n", labpath.NetnsName(rawLab, n.Name))
		fmt.Fprintf(&del, "netns del %s\n", labpath.NetnsName(rawLab, n.Name))
	}
	for _, l := range model.Links {
		fmt.Fprintf(&create, "link add %s netns %s type veth peer name %s netns %s\n",
			l.A.Iface, labpath.NetnsName(rawLab, l.A.Node), l.B.Iface, labpath.NetnsName(rawLab, l.B.Node))
	}
	start := time.Now()
	err = ipBatch(nil, &create)
	for _, n := range model.Nodes {
		if err != nil {
			break
		}
		var b bytes.Buffer
		b.WriteString("link set lo up\n")
		if n.Loopback.IsValid() {
			fmt.Fprintf(&b, "addr add %s dev lo\n", n.Loopback)
		}
		for _, i := range n.Interfaces {
			fmt.Fprintf(&b, "addr add %s dev %s\nlink set %s up\n", i.Addr, i.Name, i.Name)
		}
		err = ipBatch([]string{"-n", labpath.NetnsName(rawLab, n.Name)}, &b)
	}
	if err == nil {
		err = ipBatch(nil, &del)
	} else {
		_ = ipBatch([]string{"-force"}, &del)
	}
	return time.Since(start), err
}

func ipBatch(opts []string, script *bytes.Buffer) error {
	cmd := exec.Command("ip", append(opts, "-batch", "-")...)
	cmd.Stdin = bytes.NewReader(script.Bytes())
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ip %v -batch: %w: %s", opts, err, out)
	}
	return nil
}

func print(rows []row) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "lab\tdaemons\tnodes\tup→converged\tdown\tleft\tPSS/router\tprocs/router\tidle CPU\tvs ip -batch\tnotes")
	for _, r := range rows {
		if r.err != nil {
			fmt.Fprintf(tw, "%s\t%s\t%d\tfailed: %v\n", r.what, r.mode, r.nodes, r.err)
			continue
		}
		pss, procs, cpu, ratio := "-", "-", fmt.Sprintf("%.1f %%", r.idleCPU), "-"
		if r.routers > 0 && r.mode != "none" {
			pss, procs = fmt.Sprintf("%.2f MiB", r.pssRouter), fmt.Sprintf("%.2f", r.procsRouter)
		}
		if r.raw > 0 {
			ratio = fmt.Sprintf("%.2f× (%.2fs)", (r.up+r.down).Seconds()/r.raw.Seconds(), r.raw.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1fs\t%.1fs\t%d\t%s\t%s\t%s\t%s\t%s\n", r.what, r.mode, r.nodes, r.up.Seconds(), r.down.Seconds(),
			r.left, pss, procs, cpu, ratio, strings.TrimPrefix(r.reflectorsShown+"; "+r.byKind, "; "))
	}
	tw.Flush()
	fmt.Println("\ntargets (issue 18): 1,000 routers up ≤ 60 s, ≤ 3 MiB PSS and ≤ 1 process per router, idle ≤ 10 % of a core,")
	fmt.Println("5,000 hosts up ≤ 60 s, chain up+down ≤ 1.5× ip -batch, down ≤ 5 s with nothing left.")
}

func splitInts(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(f), "%d", &n); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

func tail(b []byte) string {
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return string(b)
}
