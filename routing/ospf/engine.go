package ospf

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
)

// Transport sends OSPF packets (the IP payload). The Linux one is a raw IP
// socket (protocol 89) per interface; tests use a fake network.
type Transport interface {
	// Send sends b out of iface to dst (AllSPFRouters, AllDRouters or a
	// neighbour's address), with TTL 1.
	Send(iface string, dst netip.Addr, b []byte) error
}

// Datagram is a packet received on one interface.
type Datagram struct {
	Iface string
	Src   netip.Addr
	Dst   netip.Addr
	Data  []byte
}

// NextHop is one path of a route: a gateway on an interface, or the
// interface alone for a directly attached network.
type NextHop struct {
	Iface string     `json:"iface"`
	Addr  netip.Addr `json:"addr,omitzero"`
}

// RouteKind orders routes by preference (§11): lower wins.
type RouteKind uint8

// Route kinds.
const (
	KindConnected RouteKind = iota // a network of one of our interfaces
	KindIntra
	KindInter
	KindExt1
	KindExt2
)

func (k RouteKind) String() string {
	return [...]string{"connected", "intra-area", "inter-area", "external-1", "external-2"}[k]
}

// Route is one entry of the OSPF routing table. NextHops has more than one
// entry for equal-cost multipath.
type Route struct {
	Prefix   netip.Prefix `json:"prefix"`
	Kind     RouteKind    `json:"kind"`
	Area     ID           `json:"area"`
	Cost     uint32       `json:"cost"`
	Cost2    uint32       `json:"cost2,omitempty"` // the type-2 external metric
	NextHops []NextHop    `json:"next_hops"`
}

// Kernel is the kernel routing table as OSPF needs it: multipath routes
// replaced whole, deleted by prefix. Connected routes are never written.
type Kernel interface {
	Replace(routes []Route) error
	Delete(prefixes []netip.Prefix) error
}

// Interface states (§9.1).
type ifState uint8

const (
	ifDown ifState = iota
	ifLoopback
	ifWaiting
	ifP2P
	ifDROther
	ifBackup
	ifDR
)

func (s ifState) String() string {
	return [...]string{"Down", "Loopback", "Waiting", "Point-To-Point", "DROther", "Backup", "DR"}[s]
}

// Neighbour states (§10.1).
type nbrState uint8

const (
	nDown nbrState = iota
	nAttempt
	nInit
	n2Way
	nExStart
	nExchange
	nLoading
	nFull
)

func (s nbrState) String() string {
	return [...]string{"Down", "Attempt", "Init", "2-Way", "ExStart", "Exchange", "Loading", "Full"}[s]
}

// maxNeighbours bounds one interface's neighbour table against spoofed
// Hellos.
const maxNeighbours = 256

type iface struct {
	cfg   Interface
	area  *area
	up    bool
	state ifState
	addr  ID
	mask  ID
	// dr and bdr are interface addresses, as Hellos carry them.
	dr, bdr ID
	nbrs    []*nbr
	helloAt time.Time
	waitAt  time.Time
	acks    []LSAHeader // delayed acknowledgements, sent after the input
}

type nbr struct {
	ifc     *iface
	rid     ID
	addr    netip.Addr
	pri     uint8
	dr, bdr ID // what the neighbour declares
	options uint8
	state   nbrState
	deadAt  time.Time

	// Database exchange.
	master    bool // we are master
	seq       uint32
	haveLast  bool
	lastFlags uint8
	lastSeq   uint32
	lastSent  *DD
	ddAt      time.Time // master's DD retransmission
	ourMore   bool
	summary   []LSAHeader
	req       []Key
	reqHdr    map[Key]LSAHeader
	reqAt     time.Time
	lastReq   []Key // the keys of the last request sent
	rxmt      map[Key]*LSA
	rxmtAt    time.Time
	cryptoSeq uint32
}

type engine struct {
	cfg    Config
	log    hclog.Logger
	tr     Transport
	kernel Kernel
	events routing.Emitter
	rnd    *rand.Rand
	rid    ID

	ifaces []*iface
	byName map[string]*iface
	areas  []*area
	ext    map[Key]*dbEntry // AS-scope LSAs (type 5)

	bad       map[Reason]uint64
	cryptoSeq uint32
	started   time.Time

	spfAt     time.Time // zero: no SPF pending
	spfRuns   uint64
	lastSPF   time.Time
	origDirty bool      // self-originated LSAs may need updating
	origRetry time.Time // MinLSInterval held an origination back until then
	lastSweep time.Time // the last ageDatabase
	// wall measures how long SPF takes, for the timeline; never drives
	// the protocol (that is the time passed in).
	wall func() time.Time

	routes    map[netip.Prefix]*Route       // the whole table, connected included
	installed map[netip.Prefix]*kernelRoute // what is in the kernel
	// staleUntil: routes a previous agent left in the kernel (adopted at
	// start) stay until then unless relearned, so a restart does not cut
	// traffic while adjacencies form again.
	staleUntil time.Time
}

func newEngine(cfg Config, log hclog.Logger, tr Transport, k Kernel, ev routing.Emitter, seed uint64) *engine {
	if ev == nil {
		ev = routing.Discard{}
	}
	cfg = cfg.withDefaults()
	e := &engine{cfg: cfg, log: log, tr: tr, kernel: k, events: ev, rid: cfg.RouterID,
		rnd:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		byName: map[string]*iface{}, ext: map[Key]*dbEntry{}, bad: map[Reason]uint64{},
		routes: map[netip.Prefix]*Route{}, installed: map[netip.Prefix]*kernelRoute{}, wall: time.Now}
	for _, a := range cfg.Areas {
		e.areas = append(e.areas, &area{cfg: a, id: a.ID, db: map[Key]*dbEntry{}})
	}
	for _, c := range cfg.Interfaces {
		a := e.area(c.Area)
		if a == nil {
			a = &area{cfg: Area{ID: c.Area, DefaultCost: 1}, id: c.Area, db: map[Key]*dbEntry{}}
			e.areas = append(e.areas, a)
		}
		i := &iface{cfg: c, area: a, up: true, addr: IDOf(c.Addr.Addr()), mask: MaskOf(c.Addr.Bits())}
		a.ifaces = append(a.ifaces, i)
		e.ifaces = append(e.ifaces, i)
		e.byName[c.Name] = i
	}
	return e
}

func (e *engine) area(id ID) *area {
	for _, a := range e.areas {
		if a.id == id {
			return a
		}
	}
	return nil
}

func secs(d time.Duration) uint32 { return uint32((d + time.Second - 1) / time.Second) }

// start brings every interface up (those the kernel says are down are
// marked by linkChanged before or after).
func (e *engine) start(now time.Time) {
	e.started = now
	e.cryptoSeq = uint32(now.Unix())
	for _, i := range e.ifaces {
		if i.up {
			e.ifUp(now, i)
		}
	}
	e.origDirty = true
	e.afterInput(now)
}

// ifUp is the InterfaceUp event (§9.3).
func (e *engine) ifUp(now time.Time, i *iface) {
	i.dr, i.bdr = 0, 0
	switch {
	case i.cfg.Passive:
		i.state = ifLoopback
		return
	case i.cfg.Type == PointToPoint:
		i.state = ifP2P
	case i.cfg.Priority == 0:
		i.state = ifDROther
	default:
		i.state = ifWaiting
		i.waitAt = now.Add(i.cfg.Dead)
	}
	i.helloAt = now
	e.event(routing.EventLinkUp, netip.Addr{}, i.cfg.Name, "interface "+i.state.String())
}

// linkChanged reacts to an interface's carrier going down or up.
func (e *engine) linkChanged(now time.Time, name string, up bool) {
	i := e.byName[name]
	if i == nil || i.up == up {
		return
	}
	i.up = up
	if up {
		e.ifUp(now, i)
	} else {
		for _, n := range slices.Clone(i.nbrs) {
			e.killNbr(now, n, "interface down")
		}
		i.nbrs = nil
		i.state = ifDown
		i.dr, i.bdr = 0, 0
		i.acks = nil
		e.event(routing.EventLinkDown, netip.Addr{}, name, "interface down")
	}
	e.origDirty = true
	e.scheduleSPF(now)
	e.afterInput(now)
}

func (e *engine) event(kind routing.EventKind, peer netip.Addr, iface, detail string) {
	e.events.Emit(routing.Event{Daemon: "ospf", Kind: kind, Peer: peer, Iface: iface, Detail: detail})
}

func (e *engine) drop(iface string, src netip.Addr, err *Error) {
	e.bad[err.Reason]++
	e.log.Debug("dropped", "iface", iface, "from", src, "reason", err.Reason, "error", err.Msg)
}

// ignore discards a packet the RFC says to discard in the neighbour's
// state (an update from the DR reaching a router still in ExStart with it
// on a broadcast network): normal, so not counted as bad.
func (e *engine) ignore(iface string, src netip.Addr, format string, state nbrState) {
	e.log.Trace("ignored", "iface", iface, "from", src, "what", fmt.Sprintf(format, state))
}

// send encodes, signs and sends one packet out of i.
func (e *engine) send(i *iface, dst netip.Addr, body Body) {
	p := &Packet{Header: Header{Version: Version, RouterID: e.rid, AreaID: i.area.id}, Body: body}
	b := Encode(p)
	e.cryptoSeq++
	b = Sign(b, i.cfg.Auth, e.cryptoSeq)
	if err := e.tr.Send(i.cfg.Name, dst, b); err != nil {
		e.log.Debug("send", "iface", i.cfg.Name, "to", dst, "type", body.packetType(), "error", err)
	} else {
		e.log.Trace("sent", "iface", i.cfg.Name, "to", dst, "type", body.packetType(), "len", len(b))
	}
}

// nbrDst is where packets for one neighbour go: the neighbour itself on a
// broadcast network, AllSPFRouters on a point-to-point link (§8.1).
func nbrDst(n *nbr) netip.Addr {
	if n.ifc.cfg.Type == PointToPoint {
		return AllSPFRouters
	}
	return n.addr
}

// floodDst is where an interface's flooded updates and delayed acks go
// (§13.3): AllDRouters from a DROther, AllSPFRouters otherwise.
func floodDst(i *iface) netip.Addr {
	if i.cfg.Type == Broadcast && i.state == ifDROther {
		return AllDRouters
	}
	return AllSPFRouters
}

func (e *engine) sendHello(now time.Time, i *iface) {
	h := &Hello{Interval: uint16(secs(i.cfg.Hello)), Options: e.options(i.area), Priority: i.cfg.Priority,
		Dead: secs(i.cfg.Dead), DR: i.dr, BDR: i.bdr}
	if i.cfg.Type == Broadcast {
		h.Mask = i.mask
	}
	for _, n := range i.nbrs {
		if n.state >= nInit {
			h.Neighbors = append(h.Neighbors, n.rid)
		}
	}
	i.helloAt = now.Add(i.cfg.Hello)
	e.send(i, AllSPFRouters, h)
}

// options is the Options field for packets and LSAs of area a.
func (e *engine) options(a *area) uint8 {
	if a.cfg.Stub {
		return 0
	}
	return OptE
}

func (i *iface) nbrByRID(rid ID) *nbr {
	for _, n := range i.nbrs {
		if n.rid == rid {
			return n
		}
	}
	return nil
}

// handle processes one received packet.
func (e *engine) handle(now time.Time, d Datagram) {
	i := e.byName[d.Iface]
	if i == nil || !i.up || i.state <= ifLoopback {
		return
	}
	src := d.Src.Unmap()
	if src == i.cfg.Addr.Addr() {
		return // our own multicast looped back
	}
	p, err := Decode(d.Data)
	if err != nil {
		oe, _ := err.(*Error)
		if oe == nil {
			oe = errorf(ReasonLSALength, "%v", err)
			if ue := unwrapError(err); ue != nil {
				oe = &Error{Reason: ue.Reason, Msg: err.Error()}
			}
		}
		e.drop(d.Iface, src, oe)
		return
	}
	if verr := Verify(d.Data, p, i.cfg.Auth); verr != nil {
		e.drop(d.Iface, src, verr.(*Error))
		return
	}
	if p.AreaID != i.area.id {
		e.drop(d.Iface, src, errorf(ReasonArea, "area %s on an interface of area %s", p.AreaID, i.area.id))
		return
	}
	if p.RouterID == e.rid {
		e.drop(d.Iface, src, errorf(ReasonOwn, "packet with our router ID from %s", src))
		return
	}
	if i.cfg.Type == Broadcast && !i.cfg.Addr.Masked().Contains(src) {
		e.drop(d.Iface, src, errorf(ReasonDest, "source %s not on %s", src, i.cfg.Addr.Masked()))
		return
	}
	if d.Dst == AllDRouters && i.state != ifDR && i.state != ifBackup {
		// We join AllDRouters always (no join/leave at each election):
		// what other DROthers send to the DR and BDR reaches us too.
		e.log.Trace("ignored: to AllDRouters", "iface", d.Iface, "from", src, "state", i.state)
		return
	}
	n := i.nbrByRID(p.RouterID)
	if n != nil && p.AuType == AuthCrypto {
		// §D.4.3: the sequence number never decreases, unless the
		// neighbour was down (it restarted).
		if s := p.CryptoSeq(); s < n.cryptoSeq && n.state > nDown {
			e.drop(d.Iface, src, errorf(ReasonAuthSeq, "sequence %d after %d", s, n.cryptoSeq))
			return
		} else {
			n.cryptoSeq = s
		}
	}
	if h, ok := p.Body.(*Hello); ok {
		e.hello(now, i, src, p, h)
		return
	}
	if n == nil || n.state < nInit {
		e.drop(d.Iface, src, errorf(ReasonNoNeighbor, "%s from %s (%s), no such neighbour", p.Type, p.RouterID, src))
		return
	}
	if p.AuType == AuthCrypto {
		n.cryptoSeq = p.CryptoSeq()
	}
	switch b := p.Body.(type) {
	case *DD:
		e.recvDD(now, n, b)
	case *LSR:
		e.recvLSR(now, n, b)
	case *LSU:
		e.recvLSU(now, n, b)
	case *LSAck:
		e.recvAck(now, n, b)
	}
}

// hello is §10.5.
func (e *engine) hello(now time.Time, i *iface, src netip.Addr, p *Packet, h *Hello) {
	if i.cfg.Type == Broadcast && h.Mask != i.mask {
		e.drop(i.cfg.Name, src, errorf(ReasonMask, "mask %s, ours %s", h.Mask, i.mask))
		return
	}
	if uint32(h.Interval) != secs(i.cfg.Hello) || h.Dead != secs(i.cfg.Dead) {
		e.drop(i.cfg.Name, src, errorf(ReasonTimers, "hello %d dead %d, ours %d %d", h.Interval, h.Dead, secs(i.cfg.Hello), secs(i.cfg.Dead)))
		return
	}
	if (h.Options&OptE != 0) == i.area.cfg.Stub {
		e.drop(i.cfg.Name, src, errorf(ReasonOptions, "E-bit %v in an area with stub=%v", h.Options&OptE != 0, i.area.cfg.Stub))
		return
	}
	n := i.nbrByRID(p.RouterID)
	if n == nil {
		if len(i.nbrs) >= maxNeighbours {
			e.drop(i.cfg.Name, src, errorf(ReasonNoNeighbor, "neighbour table full"))
			return
		}
		n = &nbr{ifc: i, rid: p.RouterID, state: nDown, reqHdr: map[Key]LSAHeader{}, rxmt: map[Key]*LSA{}}
		if p.AuType == AuthCrypto {
			n.cryptoSeq = p.CryptoSeq()
		}
		i.nbrs = append(i.nbrs, n)
	}
	n.addr = src
	self := IDOf(src)
	prevPri, wasDR, wasBDR := n.pri, n.dr == self, n.bdr == self
	n.pri, n.dr, n.bdr = h.Priority, h.DR, h.BDR
	n.deadAt = now.Add(i.cfg.Dead)
	if n.state == nDown {
		e.setState(now, n, nInit, "hello received")
	}
	if !slices.Contains(h.Neighbors, e.rid) {
		if n.state >= n2Way {
			e.resetNbr(now, n, nInit, "1-way: the neighbour no longer lists us")
			if i.cfg.Type == Broadcast && i.state != ifWaiting {
				e.electDR(now, i)
			}
		}
		return
	}
	if n.state == nInit {
		e.setState(now, n, n2Way, "2-way")
		if i.cfg.Type == PointToPoint {
			e.exStart(now, n)
			return
		}
		if i.state != ifWaiting {
			e.electDR(now, i)
			e.adjOK(now, n)
		}
	}
	if i.cfg.Type != Broadcast {
		return
	}
	if i.state == ifWaiting {
		// BackupSeen: the segment already has a DR/BDR; no need to wait.
		if (h.DR == self && h.BDR == 0) || h.BDR == self {
			e.electDR(now, i)
		}
		return
	}
	if prevPri != h.Priority || wasDR != (h.DR == self) || wasBDR != (h.BDR == self) {
		e.electDR(now, i)
	}
}

func (e *engine) setState(now time.Time, n *nbr, s nbrState, why string) {
	if n.state == s {
		return
	}
	old := n.state
	n.state = s
	e.log.Debug("neighbour state", "iface", n.ifc.cfg.Name, "neighbour", n.rid, "from", old, "to", s, "reason", why)
	switch {
	case s == nFull:
		e.event(routing.EventNeighbourUp, n.addr, n.ifc.cfg.Name, fmt.Sprintf("%s Full", n.rid))
	case old == nFull:
		e.event(routing.EventNeighbourDown, n.addr, n.ifc.cfg.Name, fmt.Sprintf("%s %s: %s", n.rid, s, why))
	}
	if s == nFull || old == nFull {
		e.origDirty = true
		e.scheduleSPF(now)
	}
}

// resetNbr clears a neighbour's exchange state and sets it to s (for 1-Way,
// SeqNumberMismatch, BadLSReq, adjacency no longer wanted).
func (e *engine) resetNbr(now time.Time, n *nbr, s nbrState, why string) {
	n.summary, n.req, n.lastSent, n.haveLast = nil, nil, nil, false
	clear(n.reqHdr)
	clear(n.rxmt)
	n.ddAt, n.reqAt, n.rxmtAt = time.Time{}, time.Time{}, time.Time{}
	e.setState(now, n, s, why)
}

// killNbr is KillNbr/InactivityTimer/LLDown: the neighbour is gone.
func (e *engine) killNbr(now time.Time, n *nbr, why string) {
	e.resetNbr(now, n, nDown, why)
	i := n.ifc
	i.nbrs = slices.DeleteFunc(i.nbrs, func(x *nbr) bool { return x == n })
}

// neighbourDown kills the neighbours at addr (all interfaces).
func (e *engine) neighbourDown(now time.Time, addr netip.Addr, why string) {
	for _, i := range e.ifaces {
		for _, n := range slices.Clone(i.nbrs) {
			if n.addr == addr {
				e.killNbr(now, n, why)
				if i.cfg.Type == Broadcast {
					e.electDR(now, i)
				}
			}
		}
	}
	e.afterInput(now)
}

// adjWanted is §10.4: whether an adjacency forms with n.
func (e *engine) adjWanted(n *nbr) bool {
	i := n.ifc
	if i.cfg.Type == PointToPoint {
		return true
	}
	if i.state == ifDR || i.state == ifBackup {
		return true
	}
	a := IDOf(n.addr)
	return a == i.dr || a == i.bdr
}

// adjOK is the AdjOK? event.
func (e *engine) adjOK(now time.Time, n *nbr) {
	want := e.adjWanted(n)
	switch {
	case n.state == n2Way && want:
		e.exStart(now, n)
	case n.state >= nExStart && !want:
		e.resetNbr(now, n, n2Way, "adjacency no longer wanted")
	}
}

// electDR is §9.4.
func (e *engine) electDR(now time.Time, i *iface) {
	if i.cfg.Type != Broadcast || !i.up || i.state <= ifLoopback {
		return
	}
	type cand struct {
		rid, addr, dr, bdr ID
		pri                uint8
	}
	self := cand{rid: e.rid, addr: i.addr, dr: i.dr, bdr: i.bdr, pri: i.cfg.Priority}
	better := func(c cand, cur *cand) bool {
		return cur == nil || c.pri > cur.pri || (c.pri == cur.pri && c.rid > cur.rid)
	}
	oldDR, oldBDR := i.dr, i.bdr
	for round := 0; round < 2; round++ {
		var cs []cand
		if self.pri > 0 {
			cs = append(cs, self)
		}
		for _, n := range i.nbrs {
			if n.state >= n2Way && n.pri > 0 {
				cs = append(cs, cand{rid: n.rid, addr: IDOf(n.addr), dr: n.dr, bdr: n.bdr, pri: n.pri})
			}
		}
		var bdr, bdrAny, dr *cand
		for k := range cs {
			c := cs[k]
			if c.dr == c.addr {
				if better(c, dr) {
					dr = &cs[k]
				}
				continue
			}
			if c.bdr == c.addr && better(c, bdr) {
				bdr = &cs[k]
			}
			if better(c, bdrAny) {
				bdrAny = &cs[k]
			}
		}
		if bdr == nil {
			bdr = bdrAny
		}
		if dr == nil {
			dr = bdr
		}
		var newDR, newBDR ID
		if dr != nil {
			newDR = dr.addr
		}
		if bdr != nil {
			newBDR = bdr.addr
		}
		wasDR, wasBDR := self.dr == i.addr, self.bdr == i.addr
		self.dr, self.bdr = newDR, newBDR
		if round == 0 && (wasDR != (newDR == i.addr) || wasBDR != (newBDR == i.addr)) {
			continue
		}
		break
	}
	if self.dr == self.bdr && self.dr == i.addr {
		self.bdr = 0
	}
	i.dr, i.bdr = self.dr, self.bdr
	old := i.state
	switch {
	case i.dr == i.addr:
		i.state = ifDR
	case i.bdr == i.addr:
		i.state = ifBackup
	default:
		i.state = ifDROther
	}
	if old != i.state || oldDR != i.dr || oldBDR != i.bdr {
		e.log.Debug("DR election", "iface", i.cfg.Name, "state", i.state, "dr", i.dr, "bdr", i.bdr)
		if old != i.state {
			e.event("interface-state", netip.Addr{}, i.cfg.Name, fmt.Sprintf("%s, DR %s, BDR %s", i.state, i.dr, i.bdr))
		}
		for _, n := range slices.Clone(i.nbrs) {
			if n.state >= n2Way {
				e.adjOK(now, n)
			}
		}
		e.origDirty = true
		e.scheduleSPF(now)
		// Tell the segment at once rather than at the next hello.
		e.sendHello(now, i)
	}
}

// exStart starts the database exchange (§10.8).
func (e *engine) exStart(now time.Time, n *nbr) {
	e.resetNbr(now, n, nExStart, "adjacency wanted")
	if n.seq == 0 {
		n.seq = e.rnd.Uint32()>>1 + 1
	} else {
		n.seq++
	}
	n.master = true
	n.ourMore = true // the initial packet says "more": our headers follow
	n.lastSent = &DD{MTU: n.ifc.cfg.MTU, Options: e.options(n.ifc.area), Flags: FlagI | FlagM | FlagMS, Seq: n.seq}
	e.sendDD(now, n)
}

func (e *engine) sendDD(now time.Time, n *nbr) {
	d := *n.lastSent
	e.send(n.ifc, nbrDst(n), &d)
	if n.master {
		n.ddAt = now.Add(n.ifc.cfg.Retransmit)
	}
}

// ddChunk is how many LSA headers fit one Database Description packet.
func ddChunk(mtu uint16) int {
	return max(1, (int(mtu)-20-HeaderLen-ddLen-md5Len)/lsaHdrLen)
}

// nextDD builds and sends our next Database Description packet with the
// next part of the summary list.
func (e *engine) nextDD(now time.Time, n *nbr) {
	k := min(len(n.summary), ddChunk(n.ifc.cfg.MTU))
	d := &DD{MTU: n.ifc.cfg.MTU, Options: e.options(n.ifc.area), Seq: n.seq, Headers: slices.Clone(n.summary[:k])}
	n.summary = n.summary[k:]
	n.ourMore = len(n.summary) > 0
	if n.ourMore {
		d.Flags |= FlagM
	}
	if n.master {
		d.Flags |= FlagMS
	}
	n.lastSent = d
	e.sendDD(now, n)
}

// negotiated is NegotiationDone: the summary list holds the database.
func (e *engine) negotiated(now time.Time, n *nbr, d *DD) {
	n.options = d.Options
	e.setState(now, n, nExchange, "negotiation done")
	n.summary = n.summary[:0]
	a := n.ifc.area
	add := func(db map[Key]*dbEntry) {
		for _, k := range sortedKeys(db) {
			en := db[k]
			if en.age(now) >= MaxAge {
				continue
			}
			n.summary = append(n.summary, en.header(now))
		}
	}
	add(a.db)
	if !a.cfg.Stub {
		add(e.ext)
	}
}

func (e *engine) seqMismatch(now time.Time, n *nbr, why string) {
	e.log.Debug("SeqNumberMismatch", "neighbour", n.rid, "reason", why)
	e.exStart(now, n)
}

// recvDD is §10.6.
func (e *engine) recvDD(now time.Time, n *nbr, d *DD) {
	i := n.ifc
	if d.MTU > i.cfg.MTU {
		e.drop(i.cfg.Name, n.addr, errorf(ReasonMTU, "neighbour MTU %d above ours %d", d.MTU, i.cfg.MTU))
		return
	}
	dup := n.haveLast && d.Flags == n.lastFlags && d.Seq == n.lastSeq && d.Options == n.options
	switch n.state {
	case nInit:
		// 2-WayReceived, then as ExStart.
		e.setState(now, n, n2Way, "database description")
		e.adjOK(now, n)
		if n.state != nExStart {
			return
		}
		fallthrough
	case nExStart:
		switch {
		case d.Flags == FlagI|FlagM|FlagMS && len(d.Headers) == 0 && n.rid > e.rid:
			n.master = false
			n.seq = d.Seq
			e.negotiated(now, n, d)
			n.ddAt = time.Time{}
			n.haveLast, n.lastFlags, n.lastSeq = true, d.Flags, d.Seq
			e.nextDD(now, n)
		case d.Flags&(FlagI|FlagMS) == 0 && d.Seq == n.seq && n.rid < e.rid:
			n.master = true
			e.negotiated(now, n, d)
			e.exchange(now, n, d)
		}
		return
	case nExchange:
		if dup {
			if !n.master {
				e.sendDD(now, n)
			}
			return
		}
		switch {
		case (d.Flags&FlagMS != 0) == n.master:
			e.seqMismatch(now, n, "master/slave bit")
		case d.Flags&FlagI != 0:
			e.seqMismatch(now, n, "initialize bit")
		case d.Options != n.options:
			e.seqMismatch(now, n, "options changed")
		case n.master && d.Seq != n.seq, !n.master && d.Seq != n.seq+1:
			e.seqMismatch(now, n, fmt.Sprintf("sequence %d, expected around %d", d.Seq, n.seq))
		default:
			e.exchange(now, n, d)
		}
	case nLoading, nFull:
		if dup {
			if !n.master {
				e.sendDD(now, n)
			}
			return
		}
		e.seqMismatch(now, n, "database description after the exchange")
	}
}

// exchange takes an accepted Database Description packet in Exchange.
func (e *engine) exchange(now time.Time, n *nbr, d *DD) {
	n.haveLast, n.lastFlags, n.lastSeq = true, d.Flags, d.Seq
	a := n.ifc.area
	for _, h := range d.Headers {
		if h.Type < LSARouter || h.Type > LSAExternal || (h.Type == LSAExternal && a.cfg.Stub) {
			e.seqMismatch(now, n, fmt.Sprintf("LSA type %d in a database description", h.Type))
			return
		}
		k := h.Key()
		if en := e.lookup(a, k); en == nil || Newer(h, en.header(now)) > 0 {
			if _, ok := n.reqHdr[k]; !ok {
				n.req = append(n.req, k)
			}
			n.reqHdr[k] = h
		}
	}
	if n.master {
		if !n.ourMore && d.Flags&FlagM == 0 {
			n.ddAt = time.Time{}
			e.exchangeDone(now, n)
			return
		}
		n.seq++
		e.nextDD(now, n)
		return
	}
	n.seq = d.Seq
	e.nextDD(now, n)
	if d.Flags&FlagM == 0 && !n.ourMore {
		e.exchangeDone(now, n)
	}
}

func (e *engine) exchangeDone(now time.Time, n *nbr) {
	if len(n.reqHdr) == 0 {
		e.setState(now, n, nFull, "exchange done")
		return
	}
	e.setState(now, n, nLoading, "exchange done")
	e.sendLSR(now, n)
}

// sendLSR asks for the head of the request list.
func (e *engine) sendLSR(now time.Time, n *nbr) {
	n.req = slices.DeleteFunc(n.req, func(k Key) bool { _, ok := n.reqHdr[k]; return !ok })
	if len(n.req) == 0 {
		e.loadingDone(now, n)
		return
	}
	k := min(len(n.req), 100)
	r := &LSR{}
	n.lastReq = slices.Clone(n.req[:k])
	for _, key := range n.req[:k] {
		r.Keys = append(r.Keys, LSRKey{Type: uint32(key.Type), ID: key.ID, Adv: key.Adv})
	}
	n.reqAt = now.Add(n.ifc.cfg.Retransmit)
	e.send(n.ifc, nbrDst(n), r)
}

// recvLSR is §10.7.
func (e *engine) recvLSR(now time.Time, n *nbr, r *LSR) {
	if n.state < nExchange {
		e.ignore(n.ifc.cfg.Name, n.addr, "ls-request in %s", n.state)
		return
	}
	var out []*LSA
	for _, k := range r.Keys {
		if k.Type > 255 {
			e.badLSReq(now, n, "request for an unknown type")
			return
		}
		en := e.lookup(n.ifc.area, Key{Type: uint8(k.Type), ID: k.ID, Adv: k.Adv})
		if en == nil {
			e.badLSReq(now, n, fmt.Sprintf("request for %d/%s/%s, not in the database", k.Type, k.ID, k.Adv))
			return
		}
		out = append(out, en.lsa)
	}
	e.sendLSAs(now, n.ifc, nbrDst(n), out)
}

func (e *engine) badLSReq(now time.Time, n *nbr, why string) {
	e.log.Debug("BadLSReq", "neighbour", n.rid, "reason", why)
	e.exStart(now, n)
}

// recvAck is §13.7.
func (e *engine) recvAck(now time.Time, n *nbr, a *LSAck) {
	if n.state < nExchange {
		e.ignore(n.ifc.cfg.Name, n.addr, "ls-ack in %s", n.state)
		return
	}
	for _, h := range a.Headers {
		if l, ok := n.rxmt[h.Key()]; ok && Newer(h, l.LSAHeader) == 0 {
			delete(n.rxmt, h.Key())
		}
	}
}

// lsuBudget is how many octets of LSAs one update carries.
func lsuBudget(mtu uint16) int { return int(mtu) - 20 - HeaderLen - 4 - md5Len }

// sendLSAs sends instances in as few updates as fit the MTU, each LSA's
// age advanced by InfTransDelay (1 s).
func (e *engine) sendLSAs(now time.Time, i *iface, dst netip.Addr, ls []*LSA) {
	budget := lsuBudget(i.cfg.MTU)
	u := &LSU{}
	size := 0
	for _, l := range ls {
		c := *l
		if en := e.lookup(i.area, l.Key()); en != nil && en.lsa == l {
			c.Age = en.age(now)
		}
		c.Age = min(c.Age+1, MaxAge)
		if size > 0 && size+int(c.Length) > budget {
			e.send(i, dst, u)
			u, size = &LSU{}, 0
		}
		u.LSAs = append(u.LSAs, &c)
		size += int(c.Length)
	}
	if len(u.LSAs) > 0 {
		e.send(i, dst, u)
	}
}

// advance runs every timer due at now.
func (e *engine) advance(now time.Time) {
	for _, i := range e.ifaces {
		if !i.up || i.state <= ifLoopback {
			continue
		}
		if !now.Before(i.helloAt) {
			e.sendHello(now, i)
		}
		if i.state == ifWaiting && !now.Before(i.waitAt) {
			e.electDR(now, i)
		}
		for _, n := range slices.Clone(i.nbrs) {
			if !now.Before(n.deadAt) {
				e.log.Info("neighbour dead", "iface", i.cfg.Name, "neighbour", n.rid)
				e.killNbr(now, n, "inactivity timer")
				if i.cfg.Type == Broadcast {
					e.electDR(now, i)
				}
				continue
			}
			if n.master && (n.state == nExStart || n.state == nExchange) && !n.ddAt.IsZero() && !now.Before(n.ddAt) {
				e.sendDD(now, n)
			}
			if (n.state == nExchange || n.state == nLoading) && len(n.reqHdr) > 0 && !n.reqAt.IsZero() && !now.Before(n.reqAt) {
				e.sendLSR(now, n)
			}
			if len(n.rxmt) > 0 && !now.Before(n.rxmtAt) {
				e.retransmit(now, n)
			}
		}
	}
	e.ageDatabase(now)
	if !e.origRetry.IsZero() && !now.Before(e.origRetry) {
		e.origRetry = time.Time{}
		e.origDirty = true
	}
	e.afterInput(now)
	if e.staleLeft() && !now.Before(e.staleUntil) {
		e.syncKernel(now)
	}
	if !e.spfAt.IsZero() && !now.Before(e.spfAt) {
		e.spfAt = time.Time{}
		e.runSPF(now)
		e.afterInput(now)
	}
}

// afterInput does what a burst of input leaves to do: delayed acks and
// LSA originations.
func (e *engine) afterInput(now time.Time) {
	for range 3 { // originating can change what SPF gives ABRs, once
		if !e.origDirty {
			break
		}
		e.origDirty = false
		e.originateAll(now)
	}
	for _, i := range e.ifaces {
		if len(i.acks) == 0 {
			continue
		}
		for len(i.acks) > 0 {
			k := min(len(i.acks), lsuBudget(i.cfg.MTU)/lsaHdrLen)
			e.send(i, floodDst(i), &LSAck{Headers: slices.Clone(i.acks[:k])})
			i.acks = i.acks[k:]
		}
		i.acks = nil
	}
}

func (e *engine) retransmit(now time.Time, n *nbr) {
	keys := make([]Key, 0, len(n.rxmt))
	for k := range n.rxmt {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmpKey)
	ls := make([]*LSA, 0, len(keys))
	for _, k := range keys {
		ls = append(ls, n.rxmt[k])
	}
	n.rxmtAt = now.Add(n.ifc.cfg.Retransmit)
	e.sendLSAs(now, n.ifc, n.addr, ls)
}

// next is when advance must run again (zero: nothing scheduled).
func (e *engine) next() time.Time {
	var t time.Time
	upd := func(c time.Time) {
		if !c.IsZero() && (t.IsZero() || c.Before(t)) {
			t = c
		}
	}
	for _, i := range e.ifaces {
		if !i.up || i.state <= ifLoopback {
			continue
		}
		upd(i.helloAt)
		if i.state == ifWaiting {
			upd(i.waitAt)
		}
		for _, n := range i.nbrs {
			upd(n.deadAt)
			if n.master && (n.state == nExStart || n.state == nExchange) {
				upd(n.ddAt)
			}
			if (n.state == nExchange || n.state == nLoading) && len(n.reqHdr) > 0 {
				upd(n.reqAt)
			}
			if len(n.rxmt) > 0 {
				upd(n.rxmtAt)
			}
		}
	}
	upd(e.spfAt)
	if e.staleLeft() {
		upd(e.staleUntil)
	}
	upd(e.origRetry)
	upd(e.ageDue())
	return t
}

// kernelRoute is a route the engine put in the kernel, or found there at
// start (stale).
type kernelRoute struct {
	Route
	stale bool
}

// adopt takes over OSPF routes a previous agent left in the kernel.
func (e *engine) adopt(now time.Time, prefixes []netip.Prefix) {
	dead := time.Duration(0)
	for _, i := range e.ifaces {
		if !i.cfg.Passive {
			dead = max(dead, i.cfg.Dead)
		}
	}
	e.staleUntil = now.Add(dead + 2*e.cfg.MinLSInterval)
	for _, p := range prefixes {
		if _, ok := e.installed[p]; !ok {
			e.installed[p] = &kernelRoute{Route: Route{Prefix: p}, stale: true}
		}
	}
}

// staleLeft reports whether adopted routes wait for their deadline.
func (e *engine) staleLeft() bool {
	if e.staleUntil.IsZero() {
		return false
	}
	for _, r := range e.installed {
		if r.stale {
			return true
		}
	}
	e.staleUntil = time.Time{}
	return false
}

// scheduleSPF asks for an SPF run: at once after a quiet spell, else
// SPFDelay after the last run, so a flood of changes costs a few runs,
// not one per LSA, and a single change is routed around without delay.
func (e *engine) scheduleSPF(now time.Time) {
	if !e.spfAt.IsZero() {
		return
	}
	e.spfAt = now
	if t := e.lastSPF.Add(e.cfg.SPFDelay); !e.lastSPF.IsZero() && t.After(now) {
		e.spfAt = t
	}
}

func unwrapError(err error) *Error {
	for err != nil {
		if oe, ok := err.(*Error); ok {
			return oe
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return nil
		}
		err = u.Unwrap()
	}
	return nil
}
