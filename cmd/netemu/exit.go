package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Exit codes (README "Exit codes"): scripts tell these apart.
const (
	exitOK          = 0   // the command did what it says
	exitFailure     = 1   // it could not (the lab, the kernel, a program failed)
	exitUsage       = 2   // the command line is wrong: unknown command or flag, wrong arguments
	exitInterrupted = 130 // Ctrl-C or SIGTERM: what was half done is rolled back
)

// exitError carries a process exit status through cobra, e.g. the status
// of a command run by `netemu exec`, or 2 for a usage error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usage marks err as a mistake on the command line (exit 2).
func usage(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: exitUsage, err: err}
}

// errInterrupted is the error of a command stopped by Ctrl-C or SIGTERM.
var errInterrupted = errors.New("interrupted")

func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, errInterrupted), errors.Is(err, context.Canceled):
		return exitInterrupted
	case isCobraUsage(err):
		return exitUsage
	}
	return exitFailure
}

// isCobraUsage recognises the errors cobra itself returns for a command
// line it cannot parse (it has no types for them).
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "flag needs an argument",
		"accepts ", "requires at least", "requires at most", "required flag", "bad flag syntax"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// interrupted turns err into errInterrupted when ctx was cancelled by a
// signal (ctx's parent still live), so the user reads "interrupted" and
// not the timeout some inner wait reported.
func interrupted(ctx, parent context.Context, err error, what string) error {
	if err != nil && ctx.Err() != nil && parent.Err() == nil {
		return &exitError{code: exitInterrupted, err: fmt.Errorf("%w: %s", errInterrupted, what)}
	}
	return err
}
