package main

// Kubernetes (issue 17): `netemu k8s manifest|install|agent`, and
// --kubeconfig, which turns up, down, status, instance, link, node, exec,
// ssh and events into changes to (and reads of) the cluster's Lab objects.
// Everything about --kubeconfig lives in this file: addK8s wraps those
// commands, so their own files know nothing of Kubernetes.

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/lab/k8s"
)

// k8sFlags are the cluster flags shared by every command.
type k8sFlags struct {
	kubeconfig string
	namespace  string
	nodeLabel  string
	timeout    time.Duration
}

func (f *k8sFlags) client() (*k8s.Client, error) {
	return k8s.NewClient(k8s.Config{Kubeconfig: f.kubeconfig, Namespace: f.namespace, NodeLabel: f.nodeLabel})
}

// addK8s adds the k8s command and --kubeconfig to root (after every other
// command exists: it wraps some of them).
func addK8s(root *cobra.Command, g *globals) {
	f := &k8sFlags{}
	pf := root.PersistentFlags()
	pf.StringVar(&f.kubeconfig, "kubeconfig", "", "act on the Lab objects of this Kubernetes cluster instead of this machine (see `netemu k8s`)")
	pf.StringVar(&f.namespace, "k8s-namespace", k8s.DefaultNamespace, "with --kubeconfig: the agents' namespace")
	pf.StringVar(&f.nodeLabel, "k8s-node-label", k8s.DefaultNodeLabel, "with --kubeconfig: the label (KEY=VALUE) of the Nodes that are machines")
	pf.DurationVar(&f.timeout, "k8s-timeout", 10*time.Minute, "with --kubeconfig: how long to wait for the agents")
	root.AddCommand(newK8sCmd(g, f))

	wrapK8s(root, f, "up", func(ctx context.Context, c *k8s.Client, cmd *cobra.Command, args []string) error {
		if v, _ := cmd.Flags().GetString("machine"); v != "" {
			return fmt.Errorf("--machine: on a cluster the agents place the lab")
		}
		file := fileArg(args)
		l, err := c.Up(ctx, file)
		if l != nil {
			if jsonOut(cmd) {
				if perr := printJSON(cmd.OutOrStdout(), l.Report()); err == nil {
					err = perr
				}
			} else {
				l.WriteText(cmd.OutOrStdout())
			}
		}
		return err
	})
	wrapK8s(root, f, "down", func(ctx context.Context, c *k8s.Client, cmd *cobra.Command, args []string) error {
		name, err := c.Resolve(ctx, g.labArg(args))
		if err != nil {
			return err
		}
		if err := c.Down(ctx, name); err != nil {
			return err
		}
		if jsonOut(cmd) {
			return printJSON(cmd.OutOrStdout(), lab.DownReportJSON{Shares: []lab.DownShareReport{{Share: name, WasUp: true}}})
		}
		fmt.Fprintf(cmd.OutOrStdout(), "lab %s is down on every machine\n", name)
		return nil
	})
	wrapK8s(root, f, "status", func(ctx context.Context, c *k8s.Client, cmd *cobra.Command, args []string) error {
		l, err := c.Lookup(ctx, g.labArg(args))
		if err != nil {
			return err
		}
		if jsonOut(cmd) {
			return printJSON(cmd.OutOrStdout(), l.Report())
		}
		return l.WriteText(cmd.OutOrStdout())
	})
	for _, path := range k8s.Changes() {
		wrapK8s(root, f, path, func(ctx context.Context, c *k8s.Client, cmd *cobra.Command, args []string) error {
			name, err := c.Resolve(ctx, g.lab)
			if err != nil {
				return err
			}
			silent, _ := cmd.Flags().GetBool("silent")
			l, err := c.Change(ctx, name, path, args, silent)
			if err != nil {
				return err
			}
			if jsonOut(cmd) {
				r := lab.ChangeReport{Command: path, Target: strings.Join(args, " "),
					Message: fmt.Sprintf("applied on every machine (%s)", strings.Join(l.MachineNames(), ", "))}
				if strings.HasPrefix(path, "instance") {
					r.PublicIP, _, _ = k8s.PublicIP(l.Status.PublicIPs[args[0]])
				}
				return printJSON(cmd.OutOrStdout(), r)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s: applied on every machine (%s)\n", path, strings.Join(args, " "), strings.Join(l.MachineNames(), ", "))
			if strings.HasPrefix(path, "instance") {
				fmt.Fprintf(cmd.OutOrStdout(), "%s public IP: %s\n", args[0], dash(l.Status.PublicIPs[args[0]]))
			}
			return nil
		})
	}
	// exec, ssh and events run where the share is, through the agent pod
	// on that machine (kubectl exec into it, then into the host).
	for _, path := range []string{"exec", "ssh", "events"} {
		wrapK8s(root, f, path, func(ctx context.Context, c *k8s.Client, cmd *cobra.Command, args []string) error {
			l, err := c.Lookup(ctx, g.lab)
			if err != nil {
				return err
			}
			o := k8s.RemoteOptions{Kubeconfig: f.kubeconfig, Namespace: f.namespace, Command: path,
				Args: passFlags(cmd), TTY: path != "events" && lab.IsTerminal(os.Stdin),
				Stdin: os.Stdin, Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr()}
			if path != "events" { // events' LAB is the share --lab names
				o.Args = append(append(o.Args, "--"), args...)
				o.Target = args[0]
			}
			return c.Remote(ctx, l, o)
		})
	}
}

// jsonOut reports whether cmd was given -o json (the commands --kubeconfig
// wraps keep their own -o flag).
func jsonOut(cmd *cobra.Command) bool {
	o := cmd.Flags().Lookup("output")
	return o != nil && o.Value.String() == string(outputJSON)
}

// passFlags are the flags the user set on cmd itself, to pass on.
func passFlags(cmd *cobra.Command) []string {
	var out []string
	cmd.LocalNonPersistentFlags().Visit(func(fl *pflag.Flag) {
		out = append(out, "--"+fl.Name+"="+fl.Value.String())
	})
	return out
}

// wrapK8s makes the command at path run do when --kubeconfig is given,
// and as before otherwise.
func wrapK8s(root *cobra.Command, f *k8sFlags, path string, do func(ctx context.Context, c *k8s.Client, cmd *cobra.Command, args []string) error) {
	cmd, _, err := root.Find(strings.Fields(path))
	if err != nil || cmd == root || cmd.RunE == nil {
		return
	}
	local := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if f.kubeconfig == "" {
			return local(cmd, args)
		}
		if v, err := cmd.Flags().GetBool("all-machines"); err == nil && v {
			return fmt.Errorf("--all-machines: with --kubeconfig every machine's agent acts on its own")
		}
		c, err := f.client()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
		defer cancel()
		return do(ctx, c, cmd, args)
	}
}

func newK8sCmd(g *globals, f *k8sFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "k8s",
		Short: "Run labs on a Kubernetes cluster: the manifest, its installation, the per-machine agent",
	}
	var mo k8s.ManifestOptions
	addManifestFlags := func(c *cobra.Command) {
		c.Flags().StringVar(&mo.Image, "image", k8s.DefaultImage, "the agent container's image (it needs sh, cp and nsenter: the agent is the host's netemu)")
		c.Flags().StringVar(&mo.Binary, "binary", "netemu", "netemu on the hosts' PATH")
	}
	manifest := &cobra.Command{
		Use:   "manifest",
		Short: "Print the Lab CRD, the agent's RBAC and DaemonSet, for kubectl apply -f -",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mo.Namespace, mo.NodeLabel = f.namespace, f.nodeLabel
			out, err := k8s.Manifest(mo)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	install := &cobra.Command{
		Use:   "install",
		Short: "Apply the manifest to the cluster --kubeconfig names",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mo.Namespace, mo.NodeLabel = f.namespace, f.nodeLabel
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			done, err := c.Install(ctx, mo)
			for _, d := range done {
				fmt.Fprintf(cmd.OutOrStdout(), "%s applied\n", d)
			}
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "label the machines: kubectl label node NAME %s\n", f.nodeLabel)
			}
			return err
		},
	}
	addManifestFlags(manifest)
	addManifestFlags(install)

	a := &k8s.Agent{}
	var inCluster string
	agent := &cobra.Command{
		Use:   "agent",
		Short: "The per-machine agent the DaemonSet runs: builds and reconciles this machine's share of every lab",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := k8s.NewClient(k8s.Config{Kubeconfig: f.kubeconfig, InClusterDir: inCluster, Namespace: f.namespace, NodeLabel: f.nodeLabel})
			if err != nil {
				return err
			}
			self, err := lab.SelfPath()
			if err != nil {
				return err
			}
			a.Client, a.Self, a.Log = c, self, g.logger().Named("k8s-agent")
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return a.Run(ctx)
		},
	}
	agent.Flags().StringVar(&a.Node, "node-name", os.Getenv("NODE_NAME"), "this machine's Kubernetes Node name (the DaemonSet passes spec.nodeName)")
	agent.Flags().StringVar(&inCluster, "in-cluster-dir", "", "a directory with the ServiceAccount's token and ca.crt (the DaemonSet's copy on the host)")
	agent.Flags().StringVar(&a.RecordDir, "record-dir", k8s.DefaultRecordDir, "where the agent records the shares it owns")
	agent.Flags().DurationVar(&a.Resync, "resync", 2*time.Second, "how often every lab is reconciled")
	agent.Flags().DurationVar(&a.PeerTimeout, "peer-timeout", 0, "how long a build waits for the other machines (default lab's)")
	// The manifest passes these by their flag names.
	agent.Flags().StringVar(&f.nodeLabel, "node-label", f.nodeLabel, "the label (KEY=VALUE) of the Nodes that are machines")
	agent.Flags().StringVar(&f.namespace, "namespace", f.namespace, "the agents' namespace (Leases)")

	cmd.AddCommand(manifest, install, agent)
	return cmd
}
