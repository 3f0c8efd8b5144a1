package bfd

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
)

// Daemon runs the engine: packets from the transport, timers, sessions
// added and removed by clients, and the status served on the agent's
// control socket. It implements the agent's Daemon.
type Daemon struct {
	log  hclog.Logger
	recv <-chan Datagram
	now  func() time.Time
	kick chan struct{}
	// close releases the transport's sockets when Run ends (may be nil).
	close func() error

	mu      sync.Mutex // guards e, pending and watchers
	e       *engine
	pending []Change
	// watchers are told every change, in order, by one goroutine and
	// never under mu, so a client may call back into the daemon.
	watchers map[int]func(Change)
	nextW    int
	notify   chan struct{}
}

// NewWithTransport builds a daemon on any transport: recv delivers the
// received packets (closed when the transport ends).
func NewWithTransport(log hclog.Logger, tr Transport, recv <-chan Datagram, ev routing.Emitter) *Daemon {
	log = log.Named("bfd")
	return &Daemon{
		log: log, recv: recv, now: time.Now, kick: make(chan struct{}, 1), notify: make(chan struct{}, 1),
		e:        newEngine(log, tr, ev, uint64(time.Now().UnixNano())),
		watchers: map[int]func(Change){},
	}
}

// Name is "bfd".
func (d *Daemon) Name() string { return "bfd" }

// LinkChanged does nothing: a dead link shows as silence within the
// detection time, and clients watch their own carrier.
func (d *Daemon) LinkChanged(routing.LinkEvent) {}

// Add starts a session (or joins an existing one with the same key).
func (d *Daemon) Add(cfg SessionConfig) (Key, error) {
	d.mu.Lock()
	k, err := d.e.add(d.now(), cfg)
	d.unlock()
	return k, err
}

// Remove releases a session taken with Add.
func (d *Daemon) Remove(k Key) {
	d.mu.Lock()
	d.e.remove(d.now(), k)
	d.unlock()
}

// SetAdminDown puts a session in AdminDown or brings it back.
func (d *Daemon) SetAdminDown(k Key, down bool) error {
	d.mu.Lock()
	err := d.e.setAdmin(d.now(), k, down)
	d.unlock()
	return err
}

// SetTimers changes a session's intervals (a poll sequence follows).
func (d *Daemon) SetTimers(k Key, minTx, minRx time.Duration, mult uint8) error {
	d.mu.Lock()
	err := d.e.setTimersKey(d.now(), k, minTx, minRx, mult)
	d.unlock()
	return err
}

// Watch calls fn with every state change of every session until cancel.
func (d *Daemon) Watch(fn func(Change)) (cancel func()) {
	d.mu.Lock()
	id := d.nextW
	d.nextW++
	d.watchers[id] = fn
	d.mu.Unlock()
	return func() {
		d.mu.Lock()
		delete(d.watchers, id)
		d.mu.Unlock()
	}
}

// unlock queues the engine's changes for the watchers, wakes the loop (a
// timer may have moved) and releases mu.
func (d *Daemon) unlock() {
	if c := d.e.takeChanges(); len(c) > 0 {
		d.pending = append(d.pending, c...)
		select {
		case d.notify <- struct{}{}:
		default:
		}
	}
	d.mu.Unlock()
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// notifier hands queued changes to the watchers, in order.
func (d *Daemon) notifier(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.notify:
		}
		d.mu.Lock()
		batch := d.pending
		d.pending = nil
		ws := make([]func(Change), 0, len(d.watchers))
		ids := make([]int, 0, len(d.watchers))
		for id := range d.watchers {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		for _, id := range ids {
			ws = append(ws, d.watchers[id])
		}
		d.mu.Unlock()
		for _, c := range batch {
			for _, w := range ws {
				w(c)
			}
		}
	}
}

// Run runs the sessions until ctx is done.
func (d *Daemon) Run(ctx context.Context) error {
	if d.close != nil {
		defer d.close()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.notifier(ctx) }()
	defer wg.Wait()
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
			d.e.handle(d.now(), dg)
		case <-timer.C:
			d.mu.Lock()
		case <-d.kick:
			d.mu.Lock()
		}
		now := d.now()
		// Packets that arrived while this goroutine waited for the CPU
		// count before any detection time is judged: on a loaded machine
		// the timer and a packet are often ready together.
		for more, n := true, 0; more && n < 256; n++ {
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
		d.e.advance(now)
		next := d.e.next()
		d.unlockQuiet()
		routing.Rearm(timer, next, now, 100*time.Microsecond)
	}
}

// unlockQuiet is unlock without waking the loop (the loop itself).
func (d *Daemon) unlockQuiet() {
	if c := d.e.takeChanges(); len(c) > 0 {
		d.pending = append(d.pending, c...)
		select {
		case d.notify <- struct{}{}:
		default:
		}
	}
	d.mu.Unlock()
}

// Status is what `netemu bfd NODE` shows.
type Status struct {
	Sessions []SessionStatus `json:"sessions"`
	// BadPackets counts every dropped packet by reason, sessions' and
	// strangers' alike.
	BadPackets map[Reason]uint64 `json:"bad_packets"`
}

// SessionStatus is one session.
type SessionStatus struct {
	Key
	State       State  `json:"state"`
	RemoteState State  `json:"remote_state"`
	LocalDiscr  uint32 `json:"local_discriminator"`
	RemoteDiscr uint32 `json:"remote_discriminator"`
	// LocalDiag is the diagnostic we send; LastDownDiag why the session
	// last left Up; RemoteDiag the peer's.
	LocalDiag    Diag      `json:"local_diag"`
	LastDownDiag Diag      `json:"last_down_diag"`
	RemoteDiag   Diag      `json:"remote_diag"`
	Since        time.Time `json:"since"`
	Downs        int       `json:"downs"`
	// Configured timers, the peer's, and what is in force.
	MinTx            time.Duration     `json:"min_tx"`
	MinRx            time.Duration     `json:"min_rx"`
	Multiplier       uint8             `json:"multiplier"`
	RemoteMinTx      time.Duration     `json:"remote_min_tx"`
	RemoteMinRx      time.Duration     `json:"remote_min_rx"`
	RemoteMultiplier uint8             `json:"remote_multiplier"`
	TxInterval       time.Duration     `json:"tx_interval"`
	DetectTime       time.Duration     `json:"detect_time"`
	Poll             bool              `json:"poll,omitempty"`
	Passive          bool              `json:"passive,omitempty"`
	Auth             AuthType          `json:"auth"`
	RxPackets        uint64            `json:"rx_packets"`
	TxPackets        uint64            `json:"tx_packets"`
	LastRx           time.Time         `json:"last_rx,omitzero"`
	BadPackets       map[Reason]uint64 `json:"bad_packets,omitempty"`
}

// Status snapshots the daemon's state.
func (d *Daemon) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.e.status()
}

func (e *engine) status() Status {
	st := Status{BadPackets: map[Reason]uint64{}}
	for k, v := range e.badAll {
		st.BadPackets[k] = v
	}
	for _, s := range e.sessions {
		ss := SessionStatus{
			Key: s.cfg.Key, State: s.state, RemoteState: s.remoteState, LocalDiscr: s.localDiscr, RemoteDiscr: s.remoteDiscr,
			LocalDiag: s.localDiag, LastDownDiag: s.lastDown, RemoteDiag: s.remoteDiag, Since: s.since, Downs: s.downs,
			MinTx: s.cfg.MinTx, MinRx: s.cfg.MinRx, Multiplier: s.cfg.Multiplier,
			RemoteMinTx: s.remoteTx, RemoteMinRx: s.remoteMinRx, RemoteMultiplier: s.remoteMult,
			TxInterval: s.txInterval(), DetectTime: s.detectTime(), Poll: s.poll, Passive: s.cfg.Passive,
			RxPackets: s.rx, TxPackets: s.tx, LastRx: s.lastRx,
		}
		if s.cfg.Auth != nil {
			ss.Auth = s.cfg.Auth.Type
		}
		if len(s.bad) > 0 {
			ss.BadPackets = map[Reason]uint64{}
			for k, v := range s.bad {
				ss.BadPackets[k] = v
			}
		}
		st.Sessions = append(st.Sessions, ss)
	}
	sort.Slice(st.Sessions, func(i, j int) bool {
		a, b := st.Sessions[i], st.Sessions[j]
		if c := a.Peer.Compare(b.Peer); c != 0 {
			return c < 0
		}
		if a.Iface != b.Iface {
			return a.Iface < b.Iface
		}
		return a.Local.Less(b.Local)
	})
	return st
}

// Session returns one session's status.
func (d *Daemon) Session(k Key) (SessionStatus, bool) {
	for _, s := range d.Status().Sessions {
		if s.Key == k {
			return s, true
		}
	}
	return SessionStatus{}, false
}

// ServeHTTP answers GET /bfd with the Status as JSON.
func (d *Daemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "GET only", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(d.Status())
}

// Client is a routing protocol that follows BFD for a neighbour: a BGP
// peer, a RIP or OSPF neighbour.
type Client interface {
	// BFDDown says the path to peer failed: drop the session or the
	// routes through it at once.
	BFDDown(peer netip.Addr, why string)
	// BFDUp says the path works (again).
	BFDUp(peer netip.Addr)
}

// Bind tells c about the session k until unbind. Only a failure counts as
// Down (RFC 5882 §3.2): Up → Down on detection expiry or the peer's
// Down, not an AdminDown at either end, and not a session that never
// came Up.
func (d *Daemon) Bind(k Key, c Client) (unbind func()) {
	return d.Watch(func(ch Change) {
		if ch.Key != k {
			return
		}
		switch {
		case ch.New == StateUp:
			c.BFDUp(k.Peer)
		case ch.Old == StateUp && ch.New == StateDown && !ch.RemoteAdminDown:
			c.BFDDown(k.Peer, "BFD down: "+ch.Diag.String())
		}
	})
}
