package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/rip"
)

// SocketName is the control socket's file name inside the node directory.
const SocketName = "agent.sock"

// EventsName is the event log's file name inside the node directory.
const EventsName = "events.jsonl"

// ConfigName is the agent configuration's file name inside the node
// directory.
const ConfigName = "agent.json"

// Status is GET /status.
type Status struct {
	Lab     string    `json:"lab"`
	Node    string    `json:"node"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	Daemons []string  `json:"daemons"`
	// LastChange is the last routing change (RIB or kernel), zero if none:
	// converged means nothing changed for a quiet period.
	LastChange time.Time                    `json:"last_change,omitzero"`
	Events     map[routing.EventKind]uint64 `json:"events"`
}

// ErrNoDaemon matches (errors.Is) a GET of a daemon's path that the agent
// answered 404: the agent runs but not that daemon.
var ErrNoDaemon = errors.New("daemon not running")

// StatusError is an HTTP answer other than 200 OK.
type StatusError struct {
	Code   int
	Status string
}

func (e *StatusError) Error() string { return e.Status }

// Is makes a 404 match ErrNoDaemon.
func (e *StatusError) Is(target error) bool {
	return target == ErrNoDaemon && e.Code == http.StatusNotFound
}

// Client talks to an agent's control socket.
type Client struct {
	sock string
	hc   *http.Client
}

// Dial returns a client for the agent listening on sockPath. It does not
// connect until the first request.
func Dial(sockPath string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sockPath)
		},
		DisableKeepAlives: true,
	}
	return &Client{sock: sockPath, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// Get fetches path (e.g. "/rip") and decodes its JSON into v.
func (c *Client) Get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://agent"+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("agent %s: GET %s: %w", c.sock, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("agent %s: GET %s: %w: %s", c.sock, path, &StatusError{Code: resp.StatusCode, Status: resp.Status}, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("agent %s: GET %s: decode: %w", c.sock, path, err)
	}
	return nil
}

// Status is GET /status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	return &s, c.Get(ctx, "/status", &s)
}

// BGP is GET /bgp, kept raw: readers that want only part of it (the
// convergence check) decode it loosely.
func (c *Client) BGP(ctx context.Context) (json.RawMessage, error) {
	var raw json.RawMessage
	return raw, c.Get(ctx, "/bgp", &raw)
}

// RIP is GET /rip.
func (c *Client) RIP(ctx context.Context) (*rip.Status, error) {
	var s rip.Status
	return &s, c.Get(ctx, "/rip", &s)
}
