package tests

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	labrep "github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/tests/labtest"
)

// TestBGPSeedLab brings up the seed lab with netemu's daemons: every BGP
// session establishes, mac reaches web's public IP over routes BGP and RIP
// learned (no static routes on the Internet side), `netemu bgp` shows the
// paths, and cutting home-core–transit-a fails over to transit-b at once.
func TestBGPSeedLab(t *testing.T) {
	file, _ := labtest.ExampleFile(t, "aws-ssh", "bgps")
	lab := upLab(t, file)

	bgpOf := func(node string) (*labrep.BGPReport, error) {
		out, errs, err := runNetemu(t, "--lab", lab, "bgp", node, "-o", "json")
		if err != nil {
			return nil, fmt.Errorf("%v: %s", err, errs)
		}
		var s labrep.BGPReport
		decodeStrict(t, "bgp", out, &s)
		return &s, nil
	}
	sessions := map[string]int{"home-gw": 1, "home-core": 3, "transit-a": 3, "transit-b": 3, "aws-edge": 2}
	for node, n := range sessions {
		labtest.Eventually(t, 30*time.Second, labtest.Named(node+" sessions established", func() error {
			s, err := bgpOf(node)
			if err != nil {
				return err
			}
			if len(s.Peers) != n {
				return fmt.Errorf("%d sessions, want %d", len(s.Peers), n)
			}
			for _, p := range s.Peers {
				if p.State != "Established" {
					return fmt.Errorf("%s: %s %s", p.Name, p.State, p.LastError)
				}
			}
			return nil
		}))
	}
	// The pool reaches home-gw over iBGP, its next hop resolved through RIP.
	labtest.Eventually(t, 20*time.Second, labtest.Named("pool route in home-gw", func() error {
		out, err := execErr(t, lab, "home-gw", "ip", "route", "show", "203.0.113.128/25")
		if err != nil {
			return err
		}
		return wantLine(out, "203.0.113.128/25 via", "proto bgp")
	}))
	out := netemu(t, "--lab", lab, "bgp", "home-gw", "routes", "203.0.113.129")
	if err := wantLine(out, "*", "203.0.113.128/25", "16509"); err != nil {
		t.Error(err)
	}
	// Web's public IP (from the VPC's pool) answers mac.
	st := netemu(t, "--lab", lab, "status", "-o", "json")
	var status struct {
		Nodes []struct {
			Name     string `json:"name"`
			PublicIP string `json:"public_ip"`
		} `json:"nodes"`
	}
	_ = json.Unmarshal([]byte(st), &status)
	webIP := ""
	for _, n := range status.Nodes {
		if n.Name == "web" {
			webIP = n.PublicIP
		}
	}
	if webIP == "" {
		webIP = "203.0.113.129"
	}
	ping := func() error {
		_, err := execErr(t, lab, "mac", "ping", "-c", "1", "-W", "1", webIP)
		return err
	}
	labtest.Eventually(t, 20*time.Second, labtest.Named("mac pings web's public IP", ping))

	// Fast external fail-over: cut home-core–transit-a.
	netemu(t, "--lab", lab, "link", "down", "home-core", "transit-a")
	labtest.Eventually(t, 15*time.Second, labtest.Named("home-core's session with transit-a dropped", func() error {
		s, err := bgpOf("home-core")
		if err != nil {
			return err
		}
		for _, p := range s.Peers {
			if p.Name == "transit-a" && p.State == "Established" {
				return fmt.Errorf("still established")
			}
		}
		return nil
	}))
	labtest.Eventually(t, 20*time.Second, labtest.Named("pool via transit-b in home-core", func() error {
		out, err := execErr(t, lab, "home-core", "ip", "route", "show", "203.0.113.128/25")
		if err != nil {
			return err
		}
		s, _ := bgpOf("home-core")
		for _, p := range s.Peers {
			if p.Name == "transit-b" {
				return wantLine(out, "via "+p.Address, "proto bgp")
			}
		}
		return fmt.Errorf("no transit-b")
	}))
	labtest.Eventually(t, 20*time.Second, labtest.Named("mac pings web after the cut", ping))
	if !strings.Contains(netemu(t, "--lab", lab, "bgp", "home-core"), "interface") {
		t.Log("last error does not name the interface")
	}
}
