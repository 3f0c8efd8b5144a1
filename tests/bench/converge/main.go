// Command converge is issue 7's benchmark: convergence times after link
// failures (carrier loss and silent) on the seed lab, a ring of 30 RIP
// routers, and a chain and a clique of 20 ASes, all with fast timers, with
// netemu's daemons and, on the same topologies in the same run, with FRR's
// (daemons = "frr"). Convergence is measured the same way for both: the
// last change of any router's kernel table (netlink route notifications)
// minus the failure; for netemu the timeline's own figure (last routing
// change in the events) is printed too. It drives the CLI as a user does
// and prints one table.
//
// Each failure is injected -runs times per implementation and every row
// shows the median and the range. A silent failure is noticed when a hold
// timer or a RIP route timeout expires, which depends on where in its
// keepalive or update cycle the link died. With -phase aligned (the
// default) the cut comes right after the link has carried a routing
// message (BGP, or a RIP response) in both directions, seen by a packet
// socket on one end, so both implementations detect it about one hold time
// or route timeout later and what differs is their own work; -phase random
// waits up to one keepalive or update period more, sampling the phase
// uniformly. Either way silent rows also show the time after the first
// timer could expire (hold or timeout − age of the older direction's last
// message at the cut).
//
// With -bfd D every session runs BFD (D × 3), so a silent failure is
// noticed when a BFD session's detection time (3 × D after the last BFD
// control packet received) runs out, not a hold timer: the phase that
// matters is then BFD's, and both the alignment and the expiry use BFD
// control packets on the link and the detection time. Needs root; run
// through `make bench`.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	labrep "github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/tests/bench/internal/benchkit"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// sample is one failure's measurement on one lab.
type sample struct {
	lab, daemons, failure, kind string
	kernel                      time.Duration // last kernel route change − failure
	events                      time.Duration // netemu: last routing change in the timeline − failure
	waited                      time.Duration // until `netemu wait` returned
	// Silent failures: the first timer's expiry after the failure (hold
	// time or route timeout after the older direction's last message), if
	// the last messages were seen, and why the phase was not aligned.
	expiry  time.Duration
	aligned bool
	note    string
	err     error
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
	runs := flag.Int("runs", 3, "times each failure is injected per implementation")
	kinds := flag.String("kinds", "carrier,silent", "failure kinds to inject (comma-separated)")
	phaseMode := flag.String("phase", "aligned", "when to cut silently: aligned (right after routing messages both ways) or random")
	bfd := flag.String("bfd", "", "run BFD on every session: bfd { interval = THIS, multiplier = 3 } in each lab (e.g. 100ms)")
	flag.Parse()
	var bfdInterval time.Duration
	if *bfd != "" {
		var err error
		if bfdInterval, err = time.ParseDuration(*bfd); err != nil || bfdInterval <= 0 {
			fail(fmt.Errorf("-bfd %q: want a positive duration such as 100ms", *bfd))
		}
	}
	if *runs < 1 {
		fail(fmt.Errorf("-runs %d: need at least 1", *runs))
	}
	if *phaseMode != "aligned" && *phaseMode != "random" {
		fail(fmt.Errorf("-phase %q: want aligned or random", *phaseMode))
	}
	var silents []bool
	for _, k := range strings.Split(*kinds, ",") {
		switch k {
		case "carrier":
			silents = append(silents, false)
		case "silent":
			silents = append(silents, true)
		default:
			fail(fmt.Errorf("-kinds: unknown kind %q (carrier, silent)", k))
		}
	}
	opts := options{runs: *runs, silents: silents, random: *phaseMode == "random", bfd: *bfd, bfdInterval: bfdInterval}
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
	var samples []sample
	for _, s := range scenarios {
		if *only != "" && !slices.ContainsFunc(strings.Split(*only, ","), func(o string) bool { return strings.Contains(s.name, o) }) {
			continue
		}
		for _, d := range strings.Split(*daemons, ",") {
			if d == "netemu" && s.bgp && !hasBGP {
				samples = append(samples, sample{lab: s.name, daemons: d, failure: "up", err: fmt.Errorf("skipped: BGP is not in the agent")})
				continue
			}
			samples = append(samples, run(*bin, tmp, s, d, opts)...)
		}
	}
	fmt.Printf("convergence after a failure: last kernel route change of any router − the failure; median (min–max) of %d runs.\n", *runs)
	switch {
	case opts.bfd != "" && opts.random:
		fmt.Printf("BFD %s × %d on every session; phase random: silent failures are injected a random delay up to one BFD interval\n", opts.bfd, bfdMultiplier)
		fmt.Println("after BFD control packets crossed the link both ways.")
	case opts.bfd != "":
		fmt.Printf("BFD %s × %d on every session; phase aligned: silent failures are injected right after BFD control packets crossed\n", opts.bfd, bfdMultiplier)
		fmt.Println("the link both ways, so both implementations detect them about one detection time (interval × multiplier) later.")
	case opts.random:
		fmt.Println("phase random: silent failures are injected a random delay up to one keepalive (BGP labs) or RIP update period")
		fmt.Println("after routing messages crossed the link both ways, so both implementations sample the phase of their timers uniformly.")
	default:
		fmt.Println("phase aligned: silent failures are injected right after routing messages (BGP, RIP responses) crossed the link")
		fmt.Println("both ways, so both implementations detect them about one hold time or route timeout later.")
	}
	print(os.Stdout, samples, strings.Split(*daemons, ","))
}

// bfdMultiplier is the detect multiplier of -bfd's sessions.
const bfdMultiplier = 3

var fastTimers = regexp.MustCompile(`(?m)^(\s*timers\s*=\s*"fast")`)

// options are the flags that shape each lab's runs.
type options struct {
	runs    int
	silents []bool // the failure kinds: false carrier, true silent
	random  bool   // phase random rather than aligned
	bfd     string // BFD interval on every session ("" none), as written in the lab
	// bfdInterval is bfd parsed: a silent failure is then noticed
	// bfdMultiplier intervals after the last BFD control packet.
	bfdInterval time.Duration
}

func run(bin, tmp string, s scenario, daemons string, o options) []sample {
	src := s.src
	if o.bfd != "" {
		src = fastTimers.ReplaceAll(src, []byte(fmt.Sprintf("$1\n  bfd {\n    interval = %q\n    multiplier = %d\n  }", o.bfd, bfdMultiplier)))
	}
	if daemons == "frr" {
		src = fastTimers.ReplaceAll(src, []byte("$1\n  daemons = \"frr\""))
		src = bytes.Replace(src, []byte(`lab "bcv`), []byte(`lab "bcf`), 1)
	}
	s.src = src
	errSample := func(failure string, err error) sample {
		return sample{lab: s.name, daemons: daemons, failure: failure, err: err}
	}
	lab, err := topo.Parse(s.src, s.name+".hcl")
	if err != nil {
		return []sample{errSample("up", err)}
	}
	if lab.Daemons != daemons {
		return []sample{errSample("up", fmt.Errorf("lab runs %q", lab.Daemons))}
	}
	// The period whose phase decides when a silent failure is noticed and
	// the timer that then runs out: the keepalive and hold time for BGP
	// labs, the update and route timeout for RIP-only labs, and with BFD
	// the BFD interval and detection time, far shorter than either (a
	// cut aligned on BGP messages would wait for a keepalive for nothing
	// and date the failure from a hold timer that never expires).
	timers := lab.Timers
	phase, expiry, proto := timers.RIPUpdate, timers.RIPTimeout, protoRIP
	switch {
	case o.bfdInterval > 0:
		phase, expiry, proto = o.bfdInterval, bfdMultiplier*o.bfdInterval, protoBFD
	case s.bgp:
		phase, expiry, proto = timers.BGPKeepalive, timers.BGPHold, protoBGP
	}
	var routers []string
	for _, n := range lab.Nodes {
		if n.Kind == topo.KindRouter {
			routers = append(routers, n.Name)
		}
	}
	file := filepath.Join(tmp, lab.Name+".hcl")
	if err := os.WriteFile(file, s.src, 0o644); err != nil {
		return []sample{errSample("up", err)}
	}
	defer netemu(bin, "down", lab.Name)
	fmt.Fprintf(os.Stderr, "%s (%s): up…\n", s.name, daemons)
	start := time.Now()
	if _, err := netemu(bin, "up", file); err != nil {
		return []sample{errSample("up", err)}
	}
	out := []sample{{lab: s.name, daemons: daemons, failure: "up", waited: time.Since(start)}}
	// FRR's up does not wait for its daemons as long as netemu's does for
	// its agents; make sure both start from a converged lab.
	if _, err := netemu(bin, "--lab", lab.Name, "wait", "--timeout", "3m"); err != nil {
		return append(out, errSample("initial wait", err))
	}
	kw, err := converge.WatchKernel(lab.Name, routers)
	if err != nil {
		return append(out, errSample("watch", err))
	}
	defer kw.Close()
	for _, f := range s.failures {
		link := findLink(lab, f[0], f[1])
		for _, silent := range o.silents {
			for i := 0; i < o.runs; i++ {
				r := sample{lab: s.name, daemons: daemons, failure: f[0] + "–" + f[1], kind: "carrier"}
				args := []string{"--lab", lab.Name, "link", "down", f[0], f[1]}
				if silent {
					r.kind = "silent"
					args = append(args, "--silent")
				}
				fmt.Fprintf(os.Stderr, "%s (%s): %s %s, run %d/%d…\n", s.name, daemons, r.failure, r.kind, i+1, o.runs)
				var lw *linkWatch
				if silent {
					lw, r.note = align(lab.Name, link, proto, phase, o.random)
				}
				var ref time.Time
				r.kernel, r.events, r.waited, ref, r.err = measure(bin, lab.Name, args, kw)
				if lw != nil {
					if last := lw.oldestLast(); !last.IsZero() && !ref.IsZero() {
						r.expiry, r.aligned = last.Add(expiry).Sub(ref), true
					}
					lw.Close()
				}
				if daemons != "netemu" {
					r.events = 0
				}
				out = append(out, r)
				if _, _, _, _, err := measure(bin, lab.Name, []string{"--lab", lab.Name, "link", "up", f[0], f[1]}, kw); err != nil {
					return append(out, sample{lab: s.name, daemons: daemons, failure: r.failure, kind: "repair", err: err})
				}
			}
		}
	}
	return out
}

// align opens a capture on the link and waits until a routing message has
// crossed it both ways (then up to one period more with random), so that
// the cut comes next. It returns the watch, to date the last messages
// before the cut, or nil and a note when the phase could not be aligned;
// the failure is injected anyway.
func align(lab string, link *topo.Link, proto int, period time.Duration, random bool) (*linkWatch, string) {
	if link == nil {
		return nil, "phase not aligned: link not found"
	}
	lw, err := watchLink(lab, link.A.Node, link.A.Iface, link.A.Addr.Addr(), link.B.Addr.Addr(), proto)
	if err != nil {
		return nil, "phase not aligned: " + err.Error()
	}
	// Three periods: a lost or late message should not fail the run. BFD
	// counts only packets saying Up, and a session may still be coming up
	// (again, after the last repair; FRR's wait does not look at bfdd),
	// at one packet a second until it is: give it far longer.
	timeout := 3 * period
	if proto == protoBFD {
		timeout = max(timeout, 30*time.Second)
	}
	if err := lw.waitBoth(timeout); err != nil {
		return lw, "phase not aligned: " + err.Error()
	}
	if random {
		time.Sleep(rand.N(period))
	}
	return lw, ""
}

// findLink is the link between nodes a and b (the first, if parallel).
func findLink(lab *topo.Lab, a, b string) *topo.Link {
	for _, k := range lab.Links {
		if (k.A.Node == a && k.B.Node == b) || (k.A.Node == b && k.B.Node == a) {
			return k
		}
	}
	return nil
}

// measure injects a failure, waits for convergence and returns the kernel
// convergence time, the timeline's, how long until wait returned, and the
// failure's own time.
func measure(bin, lab string, args []string, kw *converge.KernelWatch) (kernel, events, waited time.Duration, ref time.Time, err error) {
	start := time.Now()
	if _, err := netemu(bin, args...); err != nil {
		return 0, 0, 0, ref, err
	}
	if _, err := netemu(bin, "--lab", lab, "wait", "--timeout", "3m"); err != nil {
		return 0, 0, time.Since(start), ref, err
	}
	waited = time.Since(start)
	out, err := netemu(bin, "--lab", lab, "events", "-o", "json")
	if err != nil {
		return 0, 0, waited, ref, err
	}
	var tl labrep.EventsReport // README "The command line": durations in ms
	if err := json.Unmarshal([]byte(out), &tl); err != nil {
		return 0, 0, waited, ref, fmt.Errorf("events: %w", err)
	}
	// The failure's own time is the faults file's (tl.RefAt), stamped when
	// the injection began. Without it every row would read "no kernel
	// route changed" (as when events -o json renamed ref to ref_at and this
	// still decoded the old field): say so instead.
	if tl.RefAt.IsZero() {
		return 0, 0, waited, ref, fmt.Errorf("events -o json: no ref_at (the failure's time) after %s", strings.Join(args, " "))
	}
	if last, _ := kw.LastChange(); !tl.RefAt.IsZero() && last.After(tl.RefAt) {
		kernel = last.Sub(tl.RefAt)
	}
	return kernel, time.Duration(tl.ConvergenceMS) * time.Millisecond, waited, tl.RefAt, nil
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

// stats is the median, minimum and maximum of the successful samples.
type stats struct {
	n                int
	median, min, max time.Duration
}

func summarise(ds []time.Duration) stats {
	if len(ds) == 0 {
		return stats{}
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	m := ds[len(ds)/2]
	if len(ds)%2 == 0 {
		m = (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
	}
	return stats{n: len(ds), median: m, min: ds[0], max: ds[len(ds)-1]}
}

func (s stats) String() string {
	if s.n == 0 {
		return "-"
	}
	if s.n == 1 {
		return short(s.median)
	}
	return fmt.Sprintf("%s (%s–%s)", short(s.median), short(s.min), short(s.max))
}

// short rounds to milliseconds below a second, to 0.1 s above.
func short(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// rowKey is one row of the table: a lab, a failure and its kind.
type rowKey struct{ lab, failure, kind string }

// print writes one row per lab, failure and kind: each implementation's
// kernel convergence (median, min–max), netemu's own timeline figure, and
// whether netemu's median is at most the first other implementation's.
func print(w io.Writer, samples []sample, daemons []string) {
	type key = rowKey
	var keys []key
	got := map[key]map[string][]time.Duration{}
	timeline := map[key][]time.Duration{}
	notes := map[key][]string{}
	// Silent rows: kernel convergence after the first timer could expire.
	after := map[key]map[string][]time.Duration{}
	for _, s := range samples {
		k := key{s.lab, s.failure, s.kind}
		if got[k] == nil {
			keys = append(keys, k)
			got[k] = map[string][]time.Duration{}
			after[k] = map[string][]time.Duration{}
		}
		if s.note != "" {
			notes[k] = append(notes[k], s.daemons+": "+s.note)
		}
		if s.err == nil && s.aligned && s.kernel > 0 {
			after[k][s.daemons] = append(after[k][s.daemons], s.kernel-s.expiry)
		}
		switch {
		case s.err != nil:
			notes[k] = append(notes[k], s.daemons+": "+s.err.Error())
		case s.failure == "up":
			got[k][s.daemons] = append(got[k][s.daemons], s.waited)
		case s.kernel > 0:
			got[k][s.daemons] = append(got[k][s.daemons], s.kernel)
			if s.events > 0 {
				timeline[k] = append(timeline[k], s.events)
			}
		default:
			notes[k] = append(notes[k], s.daemons+": no kernel route changed")
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	hdr := []string{"LAB", "FAILURE", "KIND"}
	for _, d := range daemons {
		hdr = append(hdr, strings.ToUpper(d))
	}
	compare := slices.Contains(daemons, "netemu") && len(daemons) > 1
	other := ""
	if compare {
		other = daemons[slices.IndexFunc(daemons, func(d string) bool { return d != "netemu" })]
		hdr = append(hdr, "NETEMU ≤ "+strings.ToUpper(other)+"?")
	}
	hdr = append(hdr, "NETEMU TIMELINE", "NOTE")
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	wins, rows := 0, 0
	for _, k := range keys {
		kind := k.kind
		if k.failure == "up" {
			kind = "(up, until converged)"
		}
		cols := []string{k.lab, k.failure, kind}
		for _, d := range daemons {
			cols = append(cols, summarise(got[k][d]).String())
		}
		if compare {
			verdict := "-"
			n, o := summarise(got[k]["netemu"]), summarise(got[k][other])
			if k.failure != "up" && n.n > 0 && o.n > 0 {
				rows++
				verdict = "no"
				if n.median <= o.median {
					verdict = "yes"
					wins++
				}
			}
			cols = append(cols, verdict)
		}
		cols = append(cols, summarise(timeline[k]).String(), strings.Join(notes[k], "; "))
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	tw.Flush()
	if compare {
		fmt.Fprintf(w, "netemu's median ≤ %s's on %d of %d failure rows\n", other, wins, rows)
	}
	printAfter(w, keys, after, daemons)
}

// printAfter writes, for silent rows, kernel convergence minus the first
// timer's expiry (hold time or route timeout after the older direction's
// last message before the cut): each implementation's own work once its
// timer had run out, free of the phase.
func printAfter(w io.Writer, keys []rowKey, after map[rowKey]map[string][]time.Duration, daemons []string) {
	var rows [][]string
	for _, k := range keys {
		if k.kind != "silent" {
			continue
		}
		cols := []string{k.lab, k.failure}
		for _, d := range daemons {
			cols = append(cols, summarise(after[k][d]).String())
		}
		rows = append(rows, cols)
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "\nsilent failures, after the first timer could expire: kernel convergence − (hold, route timeout or BFD detection")
	fmt.Fprintln(w, "time − age of the older direction's last routing or BFD message at the cut); median (min–max):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	hdr := []string{"LAB", "FAILURE"}
	for _, d := range daemons {
		hdr = append(hdr, strings.ToUpper(d)+" AFTER EXPIRY")
	}
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	for _, cols := range rows {
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	tw.Flush()
}

func fail(err error) { benchkit.Fail("converge bench", err) }
