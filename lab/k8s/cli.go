package k8s

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/netemu/netemu/lab"
)

// Lookup is the lab a command means (name, or the only lab in the
// cluster), as stored now.
func (c *Client) Lookup(ctx context.Context, name string) (*Lab, error) {
	name, err := c.Resolve(ctx, name)
	if err != nil {
		return nil, err
	}
	return c.Get(ctx, name)
}

// Changes are the commands that change a running lab's intent; Change
// applies one of them.
func Changes() []string {
	return []string{"instance stop", "instance start", "link down", "link up", "node stop", "node start"}
}

// Change applies the command path (one of Changes) with its arguments to
// the lab and waits until every machine applied it. silent is `link
// down --silent`.
func (c *Client) Change(ctx context.Context, name, path string, args []string, silent bool) (*Lab, error) {
	switch path {
	case "instance stop", "instance start":
		return c.SetInstance(ctx, name, args[0], path == "instance stop")
	case "link down", "link up":
		return c.SetLink(ctx, name, args[0], args[1], path == "link down", silent && path == "link down")
	case "node stop", "node start":
		return c.SetNode(ctx, name, args[0], path == "node stop")
	}
	return nil, fmt.Errorf("%q is no change to a lab (known: %s)", path, strings.Join(Changes(), ", "))
}

// RemoteOptions say which command runs where the share is (see Remote).
type RemoteOptions struct {
	Kubeconfig, Namespace string
	// Command is exec, ssh or events; Args what follows it on the
	// machine (flags, then -- and the arguments).
	Command string
	Args    []string
	// Target is exec's node (the first argument).
	Target string
	TTY    bool
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Remote runs `netemu COMMAND ARGS…` on the machines concerned, through
// the agent pod on each (kubectl exec into it, then into the host):
// exec on the node's machine, ssh on the client host's, events on every
// machine.
func (c *Client) Remote(ctx context.Context, l *Lab, o RemoteOptions) error {
	machines, err := l.machinesFor(o.Command, o.Target)
	if err != nil {
		return err
	}
	for _, m := range machines {
		pod, err := c.AgentPod(ctx, m)
		if err != nil {
			return err
		}
		argv := KubectlExec(o.Kubeconfig, o.Namespace, pod, o.TTY, l.Name+"@"+m, append([]string{o.Command}, o.Args...))
		if len(machines) > 1 {
			fmt.Fprintf(o.Stdout, "== machine %s\n", m)
		}
		x := exec.CommandContext(ctx, argv[0], argv[1:]...)
		x.Stdin, x.Stdout, x.Stderr = o.Stdin, o.Stdout, o.Stderr
		if err := x.Run(); err != nil {
			return fmt.Errorf("%s on machine %s (%s): %w", o.Command, m, strings.Join(argv, " "), err)
		}
	}
	return nil
}

// machinesFor are the machines a remote command runs on.
func (l *Lab) machinesFor(command, target string) ([]string, error) {
	switch command {
	case "exec":
		m, err := l.Where(target)
		return []string{m}, err
	case "ssh":
		ch, err := l.ClientHost()
		if err != nil {
			return nil, err
		}
		m, err := l.Where(ch)
		return []string{m}, err
	}
	return l.MachineNames(), nil
}

// MachineNames are the lab's machines, in the status's order.
func (l *Lab) MachineNames() []string {
	var ms []string
	for _, m := range l.Status.Machines {
		ms = append(ms, m.Name)
	}
	return ms
}

// WriteText writes the lab's table: the whole lab, every machine.
func (l *Lab) WriteText(w io.Writer) error {
	st := l.Status
	fmt.Fprintf(w, "lab %s: %s, %d machines, %d nodes, converged %s\n", l.Name, lab.Dash(st.Phase), st.MachineCount, st.NodeCount, lab.Dash(st.Converged))
	if st.Message != "" {
		fmt.Fprintf(w, "  %s\n", st.Message)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MACHINE\tADDRESS\tPHASE\tCONVERGED\tNODES")
	for _, m := range st.Machines {
		sh := st.Shares[m.Name]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", m.Name, m.Address, lab.Dash(sh.Phase), sh.Converged, strings.Join(st.Placement[m.Name], ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, m := range st.Machines {
		if msg := st.Shares[m.Name].Message; msg != "" {
			fmt.Fprintf(w, "  %s: %s\n", m.Name, msg)
		}
	}
	if len(st.PublicIPs) == 0 {
		return nil
	}
	var names []string
	for n := range st.PublicIPs {
		names = append(names, n)
	}
	sort.Strings(names)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tPUBLIC IP")
	for _, n := range names {
		fmt.Fprintf(tw, "%s\t%s\n", n, st.PublicIPs[n])
	}
	return tw.Flush()
}
