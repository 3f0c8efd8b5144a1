package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// ServeOptions are `netemu ui`'s: where to listen and what to say.
type ServeOptions struct {
	// Listen is host:port (DefaultListen when ""); port 0 picks a free one.
	Listen string
	// Explicit says the user named Listen with --listen: only then may it
	// be a non-loopback address.
	Explicit bool
	// Out receives the page's URL, with its token, once.
	Out io.Writer
	// Ready, when set, is called with the URL once the server listens
	// (tests and `up --ui`).
	Ready func(url string)
}

// Serve runs the live view for cfg until ctx ends: the watcher follows the
// lab, the HTTP server answers pages. cfg.Token is generated when empty.
func Serve(ctx context.Context, cfg Config, o ServeOptions) error {
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if err := CheckListen(o.Listen, o.Explicit); err != nil {
		return err
	}
	if cfg.Token == "" {
		t, err := NewToken()
		if err != nil {
			return err
		}
		cfg.Token = t
	}
	s, err := New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("ui: listen on %s: %w", o.Listen, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watchErr := make(chan error, 1)
	go func() { watchErr <- s.Run(ctx) }()

	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	url := fmt.Sprintf("http://%s/?token=%s", hostForURL(ln.Addr().String(), o.Listen), cfg.Token)
	if o.Out != nil {
		fmt.Fprintf(o.Out, "netemu ui: lab %s at\n\n    %s\n\n(the token is printed only here; Ctrl-C stops the server)\n", cfg.Lab.Name, url)
	}
	if o.Ready != nil {
		o.Ready(url)
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-watchErr:
		if errors.Is(runErr, ErrLabDown) {
			if o.Out != nil {
				fmt.Fprintf(o.Out, "netemu ui: lab %s is down; the server stops\n", cfg.Lab.Name)
			}
			runErr = nil
		}
		if runErr != nil {
			runErr = fmt.Errorf("ui: watch the lab: %w", runErr)
		}
	case runErr = <-served:
	}
	sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer scancel()
	_ = hs.Shutdown(sctx)
	if errors.Is(runErr, http.ErrServerClosed) {
		runErr = nil
	}
	return runErr
}

// hostForURL is the address to print: the one asked for, with the port the
// listener got (":0" picks one); a wildcard host prints as loopback.
func hostForURL(actual, asked string) string {
	_, port, err := net.SplitHostPort(actual)
	if err != nil {
		return actual
	}
	host, _, err := net.SplitHostPort(asked)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
