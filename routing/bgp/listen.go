package bgp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"
)

// accept hands each incoming connection to the session of the peer it
// comes from, and refuses the others.
func (d *Daemon) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			d.log.Warn("accept", "error", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
		if err != nil {
			c.Close()
			continue
		}
		p := d.byAddr[ap.Addr().Unmap()]
		if p == nil {
			d.log.Debug("connection from unknown peer refused", "addr", ap.Addr())
			c.Close()
			continue
		}
		p.sess.Incoming(c)
	}
}

func (d *Daemon) tcpDial(ctx context.Context, local, remote netip.Addr) (net.Conn, error) {
	dl := net.Dialer{}
	if local.IsValid() {
		dl.LocalAddr = &net.TCPAddr{IP: local.AsSlice()}
	}
	return dl.DialContext(ctx, "tcp4", netip.AddrPortFrom(remote, uint16(d.cfg.Port)).String())
}
