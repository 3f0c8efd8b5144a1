package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/bgp"
	"github.com/netemu/netemu/routing/fib"
	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/routing/rip"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// LoadConfig reads an agent.json.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("agent: read config: %w", err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("agent: config %s: %w", path, err)
	}
	return &c, nil
}

// WriteConfig writes c as path (agent.json), readable by root only: it may
// hold authentication keys.
func WriteConfig(path string, c *Config) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("agent: encode config: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("agent: write config: %w", err)
	}
	return nil
}

// newDaemons builds the router's daemons. A protocol joins with one block.
func newDaemons(cfg *Config, log hclog.Logger, fibw fib.FIB, events routing.Emitter) ([]Daemon, error) {
	var ds []Daemon
	if cfg.RIP != nil {
		d, err := rip.New(*cfg.RIP, log, fibw, events)
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	if cfg.OSPF != nil {
		// OSPF writes its own (multipath) routes: nil makes it open a
		// netlink kernel writer in this namespace.
		d, err := ospf.New(*cfg.OSPF, log, nil, events)
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	if cfg.BGP != nil {
		d, err := bgp.New(*cfg.BGP, log, fibw, events)
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	if d, err := newBFD(cfg, log, events, ds); err != nil {
		return nil, err
	} else if d != nil {
		ds = append(ds, d)
	}
	return ds, nil
}

// Run runs the agent in the current network namespace until ctx is done.
func Run(ctx context.Context, cfg *Config, log hclog.Logger) error {
	log = log.With("node", cfg.Node)
	tuneMemory(ctx)
	if cfg.NodeDir == "" {
		return errors.New("agent: config has no node_dir")
	}
	events, err := routing.NewEventLog(filepath.Join(cfg.NodeDir, EventsName), cfg.Node, 0)
	if err != nil {
		return err
	}
	defer events.Close()
	fibw, err := fib.New(log, events)
	if err != nil {
		return err
	}
	defer fibw.Close()

	daemons, err := newDaemons(cfg, log, fibw, events)
	if err != nil {
		return err
	}
	w := &linkWatcher{log: log, events: events, daemons: daemons, state: map[int]bool{}}
	updates, stopLinks, err := w.subscribe(true)
	if err != nil {
		return err
	}
	defer func() { stopLinks() }()

	sock := filepath.Join(cfg.NodeDir, SocketName)
	_ = os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("agent: control socket: %w", err)
	}
	// Root only, whatever the umask: the socket changes routes and shows
	// keys (connecting needs write permission on it).
	if err := os.Chmod(sock, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("agent: control socket: %w", err)
	}
	defer os.Remove(sock)
	started := time.Now()
	mux := http.NewServeMux()
	names := []string{}
	for _, d := range daemons {
		names = append(names, d.Name())
		mux.Handle("/"+d.Name(), d)
		mux.Handle("/"+d.Name()+"/", d)
	}
	// Profiles of a running agent, for measuring a big lab's cost
	// (`curl --unix-socket agent.sock http://x/debug/pprof/heap`).
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/status", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(Status{Lab: cfg.Lab, Node: cfg.Node, PID: os.Getpid(), Started: started,
			Daemons: names, LastChange: events.LastChange(), Events: events.Counts()})
	})
	chk := newChecker(log, events, events.LastChange, fibw, daemons)
	mux.Handle(ConsistencyPath, chk)
	srv := &http.Server{Handler: limitRequests(mux), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: requestReadTimeout, MaxHeaderBytes: maxRequestHeader}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("control socket", "error", err)
		}
	}()
	defer srv.Close()

	events.Emit(routing.Event{Daemon: "agent", Kind: routing.EventStart, Detail: fmt.Sprintf("daemons %v", names)})
	log.Info("agent running", "daemons", names, "socket", sock)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go chk.run(ctx)
	var wg sync.WaitGroup
	errc := make(chan error, len(daemons)+1)
	for _, d := range daemons {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Run(ctx); err != nil {
				errc <- fmt.Errorf("%s: %w", d.Name(), err)
				cancel()
			}
		}()
	}
	for loop := true; loop; {
		select {
		case <-ctx.Done():
			loop = false
		case u, ok := <-updates:
			if !ok {
				// The subscription died (e.g. the socket overflowed):
				// subscribe again and catch up with a fresh listing.
				log.Warn("link updates ended: subscribing again")
				stopLinks()
				if updates, stopLinks, err = w.subscribe(false); err != nil {
					cancel()
					errc <- err
				}
				continue
			}
			a := *u.Attrs()
			if u.Header.Type == unix.RTM_DELLINK {
				a.RawFlags = 0
			}
			w.apply(&a, false)
		}
	}
	wg.Wait()
	close(errc)
	var errs []error
	for err := range errc {
		errs = append(errs, err)
	}
	log.Info("agent stopped")
	return errors.Join(errs...)
}

// subscribe starts a link subscription, then lists the links (so no change
// falls between the two) and applies them. stop ends the subscription.
func (w *linkWatcher) subscribe(initial bool) (<-chan netlink.LinkUpdate, func(), error) {
	updates := make(chan netlink.LinkUpdate, 1024)
	done := make(chan struct{})
	var once sync.Once
	stop := func() { once.Do(func() { close(done) }) }
	if err := netlink.LinkSubscribeWithOptions(updates, done, netlink.LinkSubscribeOptions{
		ReceiveBufferSize:      1 << 20,
		ReceiveBufferForceSize: true,
		ErrorCallback: func(err error) {
			select {
			case <-done: // closing the socket at shutdown is no error
			default:
				w.log.Warn("link updates", "error", err)
			}
		},
	}); err != nil {
		return nil, nil, fmt.Errorf("agent: subscribe to link updates: %w", err)
	}
	links, err := netlink.LinkList()
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		stop()
		return nil, nil, fmt.Errorf("agent: list links: %w", err)
	}
	for _, l := range links {
		w.apply(l.Attrs(), initial)
	}
	return updates, stop, nil
}

// linkWatcher turns netlink link updates into LinkEvents on changes.
type linkWatcher struct {
	log     hclog.Logger
	events  routing.Emitter
	daemons []Daemon
	state   map[int]bool // ifindex -> last up
}

func (w *linkWatcher) apply(a *netlink.LinkAttrs, initial bool) {
	if a == nil || a.Name == "lo" {
		return
	}
	up := a.RawFlags&unix.IFF_UP != 0 && a.RawFlags&unix.IFF_LOWER_UP != 0
	if old, ok := w.state[a.Index]; ok && old == up {
		return
	}
	w.state[a.Index] = up
	if !initial {
		kind := routing.EventLinkDown
		if up {
			kind = routing.EventLinkUp
		}
		w.events.Emit(routing.Event{Daemon: "agent", Kind: kind, Iface: a.Name})
		w.log.Info("link changed", "iface", a.Name, "up", up)
	}
	for _, d := range w.daemons {
		d.LinkChanged(routing.LinkEvent{Index: a.Index, Name: a.Name, Up: up})
	}
}
