package ui

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/coder/websocket"
	"github.com/creack/pty"
)

// termResize is the page's only text message on a terminal socket; every
// binary message is keyboard input, and everything the server sends is
// the pty's output, binary.
type termResize struct {
	Type string `json:"type"` // "resize"
	Cols uint16 `json:"cols"`
	Rows uint16 `json:"rows"`
}

// serveTerm runs a shell inside a node (?node=NAME, as `netemu exec`) or
// an ssh session from the client host (?ssh=INSTANCE, as `netemu ssh`) on
// a real pty, wired to the socket. The process dies with the socket.
func (s *Server) serveTerm(w http.ResponseWriter, r *http.Request) {
	var cmd *exec.Cmd
	var err error
	q := r.URL.Query()
	switch {
	case q.Get("node") != "":
		cmd, err = s.cfg.Backend.Shell(q.Get("node"))
	case q.Get("ssh") != "":
		cmd, err = s.cfg.Backend.SSH(q.Get("ssh"))
	default:
		http.Error(w, "want ?node=NAME or ?ssh=INSTANCE", http.StatusBadRequest)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	conn, ok := s.accept(w, r)
	if !ok {
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	cmd.Env = append(termEnv(cmd.Env), "TERM=xterm-256color")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 80, Rows: 24})
	if err != nil {
		conn.Close(websocket.StatusInternalError, truncate("start: "+err.Error()))
		return
	}
	s.log.Info("terminal opened", "node", q.Get("node"), "ssh", q.Get("ssh"), "pid", cmd.Process.Pid)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	defer func() {
		f.Close()
		select {
		case <-exited:
		case <-time.After(2 * time.Second):
			// A shell ignoring the hangup is killed: the page is gone.
			_ = cmd.Process.Kill()
			<-exited
		}
		s.log.Info("terminal closed", "pid", cmd.Process.Pid)
	}()

	// Output: pty → socket.
	go func() {
		defer cancel()
		buf := make([]byte, 32<<10)
		for {
			n, err := f.Read(buf)
			if n > 0 {
				if werr := conn.Write(ctx, websocket.MessageBinary, buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	// Input: socket → pty.
	for {
		typ, b, err := conn.Read(ctx)
		if err != nil {
			break
		}
		if typ == websocket.MessageText {
			var rs termResize
			if json.Unmarshal(b, &rs) == nil && rs.Type == "resize" && rs.Cols > 0 && rs.Rows > 0 {
				_ = pty.Setsize(f, &pty.Winsize{Cols: rs.Cols, Rows: rs.Rows})
			}
			continue
		}
		if _, err := f.Write(b); err != nil && !errors.Is(err, io.EOF) {
			break
		}
	}
	conn.Close(websocket.StatusNormalClosure, "")
}

// termEnv is the command's environment, or the server's when it has none
// (exec.Cmd's default), without a TERM of its own.
func termEnv(env []string) []string {
	if env == nil {
		env = os.Environ()
	}
	out := env[:0:0]
	for _, e := range env {
		if len(e) >= 5 && e[:5] == "TERM=" {
			continue
		}
		out = append(out, e)
	}
	return out
}

// truncate keeps a close reason within the 123 bytes a close frame allows.
func truncate(s string) string {
	if len(s) > 120 {
		return s[:120]
	}
	return s
}
