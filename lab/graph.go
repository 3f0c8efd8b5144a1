package lab

import (
	"context"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/lab/view"
	"github.com/netemu/netemu/nodes"
)

// GraphOf is what `netemu graph [FILE]` draws, with the lab's
// description: the file when one is named, else the running share
// labFlag means (live, as the view shows it now), else — no lab running
// and none named — the seed lab.
func GraphOf(ctx context.Context, labFlag string, file *string, log hclog.Logger) (view.Graph, string, error) {
	fromFile := func(path string) (view.Graph, string, error) {
		l, err := Load(path)
		if err != nil {
			return view.Graph{}, "", err
		}
		return view.New(l, nil), l.Description, nil
	}
	if file != nil {
		return fromFile(*file)
	}
	if states, _ := nodes.ListStates(); labFlag == "" && len(states) == 0 {
		return fromFile("")
	}
	st, err := Share(Query{Lab: labFlag})
	if err != nil {
		return view.Graph{}, "", err
	}
	gr, err := LiveGraph(ctx, st, log)
	if err != nil {
		return view.Graph{}, "", err
	}
	return gr, st.Model.Description, nil
}
