package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/vxlan"
	"github.com/netemu/netemu/topo"
)

// sshEnv overrides the ssh client `--all-machines` runs (split on spaces),
// e.g. "ssh -F ./cluster.conf"; tests point it at a script that enters a
// simulated machine's namespace instead.
const sshEnv = "NETEMU_SSH"

// machineNames lists lab's machines in file order.
func machineNames(lab *topo.Lab) []string {
	var out []string
	for _, m := range lab.Machines {
		out = append(out, m.Name)
	}
	return out
}

// resolveMachine checks --machine against the file before anything is
// built. A multi-machine lab without --machine takes the one machine whose
// address is on this host (so `up lab.hcl` just works on each machine);
// with none or several it is an error naming the machines.
func resolveMachine(lab *topo.Lab, machine string) (string, error) {
	if len(lab.Machines) == 0 {
		if machine != "" {
			return "", fmt.Errorf("--machine %s: lab %s has no machine blocks (it runs on one machine: drop --machine)", machine, lab.Name)
		}
		return "", nil
	}
	names := strings.Join(machineNames(lab), ", ")
	if machine != "" {
		if lab.Machine(machine) == nil {
			return "", fmt.Errorf("--machine %s: lab %s has no such machine (its machines: %s)", machine, lab.Name, names)
		}
		return machine, nil
	}
	local, err := localAddrs()
	if err != nil {
		return "", fmt.Errorf("lab %s spans machines %s: say which one this is with --machine (%w)", lab.Name, names, err)
	}
	var found []string
	for _, m := range lab.Machines {
		if local[m.Address] {
			found = append(found, m.Name)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("lab %s spans machines %s and this host has the address of %d of them: say which one this is with --machine", lab.Name, names, len(found))
	}
	fmt.Fprintf(os.Stderr, "this host is machine %s of lab %s (it has %s)\n", found[0], lab.Name, lab.Machine(found[0]).Address)
	return found[0], nil
}

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

// tunnelsStage tells the user what each cut link became: VNI, port and
// the MTU chosen for the underlay (also in `status`).
func tunnelsStage() upStage {
	return upStage{
		name: "tunnels",
		run: func(ctx context.Context, r *upRun) error {
			return printTunnels(os.Stdout, r.state)
		},
	}
}

// printTunnels prints a share's VXLAN tunnels, nothing when it has none.
func printTunnels(w io.Writer, st *nodes.State) error {
	rs, err := vxlan.Load(st.Dir)
	if err != nil || len(rs) == 0 {
		return err
	}
	for _, r := range rs {
		moved := ""
		if r.VNI != r.BaseVNI {
			moved = fmt.Sprintf(" (hash %d collided)", r.BaseVNI)
		}
		fmt.Fprintf(w, "tunnel %s:%s → %s:%s on %s (%s): vxlan VNI %d%s udp/%d, mtu %d (underlay %s mtu %d − %d)\n",
			r.Local.Node, r.Local.Iface, r.Remote.Node, r.Remote.Iface, r.RemoteMachine, r.RemoteAddr,
			r.VNI, moved, r.Port, r.MTU, r.Underlay, r.UnderlayMTU, r.UnderlayMTU-r.MTU)
	}
	return nil
}

// peerTimeoutEnv bounds how long `up` waits for the other machines'
// shares (default peerTimeout).
const peerTimeoutEnv = "NETEMU_PEER_TIMEOUT"

// peerTimeout is long enough to start `up` on the other machines by hand.
const peerTimeout = 5 * time.Minute

// peersStage waits, before convergence, until every machine this share has
// tunnels to answers on one of them, so `up` on one machine does not wait
// forever for the others: on the deadline it fails naming the machines
// not heard from.
func peersStage() upStage {
	return upStage{
		name: "peers",
		run: func(ctx context.Context, r *upRun) error {
			cs := vxlan.CrossLinks(r.lab, r.machine)
			if len(cs) == 0 {
				return nil
			}
			timeout := peerTimeout
			if v := os.Getenv(peerTimeoutEnv); v != "" {
				d, err := time.ParseDuration(v)
				if err != nil {
					return fmt.Errorf("%s=%q: %w", peerTimeoutEnv, v, err)
				}
				timeout = d
			}
			var others []string
			for _, c := range cs {
				if !slices.Contains(others, c.RemoteMachine) {
					others = append(others, c.RemoteMachine)
				}
			}
			r.log.Info("waiting for the other machines", "machines", others, "timeout", timeout)
			wctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			start := time.Now()
			if err := vxlan.WaitPeers(wctx, r.lab, r.machine, 200*time.Millisecond); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return err
			}
			fmt.Fprintf(os.Stdout, "machines %s answered through the tunnels after %s\n", strings.Join(others, ", "), time.Since(start).Round(10*time.Millisecond))
			return nil
		},
	}
}

// machineResult is one machine's answer to an --all-machines command.
type machineResult struct {
	machine string
	out     []byte
	err     error
}

// runAllMachines runs `netemu VERB --machine M …` on every machine of lab
// over ssh, in parallel, and prints each machine's output under its name.
// The file travels on ssh's stdin (the machines need not share a disk);
// the remote netemu must be on the remote PATH.
func runAllMachines(ctx context.Context, w io.Writer, lab *topo.Lab, file string, verb string, extra []string) error {
	if len(lab.Machines) == 0 {
		return fmt.Errorf("lab %s has no machine blocks: --all-machines needs some", lab.Name)
	}
	var src []byte
	if verb == "up" {
		var err error
		if src, err = labSource(file); err != nil {
			return err
		}
	}
	return onMachines(ctx, w, lab, machineNames(lab), verb+" "+lab.Name, src, func(m string) string {
		return remoteCommand(verb, lab.Name, m, extra)
	})
}

// onMachines runs remote(machine) on each of machines over ssh, in
// parallel, and prints each machine's output under its name; what names
// the command in the error. The ssh destination is the machine's address;
// the user's ssh config (~/.ssh/config, Host entries for those addresses)
// applies as for any ssh. stdin goes to every remote command.
func onMachines(ctx context.Context, w io.Writer, lab *topo.Lab, machines []string, what string, stdin []byte, remote func(machine string) string) error {
	sshArgv := strings.Fields(os.Getenv(sshEnv))
	if len(sshArgv) == 0 {
		sshArgv = []string{"ssh"}
	}
	for _, name := range machines {
		if lab.Machine(name) == nil {
			return fmt.Errorf("lab %s has no machine %s", lab.Name, name)
		}
	}
	results := make([]machineResult, len(machines))
	var wg sync.WaitGroup
	for i, name := range machines {
		m := lab.Machine(name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			argv := append(append([]string{}, sshArgv[1:]...), m.Address.String(), remote(m.Name))
			cmd := exec.CommandContext(ctx, sshArgv[0], argv...)
			cmd.Stdin = bytes.NewReader(stdin)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			results[i] = machineResult{machine: m.Name, out: out.Bytes(), err: err}
		}()
	}
	wg.Wait()
	var failed []string
	for _, r := range results {
		state := "ok"
		if r.err != nil {
			state = "FAILED: " + r.err.Error()
			failed = append(failed, r.machine)
		}
		fmt.Fprintf(w, "== machine %s (%s): %s\n", r.machine, lab.Machine(r.machine).Address, state)
		w.Write(r.out)
		if len(r.out) > 0 && r.out[len(r.out)-1] != '\n' {
			fmt.Fprintln(w)
		}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		return fmt.Errorf("%s failed on machine(s) %s", what, strings.Join(failed, ", "))
	}
	return nil
}

// shellQuote quotes s for the remote shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// remoteCommand is the shell command run on a machine. For up, the file
// arrives on stdin into a temporary directory named after the lab, so
// the remote lab's Source says which lab it is.
func remoteCommand(verb, lab, machine string, extra []string) string {
	q := shellQuote
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

// shareCommand is the shell command that runs `netemu ARGS…` on machine
// against its share of lab (a running share: --lab LAB@MACHINE).
func shareCommand(lab, machine string, args []string) string {
	var b strings.Builder
	b.WriteString("netemu --lab " + shellQuote(labpath.ShareName(lab, machine)))
	for _, a := range args {
		b.WriteString(" " + shellQuote(a))
	}
	return b.String()
}

// labShare is a running share on this box of the lab --lab names (or of
// the only lab running here): --all-machines commands take the lab's
// model from it. Any machine's share will do; all hold the same file.
func labShare(g *globals) (*nodes.State, error) {
	states, err := nodes.ListStates()
	if err != nil && len(states) == 0 {
		return nil, err
	}
	want, _ := labpath.SplitShareName(g.lab)
	var found []*nodes.State
	labs := map[string]bool{}
	for _, st := range states {
		if (want == "" || st.Lab == want) && st.Model != nil {
			found = append(found, st)
			labs[st.Lab] = true
		}
	}
	switch {
	case len(found) == 0 && want != "":
		return nil, fmt.Errorf("lab %s has no share on this machine: run the command on one of its machines", want)
	case len(found) == 0:
		return nil, errors.New("no lab is up here (run `netemu up` first)")
	case len(labs) > 1:
		return nil, fmt.Errorf("several labs are up (%s): say which with --lab", shareNames(found))
	}
	return found[0], nil
}

// multiHostLab is the model of the lab an --all-machines command acts on
// (see labShare); it must have machines.
func multiHostLab(g *globals) (*topo.Lab, error) {
	st, err := labShare(g)
	if err != nil {
		return nil, err
	}
	if len(st.Model.Machines) == 0 {
		return nil, fmt.Errorf("lab %s has no machine blocks: --all-machines needs some", st.Model.Name)
	}
	return st.Model, nil
}

// labSource is the text of FILE (or of the embedded example it names).
func labSource(file string) ([]byte, error) {
	if file == "" {
		return topo.ExampleSource(topo.Seed)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		if src, eerr := topo.ExampleSource(filepath.Base(file)); eerr == nil {
			return src, nil
		}
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return data, nil
}
