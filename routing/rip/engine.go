package rip

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/fib"
)

// Transport sends RIP packets. The Linux one sends from UDP port 520 bound
// to the interface; tests use a fake that hands packets to other engines.
type Transport interface {
	// Send sends b out of iface to dst (224.0.0.9:520 or a unicast
	// answer).
	Send(iface string, dst netip.AddrPort, b []byte) error
}

// Datagram is a packet received on one interface.
type Datagram struct {
	Iface string
	Src   netip.AddrPort
	Data  []byte
}

// route states as shown in the table.
const (
	stateLocal   = "local"
	stateActive  = "active"
	stateGarbage = "garbage"
)

// route is one entry of the RIP table.
type route struct {
	prefix  netip.Prefix
	metric  uint32
	nextHop netip.Addr // the gateway installed in the kernel
	from    netip.Addr // the neighbour that advertised it
	iface   string     // learned on (for local routes: the interface whose subnet it is, "" for always-on)
	tag     uint16
	local   bool
	changed bool      // the route change flag: goes out in the next triggered update
	expires time.Time // timeout deadline of a learned active route
	gcAt    time.Time // removal deadline once metric is infinity
	since   time.Time // last change of metric or next hop
	inFIB   bool
	// offered are the neighbours whose last entry for the prefix had a
	// finite metric: an infinity from one of them is news (it lost the
	// route), from anyone else it is poisoned reverse.
	offered []netip.Addr
	// stale marks a route found in the kernel at start-up (left by a
	// previous agent): kept until a neighbour confirms or replaces it, or
	// the timeout passes; never advertised.
	stale bool
	// refused is the kernel's answer when it refused the route: the
	// route is then advertised as unreachable, since we cannot forward
	// along it (the RIB, the kernel and the neighbours must agree).
	refused string
}

func (r *route) state() string {
	switch {
	case r.metric >= Infinity:
		return stateGarbage
	case r.local:
		return stateLocal
	}
	return stateActive
}

type neighbour struct {
	addr      netip.Addr
	iface     string
	lastHeard time.Time
	up        bool
	lastSeq   uint32
	packets   uint64
	bad       map[Reason]uint64
	// bfdDown: BFD says the path to it failed; its responses are
	// ignored until BFD is Up again (rip/bfd.go).
	bfdDown bool
}

type ifaceState struct {
	cfg     Interface
	index   int
	up      bool
	rip     bool // RIP runs on it (else only its subnet is originated)
	nextReg time.Time

	// out holds encoded packets the transport refused (send buffer full
	// or ENOBUFS during a start-up burst) and those queued behind them:
	// sent in order, paced, instead of lost until the next periodic
	// update (send.go).
	out        []outPacket
	retryAt    time.Time // when out is tried again; zero: not scheduled yet
	backoff    time.Duration
	sendErrors uint64 // sends the transport refused
	sendDrops  uint64 // queued packets given up (superseded or over the bound)
}

// maxNeighbours bounds the neighbour table against spoofed sources.
const maxNeighbours = 256

// engine is the RIP protocol: table, timers, packet processing. It is not
// safe for concurrent use; Daemon serialises calls. Time comes in as
// arguments, so tests drive it without sleeping.
type engine struct {
	cfg    Config
	log    hclog.Logger
	tr     Transport
	fib    fib.FIB
	events routing.Emitter
	rnd    *rand.Rand

	ifaces  map[string]*ifaceState
	order   []string // interface names in config order
	routes  map[netip.Prefix]*route
	neigh   map[netip.Addr]*neighbour
	badAll  map[Reason]uint64
	seq     uint32
	started time.Time

	triggerPending bool
	triggerHold    time.Time // no triggered update before this
	// due is the earliest timer deadline (route timeout, garbage,
	// periodic update, neighbour timeout) known: advance recomputes it
	// with a full scan, input only ever lowers it (wake), so a packet
	// costs no scan of the table.
	due time.Time

	fibAdd map[netip.Prefix]fib.Route
	fibDel map[netip.Prefix]fib.Route
}

func newEngine(cfg Config, log hclog.Logger, tr Transport, f fib.FIB, ev routing.Emitter, seed uint64) *engine {
	if ev == nil {
		ev = routing.Discard{}
	}
	e := &engine{
		cfg: cfg, log: log, tr: tr, fib: f, events: ev,
		rnd:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		ifaces: map[string]*ifaceState{}, routes: map[netip.Prefix]*route{},
		neigh: map[netip.Addr]*neighbour{}, badAll: map[Reason]uint64{},
		fibAdd: map[netip.Prefix]fib.Route{}, fibDel: map[netip.Prefix]fib.Route{},
	}
	for _, c := range cfg.Connected {
		e.ifaces[c.Name] = &ifaceState{cfg: c, up: true}
		e.order = append(e.order, c.Name)
	}
	for _, c := range cfg.Interfaces {
		s, ok := e.ifaces[c.Name]
		if !ok {
			s = &ifaceState{cfg: c, up: true}
			e.ifaces[c.Name] = s
			e.order = append(e.order, c.Name)
		}
		s.rip = true
	}
	return e
}

// setIndex records an interface's kernel index (for FIB routes).
func (e *engine) setIndex(name string, index int) {
	if s := e.ifaces[name]; s != nil {
		s.index = index
	}
}

// scale shrinks the RFC's absolute delays (triggered update damping) in
// proportion to the update timer, so fast labs damp for fractions of a
// second.
func (e *engine) scale(d time.Duration) time.Duration {
	if e.cfg.Update <= 0 || e.cfg.Update >= 30*time.Second {
		return d
	}
	return time.Duration(float64(d) * float64(e.cfg.Update) / float64(30*time.Second))
}

// jitter returns d ± up to 1/6 of d (RFC 2453 §3.8 suggests a random
// offset so routers do not synchronise).
func (e *engine) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	j := d / 6
	return d - j + time.Duration(e.rnd.Int64N(int64(2*j)+1))
}

// start originates local routes, schedules updates and asks every
// neighbour for its whole table.
func (e *engine) start(now time.Time) {
	e.started = now
	e.seq = uint32(now.Unix())
	for _, p := range e.cfg.Originate {
		e.routes[p.Masked()] = &route{prefix: p.Masked(), metric: 1, local: true, since: now}
	}
	for _, name := range e.order {
		s := e.ifaces[name]
		if s.up {
			e.originate(now, s)
		}
	}
	for _, name := range e.order {
		if s := e.ifaces[name]; s.rip {
			// The first full table goes out at once, after the request.
			s.nextReg = now
			e.wake(now)
			if s.up {
				e.sendRequest(s)
			}
		}
	}
}

// adopt takes over RIP routes a previous agent left in the kernel, so
// they are replaced when relearned and removed when nobody confirms them
// within a timeout, instead of staying forever.
func (e *engine) adopt(now time.Time, routes []fib.Route) {
	for _, fr := range routes {
		p := fr.Prefix.Masked()
		if _, ok := e.routes[p]; ok || fr.Protocol != fib.ProtoRIP {
			continue
		}
		iface := ""
		for name, s := range e.ifaces {
			if s.index != 0 && s.index == fr.LinkIndex {
				iface = name
			}
		}
		e.routes[p] = &route{prefix: p, metric: uint32(min(max(fr.Metric, 1), Infinity-1)), nextHop: fr.Gateway, iface: iface,
			expires: now.Add(e.cfg.Timeout), since: now, inFIB: true, stale: true}
		e.wake(now.Add(e.cfg.Timeout))
	}
}

// originate (re)installs the local route of an interface's subnet.
func (e *engine) originate(now time.Time, s *ifaceState) {
	if !s.cfg.Addr.IsValid() {
		return
	}
	p := s.cfg.Addr.Masked()
	r := e.routes[p]
	if r != nil && r.local && r.metric == 1 {
		return
	}
	if r != nil && !r.local && r.inFIB {
		e.fibRemove(r)
	}
	e.routes[p] = &route{prefix: p, metric: 1, local: true, iface: s.cfg.Name, changed: true, since: now}
	e.triggerPending = true
}

// LinkChanged reacts to an interface going down or up.
func (e *engine) linkChanged(now time.Time, name string, up bool) {
	s := e.ifaces[name]
	if s == nil || s.up == up {
		return
	}
	s.up = up
	if !up {
		e.log.Info("interface down: expiring its routes", "iface", name)
		e.dropQueue(s)
		for _, r := range e.routes {
			if r.iface == name && r.metric < Infinity {
				e.expire(now, r, "interface "+name+" down")
			}
		}
		for _, n := range e.neigh {
			if n.iface == name && n.up {
				n.up = false
				e.events.Emit(routing.Event{Daemon: "rip", Kind: routing.EventNeighbourDown, Peer: n.addr, Iface: name, Detail: "interface down"})
			}
		}
		// Ask the remaining neighbours for their tables: an alternative
		// path arrives now instead of at their next periodic update.
		for _, other := range e.order {
			if o := e.ifaces[other]; o.rip && o.up {
				e.sendRequest(o)
			}
		}
		return
	}
	e.log.Info("interface up", "iface", name)
	e.originate(now, s)
	if s.rip {
		// Ask for the neighbour's table and send ours at once: the
		// neighbour may see its carrier come back after our request.
		e.sendRequest(s)
		s.nextReg = now
		e.wake(now)
	}
}

// expire starts the deletion process of RFC 2453 §3.8: metric infinity,
// garbage timer, out of the kernel, in the next triggered update.
func (e *engine) expire(now time.Time, r *route, why string) {
	r.metric = Infinity
	r.changed = true
	r.gcAt = now.Add(e.cfg.Garbage)
	e.wake(r.gcAt)
	r.since = now
	e.triggerPending = true
	if r.inFIB {
		e.fibRemove(r)
	}
	e.events.Emit(routing.Event{Daemon: "rip", Kind: routing.EventRouteWithdraw, Prefix: r.prefix, Peer: r.from, Iface: r.iface, Detail: why})
}

func (e *engine) fibRoute(r *route) fib.Route {
	idx := 0
	if s := e.ifaces[r.iface]; s != nil {
		idx = s.index
	}
	return fib.Route{Prefix: r.prefix, Gateway: r.nextHop, LinkIndex: idx, Metric: int(r.metric), Protocol: fib.ProtoRIP}
}

func (e *engine) fibInstall(r *route) {
	fr := e.fibRoute(r)
	delete(e.fibDel, r.prefix)
	e.fibAdd[r.prefix] = fr
	r.inFIB = true
	r.refused = ""
}

func (e *engine) fibRemove(r *route) {
	delete(e.fibAdd, r.prefix)
	e.fibDel[r.prefix] = fib.Route{Prefix: r.prefix, Protocol: fib.ProtoRIP}
	r.inFIB = false
}

// flushFIB writes the batched kernel changes.
func (e *engine) flushFIB() {
	if e.fib == nil {
		clear(e.fibAdd)
		clear(e.fibDel)
		return
	}
	if len(e.fibDel) > 0 {
		rs := make([]fib.Route, 0, len(e.fibDel))
		for _, r := range e.fibDel {
			rs = append(rs, r)
		}
		if err := e.fib.Delete(rs); err != nil {
			e.log.Warn("kernel route delete", "error", err)
		}
		clear(e.fibDel)
	}
	if len(e.fibAdd) > 0 {
		rs := make([]fib.Route, 0, len(e.fibAdd))
		for _, r := range e.fibAdd {
			rs = append(rs, r)
		}
		if err := e.fib.Replace(rs); err != nil {
			e.log.Warn("kernel route install", "error", err)
			e.refused(err)
		}
		clear(e.fibAdd)
	}
}

// refused marks the routes the kernel refused to install: not in the
// kernel, so advertised as unreachable (entriesFor) until a new next hop
// is installed, and an event says why.
func (e *engine) refused(err error) {
	for _, re := range fib.RouteErrors(err) {
		r := e.routes[re.Route.Prefix]
		if re.Op != "replace" || re.Route.Protocol != fib.ProtoRIP || r == nil || r.nextHop != re.Route.Gateway {
			continue
		}
		r.inFIB = false
		r.refused = re.Err.Error()
		r.changed = true
		e.triggerPending = true
		e.events.Emit(routing.Event{Daemon: "rip", Kind: routing.EventFIBRefused, Prefix: r.prefix, Peer: r.nextHop, Iface: r.iface,
			Detail: "kernel refused it, advertised unreachable: " + r.refused})
	}
}

func (e *engine) neighbour(now time.Time, a netip.Addr, iface string) *neighbour {
	n := e.neigh[a]
	if n == nil {
		n = &neighbour{addr: a, iface: iface, bad: map[Reason]uint64{}}
		e.neigh[a] = n
	}
	return n
}

func (e *engine) drop(now time.Time, src netip.AddrPort, iface string, err *Error) {
	e.badAll[err.Reason]++
	// Per-neighbour counters for senders we know, and for a bounded
	// number of strangers: spoofed sources cannot grow the table forever.
	if a := src.Addr().Unmap(); a.IsValid() && (e.neigh[a] != nil || len(e.neigh) < maxNeighbours) {
		n := e.neighbour(now, a, iface)
		n.bad[err.Reason]++
	}
	e.log.Debug("dropped", "iface", iface, "from", src, "reason", err.Reason, "error", err.Msg)
}

// onLink reports whether a is on the interface's subnet and not the
// interface's own address.
func onLink(s *ifaceState, a netip.Addr) bool {
	return s.cfg.Addr.Masked().Contains(a) && a != s.cfg.Addr.Addr()
}

// usableNextHop reports whether a can be a gateway on the interface: on
// its subnet, not its own address, and (on subnets with more than two
// addresses) neither the network nor the broadcast address, which the
// kernel refuses as a gateway (EINVAL). RFC 2453 §4.4: anything else is
// treated as 0.0.0.0, the sender.
func usableNextHop(s *ifaceState, a netip.Addr) bool {
	if !onLink(s, a) {
		return false
	}
	p := s.cfg.Addr.Masked()
	if !a.Is4() || p.Bits() >= 31 {
		return true
	}
	host := ^uint32(0) >> p.Bits()
	v := binary.BigEndian.Uint32(a.AsSlice())
	return v&host != 0 && v&host != host
}

// handle processes one received packet.
func (e *engine) handle(now time.Time, d Datagram) {
	s := e.ifaces[d.Iface]
	if s == nil || !s.rip {
		return
	}
	src := d.Src.Addr().Unmap()
	if src == s.cfg.Addr.Addr() {
		return // our own multicast looped back
	}
	p, err := Decode(d.Data)
	if err != nil {
		re, _ := err.(*Error)
		if re == nil {
			re = errorf(ReasonLength, "%v", err)
		}
		e.drop(now, d.Src, d.Iface, re)
		return
	}
	if verr := Verify(d.Data, p, e.cfg.Auth); verr != nil {
		// RIP-1 has no authentication: with it configured, RIP-1 packets
		// are dropped here as auth-missing (RFC 2453 §5.2).
		e.drop(now, d.Src, d.Iface, verr)
		return
	}
	p.InferV1Masks(s.cfg.Addr)
	if p.Command == Request {
		e.answer(now, s, d.Src, p)
		return
	}
	if d.Src.Port() != Port {
		e.drop(now, d.Src, d.Iface, errorf(ReasonSourcePort, "response from port %d", d.Src.Port()))
		return
	}
	if !onLink(s, src) {
		e.drop(now, d.Src, d.Iface, errorf(ReasonSourceOffNet, "%s is not on %s", src, s.cfg.Addr))
		return
	}
	n := e.neighbour(now, src, d.Iface)
	if n.bfdDown {
		e.drop(now, d.Src, d.Iface, errorf(ReasonBFDDown, "BFD session to %s is down", src))
		return
	}
	if p.Auth != nil && p.Auth.Type == AuthMD5 {
		// RFC 4822: sequence numbers never decrease, unless the neighbour
		// restarted (silent for a timeout).
		if p.Auth.Seq < n.lastSeq && now.Sub(n.lastHeard) < e.cfg.Timeout {
			e.drop(now, d.Src, d.Iface, errorf(ReasonAuthSeq, "sequence %d after %d", p.Auth.Seq, n.lastSeq))
			return
		}
		n.lastSeq = p.Auth.Seq
	}
	n.iface = d.Iface
	n.lastHeard = now
	n.packets++
	e.wake(now.Add(e.cfg.Timeout))
	if !n.up {
		n.up = true
		e.events.Emit(routing.Event{Daemon: "rip", Kind: routing.EventNeighbourUp, Peer: src, Iface: d.Iface})
	}
	if !s.up {
		return
	}
	for _, en := range p.Entries {
		if cerr := en.Check(); cerr != nil {
			e.drop(now, d.Src, d.Iface, cerr)
			continue
		}
		// RFC 2453 §4.4: a next hop we cannot reach directly (or our own
		// address) is treated as 0.0.0.0, the sender; the entry stays.
		nh := src
		if en.NextHop.IsValid() && !en.NextHop.IsUnspecified() {
			if usableNextHop(s, en.NextHop) {
				nh = en.NextHop
			} else {
				e.badAll[ReasonNextHop]++
				n.bad[ReasonNextHop]++
				e.log.Debug("next hop not usable on the link: using the sender", "iface", d.Iface, "from", src, "next_hop", en.NextHop)
			}
		}
		pfx, _ := en.Prefix()
		e.update(now, s, src, nh, pfx, min(en.Metric+1, Infinity), en.Tag)
	}
}

// update is RFC 2453 §3.9.2 for one valid entry; metric already includes
// the interface cost.
func (e *engine) update(now time.Time, s *ifaceState, from, nh netip.Addr, p netip.Prefix, metric uint32, tag uint16) {
	if !p.Addr().Is4() || p.Addr().IsLoopback() || p.Addr().IsMulticast() {
		return
	}
	r := e.routes[p]
	if r == nil {
		if metric >= Infinity {
			return
		}
		r = &route{prefix: p, metric: metric, nextHop: nh, from: from, iface: s.cfg.Name, tag: tag, offered: []netip.Addr{from},
			changed: true, expires: now.Add(e.cfg.Timeout), since: now}
		e.wake(r.expires)
		e.routes[p] = r
		e.triggerPending = true
		e.fibInstall(r)
		e.events.Emit(routing.Event{Daemon: "rip", Kind: routing.EventRouteAdd, Prefix: p, Peer: from, Iface: s.cfg.Name, Detail: fmt.Sprintf("metric %d", metric)})
		return
	}
	if r.local && r.metric < Infinity {
		return
	}
	same := r.from == from && r.iface == s.cfg.Name
	lost := r.heard(from, metric)
	switch {
	case r.stale:
		if metric >= Infinity {
			e.expire(now, r, "withdrawn by "+from.String())
			r.stale = false
			return
		}
		e.replace(now, r, s, from, nh, metric, tag)
	case same:
		if metric < Infinity {
			r.expires = now.Add(e.cfg.Timeout)
		}
		if metric == r.metric && nh == r.nextHop && tag == r.tag {
			return
		}
		if metric >= Infinity {
			if r.metric < Infinity {
				e.expire(now, r, "withdrawn by "+from.String())
			}
			return
		}
		e.replace(now, r, s, from, nh, metric, tag)
	case metric < r.metric:
		e.replace(now, r, s, from, nh, metric, tag)
	case lost && r.metric < Infinity:
		// Someone lost a route we still have another way: tell them at
		// once (not at our next periodic update), so a failure is routed
		// around in a triggered update or two. Not for poisoned reverse
		// (an infinity from a neighbour that never offered the route):
		// every periodic update carries it, and answering it set off a
		// triggered update along the whole path, again and again, which
		// kept the damping busy and refreshed routes behind the timeout.
		r.changed = true
		e.triggerPending = true
	}
}

// heard records the metric from offers for the route and reports whether
// it withdrew an offer: infinity after a finite metric.
func (r *route) heard(from netip.Addr, metric uint32) bool {
	i := slices.Index(r.offered, from)
	switch {
	case metric < Infinity && i < 0:
		r.offered = append(r.offered, from)
	case metric >= Infinity && i >= 0:
		r.offered = slices.Delete(r.offered, i, i+1)
		return true
	}
	return false
}

func (e *engine) replace(now time.Time, r *route, s *ifaceState, from, nh netip.Addr, metric uint32, tag uint16) {
	kind := routing.EventBestChange
	if r.metric >= Infinity {
		kind = routing.EventRouteAdd
	}
	r.metric, r.nextHop, r.from, r.iface, r.tag = metric, nh, from, s.cfg.Name, tag
	r.local, r.stale = false, false
	r.expires = now.Add(e.cfg.Timeout)
	e.wake(r.expires)
	r.gcAt = time.Time{}
	r.changed = true
	r.since = now
	e.triggerPending = true
	e.fibInstall(r)
	e.events.Emit(routing.Event{Daemon: "rip", Kind: kind, Prefix: r.prefix, Peer: from, Iface: s.cfg.Name, Detail: fmt.Sprintf("metric %d", metric)})
}

// advance runs every timer due at now.
func (e *engine) advance(now time.Time) {
	for p, r := range e.routes {
		switch {
		case r.metric >= Infinity && !r.gcAt.IsZero() && !now.Before(r.gcAt):
			delete(e.routes, p)
			if r.local {
				continue
			}
		case !r.local && r.metric < Infinity && !now.Before(r.expires):
			e.expire(now, r, "timeout")
		}
	}
	for _, n := range e.neigh {
		if n.up && now.Sub(n.lastHeard) >= e.cfg.Timeout {
			n.up = false
			e.events.Emit(routing.Event{Daemon: "rip", Kind: routing.EventNeighbourDown, Peer: n.addr, Iface: n.iface, Detail: "timeout"})
		}
	}
	e.retryQueued(now)
	for _, name := range e.order {
		s := e.ifaces[name]
		if s.rip && !now.Before(s.nextReg) {
			s.nextReg = now.Add(e.jitter(e.cfg.Update))
			if s.up {
				e.sendTable(s, netip.AddrPortFrom(MulticastGroup, Port), false)
			}
		}
	}
	e.afterInput(now)
	e.due = e.computeDue()
}

// afterInput sends a triggered update when one is pending and allowed,
// and writes the kernel changes; it is what a received packet or a link
// change needs, without advance's scan of every timer. The kernel comes
// first: a route it refuses goes out as unreachable, never as reachable.
func (e *engine) afterInput(now time.Time) {
	defer e.scheduleRetries(now)
	e.flushFIB()
	if e.triggerPending && !now.Before(e.triggerHold) {
		e.triggerPending = false
		for _, name := range e.order {
			if s := e.ifaces[name]; s.rip && s.up {
				e.sendTable(s, netip.AddrPortFrom(MulticastGroup, Port), true)
			}
		}
		for _, r := range e.routes {
			r.changed = false
		}
		// RFC 2453 §3.10.1: the next triggered update waits 1–5 s
		// (scaled down with fast timers).
		e.triggerHold = now.Add(e.scale(time.Second + time.Duration(e.rnd.Int64N(int64(4*time.Second)))))
	}
}

// wake lowers the next deadline to t.
func (e *engine) wake(t time.Time) {
	if !t.IsZero() && (e.due.IsZero() || t.Before(e.due)) {
		e.due = t
	}
}

// next is when advance must run again.
func (e *engine) next() time.Time {
	t := e.due
	if e.triggerPending {
		h := e.triggerHold
		if h.IsZero() {
			h = time.Unix(1, 0)
		}
		if t.IsZero() || h.Before(t) {
			t = h
		}
	}
	return t
}

// computeDue scans every timer for the earliest deadline.
func (e *engine) computeDue() time.Time {
	var t time.Time
	upd := func(c time.Time) {
		if !c.IsZero() && (t.IsZero() || c.Before(t)) {
			t = c
		}
	}
	for _, r := range e.routes {
		if r.metric >= Infinity {
			upd(r.gcAt)
		} else if !r.local {
			upd(r.expires)
		}
	}
	for _, s := range e.ifaces {
		if s.rip {
			upd(s.nextReg)
		}
		if len(s.out) > 0 {
			upd(s.retryAt)
		}
	}
	for _, n := range e.neigh {
		if n.up {
			upd(n.lastHeard.Add(e.cfg.Timeout))
		}
	}
	return t
}

// entriesFor is output processing (§3.10) for one interface: split
// horizon with poisoned reverse; only changed routes when triggered.
func (e *engine) entriesFor(s *ifaceState, triggered bool) []Entry {
	prefixes := make([]netip.Prefix, 0, len(e.routes))
	for p, r := range e.routes {
		if (triggered && !r.changed) || (r.stale && r.metric < Infinity) {
			continue
		}
		// A subnet of the interface itself: the neighbour has it.
		if r.local && r.iface == s.cfg.Name {
			continue
		}
		prefixes = append(prefixes, p)
	}
	sort.Slice(prefixes, func(i, j int) bool {
		if c := prefixes[i].Addr().Compare(prefixes[j].Addr()); c != 0 {
			return c < 0
		}
		return prefixes[i].Bits() < prefixes[j].Bits()
	})
	out := make([]Entry, 0, len(prefixes))
	for _, p := range prefixes {
		r := e.routes[p]
		m := r.metric
		if (!r.local && r.iface == s.cfg.Name) || r.refused != "" {
			m = Infinity // poisoned reverse, or not in the kernel
		}
		out = append(out, Entry{AFI: AFIInet, Tag: r.tag, Addr: p.Addr(), Mask: MaskOf(p.Bits()),
			NextHop: netip.IPv4Unspecified(), Metric: m})
	}
	return out
}

// sendTable sends the table (or its changed part) out of s to dst.
func (e *engine) sendTable(s *ifaceState, dst netip.AddrPort, triggered bool) {
	entries := e.entriesFor(s, triggered)
	if triggered && len(entries) == 0 {
		return
	}
	e.sendEntries(s, dst, Response, entries, !triggered && dst.Addr() == MulticastGroup)
}

// sendEntries encodes entries into packets and sends them; table marks a
// whole-table update to the group (it supersedes older queued updates).
func (e *engine) sendEntries(s *ifaceState, dst netip.AddrPort, cmd Command, entries []Entry, table bool) {
	per := MaxEntries
	if e.cfg.Auth != nil {
		per = MaxEntries - 2 // the auth entry, and for MD5 the trailer
	}
	var pkts []outPacket
	for len(entries) > 0 || cmd == Request {
		n := min(per, len(entries))
		p := &Packet{Command: cmd, Version: 2, Entries: entries[:n]}
		entries = entries[n:]
		if e.cfg.Auth != nil {
			e.seq++
			p.Auth = NewAuthEntry(e.cfg.Auth, e.seq)
		}
		b := Encode(p)
		Sign(b, e.cfg.Auth)
		pkts = append(pkts, outPacket{dst: dst, b: b, table: table, update: cmd == Response && dst.Addr() == MulticastGroup})
		if cmd == Request {
			break
		}
	}
	e.transmit(s, pkts)
}

// sendRequest asks the interface's neighbours for their whole table.
func (e *engine) sendRequest(s *ifaceState) {
	all := Entry{AFI: 0, Addr: netip.IPv4Unspecified(), Mask: netip.IPv4Unspecified(), NextHop: netip.IPv4Unspecified(), Metric: Infinity}
	e.sendEntries(s, netip.AddrPortFrom(MulticastGroup, Port), Request, []Entry{all}, false)
}

// answer is §3.9.1: a whole-table request gets the table as a regular
// update would (split horizon applies); a specific one gets its entries
// filled in.
func (e *engine) answer(now time.Time, s *ifaceState, src netip.AddrPort, p *Packet) {
	// A request arriving proves the link works even if our carrier event
	// is still on its way: answer it.
	if len(p.Entries) == 0 {
		return
	}
	if len(p.Entries) == 1 && p.Entries[0].AFI == 0 && p.Entries[0].Metric == Infinity {
		e.sendTable(s, src, false)
		return
	}
	out := make([]Entry, 0, len(p.Entries))
	for _, en := range p.Entries {
		en.Metric = Infinity
		if pf, ok := en.Prefix(); ok {
			if r := e.routes[pf]; r != nil {
				en.Metric = r.metric
			}
		}
		out = append(out, en)
	}
	e.sendEntries(s, src, Response, out, false)
}
