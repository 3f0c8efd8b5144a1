package lab

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

// Resources is what a share's processes cost the machine now: `status -o
// json` reports it so scripts can watch a big lab, and the scale benchmark
// measures with it.
type Resources struct {
	// Processes counts the supervisors started for the share and every
	// process below them (agents, daemons, services).
	Processes int `json:"processes"`
	// PSSKiB is their proportional set size summed: shared pages (the
	// netemu binary) count once across them, as they cost the machine.
	PSSKiB int64 `json:"pss_kib"`
	// CPUMs is their user+system CPU time so far in milliseconds; diff
	// two readings for a rate.
	CPUMs int64 `json:"cpu_ms"`
	// Routers is the share's router count; the per-router figures divide
	// by it (zero without routers).
	Routers            int     `json:"routers"`
	PSSPerRouterKiB    int64   `json:"pss_per_router_kib,omitempty"`
	ProcessesPerRouter float64 `json:"processes_per_router,omitempty"`
	// ByKind splits them by program: "agent", "supervise", … (netemu's
	// subcommands by name, other programs by their file name).
	ByKind map[string]KindResources `json:"by_kind"`
}

// KindResources is one kind of process of Resources.
type KindResources struct {
	Processes int   `json:"processes"`
	PSSKiB    int64 `json:"pss_kib"`
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// ResourcesOf reads /proc for the share's processes: its supervisors
// (`netemu supervise` with a config inside the share's directory) and
// their descendants.
func ResourcesOf(st *nodes.State) (*Resources, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	children := map[int][]int{}
	var roots []int
	prefix := st.Dir + string(os.PathSeparator)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, _, ok := procStat(pid)
		if !ok {
			continue
		}
		children[ppid] = append(children[ppid], pid)
		args := procArgs(pid)
		if len(args) > 2 && args[1] == "supervise" && hasArgPrefix(args, prefix) {
			roots = append(roots, pid)
		}
	}
	r := &Resources{ByKind: map[string]KindResources{}}
	seen := map[int]bool{}
	var walk func(pid int)
	walk = func(pid int) {
		if seen[pid] {
			return
		}
		seen[pid] = true
		_, ticks, ok := procStat(pid)
		if !ok {
			return
		}
		pss := procPSS(pid)
		r.Processes++
		r.PSSKiB += pss
		r.CPUMs += ticks * 1000 / clockTicks
		k := procKind(procArgs(pid))
		kr := r.ByKind[k]
		kr.Processes++
		kr.PSSKiB += pss
		r.ByKind[k] = kr
		for _, c := range children[pid] {
			walk(c)
		}
	}
	for _, p := range roots {
		walk(p)
	}
	for _, name := range st.Nodes {
		if n := st.Model.Node(name); n != nil && n.Kind == topo.KindRouter {
			r.Routers++
		}
	}
	if r.Routers > 0 {
		r.PSSPerRouterKiB = r.PSSKiB / int64(r.Routers)
		r.ProcessesPerRouter = float64(r.Processes) / float64(r.Routers)
	}
	return r, nil
}

func hasArgPrefix(args []string, prefix string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, prefix) {
			return true
		}
	}
	return false
}

// procStat is a process's parent and its user+system CPU ticks.
func procStat(pid int) (ppid int, ticks int64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// The command name is in parentheses and may hold spaces: fields
	// count from after its closing one.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	stt, _ := strconv.ParseInt(f[12], 10, 64)
	return ppid, ut + stt, true
}

func procArgs(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// procPSS is the process's proportional set size in KiB (0 when gone).
func procPSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// procKind names a process for ByKind.
func procKind(args []string) string {
	if len(args) == 0 {
		return "?"
	}
	base := filepath.Base(args[0])
	if self, err := os.Executable(); (err == nil && args[0] == self) || base == "netemu" {
		if len(args) > 1 {
			return args[1]
		}
	}
	return base
}
