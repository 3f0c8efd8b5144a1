package ospf

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
)

// Daemon runs the OSPF engine: packets from the transport, timers, link
// changes, and the status served on the agent's control socket. It has
// the agent's Daemon methods (Name, Run, LinkChanged, ServeHTTP).
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
func NewWithTransport(cfg Config, log hclog.Logger, tr Transport, recv <-chan Datagram, k Kernel, ev routing.Emitter) *Daemon {
	log = log.Named("ospf")
	return &Daemon{log: log, recv: recv, now: time.Now, kick: make(chan struct{}, 1),
		e: newEngine(cfg, log, tr, k, ev, uint64(time.Now().UnixNano()))}
}

// Name is "ospf".
func (d *Daemon) Name() string { return "ospf" }

// Run runs the protocol until ctx is done.
func (d *Daemon) Run(ctx context.Context) error {
	if d.close != nil {
		defer d.close()
	}
	d.mu.Lock()
	d.e.start(d.now())
	if l, ok := d.e.kernel.(interface {
		List() ([]netip.Prefix, error)
	}); ok {
		if ps, err := l.List(); err != nil {
			d.log.Warn("list kernel routes left by a previous agent", "error", err)
		} else {
			d.e.adopt(d.now(), ps)
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
			// Take what already arrived (bounded) before acknowledging
			// and originating: one batch per burst.
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
			d.runDue(now)
			routing.Rearm(timer, d.e.next(), now, rearmFloor)
			d.mu.Unlock()
			continue
		case <-timer.C:
		case <-d.kick:
		}
		d.mu.Lock()
		now := d.now()
		d.e.advance(now)
		routing.Rearm(timer, d.e.next(), now, rearmFloor)
		d.mu.Unlock()
	}
}

// rearmFloor keeps a deadline the engine failed to clear from spinning
// the loop; what is due now runDue has already run.
const rearmFloor = time.Millisecond

// runDue runs the engine's timers when one is already due (the SPF a
// flooded LSA just scheduled for now) in the same pass, rather than after
// the timer's 1 ms floor and a wake-up that costs more on a loaded
// machine: every router a change floods through paid it. d.mu is held.
func (d *Daemon) runDue(now time.Time) {
	if next := d.e.next(); !next.IsZero() && !next.After(now) {
		d.e.advance(now)
	}
}

// LinkChanged applies an interface change at once and wakes the loop.
func (d *Daemon) LinkChanged(ev routing.LinkEvent) {
	d.mu.Lock()
	if d.e.started.IsZero() {
		if i := d.e.byName[ev.Name]; i != nil {
			i.up = ev.Up
		}
	} else {
		// The SPF this schedules runs in Run's goroutine (the kick
		// wakes it at once): the link watcher must not block on it.
		d.e.linkChanged(d.now(), ev.Name, ev.Up)
	}
	d.mu.Unlock()
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// NeighbourDown drops every adjacency with the neighbour at addr at once,
// as the inactivity timer would (BFD saw the path fail). Its Hellos, if it
// is alive, bring it back.
func (d *Daemon) NeighbourDown(addr netip.Addr) {
	d.mu.Lock()
	now := d.now()
	d.e.neighbourDown(now, addr, "BFD down")
	d.mu.Unlock()
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Status is what `netemu ospf NODE` shows, as FRR's `show ip ospf
// neighbor`, `interface`, `database` and `route` read.
type Status struct {
	RouterID   string            `json:"router_id"`
	ABR        bool              `json:"abr"`
	ASBR       bool              `json:"asbr"`
	SPFRuns    uint64            `json:"spf_runs"`
	Interfaces []InterfaceStatus `json:"interfaces"`
	Neighbours []NeighbourStatus `json:"neighbours"`
	Database   []LSAStatus       `json:"database"`
	Routes     []Route           `json:"routes"`
	// BadPackets counts every dropped packet or LSA by reason.
	BadPackets map[Reason]uint64 `json:"bad_packets"`
}

// InterfaceStatus is one OSPF interface.
type InterfaceStatus struct {
	Name       string       `json:"name"`
	Addr       netip.Prefix `json:"addr"`
	Area       string       `json:"area"`
	Type       NetType      `json:"type"`
	State      string       `json:"state"`
	Cost       uint16       `json:"cost"`
	Passive    bool         `json:"passive,omitempty"`
	DR         string       `json:"dr,omitempty"`
	BDR        string       `json:"bdr,omitempty"`
	Neighbours int          `json:"neighbours"`
	Adjacent   int          `json:"adjacent"`
}

// NeighbourStatus is one neighbour.
type NeighbourStatus struct {
	RouterID string        `json:"router_id"`
	Addr     netip.Addr    `json:"addr"`
	Iface    string        `json:"iface"`
	Priority uint8         `json:"priority"`
	State    string        `json:"state"`
	Role     string        `json:"role,omitempty"` // DR, Backup, DROther on broadcast networks
	DeadTime time.Duration `json:"dead_time"`
	// Retransmit and Request are the lengths of the retransmission and
	// request lists.
	Retransmit int `json:"retransmit"`
	Request    int `json:"request"`
}

// LSAStatus is one LSA of the database.
type LSAStatus struct {
	Area     string `json:"area"` // "" for AS-external-LSAs
	Type     uint8  `json:"type"`
	ID       string `json:"id"`
	Adv      string `json:"adv_router"`
	Age      uint16 `json:"age"`
	Seq      string `json:"seq"`
	Checksum string `json:"checksum"`
	Length   uint16 `json:"length"`
}

// Status snapshots the daemon's state.
func (d *Daemon) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.e.status(d.now())
}

func (e *engine) status(now time.Time) Status {
	st := Status{RouterID: e.rid.String(), ABR: e.isABR(), ASBR: len(e.cfg.External) > 0, SPFRuns: e.spfRuns,
		BadPackets: map[Reason]uint64{}}
	for k, v := range e.bad {
		st.BadPackets[k] = v
	}
	idStr := func(i ID) string {
		if i == 0 {
			return ""
		}
		return i.String()
	}
	for _, i := range e.ifaces {
		is := InterfaceStatus{Name: i.cfg.Name, Addr: i.cfg.Addr, Area: i.area.id.String(), Type: i.cfg.Type, State: i.state.String(),
			Cost: i.cfg.Cost, Passive: i.cfg.Passive, DR: idStr(i.dr), BDR: idStr(i.bdr), Neighbours: len(i.nbrs)}
		for _, n := range i.nbrs {
			if n.state == nFull {
				is.Adjacent++
			}
			ns := NeighbourStatus{RouterID: n.rid.String(), Addr: n.addr, Iface: i.cfg.Name, Priority: n.pri, State: n.state.String(),
				DeadTime: max(n.deadAt.Sub(now), 0).Round(time.Millisecond), Retransmit: len(n.rxmt), Request: len(n.reqHdr)}
			if i.cfg.Type == Broadcast {
				switch IDOf(n.addr) {
				case i.dr:
					ns.Role = "DR"
				case i.bdr:
					ns.Role = "Backup"
				default:
					ns.Role = "DROther"
				}
			}
			st.Neighbours = append(st.Neighbours, ns)
		}
		st.Interfaces = append(st.Interfaces, is)
	}
	add := func(area string, db map[Key]*dbEntry) {
		for _, k := range sortedKeys(db) {
			en := db[k]
			h := en.header(now)
			st.Database = append(st.Database, LSAStatus{Area: area, Type: k.Type, ID: k.ID.String(), Adv: k.Adv.String(), Age: h.Age,
				Seq: hex32(uint32(h.Seq)), Checksum: hex16(h.Checksum), Length: h.Length})
		}
	}
	for _, a := range e.areas {
		add(a.id.String(), a.db)
	}
	add("", e.ext)
	for _, r := range e.routes {
		st.Routes = append(st.Routes, *r)
	}
	slices.SortFunc(st.Routes, func(a, b Route) int {
		if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
			return c
		}
		return a.Prefix.Bits() - b.Prefix.Bits()
	})
	return st
}

func hex32(v uint32) string { return fmt.Sprintf("0x%08x", v) }
func hex16(v uint16) string { return fmt.Sprintf("0x%04x", v) }

// Converged reports whether every neighbour that is up is either Full or,
// on a broadcast network between two DROthers, 2-Way, and no SPF or
// origination is pending: what `netemu wait` asks.
func (d *Daemon) Converged() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.e
	if !e.spfAt.IsZero() || e.origDirty || !e.origRetry.IsZero() {
		return false
	}
	for _, i := range e.ifaces {
		if i.state == ifWaiting {
			return false
		}
		for _, n := range i.nbrs {
			if n.state != nFull && !(n.state == n2Way && !e.adjWanted(n)) {
				return false
			}
		}
	}
	return true
}

// ServeHTTP answers GET /ospf with the Status as JSON.
func (d *Daemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "GET only", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(d.Status())
}
