package impair

import (
	"strings"
	"testing"

	"github.com/netemu/netemu/topo"
)

func TestParseChange(t *testing.T) {
	for _, tc := range []struct {
		name    string
		given   map[string]string
		want    string // the change on a plain wire, or the error's start
		wantErr bool
	}{
		{"nothing", map[string]string{}, "none", false},
		{"delay and loss", map[string]string{"delay": "40ms", "loss": "1%"}, "delay 40ms loss 1%", false},
		{"bandwidth is rate", map[string]string{"bandwidth": "10mbit"}, "rate 10mbit", false},
		{"rate and bandwidth", map[string]string{"rate": "1mbit", "bandwidth": "2mbit"}, "--bandwidth is another name", true},
		{"bad delay", map[string]string{"delay": "soon"}, "--delay:", true},
		{"bad percent", map[string]string{"corrupt": "200%"}, "--corrupt:", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := ParseChange(func(name string) (string, bool) { v, ok := tc.given[name]; return v, ok })
			if tc.wantErr {
				if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q…", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ch.On(topo.Impairment{}).String(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
