package imds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// HopLimit is the IP TTL of every answer, as AWS's default
// http-put-response-hop-limit: the instance gets it, a container behind
// the instance (one more hop) does not.
const HopLimit = 1

// Listen opens the service's socket with the hop limit set; accepted
// connections inherit it.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TTL, HopLimit)
		}); err != nil {
			return err
		}
		return serr
	}}
	l, err := lc.Listen(ctx, "tcp4", addr)
	if err != nil {
		return nil, fmt.Errorf("imds: listen %s: %w", addr, err)
	}
	return l, nil
}

// Run is the built-in daemon (nodes.BuiltinIMDS): it serves the
// configuration file at path until ctx ends.
func Run(ctx context.Context, path string, log hclog.Logger) error {
	load := FileLoader(path)
	cfg, err := load()
	if err != nil {
		return err
	}
	l, err := Listen(ctx, cfg.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: NewServer(load), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("instance metadata service listening", "addr", cfg.Listen, "instances", len(cfg.Instances))
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("imds: %w", err)
	}
	return nil
}
