package lab

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// SSHEnv overrides the ssh client OnMachines runs (split on spaces), e.g.
// "ssh -F ./cluster.conf"; tests point it at a script that enters a
// simulated machine's namespace instead.
const SSHEnv = "NETEMU_SSH"

// MachineNames lists lab's machines in file order.
func MachineNames(l *topo.Lab) []string {
	var out []string
	for _, m := range l.Machines {
		out = append(out, m.Name)
	}
	return out
}

// Netns maps a lab's node names to their namespace mounts.
func Netns(lab string) fw.Namespaces {
	return func(node string) string { return labpath.NetnsPath(lab, node) }
}

// ResolveMachine checks --machine against the file before anything is
// built. A multi-machine lab without --machine takes the one machine whose
// address is on this host (so `up lab.hcl` just works on each machine);
// with none or several it is an error naming the machines.
func ResolveMachine(l *topo.Lab, machine string) (string, error) {
	return resolveMachine(l, machine, localAddrs)
}

func resolveMachine(l *topo.Lab, machine string, local func() (map[netip.Addr]bool, error)) (string, error) {
	if len(l.Machines) == 0 {
		if machine != "" {
			return "", fmt.Errorf("--machine %s: lab %s has no machine blocks (it runs on one machine: drop --machine)", machine, l.Name)
		}
		return "", nil
	}
	names := strings.Join(MachineNames(l), ", ")
	if machine != "" {
		if l.Machine(machine) == nil {
			return "", fmt.Errorf("--machine %s: lab %s has no such machine (its machines: %s)", machine, l.Name, names)
		}
		return machine, nil
	}
	addrs, err := local()
	if err != nil {
		return "", fmt.Errorf("lab %s spans machines %s: say which one this is with --machine (%w)", l.Name, names, err)
	}
	var found []string
	for _, m := range l.Machines {
		if addrs[m.Address] {
			found = append(found, m.Name)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("lab %s spans machines %s and this host has the address of %d of them: say which one this is with --machine", l.Name, names, len(found))
	}
	return found[0], nil
}

// localAddrs is the set of this host's addresses.
func localAddrs() (map[netip.Addr]bool, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list this host's addresses: %w", err)
	}
	out := map[netip.Addr]bool{}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out[p.Addr().Unmap()] = true
		}
	}
	return out, nil
}

// MachineResult is one machine's answer to a command run on every machine.
type MachineResult struct {
	Machine string
	Address netip.Addr
	// Output is the remote command's stdout and stderr, interleaved.
	Output []byte
	Err    error
}

// WriteMachineResults writes each machine's output under a line naming
// it and saying whether the command failed there.
func WriteMachineResults(w io.Writer, rs []MachineResult) {
	for _, r := range rs {
		state := "ok"
		if r.Err != nil {
			state = "FAILED: " + r.Err.Error()
		}
		fmt.Fprintf(w, "== machine %s (%s): %s\n", r.Machine, r.Address, state)
		w.Write(r.Output)
		if len(r.Output) > 0 && r.Output[len(r.Output)-1] != '\n' {
			fmt.Fprintln(w)
		}
	}
}

// FanOut is a netemu command to run on several machines of a lab.
type FanOut struct {
	Lab *topo.Lab
	// Machines are the machines to run on (MachineNames for all).
	Machines []string
	// What names the command in the error ("up lab1").
	What string
	// Stdin goes to every remote command.
	Stdin []byte
	// Remote is the shell command run on a machine (RemoteCommand,
	// ShareCommand).
	Remote func(machine string) string
	// SSH is the ssh client's argv (default: $NETEMU_SSH, else "ssh").
	SSH []string
}

// OnMachines runs f.Remote(machine) on each of f.Machines over ssh, in
// parallel, and returns each machine's output, in f.Machines' order. The
// ssh destination is the machine's address; the user's ssh config
// (~/.ssh/config, Host entries for those addresses) applies as for any
// ssh. The error names the machines whose command failed; the results are
// complete either way.
func OnMachines(ctx context.Context, f FanOut) ([]MachineResult, error) {
	argv0 := f.SSH
	if len(argv0) == 0 {
		argv0 = strings.Fields(os.Getenv(SSHEnv))
	}
	if len(argv0) == 0 {
		argv0 = []string{"ssh"}
	}
	for _, name := range f.Machines {
		if f.Lab.Machine(name) == nil {
			return nil, fmt.Errorf("lab %s has no machine %s", f.Lab.Name, name)
		}
	}
	results := make([]MachineResult, len(f.Machines))
	var wg sync.WaitGroup
	for i, name := range f.Machines {
		m := f.Lab.Machine(name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			argv := append(append([]string{}, argv0[1:]...), m.Address.String(), f.Remote(m.Name))
			cmd := exec.CommandContext(ctx, argv0[0], argv...)
			cmd.Stdin = bytes.NewReader(f.Stdin)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			results[i] = MachineResult{Machine: m.Name, Address: m.Address, Output: out.Bytes(), Err: err}
		}()
	}
	wg.Wait()
	var failed []string
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, r.Machine)
		}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		return results, fmt.Errorf("%s failed on machine(s) %s", f.What, strings.Join(failed, ", "))
	}
	return results, nil
}

// AllMachines runs `netemu VERB --machine M [EXTRA…]` ("up" or "down") on
// every machine of l over ssh, in parallel. For up, the file (Source)
// travels on ssh's stdin, so the machines need not share a disk; the
// remote netemu must be on the remote PATH.
func AllMachines(ctx context.Context, l *topo.Lab, file, verb string, extra []string) ([]MachineResult, error) {
	if len(l.Machines) == 0 {
		return nil, fmt.Errorf("lab %s has no machine blocks: --all-machines needs some", l.Name)
	}
	var src []byte
	if verb == "up" {
		var err error
		if src, err = Source(file); err != nil {
			return nil, err
		}
	}
	return OnMachines(ctx, FanOut{
		Lab:      l,
		Machines: MachineNames(l),
		What:     verb + " " + l.Name,
		Stdin:    src,
		Remote:   func(m string) string { return RemoteCommand(verb, l.Name, m, extra) },
	})
}

// ShellQuote quotes s for the remote shell.
func ShellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// RemoteCommand is the shell command run on a machine for `up` or `down`.
// For up, the file arrives on stdin into a temporary directory named after
// the lab, so the remote lab's Source says which lab it is.
func RemoteCommand(verb, lab, machine string, extra []string) string {
	q := ShellQuote
	var args []string
	for _, e := range extra {
		args = append(args, q(e))
	}
	tail := ""
	if len(args) > 0 {
		tail = " " + strings.Join(args, " ")
	}
	if verb == "down" {
		return fmt.Sprintf("netemu down --machine %s%s %s", q(machine), tail, q(lab))
	}
	file := q(lab + ".hcl")
	return fmt.Sprintf(`d=$(mktemp -d) && cd "$d" && cat > %s && netemu up --machine %s%s "$d"/%s; rc=$?; rm -rf "$d"; exit $rc`,
		file, q(machine), tail, file)
}

// ShareCommand is the shell command that runs `netemu ARGS…` on machine
// against its share of lab (a running share: --lab LAB@MACHINE).
func ShareCommand(lab, machine string, args []string) string {
	var b strings.Builder
	b.WriteString("netemu --lab " + ShellQuote(labpath.ShareName(lab, machine)))
	for _, a := range args {
		b.WriteString(" " + ShellQuote(a))
	}
	return b.String()
}
