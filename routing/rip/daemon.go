package rip

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/fib"
)

// Daemon runs the RIP engine: packets from the transport, timers, link
// changes, and the status served on the agent's control socket. It
// implements agent.Daemon.
type Daemon struct {
	log  hclog.Logger
	recv <-chan Datagram
	now  func() time.Time
	kick chan struct{}
	// close releases the transport's sockets when Run ends (may be nil).
	close func() error

	mu sync.Mutex // guards e
	e  *engine
}

// NewWithTransport builds a daemon on any transport: recv delivers the
// received packets (closed when the transport ends).
func NewWithTransport(cfg Config, log hclog.Logger, tr Transport, recv <-chan Datagram, f fib.FIB, ev routing.Emitter) *Daemon {
	log = log.Named("rip")
	return &Daemon{
		log: log, recv: recv, now: time.Now, kick: make(chan struct{}, 1),
		e: newEngine(cfg, log, tr, f, ev, uint64(time.Now().UnixNano())),
	}
}

// Name is "rip".
func (d *Daemon) Name() string { return "rip" }

// Run runs the protocol until ctx is done.
func (d *Daemon) Run(ctx context.Context) error {
	if d.close != nil {
		defer d.close()
	}
	d.mu.Lock()
	d.e.start(d.now())
	if l, ok := d.e.fib.(interface {
		List(proto int) ([]fib.Route, error)
	}); ok {
		if rs, err := l.List(fib.ProtoRIP); err != nil {
			d.log.Warn("list kernel routes left by a previous agent", "error", err)
		} else {
			d.e.adopt(d.now(), rs)
		}
	}
	d.mu.Unlock()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case dg, ok := <-d.recv:
			if !ok {
				d.recv = nil
				continue
			}
			d.mu.Lock()
			now := d.now()
			d.e.handle(now, dg)
			// Take what already arrived (bounded) before writing the
			// kernel: one batch per burst rather than per packet.
			for more, n := true, 0; more && n < 64; n++ {
				select {
				case dg, ok := <-d.recv:
					if !ok {
						d.recv, more = nil, false
						break
					}
					d.e.handle(now, dg)
				default:
					more = false
				}
			}
			d.e.afterInput(now)
			routing.Rearm(timer, d.e.next(), now, time.Millisecond)
			d.mu.Unlock()
			continue
		case <-timer.C:
		case <-d.kick:
		}
		d.mu.Lock()
		now := d.now()
		d.e.advance(now)
		routing.Rearm(timer, d.e.next(), now, time.Millisecond)
		d.mu.Unlock()
	}
}

// LinkChanged applies an interface change at once and wakes the loop to
// send the triggered update.
func (d *Daemon) LinkChanged(ev routing.LinkEvent) {
	d.mu.Lock()
	d.e.setIndex(ev.Name, ev.Index)
	if d.e.started.IsZero() {
		// Before start: just record the state.
		if s := d.e.ifaces[ev.Name]; s != nil {
			s.up = ev.Up
		}
	} else {
		d.e.linkChanged(d.now(), ev.Name, ev.Up)
	}
	d.mu.Unlock()
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Status is what `netemu rip NODE` shows.
type Status struct {
	Interfaces []InterfaceStatus `json:"interfaces"`
	Neighbours []NeighbourStatus `json:"neighbours"`
	Routes     []RouteStatus     `json:"routes"`
	// BadPackets counts every dropped packet or entry by reason.
	BadPackets map[Reason]uint64 `json:"bad_packets"`
}

// InterfaceStatus is one interface of the router.
type InterfaceStatus struct {
	Name string       `json:"name"`
	Addr netip.Prefix `json:"addr"`
	Up   bool         `json:"up"`
	RIP  bool         `json:"rip"`
	// SendErrors counts packets the kernel refused (full send buffer),
	// Queued those waiting for a retry, SendDrops queued packets given up
	// (superseded by a newer table, or the interface went down).
	SendErrors uint64 `json:"send_errors,omitempty"`
	Queued     int    `json:"queued,omitempty"`
	SendDrops  uint64 `json:"send_drops,omitempty"`
}

// NeighbourStatus is a router heard from.
type NeighbourStatus struct {
	Address    netip.Addr        `json:"address"`
	Iface      string            `json:"iface"`
	Up         bool              `json:"up"`
	LastHeard  time.Time         `json:"last_heard,omitzero"`
	Packets    uint64            `json:"packets"`
	BadPackets map[Reason]uint64 `json:"bad_packets,omitempty"`
}

// RouteStatus is one entry of the RIP table.
type RouteStatus struct {
	Prefix  netip.Prefix  `json:"prefix"`
	Metric  uint32        `json:"metric"`
	NextHop netip.Addr    `json:"next_hop,omitzero"`
	From    netip.Addr    `json:"from,omitzero"`
	Iface   string        `json:"iface,omitempty"`
	Tag     uint16        `json:"tag,omitempty"`
	Age     time.Duration `json:"age"`
	State   string        `json:"state"` // local, active, garbage
	// InKernel: the route is in the kernel table (learned routes only);
	// Refused says why not when the kernel refused it — such a route is
	// advertised as unreachable.
	InKernel bool   `json:"in_kernel,omitempty"`
	Refused  string `json:"refused,omitempty"`
}

// Status snapshots the daemon's state.
func (d *Daemon) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.e.status(d.now())
}

func (e *engine) status(now time.Time) Status {
	st := Status{BadPackets: map[Reason]uint64{}}
	for k, v := range e.badAll {
		st.BadPackets[k] = v
	}
	for _, name := range e.order {
		s := e.ifaces[name]
		st.Interfaces = append(st.Interfaces, InterfaceStatus{Name: name, Addr: s.cfg.Addr, Up: s.up, RIP: s.rip,
			SendErrors: s.sendErrors, Queued: len(s.out), SendDrops: s.sendDrops})
	}
	for _, n := range e.neigh {
		ns := NeighbourStatus{Address: n.addr, Iface: n.iface, Up: n.up, LastHeard: n.lastHeard, Packets: n.packets}
		if len(n.bad) > 0 {
			ns.BadPackets = map[Reason]uint64{}
			for k, v := range n.bad {
				ns.BadPackets[k] = v
			}
		}
		st.Neighbours = append(st.Neighbours, ns)
	}
	sort.Slice(st.Neighbours, func(i, j int) bool { return st.Neighbours[i].Address.Less(st.Neighbours[j].Address) })
	for _, r := range e.routes {
		rs := RouteStatus{Prefix: r.prefix, Metric: r.metric, NextHop: r.nextHop, From: r.from, Iface: r.iface,
			Tag: r.tag, Age: now.Sub(r.since).Round(time.Millisecond), State: r.state(), InKernel: r.inFIB, Refused: r.refused}
		st.Routes = append(st.Routes, rs)
	}
	sort.Slice(st.Routes, func(i, j int) bool {
		a, b := st.Routes[i].Prefix, st.Routes[j].Prefix
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c < 0
		}
		return a.Bits() < b.Bits()
	})
	return st
}

// ServeHTTP answers GET /rip with the Status as JSON.
func (d *Daemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "GET only", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(d.Status())
}
