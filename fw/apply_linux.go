package fw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/topo"
)

// iptables flavours. Debian 12 defaults to nft; both work inside a fresh
// namespace, but one lab must use one, or `iptables-save` shows half.
const (
	BackendNFT    = "nft"
	BackendLegacy = "legacy"
)

// Namespaces tells fw where each node's network namespace is mounted.
type Namespaces func(node string) string

func restoreBin(backend string) string { return "iptables-" + backend + "-restore" }
func saveBin(backend string) string    { return "iptables-" + backend + "-save" }

// Preflight checks that the programs fw runs exist, before anything is
// built.
func Preflight() error {
	if _, err := exec.LookPath("nsenter"); err != nil {
		return fmt.Errorf("security groups need nsenter (Debian package util-linux): %w", err)
	}
	for _, b := range []string{BackendNFT, BackendLegacy} {
		if _, err := exec.LookPath(restoreBin(b)); err == nil {
			return nil
		}
	}
	return errors.New("security groups need iptables-nft-restore or iptables-legacy-restore (Debian package iptables)")
}

// nsCommand runs argv inside the network namespace mounted at nsPath.
func nsCommand(ctx context.Context, nsPath string, argv ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "nsenter", append([]string{"--net=" + nsPath, "--"}, argv...)...)
}

// DetectBackend returns the first iptables flavour whose restore works
// inside the namespace (tested with --test, which changes nothing).
func DetectBackend(ctx context.Context, nsPath string) (string, error) {
	probe := "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n" +
		"-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment probe -j ACCEPT\nCOMMIT\n"
	var errs []error
	for _, b := range []string{BackendNFT, BackendLegacy} {
		if _, err := exec.LookPath(restoreBin(b)); err != nil {
			errs = append(errs, err)
			continue
		}
		cmd := nsCommand(ctx, nsPath, restoreBin(b), "--test")
		cmd.Stdin = strings.NewReader(probe)
		out, err := cmd.CombinedOutput()
		if err == nil {
			return b, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w: %s", restoreBin(b), err, bytes.TrimSpace(out)))
	}
	return "", fmt.Errorf("no working iptables in %s: %w", nsPath, errors.Join(errs...))
}

// Restore applies whole tables inside a namespace with one iptables-restore
// run: each table named in rules is replaced atomically, others untouched.
func Restore(ctx context.Context, backend, nsPath, rules string) error {
	cmd := nsCommand(ctx, nsPath, restoreBin(backend), "-w", "10")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s in %s: %w: %s", restoreBin(backend), nsPath, err, bytes.TrimSpace(out))
	}
	return nil
}

// Save returns `iptables-save -c -t table` inside a namespace.
func Save(ctx context.Context, backend, nsPath, table string) (string, error) {
	cmd := nsCommand(ctx, nsPath, saveBin(backend), "-c", "-t", table)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s in %s: %w: %s", saveBin(backend), nsPath, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return string(out), nil
}

// ApplyVPC makes the kernel match the state for one VPC: the subnets'
// route tables on the VPC router, its security group and ACL filter, and
// the internet gateway's NAT and filter. Every call rewrites whole tables,
// so it is idempotent and is simply re-run when an instance starts or
// stops. It sets st.Backend on first use.
func ApplyVPC(ctx context.Context, lab *topo.Lab, vpc *topo.VPC, st *State, ns Namespaces, log hclog.Logger) error {
	log = log.Named("fw").With("vpc", vpc.Name)
	routerNS, igwNS := ns(vpc.Router), ns(vpc.IGW)
	if st.Backend == "" {
		b, err := DetectBackend(ctx, routerNS)
		if err != nil {
			return fmt.Errorf("vpc %q: %w", vpc.Name, err)
		}
		st.Backend = b
		log.Debug("iptables backend", "backend", b)
	}
	routes, err := PolicyRoutes(lab, vpc)
	if err != nil {
		return err
	}
	if err := applyPolicyRoutes(lab, vpc, routerNS, routes); err != nil {
		return fmt.Errorf("vpc %q: node %s: subnet route tables: %w", vpc.Name, vpc.Router, err)
	}
	filter, err := VPCRouterFilter(lab, vpc, st)
	if err != nil {
		return err
	}
	if err := Restore(ctx, st.Backend, routerNS, filter.Render()); err != nil {
		return fmt.Errorf("vpc %q: node %s: security groups: %w", vpc.Name, vpc.Router, err)
	}
	nat, igwFilter, err := IGWTables(lab, vpc, st)
	if err != nil {
		return err
	}
	if err := Restore(ctx, st.Backend, igwNS, RenderTables(nat, igwFilter)); err != nil {
		return fmt.Errorf("vpc %q: node %s: 1:1 NAT: %w", vpc.Name, vpc.IGW, err)
	}
	log.Debug("applied", "mappings", len(Mappings(lab, vpc, st)))
	return nil
}

// FlushConntrack forgets the gateway's tracked connections to or from a
// released public IP, so a later owner of the address starts clean.
// Failure is not fatal: the entries time out on their own.
func FlushConntrack(ctx context.Context, nsPath string, addr string, log hclog.Logger) {
	for _, flag := range []string{"--orig-dst", "--reply-dst"} {
		cmd := nsCommand(ctx, nsPath, "conntrack", "-D", flag, addr)
		if out, err := cmd.CombinedOutput(); err != nil {
			// conntrack exits 1 when nothing matched.
			log.Trace("conntrack flush", "addr", addr, "err", err, "out", string(bytes.TrimSpace(out)))
		}
	}
}

// withHandle runs f with a netlink handle bound to the namespace at nsPath;
// the calling thread never leaves its own namespace.
func withHandle(nsPath string, f func(h *netlink.Handle) error) error {
	h, err := inns.Open(nsPath)
	if err != nil {
		return err
	}
	defer h.Close()
	return f(h.Handle)
}

// applyPolicyRoutes installs the subnet route tables (see routes.go):
// our rule priorities are removed and re-added, the tables' defaults
// replaced.
func applyPolicyRoutes(lab *topo.Lab, vpc *topo.VPC, nsPath string, rs []SubnetRoute) error {
	igwIface := ""
	if n := lab.Node(vpc.Router); n != nil {
		for _, i := range n.Interfaces {
			if i.Peer == vpc.IGW {
				igwIface = i.Name
			}
		}
	}
	return withHandle(nsPath, func(h *netlink.Handle) error {
		ours := map[int]bool{LocalPriority: true}
		for _, r := range rs {
			ours[r.Priority] = true
		}
		existing, err := h.RuleList(netlink.FAMILY_V4)
		// A dump interrupted by a concurrent change is retried a few times
		// (the set of rules is small and the namespace quiet).
		for try := 0; errors.Is(err, netlink.ErrDumpInterrupted) && try < 5; try++ {
			existing, err = h.RuleList(netlink.FAMILY_V4)
		}
		if err != nil {
			return fmt.Errorf("list rules: %w", err)
		}
		for _, r := range existing {
			if !ours[r.Priority] {
				continue
			}
			del := netlink.NewRule()
			del.Family, del.Priority = netlink.FAMILY_V4, r.Priority
			if err := h.RuleDel(del); err != nil && !errors.Is(err, syscall.ENOENT) {
				return fmt.Errorf("delete rule %d: %w", r.Priority, err)
			}
		}
		local := netlink.NewRule()
		local.Family, local.Priority, local.Table = netlink.FAMILY_V4, LocalPriority, unix.RT_TABLE_MAIN
		local.SuppressPrefixlen = 0
		if err := h.RuleAdd(local); err != nil {
			return fmt.Errorf("add rule %d (main without its default): %w", LocalPriority, err)
		}
		for _, r := range rs {
			from := &net.IPNet{IP: r.From.Addr().AsSlice(), Mask: net.CIDRMask(r.From.Bits(), 32)}
			rule := netlink.NewRule()
			rule.Family, rule.Priority, rule.Table, rule.Src = netlink.FAMILY_V4, r.Priority, r.Table, from
			if err := h.RuleAdd(rule); err != nil {
				return fmt.Errorf("add rule from %s lookup %d: %w", r.From, r.Table, err)
			}
			def := &netlink.Route{
				Dst:   &net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)},
				Table: r.Table,
			}
			if r.Gateway.IsValid() {
				def.Gw = r.Gateway.AsSlice()
				if igwIface != "" {
					l, err := h.LinkByName(igwIface)
					if err != nil {
						return fmt.Errorf("find %s: %w", igwIface, err)
					}
					def.LinkIndex = l.Attrs().Index
				}
			} else {
				def.Type = unix.RTN_BLACKHOLE
			}
			if err := h.RouteReplace(def); err != nil {
				return fmt.Errorf("table %d (subnet %s): default route: %w", r.Table, r.Subnet, err)
			}
		}
		return nil
	})
}

// SetInstanceLink takes an instance's link down or up at both ends, or at
// the ends local says are built here (the other end of a tunnel is another
// machine's). The kernel drops routes through a link that goes down, so
// bringing it up restores the instance's own routes (its default via .1)
// and the VPC router's /32 towards it.
func SetInstanceLink(lab *topo.Lab, vpc *topo.VPC, instance string, up bool, ns Namespaces, local func(node string) bool) error {
	ports, err := Ports(lab, vpc)
	if err != nil {
		return err
	}
	var p *Port
	for i := range ports {
		if ports[i].Instance.Name == instance {
			p = &ports[i]
		}
	}
	if p == nil {
		return fmt.Errorf("instance %q has no port in vpc %q", instance, vpc.Name)
	}
	set := func(h *netlink.Handle, name string) (netlink.Link, error) {
		l, err := h.LinkByName(name)
		if err != nil {
			return nil, fmt.Errorf("find %s: %w", name, err)
		}
		if up {
			err = h.LinkSetUp(l)
		} else {
			err = h.LinkSetDown(l)
		}
		if err != nil {
			return nil, fmt.Errorf("set %s up=%v: %w", name, up, err)
		}
		return l, nil
	}
	priv := p.Instance.Instance.PrivateIP
	if local(vpc.Router) {
		err = withHandle(ns(vpc.Router), func(h *netlink.Handle) error {
			l, err := set(h, p.Iface)
			if err != nil || !up {
				return err
			}
			r := &netlink.Route{
				LinkIndex: l.Attrs().Index,
				Dst:       &net.IPNet{IP: priv.AsSlice(), Mask: net.CIDRMask(32, 32)},
				Scope:     netlink.SCOPE_LINK,
			}
			if err := h.RouteReplace(r); err != nil {
				return fmt.Errorf("route %s dev %s: %w", priv, p.Iface, err)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("node %s: %w", vpc.Router, err)
		}
	}
	if !local(instance) {
		return nil
	}
	err = withHandle(ns(instance), func(h *netlink.Handle) error {
		l, err := set(h, p.InstanceIface)
		if err != nil || !up {
			return err
		}
		for _, rt := range p.Instance.Routes {
			r := &netlink.Route{
				LinkIndex: l.Attrs().Index,
				Dst:       &net.IPNet{IP: rt.To.Masked().Addr().AsSlice(), Mask: net.CIDRMask(rt.To.Bits(), 32)},
				Gw:        rt.Via.AsSlice(),
			}
			if err := h.RouteReplace(r); err != nil {
				return fmt.Errorf("route %s via %s: %w", rt.To, rt.Via, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("node %s: %w", instance, err)
	}
	return nil
}
