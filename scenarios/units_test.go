package scenarios

import (
	"errors"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  error
	}{
		{"0", 0, nil},
		{"10", 10 * time.Second, nil},
		{"1.5", 1500 * time.Millisecond, nil},
		{".25", 250 * time.Millisecond, nil},
		{"1e3", 1000 * time.Second, nil},
		{"1.5s", 1500 * time.Millisecond, nil},
		{"300ms", 300 * time.Millisecond, nil},
		{"2m", 2 * time.Minute, nil},
		{"1h30m", 90 * time.Minute, nil},
		{"250us", 250 * time.Microsecond, nil},
		{"0.000000001", time.Nanosecond, nil},
		{" 5ms ", 5 * time.Millisecond, nil},
		{"-1", 0, errNegative},
		{"-1s", 0, errNegative},
		{"1e12", 0, errTooLarge},
		{"", 0, errSyntax},
		{"abc", 0, errSyntax},
		{"5 ms", 0, errSyntax},
		{"1x", 0, errSyntax},
		{"inf", 0, errSyntax},
		{"NaN", 0, errSyntax},
		{"0x10", 0, errSyntax},
		{"--1s", 0, errSyntax},
	} {
		got, err := parseDuration(tc.in)
		if !errors.Is(err, tc.err) || (err == nil && got != tc.want) {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  error
	}{
		{"100", 100, nil},
		{"100B", 100, nil},
		{"100 bytes", 100, nil},
		{"1KB", 1000, nil},
		{"1kB", 1000, nil},
		{"1KiB", 1024, nil},
		{"1.5KB", 1500, nil},
		{"2MB", 2_000_000, nil},
		{"1MiB", 1 << 20, nil},
		{"1GiB", 1 << 30, nil},
		{"1TiB", 1 << 40, nil}, // the docs' bound of max_bytes_moved
		{"2TB", 2e12, nil},
		{"64B", 64, nil},
		{"1.5", 0, errSyntax},
		{"0.5KiB", 512, nil},
		{"-5B", 0, errNegative},
		{"10XB", 0, errSyntax},
		{"KB", 0, errSyntax},
		{"", 0, errSyntax},
		{"1e30", 0, errTooLarge},
	} {
		got, err := parseSize(tc.in)
		if !errors.Is(err, tc.err) || (err == nil && got != tc.want) {
			t.Errorf("parseSize(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseBandwidth(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		err  error
	}{
		{"0", 0, nil},
		{"unlimited", 0, nil},
		{"1000", 1000, nil},
		{"100bps", 100, nil},
		{"500kbps", 500e3, nil},
		{"500Kbps", 500e3, nil},
		{"10Mbps", 10e6, nil},
		{"1Gbps", 1e9, nil},
		{"1.5Mbps", 1.5e6, nil},
		{"2Mbit/s", 2e6, nil},
		{"2 Mb/s", 2e6, nil},
		{"1MB/s", 8e6, nil},
		{"1MBps", 8e6, nil},
		{"100B/s", 800, nil},
		{"-5Mbps", 0, errNegative},
		{"10Mbs", 0, errSyntax},
		{"10Tbps", 0, errSyntax},
		{"fast", 0, errSyntax},
		{"Mbps", 0, errSyntax},
		{"1e400", 0, errTooLarge},
	} {
		got, err := parseBandwidth(tc.in)
		if !errors.Is(err, tc.err) || (err == nil && got != tc.want) {
			t.Errorf("parseBandwidth(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseProbability(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"0.15", 0.15, true},
		{"30%", 0.3, true},
		{"100%", 1, true},
		{"1.5", 0, false},
		{"-0.1", 0, false},
		{"101%", 0, false},
		{"NaN", 0, false},
		{"half", 0, false},
	} {
		got, err := parseProbability(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("parseProbability(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestSuggestName(t *testing.T) {
	keys := []string{"delay", "bandwidth", "loss", "duplicate", "reorder", "reorder_delay", "corrupt", "links"}
	for _, tc := range []struct {
		in, want string
	}{
		{"los", "loss"},
		{"Loss", "loss"},
		{"lsos", "loss"}, // a transposition is one edit
		{"reorder_dly", "reorder_delay"},
		{"band", "bandwidth"},          // prefix
		{"bandwidth_max", "bandwidth"}, // the key is a prefix of the input
		{"link", "links"},
		{"x", ""},
		{"latency", ""},
		{"zzzzzzzz", ""},
	} {
		if got := suggestName(tc.in, keys); got != tc.want {
			t.Errorf("suggestName(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"raed", "read", 1},
		{"nsf", "nfs", 1},
		{"loss", "los", 1},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d; want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestFormatDurationExact: durations are written exactly, digit for digit
// (6.863s, not 6.8629999999999995s from the float of its seconds).
func TestFormatDurationExact(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 300 * time.Millisecond: "300ms", 6863 * time.Millisecond: "6.863s", 80 * time.Second: "80s",
		1500 * time.Millisecond: "1.5s", 3*time.Hour + 10*time.Millisecond: "10800.01s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q; want %q", int64(d), got, want)
		}
	}
}
