package ospf

import (
	"bytes"
	"cmp"
	"maps"
	"slices"
	"time"
)

// area is one attached area: its interfaces, its link-state database and
// what the last SPF found in it.
type area struct {
	cfg    Area
	id     ID
	ifaces []*iface
	db     map[Key]*dbEntry
	// routers are the routers SPF reached in the area, by router ID.
	routers map[ID]*vertex
	// sums are the summary-LSAs we originate into the area as its ABR.
	sums map[Key]LSABody
}

// dbEntry is one LSA in a database. lsa.Age was the age at `at`; the
// entry ages with the clock passed in.
type dbEntry struct {
	lsa    *LSA
	at     time.Time
	recvAt time.Time // installed (MinLSArrival)
	// origAt is when we originated this instance (zero when it came from
	// the network, even with our router ID: §13.4 then re-originates).
	origAt  time.Time
	fromNet bool
	flushed bool // reached MaxAge and was flooded as such
}

func (d *dbEntry) age(now time.Time) uint16 {
	if d.lsa.Age >= MaxAge {
		return MaxAge
	}
	a := int64(d.lsa.Age) + int64(now.Sub(d.at)/time.Second)
	return uint16(min(max(a, 0), MaxAge))
}

func (d *dbEntry) header(now time.Time) LSAHeader {
	h := d.lsa.LSAHeader
	h.Age = d.age(now)
	return h
}

func cmpKey(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Adv, b.Adv))
}

func sortedKeys(db map[Key]*dbEntry) []Key {
	return slices.SortedFunc(maps.Keys(db), cmpKey)
}

// lookup finds an LSA in the database of its flooding scope.
func (e *engine) lookup(a *area, k Key) *dbEntry {
	if k.Type == LSAExternal {
		return e.ext[k]
	}
	return a.db[k]
}

// scopeIfaces are the interfaces an LSA of type t from area a floods on.
func (e *engine) scopeIfaces(a *area, t uint8) []*iface {
	if t != LSAExternal {
		return a.ifaces
	}
	var out []*iface
	for _, i := range e.ifaces {
		if !i.area.cfg.Stub {
			out = append(out, i)
		}
	}
	return out
}

// sameContents reports whether two instances say the same thing (§13.2:
// a change schedules SPF).
func sameContents(a, b *LSA) bool {
	if a.Options != b.Options || (a.Age >= MaxAge) != (b.Age >= MaxAge) || a.Length != b.Length {
		return false
	}
	return bytes.Equal(a.Encode(nil)[lsaHdrLen:], b.Encode(nil)[lsaHdrLen:])
}

// install puts l into the database (§13.2), taking the old instance off
// every retransmission list.
func (e *engine) install(now time.Time, a *area, l *LSA, fromNet bool) *dbEntry {
	k := l.Key()
	db := a.db
	if k.Type == LSAExternal {
		db = e.ext
	}
	old := db[k]
	if old == nil || !sameContents(old.lsa, l) {
		e.scheduleSPF(now)
	}
	for _, i := range e.scopeIfaces(a, k.Type) {
		for _, n := range i.nbrs {
			if x, ok := n.rxmt[k]; ok && x != l {
				delete(n.rxmt, k)
			}
		}
	}
	en := &dbEntry{lsa: l, at: now, recvAt: now, fromNet: fromNet, flushed: l.Age >= MaxAge}
	db[k] = en
	return en
}

// flood is §13.3: l goes to every adjacent neighbour in its scope except
// the one it came from; it reports whether it went back out of the
// receiving interface.
func (e *engine) flood(now time.Time, a *area, l *LSA, from *nbr) bool {
	k := l.Key()
	back := false
	for _, i := range e.scopeIfaces(a, k.Type) {
		if !i.up || i.state <= ifLoopback {
			continue
		}
		added := false
		for _, n := range i.nbrs {
			if n.state < nExchange {
				continue
			}
			if n.state < nFull {
				if h, ok := n.reqHdr[k]; ok {
					c := Newer(l.LSAHeader, h)
					if c < 0 {
						continue
					}
					delete(n.reqHdr, k)
					// The answer came through another neighbour: the
					// request list may be empty now (LoadingDone).
					e.loadingDone(now, n)
					if c == 0 {
						continue
					}
				}
			}
			if n == from {
				continue
			}
			if len(n.rxmt) == 0 {
				n.rxmtAt = now.Add(i.cfg.Retransmit)
			}
			n.rxmt[k] = l
			added = true
		}
		if !added {
			continue
		}
		if from != nil && i == from.ifc {
			if i.cfg.Type == Broadcast && (IDOf(from.addr) == i.dr || IDOf(from.addr) == i.bdr) {
				continue
			}
			if i.state == ifBackup {
				continue
			}
			back = true
		}
		e.sendLSAs(now, i, floodDst(i), []*LSA{l})
	}
	return back
}

// loadingDone is LoadingDone: a neighbour in Loading whose request list
// emptied is Full, however the requested LSAs arrived.
func (e *engine) loadingDone(now time.Time, n *nbr) {
	if n.state == nLoading && len(n.reqHdr) == 0 {
		n.req = n.req[:0]
		e.setState(now, n, nFull, "loading done")
	}
}

// anyExchanging reports whether a neighbour in a's scope is still
// synchronising (Exchange or Loading): MaxAge LSAs stay until it is done.
func (e *engine) anyExchanging(a *area, t uint8) bool {
	for _, i := range e.scopeIfaces(a, t) {
		for _, n := range i.nbrs {
			if n.state == nExchange || n.state == nLoading {
				return true
			}
		}
	}
	return false
}

// recvLSU is §13 for each LSA of an update.
func (e *engine) recvLSU(now time.Time, n *nbr, u *LSU) {
	i := n.ifc
	a := i.area
	if n.state < nExchange {
		e.ignore(i.cfg.Name, n.addr, "ls-update in %s", n.state)
		return
	}
	var direct []LSAHeader
	for _, l := range u.LSAs {
		if err := l.Check(); err != nil {
			e.drop(i.cfg.Name, n.addr, err)
			continue
		}
		if l.Type == LSAExternal && a.cfg.Stub {
			e.drop(i.cfg.Name, n.addr, errorf(ReasonLSAScope, "AS-external-LSA %s in stub area %s", l.Key(), a.id))
			continue
		}
		k := l.Key()
		en := e.lookup(a, k)
		if l.Age >= MaxAge && en == nil && !e.anyExchanging(a, l.Type) {
			direct = append(direct, l.LSAHeader)
			continue
		}
		c := 1
		if en != nil {
			c = Newer(l.LSAHeader, en.header(now))
		}
		if c > 0 {
			if en != nil && now.Sub(en.recvAt) < e.cfg.MinLSArrival && en.origAt.IsZero() {
				continue // §13 (5a): too soon after the last instance
			}
			back := e.flood(now, a, l, n)
			ne := e.install(now, a, l, true)
			if !back {
				i.acks = append(i.acks, l.LSAHeader)
			}
			if l.Adv == e.rid {
				// §13.4: an instance of ours from before a restart, or
				// one we no longer originate: originateAll re-originates
				// it with a higher sequence number or flushes it.
				ne.origAt = time.Time{}
				e.origDirty = true
			}
			continue
		}
		if _, ok := n.reqHdr[k]; ok {
			e.badLSReq(now, n, "requested LSA is not newer than ours")
			return
		}
		if c == 0 {
			if x, ok := n.rxmt[k]; ok && Newer(x.LSAHeader, l.LSAHeader) == 0 {
				delete(n.rxmt, k) // implied acknowledgement
				continue
			}
			direct = append(direct, l.LSAHeader)
			continue
		}
		if en.age(now) >= MaxAge && en.lsa.Seq == MaxSeq {
			continue
		}
		e.sendLSAs(now, i, nbrDst(n), []*LSA{en.lsa})
	}
	if len(direct) > 0 {
		e.send(i, nbrDst(n), &LSAck{Headers: direct})
	}
	if n.state == nLoading || n.state == nExchange {
		n.req = slices.DeleteFunc(n.req, func(k Key) bool { _, ok := n.reqHdr[k]; return !ok })
		switch {
		case len(n.req) == 0 && n.state == nLoading:
			e.setState(now, n, nFull, "loading done")
		case len(n.req) > 0 && !slices.ContainsFunc(n.lastReq, func(k Key) bool { _, ok := n.reqHdr[k]; return ok }):
			// The last request is answered: ask for the next part now,
			// not at the retransmission timer.
			e.sendLSR(now, n)
		}
	}
}

// ageDatabase flushes LSAs that reached MaxAge (§14) and removes those no
// neighbour still needs; it marks our own LSAs due for refresh.
func (e *engine) ageDatabase(now time.Time) {
	e.lastSweep = now
	sweep := func(a *area, db map[Key]*dbEntry) {
		for _, k := range sortedKeys(db) {
			en := db[k]
			if en.age(now) < MaxAge {
				if en.lsa.Adv == e.rid && now.Sub(en.origAt) >= e.cfg.Refresh {
					e.origDirty = true
				}
				continue
			}
			if !en.flushed {
				e.flush(now, a, en)
			}
			if !e.onRxmt(a, k) && !e.anyExchanging(a, k.Type) {
				delete(db, k)
				e.scheduleSPF(now)
			}
		}
	}
	for _, a := range e.areas {
		sweep(a, a.db)
	}
	if len(e.ext) > 0 {
		var any *area
		for _, a := range e.areas {
			if !a.cfg.Stub {
				any = a
			}
		}
		if any == nil {
			clear(e.ext)
		} else {
			sweep(any, e.ext)
		}
	}
}

// ageDue is the next time ageDatabase has work.
func (e *engine) ageDue() time.Time {
	var t time.Time
	upd := func(c time.Time) {
		if t.IsZero() || c.Before(t) {
			t = c
		}
	}
	scan := func(db map[Key]*dbEntry) {
		for _, en := range db {
			if en.flushed {
				// Removal waits for acks and exchanges: look again
				// a second after the last sweep.
				upd(e.lastSweep.Add(time.Second))
				continue
			}
			upd(en.at.Add(time.Duration(MaxAge-int(en.lsa.Age)) * time.Second))
			if en.lsa.Adv == e.rid {
				upd(en.origAt.Add(e.cfg.Refresh))
			}
		}
	}
	for _, a := range e.areas {
		scan(a.db)
	}
	scan(e.ext)
	return t
}

func (e *engine) onRxmt(a *area, k Key) bool {
	for _, i := range e.scopeIfaces(a, k.Type) {
		for _, n := range i.nbrs {
			if _, ok := n.rxmt[k]; ok {
				return true
			}
		}
	}
	return false
}

// flush floods en at MaxAge (§14.1, premature aging for our own).
func (e *engine) flush(now time.Time, a *area, en *dbEntry) {
	c := *en.lsa
	c.Age = MaxAge
	en.lsa, en.at, en.flushed = &c, now, true
	e.log.Debug("flushing", "lsa", c.Key())
	e.flood(now, a, &c, nil)
	e.scheduleSPF(now)
}

// originate installs and floods a new instance of one of our LSAs when
// its contents changed or it is due for refresh, MinLSInterval allowing.
func (e *engine) originate(now time.Time, a *area, k Key, opts uint8, body LSABody) {
	en := e.lookup(a, k)
	l := &LSA{LSAHeader: LSAHeader{Options: opts, Type: k.Type, ID: k.ID, Adv: e.rid, Seq: InitialSeq}, Body: body}
	l.Seal()
	if en != nil {
		if !en.flushed && !en.origAt.IsZero() && sameContents(en.lsa, l) && now.Sub(en.origAt) < e.cfg.Refresh {
			return
		}
		if !en.origAt.IsZero() && now.Sub(en.origAt) < e.cfg.MinLSInterval {
			if t := en.origAt.Add(e.cfg.MinLSInterval); e.origRetry.IsZero() || t.Before(e.origRetry) {
				e.origRetry = t
			}
			return
		}
		if en.lsa.Seq < MaxSeq {
			l.Seq = en.lsa.Seq + 1
		}
		l.Seal()
	}
	e.flood(now, a, l, nil)
	ne := e.install(now, a, l, false)
	ne.origAt = now
}

// originateAll brings every LSA we originate up to date, and flushes those
// we no longer originate.
func (e *engine) originateAll(now time.Time) {
	ext := len(e.cfg.External) > 0
	var anyNonStub *area
	for _, a := range e.areas {
		want := map[Key]bool{}
		rk := Key{Type: LSARouter, ID: e.rid, Adv: e.rid}
		want[rk] = true
		e.originate(now, a, rk, e.options(a), e.routerLSA(a, ext && !a.cfg.Stub))
		for _, i := range a.ifaces {
			if i.state != ifDR {
				continue
			}
			nl := &NetworkLSA{Mask: i.mask, Routers: []ID{e.rid}}
			for _, n := range i.nbrs {
				if n.state == nFull {
					nl.Routers = append(nl.Routers, n.rid)
				}
			}
			if len(nl.Routers) > 1 {
				slices.Sort(nl.Routers[1:])
				k := Key{Type: LSANetwork, ID: i.addr, Adv: e.rid}
				want[k] = true
				e.originate(now, a, k, e.options(a), nl)
			}
		}
		for _, k := range slices.SortedFunc(maps.Keys(a.sums), cmpKey) {
			want[k] = true
			e.originate(now, a, k, e.options(a), a.sums[k])
		}
		for _, k := range sortedKeys(a.db) {
			if en := a.db[k]; k.Adv == e.rid && !want[k] && !en.flushed {
				e.flush(now, a, en)
			}
		}
		if !a.cfg.Stub {
			anyNonStub = a
		}
	}
	want := map[Key]bool{}
	if anyNonStub != nil {
		for _, x := range e.cfg.External {
			p := x.Prefix.Masked()
			k := Key{Type: LSAExternal, ID: IDOf(p.Addr()), Adv: e.rid}
			want[k] = true
			e.originate(now, anyNonStub, k, OptE, &ExternalLSA{Mask: MaskOf(p.Bits()),
				Routes: []ExternalRoute{{E: !x.Type1, Metric: min(x.Metric, LSInfinity-1), Tag: x.Tag}}})
		}
		for _, k := range sortedKeys(e.ext) {
			if en := e.ext[k]; k.Adv == e.rid && !want[k] && !en.flushed {
				e.flush(now, anyNonStub, en)
			}
		}
	}
}

// routerLSA builds our router-LSA for area a (§12.4.1).
func (e *engine) routerLSA(a *area, asbr bool) *RouterLSA {
	r := &RouterLSA{}
	if e.isABR() {
		r.Flags |= RouterB
	}
	if asbr {
		r.Flags |= RouterE
	}
	for _, i := range a.ifaces {
		if !i.up || i.state == ifDown {
			continue
		}
		net := i.cfg.Addr.Masked()
		stub := RouterLink{ID: IDOf(net.Addr()), Data: i.mask, Type: LinkStub, Metric: i.cfg.Cost}
		switch {
		case i.state == ifLoopback:
			if net.Bits() == 32 {
				stub.Metric = 0
			}
			r.Links = append(r.Links, stub)
		case i.cfg.Type == PointToPoint:
			for _, n := range i.nbrs {
				if n.state == nFull {
					r.Links = append(r.Links, RouterLink{ID: n.rid, Data: i.addr, Type: LinkP2P, Metric: i.cfg.Cost})
				}
			}
			r.Links = append(r.Links, stub)
		default:
			transit := false
			if i.state != ifWaiting {
				for _, n := range i.nbrs {
					if n.state == nFull && (i.state == ifDR || IDOf(n.addr) == i.dr) {
						transit = true
					}
				}
			}
			if transit {
				r.Links = append(r.Links, RouterLink{ID: i.dr, Data: i.addr, Type: LinkTransit, Metric: i.cfg.Cost})
			} else {
				r.Links = append(r.Links, stub)
			}
		}
	}
	return r
}

// isABR reports whether the router attaches to more than one area.
func (e *engine) isABR() bool {
	n := 0
	for _, a := range e.areas {
		if a.attached() {
			n++
		}
	}
	return n > 1
}

func (a *area) attached() bool {
	for _, i := range a.ifaces {
		if i.up && i.state != ifDown {
			return true
		}
	}
	return false
}
