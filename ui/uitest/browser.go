// Package uitest drives the live view in a real browser for tests: Debian's
// chromium, headless, through chromedp, with a fresh profile and nothing
// fetched from the network. It also knows the page's testing contract (the
// data-* attributes documented in the README), so tests read the page the
// way users' scripts do.
package uitest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// Chromium is the browser the tests use (tests/setup.sh installs it).
const Chromium = "/usr/bin/chromium"

// Browser starts a headless chromium for t and returns a context for one
// tab; the browser ends with the test. Without chromium the test is
// skipped, saying how to install it.
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := Chromium
	if _, err := os.Stat(path); err != nil {
		p, lerr := exec.LookPath("chromium")
		if lerr != nil {
			t.Skipf("no chromium (%v): `apt-get install -y chromium` or run tests/setup.sh", err)
		}
		path = p
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// The first Run starts the browser; its context must not time out.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		acancel()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		acancel()
	})
	return ctx
}

// Tab opens another tab in ctx's browser.
func Tab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	if err := chromedp.Do(tab); err != nil {
		cancel()
		t.Fatalf("open tab: %v", err)
	}
	t.Cleanup(cancel)
	return tab
}

// Open loads url and waits until the page has drawn its first snapshot
// (body[data-ready]). It returns how long that took.
func Open(ctx context.Context, url string, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
		return 0, fmt.Errorf("open %s: %w", url, err)
	}
	if _, err := chromedp.Run(tctx, chromedp.Poll[bool](`document.body && document.body.dataset.ready === "true"`)); err != nil {
		return 0, fmt.Errorf("page %s never drew its snapshot: %w", url, err)
	}
	return time.Since(start), nil
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](ctx context.Context, expr string) (T, error) {
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(tctx, chromedp.Evaluate[T](expr))
}

// WaitFor polls a JavaScript expression until it is truthy or timeout.
func WaitFor(ctx context.Context, expr string, timeout time.Duration) error {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := chromedp.Run(tctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(5*time.Millisecond)))
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", expr, err)
	}
	return nil
}

// Nodes lists the data-node attributes of the page's node elements.
func Nodes(ctx context.Context) ([]string, error) {
	return Eval[[]string](ctx, `[...document.querySelectorAll("[data-node][data-kind]")].map(e => e.dataset.node)`)
}

// LinkState is the data-state of the link element data-link=id.
func LinkState(ctx context.Context, id string) (string, error) {
	return Eval[string](ctx, fmt.Sprintf(`(document.querySelector('[data-link=%q]') || {dataset:{}}).dataset.state || ""`, id))
}

// WaitLinkState waits until the link's data-state is state.
func WaitLinkState(ctx context.Context, id, state string, timeout time.Duration) error {
	return WaitFor(ctx, fmt.Sprintf(`(document.querySelector('[data-link=%q]') || {dataset:{}}).dataset.state === %q`, id, state), timeout)
}

// ClickLink clicks the link on the graph's canvas (at its midpoint, where
// Cytoscape draws it), then the menu item for action: "down", "silent" or
// "up".
func ClickLink(ctx context.Context, id, action string) error {
	pos, err := Eval[[]float64](ctx, fmt.Sprintf(`(() => {
		const cy = window.netemu.cy, e = cy.$id(%q);
		cy.fit(e, 150);
		const m = e.renderedMidpoint(), r = document.querySelector('#graph').getBoundingClientRect();
		return [r.left + m.x, r.top + m.y];
	})()`, id))
	if err != nil {
		return fmt.Errorf("find link %s on the canvas: %w", id, err)
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.MouseClickXY(pos[0], pos[1])); err != nil {
		return err
	}
	sel := fmt.Sprintf(`#menu:not([hidden]) button[data-action=%q]`, action)
	if err := WaitFor(ctx, fmt.Sprintf(`document.querySelector(%q)`, sel), 15*time.Second); err != nil {
		return fmt.Errorf("link %s: no menu after the click: %w", id, err)
	}
	return chromedp.Do(tctx, chromedp.Click(chromedp.CSS(sel)))
}

// Terminal opens a terminal into node through its details panel (or
// ssh=true: the ssh button of an instance) and returns once it is shown.
func Terminal(ctx context.Context, node string, ssh bool) error {
	if _, err := Eval[chromedp.Void](ctx, fmt.Sprintf(`document.querySelector('[data-node=%q][data-kind] button').click()`, node)); err != nil {
		return err
	}
	action := "terminal"
	if ssh {
		action = "ssh"
	}
	sel := fmt.Sprintf(`#details button[data-action=%q]`, action)
	if err := WaitFor(ctx, fmt.Sprintf(`document.querySelector(%q)`, sel), 15*time.Second); err != nil {
		return err
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		return err
	}
	return WaitFor(ctx, fmt.Sprintf(`document.querySelector('.term-pane[data-term=%q] .xterm')`, node), 15*time.Second)
}

// TermType types text into the active terminal: the text as one input
// (as a paste or an IME would give it), then each newline as the Enter key.
// chromedp's SendKeys sends a key and its character as two events, and
// xterm.js takes both.
func TermType(ctx context.Context, text string) error {
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Focus(chromedp.CSS(`.term-pane:not([hidden]) textarea.xterm-helper-textarea`))); err != nil {
		return err
	}
	for i, part := range strings.Split(text, "\n") {
		if i > 0 {
			enter := []input.DispatchKeyEventParams{
				{Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, Text: "\r"},
				{Type: input.DispatchKeyEventTypeKeyUp, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13},
			}
			for _, ev := range enter {
				if err := chromedp.Do(tctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, ev)
					return err
				})); err != nil {
					return err
				}
			}
		}
		if part == "" {
			continue
		}
		if err := chromedp.Do(tctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: part})
			return err
		})); err != nil {
			return err
		}
	}
	return nil
}

// TermText is what the active terminal shows (its buffer, all lines).
func TermText(ctx context.Context) (string, error) {
	return Eval[string](ctx, `(() => {
		const ts = window.netemu.terms, t = ts[ts.length - 1];
		if (!t) return "";
		const b = t.term.buffer.active, out = [];
		for (let i = 0; i < b.length; i++) out.push(b.getLine(i).translateToString(true));
		return out.join("\n");
	})()`)
}

// Eval0 evaluates a JavaScript expression for its effect.
func Eval0(ctx context.Context, expr string) error {
	_, err := Eval[chromedp.Void](ctx, expr)
	return err
}

// WaitTermText waits until the active terminal shows text.
func WaitTermText(ctx context.Context, text string, timeout time.Duration) error {
	return WaitFor(ctx, fmt.Sprintf(`(() => {
		const ts = window.netemu.terms, t = ts[ts.length - 1];
		if (!t) return false;
		const b = t.term.buffer.active;
		for (let i = 0; i < b.length; i++) if (b.getLine(i).translateToString(true).includes(%q)) return true;
		return false;
	})()`, text), timeout)
}
