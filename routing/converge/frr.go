package converge

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// FRRBGPSessions reads `vtysh -c "show bgp summary json"`.
func FRRBGPSessions(out []byte) []BGPSession {
	var sum struct {
		IPv4 struct {
			Peers map[string]struct {
				RemoteAS uint32 `json:"remoteAs"`
				State    string `json:"state"`
			} `json:"peers"`
		} `json:"ipv4Unicast"`
	}
	if json.Unmarshal(out, &sum) != nil {
		return nil
	}
	var s []BGPSession
	for addr, p := range sum.IPv4.Peers {
		a, err := netip.ParseAddr(addr)
		if err != nil {
			continue
		}
		s = append(s, BGPSession{Peer: a, ASN: p.RemoteAS, State: p.State})
	}
	return s
}

// FRRRIPNeighbours reads the "Routing Information Sources" of `vtysh -c
// "show ip rip status"`: each gateway and how long ago it was last heard.
func FRRRIPNeighbours(out []byte, now time.Time) []RIPNeighbour {
	var ns []RIPNeighbour
	in := false
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "Gateway") {
			in = true
			continue
		}
		if !in {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 5 {
			break
		}
		a, err := netip.ParseAddr(f[0])
		if err != nil {
			break
		}
		var h, m, s int
		if _, err := fmtSscanf(f[len(f)-1], &h, &m, &s); err != nil {
			continue
		}
		ago := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
		ns = append(ns, RIPNeighbour{Addr: a, LastHeard: now.Add(-ago)})
	}
	return ns
}

func fmtSscanf(s string, h, m, sec *int) (int, error) {
	return fmt.Sscanf(s, "%d:%d:%d", h, m, sec)
}
