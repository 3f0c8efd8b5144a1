package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// Backend is what the page may do to the lab and ask of it beyond the
// pushed state. cmd/netemu implements it with the lab package, so a cut
// from the page takes the same code path as `netemu link down`.
type Backend interface {
	// LinkDown cuts the link between ends a and b ("node:iface"): carrier
	// lost on both ends, or silent (every packet dropped, carrier kept).
	LinkDown(ctx context.Context, a, b string, silent bool) error
	// LinkUp removes either fault.
	LinkUp(ctx context.Context, a, b string) error
	// Trace is the path a packet from node from to node to takes now.
	Trace(ctx context.Context, from, to string) (*converge.Path, error)
	// Details are a node's kernel routes, its daemons' sessions and
	// anything else worth showing when the node is clicked (JSON-encoded
	// as is).
	Details(ctx context.Context, node string) (any, error)
	// Shell is a shell inside node, as `netemu exec NODE` runs it.
	Shell(node string) (*exec.Cmd, error)
	// SSH is `netemu ssh INSTANCE`: ssh from the lab's client host.
	SSH(instance string) (*exec.Cmd, error)
}

// Sink is how watchers change the model: fn runs under the server's
// publishing lock and the messages it returns go to every page in order.
type Sink interface {
	Apply(fn func(m *Model) []Message)
	// RoutesChanged tells the server some kernel table changed, so the
	// pages' traces are recomputed.
	RoutesChanged()
}

// Watcher feeds a Sink until ctx ends.
type Watcher func(ctx context.Context, s Sink) error

// Config is a Server's lab and collaborators.
type Config struct {
	Lab     *topo.Lab
	Machine string
	// Local says which nodes this machine runs (nil: all).
	Local   func(node string) bool
	Backend Backend
	Watcher Watcher
	Token   string
	Log     hclog.Logger
	// Assets overrides the embedded front end (tests).
	Assets fs.FS
}

// Server serves the page, its WebSocket and its actions.
type Server struct {
	cfg    Config
	log    hclog.Logger
	model  *Model
	assets fs.FS

	// pub serialises model changes with their broadcast, so every page
	// sees messages in seq order and a new page's snapshot is exactly the
	// state before the next message it gets.
	pub     sync.Mutex
	clients map[*client]struct{}
	// traceGen counts route changes; clients recompute their trace when
	// it moves.
	traceGen chan struct{}
	tmu      sync.Mutex
}

// New returns a server for one lab share.
func New(cfg Config) (*Server, error) {
	if cfg.Lab == nil || cfg.Backend == nil || cfg.Token == "" {
		return nil, errors.New("ui: a lab, a backend and a token are required")
	}
	log := cfg.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	assets := cfg.Assets
	if assets == nil {
		var err error
		if assets, err = Assets(); err != nil {
			return nil, err
		}
	}
	return &Server{
		cfg:      cfg,
		log:      log.Named("ui"),
		model:    NewModel(cfg.Lab, cfg.Machine, cfg.Local),
		assets:   assets,
		clients:  map[*client]struct{}{},
		traceGen: make(chan struct{}),
	}, nil
}

// Model is the server's live model (tests read it).
func (s *Server) Model() *Model { return s.model }

// Run starts the watcher and returns when ctx ends or the watcher fails.
func (s *Server) Run(ctx context.Context) error {
	if s.cfg.Watcher == nil {
		<-ctx.Done()
		return nil
	}
	return s.cfg.Watcher(ctx, s)
}

// Apply implements Sink.
func (s *Server) Apply(fn func(m *Model) []Message) {
	s.pub.Lock()
	defer s.pub.Unlock()
	msgs := fn(s.model)
	for _, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			s.log.Error("encode message", "type", m.Type, "error", err)
			continue
		}
		for c := range s.clients {
			c.send(b)
		}
	}
}

// RoutesChanged implements Sink: every waiting trace wakes up.
func (s *Server) RoutesChanged() {
	s.tmu.Lock()
	close(s.traceGen)
	s.traceGen = make(chan struct{})
	s.tmu.Unlock()
}

func (s *Server) routesSignal() <-chan struct{} {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	return s.traceGen
}

// Handler is the HTTP handler: everything behind the token.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(s.assets))
	mux.HandleFunc("GET /ws", s.serveState)
	mux.HandleFunc("GET /term", s.serveTerm)
	mux.HandleFunc("POST /api/link", s.serveLink)
	mux.HandleFunc("GET /api/node", s.serveNode)
	mux.HandleFunc("GET /api/snapshot", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.model.Snapshot())
	})
	return requireToken(s.cfg.Token, securityHeaders(mux))
}

// securityHeaders: no framing by other sites, no inline script, nothing
// fetched from elsewhere (the assets are all embedded).
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

// linkRequest is POST /api/link's body.
type linkRequest struct {
	ID     string `json:"id"`     // A:IFACE--B:IFACE
	Action string `json:"action"` // down, silent, up
}

func (s *Server) serveLink(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	var req linkRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	a, b, ok := strings.Cut(req.ID, "--")
	if !ok || !s.model.HasLink(req.ID) {
		http.Error(w, fmt.Sprintf("no link %q", req.ID), http.StatusNotFound)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	var err error
	switch req.Action {
	case "down":
		err = s.cfg.Backend.LinkDown(ctx, a, b, false)
	case "silent":
		err = s.cfg.Backend.LinkDown(ctx, a, b, true)
	case "up":
		err = s.cfg.Backend.LinkUp(ctx, a, b)
	default:
		http.Error(w, fmt.Sprintf("action %q: want down, silent or up", req.Action), http.StatusBadRequest)
		return
	}
	if err != nil {
		s.log.Warn("link action", "link", req.ID, "action", req.Action, "error", err)
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	s.log.Info("link action", "link", req.ID, "action", req.Action)
	writeJSON(w, map[string]string{"id": req.ID, "action": req.Action})
}

func (s *Server) serveNode(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	n := s.cfg.Lab.Node(name)
	if n == nil {
		http.Error(w, fmt.Sprintf("no node %q", name), http.StatusNotFound)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	d, err := s.cfg.Backend.Details(ctx, name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, d)
}

// client is one page's state WebSocket.
type client struct {
	out chan []byte
	// dropped is closed when the page fell too far behind; its socket is
	// closed and the page reconnects for a fresh snapshot.
	dropped chan struct{}
	once    sync.Once
}

// sendQueue bounds what a slow page may owe before it is dropped.
const sendQueue = 4096

func (c *client) send(b []byte) {
	select {
	case c.out <- b:
	default:
		c.once.Do(func() { close(c.dropped) })
	}
}

// pageRequest is what a page sends on its state socket.
type pageRequest struct {
	Type string `json:"type"` // "trace" (From, To; both empty: stop)
	From string `json:"from"`
	To   string `json:"to"`
}

func (s *Server) accept(w http.ResponseWriter, r *http.Request) (*websocket.Conn, bool) {
	// coder/websocket checks Origin against Host too; saying it here
	// keeps the refusal explicit and the same for every socket.
	if !sameOrigin(r) {
		s.log.Warn("websocket from another origin refused", "origin", r.Header.Get("Origin"), "host", r.Host)
		http.Error(w, "cross-origin WebSocket refused", http.StatusForbidden)
		return nil, false
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		s.log.Debug("websocket accept", "error", err)
		return nil, false
	}
	return c, true
}

func (s *Server) serveState(w http.ResponseWriter, r *http.Request) {
	conn, ok := s.accept(w, r)
	if !ok {
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(64 << 10)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()

	c := &client{out: make(chan []byte, sendQueue), dropped: make(chan struct{})}
	s.pub.Lock()
	snap, err := json.Marshal(s.model.Snapshot())
	if err != nil {
		s.pub.Unlock()
		s.log.Error("encode snapshot", "error", err)
		return
	}
	c.out <- snap
	s.clients[c] = struct{}{}
	s.pub.Unlock()
	defer func() {
		s.pub.Lock()
		delete(s.clients, c)
		s.pub.Unlock()
	}()

	traces := make(chan pageRequest, 1)
	go func() {
		defer cancel()
		for {
			var req pageRequest
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			if json.Unmarshal(b, &req) != nil || req.Type != "trace" {
				continue
			}
			select {
			case <-traces:
			default:
			}
			traces <- req
		}
	}()
	go s.traceLoop(ctx, c, traces)

	for {
		select {
		case <-ctx.Done():
			return
		case <-c.dropped:
			conn.Close(websocket.StatusTryAgainLater, "too far behind: reconnect for a snapshot")
			return
		case b := <-c.out:
			wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Write(wctx, websocket.MessageText, b)
			wcancel()
			if err != nil {
				return
			}
		}
	}
}

// traceLoop answers a page's trace request and redraws it whenever a
// kernel table changes, sending only paths that differ from the last.
func (s *Server) traceLoop(ctx context.Context, c *client, reqs <-chan pageRequest) {
	var cur pageRequest
	var last string
	for {
		changed := s.routesSignal()
		if cur.From != "" && cur.To != "" {
			tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			p, err := s.cfg.Backend.Trace(tctx, cur.From, cur.To)
			cancel()
			var t TraceResult
			if err != nil {
				t = TraceResult{From: cur.From, To: cur.To, Result: "error", Detail: err.Error(), Text: err.Error(), Hops: []string{}, Links: []string{}}
			} else {
				t = PathResult(s.cfg.Lab, cur.From, cur.To, p)
			}
			b, _ := json.Marshal(s.model.Trace(t))
			if key := string(b[strings.Index(string(b), `"data"`):]); key != last {
				last = key
				c.send(b)
			}
		}
		select {
		case <-ctx.Done():
			return
		case cur = <-reqs:
			last = ""
		case <-changed:
			// Routing changes come in bursts: let the burst settle a
			// little so one redraw shows where it ended.
			select {
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}
