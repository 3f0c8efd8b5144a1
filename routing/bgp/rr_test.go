package bgp

import (
	"net/netip"
	"testing"

	"github.com/netemu/netemu/routing/bgp/wire"
)

// TestReflection checks RFC 4456 §6's rules: which iBGP-learned routes a
// reflector passes on, and what it adds.
func TestReflection(t *testing.T) {
	l := Local{ASN: 64500, RouterID: addr("10.64.0.1")}
	client := &PeerConfig{LocalAS: 64500, PeerAS: 64500, LocalAddr: addr("10.64.0.1"), PeerAddr: addr("10.64.0.2"), RRClient: true}
	client2 := &PeerConfig{LocalAS: 64500, PeerAS: 64500, LocalAddr: addr("10.64.0.1"), PeerAddr: addr("10.64.0.3"), RRClient: true}
	nonClient := &PeerConfig{LocalAS: 64500, PeerAS: 64500, LocalAddr: addr("10.64.0.1"), PeerAddr: addr("10.64.0.4")}
	ebgp := &PeerConfig{LocalAS: 64500, PeerAS: 64510, LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}
	pr := pfx("203.0.113.0/24")
	path := func(from *PeerConfig, id string, a *wire.PathAttrs) *Path {
		return &Path{Prefix: pr, Reachable: true, Attrs: a,
			From: &PeerInfo{Addr: from.PeerAddr, AS: from.PeerAS, RouterID: addr(id), IBGP: from.IBGP(), RRClient: from.RRClient}}
	}
	attrs := func() *wire.PathAttrs {
		return &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: seq(64520), NextHop: addr("10.64.0.9"), HasLocalPref: true, LocalPref: 100}
	}
	reflected := attrs()
	reflected.OriginatorID, reflected.ClusterList = addr("10.64.0.9"), []netip.Addr{addr("10.64.0.5")}
	cases := []struct {
		name     string
		best     *Path
		to       *PeerConfig
		want     bool
		origID   string // "" when not checked
		clusters int
	}{
		{"client to other client", path(client, "10.64.0.2", attrs()), client2, true, "10.64.0.2", 1},
		{"client to non-client", path(client, "10.64.0.2", attrs()), nonClient, true, "10.64.0.2", 1},
		{"client back to itself", path(client, "10.64.0.2", attrs()), client, false, "", 0},
		{"non-client to client", path(nonClient, "10.64.0.4", attrs()), client, true, "10.64.0.4", 1},
		{"non-client to non-client", path(nonClient, "10.64.0.4", attrs()), &PeerConfig{LocalAS: 64500, PeerAS: 64500, PeerAddr: addr("10.64.0.8")}, false, "", 0},
		{"reflected again keeps originator", path(nonClient, "10.64.0.4", reflected), client, true, "10.64.0.9", 2},
		{"to eBGP drops reflection attrs", path(client, "10.64.0.2", reflected), ebgp, true, "-", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := Export(l, c.to, c.best, nil)
			if (out != nil) != c.want {
				t.Fatalf("exported %v, want %v", out != nil, c.want)
			}
			if out == nil {
				return
			}
			switch c.origID {
			case "":
			case "-":
				if out.OriginatorID.IsValid() || out.ClusterList != nil {
					t.Errorf("reflection attrs leaked to eBGP: %v %v", out.OriginatorID, out.ClusterList)
				}
			default:
				if out.OriginatorID != addr(c.origID) {
					t.Errorf("ORIGINATOR_ID %v, want %s", out.OriginatorID, c.origID)
				}
				if len(out.ClusterList) != c.clusters || out.ClusterList[0] != l.RouterID {
					t.Errorf("CLUSTER_LIST %v, want %d entries starting with ours", out.ClusterList, c.clusters)
				}
				if out.NextHop != c.best.Attrs.NextHop {
					t.Errorf("reflection changed the next hop to %v", out.NextHop)
				}
			}
			if c.best.Attrs.ClusterList != nil && len(c.best.Attrs.ClusterList) != 1 {
				t.Errorf("Export modified the path's CLUSTER_LIST: %v", c.best.Attrs.ClusterList)
			}
		})
	}
	// Own routes towards an iBGP peer carry no reflection attributes.
	local := &Path{Prefix: pr, Reachable: true, Attrs: &wire.PathAttrs{HasOrigin: true, HasASPath: true}}
	if o := Export(l, client, local, nil); o == nil || o.OriginatorID.IsValid() || o.ClusterList != nil {
		t.Errorf("local route to a client: %+v", o)
	}
}

// TestReflectionLoops checks RFC 4456 §8: a route naming us as its
// originator or our cluster in its CLUSTER_LIST is dropped on receipt;
// the same attributes from a neighbour AS are stripped, not acted on.
func TestReflectionLoops(t *testing.T) {
	l := Local{ASN: 64500, RouterID: addr("10.64.0.1"), ClusterID: addr("192.0.2.1")}
	ibgp := &PeerConfig{LocalAS: 64500, PeerAS: 64500, LocalAddr: addr("10.64.0.1"), PeerAddr: addr("10.64.0.2")}
	ebgp := &PeerConfig{LocalAS: 64500, PeerAS: 64510, LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}
	mk := func(path wire.ASPath, orig string, clusters ...string) *wire.PathAttrs {
		a := &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: path, NextHop: addr("10.64.0.9")}
		if orig != "" {
			a.OriginatorID = addr(orig)
		}
		for _, c := range clusters {
			a.ClusterList = append(a.ClusterList, addr(c))
		}
		return a
	}
	pr := pfx("203.0.113.0/24")
	cases := []struct {
		name string
		from *PeerConfig
		raw  *wire.PathAttrs
		want ImportResult
	}{
		{"plain iBGP", ibgp, mk(nil, ""), ImportAccepted},
		{"reflected by others", ibgp, mk(nil, "10.64.0.7", "192.0.2.9"), ImportAccepted},
		{"we originated it", ibgp, mk(nil, "10.64.0.1", "192.0.2.9"), ImportReflectLoop},
		{"our cluster", ibgp, mk(nil, "10.64.0.7", "192.0.2.9", "192.0.2.1"), ImportReflectLoop},
		{"router ID is not the cluster", ibgp, mk(nil, "10.64.0.7", "10.64.0.1"), ImportAccepted},
		{"eBGP with our IDs", ebgp, mk(seq(64510), "10.64.0.1", "192.0.2.1"), ImportAccepted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, res := Import(l, c.from, pr, c.raw, nil)
			if res != c.want {
				t.Fatalf("import %v, want %v", res, c.want)
			}
			if a != nil && !c.from.IBGP() && (a.OriginatorID.IsValid() || a.ClusterList != nil) {
				t.Errorf("eBGP route kept reflection attrs: %v %v", a.OriginatorID, a.ClusterList)
			}
		})
	}
}

// TestDecisionReflected checks RFC 4456 §9's tie-breaks: ORIGINATOR_ID
// stands for the router ID, then the shorter CLUSTER_LIST wins.
func TestDecisionReflected(t *testing.T) {
	mk := func(peer, rid, orig string, clusters int) *Path {
		a := &wire.PathAttrs{HasOrigin: true, HasASPath: true, NextHop: addr("10.64.0.9")}
		if orig != "" {
			a.OriginatorID = addr(orig)
		}
		for range clusters {
			a.ClusterList = append(a.ClusterList, addr("192.0.2.1"))
		}
		return &Path{Prefix: pfx("203.0.113.0/24"), Reachable: true, Attrs: a,
			From: &PeerInfo{Addr: addr(peer), RouterID: addr(rid), IBGP: true}}
	}
	cases := []struct {
		name string
		a, b *Path
		want bool
		step string
	}{
		{"originator beats lower router id", mk("10.0.0.9", "10.0.0.9", "1.1.1.1", 1), mk("10.0.0.2", "2.2.2.2", "", 0), true, "router-id"},
		{"shorter cluster list", mk("10.0.0.9", "10.0.0.9", "1.1.1.1", 1), mk("10.0.0.2", "10.0.0.2", "1.1.1.1", 2), true, "cluster-list length"},
		{"then peer address", mk("10.0.0.9", "10.0.0.9", "1.1.1.1", 1), mk("10.0.0.2", "10.0.0.2", "1.1.1.1", 1), false, "peer address"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, step := Better(c.a, c.b)
			if got != c.want || step != c.step {
				t.Errorf("Better = %v by %q, want %v by %q", got, step, c.want, c.step)
			}
		})
	}
}
