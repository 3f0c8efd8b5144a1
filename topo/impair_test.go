package topo

import (
	"strings"
	"testing"
	"time"
)

func TestParseImpairValues(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		bad  string
	}{
		{"1%", 1, ""}, {"0.1", 0.1, ""}, {" 2.5 % ", 2.5, ""}, {"100%", 100, ""}, {"0", 0, ""},
		{"150%", 0, "out of range"}, {"-1", 0, "out of range"}, {"lots", 0, "not a percentage"},
		{"NaN", 0, "not a percentage"}, {"0x10", 0, "not a percentage"}, {"", 0, "not a percentage"},
	} {
		got, prob := ParsePercent(tc.in)
		if got != tc.want || !strings.Contains(prob, tc.bad) || (tc.bad == "") != (prob == "") {
			t.Errorf("ParsePercent(%q) = %v, %q; want %v, %q", tc.in, got, prob, tc.want, tc.bad)
		}
	}
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  string
	}{
		{"40ms", 40 * time.Millisecond, ""}, {"0", 0, ""}, {"1.5s", 1500 * time.Millisecond, ""},
		{"-5ms", 0, "negative"}, {"2m", 0, "more than"}, {"5 parsecs", 0, "not a valid duration"},
	} {
		got, prob := ParseDelay(tc.in)
		if got != tc.want || !strings.Contains(prob, tc.bad) || (tc.bad == "") != (prob == "") {
			t.Errorf("ParseDelay(%q) = %v, %q; want %v, %q", tc.in, got, prob, tc.want, tc.bad)
		}
	}
	for _, tc := range []struct {
		in   string
		want uint64
		bad  string
	}{
		{"10mbit", 10e6, ""}, {"1gbit", 1e9, ""}, {"8kbit", 8000, ""},
		{"1kbit", 0, "out of range"}, {"1tbit", 0, "out of range"}, {"fast", 0, "not a valid rate"}, {"-5mbit", 0, "not a valid rate"},
	} {
		got, prob := ParseRate(tc.in)
		if got != tc.want || !strings.Contains(prob, tc.bad) || (tc.bad == "") != (prob == "") {
			t.Errorf("ParseRate(%q) = %v, %q; want %v, %q", tc.in, got, prob, tc.want, tc.bad)
		}
	}
}

func TestImpairmentString(t *testing.T) {
	i := Impairment{Delay: 40 * time.Millisecond, Jitter: 5 * time.Millisecond, Loss: 1, Duplicate: 0.1, Reorder: 1, Corrupt: 0.1, Rate: 10e6}
	if got, want := i.String(), "delay 40ms jitter 5ms loss 1% duplicate 0.1% reorder 1% corrupt 0.1% rate 10mbit"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if (Impairment{}).String() != "none" || !(Impairment{Rate: 1}).OnlyRate() || (Impairment{Loss: 1, Rate: 1}).OnlyRate() {
		t.Error("zero/OnlyRate wrong")
	}
	if got := FormatRate(1_500_000_000); got != "1.5gbit" {
		t.Errorf("FormatRate = %q", got)
	}
}

// What parses as a percentage prints and parses back to the same value.
func FuzzParsePercent(f *testing.F) {
	for _, s := range []string{"1%", "0.1", "100", "150%", "-1", "1e-3", " 2.5 % "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, prob := ParsePercent(s)
		if prob != "" {
			return
		}
		if v < 0 || v > 100 {
			t.Fatalf("ParsePercent(%q) = %v, out of range", s, v)
		}
		w, prob := ParsePercent(FormatPercent(v))
		if prob != "" || w != v {
			t.Fatalf("round trip of %q: %v → %q → %v %q", s, v, FormatPercent(v), w, prob)
		}
	})
}

// What parses as a rate prints and parses back to the same value.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"10mbit", "1.5gbit", "8kbit", "123456bit", "1tbit", "fast"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, prob := ParseRate(s)
		if prob != "" {
			return
		}
		if v < MinRate || v > MaxRate {
			t.Fatalf("ParseRate(%q) = %v, out of range", s, v)
		}
		w, prob := ParseRate(FormatRate(v))
		if prob != "" || w != v {
			t.Fatalf("round trip of %q: %v → %q → %v %q", s, v, FormatRate(v), w, prob)
		}
	})
}
