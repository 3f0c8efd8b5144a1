// Command soak is issue 16's long run. Two parts, each printing figures:
//
//   - cycles: N up/down cycles of the seed lab; after each, what the lab
//     left behind — namespaces, mounts, processes and files naming the lab,
//     and any change to the host's routes, rules and IP sysctls — is
//     diffed against the state before the first up.
//   - chaos: the seed lab up for D while, every few seconds, a random agent
//     or supervisor is killed (SIGKILL) and a random router link flaps;
//     after each round `netemu wait` must see the lab reconverge. The
//     agents' total RSS is printed at the start and at the end.
//
// Needs root: `sudo go run ./tests/bench/soak -cycles 100 -chaos 10m`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/tests/bench/internal/benchkit"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

const what = "soak"

func main() {
	bin := flag.String("netemu", "", "netemu binary (default: build this tree)")
	cycles := flag.Int("cycles", 10, "up/down cycles of the seed lab")
	chaos := flag.Duration("chaos", 2*time.Minute, "chaos duration (0: none)")
	every := flag.Duration("every", 5*time.Second, "chaos: time between a kill and a flap")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "chaos: random seed")
	flag.Parse()
	tmp, netemu := benchkit.Prepare(what, "netemu-soak-", *bin)
	defer os.RemoveAll(tmp)
	src, err := topo.ExampleSource(topo.Seed)
	if err != nil {
		benchkit.Fail(what, err)
	}
	lab := "soak" + benchkit.RandHex()[:6]
	file := filepath.Join(tmp, lab+".hcl")
	if err := os.WriteFile(file, labtest.RenameLab(src, lab), 0o644); err != nil {
		benchkit.Fail(what, err)
	}
	model, err := topo.Load(file)
	if err != nil {
		benchkit.Fail(what, err)
	}

	before := snapshot(lab)
	var ups, downs []time.Duration
	leaks := 0
	fmt.Printf("CYCLES (seed lab %s)\n%-6s %-10s %-10s %s\n", lab, "CYCLE", "UP", "DOWN", "LEFT BEHIND")
	for i := 1; i <= *cycles; i++ {
		up, err := timed(netemu, "up", file)
		if err != nil {
			_, _ = timed(netemu, "down", lab)
			benchkit.Fail(what, fmt.Errorf("cycle %d: up: %w", i, err))
		}
		down, err := timed(netemu, "down", lab)
		if err != nil {
			benchkit.Fail(what, fmt.Errorf("cycle %d: down: %w", i, err))
		}
		ups, downs = append(ups, up), append(downs, down)
		diff := before.diff(snapshot(lab))
		leaks += len(diff)
		fmt.Printf("%-6d %-10s %-10s %s\n", i, up.Round(time.Millisecond), down.Round(time.Millisecond), orNone(diff))
	}
	if *cycles > 0 {
		fmt.Printf("up: median %s, max %s; down: median %s, max %s; things left behind: %d\n\n",
			median(ups), slices.Max(ups).Round(time.Millisecond), median(downs), slices.Max(downs).Round(time.Millisecond), leaks)
	}

	if *chaos > 0 {
		if err := runChaos(netemu, file, lab, model, *chaos, *every, *seed); err != nil {
			_, _ = timed(netemu, "down", lab)
			benchkit.Fail(what, err)
		}
		if _, err := timed(netemu, "down", lab); err != nil {
			benchkit.Fail(what, err)
		}
		fmt.Printf("after chaos and down, left behind: %s\n", orNone(before.diff(snapshot(lab))))
	}
}

func runChaos(netemu, file, lab string, model *topo.Lab, d, every time.Duration, seed uint64) error {
	rnd := rand.New(rand.NewPCG(seed, 1))
	if _, err := timed(netemu, "up", file); err != nil {
		return fmt.Errorf("chaos: up: %w", err)
	}
	var links [][2]string
	for _, l := range model.Links {
		a, b := model.Node(l.A.Node), model.Node(l.B.Node)
		if a != nil && b != nil && a.Kind == topo.KindRouter && b.Kind == topo.KindRouter {
			links = append(links, [2]string{l.A.Node + ":" + l.A.Iface, l.B.Node + ":" + l.B.Iface})
		}
	}
	rss0, n0 := agentRSS(lab)
	fmt.Printf("CHAOS (%s, a kill and a flap every %s, seed %d)\nagents at start: %d, RSS %.1f MiB\n", d, every, seed, n0, rss0)
	fmt.Printf("%-6s %-34s %-34s %-10s %s\n", "ROUND", "KILLED", "FLAPPED", "WAIT", "AGENTS RSS")
	var waits []time.Duration
	failed := 0
	start := time.Now()
	for round := 1; time.Since(start) < d; round++ {
		killed := killOne(lab, rnd)
		flapped := "-"
		if len(links) > 0 {
			l := links[rnd.IntN(len(links))]
			if _, err := timed(netemu, "--lab", lab, "link", "down", l[0], l[1]); err == nil {
				time.Sleep(every / 2) // the fault's duration, not a wait for a condition
				_, _ = timed(netemu, "--lab", lab, "link", "up", l[0], l[1])
				flapped = l[0] + "–" + l[1]
			}
		}
		w, err := timed(netemu, "--lab", lab, "wait")
		status := w.Round(time.Millisecond).String()
		if err != nil {
			failed++
			status = "FAILED"
		} else {
			waits = append(waits, w)
		}
		rss, n := agentRSS(lab)
		fmt.Printf("%-6d %-34s %-34s %-10s %.1f MiB (%d)\n", round, killed, flapped, status, rss, n)
		if rest := every/2 - time.Since(start.Add(time.Duration(round)*every)); rest > 0 {
			time.Sleep(rest) // pacing the rounds
		}
	}
	rss1, n1 := agentRSS(lab)
	if len(waits) > 0 {
		fmt.Printf("reconverged %d of %d rounds: wait median %s, max %s; agents RSS %.1f → %.1f MiB (%d → %d agents)\n",
			len(waits), len(waits)+failed, median(waits), slices.Max(waits).Round(time.Millisecond), rss0, rss1, n0, n1)
	} else {
		fmt.Printf("reconverged 0 of %d rounds\n", failed)
	}
	return nil
}

// proc is a process of the lab: its pid and command line.
type proc struct {
	pid int
	cmd string
}

// labProcs lists the processes whose command line names the lab's state
// directory (agents, supervisors, daemons).
func labProcs(lab string) []proc {
	dir := labpath.StateDir(lab, "")
	ents, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		cmd := string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '}))
		if strings.Contains(cmd, dir+"/") || strings.Contains(cmd, " "+lab+" ") || strings.HasSuffix(cmd, " "+lab) {
			out = append(out, proc{pid, cmd})
		}
	}
	return out
}

func isAgent(p proc) bool { return strings.Contains(p.cmd, " agent ") }

// killOne SIGKILLs a random agent or supervisor (a netemu process that is
// not an agent) of the lab.
func killOne(lab string, rnd *rand.Rand) string {
	var cands []proc
	for _, p := range labProcs(lab) {
		if isAgent(p) || strings.Contains(filepath.Base(strings.Fields(p.cmd)[0]), "netemu") {
			cands = append(cands, p)
		}
	}
	if len(cands) == 0 {
		return "-"
	}
	p := cands[rnd.IntN(len(cands))]
	_ = syscall.Kill(p.pid, syscall.SIGKILL)
	kind := "supervisor"
	if isAgent(p) {
		kind = "agent"
	}
	node := ""
	if i := strings.Index(p.cmd, "/nodes/"); i >= 0 {
		node, _, _ = strings.Cut(p.cmd[i+len("/nodes/"):], "/")
	}
	return fmt.Sprintf("%s %s (pid %d)", kind, node, p.pid)
}

// agentRSS is the agents' total resident memory in MiB, and their number.
func agentRSS(lab string) (float64, int) {
	var kb float64
	n := 0
	for _, p := range labProcs(lab) {
		if !isAgent(p) {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				v, _ := strconv.ParseFloat(f[1], 64)
				kb += v
				n++
			}
		}
	}
	return kb / 1024, n
}

// state is what the host holds that a lab could leave behind.
type state map[string]bool

// snapshot records the host's routes, rules and IP sysctls in full, and
// the namespaces, mounts, processes and files naming the lab.
func snapshot(lab string) state {
	s := state{}
	add := func(kind string, lines string) {
		for _, l := range strings.Split(lines, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				s[kind+": "+l] = true
			}
		}
	}
	run := func(argv ...string) string {
		out, _ := exec.Command(argv[0], argv[1:]...).Output()
		return string(out)
	}
	add("host route", run("ip", "-4", "route", "show", "table", "all"))
	add("host route", run("ip", "-6", "route", "show", "table", "all"))
	add("host rule", run("ip", "rule"))
	add("host sysctl", run("sysctl", "-e", "-r", `^net\.ipv[46]\.(ip_forward|conf\.(all|default)\.)`))
	for _, l := range strings.Split(run("ip", "netns", "list"), "\n") {
		if strings.Contains(l, lab) {
			add("namespace", l)
		}
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	for _, l := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(l); len(f) > 4 && strings.Contains(f[4], lab) {
			add("mount", f[4])
		}
	}
	for _, p := range labProcs(lab) {
		add("process", fmt.Sprintf("%d %s", p.pid, p.cmd))
	}
	for _, pat := range []string{labpath.StateDir(lab, "") + "*", filepath.Join(labpath.NetnsDir, "*"+lab+"*")} {
		m, _ := filepath.Glob(pat)
		for _, f := range m {
			if !strings.HasSuffix(f, ".lock") { // the lock file outlives the lab on purpose
				add("file", f)
			}
		}
	}
	return s
}

// diff lists what after has that s has not, and what it lost.
func (s state) diff(after state) []string {
	var out []string
	for k := range after {
		if !s[k] {
			out = append(out, "+"+k)
		}
	}
	for k := range s {
		if !after[k] {
			out = append(out, "-"+k)
		}
	}
	sort.Strings(out)
	return out
}

func orNone(d []string) string {
	if len(d) == 0 {
		return "nothing"
	}
	if len(d) > 5 {
		return strings.Join(d[:5], "; ") + fmt.Sprintf("; … (%d)", len(d))
	}
	return strings.Join(d, "; ")
}

func timed(bin string, args ...string) (time.Duration, error) {
	start := time.Now()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return time.Since(start), fmt.Errorf("netemu %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return time.Since(start), nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2].Round(time.Millisecond)
}
