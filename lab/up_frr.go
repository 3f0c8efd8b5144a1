package lab

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/frr"
	"github.com/netemu/netemu/topo"
)

// frrDir is where FRR's binaries live on Debian.
const frrDir = "/usr/lib/frr"

// routeWatchStartTimeout bounds how long Up waits for a router's route
// watcher to subscribe.
const routeWatchStartTimeout = 15 * time.Second

// frrStage runs FRR's zebra, ripd, ospfd and bgpd in every local router when the
// lab says daemons = "frr", configured from the model as netemu's agent
// would be, and a route watcher that writes the kernel's route changes to
// the router's event log (FRR's own logs are not netemu's timeline). Each
// program is supervised; FRR's sockets and pid files live in
// <nodedir>/frr, never in the host's /var/run/frr.
func frrStage() stage {
	return stage{
		name: StageFRR,
		check: func(r *upRun) error {
			if r.lab.Daemons != topo.DaemonsFRR {
				return nil
			}
			for _, d := range []string{"zebra", "ripd", "ospfd", "bgpd"} {
				if _, err := os.Stat(filepath.Join(frrDir, d)); err != nil {
					return fmt.Errorf("daemons = \"frr\" needs %s (Debian package frr): %w", filepath.Join(frrDir, d), err)
				}
			}
			if _, err := user.Lookup("frr"); err != nil {
				return fmt.Errorf("daemons = \"frr\" needs the frr user (Debian package frr): %w", err)
			}
			return nil
		},
		run: func(ctx context.Context, r *upRun) error {
			if r.lab.Daemons != topo.DaemonsFRR {
				return nil
			}
			u, err := user.Lookup("frr")
			if err != nil {
				return err
			}
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			for _, name := range r.state.Nodes {
				if n := r.lab.Node(name); n == nil || n.Kind != topo.KindRouter {
					continue
				}
				if err := startFRR(ctx, r, name, uid, gid); err != nil {
					return fmt.Errorf("router %s: %w", name, err)
				}
			}
			return nil
		},
	}
}

func startFRR(ctx context.Context, r *upRun, node string, uid, gid int) error {
	cfg, err := frr.ConfigFor(r.lab, node)
	if err != nil {
		return err
	}
	dir := filepath.Join(r.state.NodeDir(node), "frr")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// The daemons drop to the frr user and must still reach their sockets.
	if err := os.Chown(dir, uid, gid); err != nil {
		return err
	}
	if err := startRouteWatch(ctx, r, node, cfg.BGPd != ""); err != nil {
		return err
	}
	zsock := filepath.Join(dir, "zserv.api")
	for _, d := range []struct{ name, conf string }{{"zebra", cfg.Zebra}, {"ripd", cfg.RIPd}, {"ospfd", cfg.OSPFd}, {"bfdd", cfg.BFDd}, {"bgpd", cfg.BGPd}} {
		if d.conf == "" {
			continue
		}
		conf := filepath.Join(dir, d.name+".conf")
		if err := os.WriteFile(conf, []byte(d.conf), 0o644); err != nil {
			return err
		}
		spec := nodes.ProcessSpec{
			Name: "frr-" + d.name,
			Command: []string{filepath.Join(frrDir, d.name), "-f", conf, "-i", filepath.Join(dir, d.name+".pid"),
				"-z", zsock, "--vty_socket", dir, "-u", "frr", "-g", "frr", "--log", "stdout"},
			Restart: true,
		}
		if d.name == "bfdd" {
			// Its control socket defaults to /var/run/frr, shared by
			// every router of every lab.
			spec.Command = append(spec.Command, "--bfdctl", filepath.Join(dir, "bfdd.sock"))
		}
		if _, err := nodes.StartProcess(r.state, node, spec); err != nil {
			return fmt.Errorf("start %s: %w", d.name, err)
		}
		if d.name == "zebra" {
			// ripd connecting before zebra listens never gets the connected
			// routes it redistributes.
			if err := waitFile(ctx, zsock, 0, 15*time.Second); err != nil {
				return fmt.Errorf("zebra did not open %s: %w", zsock, err)
			}
		}
	}
	return nil
}

// startRouteWatch runs `netemu routewatch` in the router, supervised, and
// waits until it is subscribed (its start event is in the log), so the
// timeline holds every route zebra installs from the first. With bgp, it
// also reads bgpd's log (the supervisor's log of frr-bgpd) for session
// changes.
func startRouteWatch(ctx context.Context, r *upRun, node string, bgp bool) error {
	path := filepath.Join(r.state.NodeDir(node), agent.EventsName)
	var before int64
	if st, err := os.Stat(path); err == nil {
		before = st.Size()
	}
	spec := nodes.ProcessSpec{
		Name:    "routewatch",
		Command: []string{r.self, "routewatch", "--node", node, "--events", path},
		Restart: true,
	}
	if bgp {
		spec.Command = append(spec.Command, "--bgp-log", filepath.Join(r.state.NodeDir(node), "frr-bgpd.log"))
	}
	if _, err := nodes.StartProcess(r.state, node, spec); err != nil {
		return fmt.Errorf("start routewatch: %w", err)
	}
	if err := waitFile(ctx, path, before+1, routeWatchStartTimeout); err != nil {
		return fmt.Errorf("routewatch did not start within %v (see its log beside %s): %w", routeWatchStartTimeout, path, err)
	}
	return nil
}

// waitFile polls until path exists with at least size bytes, ctx ends or
// d passes.
func waitFile(ctx context.Context, path string, size int64, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		if st, err := os.Stat(path); err == nil && st.Size() >= size {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
