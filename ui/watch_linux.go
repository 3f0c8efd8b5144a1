package ui

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
	"unsafe"

	"github.com/hashicorp/go-hclog"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/bfd"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// KernelWatch follows a running share without polling: netlink link and
// route notifications from every local node's namespace, and inotify on
// the share's state directory (faults.json, aws.json) and on each router's
// directory (its events.jsonl). Agents are asked for their sessions once at
// start and then only when their event log reports a session or neighbour
// change.
type KernelWatch struct {
	Lab      *topo.Lab
	StateDir string
	// Nodes are the nodes this machine runs.
	Nodes []string
	Log   hclog.Logger
	// Ask reads a router agent's sessions (converge.Ask on the node's
	// directory when nil).
	Ask func(ctx context.Context, node string) converge.View
	// AskBFD reads a router agent's BFD sessions (the agent's /bfd when
	// nil); an agent without BFD answers none.
	AskBFD func(ctx context.Context, node string) ([]bfd.SessionStatus, error)
	// Recent bounds how many past timeline entries the page starts with.
	Recent int
	// Ready, when set, is called once every socket and file watch is in
	// place: a change after it is seen.
	Ready func()
}

// ErrLabDown is Watch's error when the share's state directory goes
// away: `netemu down` removed the lab under the server.
var ErrLabDown = errors.New("the lab went down (its state directory was removed)")

// debounce is how long a node's route count waits for the rest of a burst
// of route changes before it is counted again.
const debounce = 30 * time.Millisecond

// Watch implements Watcher.
func (kw *KernelWatch) Watch(ctx context.Context, s Sink) error {
	log := kw.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	log = log.Named("watch")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ask := kw.Ask
	if ask == nil {
		ask = func(ctx context.Context, node string) converge.View {
			return converge.Ask(ctx, node, labpath.NodeDir(kw.StateDir, node))
		}
	}
	askBFD := kw.AskBFD
	if askBFD == nil {
		askBFD = func(ctx context.Context, node string) ([]bfd.SessionStatus, error) {
			st, err := agent.Dial(converge.AgentSocket(labpath.NodeDir(kw.StateDir, node))).BFD(ctx)
			if errors.Is(err, agent.ErrNoDaemon) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return st.Sessions, nil
		}
	}
	routers := kw.routers()

	// Files first: the faults in force decide which links are silent.
	var fmu sync.Mutex // serialises reloads of the share's files
	reloadFaults := func(initial bool) {
		fmu.Lock()
		defer fmu.Unlock()
		f, err := fault.Load(kw.StateDir)
		if err != nil {
			log.Warn("read faults", "error", err)
			return
		}
		s.Apply(func(m *Model) []Message { return m.SetFaults(f, initial) })
	}
	reloadAWS := func() {
		fmu.Lock()
		defer fmu.Unlock()
		aws, err := fw.LoadState(kw.StateDir)
		if err != nil {
			log.Warn("read AWS state", "error", err)
			return
		}
		s.Apply(func(m *Model) []Message {
			var out []Message
			for _, name := range slices.Sorted(mapKeys(aws.Instances)) {
				in := aws.Instances[name]
				out = append(out, m.SetInstance(name, InstanceState{Running: in.Running, PublicIP: in.PublicIP, Elastic: in.Elastic})...)
			}
			return out
		})
	}
	reloadFaults(true)
	reloadAWS()

	// The past: injections and agents' events, merged in time order.
	tails := map[string]*tail{}
	var past []Event
	if f, err := fault.Load(kw.StateDir); err == nil {
		for _, r := range f.History {
			past = append(past, FromFault(r))
		}
	}
	for _, r := range routers {
		t := &tail{path: filepath.Join(labpath.NodeDir(kw.StateDir, r), "events.jsonl")}
		evs, _ := t.read()
		for _, e := range evs {
			past = append(past, FromRouting(e))
		}
		tails[r] = t
	}
	slices.SortStableFunc(past, func(a, b Event) int { return a.Time.Compare(b.Time) })
	recent := kw.Recent
	if recent <= 0 {
		recent = maxEvents
	}
	if len(past) > recent {
		past = past[len(past)-recent:]
	}
	s.Apply(func(m *Model) []Message { return m.AddTimeline(past) })

	// Sessions: every agent once, in parallel (bounded).
	asker := newAsker(ctx, ask, askBFD, s)
	for _, r := range routers {
		asker.request(r)
	}

	// The kernel.
	counter := newRouteCounter(ctx, kw.Lab.Name, s, log)
	defer counter.close()
	mux, err := newNLMux()
	if err != nil {
		return err
	}
	go func() {
		err := mux.run(func(e nlEvent) {
			if e.route {
				counter.touch(e.node)
				return
			}
			s.Apply(func(m *Model) []Message { return m.SetOper(e.node, e.link, e.up) })
		}, func(node string) {
			// Notifications were lost: read the node again.
			log.Warn("netlink notifications lost, reading the node again", "node", node)
			counter.touch(node)
			if h := counter.handle(node); h != nil {
				_ = listLinks(node, h, s)
			}
		})
		if err != nil {
			log.Error("netlink notifications", "error", err)
		}
	}()
	defer mux.Close()
	for _, n := range kw.Nodes {
		if err := kw.watchNode(n, s, counter, mux); err != nil {
			return err
		}
	}

	// The files.
	in, err := newInotify()
	if err != nil {
		return err
	}
	defer in.Close()
	if err := in.add(kw.StateDir, unix.IN_CLOSE_WRITE|unix.IN_MOVED_TO|unix.IN_CREATE|unix.IN_DELETE_SELF|unix.IN_MOVE_SELF, ""); err != nil {
		return err
	}
	for _, r := range routers {
		dir := labpath.NodeDir(kw.StateDir, r)
		if err := in.add(dir, unix.IN_MODIFY|unix.IN_CREATE|unix.IN_MOVED_TO|unix.IN_CLOSE_WRITE, r); err != nil {
			log.Warn("watch node directory", "node", r, "error", err)
		}
	}
	go func() {
		<-ctx.Done()
		in.Close()
	}()
	if kw.Ready != nil {
		kw.Ready()
	}
	for {
		evs, err := in.read()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("watch lab files: %w", err)
		}
		for _, ev := range evs {
			if ev.node == "" && ev.gone {
				return fmt.Errorf("lab %s: %w", kw.Lab.Name, ErrLabDown)
			}
			if ev.node == "" {
				switch ev.name {
				case fault.FileName:
					reloadFaults(false)
				case fw.StateFile:
					reloadAWS()
				}
				continue
			}
			if ev.name != "events.jsonl" {
				continue
			}
			t := tails[ev.node]
			if t == nil {
				continue
			}
			rev, err := t.read()
			if err != nil {
				log.Warn("read events", "node", ev.node, "error", err)
				continue
			}
			if len(rev) == 0 {
				continue
			}
			s.Apply(func(m *Model) []Message { return m.AddEvents(rev) })
			for _, e := range rev {
				switch e.Kind {
				case routing.EventSessionUp, routing.EventSessionDown, routing.EventNeighbourUp, routing.EventNeighbourDown, routing.EventStart:
					asker.request(ev.node)
				}
			}
		}
	}
}

// routers are the local nodes that run a routing agent.
func (kw *KernelWatch) routers() []string {
	if kw.Lab.Daemons == "none" {
		return nil
	}
	var out []string
	for _, n := range kw.Nodes {
		if nd := kw.Lab.Node(n); nd != nil && nd.Kind == topo.KindRouter {
			out = append(out, n)
		}
	}
	return out
}

// watchNode adds a node's netlink socket to the multiplexer, opens the
// handle its routes are counted through, and reports its links as they
// are now (the socket reports only changes).
func (kw *KernelWatch) watchNode(node string, s Sink, counter *routeCounter, mux *nlMux) error {
	path := labpath.NetnsPath(kw.Lab.Name, node)
	if err := mux.add(node, path); err != nil {
		return err
	}
	h, err := inns.Open(path, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("node %q: %w", node, err)
	}
	counter.add(node, h)
	if err := listLinks(node, h, s); err != nil {
		return err
	}
	counter.touch(node)
	return nil
}

// listLinks reports every interface's carrier in node as the kernel has
// it now.
func listLinks(node string, h *inns.Handle, s Sink) error {
	var links []netlink.Link
	var err error
	for try := 0; try < 5; try++ {
		links, err = h.LinkList()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("node %q: list links: %w", node, err)
	}
	s.Apply(func(m *Model) []Message {
		var out []Message
		for _, l := range links {
			a := l.Attrs()
			up := a.Flags&net.FlagUp != 0 && a.RawFlags&unix.IFF_LOWER_UP != 0
			out = append(out, m.SetOper(node, a.Name, up)...)
		}
		return out
	})
	return nil
}

// routeCounter counts each node's main-table routes a moment after the
// last change of a burst, through a netlink handle bound to the node.
type routeCounter struct {
	ctx     context.Context
	lab     string
	sink    Sink
	log     hclog.Logger
	mu      sync.Mutex
	handles map[string]*inns.Handle
	timers  map[string]*time.Timer
	// signal coalesces "some table changed" for the pages' traces.
	signal *time.Timer
}

func newRouteCounter(ctx context.Context, lab string, s Sink, log hclog.Logger) *routeCounter {
	return &routeCounter{ctx: ctx, lab: lab, sink: s, log: log, handles: map[string]*inns.Handle{}, timers: map[string]*time.Timer{}}
}

// add keeps h, a netlink handle bound to node, for counting; close
// closes it.
func (c *routeCounter) add(node string, h *inns.Handle) {
	c.mu.Lock()
	c.handles[node] = h
	c.mu.Unlock()
}

// handle is node's handle, nil before add.
func (c *routeCounter) handle(node string) *inns.Handle {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.handles[node]
}

func (c *routeCounter) touch(node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.signal == nil {
		c.signal = time.AfterFunc(debounce, func() {
			c.mu.Lock()
			c.signal = nil
			c.mu.Unlock()
			c.sink.RoutesChanged()
		})
	}
	if t, ok := c.timers[node]; ok {
		t.Reset(debounce)
		return
	}
	c.timers[node] = time.AfterFunc(debounce, func() { c.count(node) })
}

func (c *routeCounter) count(node string) {
	if c.ctx.Err() != nil {
		return
	}
	c.mu.Lock()
	h := c.handles[node]
	c.mu.Unlock()
	if h == nil {
		return
	}
	var rs []netlink.Route
	var err error
	for try := 0; try < 5; try++ {
		rs, err = h.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil {
		c.log.Debug("count routes", "node", node, "error", err)
		return
	}
	n := len(rs)
	c.sink.Apply(func(m *Model) []Message { return m.SetRoutes(node, n) })
}

func (c *routeCounter) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.timers {
		t.Stop()
	}
	if c.signal != nil {
		c.signal.Stop()
	}
	for _, h := range c.handles {
		h.Close()
	}
	c.handles = map[string]*inns.Handle{}
}

// asker reads agents' sessions, at most one ask per node in flight and a
// bounded number at once; a request while one is running asks again
// after it, so the last change is never missed.
type asker struct {
	ctx   context.Context
	ask   func(ctx context.Context, node string) converge.View
	bfd   func(ctx context.Context, node string) ([]bfd.SessionStatus, error)
	sink  Sink
	sem   chan struct{}
	mu    sync.Mutex
	busy  map[string]bool
	again map[string]bool
}

func newAsker(ctx context.Context, ask func(context.Context, string) converge.View, askBFD func(context.Context, string) ([]bfd.SessionStatus, error), s Sink) *asker {
	return &asker{ctx: ctx, ask: ask, bfd: askBFD, sink: s, sem: make(chan struct{}, 16), busy: map[string]bool{}, again: map[string]bool{}}
}

func (a *asker) request(node string) {
	a.mu.Lock()
	if a.busy[node] {
		a.again[node] = true
		a.mu.Unlock()
		return
	}
	a.busy[node] = true
	a.mu.Unlock()
	go func() {
		for {
			select {
			case a.sem <- struct{}{}:
			case <-a.ctx.Done():
				return
			}
			ctx, cancel := context.WithTimeout(a.ctx, 3*time.Second)
			v := a.ask(ctx, node)
			var sessions []bfd.SessionStatus
			bfdErr := v.Err
			if v.Err == nil {
				sessions, bfdErr = a.bfd(ctx, node)
			}
			cancel()
			<-a.sem
			a.sink.Apply(func(m *Model) []Message {
				out := m.SetView(v)
				if bfdErr == nil {
					out = append(out, m.SetBFD(node, sessions)...)
				}
				return out
			})
			a.mu.Lock()
			if !a.again[node] {
				a.busy[node] = false
				a.mu.Unlock()
				return
			}
			a.again[node] = false
			a.mu.Unlock()
		}
	}()
}

// tail reads the lines appended to an event log since the last read. The
// agent rotates its log by renaming it to events.jsonl.1 and starting a
// new one: a file that shrank or changed inode is read from its start.
type tail struct {
	path  string
	off   int64
	ino   uint64
	carry []byte
}

func (t *tail) read() ([]routing.Event, error) {
	f, err := os.Open(t.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	ino := uint64(0)
	if st, ok := fi.Sys().(*unix.Stat_t); ok {
		ino = st.Ino
	}
	if ino != t.ino || fi.Size() < t.off {
		t.ino, t.off, t.carry = ino, 0, nil
	}
	if _, err := f.Seek(t.off, io.SeekStart); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, 16<<20))
	if err != nil {
		return nil, err
	}
	t.off += int64(len(b))
	b = append(t.carry, b...)
	// A line the agent is still writing waits for its newline.
	cut := bytes.LastIndexByte(b, '\n')
	if cut < 0 {
		t.carry = b
		return nil, nil
	}
	t.carry = append([]byte(nil), b[cut+1:]...)
	var out []routing.Event
	sc := bufio.NewScanner(bytes.NewReader(b[:cut+1]))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e routing.Event
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			out = append(out, e)
		}
	}
	return out, nil
}

// inotify is a minimal inotify reader on Go's poller, so Close wakes a
// blocked read.
type inotify struct {
	f     *os.File
	fd    int
	mu    sync.Mutex
	nodes map[int32]string // watch descriptor → node ("" for the state dir)
}

type inotifyEvent struct {
	node, name string
	// gone: the watched directory itself was removed (the lab is down).
	gone bool
}

func newInotify() (*inotify, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	return &inotify{f: os.NewFile(uintptr(fd), "inotify"), fd: fd, nodes: map[int32]string{}}, nil
}

func (in *inotify) add(dir string, mask uint32, node string) error {
	wd, err := unix.InotifyAddWatch(in.fd, dir, mask)
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	in.mu.Lock()
	in.nodes[int32(wd)] = node
	in.mu.Unlock()
	return nil
}

func (in *inotify) read() ([]inotifyEvent, error) {
	buf := make([]byte, 64<<10)
	n, err := in.f.Read(buf)
	if err != nil {
		return nil, err
	}
	var out []inotifyEvent
	seen := map[inotifyEvent]bool{}
	for off := 0; off+unix.SizeofInotifyEvent <= n; {
		raw := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
		end := off + unix.SizeofInotifyEvent + int(raw.Len)
		if end > n {
			break
		}
		name := string(bytes.TrimRight(buf[off+unix.SizeofInotifyEvent:end], "\x00"))
		off = end
		in.mu.Lock()
		node, ok := in.nodes[raw.Wd]
		in.mu.Unlock()
		if !ok {
			continue
		}
		e := inotifyEvent{node: node, name: name, gone: raw.Mask&(unix.IN_DELETE_SELF|unix.IN_MOVE_SELF) != 0}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out, nil
}

func (in *inotify) Close() error { return in.f.Close() }
