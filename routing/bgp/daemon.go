package bgp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/bgp/wire"
	"github.com/netemu/netemu/routing/fib"
)

// Config is the BGP part of a router agent's configuration
// (routing/agent derives it from the lab model).
type Config struct {
	Node        string         `json:"node"`
	ASN         uint32         `json:"asn"`
	RouterID    netip.Addr     `json:"router_id"`
	Peers       []PeerConfig   `json:"peers"`
	Originate   []netip.Prefix `json:"originate,omitempty"`
	Policies    []*Policy      `json:"policies,omitempty"`
	PrefixLists []*PrefixList  `json:"prefix_lists,omitempty"`
	// Port is the TCP port to listen on and connect to (0: 179).
	Port int `json:"port,omitempty"`
	// ClusterID is the route-reflection cluster when some peer is an
	// RRClient (RFC 4456); the router ID when unset.
	ClusterID netip.Addr `json:"cluster_id,omitzero"`
}

// Resolved is how a next hop is reached.
type Resolved struct {
	Gateway   netip.Addr
	LinkIndex int
	Cost      uint32
}

// Resolver finds how the kernel reaches a next hop (the IGP's routes or a
// connected subnet).
type Resolver interface {
	Resolve(nh netip.Addr) (Resolved, bool)
}

// Kernel metrics of BGP routes: an eBGP route beats iBGP's; both leave
// RIP's (1–16) routes to the same prefix in charge of the AS's inside.
const (
	metricEBGP = 20
	metricIBGP = 200
)

// coalesce is how long changes gather before they go to the kernel and to
// peers as one batch.
const coalesce = 5 * time.Millisecond

type peerState struct {
	sess *Session
	cfg  *PeerConfig
	info *PeerInfo
	up   bool
	// Adj-RIB-In before policy, per prefix.
	adjIn    map[uint64]*wire.PathAttrs // by pkey
	accepted int
	// Adj-RIB-Out: the encoded attributes last sent per prefix.
	adjOut   map[uint64]string // by pkey
	fullSync bool
	resend   bool
	eorSent  bool
	flaps    int
	// ipv4 is set when the peer takes IPv4 unicast routes: one that
	// announced only other families gets none (RFC 4760 §6).
	ipv4 bool
	// Counters since the daemon started.
	updatesIn, refreshIn, refreshOut uint64
}

// Daemon is the BGP speaker of one router.
type Daemon struct {
	cfg    Config
	log    hclog.Logger
	fib    fib.FIB
	events routing.Emitter
	pols   *Policies
	local  Local
	dial   Dialer
	res    Resolver

	mu        sync.Mutex // guards the fields below
	rib       *RIB
	peers     []*peerState
	byAddr    map[netip.Addr]*peerState
	dirty     map[uint64]struct{} // by pkey: small keys, no pointers to scan
	installed map[uint64]kroute   // by pkey
	refused   map[uint64]string   // by pkey: why the kernel refused the best path (consistency.go)
	nhCache   map[netip.Addr]nhEntry
	started   time.Time

	kick chan struct{}
}

// kroute is what the daemon remembers of a kernel route it installed,
// packed small: one is kept per prefix of a table that may hold millions.
type kroute struct {
	gw     [4]byte
	link   int32
	metric uint16
}

func packRoute(r fib.Route) kroute {
	k := kroute{link: int32(r.LinkIndex), metric: uint16(r.Metric)}
	if r.Gateway.Is4() {
		k.gw = r.Gateway.As4()
	}
	return k
}

func (k kroute) route(p netip.Prefix) fib.Route {
	r := fib.Route{Prefix: p, LinkIndex: int(k.link), Metric: int(k.metric), Protocol: fib.ProtoBGP}
	if k.gw != [4]byte{} {
		r.Gateway = netip.AddrFrom4(k.gw)
	}
	return r
}

type nhEntry struct {
	r  Resolved
	ok bool
}

// New builds a daemon; Run starts it. fibw receives the best routes; log
// is the agent's (already carrying the node).
func New(cfg Config, log hclog.Logger, fibw fib.FIB, events routing.Emitter) (*Daemon, error) {
	return newDaemon(cfg, log, fibw, events, nil, nil)
}

func newDaemon(cfg Config, log hclog.Logger, fibw fib.FIB, events routing.Emitter, dial Dialer, res Resolver) (*Daemon, error) {
	pols, err := NewPolicies(cfg.Policies, cfg.PrefixLists)
	if err != nil {
		return nil, fmt.Errorf("bgp: %w", err)
	}
	if events == nil {
		events = routing.Discard{}
	}
	if cfg.Port == 0 {
		cfg.Port = 179
	}
	d := &Daemon{
		cfg: cfg, log: log.Named("bgp"), fib: fibw, events: events, pols: pols,
		local: Local{ASN: cfg.ASN, RouterID: cfg.RouterID, ClusterID: cfg.ClusterID},
		dial:  dial, res: res,
		rib: NewRIB(), byAddr: map[netip.Addr]*peerState{}, dirty: map[uint64]struct{}{},
		installed: map[uint64]kroute{}, refused: map[uint64]string{}, nhCache: map[netip.Addr]nhEntry{},
		kick: make(chan struct{}, 1),
	}
	if d.dial == nil {
		d.dial = d.tcpDial
	}
	for i := range cfg.Peers {
		pc := &d.cfg.Peers[i]
		if pc.Hold == 0 && pc.Keepalive == 0 {
			pc.Hold, pc.Keepalive = 90*time.Second, 30*time.Second
		}
		if pc.ConnectRetry == 0 {
			pc.ConnectRetry = 5 * time.Second
		}
		if !pc.RouterID.IsValid() {
			pc.RouterID = cfg.RouterID
		}
		ps := &peerState{cfg: pc, adjIn: map[uint64]*wire.PathAttrs{}, adjOut: map[uint64]string{}}
		ps.sess = newSession(*pc, d, d.dial, d.log)
		d.peers = append(d.peers, ps)
		d.byAddr[pc.PeerAddr] = ps
	}
	for _, p := range cfg.Originate {
		d.rib.Add(&Path{Prefix: p.Masked(), Attrs: &wire.PathAttrs{HasOrigin: true, HasASPath: true, Origin: wire.OriginIGP},
			Reachable: true, Since: time.Now()})
	}
	return d, nil
}

// Name implements the agent's Daemon.
func (d *Daemon) Name() string { return "bgp" }

// Run runs the sessions, the listener and the batcher until ctx ends.
func (d *Daemon) Run(ctx context.Context) error {
	d.mu.Lock()
	d.started = time.Now()
	d.mu.Unlock()
	d.events.Emit(routing.Event{Daemon: "bgp", Kind: routing.EventStart, Detail: fmt.Sprintf("AS %d id %v", d.cfg.ASN, d.cfg.RouterID)})
	// Routes a previous run of the agent installed are stale: this run
	// knows nothing of them and would never withdraw them.
	if f, ok := d.fib.(interface{ Flush(proto int) error }); ok {
		if err := f.Flush(fib.ProtoBGP); err != nil {
			d.log.Warn("flush stale BGP routes", "error", err)
		}
	}
	var wg sync.WaitGroup
	if err := d.platformStart(ctx, &wg); err != nil {
		return err
	}
	d.runCore(ctx)
	wg.Wait()
	return nil
}

// runCore runs the sessions and the batcher until ctx ends.
func (d *Daemon) runCore(ctx context.Context) {
	var wg sync.WaitGroup
	for _, p := range d.peers {
		wg.Add(1)
		go func() { defer wg.Done(); p.sess.Run(ctx) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); d.batcher(ctx) }()
	d.markAll()
	<-ctx.Done()
	wg.Wait()
}

// LinkChanged drops the directly connected sessions of an interface that
// lost its carrier (fast external fail-over) and re-resolves next hops.
func (d *Daemon) LinkChanged(ev routing.LinkEvent) {
	if !ev.Up {
		for _, p := range d.peers {
			if p.cfg.Iface != "" && p.cfg.Iface == ev.Name {
				p.sess.Reset("interface " + ev.Name + " down")
			}
		}
	}
	d.RoutesChanged()
}

// RoutesChanged re-resolves every next hop (the IGP's routes moved). Only
// when some next hop now resolves differently are the paths through it
// revisited, so a storm of unrelated route notifications costs a few
// lookups, not a walk of the whole table.
func (d *Daemon) RoutesChanged() {
	d.mu.Lock()
	defer d.mu.Unlock()
	moved := map[netip.Addr]bool{}
	for nh, old := range d.nhCache {
		var e nhEntry
		if d.res != nil {
			e.r, e.ok = d.res.Resolve(nh)
		}
		if e != old {
			moved[nh] = true
			d.nhCache[nh] = e
		}
	}
	if len(moved) == 0 {
		return
	}
	for k, dest := range d.rib.dests {
		prefix := unpkey(k)
		changed := false
		for _, p := range dest.Paths {
			if p.From != nil && moved[p.Attrs.NextHop] {
				d.resolve(p)
				changed = true
			}
		}
		if changed {
			d.rib.Redecide(prefix)
			d.dirty[pkey(prefix)] = struct{}{}
		}
	}
	d.kickLocked()
}

func (d *Daemon) kickLocked() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

func (d *Daemon) markAll() {
	d.mu.Lock()
	for _, p := range d.rib.Prefixes() {
		d.dirty[pkey(p)] = struct{}{}
	}
	d.kickLocked()
	d.mu.Unlock()
}

// resolve fills p's next-hop fields; d.mu held.
func (d *Daemon) resolve(p *Path) {
	nh := p.Attrs.NextHop
	if p.From == nil {
		p.Reachable = true
		return
	}
	e, ok := d.nhCache[nh]
	if !ok {
		if d.res != nil {
			e.r, e.ok = d.res.Resolve(nh)
		}
		d.nhCache[nh] = e
	}
	p.Reachable, p.Gateway, p.LinkIndex, p.IGPCost = e.ok, e.r.Gateway, e.r.LinkIndex, e.r.Cost
}

// session hooks: called from each session's goroutine.

func (d *Daemon) established(s *Session, open *wire.Open) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.byAddr[s.cfg.PeerAddr]
	p.up, p.fullSync, p.eorSent = true, true, false
	p.ipv4 = open.IPv4Unicast()
	p.info = &PeerInfo{Name: p.cfg.Name, Addr: p.cfg.PeerAddr, AS: p.cfg.PeerAS, RouterID: open.BGPID,
		IBGP: p.cfg.IBGP(), Rel: p.cfg.Relationship, RRClient: p.cfg.RRClient && p.cfg.IBGP()}
	p.adjOut = map[uint64]string{}
	d.log.Info("session established", "peer", p.cfg.PeerAddr, "as", p.cfg.PeerAS)
	d.events.Emit(routing.Event{Daemon: "bgp", Kind: routing.EventSessionUp, Peer: p.cfg.PeerAddr,
		Iface: p.cfg.Iface, Detail: fmt.Sprintf("AS %d", p.cfg.PeerAS)})
	d.kickLocked()
}

func (d *Daemon) down(s *Session, reason string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.byAddr[s.cfg.PeerAddr]
	p.up = false
	p.flaps++
	for k := range p.adjIn {
		prefix := unpkey(k)
		if d.rib.Remove(prefix, p.info) {
			d.dirty[pkey(prefix)] = struct{}{}
		}
	}
	p.adjIn = map[uint64]*wire.PathAttrs{}
	p.accepted = 0
	p.adjOut = map[uint64]string{}
	d.log.Info("session down", "peer", p.cfg.PeerAddr, "reason", reason)
	d.events.Emit(routing.Event{Daemon: "bgp", Kind: routing.EventSessionDown, Peer: p.cfg.PeerAddr,
		Iface: p.cfg.Iface, Detail: reason})
	d.kickLocked()
}

func (d *Daemon) refresh(s *Session) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.byAddr[s.cfg.PeerAddr]
	p.resend = true
	p.refreshIn++
	d.kickLocked()
}

func (d *Daemon) update(s *Session, u *wire.Update) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.byAddr[s.cfg.PeerAddr]
	if !p.up {
		return
	}
	p.updatesIn++
	d.applyUpdate(p, u)
	d.kickLocked()
}

// applyUpdate runs one (decoded, RFC 7606-checked) UPDATE through
// Adj-RIB-In, import and the decision; d.mu held.
func (d *Daemon) applyUpdate(p *peerState, u *wire.Update) {
	for _, w := range u.AllWithdrawn() {
		if _, ok := p.adjIn[pkey(w)]; !ok {
			continue
		}
		delete(p.adjIn, pkey(w))
		if d.rib.Dest(w) != nil && slices.ContainsFunc(d.rib.Dest(w).Paths, func(q *Path) bool { return sameSource(q.From, p.info) }) {
			p.accepted--
		}
		if d.rib.Remove(w, p.info) {
			d.dirty[pkey(w)] = struct{}{}
		}
	}
	if u.Attrs == nil {
		return
	}
	raw := u.Attrs
	if raw.MPReach != nil || raw.MPUnreach != nil {
		raw = raw.Clone() // drop the MP attributes: the prefixes are in hand
	}
	d.importPrefixes(p, u.NLRI, raw)
	// IPv4 unicast in MP_REACH_NLRI (RFC 4760) has its own next hop: the
	// NEXT_HOP attribute, if any, belongs to the NLRI field's prefixes.
	if m := u.Attrs.MPReach; m != nil && m.IPv4Unicast() && len(m.NLRI) > 0 {
		nh := netip.AddrFrom4([4]byte(m.NextHop))
		if !wire.ValidNextHop(nh) {
			// Semantically wrong, like a bad NEXT_HOP: the routes are
			// ignored (RFC 4271 §6.3), withdrawn if we had them.
			d.log.Warn("MP_REACH_NLRI next hop invalid: prefixes withdrawn", "peer", p.cfg.PeerAddr, "next_hop", nh)
			d.applyUpdate(p, &wire.Update{Withdrawn: m.NLRI})
			return
		}
		mp := raw.Clone()
		mp.NextHop = nh
		d.importPrefixes(p, m.NLRI, mp)
	}
}

// importPrefixes runs prefixes sharing raw through Adj-RIB-In, import
// and the decision; d.mu held.
func (d *Daemon) importPrefixes(p *peerState, nlri []netip.Prefix, raw *wire.PathAttrs) {
	if len(nlri) == 0 {
		return
	}
	// Without an import policy the outcome is the same for every prefix:
	// import once and share the attributes.
	var shared *wire.PathAttrs
	var sharedRes ImportResult
	if p.cfg.Import == "" {
		shared, sharedRes = Import(d.local, p.cfg, netip.Prefix{}, raw, d.pols)
	}
	now := time.Now()
	for _, prefix := range nlri {
		_, had := p.adjIn[pkey(prefix)]
		wasAccepted := had && d.rib.Dest(prefix) != nil &&
			slices.ContainsFunc(d.rib.Dest(prefix).Paths, func(q *Path) bool { return sameSource(q.From, p.info) })
		p.adjIn[pkey(prefix)] = raw
		a, res := shared, sharedRes
		if p.cfg.Import != "" {
			a, res = Import(d.local, p.cfg, prefix, raw, d.pols)
		}
		if res != ImportAccepted {
			if wasAccepted {
				p.accepted--
			}
			if d.rib.Remove(prefix, p.info) {
				d.dirty[pkey(prefix)] = struct{}{}
			}
			continue
		}
		if !wasAccepted {
			p.accepted++
		}
		path := &Path{Prefix: prefix, From: p.info, Attrs: a, Since: now}
		d.resolve(path)
		if d.rib.Add(path) {
			d.dirty[pkey(prefix)] = struct{}{}
		} else if best := d.rib.Dest(prefix).Best; best == path {
			// Same best source, new attributes: peers must hear of it.
			d.dirty[pkey(prefix)] = struct{}{}
		}
	}
}

// reimport re-applies import policy to a peer's Adj-RIB-In; d.mu held.
func (d *Daemon) reimport(p *peerState) {
	byAttrs := map[*wire.PathAttrs][]netip.Prefix{}
	for k, raw := range p.adjIn {
		prefix := unpkey(k)
		byAttrs[raw] = append(byAttrs[raw], prefix)
	}
	for raw, nlri := range byAttrs {
		d.applyUpdate(p, &wire.Update{Attrs: raw, NLRI: nlri})
	}
}

// SoftReset re-applies every peer's import policy and asks the peers that
// support it to resend their routes (ROUTE-REFRESH).
func (d *Daemon) SoftReset() {
	d.mu.Lock()
	for _, p := range d.peers {
		if p.up {
			d.reimport(p)
			if p.sess.peerOpenRR() && p.ipv4 {
				if b, err := wire.EncodeMessage(&wire.RouteRefresh{AFI: wire.AFIIPv4, SAFI: wire.SAFIUnicast}, p.sess.Options()); err == nil {
					p.refreshOut++
					go p.sess.Send(b)
				}
			}
		}
	}
	d.kickLocked()
	d.mu.Unlock()
}

func (s *Session) peerOpenRR() bool {
	o := s.peerOpen
	return o != nil && o.RouteRefresh()
}

// batcher turns dirty prefixes into kernel routes and UPDATEs, a few
// milliseconds' worth at a time.
func (d *Daemon) batcher(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.kick:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(coalesce):
		}
		d.flush()
	}
}

type outMsg struct {
	p    *peerState
	msgs [][]byte
}

func (d *Daemon) flush() {
	d.mu.Lock()
	keys := make([]uint64, 0, len(d.dirty))
	for k := range d.dirty {
		keys = append(keys, k)
	}
	d.dirty = map[uint64]struct{}{}
	// pkey order is address, then prefix length.
	slices.Sort(keys)
	dirty := make([]netip.Prefix, len(keys))
	for i, k := range keys {
		dirty[i] = unpkey(k)
	}

	// Kernel.
	install := make([]fib.Route, 0, len(dirty))
	var remove []fib.Route
	for _, prefix := range dirty {
		var best *Path
		if dst := d.rib.Dest(prefix); dst != nil {
			best = dst.Best
		}
		k := pkey(prefix)
		delete(d.refused, k)
		oldk, had := d.installed[k]
		old := oldk.route(prefix)
		if best == nil || best.From == nil {
			if had {
				remove = append(remove, old)
				delete(d.installed, k)
			}
			continue
		}
		r := fib.Route{Prefix: prefix, Gateway: best.Gateway, LinkIndex: best.LinkIndex, Metric: metricEBGP, Protocol: fib.ProtoBGP}
		if best.From.IBGP {
			r.Metric = metricIBGP
		}
		if had && old == r {
			continue
		}
		if had && old.Metric != r.Metric {
			remove = append(remove, old)
		}
		install = append(install, r)
		d.installed[k] = packRoute(r)
	}
	if len(dirty) > 0 && len(dirty) <= 64 {
		for _, prefix := range dirty {
			detail := "withdrawn"
			if dst := d.rib.Dest(prefix); dst != nil && dst.Best != nil {
				detail = describeBest(dst.Best)
			}
			d.events.Emit(routing.Event{Daemon: "bgp", Kind: routing.EventBestChange, Prefix: prefix, Detail: detail})
		}
	} else if len(dirty) > 64 {
		d.events.Emit(routing.Event{Daemon: "bgp", Kind: routing.EventBestChange, Detail: fmt.Sprintf("%d prefixes", len(dirty))})
	}

	// Peers.
	var out []outMsg
	for _, p := range d.peers {
		if !p.up || !p.ipv4 {
			continue
		}
		var msgs [][]byte
		switch {
		case p.fullSync:
			msgs = d.exportPrefixes(p, d.rib.Prefixes())
			p.fullSync = false
		case p.resend:
			// ROUTE-REFRESH: resend the whole Adj-RIB-Out as it is.
			saved := p.adjOut
			p.adjOut = map[uint64]string{}
			msgs = d.exportPrefixes(p, d.rib.Prefixes())
			_ = saved
			p.resend = false
		default:
			msgs = d.exportPrefixes(p, dirty)
		}
		if !p.eorSent {
			if b, err := wire.EncodeMessage(&wire.Update{}, p.sess.Options()); err == nil {
				msgs = append(msgs, b)
			}
			p.eorSent = true
		}
		if len(msgs) > 0 {
			out = append(out, outMsg{p, msgs})
		}
	}
	d.mu.Unlock()

	t0 := time.Now()
	if d.fib != nil {
		if len(remove) > 0 {
			if err := d.fib.Delete(remove); err != nil {
				d.log.Warn("kernel delete", "error", err)
			}
		}
		if len(install) > 0 {
			if err := d.fib.Replace(install); err != nil {
				d.log.Warn("kernel install", "error", err)
				d.kernelRefused(err)
			}
		}
	}
	tFIB := time.Since(t0)
	for _, o := range out {
		if err := o.p.sess.Send(o.msgs...); err != nil {
			d.log.Debug("send", "peer", o.p.cfg.PeerAddr, "error", err)
		}
	}
	if len(dirty) > 0 {
		d.log.Debug("batch", "prefixes", len(dirty), "installed", len(install), "removed", len(remove),
			"kernel", tFIB, "total", time.Since(t0))
	}
}

func describeBest(p *Path) string {
	from := "local"
	if p.From != nil {
		from = p.From.Addr.String()
	}
	return fmt.Sprintf("via %s path [%s]", from, p.Attrs.ASPath)
}

// exportPrefixes diffs the Adj-RIB-Out of p for prefixes and encodes the
// UPDATEs, grouping prefixes that share attributes; d.mu held.
func (d *Daemon) exportPrefixes(p *peerState, prefixes []netip.Prefix) [][]byte {
	opts := p.sess.Options()
	groups := map[string][]netip.Prefix{}
	attrsOf := map[string]*wire.PathAttrs{}
	var order []string
	var withdraw []netip.Prefix
	for _, prefix := range prefixes {
		var best *Path
		if dst := d.rib.Dest(prefix); dst != nil {
			best = dst.Best
		}
		a := Export(d.local, p.cfg, best, d.pols)
		old, had := p.adjOut[pkey(prefix)]
		var key string
		if a != nil {
			key = string(a.Encode(opts))
			if !wire.AttrsFit(len(key)) {
				// RFC 4271 §9.2: a best path too big to send (once our AS
				// is prepended) is withdrawn, not left as the old path.
				d.log.Warn("path attributes too big for an UPDATE: withdrawn", "peer", p.cfg.PeerAddr, "prefix", prefix, "octets", len(key))
				d.events.Emit(routing.Event{Daemon: "bgp", Kind: routing.EventRouteWithdraw, Prefix: prefix, Peer: p.cfg.PeerAddr,
					Detail: fmt.Sprintf("path attributes of %d octets do not fit in an UPDATE", len(key))})
				a = nil
			}
		}
		if a == nil {
			if had {
				withdraw = append(withdraw, prefix)
				delete(p.adjOut, pkey(prefix))
			}
			continue
		}
		if had && old == key {
			continue
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
			attrsOf[key] = a
		}
		groups[key] = append(groups[key], prefix)
	}
	var msgs [][]byte
	if len(withdraw) > 0 {
		m, err := wire.SplitUpdate(withdraw, nil, nil, opts)
		if err != nil {
			d.log.Warn("encode withdrawals", "error", err)
		}
		msgs = append(msgs, m...)
	}
	for _, key := range order {
		m, err := wire.SplitUpdate(nil, attrsOf[key], groups[key], opts)
		if err != nil {
			d.log.Warn("encode update", "peer", p.cfg.PeerAddr, "error", err)
			continue
		}
		msgs = append(msgs, m...)
		for _, prefix := range groups[key] {
			p.adjOut[pkey(prefix)] = key // one string shared by the group
		}
	}
	return msgs
}

// PeerStatus is one line of `netemu bgp NODE`.
type PeerStatus struct {
	Name        string     `json:"name"`
	Addr        netip.Addr `json:"addr"`
	LocalAddr   netip.Addr `json:"local_addr"`
	AS          uint32     `json:"as"`
	IBGP        bool       `json:"ibgp"`
	State       string     `json:"state"`
	Uptime      string     `json:"uptime,omitempty"`
	UpSince     time.Time  `json:"up_since,omitzero"`
	Received    int        `json:"prefixes_received"`
	Accepted    int        `json:"prefixes_accepted"`
	Sent        int        `json:"prefixes_sent"`
	RouterID    netip.Addr `json:"router_id,omitzero"`
	Relation    string     `json:"relationship,omitempty"`
	RRClient    bool       `json:"rr_client,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	Flaps       int        `json:"flaps"`
	Description string     `json:"description,omitempty"`
	UpdatesIn   uint64     `json:"updates_received"`
	RefreshIn   uint64     `json:"route_refresh_received"`
	RefreshOut  uint64     `json:"route_refresh_sent"`
}

// Status is GET /bgp.
type Status struct {
	Node     string       `json:"node"`
	ASN      uint32       `json:"asn"`
	RouterID netip.Addr   `json:"router_id"`
	Prefixes int          `json:"prefixes"`
	Peers    []PeerStatus `json:"peers"`
}

// RouteStatus is one path of GET /bgp/routes.
type RouteStatus struct {
	Prefix    netip.Prefix `json:"prefix"`
	Best      bool         `json:"best"`
	From      string       `json:"from"` // peer address or "local"
	FromName  string       `json:"from_name,omitempty"`
	IBGP      bool         `json:"ibgp,omitempty"`
	NextHop   netip.Addr   `json:"next_hop,omitzero"`
	Gateway   netip.Addr   `json:"gateway,omitzero"`
	Reachable bool         `json:"reachable"`
	ASPath    string       `json:"as_path"`
	Origin    string       `json:"origin"`
	MED       *uint32      `json:"med,omitempty"`
	LocalPref uint32       `json:"local_pref"`
	Comms     []string     `json:"communities,omitempty"`
	Large     []string     `json:"large_communities,omitempty"`
	// OriginatorID and ClusterList: a reflected route's (RFC 4456).
	OriginatorID netip.Addr   `json:"originator_id,omitzero"`
	ClusterList  []netip.Addr `json:"cluster_list,omitempty"`
	Since        time.Time    `json:"since"`
}

// Status snapshots the sessions.
func (d *Daemon) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := Status{Node: d.cfg.Node, ASN: d.cfg.ASN, RouterID: d.cfg.RouterID, Prefixes: d.rib.Len()}
	for _, p := range d.peers {
		ps := PeerStatus{Name: p.cfg.Name, Addr: p.cfg.PeerAddr, LocalAddr: p.cfg.LocalAddr, AS: p.cfg.PeerAS, IBGP: p.cfg.IBGP(),
			State: p.sess.State().String(), Received: len(p.adjIn), Accepted: p.accepted, Sent: len(p.adjOut),
			Relation: p.cfg.Relationship, RRClient: p.cfg.RRClient, Flaps: p.flaps, Description: p.cfg.Description,
			UpdatesIn: p.updatesIn, RefreshIn: p.refreshIn, RefreshOut: p.refreshOut}
		if p.info != nil {
			ps.RouterID = p.info.RouterID
		}
		if ns := p.sess.upSince.Load(); ns != 0 {
			ps.UpSince = time.Unix(0, ns)
			ps.Uptime = time.Since(ps.UpSince).Round(time.Second).String()
		}
		ps.LastError, _ = p.sess.lastError.Load().(string)
		st.Peers = append(st.Peers, ps)
	}
	return st
}

// Routes lists every path (of one prefix when prefix is valid).
func (d *Daemon) Routes(prefix netip.Prefix) []RouteStatus {
	d.mu.Lock()
	defer d.mu.Unlock()
	prefixes := d.rib.Prefixes()
	if prefix.IsValid() {
		prefixes = []netip.Prefix{prefix.Masked()}
	}
	var out []RouteStatus
	for _, pr := range prefixes {
		dst := d.rib.Dest(pr)
		if dst == nil {
			continue
		}
		for _, p := range dst.Paths {
			r := RouteStatus{Prefix: pr, Best: p == dst.Best, From: "local", NextHop: p.Attrs.NextHop, Gateway: p.Gateway,
				Reachable: p.Reachable, ASPath: p.Attrs.ASPath.String(), Origin: p.Attrs.Origin.String(),
				LocalPref: p.localPref(), Since: p.Since}
			if p.From != nil {
				r.From, r.FromName, r.IBGP = p.From.Addr.String(), p.From.Name, p.From.IBGP
			}
			if p.Attrs.HasMED {
				m := p.Attrs.MED
				r.MED = &m
			}
			for _, c := range p.Attrs.Communities {
				r.Comms = append(r.Comms, wire.FormatCommunity(c))
			}
			for _, c := range p.Attrs.LargeComms {
				r.Large = append(r.Large, c.String())
			}
			r.OriginatorID, r.ClusterList = p.Attrs.OriginatorID, p.Attrs.ClusterList
			out = append(out, r)
		}
	}
	return out
}

// ServeHTTP answers GET /bgp (sessions) and GET /bgp/routes[?prefix=P].
func (d *Daemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "GET only", http.StatusMethodNotAllowed)
		return
	}
	var v any
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "/bgp":
		v = d.Status()
	case "/bgp/routes":
		var prefix netip.Prefix
		if s := r.URL.Query().Get("prefix"); s != "" {
			var err error
			if prefix, err = netip.ParsePrefix(s); err != nil {
				if a, err2 := netip.ParseAddr(s); err2 == nil {
					prefix = d.longestMatch(a)
				} else {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
			}
		}
		v = d.Routes(prefix)
	case "/bgp/refresh":
		d.SoftReset()
		v = map[string]string{"result": "ok"}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (d *Daemon) longestMatch(a netip.Addr) netip.Prefix {
	d.mu.Lock()
	defer d.mu.Unlock()
	for bits := 32; bits >= 0; bits-- {
		p, _ := a.Prefix(bits)
		if d.rib.Dest(p) != nil {
			return p
		}
	}
	return netip.PrefixFrom(a, 32)
}
