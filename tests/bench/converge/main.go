// Command converge is issue 7's benchmark: convergence times after link
// failures (carrier loss and silent) on the seed lab, a ring of 30 RIP
// routers, and a chain and a clique of 20 ASes, all with fast timers, with
// netemu's daemons and, on the same topologies in the same run, with FRR's
// (daemons = "frr"). Convergence is measured the same way for both: the
// last change of any router's kernel table (netlink route notifications)
// minus the failure; for netemu the timeline's own figure (last routing
// change in the events) is printed too. It drives the CLI as a user does
// and prints one table. Needs root; run through `make bench`.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/tests/bench/internal/benchkit"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

type row struct {
	lab, daemons, failure, kind string
	kernel                      time.Duration // last kernel route change − failure
	events                      time.Duration // netemu: last routing change in the timeline − failure
	waited                      time.Duration // until `netemu wait` returned
	err                         error
}

type scenario struct {
	name     string
	src      []byte
	bgp      bool        // needs BGP in the agent
	failures [][2]string // links to fail, one at a time
}

func main() {
	bin := flag.String("netemu", "", "netemu binary (default: build one)")
	only := flag.String("only", "", "run only scenarios whose name contains one of these (comma-separated)")
	daemons := flag.String("daemons", "netemu,frr", "routing implementations to compare")
	flag.Parse()
	tmp, netemu := benchkit.Prepare("converge bench", "netemu-bench-conv-", *bin)
	defer os.RemoveAll(tmp)
	*bin = netemu
	_, hasBGP := reflect.TypeOf(agent.Config{}).FieldByName("BGP")
	seed, err := topo.ExampleSource(topo.Seed)
	if err != nil {
		fail(err)
	}
	scenarios := []scenario{
		{"seed", labtest.RenameLab(seed, "bcvseed"), true, [][2]string{
			{"home-core", "transit-a"}, {"home-core", "transit-b"}, {"transit-a", "aws-edge"}, {"transit-b", "aws-edge"}}},
		{"rip ring 30", ringHCL("bcvring", 30), false, [][2]string{{"r1", "r2"}, {"r8", "r9"}}},
		{"bgp chain 20", asHCL("bcvchain", 20, false), true, [][2]string{{"a10", "a11"}, {"a1", "a2"}}},
		{"bgp clique 20", asHCL("bcvclique", 20, true), true, [][2]string{{"a1", "a2"}, {"a10", "a11"}}},
	}
	var rows []row
	for _, s := range scenarios {
		if *only != "" && !slices.ContainsFunc(strings.Split(*only, ","), func(o string) bool { return strings.Contains(s.name, o) }) {
			continue
		}
		for _, d := range strings.Split(*daemons, ",") {
			if d == "netemu" && s.bgp && !hasBGP {
				rows = append(rows, row{lab: s.name, daemons: d, err: fmt.Errorf("skipped: BGP is not in the agent")})
				continue
			}
			rows = append(rows, run(*bin, tmp, s, d)...)
		}
	}
	print(rows)
}

var fastTimers = regexp.MustCompile(`(?m)^(\s*timers\s*=\s*"fast")`)

func run(bin, tmp string, s scenario, daemons string) []row {
	src := s.src
	if daemons == "frr" {
		src = fastTimers.ReplaceAll(src, []byte("$1\n  daemons = \"frr\""))
		src = bytes.Replace(src, []byte(`lab "bcv`), []byte(`lab "bcf`), 1)
	}
	s.src = src
	lab, err := topo.Parse(s.src, s.name+".hcl")
	if err != nil {
		return []row{{lab: s.name, daemons: daemons, err: err}}
	}
	if lab.Daemons != daemons {
		return []row{{lab: s.name, daemons: daemons, err: fmt.Errorf("lab runs %q", lab.Daemons)}}
	}
	var routers []string
	for _, n := range lab.Nodes {
		if n.Kind == topo.KindRouter {
			routers = append(routers, n.Name)
		}
	}
	file := filepath.Join(tmp, lab.Name+".hcl")
	if err := os.WriteFile(file, s.src, 0o644); err != nil {
		return []row{{lab: s.name, err: err}}
	}
	defer netemu(bin, "down", lab.Name)
	fmt.Fprintf(os.Stderr, "%s (%s): up…\n", s.name, daemons)
	start := time.Now()
	if _, err := netemu(bin, "up", file); err != nil {
		return []row{{lab: s.name, daemons: daemons, failure: "up", err: err}}
	}
	rows := []row{{lab: s.name, daemons: daemons, failure: "initial (up)", kind: "-", waited: time.Since(start)}}
	// FRR's up does not wait for its daemons as long as netemu's does for
	// its agents; make sure both start from a converged lab.
	if _, err := netemu(bin, "--lab", lab.Name, "wait", "--timeout", "3m"); err != nil {
		return append(rows, row{lab: s.name, daemons: daemons, failure: "initial wait", err: err})
	}
	kw, err := converge.WatchKernel(lab.Name, routers)
	if err != nil {
		return append(rows, row{lab: s.name, daemons: daemons, err: err})
	}
	defer kw.Close()
	for _, f := range s.failures {
		for _, silent := range []bool{false, true} {
			r := row{lab: s.name, daemons: daemons, failure: f[0] + "–" + f[1], kind: "carrier"}
			args := []string{"--lab", lab.Name, "link", "down", f[0], f[1]}
			if silent {
				r.kind = "silent"
				args = append(args, "--silent")
			}
			fmt.Fprintf(os.Stderr, "%s (%s): %s %s…\n", s.name, daemons, r.failure, r.kind)
			r.kernel, r.events, r.waited, r.err = measure(bin, lab.Name, args, kw)
			if daemons != "netemu" {
				r.events = 0
			}
			rows = append(rows, r)
			if _, _, _, err := measure(bin, lab.Name, []string{"--lab", lab.Name, "link", "up", f[0], f[1]}, kw); err != nil {
				rows = append(rows, row{lab: s.name, daemons: daemons, failure: r.failure, kind: "repair", err: err})
				return rows
			}
		}
	}
	return rows
}

// measure injects a failure, waits for convergence and returns the kernel
// convergence time, the timeline's, and how long until wait returned.
func measure(bin, lab string, args []string, kw *converge.KernelWatch) (kernel, events, waited time.Duration, err error) {
	start := time.Now()
	if _, err := netemu(bin, args...); err != nil {
		return 0, 0, 0, err
	}
	if _, err := netemu(bin, "--lab", lab, "wait", "--timeout", "3m"); err != nil {
		return 0, 0, time.Since(start), err
	}
	waited = time.Since(start)
	out, err := netemu(bin, "--lab", lab, "events", "-o", "json")
	if err != nil {
		return 0, 0, waited, err
	}
	var tl converge.Timeline
	if err := json.Unmarshal([]byte(out), &tl); err != nil {
		return 0, 0, waited, fmt.Errorf("events: %w", err)
	}
	// The failure's own time is the faults file's (tl.Ref), stamped when
	// the injection began.
	if last, _ := kw.LastChange(); !tl.Ref.IsZero() && last.After(tl.Ref) {
		kernel = last.Sub(tl.Ref)
	}
	return kernel, tl.Convergence, waited, nil
}

func netemu(bin string, args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("netemu %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// ringHCL is a ring of n RIP routers with a host on r1 and on the router
// opposite.
func ringHCL(lab string, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "lab %q {\n  timers = \"fast\"\n}\n", lab)
	b.WriteString("autonomous_system \"ring\" {\n  asn = 65001\n  igp = \"rip\"\n}\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "router \"r%d\" {\n  as = \"ring\"\n}\n", i)
	}
	b.WriteString("host \"h1\" {}\nhost \"h2\" {}\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "link \"r%d\" \"r%d\" {}\n", i, i%n+1)
	}
	fmt.Fprintf(&b, "link \"r1\" \"h1\" {}\nlink \"r%d\" \"h2\" {}\n", n/2+1)
	return []byte(b.String())
}

// asHCL is n one-router ASes, each originating a /16, in a chain or a
// clique.
func asHCL(lab string, n int, clique bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "lab %q {\n  timers = \"fast\"\n}\n", lab)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "autonomous_system \"as%d\" {\n  asn = %d\n  igp = \"static\"\n  prefixes = [\"10.%d.0.0/16\"]\n}\n", i, 65000+i, i)
		fmt.Fprintf(&b, "router \"a%d\" {\n  as = \"as%d\"\n}\n", i, i)
	}
	for i := 1; i <= n; i++ {
		for j := i + 1; j <= n; j++ {
			if clique || j == i+1 {
				fmt.Fprintf(&b, "link \"a%d\" \"a%d\" {}\n", i, j)
			}
		}
	}
	return []byte(b.String())
}

func print(rows []row) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAB\tDAEMONS\tFAILURE\tKIND\tKERNEL CONVERGED\tTIMELINE CONVERGED\tWAIT RETURNED\tNOTE")
	dur := func(d, round time.Duration) string {
		if d <= 0 {
			return "-"
		}
		return d.Round(round).String()
	}
	for _, r := range rows {
		note := ""
		if r.err != nil {
			note = r.err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.lab, r.daemons, r.failure, r.kind,
			dur(r.kernel, time.Millisecond), dur(r.events, time.Millisecond), dur(r.waited, 10*time.Millisecond), note)
	}
	tw.Flush()
}

func fail(err error) { benchkit.Fail("converge bench", err) }
