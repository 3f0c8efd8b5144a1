package converge

import (
	"testing"
	"time"
)

func TestFRRParsers(t *testing.T) {
	sum := `{"ipv4Unicast":{"routerId":"100.127.0.2","as":64500,"peers":{
	  "100.64.0.6":{"remoteAs":64510,"state":"Established","pfxRcd":2},
	  "100.127.0.1":{"remoteAs":64500,"state":"Active"}}}}`
	s := FRRBGPSessions([]byte(sum))
	if len(s) != 2 {
		t.Fatalf("sessions = %+v", s)
	}
	for _, x := range s {
		if (x.Peer == ip("100.64.0.6")) != x.Established() {
			t.Errorf("session %+v", x)
		}
	}
	status := `Routing Protocol is "rip"
  Routing for Networks:
    eth0
  Routing Information Sources:
    Gateway          BadPackets BadRoutes  Distance Last Update
    100.64.0.2               0         0       120   00:00:15
    100.64.0.9               1         0       120   00:01:02
  Distance: (default is 120)
`
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	ns := FRRRIPNeighbours([]byte(status), now)
	if len(ns) != 2 || ns[0].Addr != ip("100.64.0.2") || !ns[0].LastHeard.Equal(now.Add(-15*time.Second)) || !ns[1].LastHeard.Equal(now.Add(-62*time.Second)) {
		t.Fatalf("neighbours = %+v", ns)
	}
}
