package lab

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestStartAgentsPaced: never more than inFlight agents starting at once,
// every agent started once, the last progress says all are up.
func TestStartAgentsPaced(t *testing.T) {
	var all []agentStart
	for i := range 25 {
		all = append(all, agentStart{node: fmt.Sprintf("r%d", i), sock: fmt.Sprintf("/x/r%d/agent.sock", i)})
	}
	started := map[string]int{}
	asked := map[string]int{} // an agent answers on its third question
	inFlight, maxInFlight := 0, 0
	var last [2]int
	err := startAgents(context.Background(), all, 4, time.Minute,
		func(s agentStart) error {
			started[s.sock]++
			inFlight++
			maxInFlight = max(maxInFlight, inFlight)
			return nil
		},
		func(_ context.Context, sock string) error {
			asked[sock]++
			if asked[sock] < 3 {
				return errors.New("connection refused")
			}
			inFlight--
			return nil
		},
		func(done, total int, _ string) { last = [2]int{done, total} })
	if err != nil {
		t.Fatal(err)
	}
	if maxInFlight > 4 {
		t.Errorf("%d agents starting at once, want at most 4", maxInFlight)
	}
	for _, s := range all {
		if started[s.sock] != 1 {
			t.Errorf("%s started %d times", s.node, started[s.sock])
		}
	}
	if last != [2]int{25, 25} {
		t.Errorf("last progress %v, want 25 of 25", last)
	}
}

// TestStartAgentsStall: an agent that never answers fails the start with
// its name once no agent came up for the stall period.
func TestStartAgentsStall(t *testing.T) {
	all := []agentStart{{node: "ok", sock: "/x/ok/agent.sock"}, {node: "dead", sock: "/x/dead/agent.sock"}}
	err := startAgents(context.Background(), all, 8, 300*time.Millisecond,
		func(agentStart) error { return nil },
		func(_ context.Context, sock string) error {
			if strings.Contains(sock, "dead") {
				return errors.New("connection refused")
			}
			return nil
		},
		func(int, int, string) {})
	if err == nil || !strings.Contains(err.Error(), "waiting for dead") || !strings.Contains(err.Error(), "1 of 2 up") {
		t.Fatalf("got %v, want a stall naming dead", err)
	}
}
